//! The shop's people: `GET /api/v1/users`, `PATCH /api/v1/users/{id}` (role, access), and
//! invitations (`/api/v1/invitations`): an admin invites by e-mail and role; the invited person
//! accepts with the single-use token and sets a password.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{Extensions, StatusCode};
use axum::routing::{delete, get, patch, post};
use chrono::{Duration, Utc};
use otklik_db::invitations::{self, AcceptError, InviteError};
use otklik_db::{DbError, users};
use otklik_schema::{Role, UserId};
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::{self, Principal, Session, password, tokens};
use super::body::JsonBody;
use super::page::{Page, PageQuery};
use super::permissions::Permission;
use crate::error::FieldError;
use crate::{ApiError, AppState};

const INVITATION_TTL: Duration = Duration::days(7);

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/users", get(list))
        .route("/api/v1/users/{id}", patch(update))
        .route("/api/v1/invitations", get(pending).post(invite))
        .route("/api/v1/invitations/{id}", delete(revoke))
        .route("/api/v1/invitations/accept", post(accept))
}

fn member_view(member: &users::Member) -> Value {
    json!({
        "id": member.user.id.0, "email": member.user.email, "name": member.user.display_name,
        "role": member.user.role, "disabled": member.disabled_at.is_some(),
        "last_login_at": member.last_login_at,
    })
}

async fn list(
    State(state): State<AppState>,
    principal: Principal,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<Value>>, ApiError> {
    principal.require(Permission::ManageUsers)?;
    let limit = page.limit()?;
    let after: Option<i64> = page.after()?;
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    let rows = users::list(&mut conn, principal.tenant, after, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |member| member.user.id.0);
    Ok(Json(Page {
        items: page.items.iter().map(member_view).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberPatch {
    role: Option<Role>,
    disabled: Option<bool>,
}

async fn update(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
    JsonBody(patch): JsonBody<MemberPatch>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Permission::ManageUsers)?;
    if UserId(id) == principal.user {
        return Err(ApiError::Validation(vec![FieldError::new(
            "id",
            "you cannot change your own role or access; ask another admin",
        )]));
    }
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    let member = users::update_member(
        &mut conn,
        principal.tenant,
        principal.user,
        UserId(id),
        patch.role,
        patch.disabled,
    )
    .await?
    .ok_or(ApiError::NotFound)?;
    Ok(Json(member_view(&member)))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewInvitation {
    email: String,
    role: Role,
}

fn invitation_view(invitation: &invitations::Invitation) -> Value {
    json!({
        "id": invitation.id, "email": invitation.email, "role": invitation.role,
        "expires_at": invitation.expires_at, "created_at": invitation.created_at,
    })
}

/// Answers the token once, with the link to hand over: e-mail delivery is not built yet.
async fn invite(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(request): JsonBody<NewInvitation>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    principal.require(Permission::ManageUsers)?;
    let email = request.email.trim();
    if !auth::valid_email(email) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "email",
            "not an e-mail address",
        )]));
    }
    let (token, hash) = tokens::new_refresh();
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    let invitation = invitations::create(
        &mut conn,
        principal.tenant,
        principal.user,
        email,
        request.role,
        &hash,
        Utc::now() + INVITATION_TTL,
    )
    .await
    .map_err(|err| match err {
        InviteError::AlreadyUser => {
            ApiError::Conflict("someone with this e-mail already has an account".into())
        }
        InviteError::Database(err) => err.into(),
    })?;
    let mut body = invitation_view(&invitation);
    body["token"] = json!(token);
    body["accept_url"] = json!(format!(
        "{}/app/#/invitation/{token}",
        state.config().public_url.trim_end_matches('/')
    ));
    Ok((StatusCode::CREATED, Json(body)))
}

async fn pending(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    principal.require(Permission::ManageUsers)?;
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    let pending = invitations::pending(&mut conn, principal.tenant).await?;
    Ok(Json(
        json!({ "items": pending.iter().map(invitation_view).collect::<Vec<_>>() }),
    ))
}

async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    Path(id): Path<i64>,
) -> Result<StatusCode, ApiError> {
    principal.require(Permission::ManageUsers)?;
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    if invitations::revoke(&mut conn, principal.tenant, principal.user, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Acceptance {
    token: String,
    password: String,
    #[serde(default)]
    name: String,
}

/// `POST /api/v1/invitations/accept`: joins the shop and signs in.
async fn accept(
    State(state): State<AppState>,
    extensions: Extensions,
    JsonBody(request): JsonBody<Acceptance>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    auth::throttled(&state, &extensions, &request.token)?;
    auth::check_password(&request.password)?;
    let hash = password::hash(request.password)
        .await
        .map_err(ApiError::Internal)?;
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    let user = invitations::accept(
        &mut conn,
        &tokens::refresh_hash(&request.token),
        request.name.trim(),
        &hash,
    )
    .await
    .map_err(|err| match err {
        AcceptError::Invalid => ApiError::NotFound,
        AcceptError::AlreadyUser => {
            ApiError::Conflict("someone with this e-mail already has an account".into())
        }
        AcceptError::Database(err) => err.into(),
    })?;
    drop(conn);
    let session = auth::open_session(&state, &user, &tokens::new_family()).await?;
    Ok((StatusCode::CREATED, Json(session)))
}
