//! `POST /hooks/vk/{channel_id}`: the VK Callback API of a community. The `confirmation`
//! handshake is answered with the community's confirmation string; every other event must carry
//! the channel's `secret` and is answered `ok` (plain text) at once.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use otklik_jobs::{InboundEvent, handshakes};
use otklik_messengers::vk::events::Head;
use otklik_schema::ChannelId;

use crate::{ApiError, AppState};

fn text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        body,
    )
        .into_response()
}

pub async fn receive(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let channel_id: ChannelId = channel_id.parse().map_err(|_| ApiError::NotFound)?;
    let head: Head = serde_json::from_slice(&body)
        .map_err(|err| ApiError::BadRequest(format!("not a Callback API event: {err}")))?;
    if head.kind == "confirmation" {
        return confirm(&state, channel_id, head.group_id).await;
    }
    let given = head.secret.as_deref().map(str::as_bytes);
    if !state.secrets().vk_matches(channel_id, given) {
        return Err(ApiError::Unauthorized);
    }
    if head.is_subscribed() {
        let event_id = head
            .event_id
            .filter(|id| !id.is_empty())
            .ok_or_else(|| ApiError::BadRequest("the event has no event_id".into()))?;
        // Valid JSON is valid UTF-8.
        let event = String::from_utf8(body.to_vec())
            .map_err(|_| ApiError::BadRequest("the body is not UTF-8".into()))?;
        super::enqueue(
            &state,
            InboundEvent::Vk {
                channel_id,
                event_id,
                event,
            },
        )
        .await?;
    }
    Ok(text(StatusCode::OK, "ok".into()))
}

/// The handshake VK makes when a server is added: the confirmation string of the community
/// this channel was connected to, or 403 for any other community.
async fn confirm(
    state: &AppState,
    channel_id: ChannelId,
    group_id: Option<i64>,
) -> Result<Response, ApiError> {
    let Some(group_id) = group_id else {
        return Err(ApiError::BadRequest(
            "a confirmation without group_id".into(),
        ));
    };
    let mut redis = state.redis();
    let lookup = handshakes::vk_code(
        &mut redis,
        &state.config().redis_namespace,
        channel_id,
        group_id,
    );
    let code = match tokio::time::timeout(state.enqueue_timeout(), lookup).await {
        Ok(Ok(code)) => code,
        Ok(Err(err)) => {
            tracing::warn!(channel.id = %channel_id, error = %err, "could not read a VK confirmation string");
            return Err(ApiError::QueueUnavailable);
        }
        Err(_) => return Err(ApiError::QueueUnavailable),
    };
    match code {
        Some(code) => Ok(text(StatusCode::OK, code)),
        None => {
            tracing::warn!(channel.id = %channel_id, vk.group_id = group_id,
                "VK confirmation for a community this channel is not connected to");
            Ok(text(StatusCode::FORBIDDEN, "unknown community".into()))
        }
    }
}
