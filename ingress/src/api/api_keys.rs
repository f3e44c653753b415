//! API keys for the shop's own servers (`/api/v1/api-keys`): made, listed and revoked by
//! admins signed in as people.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use otklik_db::api_keys;
use otklik_schema::{Role, UserId};
use serde::{Deserialize, Serialize};

use super::auth::{KEY_PREFIX, Principal};
use super::body::JsonBody;
use super::page::{Page, PageQuery};
use super::params::{ApiPath, ApiQuery};
use super::permissions::Permission;
use crate::error::FieldError;
use crate::problems::Problem;
use crate::{ApiError, AppState};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/api-keys", get(list_keys).post(create_key))
        .route("/api/v1/api-keys/{id}", delete(revoke_key))
}

/// How much of a key stays visible in listings, after [`KEY_PREFIX`].
const VISIBLE: usize = 6;
const MAX_KEY_NAME: usize = 100;

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
