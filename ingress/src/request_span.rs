//! One `request` span per HTTP request, carrying its method, route and an id, and — once the
//! caller is known — its tenant ([`record_tenant`]). The id is answered in `X-Request-Id`, so a
//! merchant who reports a failure names the log lines that tell it.

use axum::extract::{MatchedPath, Request};
use axum::http::HeaderValue;
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;
use tracing::field::Empty;

const REQUEST_ID: &str = "x-request-id";

pub async fn trace(request: Request, next: Next) -> Response {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("", MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!(
        "request",
        http.method = %request.method(),
        http.route = route,
        request.id = id,
        tenant.id = Empty,
        http.status = Empty,
    );
    let mut response = next.run(request).instrument(span.clone()).await;
    span.record("http.status", response.status().as_u16());
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(REQUEST_ID, value);
    }
    response
}

/// Names the tenant the running request acts for on its span.
pub fn record_tenant(tenant: impl std::fmt::Display) {
    tracing::Span::current().record("tenant.id", tracing::field::display(tenant));
}
