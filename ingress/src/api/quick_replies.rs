//! Quick replies: `/api/v1/quick-replies`, the shop's ready-made answers for the reply box.
//!
//! | method | path | permission |
//! |---|---|---|
//! | GET | `/api/v1/quick-replies?limit=&cursor=` | read_conversations |
//! | POST | `/api/v1/quick-replies` `{"title", "text", "shortcut"?}` | handle_conversations |
//! | PATCH | `/api/v1/quick-replies/{id}` `{"title"?, "text"?, "shortcut"?}` | handle_conversations |
//! | DELETE | `/api/v1/quick-replies/{id}` | handle_conversations |
//!
//! Operators manage them as well as admins; viewers read them. A title is 1–100 characters, a
//! text 1–4096 (Telegram's limit for one message), a shortcut 1–32 of `a-z 0-9 _ -`, unique in
//! the shop (`null` in a PATCH clears it). Every change is in the audit log; another tenant's
//! id answers 404.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use otklik_db::quick_replies::{self, Fields, QuickReply, QuickReplyError};
use otklik_schema::UserId;
use serde::{Deserialize, Serialize};

use super::auth::Principal;
use super::body::JsonBody;
use super::page::{Page, PageQuery};
use super::params::{ApiPath, ApiQuery};
use super::permissions::Permission;
use crate::error::FieldError;
use crate::problems::Problem;
use crate::{ApiError, AppState};

const MAX_TITLE_CHARS: usize = 100;
const MAX_TEXT_CHARS: usize = 4096;
const MAX_SHORTCUT_CHARS: usize = 32;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/quick-replies", get(list).post(create))
        .route("/api/v1/quick-replies/{id}", patch(update).delete(remove))
}

impl From<QuickReplyError> for ApiError {
    fn from(err: QuickReplyError) -> Self {
        match err {
            QuickReplyError::NotFound => Self::NotFound,
            QuickReplyError::ShortcutTaken => {
                Self::Taken(FieldError::new("shortcut", Problem::ShortcutTaken))
            }
            QuickReplyError::Database(err) => Self::Database(err),
        }
    }
}

/// A ready-made answer for the reply box.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QuickReplyView {
    id: i64,
    title: String,
    text: String,
    #[schema(required = true)]
    shortcut: Option<String>,
    #[schema(required = true)]
    created_by: Option<UserId>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<QuickReply> for QuickReplyView {
    fn from(reply: QuickReply) -> Self {
        Self {
            id: reply.id,
            title: reply.title,
            text: reply.text,
            shortcut: reply.shortcut,
            created_by: reply.created_by.map(UserId),
            created_at: reply.created_at,
            updated_at: reply.updated_at,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/quick-replies", tag = "quick-replies",
    summary = "The shop's quick replies, oldest first", description = "Role: any (read_conversations).", security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of quick replies", body = Page<QuickReplyView>),
        (status = 400, description = "A bad parameter, `limit` or `cursor`", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
    ))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<QuickReplyView>>, ApiError> {
    principal.require(Permission::ReadConversations)?;
    let limit = page.limit()?;
    let after = page.after::<i64>()?;
    let mut conn = state.db_for(&principal).await?;
    let rows = quick_replies::list(&mut conn, principal.tenant, after, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |r| r.id);
    Ok(Json(Page {
        items: page.items.into_iter().map(QuickReplyView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQuickReply {
    /// 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    title: String,
    /// 1 to 4096 characters.
    #[schema(min_length = 1, max_length = 4096, pattern = r"\S")]
    text: String,
    /// 1 to 32 of `a-z 0-9 _ -` (a leading `/` and capitals are taken off), unique in the shop.
    #[schema(pattern = r"^/?[A-Za-z0-9_-]{0,32}$")]
    shortcut: Option<String>,
}

/// Only the fields sent change; `"shortcut": null` clears the shortcut.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuickReplyPatch {
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    title: Option<String>,
    #[schema(min_length = 1, max_length = 4096, pattern = r"\S")]
    text: Option<String>,
    #[serde(default, deserialize_with = "super::params::present")]
    #[schema(value_type = Option<String>, pattern = r"^/?[A-Za-z0-9_-]{0,32}$")]
    shortcut: Option<Option<String>>,
}

/// Measured as sent (as the schema measures it), empty once trimmed, stored trimmed.
fn text_field(fields: &mut Vec<FieldError>, field: &'static str, text: &str, max: usize) -> String {
    if text.trim().is_empty() {
        fields.push(FieldError::new(field, Problem::Required));
    } else if text.chars().count() > max {
        fields.push(FieldError::new(field, Problem::TooLong { max }));
    }
    text.trim().to_owned()
}

/// The shortcut trimmed of a leading `/`, lower-cased; `None` when blank.
fn shortcut_field(fields: &mut Vec<FieldError>, shortcut: &str) -> Option<String> {
    // As the schema has it: one optional leading `/`, no spaces; stored lower-cased.
    let shortcut = shortcut
        .strip_prefix('/')
        .unwrap_or(shortcut)
        .to_lowercase();
    if shortcut.is_empty() {
        return None;
    }
    let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-';
    if shortcut.len() > MAX_SHORTCUT_CHARS || !shortcut.chars().all(allowed) {
        fields.push(FieldError::new(
            "shortcut",
            Problem::InvalidShortcut {
                max: MAX_SHORTCUT_CHARS,
            },
        ));
    }
    Some(shortcut)
}

#[utoipa::path(post, path = "/api/v1/quick-replies", tag = "quick-replies",
    summary = "Add a quick reply", description = "Role: admin or operator (handle_conversations). Audit-logged.", security(("bearer" = [])),
    request_body = NewQuickReply,
    responses(
        (status = 201, description = "The quick reply", body = QuickReplyView),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Another quick reply already uses this shortcut (`fields` names it)", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Some fields are invalid", body = crate::error::ErrorEnvelope),
    ))]
pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(body): JsonBody<NewQuickReply>,
) -> Result<(StatusCode, Json<QuickReplyView>), ApiError> {
    principal.require(Permission::HandleConversations)?;
    let mut fields = Vec::new();
    let title = text_field(&mut fields, "title", &body.title, MAX_TITLE_CHARS);
    let text = text_field(&mut fields, "text", &body.text, MAX_TEXT_CHARS);
    let shortcut = body
        .shortcut
        .as_deref()
        .and_then(|s| shortcut_field(&mut fields, s));
    if !fields.is_empty() {
        return Err(ApiError::Validation(fields));
    }
    let mut conn = state.db_for(&principal).await?;
    let reply = quick_replies::create(
        &mut conn,
        principal.tenant,
        principal.user,
        &title,
        &text,
        shortcut.as_deref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(reply.into())))
}

#[utoipa::path(patch, path = "/api/v1/quick-replies/{id}", tag = "quick-replies",
    summary = "Change a quick reply", description = "Role: admin or operator (handle_conversations). Audit-logged.", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The quick reply's id")),
    request_body = QuickReplyPatch,
    responses(
        (status = 200, description = "The quick reply", body = QuickReplyView),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such quick reply in this shop", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Another quick reply already uses this shortcut (`fields` names it)", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Some fields are invalid", body = crate::error::ErrorEnvelope),
    ))]
pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<i64>,
    JsonBody(body): JsonBody<QuickReplyPatch>,
) -> Result<Json<QuickReplyView>, ApiError> {
    principal.require(Permission::HandleConversations)?;
    let mut fields = Vec::new();
    let patch = Fields {
        title: body
            .title
            .map(|t| text_field(&mut fields, "title", &t, MAX_TITLE_CHARS)),
        text: body
            .text
            .map(|t| text_field(&mut fields, "text", &t, MAX_TEXT_CHARS)),
        shortcut: body
            .shortcut
            .map(|s| s.and_then(|s| shortcut_field(&mut fields, &s))),
    };
    if !fields.is_empty() {
        return Err(ApiError::Validation(fields));
    }
    let mut conn = state.db_for(&principal).await?;
    Ok(Json(
        quick_replies::update(&mut conn, principal.tenant, principal.user, id, patch)
            .await?
            .into(),
    ))
}

#[utoipa::path(delete, path = "/api/v1/quick-replies/{id}", tag = "quick-replies",
    summary = "Delete a quick reply", description = "Role: admin or operator (handle_conversations). Audit-logged.", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The quick reply's id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such quick reply in this shop", body = crate::error::ErrorEnvelope),
    ))]
pub async fn remove(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    principal.require(Permission::HandleConversations)?;
    let mut conn = state.db_for(&principal).await?;
    quick_replies::delete(&mut conn, principal.tenant, principal.user, id).await?;
    Ok(StatusCode::NO_CONTENT)
}
