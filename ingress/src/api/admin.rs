//! The shop's own machinery, for admins: API keys for its servers (`/api/v1/api-keys`), the
//! audit log of admin actions (`/api/v1/audit-log`), and its dead-lettered jobs
//! (`/api/v1/dead-letters`, list and replay).

use std::collections::HashSet;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use otklik_db::{DbError, TenantScope, api_keys, audit, channels};
use otklik_jobs::dead_letters::{self, DeadLetter, DeadLetterError};
use otklik_jobs::{Queue, QueueSettings};
use otklik_schema::{Role, UserId};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::auth::Principal;
use super::body::JsonBody;
use super::page::{Page, PageQuery};
use super::params::{ApiPath, ApiQuery};
use super::permissions::Permission;
use super::problems::Problem;
use crate::error::FieldError;
use crate::{ApiError, AppState};

/// What every API key starts with, so a leaked one is easy to recognise.
pub const KEY_PREFIX: &str = "ok_live_";
/// How much of a key stays visible in listings, after [`KEY_PREFIX`].
const VISIBLE: usize = 6;
const MAX_KEY_NAME: usize = 100;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/api-keys", get(list_keys).post(create_key))
        .route("/api/v1/api-keys/{id}", delete(revoke_key))
        .route("/api/v1/audit-log", get(audit_log))
        .route("/api/v1/dead-letters", get(dead_letters))
        .route("/api/v1/dead-letters/{queue}/{id}/replay", post(replay))
}

/// A new key's secret and the SHA-256 it is stored as.
pub fn new_key() -> (String, String) {
    let secret = format!(
        "{KEY_PREFIX}{}",
        URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
    );
    let hash = otklik_jobs::token_hash(&secret);
    (secret, hash)
}

/// An API key; never the secret.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct KeyView {
    id: i64,
    name: String,
    role: Role,
    /// The key's first characters, to recognise it.
    prefix: String,
    /// The admin the key acts for.
    created_by: UserId,
    created_at: DateTime<Utc>,
    #[schema(required = true)]
    last_used_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    revoked_at: Option<DateTime<Utc>>,
}

impl From<&api_keys::ApiKey> for KeyView {
    fn from(key: &api_keys::ApiKey) -> Self {
        Self {
            id: key.id,
            name: key.name.clone(),
            role: key.role,
            prefix: key.prefix.clone(),
            created_by: key.created_by,
            created_at: key.created_at,
            last_used_at: key.last_used_at,
            revoked_at: key.revoked_at,
        }
    }
}

/// A new API key with its secret: answered once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewKeyView {
    #[serde(flatten)]
    api_key: KeyView,
    /// The secret (`ok_live_…`); a replay of the same `Idempotency-Key` shows it redacted.
    key: String,
}

/// An entry of the audit log.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AuditEntryView {
    id: i64,
    #[schema(required = true)]
    actor_user_id: Option<UserId>,
    action: String,
    target_type: String,
    #[schema(required = true)]
    target_id: Option<String>,
    /// What changed, as the action records it.
    details: Value,
    created_at: DateTime<Utc>,
    /// The API key the action was made with, if it was.
    #[schema(required = true)]
    api_key_id: Option<i64>,
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewKey {
    /// What the key is for, 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    name: String,
    /// What the key may do.
    role: Role,
}

#[utoipa::path(post, path = "/api/v1/api-keys", tag = "api-keys",
    summary = "Make an API key for a server",
    description = "Role: admin (manage_api_keys), signed in as a person: an API key cannot make \
        keys. The key (`ok_live_…`) is answered once, as `key` (a replay of the same \
        `Idempotency-Key` shows it redacted); send it as `Authorization: Bearer <key>` or \
        `X-Api-Key: <key>`. It acts with its role in this shop, on behalf of the admin who made \
        it, never manages keys or people, and is revoked when that admin's password is reset.",
    security(("bearer" = [])),
    request_body = NewKey,
    responses(
        (status = 201, description = "The key with its secret", body = NewKeyView),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 422, description = "An empty or too long name", body = crate::error::ErrorEnvelope),
    ))]
async fn create_key(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(request): JsonBody<NewKey>,
) -> Result<(StatusCode, Json<NewKeyView>), ApiError> {
    principal.require(Permission::ManageApiKeys)?;
    let name = request.name.trim();
    if name.is_empty() || name.chars().count() > MAX_KEY_NAME {
        return Err(ApiError::Validation(vec![FieldError::new(
            "name",
            Problem::LengthOutOfRange {
                min: 1,
                max: MAX_KEY_NAME,
            },
        )]));
    }
    let (secret, hash) = new_key();
    let prefix = &secret[..KEY_PREFIX.len() + VISIBLE];
    let mut conn = state.db_for(&principal).await?;
    let key = api_keys::create(
        &mut conn,
        principal.tenant,
        principal.user,
        name,
        request.role,
        prefix,
        &hash,
    )
    .await?;
    let body = NewKeyView {
        api_key: KeyView::from(&key),
        key: secret,
    };
    Ok((StatusCode::CREATED, Json(body)))
}

#[utoipa::path(get, path = "/api/v1/api-keys", tag = "api-keys",
    summary = "The shop's API keys", description = "Role: admin (manage_api_keys). Never the secret.",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of keys, newest first", body = Page<KeyView>),
        (status = 400, description = "A bad `limit` or `cursor`", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
    ))]
async fn list_keys(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<KeyView>>, ApiError> {
    principal.require(Permission::ManageApiKeys)?;
    let limit = page.limit()?;
    let after: Option<i64> = page.after()?;
    let mut conn = state.db_for(&principal).await?;
    let rows = api_keys::list(&mut conn, principal.tenant, after, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |key| key.id);
    Ok(Json(Page {
        items: page.items.iter().map(KeyView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "api-keys",
    summary = "Revoke an API key", description = "Role: admin (manage_api_keys). It stops working at once.",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The key's id")),
    responses(
        (status = 204, description = "Revoked (or already was)"),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such key in this shop", body = crate::error::ErrorEnvelope),
    ))]
async fn revoke_key(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    principal.require(Permission::ManageApiKeys)?;
    let mut conn = state.db_for(&principal).await?;
    if api_keys::revoke(&mut conn, principal.tenant, principal.user, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct AuditQuery {
    /// Only this action, e.g. `settings.update` or `api_key.create`.
    action: Option<String>,
    /// Rows per page, 1 to 100; 50 when absent.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// The previous page's `next_cursor`.
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/audit-log", tag = "audit",
    summary = "The audit log of admin actions",
    description = "Role: admin (read_audit_log). Newest first.", security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of entries", body = Page<AuditEntryView>),
        (status = 400, description = "A bad `limit` or `cursor`", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
    ))]
async fn audit_log(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<AuditQuery>,
) -> Result<Json<Page<AuditEntryView>>, ApiError> {
    principal.require(Permission::ReadAuditLog)?;
    let page = PageQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let limit = page.limit()?;
    let after: Option<i64> = page.after()?;
    let action = query
        .action
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty());
    let mut conn = state.db_for(&principal).await?;
    let rows = audit::list(&mut conn, principal.tenant, action, after, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |entry| entry.id);
    Ok(Json(Page {
        items: page
            .items
            .into_iter()
            .map(|entry| AuditEntryView {
                id: entry.id,
                actor_user_id: entry.actor_user_id.map(UserId),
                action: entry.action,
                target_type: entry.target_type,
                target_id: entry.target_id,
                details: entry.details,
                created_at: entry.created_at,
                api_key_id: entry.api_key_id,
            })
            .collect(),
        next_cursor: page.next_cursor,
    }))
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
