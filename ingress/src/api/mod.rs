//! The merchant admin API under `/api/v1`: bearer-token authentication, one permission table,
//! tenant scope from the signed token, the error envelope every route shares, and
//! `Idempotency-Key` on every POST (see [`idempotency`]).

mod alerts;
mod analytics;
mod api_keys;
mod audit_log;
pub mod auth;
mod billing;
mod body;
mod channels;
mod conversations;
mod customers;
mod dead_letters;
mod idempotency;
mod knowledge;
mod marketplace_accounts;
mod me;
mod onboarding;
mod openapi;
pub mod page;
mod params;
pub mod permissions;
mod quick_replies;
mod requisites;
mod settings;
mod users;
mod vocabulary;

use axum::Router;
use axum::routing::{get, post};

use crate::AppState;

pub fn router(state: AppState) -> Router<AppState> {
    routes().route_layer(axum::middleware::from_fn_with_state(
        state,
        idempotency::honour,
    ))
}

fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/openapi.json", get(openapi::document))
        .route("/api/docs", get(openapi::page))
        .route("/api/v1/auth/signup", post(auth::sign_up))
        .route("/api/v1/auth/login", post(auth::sign_in))
        .route("/api/v1/auth/refresh", post(auth::refresh))
        .route("/api/v1/auth/logout", post(auth::sign_out))
        .route("/api/v1/auth/password-reset", post(auth::request_reset))
        .route(
            "/api/v1/auth/password-reset/confirm",
            post(auth::confirm_reset),
        )
        .route("/api/v1/me", get(me::me).patch(me::update))
        .route("/api/v1/me/password", post(me::change_password))
        .route(
            "/api/v1/me/email-verification",
            post(me::resend_verification),
        )
        .route(
            "/api/v1/me/alerts",
            get(alerts::show_alerts).patch(alerts::update_alerts),
        )
        .route(
            "/api/v1/settings",
            get(settings::show).patch(settings::update),
        )
        .merge(users::routes())
        .merge(api_keys::routes())
        .merge(audit_log::routes())
        .merge(dead_letters::routes())
        .merge(analytics::routes())
        .merge(channels::routes())
        .merge(billing::routes())
        .merge(requisites::routes())
        .merge(conversations::routes())
        .merge(customers::routes())
        .merge(quick_replies::routes())
        .merge(knowledge::routes())
        .merge(marketplace_accounts::routes())
        .merge(onboarding::routes())
}
