//! `Idempotency-Key` on every POST of the admin API, after Stripe and
//! draft-ietf-httpapi-idempotency-key-header: the first request with a key runs and its answer
//! is kept for 24 hours; a retry of the same request (method, path and query, SHA-256 of the
//! body) by the same caller gets that answer again with `Idempotent-Replayed: true`. The same key
//! with another request is refused (422), and so is a retry while the first still runs (409).
//!
//! Keys belong to a caller within a tenant: a signed-in person (`user:<id>`) or an API key
//! (`api_key:<id>`), so nobody can read another caller's answer by guessing their key.
//! Server errors (5xx) are not kept, so the client may retry; client errors (4xx) are.
//! Secrets an answer shows once (an API key, an invitation's token and link) are not kept: the
//! stored answer has them replaced by [`REDACTED`], so a database dump or a replay never yields
//! them, and a client that lost the first answer makes a new key or invitation.
//! Expired keys of a tenant are deleted when it next uses a key; the claim itself ignores them.
//!
//! Not covered: sign-in, sign-up, token refresh, password resets and accepting an invitation
//! (`/api/v1/auth/*`, `/api/v1/invitations/accept`) have no caller to scope a key to and answer
//! secrets that must never be handed to whoever repeats a key; operator replies and notes keep
//! their own key on the message row, which sends once even across processes.

use std::time::Duration;

use axum::body::{Body, to_bytes};
use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use otklik_db::idempotency::{self, Claim, Fingerprint, KeyOwner, StoredResponse};
use sha2::{Digest, Sha256};

use super::auth::Principal;
use crate::error::{Conflict, FieldError};
use crate::problems::Problem;
use crate::{ApiError, AppState};

const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");
/// Marks an answer given again for a retried request.
pub(super) const REPLAYED: HeaderName = HeaderName::from_static("idempotent-replayed");
const MAX_KEY: usize = 255;
/// How long an answer is kept for retries.
const TTL: Duration = Duration::from_secs(24 * 60 * 60);
/// After this long without an answer the first request is taken for dead (its process ended
/// mid-request), and the same request may claim the key again.
const LOCK_TIMEOUT: Duration = Duration::from_secs(5 * 60);
/// What a replayed answer shows in place of a secret the first answer showed once.
pub(super) const REDACTED: &str = "[redacted: shown once]";
/// Fields of a JSON answer that hold secrets, at its top level.
const SECRET_FIELDS: [&str; 6] = [
    "key",
    "token",
    "accept_url",
    "access_token",
    "refresh_token",
    "secret",
];

/// The answer as it may be kept: its secret fields replaced.
fn redacted(body: &[u8]) -> Vec<u8> {
    let Ok(serde_json::Value::Object(mut fields)) = serde_json::from_slice(body) else {
        return body.to_vec();
    };
    let mut changed = false;
    for name in SECRET_FIELDS {
        if let Some(value) = fields.get_mut(name)
            && value.is_string()
        {
            *value = serde_json::Value::String(REDACTED.to_owned());
            changed = true;
        }
    }
    if changed {
        serde_json::to_vec(&fields).unwrap_or_else(|_| body.to_vec())
    } else {
        body.to_vec()
    }
}

/// The answer headers a replay repeats; the rest describe the connection, not the answer.
const KEPT_HEADERS: [HeaderName; 2] = [header::CONTENT_TYPE, header::LOCATION];

/// Routes that answer secrets to callers without a principal, or keep keys of their own.
const NOT_COVERED: [&str; 4] = [
    "/api/v1/auth/",
    "/api/v1/invitations/accept",
    "/api/v1/conversations/{id}/reply",
    "/api/v1/conversations/{id}/notes",
];

/// The middleware: layered on the admin API's routes.
pub async fn honour(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match guarded(state, request, next).await {
        Ok(response) => response,
        Err(err) => err.into_response(),
    }
}

async fn guarded(state: AppState, request: Request, next: Next) -> Result<Response, ApiError> {
    let covered = request.method() == Method::POST
        && request.headers().contains_key(IDEMPOTENCY_KEY)
        && request
            .extensions()
            .get::<MatchedPath>()
            .is_some_and(|path| {
                !NOT_COVERED
                    .iter()
                    .any(|skip| path.as_str().starts_with(skip))
            });
    if !covered {
        return Ok(next.run(request).await);
    }
    let (mut parts, body) = request.into_parts();
    // Who asks first: an unauthenticated request is a 401 whatever its key looks like.
    let principal = Principal::from_request_parts(&mut parts, &state).await?;
    let key = key(&parts)?;
    let caller = caller(principal);
    let body = to_bytes(body, state.config().max_body_bytes)
        .await
        .map_err(|err| super::body::unreadable(err, &state))?;
    let path = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_owned(), ToString::to_string);
    let body_sha256 = hex::encode(Sha256::digest(&body));
    let fingerprint = Fingerprint {
        method: parts.method.as_str(),
        path: &path,
        body_sha256: &body_sha256,
    };
    let owner = KeyOwner {
        scope: principal.tenant,
        caller: &caller,
        key: &key,
    };
    let claim = {
        let mut conn = state.db_for(&principal).await?;
        idempotency::claim(&mut conn, owner, fingerprint, TTL, LOCK_TIMEOUT).await?
    };
    match claim {
        Claim::Acquired => {}
        Claim::Completed(stored) => return Ok(replay(stored)),
        Claim::InProgress => {
            return Err(ApiError::Conflict(
                Conflict::RequestInProgress,
                "a request with this Idempotency-Key is still being processed; retry shortly"
                    .into(),
            ));
        }
        Claim::Mismatch => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "Idempotency-Key",
                Problem::KeyReused,
            )]));
        }
    }
    let request = Request::from_parts(parts, Body::from(body));
    // A client that hangs up must not leave the key claimed with the work half-recorded: the
    // request runs to its end, and its answer is kept, whether anyone still waits for it.
    let running = tokio::spawn(async move {
        let response = next.run(request).await;
        settle(&state, principal, &caller, &key, response).await
    });
    running
        .await
        .map_err(|err| ApiError::Internal(format!("an idempotent request failed: {err}")))
}

/// The request's key: 1 to 255 visible ASCII characters.
fn key(parts: &Parts) -> Result<String, ApiError> {
    header_key(&parts.headers, MAX_KEY)?.ok_or_else(|| malformed(MAX_KEY))
}

/// The request's `Idempotency-Key`, if it sent one: 1 to `max` visible ASCII characters.
/// Conversation replies and notes read it too, for the key they keep on the message itself.
pub(super) fn header_key(headers: &HeaderMap, max: usize) -> Result<Option<String>, ApiError> {
    let Some(value) = headers.get(IDEMPOTENCY_KEY) else {
        return Ok(None);
    };
    value
        .to_str()
        .ok()
        .filter(|key| (1..=max).contains(&key.len()))
        .filter(|key| key.bytes().all(|b| b.is_ascii_graphic()))
        .map(|key| Some(key.to_owned()))
        .ok_or_else(|| malformed(max))
}

fn malformed(max: usize) -> ApiError {
    ApiError::BadRequest(format!(
        "Idempotency-Key must be 1 to {max} visible ASCII characters"
    ))
}

/// Whose key it is: the API key the request came with, else the person.
fn caller(principal: Principal) -> String {
    match principal.api_key {
        Some(key) => format!("api_key:{key}"),
        None => format!("user:{}", principal.user.0),
    }
}

/// Keeps a finished answer for retries, or gives the key up after a server error.
async fn settle(
    state: &AppState,
    principal: Principal,
    caller: &str,
    key: &str,
    response: Response,
) -> Response {
    let owner = KeyOwner {
        scope: principal.tenant,
        caller,
        key,
    };
    let (parts, body) = response.into_parts();
    let body = match to_bytes(body, usize::MAX).await {
        Ok(body) => Some(body),
        Err(err) => {
            tracing::error!(error = %err, "could not read an answer to keep for its Idempotency-Key");
            None
        }
    };
    let stored = body
        .as_ref()
        .filter(|_| !parts.status.is_server_error())
        .map(|body| StoredResponse {
            status: parts.status.as_u16(),
            headers: KEPT_HEADERS
                .iter()
                .filter_map(|name| {
                    let value = parts.headers.get(name)?.to_str().ok()?;
                    Some((name.as_str().to_owned(), value.to_owned()))
                })
                .collect(),
            body: redacted(body),
        });
    let kept = match state.db_for(&principal).await {
        Ok(mut conn) => match &stored {
            Some(stored) => idempotency::complete(&mut conn, owner, stored).await,
            None => idempotency::release(&mut conn, owner).await,
        },
        Err(err) => Err(err),
    };
    if let Err(err) = kept {
        // The key stays claimed until LOCK_TIMEOUT; retries meanwhile get 409.
        tracing::error!(error = %err, "could not record the answer to an Idempotency-Key");
    }
    match body {
        Some(body) => Response::from_parts(parts, Body::from(body)),
        None => ApiError::Internal("the answer could not be read".into()).into_response(),
    }
}

/// The kept answer, marked as a replay.
fn replay(stored: StoredResponse) -> Response {
    let status = StatusCode::from_u16(stored.status).unwrap_or(StatusCode::OK);
    let mut response = (status, Body::from(stored.body)).into_response();
    let headers = response.headers_mut();
    for (name, value) in stored.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            headers.insert(name, value);
        }
    }
    headers.insert(REPLAYED, HeaderValue::from_static("true"));
    response
}
