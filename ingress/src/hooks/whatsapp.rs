//! `/hooks/whatsapp/{channel_id}`: the WhatsApp Cloud API webhook of one business number.
//! `GET` is Meta's verification (`hub.mode=subscribe`, the verify token the merchant chose,
//! `hub.challenge` echoed as plain text); `POST` carries messages and statuses signed with the
//! app secret (`X-Hub-Signature-256`). Both secrets come sealed from Redis, where connecting the
//! channel put them, so no SQL runs here.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use otklik_db::sealed::Sealed;
use otklik_jobs::{InboundEvent, handshakes};
use otklik_messengers::whatsapp::{signature, webhooks};
use otklik_schema::ChannelId;
use serde_json::Value;
use subtle::ConstantTimeEq;

use crate::{ApiError, AppState};

/// The longest `hub.challenge` echoed back (Meta sends a number).
const MAX_CHALLENGE: usize = 256;

/// The channel's app secret and verify token, or `None` when it is not a connected number.
async fn secrets(state: &AppState, channel_id: ChannelId) -> Result<Option<Value>, ApiError> {
    let mut redis = state.redis();
    let lookup =
        handshakes::whatsapp_secrets(&mut redis, &state.config().redis_namespace, channel_id);
    let stored = match tokio::time::timeout(state.enqueue_timeout(), lookup).await {
        Ok(Ok(stored)) => stored,
        Ok(Err(err)) => {
            tracing::warn!(channel.id = %channel_id, error = %err, "could not read a WhatsApp channel's webhook secrets");
            return Err(ApiError::QueueUnavailable);
        }
        Err(_) => return Err(ApiError::QueueUnavailable),
    };
    let Some(sealed) = stored.as_deref().and_then(Sealed::from_text) else {
        return Ok(None);
    };
    match state.vault().open(&sealed) {
        Ok(open) => Ok(Some(open)),
        Err(err) => {
            tracing::error!(channel.id = %channel_id, error = %err, "a WhatsApp channel's webhook secrets do not open");
            Ok(None)
        }
    }
}

fn field<'a>(secrets: &'a Value, name: &str) -> &'a [u8] {
    secrets[name].as_str().unwrap_or_default().as_bytes()
}

/// Meta's verification request: the challenge back as plain text when the mode is `subscribe`
/// and the verify token is the channel's (compared in constant time); 403 otherwise.
pub async fn verify(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Result<Response, ApiError> {
    let channel_id: ChannelId = channel_id.parse().map_err(|_| ApiError::NotFound)?;
    let forbidden = || (StatusCode::FORBIDDEN, "verification refused").into_response();
    let (Some(mode), Some(token), Some(challenge)) = (
        query.get("hub.mode"),
        query.get("hub.verify_token"),
        query.get("hub.challenge"),
    ) else {
        return Ok(forbidden());
    };
    let challenge_ok = (1..=MAX_CHALLENGE).contains(&challenge.len())
        && challenge.bytes().all(|b| b.is_ascii_graphic());
    if mode != "subscribe" || !challenge_ok {
        return Ok(forbidden());
    }
    let Some(secrets) = secrets(&state, channel_id).await? else {
        return Ok(forbidden());
    };
    let expected = field(&secrets, "verify_token");
    if expected.is_empty() || !bool::from(token.as_bytes().ct_eq(expected)) {
        tracing::warn!(channel.id = %channel_id, "WhatsApp verification with a wrong verify token");
        return Ok(forbidden());
    }
    Ok((
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        challenge.clone(),
    )
        .into_response())
}

/// Checks the signature over the raw body, splits the payload into its messages and statuses
/// and enqueues each once (the queue deduplicates by `wamid`, and statuses by `wamid` and
/// status); Meta gets its 200 at once. Fields and types nobody acts on are acknowledged.
pub async fn receive(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let channel_id: ChannelId = channel_id.parse().map_err(|_| ApiError::NotFound)?;
    let given = headers.get(signature::HEADER).map(|value| value.as_bytes());
    let Some(secrets) = secrets(&state, channel_id).await? else {
        return Err(ApiError::Unauthorized);
    };
    let app_secret = field(&secrets, "app_secret");
    if app_secret.is_empty() || !signature::verify(app_secret, &body, given) {
        return Err(ApiError::Unauthorized);
    }
    let items = webhooks::split(&body)
        .map_err(|err| ApiError::BadRequest(format!("not a WhatsApp webhook payload: {err}")))?;
    for split in items {
        super::enqueue(
            &state,
            InboundEvent::Whatsapp {
                channel_id,
                key: split.key,
                item: split.item,
            },
        )
        .await?;
    }
    Ok(StatusCode::OK)
}
