//! The signed-in person: `GET /api/v1/me` (who, in which shop, what they may do),
//! `PATCH /api/v1/me` (their name and the dashboard's language) and `POST /api/v1/me/password` (a new password, given the
//! current one: every other session ends, unused reset links are void, and a fresh session is
//! answered for the device that changed it), and `POST /api/v1/me/email-verification` (the
//! link confirming their address, e-mailed again).

use axum::Json;
use axum::extract::State;
use axum::http::{Extensions, HeaderMap, StatusCode};
use axum::response::Response;
use chrono::{DateTime, Utc};
use otklik_db::{email_verifications, tenants, users};
use otklik_schema::{AccountState, Locale, Role, TenantId, UserId};
use serde::{Deserialize, Serialize};

use super::auth::{self, Principal, password, tokens};
use super::body::JsonBody;
use super::permissions::{Permission, granted};
use crate::error::{Conflict, FieldError};
use crate::problems::Problem;
use crate::{ApiError, AppState};

const MAX_NAME: usize = 100;

#[utoipa::path(get, path = "/api/v1/me", tag = "auth",
    summary = "Who is signed in, in which shop, and what they may do",
    description = "Role: signed in. `permissions` lists what the role allows, for showing or \
        hiding controls. `account` is where the shop stands with billing, for a notice on every \
        page: `null` when this installation takes no payments. `email_verified` is whether the \
        person confirmed their address; `tenant.live` is whether the shop's channels may answer \
        shoppers (`false` from sign-up until the owner confirms their address).",
        security(("bearer" = [])),
    responses((status = 200, description = "The person, their shop and what they may do", body = Profile)))]
pub async fn me(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Profile>, ApiError> {
    let mut conn = state.db_for(&principal).await?;
    let user = users::active(&mut conn, principal.tenant, principal.user)
        .await?
        .ok_or(ApiError::Unauthenticated("the account is disabled"))?;
    let tenant = tenants::get(&mut conn, principal.tenant).await?;
    let verified =
        email_verifications::is_verified(&mut conn, principal.tenant, principal.user).await?;
    let billing = state.billing();
    let account = if billing.is_on() {
        otklik_db::billing::get(&mut conn, principal.tenant).await?
    } else {
        None
    };
    let account = account.map(|account| {
        let suspends_at = (account.state == AccountState::PastDue)
            .then_some(account.past_due_since)
            .flatten()
            .map(|since| since + billing.grace);
        Standing {
            state: account.state,
            trial_ends_at: account.trial_ends_at,
            suspends_at,
        }
    });
    Ok(Json(Profile {
        user: ProfileUser {
            id: user.id,
            email: user.email,
            name: user.display_name,
            role: user.role,
            locale: user.locale,
            email_verified: verified,
        },
        tenant: ProfileTenant {
            id: tenant.id,
            name: tenant.name,
            slug: tenant.slug,
            live: !tenant.awaiting_verification,
        },
        permissions: granted(user.role),
        account,
    }))
}

/// Who is signed in, in which shop, and what they may do.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Profile {
    user: ProfileUser,
    tenant: ProfileTenant,
    /// What the role allows, for showing or hiding controls.
    permissions: Vec<Permission>,
    /// Where the shop stands with billing; `null` when this installation takes no payments.
    #[schema(required = true)]
    account: Option<Standing>,
}

/// The signed-in person.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProfileUser {
    id: UserId,
    email: String,
    name: String,
    role: Role,
    /// The dashboard's language for this person.
    locale: Locale,
    /// Whether the person confirmed their address.
    email_verified: bool,
}

/// The signed-in person's shop.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProfileTenant {
    id: TenantId,
    name: String,
    slug: String,
    /// Whether the shop's channels may answer shoppers: `false` from sign-up until the owner
    /// confirms their address.
    live: bool,
}

/// Where a shop stands with billing, for a notice on every page.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Standing {
    state: AccountState,
    #[schema(required = true)]
    trial_ends_at: Option<DateTime<Utc>>,
    /// While past due: when the assistant stops unless the shop pays first.
    #[schema(required = true)]
    suspends_at: Option<DateTime<Utc>>,
}

/// Only the fields sent change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProfilePatch {
    /// How colleagues see you, 0 to 100 characters.
    #[schema(max_length = 100)]
    name: Option<String>,
    /// The language the dashboard speaks to you. Read as text so that another value is a field
    /// error (422), not an unreadable body.
    #[schema(value_type = Option<Locale>)]
    locale: Option<String>,
}

#[utoipa::path(patch, path = "/api/v1/me", tag = "auth",
    summary = "Change your own profile",
    description = "Role: signed in (not with an API key).", security(("bearer" = [])),
    request_body = ProfilePatch,
    responses(
        (status = 200, description = "As `GET /api/v1/me`", body = Profile),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "An API key cannot change a person's profile", body = crate::error::ErrorEnvelope),
        (status = 422, description = "A name too long or on several lines, or a locale other than `ru` or `en`", body = crate::error::ErrorEnvelope),
    ))]
pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(patch): JsonBody<ProfilePatch>,
) -> Result<Json<Profile>, ApiError> {
    if principal.api_key.is_some() {
        return Err(ApiError::Forbidden);
    }
    let mut fields = Vec::new();
    let name = patch.name.as_deref().map(str::trim);
    if let Some(name) = name {
        if name.chars().count() > MAX_NAME {
            fields.push(FieldError::new("name", Problem::TooLong { max: MAX_NAME }));
        } else if name.chars().any(char::is_control) {
            fields.push(FieldError::new("name", Problem::NotOneLine));
        }
    }
    let locale = match patch.locale.as_deref().map(str::parse::<Locale>) {
        None => None,
        Some(Ok(locale)) => Some(locale),
        Some(Err(_)) => {
            fields.push(FieldError::new(
                "locale",
                Problem::NotOneOf {
                    allowed: Locale::ALL.iter().map(|l| l.as_str()).collect(),
                },
            ));
            None
        }
    };
    if !fields.is_empty() {
        return Err(ApiError::Validation(fields));
    }
    let mut conn = state.db_for(&principal).await?;
    users::update_profile(
        &mut conn,
        principal.tenant,
        principal.user,
        users::ProfileChange {
            display_name: name,
            locale,
        },
    )
    .await?
    .ok_or(ApiError::Unauthenticated("the account is disabled"))?;
    drop(conn);
    me(State(state), principal).await
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    current_password: String,
    /// At least 10 characters.
    #[schema(min_length = 10)]
    new_password: String,
}
auth::redacted_debug!(PasswordChange {} hides current_password, new_password);

#[utoipa::path(post, path = "/api/v1/me/password", tag = "auth",
    summary = "Change your own password",
    description = "Role: signed in (not with an API key). The current password is checked \
        (throttled like sign-in); every session of the account ends, its unused reset links are \
        void, and a new session is answered for this device.",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 200, description = "The password is changed; a new session", body = auth::Session),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "The current password is wrong, or an API key asked", body = crate::error::ErrorEnvelope),
        (status = 422, description = "The new password is too short", body = crate::error::ErrorEnvelope),
        (status = 429, description = "Too many attempts; see `Retry-After`", body = crate::error::ErrorEnvelope),
    ))]
pub async fn change_password(
    State(state): State<AppState>,
    principal: Principal,
    extensions: Extensions,
    headers: HeaderMap,
    JsonBody(request): JsonBody<PasswordChange>,
) -> Result<Response, ApiError> {
    if principal.api_key.is_some() {
        return Err(ApiError::Forbidden);
    }
    auth::throttled(
        &state,
        &extensions,
        &headers,
        &format!("user:{}", principal.user.0),
    )?;
    let mut conn = state.db_for(&principal).await?;
    let stored = users::password_hash(&mut conn, principal.tenant, principal.user).await?;
    drop(conn);
    let matches = match stored {
        Some(stored) => password::verify(request.current_password, stored).await,
        None => {
            password::burn_time(request.current_password).await;
            false
        }
    };
    if !matches {
        return Err(ApiError::Forbidden);
    }
    auth::check_password(&request.new_password)?;
    let hash = password::hash(request.new_password)
        .await
        .map_err(ApiError::Internal)?;
    let mut conn = state.db_for(&principal).await?;
    users::change_password(&mut conn, principal.tenant, principal.user, &hash).await?;
    let user = users::active(&mut conn, principal.tenant, principal.user)
        .await?
        .ok_or(ApiError::Unauthenticated("the account is disabled"))?;
    drop(conn);
    state.auth().revocations.forget(principal.user);
    auth::announce_revocation(&state, principal.tenant, principal.user).await;
    let session = auth::open_session(&state, &user, &tokens::new_family(), None).await?;
    Ok(auth::session_answer(&state, StatusCode::OK, session))
}

#[utoipa::path(post, path = "/api/v1/me/email-verification", tag = "auth",
    summary = "E-mail the link confirming your address again",
    description = "Role: signed in (not with an API key). The link works 48 hours, once; the \
        links sent before keep working until the address is confirmed. At most three mails \
        per address at once (the one after sign-up included), then one every 20 seconds.",
    security(("bearer" = [])),
    responses(
        (status = 202, description = "The mail is on its way"),
        (status = 403, description = "An API key cannot ask for this", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The address is confirmed already (`already_verified`)", body = crate::error::ErrorEnvelope),
        (status = 429, description = "Too many mails to this address; see `Retry-After`", body = crate::error::ErrorEnvelope),
    ))]
pub async fn resend_verification(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<StatusCode, ApiError> {
    if principal.api_key.is_some() {
        return Err(ApiError::Forbidden);
    }
    let mut conn = state.db_for(&principal).await?;
    let user = users::active(&mut conn, principal.tenant, principal.user)
        .await?
        .ok_or(ApiError::Unauthenticated("the account is disabled"))?;
    if email_verifications::is_verified(&mut conn, principal.tenant, principal.user).await? {
        return Err(ApiError::Conflict(
            Conflict::AlreadyVerified,
            "this address is confirmed already".into(),
        ));
    }
    drop(conn);
    auth::take_verification_mail(&state, &user.email)
        .await
        .map_err(|retry_after| ApiError::TooManyRequests { retry_after })?;
    // Each allowed request is its own mail; the limit above is what bounds them.
    let occasion = Utc::now().timestamp_millis().to_string();
    auth::send_verification_mail(&state, &user, &occasion).await?;
    Ok(StatusCode::ACCEPTED)
}
