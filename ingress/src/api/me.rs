//! `GET /api/v1/me`: who is signed in, in which shop, and what they may do.

use axum::Json;
use axum::extract::State;
use otklik_db::{tenants, users};
use serde_json::{Value, json};

use super::auth::Principal;
use super::permissions::granted;
use crate::{ApiError, AppState};

#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    summary = "Who is signed in, in which shop, and what they may do",
    description = "Role: signed in. `permissions` lists what the role allows, for showing or \
        hiding controls.", security(("bearer" = [])),
    responses((status = 200, description = "`{user: {id, email, name, role}, tenant: {id, name, slug}, \
        permissions: [string]}`", body = Object)))]
pub async fn me(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    let mut conn = state.tenant_db(principal.tenant).await?;
    let user = users::active(&mut conn, principal.tenant, principal.user)
        .await?
        .ok_or(ApiError::Unauthenticated("the account is disabled"))?;
    let tenant = tenants::get(&mut conn, principal.tenant).await?;
    Ok(Json(json!({
        "user": {"id": user.id.0, "email": user.email, "name": user.display_name, "role": user.role},
        "tenant": {"id": tenant.id.0, "name": tenant.name, "slug": tenant.slug},
        "permissions": granted(user.role),
    })))
}
