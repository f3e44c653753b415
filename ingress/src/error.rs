//! One error type for every route, mapped once to a status and a JSON envelope:
//! `{"error": {"code": "...", "message": "..."}}`. Internal details are logged, never returned.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("the webhook secret is missing or wrong")]
    Unauthorized,
    #[error("not found")]
    NotFound,
    /// Redis did not take the job in time; the sender should retry.
    #[error("temporarily unable to accept the request; retry shortly")]
    QueueUnavailable,
    #[error("temporarily unable to read data; retry shortly")]
    DatabaseUnavailable(#[from] otklik_db::DbError),
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::QueueUnavailable | Self::DatabaseUnavailable(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::Unauthorized => "unauthorized",
            Self::NotFound => "not_found",
            Self::QueueUnavailable | Self::DatabaseUnavailable(_) => "unavailable",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::DatabaseUnavailable(err) = &self {
            tracing::error!(error = %err, "database error while serving a request");
        }
        let status = self.status();
        let body = Json(json!({ "error": { "code": self.code(), "message": self.to_string() } }));
        let mut response = (status, body).into_response();
        if status == StatusCode::SERVICE_UNAVAILABLE {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
        }
        response
    }
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}
