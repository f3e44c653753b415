//! Who is calling: the bearer access token, checked, as an extractor. Every admin endpoint
//! takes a [`Principal`], so none can forget authentication, and its tenant scope comes from
//! the signed token, never from the request. A server may send an API key (`ok_live_…`) instead,
//! as the bearer token or in `X-Api-Key`: it acts with the key's role in the key's tenant, on
//! behalf of the admin who made it — except that a key never manages keys or people, so a leaked
//! key cannot make itself a successor or invite its holder in.
//!
//! A token is also checked against its user's current state ([`super::revocation`]): a disabled
//! person, a changed role or a new password ends the tokens signed before.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use chrono::{TimeDelta, Utc};
use otklik_db::{DbError, TenantScope, api_keys};
use otklik_schema::{Role, UserId};

use crate::api::permissions::{Permission, allows};
use crate::{ApiError, AppState};

/// What every API key starts with, so a leaked one is easy to recognise.
pub const KEY_PREFIX: &str = "ok_live_";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub user: UserId,
    pub tenant: TenantScope,
    pub role: Role,
    /// The API key the request came with (its row id); `None` for a person's access token.
    pub api_key: Option<i64>,
}

impl Principal {
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        let people_only = matches!(
            permission,
            Permission::ManageApiKeys | Permission::ManageUsers
        );
        if allows(self.role, permission) && !(people_only && self.api_key.is_some()) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        // Checked once per request: a middleware that needed it first left it here.
        if let Some(principal) = parts.extensions.get::<Self>() {
            return Ok(*principal);
        }
        let principal = Self::authenticate(parts, state).await?;
        crate::request_span::record_tenant(principal.tenant.tenant_id());
        parts.extensions.insert(principal);
        Ok(principal)
    }
}

impl Principal {
    async fn authenticate(parts: &Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(key) = api_key(parts)? {
            return from_api_key(key, state).await;
        }
        let header = parts
            .headers
            .get(AUTHORIZATION)
            .ok_or(ApiError::Unauthenticated("no Authorization header"))?
            .to_str()
            .map_err(|_| ApiError::Unauthenticated("malformed Authorization header"))?;
        let token = header
            .strip_prefix("Bearer ")
            .ok_or(ApiError::Unauthenticated(
                "expected `Authorization: Bearer <token>`",
            ))?;
        let claims = state.auth().signer.check(token.trim()).map_err(|err| {
            use jsonwebtoken::errors::ErrorKind;
            ApiError::Unauthenticated(match err.kind() {
                ErrorKind::ExpiredSignature => "the access token has expired; refresh it",
                ErrorKind::ImmatureSignature => "the access token is not valid yet",
                _ => "the access token is not valid",
            })
        })?;
        let user = claims
            .user()
            .ok_or(ApiError::Unauthenticated("the access token is not valid"))?;
        let holds = state
            .auth()
            .revocations
            .holds(state.db(), user, claims.issued_ms())
            .await?;
        if !holds {
            return Err(ApiError::Unauthenticated(
                "the session was ended; sign in again",
            ));
        }
        Ok(Self {
            user,
            // The token is ours: we signed this tenant into it.
            tenant: TenantScope::trusted(claims.tenant()),
            role: claims.role,
            api_key: None,
        })
    }
}

/// The API key the request carries, if any: `X-Api-Key`, or a bearer token that looks like one.
fn api_key(parts: &Parts) -> Result<Option<String>, ApiError> {
    if let Some(value) = parts.headers.get("x-api-key") {
        let key = value
            .to_str()
            .map_err(|_| ApiError::Unauthenticated("malformed X-Api-Key header"))?;
        return Ok(Some(key.trim().to_owned()));
    }
    Ok(parts
        .headers
        .get(AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|token| token.starts_with(KEY_PREFIX))
        .map(str::to_owned))
}

async fn from_api_key(key: String, state: &AppState) -> Result<Principal, ApiError> {
    const UNKNOWN: &str = "the API key is not valid or was revoked";
    if !key.starts_with(KEY_PREFIX) {
        return Err(ApiError::Unauthenticated(UNKNOWN));
    }
    let hash = otklik_jobs::token_hash(&key);
    // Anyone can send a made-up key: the lookup uses the public pool.
    let mut conn = state.public_db().get().await.map_err(DbError::from)?;
    let holder = api_keys::holder(&mut conn, &hash)
        .await?
        .ok_or(ApiError::Unauthenticated(UNKNOWN))?;
    let stale = holder
        .last_used_at
        .is_none_or(|used| Utc::now() - used > TimeDelta::minutes(1));
    if stale {
        api_keys::touch(&mut conn, holder.id).await?;
    }
    Ok(Principal {
        user: holder.created_by,
        // Found by the secret's hash: the key is ours, and so is its tenant.
        tenant: TenantScope::trusted(holder.tenant_id),
        role: holder.role,
        api_key: Some(holder.id),
    })
}
