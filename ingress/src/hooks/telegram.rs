//! `POST /hooks/telegram/{channel_id}`: Telegram Bot API webhooks.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use otklik_jobs::InboundEvent;
use otklik_schema::ChannelId;
use serde::Deserialize;

use crate::{ApiError, AppState};

const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// The part of an `Update` the ingress needs; the rest travels to the worker untouched.
#[derive(Deserialize)]
struct UpdateHead {
    update_id: u32,
}

pub async fn receive(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let channel_id: ChannelId = channel_id.parse().map_err(|_| ApiError::NotFound)?;
    let given = headers.get(SECRET_HEADER).map(|value| value.as_bytes());
    if !state.secrets().telegram_matches(channel_id, given) {
        return Err(ApiError::Unauthorized);
    }
    let head: UpdateHead = serde_json::from_slice(&body)
        .map_err(|err| ApiError::BadRequest(format!("not a Telegram Update: {err}")))?;
    // Valid JSON is valid UTF-8.
    let update = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::BadRequest("the body is not UTF-8".into()))?;
    super::enqueue(
        &state,
        InboundEvent::Telegram {
            channel_id,
            update_id: i64::from(head.update_id),
            update,
        },
    )
    .await?;
    Ok(StatusCode::OK)
}
