//! Request bodies: JSON only, unknown fields refused, and every mistake answered with a 400
//! that says where it is.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;

use crate::error::FieldError;
use crate::problems::Problem;
use crate::{ApiError, AppState};

pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        let is_json = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/json"));
        if !is_json {
            return Err(ApiError::BadRequest(
                "send the body as JSON with Content-Type: application/json".into(),
            ));
        }
        let bytes = Bytes::from_request(request, state)
            .await
            .map_err(|err| rejected(err, state))?;
        let mut value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|err| ApiError::BadRequest(format!("invalid JSON body: {err}")))?;
        // serde would also read a struct from an array of its fields in order; the document
        // promises an object.
        if !value.is_object() {
            return Err(ApiError::BadRequest(
                "invalid JSON body: send a JSON object".into(),
            ));
        }
        if let Some(at) = nul_at(&value, String::new()) {
            return Err(ApiError::Validation(vec![FieldError::new(
                "body",
                Problem::NulCharacter { at },
            )]));
        }
        whole_numbers_as_integers(&mut value);
        serde_json::from_value(value)
            .map(JsonBody)
            .map_err(|err| ApiError::BadRequest(format!("invalid JSON body: {err}")))
    }
}

/// The JSON pointer of the first string (or key) holding a NUL character: PostgreSQL cannot
/// store one, so it is refused here with a 422 rather than failing later.
pub(crate) fn nul_at(value: &serde_json::Value, at: String) -> Option<String> {
    use serde_json::Value;
    let escape = |key: &str| key.replace('~', "~0").replace('/', "~1");
    match value {
        Value::String(text) => text.contains('\0').then_some(at),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(index, item)| nul_at(item, format!("{at}/{index}"))),
        Value::Object(map) => map.iter().find_map(|(key, item)| {
            let here = format!("{at}/{}", escape(key));
            if key.contains('\0') {
                Some(here)
            } else {
                nul_at(item, here)
            }
        }),
        _ => None,
    }
}

/// A nested object of a body, refused when sent as an array: serde would read a struct from
/// the list of its fields in order.
pub(crate) fn object<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DeserializeOwned,
{
    use serde::Deserialize;
    use serde::de::Error;
    Option::<serde_json::Map<String, serde_json::Value>>::deserialize(deserializer)?
        .map(|map| serde_json::from_value(serde_json::Value::Object(map)).map_err(D::Error::custom))
        .transpose()
}

/// [`object`] for a PATCH field where `null` clears (`Some(None)`) and absence leaves it (`None`).
pub(crate) fn present_object<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: DeserializeOwned,
{
    object(deserializer).map(Some)
}

/// `314.0` is the integer 314 to JSON Schema and to most clients' serialisers; serde reads it
/// only as a float, so whole numbers are made integers before the body is read.
fn whole_numbers_as_integers(value: &mut serde_json::Value) {
    use serde_json::Value;
    match value {
        Value::Number(number) if !number.is_i64() && !number.is_u64() => {
            let whole = number
                .as_f64()
                .filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15);
            if let Some(whole) = whole {
                // Exact: a whole float below 2^53 converts without rounding.
                *value = Value::from(whole as i64);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(whole_numbers_as_integers),
        Value::Object(map) => map.values_mut().for_each(whole_numbers_as_integers),
        _ => {}
    }
}

/// A body axum would not hand over: over the limit (413), or unreadable (400).
pub(crate) fn rejected(err: BytesRejection, state: &AppState) -> ApiError {
    if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(state)
    } else {
        ApiError::BadRequest(format!("the body could not be read: {}", err.body_text()))
    }
}

/// A body that could not be read whole: over the limit (413), or cut off by the client (400).
pub(crate) fn unreadable(err: axum::Error, state: &AppState) -> ApiError {
    let over_limit = err
        .into_inner()
        .downcast_ref::<http_body_util::LengthLimitError>()
        .is_some();
    if over_limit {
        too_large(state)
    } else {
        ApiError::BadRequest("the body could not be read whole".into())
    }
}

fn too_large(state: &AppState) -> ApiError {
    ApiError::TooLarge(format!(
        "the body is over the limit of {} bytes",
        state.config().max_body_bytes
    ))
}
