//! One error type for every route, mapped once to a status and a JSON envelope:
//! `{"error": {"code": "...", "message": "..."}}`. Internal details are logged, never returned;
//! a 500 carries an error id that is also in the log line, so a report can be matched to it.
//! Database errors are mapped by kind: no connection 503 (retry), a unique or foreign-key
//! conflict 409, no row 404, anything else a logged 500.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::problems::Problem;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    /// The body is over the configured limit (`OTKLIK_MAX_BODY_BYTES`).
    #[error("{0}")]
    TooLarge(String),
    #[error("the webhook secret is missing or wrong")]
    Unauthorized,
    #[error("not found")]
    NotFound,
    /// Redis did not take the job in time; the sender should retry.
    #[error("temporarily unable to accept the request; retry shortly")]
    QueueUnavailable,
    #[error("{}", database_message(.0))]
    Database(#[from] otklik_db::DbError),
    /// No valid access token: missing, malformed, expired, or signed by someone else.
    #[error("sign in first: {0}")]
    Unauthenticated(&'static str),
    #[error("wrong e-mail or password")]
    InvalidCredentials,
    #[error("too many attempts; try again in {retry_after} s")]
    TooManyRequests { retry_after: u64 },
    #[error("your role does not allow this")]
    Forbidden,
    /// The request collides with the shop's state; the reason is the dashboard's to say.
    #[error("{1}")]
    Conflict(Conflict, String),
    /// The request is well-formed JSON but some fields are not acceptable.
    #[error("some fields are invalid")]
    Validation(Vec<FieldError>),
    /// A value that must be unique in the shop is another object's already: a conflict with
    /// what is stored (409), told at its field.
    #[error("this value is already taken")]
    Taken(FieldError),
    /// A service we depend on (Telegram, the payment provider) failed.
    #[error("{1}")]
    Upstream(Service, String),
    /// Something of ours failed; the detail is logged, not returned.
    #[error("internal error")]
    Internal(String),
}

/// For handlers that run a transaction of their own.
impl From<diesel::result::Error> for ApiError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Database(err.into())
    }
}

/// What a database error means to the caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DatabaseKind {
    /// No connection, or the database asked us to retry: 503.
    Unavailable,
    /// A unique or foreign-key constraint: the request collides with what exists, 409.
    Conflict,
    /// The row is not there: 404.
    Missing,
    /// Ours to fix: a logged 500.
    Internal,
}

fn database_kind(err: &otklik_db::DbError) -> DatabaseKind {
    use diesel::result::{DatabaseErrorKind, Error};
    use otklik_db::DbError;
    match err {
        DbError::Unavailable(_) | DbError::Connect(_) => DatabaseKind::Unavailable,
        DbError::Query(Error::NotFound) => DatabaseKind::Missing,
        DbError::Query(Error::DatabaseError(kind, _)) => match kind {
            DatabaseErrorKind::UniqueViolation | DatabaseErrorKind::ForeignKeyViolation => {
                DatabaseKind::Conflict
            }
            DatabaseErrorKind::SerializationFailure | DatabaseErrorKind::ClosedConnection => {
                DatabaseKind::Unavailable
            }
            _ => DatabaseKind::Internal,
        },
        DbError::Query(Error::BrokenTransactionManager) => DatabaseKind::Unavailable,
        _ => DatabaseKind::Internal,
    }
}

fn database_message(err: &otklik_db::DbError) -> &'static str {
    match database_kind(err) {
        DatabaseKind::Unavailable => "temporarily unable to read data; retry shortly",
        DatabaseKind::Conflict => "this conflicts with something that already exists",
        DatabaseKind::Missing => "not found",
        DatabaseKind::Internal => "internal error",
    }
}

/// One field a request got wrong, and how: `{"field", "code", "message"}` and the problem's
/// parameters, such as `"max": 200` with `too_long`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The field as sent, dotted when nested (`handoff.intents`), or the header's name.
    pub field: &'static str,
    /// The row of an imported file the problem is in.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    pub row: Option<usize>,
    #[serde(flatten)]
    pub problem: Problem,
    /// The problem in English, for people; may change, so clients translate by `code`.
    message: String,
}

impl FieldError {
    pub fn new(field: &'static str, problem: Problem) -> Self {
        Self {
            field,
            row: None,
            message: problem.to_string(),
            problem,
        }
    }

    /// The problem as found in `row` of an imported file.
    pub fn in_row(field: &'static str, row: usize, problem: Problem) -> Self {
        Self {
            field,
            row: Some(row),
            message: format!("row {row}: {problem}"),
            problem,
        }
    }
}

// A type rather than ad-hoc JSON, so the OpenAPI document describes exactly what is sent.
/// The body of every error answer.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct ErrorEnvelope {
    error: ErrorBody,
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
struct ErrorBody {
    /// Stable and machine-readable: `bad_request`, `too_large`, `unauthenticated`, `invalid_credentials`,
    /// `forbidden`, `not_found`, `conflict`, `validation_failed`, `too_many_requests`,
    /// `upstream_failed`, `unavailable`, `internal`, `unauthorized`.
    code: &'static str,
    /// For people; may change.
    message: String,
    /// With `validation_failed`, and with `conflict` when a value is taken.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    fields: Option<Vec<FieldError>>,
    /// With `conflict`, what it collides with; with `upstream_failed`, the service that failed.
    /// Clients word these themselves (the dashboard does, in Russian).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false, value_type = String)]
    reason: Option<&'static str>,
}

/// What a request collided with (409).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Conflict {
    EmailRegistered,
    SlugTaken,
    AlreadyMember,
    BillingOff,
    CurrencyOff,
    RefundRefused,
    PlanLimit,
    RequestInProgress,
    ConversationClosed,
    NotADraft,
    NothingAnswered,
    AlreadyRated,
    AlreadyVerified,
    RequisitesMissing,
}

impl Conflict {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::EmailRegistered => "email_registered",
            Self::SlugTaken => "slug_taken",
            Self::AlreadyMember => "already_member",
            Self::BillingOff => "billing_off",
            Self::CurrencyOff => "currency_off",
            Self::RefundRefused => "refund_refused",
            Self::PlanLimit => "plan_limit",
            Self::RequestInProgress => "request_in_progress",
            Self::ConversationClosed => "conversation_closed",
            Self::NotADraft => "not_a_draft",
            Self::NothingAnswered => "nothing_answered",
            Self::AlreadyRated => "already_rated",
            Self::AlreadyVerified => "already_verified",
            Self::RequisitesMissing => "requisites_missing",
        }
    }
}

/// A service outside that failed (502).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Telegram,
    Max,
    Vk,
    WhatsApp,
    Payments,
}

impl Service {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Telegram => "telegram",
            Self::Max => "max",
            Self::Vk => "vk",
            Self::WhatsApp => "whatsapp",
            Self::Payments => "payments",
        }
    }
}

impl ApiError {
    fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge(_) => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::QueueUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            Self::Database(err) => match database_kind(err) {
                DatabaseKind::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
                DatabaseKind::Conflict => StatusCode::CONFLICT,
                DatabaseKind::Missing => StatusCode::NOT_FOUND,
                DatabaseKind::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            },
            Self::Unauthenticated(_) | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::Conflict(..) | Self::Taken(_) => StatusCode::CONFLICT,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Upstream(..) => StatusCode::BAD_GATEWAY,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn code(&self) -> &'static str {
        match self {
            Self::BadRequest(_) => "bad_request",
            Self::TooLarge(_) => "too_large",
            Self::Unauthorized => "unauthorized",
            Self::NotFound => "not_found",
            Self::QueueUnavailable => "unavailable",
            Self::Database(err) => match database_kind(err) {
                DatabaseKind::Unavailable => "unavailable",
                DatabaseKind::Conflict => "conflict",
                DatabaseKind::Missing => "not_found",
                DatabaseKind::Internal => "internal",
            },
            Self::Unauthenticated(_) => "unauthenticated",
            Self::InvalidCredentials => "invalid_credentials",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Forbidden => "forbidden",
            Self::Conflict(..) | Self::Taken(_) => "conflict",
            Self::Validation(_) => "validation_failed",
            Self::Upstream(..) => "upstream_failed",
            Self::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut message = self.to_string();
        if status.is_server_error() {
            let error_id = uuid::Uuid::new_v4().simple().to_string();
            match &self {
                Self::Database(err) => tracing::error!(error_id, error = %err,
                    "database error while serving a request"),
                Self::Internal(detail) => {
                    tracing::error!(error_id, error = %detail, "request failed")
                }
                other => tracing::warn!(error_id, error = %other, "request failed"),
            }
            message = format!("{message} (error id {error_id})");
        }
        let envelope = ErrorEnvelope {
            error: ErrorBody {
                code: self.code(),
                message,
                fields: match &self {
                    Self::Validation(fields) => Some(fields.clone()),
                    Self::Taken(field) => Some(vec![field.clone()]),
                    _ => None,
                },
                reason: match &self {
                    Self::Conflict(conflict, _) => Some(conflict.as_str()),
                    Self::Upstream(service, _) => Some(service.as_str()),
                    _ => None,
                },
            },
        };
        let mut response = (status, Json(envelope)).into_response();
        let retry_after = match &self {
            Self::TooManyRequests { retry_after } => Some(HeaderValue::from(*retry_after)),
            _ if status == StatusCode::SERVICE_UNAVAILABLE => Some(HeaderValue::from_static("5")),
            _ => None,
        };
        if let Some(value) = retry_after {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}

pub async fn not_found() -> ApiError {
    ApiError::NotFound
}

#[cfg(test)]
mod tests {
    use axum::http::StatusCode;
    use diesel::result::{DatabaseErrorKind, Error};
    use otklik_db::DbError;

    use super::ApiError;

    fn status(err: Error) -> StatusCode {
        ApiError::from(DbError::from(err)).status()
    }

    struct Info;

    impl diesel::result::DatabaseErrorInformation for Info {
        fn message(&self) -> &str {
            "details only for the log"
        }
        fn details(&self) -> Option<&str> {
            None
        }
        fn hint(&self) -> Option<&str> {
            None
        }
        fn table_name(&self) -> Option<&str> {
            None
        }
        fn column_name(&self) -> Option<&str> {
            None
        }
        fn constraint_name(&self) -> Option<&str> {
            None
        }
        fn statement_position(&self) -> Option<i32> {
            None
        }
    }

    fn database(kind: DatabaseErrorKind) -> Error {
        Error::DatabaseError(kind, Box::new(Info))
    }

    #[test]
    fn database_errors_are_mapped_by_kind() {
        assert_eq!(status(Error::NotFound), StatusCode::NOT_FOUND);
        assert_eq!(
            status(database(DatabaseErrorKind::UniqueViolation)),
            StatusCode::CONFLICT
        );
        assert_eq!(
            status(database(DatabaseErrorKind::ForeignKeyViolation)),
            StatusCode::CONFLICT
        );
        assert_eq!(
            status(database(DatabaseErrorKind::SerializationFailure)),
            StatusCode::SERVICE_UNAVAILABLE
        );
        assert_eq!(
            status(database(DatabaseErrorKind::ClosedConnection)),
            StatusCode::SERVICE_UNAVAILABLE
        );
        let internal = ApiError::from(DbError::from(database(DatabaseErrorKind::Unknown)));
        assert_eq!(internal.status(), StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!internal.to_string().contains("details only for the log"));
    }
}
