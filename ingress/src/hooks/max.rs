//! `POST /hooks/max/{channel_id}`: MAX Bot API webhooks, one update per request.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use otklik_jobs::InboundEvent;
use otklik_messengers::max::updates::{self, UpdateError};
use otklik_schema::ChannelId;

use crate::{ApiError, AppState};

const SECRET_HEADER: &str = "x-max-bot-api-secret";

/// Checks the channel's secret in constant time, reads the update's identity, and enqueues it
/// once per identity; MAX gets its 200 at once. Update types nobody acts on are acknowledged
/// and dropped, so MAX does not retry them for hours.
pub async fn receive(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let channel_id: ChannelId = channel_id.parse().map_err(|_| ApiError::NotFound)?;
    let given = headers.get(SECRET_HEADER).map(|value| value.as_bytes());
    if !state.secrets().max_matches(channel_id, given) {
        return Err(ApiError::Unauthorized);
    }
    let key = match updates::identity(&body) {
        Ok(Some(key)) => key,
        Ok(None) => return Ok(StatusCode::OK),
        Err(err @ (UpdateError::Malformed(_) | UpdateError::Unidentified(_))) => {
            return Err(ApiError::BadRequest(err.to_string()));
        }
    };
    // Valid JSON is valid UTF-8.
    let update = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::BadRequest("the body is not UTF-8".into()))?;
    super::enqueue(
        &state,
        InboundEvent::Max {
            channel_id,
            key,
            update,
        },
    )
    .await?;
    Ok(StatusCode::OK)
}
