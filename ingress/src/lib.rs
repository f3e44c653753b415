#![doc = include_str!("../README.md")]

mod api;
mod client_address;
mod dashboard;
mod email_verification;
mod error;
mod health;
mod hooks;
mod metrics;
mod problems;
mod public_channels;
mod rate_limits;
mod realtime;
mod request_span;
mod security_headers;
mod server;
mod state;
mod unsubscribe;
mod webchat;

use std::future::Future;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tokio::net::TcpListener;

pub use error::{ApiError, FieldError};
pub use state::{AppState, StartError};

/// All routes of the ingress.
pub fn router(state: AppState) -> Router {
    let hooks = Router::new()
        .route(
            "/hooks/telegram/{channel_id}",
            post(hooks::telegram::receive),
        )
        .route("/hooks/max/{channel_id}", post(hooks::max::receive))
        .route("/hooks/vk/{channel_id}", post(hooks::vk::receive))
        .route(
            "/hooks/whatsapp/{channel_id}",
            get(hooks::whatsapp::verify).post(hooks::whatsapp::receive),
        )
        .route("/hooks/stripe", post(hooks::stripe::receive))
        .route("/hooks/yookassa", post(hooks::yookassa::receive))
        .route("/chat/{channel_id}/messages", post(webchat::post_message))
        .route("/chat/{channel_id}/rating", post(webchat::post_rating))
        .layer(DefaultBodyLimit::max(state.config().max_body_bytes));
    Router::new()
        .merge(hooks)
        .merge(
            api::router(state.clone()).layer(DefaultBodyLimit::max(state.config().max_body_bytes)),
        )
        .route("/chat/{channel_id}", get(webchat::page))
        .route("/chat/{channel_id}/history", get(webchat::history))
        .route("/chat/{channel_id}/events", get(webchat::events))
        .route(
            "/verify-email",
            get(email_verification::page).post(email_verification::confirm),
        )
        .route(
            "/alerts/unsubscribe",
            get(unsubscribe::page).post(unsubscribe::confirm),
        )
        .route("/app", get(dashboard::redirect))
        .route("/app/", get(dashboard::index))
        .route("/app/app.js", get(dashboard::script))
        .route("/app/app.css", get(dashboard::style))
        .route("/ws", get(dashboard::live::socket))
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .route("/metrics", get(metrics::render))
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::track,
        ))
        .route_layer(axum::middleware::from_fn(request_span::trace))
        .fallback(error::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security_headers::add,
        ))
        .with_state(state)
}

/// Serves until `shutdown` completes, then lets requests in flight finish; see [`server`] for
/// the timeouts and limits every connection is held to.
pub async fn serve(
    state: AppState,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    server::serve(state, listener, shutdown).await
}
