//! Prometheus metrics: requests by route and status, how long Redis takes to accept a job, and
//! live streams open. `/metrics` is served only with `OTKLIK_METRICS_TOKEN` set, to callers
//! that send it as a bearer token: route names and counts are not for the public.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    status: u16,
}

#[derive(Clone)]
pub struct Metrics {
    registry: Arc<Registry>,
    requests: Family<RequestLabels, Counter>,
    enqueue: Histogram,
    live_topics: Gauge,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("otklik");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests by route and status",
            requests.clone(),
        );
        // 100 µs .. ~3 s
        let enqueue = Histogram::new(exponential_buckets(0.0001, 2.0, 16));
        registry.register(
            "enqueue_duration_seconds",
            "Time for Redis to accept a job",
            enqueue.clone(),
        );
        let live_topics = Gauge::default();
        registry.register(
            "live_topics",
            "Web-chat and operator topics with a listener in this process",
            live_topics.clone(),
        );
        Self {
            registry: Arc::new(registry),
            requests,
            enqueue,
            live_topics,
        }
    }
}

impl Metrics {
    pub fn observe_enqueue(&self, took: Duration) {
        self.enqueue.observe(took.as_secs_f64());
    }
}

/// Counts every routed request under its route template (never the raw path: ids would make
/// the label set unbounded).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |path| path.as_str().to_owned());
    let response = next.run(request).await;
    let labels = RequestLabels {
        route,
        status: response.status().as_u16(),
    };
    state.metrics().requests.get_or_create(&labels).inc();
    response
}

pub async fn render(State(state): State<AppState>, headers: axum::http::HeaderMap) -> Response {
    let Some(token) = state.config().metrics_token.as_ref() else {
        return crate::ApiError::NotFound.into_response();
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok());
    if !otklik_config::admits_bearer(token, given) {
        return crate::ApiError::Unauthenticated("send the metrics token as a bearer token")
            .into_response();
    }
    state
        .metrics()
        .live_topics
        .set(i64::try_from(state.hub().topics() + state.operators().topics()).unwrap_or(i64::MAX));
    let mut body = String::new();
    if prometheus_client::encoding::text::encode(&mut body, &state.metrics().registry).is_err() {
        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
    }
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        body,
    )
        .into_response()
}
