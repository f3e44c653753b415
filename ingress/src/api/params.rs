//! Path and query parameters, with mistakes answered in the error envelope rather than axum's
//! plain-text rejections: a path id that cannot be one names no object (404), and a malformed
//! query string is a 400 that says which parameter is wrong.

use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::ApiError;
use crate::error::FieldError;
use crate::problems::Problem;

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

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, ApiError> {
        // Filters and searches: a NUL character (`%00`) means nothing in any of them and
        // PostgreSQL cannot take it, so it is dropped.
        let query = parts.uri.query().unwrap_or_default();
        let query = if query.contains("%00") {
            std::borrow::Cow::Owned(query.replace("%00", ""))
        } else {
            std::borrow::Cow::Borrowed(query)
        };
        serde_urlencoded_query::<T>(&query)
            .map(Self)
            .map_err(ApiError::BadRequest)
    }
}

/// Deserializes a query string as axum's `Query` does.
fn serde_urlencoded_query<T: DeserializeOwned>(query: &str) -> Result<T, String> {
    let uri: axum::http::Uri = format!("/?{query}")
        .parse()
        .map_err(|_| "the query string is malformed".to_owned())?;
    Query::<T>::try_from_uri(&uri)
        .map(|Query(value)| value)
        .map_err(|err| err.body_text())
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
