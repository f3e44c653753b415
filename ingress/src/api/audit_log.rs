//! The audit log of admin actions (`/api/v1/audit-log`), newest first.

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use chrono::{DateTime, Utc};
use otklik_db::audit;
use otklik_schema::UserId;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::Principal;
use super::page::{Page, PageQuery};
use super::params::ApiQuery;
use super::permissions::Permission;
use crate::{ApiError, AppState};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/api/v1/audit-log", get(audit_log))
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
