//! Signing up, in and out: `/api/v1/auth/*`. Access tokens live 15 minutes; refresh tokens 30
//! days, rotate on every use, and a reused one signs the whole session out.

pub(super) mod password;
mod principal;
mod revocation;
mod throttle;
pub(super) mod tokens;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::RangeInclusive;

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use otklik_db::sessions::{self, NewRefresh, Use};
use otklik_db::users::{self, NewMerchant, SignupError, User};
use otklik_db::{DbError, TenantScope};
use serde::{Deserialize, Serialize};

pub use principal::{KEY_PREFIX, Principal};
pub use revocation::Revocations;
pub use throttle::Throttle;
pub use tokens::Signer;

use super::body::JsonBody;
use crate::error::{Conflict, FieldError};
use crate::problems::Problem;
use crate::{ApiError, AppState};

/// Failures in a row that lock an account, and for how long.
const LOCK_AFTER: i32 = 5;
const LOCK_FOR: Duration = Duration::minutes(15);
const MIN_PASSWORD: usize = 10;
const MAX_SHOP_NAME: usize = 200;
const SLUG_LENGTH: RangeInclusive<usize> = 2..=63;

/// The cookie the dashboard's refresh token travels in: HttpOnly, so no script reads it, and
/// sent only to the auth endpoints of this site.
const REFRESH_COOKIE: &str = "otklik_refresh";
/// Password reset e-mails one address may be sent per minute (GCRA): a burst of 3, then one
/// every 20 seconds.
const RESETS_PER_ADDRESS: crate::rate_limits::PerMinute = crate::rate_limits::PerMinute(3);
/// Confirmation e-mails one address may be sent, the one after sign-up included: as resets.
const VERIFICATIONS_PER_ADDRESS: crate::rate_limits::PerMinute = RESETS_PER_ADDRESS;

/// What the auth endpoints share.
pub struct Auth {
    pub signer: Signer,
    pub throttle: Throttle,
    pub revocations: Arc<Revocations>,
}

/// An e-mail address as accounts are keyed: trimmed and lower-cased, so ` Anna@X.ru` and
/// `anna@x.ru` are one account for the lookup and for every throttle.
pub(super) fn normalised_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// Shows what a request holds without its secrets.
macro_rules! redacted_debug {
    ($type:ident { $($shown:ident),* } hides $($hidden:ident),+) => {
        impl ::std::fmt::Debug for $type {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.debug_struct(stringify!($type))
                    $(.field(stringify!($shown), &self.$shown))*
                    $(.field(stringify!($hidden), &"<redacted>"))+
                    .finish()
            }
        }
    };
}
pub(crate) use redacted_debug;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUp {
    #[schema(min_length = 1, max_length = 200, pattern = r"\S")]
    shop_name: String,
    /// The shop's address in Otklik: lower-case letters, digits and dashes.
    #[schema(pattern = r"^[a-z0-9][a-z0-9-]{1,62}$")]
    slug: String,
    #[schema(format = Email, max_length = 254)]
    email: String,
    /// At least 10 characters.
    #[schema(min_length = 10)]
    password: String,
    #[serde(default)]
    #[schema(max_length = 100)]
    name: String,
    /// Where the shop is registered (ISO 3166-1 alpha-2). It chooses what the shop pays in:
    /// `RU` pays in roubles through ЮKassa, any other country in dollars through Stripe.
    /// Without it, the installation's default (roubles where only ЮKassa is set up).
    #[serde(default)]
    #[schema(min_length = 2, max_length = 2, pattern = r"^[A-Za-z]{2}$")]
    country: Option<String>,
    /// Must be `true`: the person accepts the terms of service. Without it the answer is 422
    /// `consent_required`; the moment of acceptance is recorded.
    #[serde(default)]
    #[schema(required = true, schema_with = consent_schema)]
    accept_terms: bool,
    /// Must be `true`: the person consents to the processing of their personal data (Russian
    /// Federal Law 152-FZ). Without it the answer is 422 `consent_required`; the moment of
    /// consent is recorded.
    #[serde(default)]
    #[schema(required = true, schema_with = consent_schema)]
    accept_personal_data: bool,
}
/// A consent in the document: `true` is the only answer that signs up.
fn consent_schema() -> utoipa::openapi::schema::Object {
    utoipa::openapi::schema::ObjectBuilder::new()
        .schema_type(utoipa::openapi::schema::Type::Boolean)
        .enum_values(Some([true]))
        .build()
}
redacted_debug!(SignUp { shop_name, slug, email, name, country, accept_terms, accept_personal_data } hides password);

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    email: String,
    password: String,
}
redacted_debug!(SignIn { email } hides password);

/// The refresh token: in the body, or (the dashboard) in its HttpOnly cookie with `{}` sent.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefreshRequest {
    #[serde(default)]
    refresh_token: Option<String>,
}
redacted_debug!(RefreshRequest {} hides refresh_token);

impl RefreshRequest {
    /// The token from the body, else from the cookie.
    fn token(&self, headers: &HeaderMap) -> Option<String> {
        self.refresh_token.clone().or_else(|| {
            headers
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|value| value.to_str().ok())
                .flat_map(|value| value.split(';'))
                .filter_map(|pair| pair.trim().split_once('='))
                .find(|(name, _)| *name == REFRESH_COOKIE)
                .map(|(_, token)| token.to_owned())
        })
    }
}

/// A signed-in session: a short-lived access token and the refresh token that renews it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Session {
    access_token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// Seconds the access token stays valid.
    expires_in: i64,
    refresh_token: String,
    user: UserView,
    /// When the refresh token (and so the session) ends.
    #[serde(skip)]
    refresh_expires_at: chrono::DateTime<Utc>,
}
redacted_debug!(Session { token_type, expires_in, user } hides access_token, refresh_token);

/// The session as answered: never cached, and its refresh token also set as the HttpOnly
/// cookie the dashboard uses (`Secure` when the public URL is https).
pub(super) fn session_answer(state: &AppState, status: StatusCode, session: Session) -> Response {
    let secure = if state.config().public_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let max_age = (session.refresh_expires_at - Utc::now())
        .num_seconds()
        .max(0);
    let cookie = format!(
        "{REFRESH_COOKIE}={}; HttpOnly; SameSite=Strict; Path=/api/v1/auth; Max-Age={max_age}{secure}",
        session.refresh_token
    );
    let mut response = (status, Json(session)).into_response();
    if let Ok(cookie) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

/// Tells every ingress that `user`'s sessions ended: their dashboards' sockets close (the
/// socket hears it on the tenant's operator topic) and ask for a sign-in. Best effort: tokens are
/// refused regardless once the revocation cache catches up.
pub(crate) async fn announce_revocation(
    state: &AppState,
    tenant: TenantScope,
    user: otklik_schema::UserId,
) {
    let mut redis = state.redis();
    let event = otklik_jobs::OperatorEvent::SessionRevoked { user_id: user };
    let told = otklik_jobs::topics::tell_operators(
        &mut redis,
        &state.config().redis_namespace,
        tenant.tenant_id(),
        &event,
    );
    match tokio::time::timeout(state.enqueue_timeout(), told).await {
        Ok(Ok(_)) => {}
        Ok(Err(err)) => tracing::warn!(error = %err, "could not announce a revoked session"),
        Err(_) => tracing::warn!("Redis did not take a revoked session's announcement in time"),
    }
}

/// Clears the refresh cookie.
fn cookie_cleared() -> (header::HeaderName, HeaderValue) {
    (
        header::SET_COOKIE,
        HeaderValue::from_static(
            "otklik_refresh=; HttpOnly; SameSite=Strict; Path=/api/v1/auth; Max-Age=0",
        ),
    )
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UserView {
    id: i64,
    tenant_id: i64,
    email: String,
    name: String,
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

/// The caller's address, as [`ClientAddress`](crate::client_address::ClientAddress) resolves
/// it (trusted proxies only).
pub(super) fn client_address(
    state: &AppState,
    extensions: &Extensions,
    headers: &HeaderMap,
) -> IpAddr {
    let peer = extensions
        .get::<axum::extract::ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    crate::client_address::resolve(peer, headers, state.trusted_proxies())
}

/// Refuses an address or account that has tried too often in this process.
pub(super) fn throttled(
    state: &AppState,
    extensions: &Extensions,
    headers: &HeaderMap,
    account: &str,
) -> Result<(), ApiError> {
    state
        .auth()
        .throttle
        .check(client_address(state, extensions, headers), account)
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

/// The admin's own name, as on their profile.
const MAX_PERSON_NAME: usize = 100;

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
    if request
        .country
        .as_ref()
        .is_some_and(|c| c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()))
    {
        fields.push(FieldError::new(
            "country",
            Problem::LengthOutOfRange { min: 2, max: 2 },
        ));
    }
    if request.name.trim().chars().count() > MAX_PERSON_NAME {
        fields.push(FieldError::new(
            "name",
            Problem::TooLong {
                max: MAX_PERSON_NAME,
            },
        ));
    }
    if request.password.chars().count() < MIN_PASSWORD {
        fields.push(FieldError::new(
            "password",
            Problem::TooShort { min: MIN_PASSWORD },
        ));
    }
    if !request.accept_terms {
        fields.push(FieldError::new("accept_terms", Problem::ConsentRequired));
    }
    if !request.accept_personal_data {
        fields.push(FieldError::new(
            "accept_personal_data",
            Problem::ConsentRequired,
        ));
    }
    if fields.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Validation(fields))
    }
}

/// Issues a fresh access token and a refresh token in `family`, which ends at `expires_at`
/// (a new family: `None`, `REFRESH_TTL` from now).
pub(super) async fn open_session(
    state: &AppState,
    user: &User,
    family: &str,
    expires_at: Option<chrono::DateTime<Utc>>,
) -> Result<Session, ApiError> {
    let expires_at = expires_at.unwrap_or_else(|| Utc::now() + tokens::REFRESH_TTL);
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
            expires_at,
        },
    )
    .await?;
    Ok(Session {
        access_token: access,
        token_type: "Bearer",
        expires_in: tokens::ACCESS_TTL.num_seconds(),
        refresh_token: refresh,
        user: user.into(),
        refresh_expires_at: expires_at,
    })
}

/// `POST /api/v1/auth/signup`: a new shop and its admin, signed in.
#[utoipa::path(post, path = "/api/v1/auth/signup", tag = "auth",
    summary = "Sign up: a new shop and its admin, signed in",
    description = "Role: anyone. A link confirming the address is e-mailed (valid 48 hours, \
        once). Until it is used the shop is not live: everything can be set up, but channels \
        connected meanwhile stay off (`awaiting_verification`) and switch on when the address \
        is confirmed. An installation that sends no e-mail takes the address as confirmed.",
    request_body = SignUp,
    responses(
        (status = 201, description = "The shop exists and its admin is signed in", body = Session),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The e-mail or the shop address is taken", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Some fields are invalid, or a consent is missing (`consent_required`)", body = crate::error::ErrorEnvelope),
        (status = 429, description = "Too many attempts; see `Retry-After`", body = crate::error::ErrorEnvelope),
    ))]
pub async fn sign_up(
    State(state): State<AppState>,
    extensions: Extensions,
    headers: HeaderMap,
    JsonBody(request): JsonBody<SignUp>,
) -> Result<Response, ApiError> {
    let email = normalised_email(&request.email);
    throttled(&state, &extensions, &headers, &email)?;
    check_sign_up(&request)?;
    let hash = password::hash(request.password)
        .await
        .map_err(ApiError::Internal)?;
    // Without an outgoing mail server no confirmation can reach the owner: the shop is live.
    let mails = state.config().smtp_url.is_some();
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    let user = users::sign_up(
        &mut conn,
        &NewMerchant {
            shop_name: request.shop_name.trim(),
            slug: &request.slug,
            email: &email,
            display_name: request.name.trim(),
            password_hash: &hash,
            consented_at: Utc::now(),
            confirmed: !mails,
        },
    )
    .await
    .map_err(|err| match err {
        SignupError::EmailTaken => ApiError::Conflict(
            Conflict::EmailRegistered,
            "this e-mail is already registered".into(),
        ),
        SignupError::SlugTaken => {
            ApiError::Conflict(Conflict::SlugTaken, "this shop address is taken".into())
        }
        SignupError::Database(err) => err.into(),
    })?;
    // The trial starts now, in the currency the shop's country pays in.
    let billing = state.billing();
    let trial = billing.catalog.trial();
    otklik_db::billing::open_trial(
        &mut conn,
        TenantScope::trusted(user.tenant_id),
        trial.plan.as_str(),
        trial.ends_at(Utc::now()),
        billing.currency_for_country(request.country.as_deref()),
    )
    .await?;
    drop(conn);
    // The first confirmation mail counts against the address's allowance. A queue that does not
    // take it fails nothing: the shop exists, and the dashboard offers to send the mail again.
    if mails {
        let _ = take_verification_mail(&state, &email).await;
        if let Err(err) = send_verification_mail(&state, &user, "signup").await {
            tracing::warn!(error = ?err, user.id = %user.id, "the confirmation e-mail is not queued");
        }
    }
    let session = open_session(&state, &user, &tokens::new_family(), None).await?;
    Ok(session_answer(&state, StatusCode::CREATED, session))
}

/// Takes one confirmation mail from the address's allowance; `Err` with how long to wait (in
/// seconds) when it is spent. Redis failing lets the mail go: a person must not be locked out.
pub(super) async fn take_verification_mail(state: &AppState, email: &str) -> Result<(), u64> {
    let key = format!("verify:{}", otklik_jobs::token_hash(email));
    match state
        .rate_limits()
        .take(&[(key, VERIFICATIONS_PER_ADDRESS)])
        .await
    {
        Ok(Some(wait)) => Err(wait.as_secs().max(1)),
        Ok(None) => Ok(()),
        Err(err) => {
            tracing::warn!(error = %err, "the confirmation mail limit could not be checked");
            Ok(())
        }
    }
}

/// Queues the mail with a link that confirms `user`'s address, once per `occasion`.
pub(super) async fn send_verification_mail(
    state: &AppState,
    user: &User,
    occasion: &str,
) -> Result<(), ApiError> {
    let job = otklik_jobs::Notify::EmailVerification {
        tenant_id: user.tenant_id,
        user_id: user.id,
    };
    crate::hooks::enqueue_in_time(
        state,
        "a confirmation e-mail",
        state.queues().push_notify(job, occasion),
    )
    .await
}

/// `POST /api/v1/auth/login`.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    summary = "Sign in with e-mail and password",
    description = "Role: anyone. Throttled per address and account; five failures in a row lock \
        the account for 15 minutes. A locked account answers like a wrong password.",
    request_body = SignIn,
    responses(
        (status = 200, description = "Signed in", body = Session),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 401, description = "Wrong e-mail or password", body = crate::error::ErrorEnvelope),
        (status = 429, description = "Too many attempts or a locked account; see `Retry-After`", body = crate::error::ErrorEnvelope),
    ))]
/// An unknown address, a wrong password, a disabled or a locked account all answer the same
/// 401 after the same work, so an answer tells nothing about which accounts exist or are
/// locked. The attempt is counted before the password is checked, atomically, so guesses sent
/// at once cannot all slip past the lockout.
pub async fn sign_in(
    State(state): State<AppState>,
    extensions: Extensions,
    headers: HeaderMap,
    JsonBody(request): JsonBody<SignIn>,
) -> Result<Response, ApiError> {
    let email = normalised_email(&request.email);
    throttled(&state, &extensions, &headers, &email)?;
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    let found = users::credentials(&mut conn, &email).await?;
    let attempt = match &found {
        Some(found) => {
            users::claim_attempt(&mut conn, found.user.id, LOCK_AFTER, Utc::now() + LOCK_FOR)
                .await?
        }
        None => false,
    };
    drop(conn);
    let (Some(found), true) = (found, attempt) else {
        password::burn_time(request.password).await;
        return Err(ApiError::InvalidCredentials);
    };
    let matches = match (&found.password_hash, found.disabled_at) {
        (Some(stored), None) => password::verify(request.password, stored.clone()).await,
        _ => {
            password::burn_time(request.password).await;
            false
        }
    };
    if !matches {
        return Err(ApiError::InvalidCredentials);
    }
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    users::record_success(&mut conn, found.user.id).await?;
    drop(conn);
    let session = open_session(&state, &found.user, &tokens::new_family(), None).await?;
    Ok(session_answer(&state, StatusCode::OK, session))
}

/// `POST /api/v1/auth/refresh`: the refresh token's successor and a new access token.
#[utoipa::path(post, path = "/api/v1/auth/refresh", tag = "auth",
    summary = "Trade a refresh token for a new session",
    description = "Role: anyone holding a refresh token, in the body or in the `otklik_refresh` \
        cookie the sign-in answers set (send `{}`). The token rotates; presenting a used one \
        again ends its whole session. A session ends 30 days after its sign-in however often \
        it is refreshed.",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "A new access token and the refresh token's successor", body = Session),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 401, description = "The refresh token is not valid, or was already used", body = crate::error::ErrorEnvelope),
    ))]
pub async fn refresh(
    State(state): State<AppState>,
    headers: HeaderMap,
    JsonBody(request): JsonBody<RefreshRequest>,
) -> Result<Response, ApiError> {
    let Some(token) = request.token(&headers) else {
        return Err(ApiError::Unauthenticated("no refresh token"));
    };
    let hash = otklik_jobs::token_hash(&token);
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    match sessions::use_token(&mut conn, &hash).await? {
        Use::Fresh {
            tenant,
            user,
            family,
            expires_at,
        } => {
            let user = users::active(&mut conn, TenantScope::trusted(tenant), user)
                .await?
                .ok_or(ApiError::Unauthenticated("the account is disabled"))?;
            drop(conn);
            let session = open_session(&state, &user, &family, Some(expires_at)).await?;
            Ok(session_answer(&state, StatusCode::OK, session))
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
    headers: HeaderMap,
    JsonBody(request): JsonBody<RefreshRequest>,
) -> Result<Response, ApiError> {
    if let Some(token) = request.token(&headers) {
        let mut conn = state.db_for(&principal).await?;
        sessions::revoke(&mut conn, &otklik_jobs::token_hash(&token)).await?;
    }
    Ok((StatusCode::NO_CONTENT, [cookie_cleared()]).into_response())
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
    headers: HeaderMap,
    JsonBody(request): JsonBody<ResetRequest>,
) -> Result<StatusCode, ApiError> {
    let email = normalised_email(&request.email);
    throttled(&state, &extensions, &headers, &email)?;
    // At most a few mails per address, whoever asks: a link is not a way to flood an inbox.
    // Over the limit the answer is the same 202, so it tells nothing either.
    let key = format!("reset:{}", otklik_jobs::token_hash(&email));
    let allowed = matches!(
        state.rate_limits().take(&[(key, RESETS_PER_ADDRESS)]).await,
        Ok(None)
    );
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    if let Some(found) = users::credentials(&mut conn, &email).await?
        && found.disabled_at.is_none()
        && allowed
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

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetConfirmation {
    token: String,
    /// At least 10 characters.
    #[schema(min_length = 10)]
    password: String,
}
redacted_debug!(ResetConfirmation {} hides token, password);

/// `POST /api/v1/auth/password-reset/confirm`: the e-mailed token sets a new password once;
/// every session of the account ends.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/confirm", tag = "auth",
    summary = "Set a new password with the e-mailed token",
    description = "Role: anyone holding a reset token. Works once; every session of the account ends, its other reset links are void, and the API keys it made are revoked.",
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
    headers: HeaderMap,
    JsonBody(request): JsonBody<ResetConfirmation>,
) -> Result<StatusCode, ApiError> {
    throttled(&state, &extensions, &headers, &request.token)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_with_secrets_print_redacted() {
        let sign_in: SignIn = serde_json::from_value(
            serde_json::json!({"email": "a@b.example", "password": "hunter2-hunter2"}),
        )
        .expect("sign in");
        let printed = format!("{sign_in:?}");
        assert!(
            printed.contains("a@b.example") && !printed.contains("hunter2"),
            "{printed}"
        );
        let refresh: RefreshRequest =
            serde_json::from_value(serde_json::json!({"refresh_token": "secret-refresh"}))
                .expect("refresh");
        assert!(!format!("{refresh:?}").contains("secret-refresh"));
        let reset: ResetConfirmation = serde_json::from_value(
            serde_json::json!({"token": "secret-reset", "password": "secret-password"}),
        )
        .expect("reset");
        assert!(!format!("{reset:?}").contains("secret"));
    }

    #[test]
    fn addresses_are_keyed_trimmed_and_lower_cased() {
        assert_eq!(
            normalised_email("  Anna@Sever.Example "),
            "anna@sever.example"
        );
    }
}
