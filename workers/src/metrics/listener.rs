//! The worker process's `/metrics` endpoint on `OTKLIK_WORKER_METRICS_ADDR`, under the same rule
//! as the ingress's: served only with `OTKLIK_METRICS_TOKEN` set, to callers that send it as a
//! bearer token (compared in constant time).

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use otklik_jobs::QueueSettings;
use redis::aio::ConnectionManager;
use secrecy::SecretString;

use super::Metrics;

/// The listener could not start.
#[derive(Debug, thiserror::Error)]
#[error("could not listen on OTKLIK_WORKER_METRICS_ADDR {addr}: {source}")]
pub struct ListenError {
    addr: SocketAddr,
    source: std::io::Error,
}

struct Exporter {
    metrics: Metrics,
    redis: ConnectionManager,
    settings: QueueSettings,
    token: Option<SecretString>,
}

/// A bound `/metrics` listener, serving once spawned.
pub(crate) struct Listener {
    socket: tokio::net::TcpListener,
    router: Router,
}

impl Listener {
    /// Binds `addr` at start-up, so a taken port stops the process with a clear line instead of
    /// a worker that silently serves no metrics.
    pub(crate) async fn bind(
        addr: SocketAddr,
        metrics: Metrics,
        redis: ConnectionManager,
        settings: QueueSettings,
        token: Option<SecretString>,
    ) -> Result<Self, ListenError> {
        if token.is_none() {
            tracing::warn!(%addr, "OTKLIK_WORKER_METRICS_ADDR is set but OTKLIK_METRICS_TOKEN is not: /metrics answers 404");
        }
        let socket = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|source| ListenError { addr, source })?;
        let exporter = Arc::new(Exporter {
            metrics,
            redis,
            settings,
            token,
        });
        let router = Router::new()
            .route("/metrics", get(render))
            .with_state(exporter);
        Ok(Self { socket, router })
    }

    /// Serves until the task is dropped or aborted.
    pub(crate) async fn serve(self) {
        if let Err(err) = axum::serve(self.socket, self.router).await {
            tracing::error!(error = %err, "the metrics listener stopped");
        }
    }
}

async fn render(State(exporter): State<Arc<Exporter>>, headers: HeaderMap) -> Response {
    let Some(token) = exporter.token.as_ref() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    if !otklik_config::admits_bearer(token, given) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
            "send the metrics token as a bearer token\n",
        )
            .into_response();
    }
    match super::queues::read(&exporter.redis, &exporter.settings).await {
        Ok(depths) => exporter.metrics.set_queues(Some(&depths)),
        Err(err) => {
            tracing::warn!(error = %err, "could not read the queues for /metrics");
            exporter.metrics.set_queues(None);
        }
    }
    match exporter.metrics.encode() {
        Ok(body) => (
            [(
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            )],
            body,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
