//! Who is calling: the bearer access token, checked, as an extractor. Every admin endpoint
//! takes a [`Principal`], so none can forget authentication, and its tenant scope comes from
//! the signed token, never from the request.

use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use otklik_db::TenantScope;
use otklik_schema::{Role, UserId};

use crate::api::permissions::{Permission, allows};
use crate::{ApiError, AppState};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub user: UserId,
    pub tenant: TenantScope,
    pub role: Role,
}

impl Principal {
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if allows(self.role, permission) {
            Ok(())
        } else {
            Err(ApiError::Forbidden)
        }
    }
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
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
        Ok(Self {
            user,
            // The token is ours: we signed this tenant into it.
            tenant: TenantScope::trusted(claims.tenant()),
            role: claims.role,
        })
    }
}
