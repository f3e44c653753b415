//! Path and query parameters, with mistakes answered in the error envelope rather than axum's
//! plain-text rejections: a path id that cannot be one names no object (404), and a malformed
//! query string is a 400 that says which parameter is wrong.

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::problems::Problem;
use crate::ApiError;
use crate::error::FieldError;

pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        match Path::<T>::from_request_parts(parts, state).await {
            Ok(Path(value)) => Ok(Self(value)),
            Err(PathRejection::FailedToDeserializePathParams(_)) => Err(ApiError::NotFound),
            Err(err) => Err(ApiError::BadRequest(err.body_text())),
        }
    }
}

pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(value)| Self(value))
            .map_err(|err| ApiError::BadRequest(err.body_text()))
    }
}

/// The longest `?q=` a list searches for.
const MAX_SEARCH_CHARS: usize = 200;

/// A list's `?q=`, trimmed; blank is no search, and over 200 characters a 422.
pub fn search_text(q: Option<&str>) -> Result<Option<&str>, ApiError> {
    let search = q.map(str::trim).filter(|q| !q.is_empty());
    if search.is_some_and(|q| q.chars().count() > MAX_SEARCH_CHARS) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "q",
            Problem::TooLong {
                max: MAX_SEARCH_CHARS,
            },
        )]));
    }
    Ok(search)
}

/// Tells a field sent as `null` (`Some(None)`) from one not sent (`None`), for PATCH bodies.
pub fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}
