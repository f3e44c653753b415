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

#[cfg(test)]
mod tests {
    use otklik_jobs::WebhookSecrets;
    use otklik_schema::ChannelId;
    use proptest::prelude::*;
    use secrecy::SecretString;

    use super::UpdateHead;

    fn secrets() -> WebhookSecrets {
        WebhookSecrets::new(SecretString::from("k".repeat(40)))
    }

    proptest! {
        /// A header is accepted only when it is the channel's own secret, byte for byte.
        #[test]
        fn only_the_channels_secret_is_accepted(given in proptest::collection::vec(any::<u8>(), 0..128), channel in 1_i64..1_000_000) {
            let secrets = secrets();
            let own = secrets.telegram(ChannelId(channel));
            prop_assert_eq!(secrets.telegram_matches(ChannelId(channel), Some(&given)), given == own.as_bytes());
            prop_assert!(secrets.telegram_matches(ChannelId(channel), Some(own.as_bytes())));
            prop_assert!(!secrets.telegram_matches(ChannelId(channel + 1), Some(own.as_bytes())));
        }

        /// Reading the update's head never panics, whatever the body.
        #[test]
        fn any_body_is_read_without_panicking(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = serde_json::from_slice::<UpdateHead>(&body);
        }

        /// An update id out of range is refused, not wrapped.
        #[test]
        fn update_ids_out_of_range_are_refused(id in any::<i64>()) {
            let head = serde_json::from_str::<UpdateHead>(&format!("{{\"update_id\": {id}}}"));
            prop_assert_eq!(head.is_ok(), u32::try_from(id).is_ok());
        }
    }
}
