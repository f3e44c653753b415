//! The shop's people: `GET /api/v1/users`, `PATCH /api/v1/users/{id}` (role, access), and
//! invitations (`/api/v1/invitations`): an admin invites by e-mail and role; the invited person
//! accepts with the single-use token and sets a password.

use axum::Json;
use axum::extract::State;
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{delete, get, patch, post};
use chrono::{DateTime, Duration, Utc};
use otklik_billing::accounts::limits::Limit;
use otklik_db::invitations::{self, AcceptError, InviteError};
use otklik_db::{DbError, users};
use otklik_jobs::Notify;
use otklik_schema::{Role, UserId};
use serde::{Deserialize, Serialize};

use super::auth::{self, Principal, Session, password, tokens};
use super::body::JsonBody;
use super::page::{Page, PageQuery};
use super::params::{ApiPath, ApiQuery};
use super::permissions::Permission;
use crate::error::{Conflict, FieldError};
use crate::problems::Problem;
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

/// A person of the shop.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MemberView {
    id: UserId,
    email: String,
    name: String,
    role: Role,
    disabled: bool,
    #[schema(required = true)]
    last_login_at: Option<DateTime<Utc>>,
}

impl From<&users::Member> for MemberView {
    fn from(member: &users::Member) -> Self {
        Self {
            id: member.user.id,
            email: member.user.email.clone(),
            name: member.user.display_name.clone(),
            role: member.user.role,
            disabled: member.disabled_at.is_some(),
            last_login_at: member.last_login_at,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/users", tag = "users",
    summary = "The shop's people", description = "Role: admin (manage_users).", security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of people", body = Page<MemberView>),
        (status = 400, description = "A bad `limit` or `cursor`", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
    ))]
async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<MemberView>>, ApiError> {
    principal.require(Permission::ManageUsers)?;
    let limit = page.limit()?;
    let after: Option<i64> = page.after()?;
    let mut conn = state.db_for(&principal).await?;
    let rows = users::list(&mut conn, principal.tenant, after, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |member| member.user.id.0);
    Ok(Json(Page {
        items: page.items.iter().map(MemberView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct MemberPatch {
    role: Option<Role>,
    /// Disabling ends the person's sessions.
    disabled: Option<bool>,
}

#[utoipa::path(patch, path = "/api/v1/users/{id}", tag = "users",
    summary = "Change someone's role or access",
    description = "Role: admin (manage_users). Not your own account.", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The user's id")),
    request_body = MemberPatch,
    responses(
        (status = 200, description = "The person after the change", body = MemberView),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such user in this shop", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Your own account", body = crate::error::ErrorEnvelope),
    ))]
async fn update(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<i64>,
    JsonBody(patch): JsonBody<MemberPatch>,
) -> Result<Json<MemberView>, ApiError> {
    principal.require(Permission::ManageUsers)?;
    if UserId(id) == principal.user {
        return Err(ApiError::Validation(vec![FieldError::new(
            "id",
            Problem::OwnAccount,
        )]));
    }
    let mut conn = state.db_for(&principal).await?;
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
    if patch.role.is_some() || patch.disabled == Some(true) {
        // Their tokens signed before now no longer hold; their open dashboards close.
        state.auth().revocations.forget(UserId(id));
        auth::announce_revocation(&state, principal.tenant, UserId(id)).await;
    }
    Ok(Json(MemberView::from(&member)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct NewInvitation {
    #[schema(format = Email, max_length = 254)]
    email: String,
    role: Role,
}

/// An invitation not yet accepted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitationView {
    id: i64,
    email: String,
    role: Role,
    expires_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
}

impl From<&invitations::Invitation> for InvitationView {
    fn from(invitation: &invitations::Invitation) -> Self {
        Self {
            id: invitation.id,
            email: invitation.email.clone(),
            role: invitation.role,
            expires_at: invitation.expires_at,
            created_at: invitation.created_at,
        }
    }
}

/// A new invitation, with its token: answered once.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct NewInvitationView {
    #[serde(flatten)]
    invitation: InvitationView,
    /// `false` when the e-mail could not be queued: hand the link over yourself.
    email_queued: bool,
    token: String,
    /// The page where the invited person accepts.
    accept_url: String,
}

/// Invitations not yet accepted.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvitationList {
    items: Vec<InvitationView>,
}

/// E-mails the invitation (with a link of its own) and answers the token once, with the link,
/// so the admin can also hand it over another way.
#[utoipa::path(post, path = "/api/v1/invitations", tag = "users",
    summary = "Invite someone by e-mail and role",
    description = "Role: admin (manage_users). The invited person gets an e-mail with a link to \
        accept; the token is also answered once, with `accept_url`. `email_queued` is `false` \
        when the e-mail could not be queued: hand the link over yourself.", security(("bearer" = [])),
    request_body = NewInvitation,
    responses(
        (status = 201, description = "The invitation with its token and link", body = NewInvitationView),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Someone with this e-mail already has an account, or the plan's operator seats are taken (admins and operators, invited ones included; the message offers the plan that allows more)", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Not an e-mail address", body = crate::error::ErrorEnvelope),
    ))]
async fn invite(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(request): JsonBody<NewInvitation>,
) -> Result<(StatusCode, Json<NewInvitationView>), ApiError> {
    principal.require(Permission::ManageUsers)?;
    let email = request.email.trim();
    if !auth::valid_email(email) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "email",
            Problem::InvalidEmail,
        )]));
    }
    if matches!(request.role, Role::Admin | Role::Operator) {
        super::billing::within_plan(&state, &principal, Limit::OperatorSeats).await?;
    }
    let (token, hash) = otklik_jobs::new_token();
    let mut conn = state.db_for(&principal).await?;
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
        InviteError::AlreadyUser => ApiError::Conflict(
            Conflict::AlreadyMember,
            "someone with this e-mail already has an account".into(),
        ),
        InviteError::Database(err) => err.into(),
    })?;
    drop(conn);
    let accept_url = format!(
        "{}/app/#/invitation/{token}",
        state.config().public_url.trim_end_matches('/')
    );
    let body = NewInvitationView {
        invitation: InvitationView::from(&invitation),
        email_queued: queue_mail(&state, principal, invitation.id).await,
        token,
        accept_url,
    };
    Ok((StatusCode::CREATED, Json(body)))
}

/// Queues the invitation's e-mail; `false` when Redis did not take it in time. The invitation
/// stands either way: the admin has the link.
async fn queue_mail(state: &AppState, principal: Principal, invitation: i64) -> bool {
    let job = Notify::Invitation {
        tenant_id: principal.tenant.tenant_id(),
        invitation_id: invitation,
    };
    let what = format!("the e-mail of invitation {invitation}");
    crate::hooks::enqueue_in_time(state, &what, state.queues().push_notify(job, "created"))
        .await
        .is_ok()
}

#[utoipa::path(get, path = "/api/v1/invitations", tag = "users",
    summary = "Invitations not yet accepted", description = "Role: admin (manage_users).", security(("bearer" = [])),
    responses(
        (status = 200, description = "The pending invitations", body = InvitationList),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
    ))]
async fn pending(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<InvitationList>, ApiError> {
    principal.require(Permission::ManageUsers)?;
    let mut conn = state.db_for(&principal).await?;
    let pending = invitations::pending(&mut conn, principal.tenant).await?;
    Ok(Json(InvitationList {
        items: pending.iter().map(InvitationView::from).collect(),
    }))
}

#[utoipa::path(delete, path = "/api/v1/invitations/{id}", tag = "users",
    summary = "Revoke an invitation", description = "Role: admin (manage_users).", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The invitation's id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such pending invitation in this shop", body = crate::error::ErrorEnvelope),
    ))]
async fn revoke(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    principal.require(Permission::ManageUsers)?;
    let mut conn = state.db_for(&principal).await?;
    if invitations::revoke(&mut conn, principal.tenant, principal.user, id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Acceptance {
    token: String,
    /// At least 10 characters.
    #[schema(min_length = 10)]
    password: String,
    #[serde(default)]
    name: String,
}
super::auth::redacted_debug!(Acceptance { name } hides token, password);

/// `POST /api/v1/invitations/accept`: joins the shop and signs in.
#[utoipa::path(post, path = "/api/v1/invitations/accept", tag = "users",
    summary = "Accept an invitation: set a password, join, sign in",
    description = "Role: anyone holding an invitation token.",
    request_body = Acceptance,
    responses(
        (status = 201, description = "Joined and signed in", body = Session),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 404, description = "The token is unknown, used, revoked or expired", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Someone with this e-mail already has an account", body = crate::error::ErrorEnvelope),
        (status = 422, description = "The password is too short", body = crate::error::ErrorEnvelope),
        (status = 429, description = "Too many attempts; see `Retry-After`", body = crate::error::ErrorEnvelope),
    ))]
async fn accept(
    State(state): State<AppState>,
    extensions: Extensions,
    headers: HeaderMap,
    JsonBody(request): JsonBody<Acceptance>,
) -> Result<Response, ApiError> {
    auth::throttled(&state, &extensions, &headers, &request.token)?;
    auth::check_password(&request.password)?;
    let hash = password::hash(request.password)
        .await
        .map_err(ApiError::Internal)?;
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    let user = invitations::accept(
        &mut conn,
        &otklik_jobs::token_hash(&request.token),
        request.name.trim(),
        &hash,
    )
    .await
    .map_err(|err| match err {
        AcceptError::Invalid => ApiError::NotFound,
        AcceptError::AlreadyUser => ApiError::Conflict(
            Conflict::AlreadyMember,
            "someone with this e-mail already has an account".into(),
        ),
        AcceptError::Database(err) => err.into(),
    })?;
    drop(conn);
    let session = auth::open_session(&state, &user, &tokens::new_family(), None).await?;
    Ok(auth::session_answer(&state, StatusCode::CREATED, session))
}
