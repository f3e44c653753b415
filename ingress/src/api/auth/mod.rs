//! Signing up, in and out: `/api/v1/auth/*`. Access tokens live 15 minutes; refresh tokens 30
//! days, rotate on every use, and a reused one signs the whole session out.

pub(super) mod password;
mod principal;
mod throttle;
pub(super) mod tokens;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;

use axum::Json;
use axum::extract::{ConnectInfo, State};
use axum::http::{Extensions, StatusCode};
use chrono::{Duration, Utc};
use otklik_db::sessions::{self, NewRefresh, Use};
use otklik_db::users::{self, NewMerchant, SignupError, User};
use otklik_db::{DbError, TenantScope};
use serde::{Deserialize, Serialize};

pub use principal::Principal;
pub use throttle::Throttle;
pub use tokens::Signer;

use super::body::JsonBody;
use super::problems::Problem;
use crate::error::FieldError;
use crate::{ApiError, AppState};

/// Failures in a row that lock an account, and for how long.
const LOCK_AFTER: i32 = 5;
const LOCK_FOR: Duration = Duration::minutes(15);
const MIN_PASSWORD: usize = 10;
const MAX_SHOP_NAME: usize = 200;
const SLUG_LENGTH: RangeInclusive<usize> = 2..=63;

/// What the auth endpoints share.
#[derive(Clone)]
pub struct Auth {
    pub signer: Signer,
    pub throttle: Throttle,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    shop_name: String,
    /// The shop's address in Otklik: lower-case letters, digits and dashes.
    slug: String,
    email: String,
    password: String,
    #[serde(default)]
    name: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    email: String,
    password: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    refresh_token: String,
}

/// A signed-in session: a short-lived access token and the refresh token that renews it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Session {
    access_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// Seconds the access token stays valid.
    expires_in: i64,
    refresh_token: String,
    user: UserView,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    id: i64,
    tenant_id: i64,
    email: String,
    name: String,
    /// `admin`, `operator` or `viewer`.
    #[schema(value_type = String, example = "admin")]
    role: otklik_schema::Role,
}

impl From<&User> for UserView {
    fn from(user: &User) -> Self {
        Self {
            id: user.id.0,
            tenant_id: user.tenant_id.0,
            email: user.email.clone(),
            name: user.display_name.clone(),
            role: user.role,
        }
    }
}

/// The caller's address as the socket saw it (the ingress sits behind no proxy it trusts).
pub(super) fn client_address(extensions: &Extensions) -> IpAddr {
    extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip())
}

/// Refuses an address or account that has tried too often in this process.
pub(super) fn throttled(
    state: &AppState,
    extensions: &Extensions,
    account: &str,
) -> Result<(), ApiError> {
    state
        .auth()
        .throttle
        .check(client_address(extensions), account)
        .map_err(|retry_after| ApiError::TooManyRequests { retry_after })
}

pub(super) fn check_password(password: &str) -> Result<(), ApiError> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(ApiError::Validation(vec![FieldError::new(
            "password",
            Problem::TooShort { min: MIN_PASSWORD },
        )]));
    }
    Ok(())
}

pub(super) fn valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !email.contains(char::is_whitespace)
        && email.len() <= 254
}

fn check_sign_up(request: &SignUp) -> Result<(), ApiError> {
    let mut fields = Vec::new();
    let name_len = request.shop_name.trim().chars().count();
    if !(1..=MAX_SHOP_NAME).contains(&name_len) {
        fields.push(FieldError::new(
            "shop_name",
            Problem::LengthOutOfRange {
                min: 1,
                max: MAX_SHOP_NAME,
            },
        ));
    }
    let slug_ok = SLUG_LENGTH.contains(&request.slug.len())
        && request
            .slug
            .starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && request
            .slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !slug_ok {
        fields.push(FieldError::new(
            "slug",
            Problem::InvalidSlug {
                min: *SLUG_LENGTH.start(),
                max: *SLUG_LENGTH.end(),
            },
        ));
    }
    if !valid_email(&request.email) {
        fields.push(FieldError::new("email", Problem::InvalidEmail));
    }
    if request.password.chars().count() < MIN_PASSWORD {
        fields.push(FieldError::new(
            "password",
            Problem::TooShort { min: MIN_PASSWORD },
        ));
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(fields))
    }
}

/// Issues a fresh access token and a refresh token in `family`.
pub(super) async fn open_session(
    state: &AppState,
    user: &User,
    family: &str,
) -> Result<Session, ApiError> {
    let access = state
        .auth()
        .signer
        .issue(user.id, user.tenant_id, user.role)
        .map_err(ApiError::Internal)?;
    let (refresh, hash) = otklik_jobs::new_token();
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    sessions::store(
        &mut conn,
        TenantScope::trusted(user.tenant_id),
        &NewRefresh {
            user: user.id,
            token_hash: &hash,
            family,
            expires_at: Utc::now() + tokens::REFRESH_TTL,
        },
    )
    .await?;
    Ok(Session {
        access_token: access,
        token_type: "Bearer",
        expires_in: tokens::ACCESS_TTL.num_seconds(),
        refresh_token: refresh,
        user: user.into(),
    })
}

/// `POST /api/v1/auth/signup`: a new shop and its admin, signed in.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth",
    summary = "Sign up: a new shop and its admin, signed in", description = "Role: anyone.",
    request_body = SignUp,
    responses(
        (status = 201, description = "The shop exists and its admin is signed in", body = Session),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The e-mail or the shop address is taken", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Some fields are invalid", body = crate::error::ErrorEnvelope),
        (status = 429, description = "Too many attempts; see `Retry-After`", body = crate::error::ErrorEnvelope),
    ))]
pub async fn sign_up(
    State(state): State<AppState>,
    extensions: Extensions,
    JsonBody(request): JsonBody<SignUp>,
) -> Result<(StatusCode, Json<Session>), ApiError> {
    throttled(&state, &extensions, &request.email)?;
    check_sign_up(&request)?;
    let hash = password::hash(request.password)
        .await
        .map_err(ApiError::Internal)?;
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    let user = users::sign_up(
        &mut conn,
        &NewMerchant {
            shop_name: request.shop_name.trim(),
            slug: &request.slug,
            email: request.email.trim(),
            display_name: request.name.trim(),
            password_hash: &hash,
        },
    )
    .await
    .map_err(|err| match err {
        SignupError::EmailTaken => ApiError::Conflict("this e-mail is already registered".into()),
        SignupError::SlugTaken => ApiError::Conflict("this shop address is taken".into()),
        SignupError::Database(err) => err.into(),
    })?;
    drop(conn);
    let session = open_session(&state, &user, &tokens::new_family()).await?;
    Ok((StatusCode::CREATED, Json(session)))
}

/// `POST /api/v1/auth/login`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    summary = "Sign in with e-mail and password",
    description = "Role: anyone. Throttled per address and account; five failures in a row lock \
        the account for 15 minutes.",
    request_body = SignIn,
    responses(
        (status = 200, description = "Signed in", body = Session),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 401, description = "Wrong e-mail or password", body = crate::error::ErrorEnvelope),
        (status = 429, description = "Too many attempts or a locked account; see `Retry-After`", body = crate::error::ErrorEnvelope),
    ))]
pub async fn sign_in(
    State(state): State<AppState>,
    extensions: Extensions,
    JsonBody(request): JsonBody<SignIn>,
) -> Result<Json<Session>, ApiError> {
    throttled(&state, &extensions, &request.email)?;
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    let Some(found) = users::credentials(&mut conn, request.email.trim()).await? else {
        password::burn_time(request.password).await;
        return Err(ApiError::InvalidCredentials);
    };
    let now = Utc::now();
    if let Some(until) = found.locked_until.filter(|until| *until > now) {
        let retry_after = u64::try_from((until - now).num_seconds())
            .unwrap_or(1)
            .max(1);
        return Err(ApiError::TooManyRequests { retry_after });
    }
    let matches = match (&found.password_hash, found.disabled_at) {
        (Some(stored), None) => password::verify(request.password, stored.clone()).await,
        _ => {
            password::burn_time(request.password).await;
            false
        }
    };
    if !matches {
        users::record_failure(&mut conn, found.user.id, LOCK_AFTER, now + LOCK_FOR).await?;
        return Err(ApiError::InvalidCredentials);
    }
    users::record_success(&mut conn, found.user.id).await?;
    drop(conn);
    Ok(Json(
        open_session(&state, &found.user, &tokens::new_family()).await?,
    ))
}

/// `POST /api/v1/auth/refresh`: the refresh token's successor and a new access token.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth",
    summary = "Trade a refresh token for a new session",
    description = "Role: anyone holding a refresh token. The token rotates; presenting a used one \
        again ends its whole session.",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new access token and the refresh token's successor", body = Session),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 401, description = "The refresh token is not valid, or was already used", body = crate::error::ErrorEnvelope),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    JsonBody(request): JsonBody<RefreshRequest>,
) -> Result<Json<Session>, ApiError> {
    let hash = otklik_jobs::token_hash(&request.refresh_token);
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    match sessions::use_token(&mut conn, &hash).await? {
        Use::Fresh {
            tenant,
            user,
            family,
        } => {
            let user = users::active(&mut conn, TenantScope::trusted(tenant), user)
                .await?
                .ok_or(ApiError::Unauthenticated("the account is disabled"))?;
            drop(conn);
            Ok(Json(open_session(&state, &user, &family).await?))
        }
        Use::Replayed => {
            tracing::warn!("a used refresh token was presented again; its session is revoked");
            Err(ApiError::Unauthenticated(
                "the refresh token was already used; sign in again",
            ))
        }
        Use::Invalid => Err(ApiError::Unauthenticated("the refresh token is not valid")),
    }
}

/// `POST /api/v1/auth/logout`: ends the session the refresh token belongs to.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    summary = "End the session the refresh token belongs to", description = "Role: signed in.",
    request_body = RefreshRequest, security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
    ))]
pub async fn sign_out(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(request): JsonBody<RefreshRequest>,
) -> Result<StatusCode, ApiError> {
    let mut conn = state.tenant_db(principal.tenant).await?;
    sessions::revoke(&mut conn, &otklik_jobs::token_hash(&request.refresh_token)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequest {
    email: String,
}

/// `POST /api/v1/auth/password-reset`: e-mails a reset link when the address has an account.
#[utoipa::path(post, path = "/api/v1/auth/password-reset", tag = "auth",
    summary = "E-mail a password reset link",
    description = "Role: anyone. Answers 202 whether or not the address has an account.",
    request_body = ResetRequest,
    responses(
        (status = 202, description = "A link is e-mailed if the address has an account"),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 429, description = "Too many attempts; see `Retry-After`", body = crate::error::ErrorEnvelope),
    ))]
/// The answer is the same either way, so it tells no one which addresses exist.
pub async fn request_reset(
    State(state): State<AppState>,
    extensions: Extensions,
    JsonBody(request): JsonBody<ResetRequest>,
) -> Result<StatusCode, ApiError> {
    throttled(&state, &extensions, &request.email)?;
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    if let Some(found) = users::credentials(&mut conn, request.email.trim()).await?
        && found.disabled_at.is_none()
    {
        let job = otklik_jobs::Notify::PasswordReset {
            tenant_id: found.user.tenant_id,
            user_id: found.user.id,
        };
        let minute = Utc::now().timestamp() / 60;
        state
            .queues()
            .push_notify(job, &minute.to_string())
            .await
            .map_err(|err| {
                tracing::warn!(error = %err, "could not enqueue a password reset");
                ApiError::QueueUnavailable
            })?;
    }
    Ok(StatusCode::ACCEPTED)
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirmation {
    token: String,
    password: String,
}

/// `POST /api/v1/auth/password-reset/confirm`: the e-mailed token sets a new password once;
/// every session of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth",
    summary = "Set a new password with the e-mailed token",
    description = "Role: anyone holding a reset token. Works once; every session of the account ends.",
    request_body = ResetConfirmation,
    responses(
        (status = 204, description = "The password is set"),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 404, description = "The token is unknown, used or expired", body = crate::error::ErrorEnvelope),
        (status = 422, description = "The password is too short", body = crate::error::ErrorEnvelope),
        (status = 429, description = "Too many attempts; see `Retry-After`", body = crate::error::ErrorEnvelope),
    ))]
pub async fn confirm_reset(
    State(state): State<AppState>,
    extensions: Extensions,
    JsonBody(request): JsonBody<ResetConfirmation>,
) -> Result<StatusCode, ApiError> {
    throttled(&state, &extensions, &request.token)?;
    check_password(&request.password)?;
    let hash = password::hash(request.password)
        .await
        .map_err(ApiError::Internal)?;
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    if users::reset_password(&mut conn, &otklik_jobs::token_hash(&request.token), &hash).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}
