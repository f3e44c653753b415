//! The shop's dead-lettered jobs (`/api/v1/dead-letters`): listed and replayed by admins.

use std::collections::HashSet;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use otklik_db::{DbError, TenantScope, audit, channels};
use otklik_jobs::dead_letters::{self, DeadLetter, DeadLetterError};
use otklik_jobs::{Queue, QueueSettings};
use serde::Serialize;
use serde_json::{Value, json};

use super::auth::Principal;
use super::page::{Page, PageQuery};
use super::params::ApiQuery;
use super::permissions::Permission;
use crate::error::FieldError;
use crate::problems::Problem;
use crate::{ApiError, AppState};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/dead-letters", get(dead_letters))
        .route("/api/v1/dead-letters/{queue}/{id}/replay", post(replay))
}

/// A job that failed for good.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct DeadLetterView {
    #[schema(value_type = super::vocabulary::QueueSchema)]
    queue: &'static str,
    id: String,
    #[schema(required = true)]
    status: Option<String>,
    #[schema(required = true)]
    error: Option<String>,
    /// When it died, in seconds since the Unix epoch.
    #[schema(required = true)]
    died_at: Option<i64>,
    /// The job as it was enqueued; `null` when it no longer decodes.
    #[schema(required = true)]
    payload: Option<Value>,
}

/// A replayed dead letter.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Replayed {
    #[schema(value_type = super::vocabulary::QueueSchema)]
    queue: &'static str,
    id: String,
    /// Always `true`.
    replayed: bool,
}

fn dead_letter_error(err: DeadLetterError) -> ApiError {
    match err {
        DeadLetterError::NotFound(_) => ApiError::NotFound,
        DeadLetterError::Payload { .. } => {
            ApiError::Validation(vec![FieldError::new("id", Problem::PayloadUndecodable)])
        }
        DeadLetterError::Redis(err) => ApiError::Internal(format!("redis: {err}")),
        DeadLetterError::Enqueue(_) => ApiError::QueueUnavailable,
    }
}

/// Whether a dead letter's payload is this tenant's: it names the tenant, or (inbound events)
/// one of the tenant's channels. Payloads naming neither (billing) belong to no tenant.
fn belongs(letter: &DeadLetter, tenant: TenantScope, channels: &HashSet<i64>) -> bool {
    let Some(payload) = letter
        .payload
        .as_deref()
        .and_then(|payload| serde_json::from_str::<Value>(payload).ok())
    else {
        return false;
    };
    if let Some(tenant_id) = payload.get("tenant_id").and_then(Value::as_i64) {
        return tenant_id == tenant.tenant_id().0;
    }
    payload
        .get("channel_id")
        .and_then(Value::as_i64)
        .is_some_and(|channel| channels.contains(&channel))
}

fn letter_view(queue: Queue, letter: &DeadLetter) -> DeadLetterView {
    DeadLetterView {
        queue: queue.as_str(),
        id: letter.id.clone(),
        status: letter.status.clone(),
        error: letter.error.clone(),
        died_at: letter.died_at,
        payload: letter
            .payload
            .as_deref()
            .and_then(|p| serde_json::from_str::<Value>(p).ok()),
    }
}

/// The tenant's dead letters in every queue, in no particular order.
async fn tenant_letters(
    state: &AppState,
    tenant: TenantScope,
) -> Result<Vec<(Queue, DeadLetter)>, ApiError> {
    let mut conn = state.tenant_db(tenant).await?;
    let channels: HashSet<i64> = channels::list(&mut conn, tenant)
        .await?
        .into_iter()
        .map(|channel| channel.id.0)
        .collect();
    drop(conn);
    let settings = QueueSettings::from_config(state.config());
    let redis = state.redis();
    let mut letters = Vec::new();
    for queue in Queue::ALL {
        for letter in dead_letters::list(&redis, &settings, queue)
            .await
            .map_err(dead_letter_error)?
        {
            if belongs(&letter, tenant, &channels) {
                letters.push((queue, letter));
            }
        }
    }
    Ok(letters)
}

/// Where a dead letter sorts in the list: newest first (letters with no time last), then by
/// queue and id, so letters that died in the same second keep one order across pages.
type LetterKey = (std::cmp::Reverse<Option<i64>>, String, String);

fn letter_key(queue: Queue, letter: &DeadLetter) -> LetterKey {
    (
        std::cmp::Reverse(letter.died_at),
        queue.as_str().to_owned(),
        letter.id.clone(),
    )
}

#[utoipa::path(get, path = "/api/v1/dead-letters", tag = "dead-letters",
    summary = "The shop's dead-lettered jobs",
    description = "Role: admin (manage_jobs). Jobs that failed for good and name this shop (or, \
        for inbound events, one of its channels), newest first, a page at a time.",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of dead letters", body = Page<DeadLetterView>),
        (status = 400, description = "A bad `limit` or `cursor`", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
    ))]
async fn dead_letters(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<DeadLetterView>>, ApiError> {
    principal.require(Permission::ManageJobs)?;
    let limit = page.limit()?;
    let after: Option<LetterKey> = page.after()?;
    // Redis keeps dead letters in an unordered set, so a page is cut from the sorted whole.
    let mut letters = tenant_letters(&state, principal.tenant).await?;
    letters.sort_by_cached_key(|(queue, letter)| letter_key(*queue, letter));
    let rows: Vec<(Queue, DeadLetter)> = letters
        .into_iter()
        .filter(|(queue, letter)| {
            after
                .as_ref()
                .is_none_or(|after| letter_key(*queue, letter) > *after)
        })
        .take(usize::try_from(limit).unwrap_or(0) + 1)
        .collect();
    let page = Page::from_rows(rows, limit, |(queue, letter)| letter_key(*queue, letter));
    Ok(Json(Page {
        items: page
            .items
            .iter()
            .map(|(queue, letter)| letter_view(*queue, letter))
            .collect(),
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(post, path = "/api/v1/dead-letters/{queue}/{id}/replay", tag = "dead-letters",
    summary = "Replay a dead-lettered job",
    description = "Role: admin (manage_jobs). Enqueues the payload again as a new job and removes \
        the dead letter (audit-logged).",
    security(("bearer" = [])),
    params(
        ("queue" = super::vocabulary::QueueSchema, Path, description = "The queue the job died in"),
        ("id" = String, Path, description = "The job's id"),
    ),
    responses(
        (status = 202, description = "Enqueued again", body = Replayed),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such dead letter of this shop", body = crate::error::ErrorEnvelope),
        (status = 422, description = "The payload no longer decodes", body = crate::error::ErrorEnvelope),
    ))]
async fn replay(
    State(state): State<AppState>,
    principal: Principal,
    Path((queue, id)): Path<(String, String)>,
) -> Result<(StatusCode, Json<Replayed>), ApiError> {
    principal.require(Permission::ManageJobs)?;
    let queue: Queue = queue.parse().map_err(|_| ApiError::NotFound)?;
    let ours = tenant_letters(&state, principal.tenant)
        .await?
        .into_iter()
        .any(|(q, letter)| q == queue && letter.id == id);
    if !ours {
        return Err(ApiError::NotFound);
    }
    let settings = QueueSettings::from_config(state.config());
    dead_letters::replay(&state.redis(), &settings, queue, &id)
        .await
        .map_err(dead_letter_error)?;
    let mut conn = state.db_for(&principal).await?;
    audit::record(
        &mut conn,
        principal.tenant,
        principal.user,
        "dead_letter.replay",
        "job",
        Some(&format!("{}/{id}", queue.as_str())),
        json!({"queue": queue.as_str()}),
    )
    .await
    .map_err(DbError::from)?;
    Ok((
        StatusCode::ACCEPTED,
        Json(Replayed {
            queue: queue.as_str(),
            id,
            replayed: true,
        }),
    ))
}
