//! The shopper web chat: a page, a message endpoint that enqueues like a webhook, the visitor's
//! history, live replies over server-sent events, and the visitor's rating of the answers.
//!
//! A visitor is identified by a random id their page keeps in local storage; knowing it is what
//! lets a page read that visitor's history, so it must be unguessable (≥ 16 characters).
//!
//! Every endpoint is public, so each is bounded: only enabled web-chat channels are served
//! (checked here, from a cached lookup, before anything is queued), posts — messages and ratings
//! alike — are limited per client address, per visitor and per channel (GCRA in Redis, shared by
//! all ingress processes; 429 and `Retry-After` past the limit), history reads per address,
//! history reads and ratings through the small public pool, and live streams per address.

use std::convert::Infallible;
use std::net::IpAddr;
use std::sync::LazyLock;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures::{Stream, StreamExt};
use otklik_db::messages::Line;
use otklik_db::ratings::{self, Rated, Stars, WebchatTarget};
use otklik_jobs::InboundEvent;
use otklik_schema::ChannelId;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::client_address::ClientAddress;
use crate::error::Conflict;
use crate::rate_limits::PerMinute;
use crate::{ApiError, AppState};

const PAGE: &str = include_str!("../assets/chat.html");
/// History reads per minute from one address: a page reads it on load and on reconnect.
const HISTORY_PER_ADDRESS: PerMinute = PerMinute(120);
/// Longest message a shopper can type, in characters.
const MAX_TEXT_CHARS: usize = 4000;
const HISTORY_LIMIT: i64 = 100;

fn channel(raw: &str) -> Result<ChannelId, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

/// The channel named in the path, if it is an enabled web chat; 404 for anything else.
async fn open_channel(state: &AppState, raw: &str) -> Result<ChannelId, ApiError> {
    let id = channel(raw)?;
    if state
        .webchat_channels()
        .is_open(state.public_db(), id)
        .await?
    {
        Ok(id)
    } else {
        Err(ApiError::NotFound)
    }
}

/// Takes one event from each limit, or answers 429 with how long to wait.
async fn limited(state: &AppState, limits: &[(String, PerMinute)]) -> Result<(), ApiError> {
    match state.rate_limits().take(limits).await {
        Ok(None) => Ok(()),
        Ok(Some(wait)) => Err(ApiError::TooManyRequests {
            retry_after: wait.as_secs().max(1),
        }),
        Err(err) => {
            // Unlimited is not an option for a public endpoint; nor is guessing.
            tracing::warn!(error = %err, "web-chat limits unavailable");
            Err(ApiError::QueueUnavailable)
        }
    }
}

/// Takes one write from the client address's, the visitor's and the channel's budgets: messages
/// and ratings share them.
async fn write_limited(
    state: &AppState,
    address: IpAddr,
    channel_id: ChannelId,
    visitor_id: &str,
) -> Result<(), ApiError> {
    let config = state.config();
    limited(
        state,
        &[
            (
                format!("webchat:address:{address}"),
                PerMinute(config.webchat_per_address_per_min),
            ),
            (
                format!("webchat:visitor:{channel_id}:{visitor_id}"),
                PerMinute(config.webchat_per_visitor_per_min),
            ),
            (
                format!("webchat:channel:{channel_id}"),
                PerMinute(config.webchat_per_channel_per_min),
            ),
        ],
    )
    .await
}

/// The page with its inline style and script allowed by their hashes, nothing else.
static PAGE_POLICY: LazyLock<HeaderValue> = LazyLock::new(|| {
    let inline = |open: &str, close: &str| {
        let start = PAGE.find(open).map_or(0, |at| at + open.len());
        let end = PAGE[start..].find(close).map_or(start, |at| start + at);
        STANDARD.encode(Sha256::digest(&PAGE.as_bytes()[start..end]))
    };
    let policy = format!(
        "default-src 'none'; connect-src 'self'; img-src 'self' data:; style-src 'sha256-{}'; \
         script-src 'sha256-{}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        inline("<style>", "</style>"),
        inline("<script>", "</script>"),
    );
    HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static("default-src 'none'"))
});

fn check_token(name: &str, value: &str) -> Result<(), ApiError> {
    let ok = (16..=64).contains(&value.len())
        && value
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-');
    if ok {
        Ok(())
    } else {
        Err(ApiError::BadRequest(format!(
            "`{name}` must be 16–64 letters, digits or '-'"
        )))
    }
}

pub async fn page(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
) -> Result<Response, ApiError> {
    open_channel(&state, &channel_id).await?;
    let mut response = Html(PAGE).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, PAGE_POLICY.clone());
    Ok(response)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostedMessage {
    visitor_id: String,
    client_message_id: String,
    text: String,
}

/// A message as the page posts it, checked: ids of the right shape, text trimmed, not empty,
/// not too long, NUL characters dropped (PostgreSQL cannot store them, and they mean nothing).
pub fn parse_message(body: &[u8]) -> Result<(String, String, String), ApiError> {
    let posted: PostedMessage = serde_json::from_slice(body)
        .map_err(|err| ApiError::BadRequest(format!("invalid message: {err}")))?;
    check_token("visitor_id", &posted.visitor_id)?;
    check_token("client_message_id", &posted.client_message_id)?;
    let text = posted.text.replace('\0', "");
    let text = text.trim();
    if text.is_empty() {
        return Err(ApiError::BadRequest("`text` is empty".into()));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::BadRequest(format!(
            "`text` is longer than {MAX_TEXT_CHARS} characters"
        )));
    }
    Ok((posted.visitor_id, posted.client_message_id, text.to_owned()))
}

/// Accepts a message from the page: 202 once it is queued.
pub async fn post_message(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Path(channel_id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let channel_id = channel(&channel_id)?;
    let (visitor_id, client_message_id, text) = parse_message(&body)?;
    write_limited(&state, address, channel_id, &visitor_id).await?;
    // After the limits, so a flood of foreign ids costs Redis, not the database.
    open_channel(&state, &channel_id.to_string()).await?;
    let event = InboundEvent::Webchat {
        channel_id,
        visitor_id,
        client_message_id,
        text,
    };
    crate::hooks::enqueue(&state, event).await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostedRating {
    visitor_id: String,
    stars: u8,
}

/// A rating as the page posts it, checked: a visitor id of the right shape and 1–5 stars.
pub fn parse_rating(body: &[u8]) -> Result<(String, Stars), ApiError> {
    let posted: PostedRating = serde_json::from_slice(body)
        .map_err(|err| ApiError::BadRequest(format!("invalid rating: {err}")))?;
    check_token("visitor_id", &posted.visitor_id)?;
    let stars = Stars::new(posted.stars)
        .ok_or_else(|| ApiError::BadRequest("`stars` must be from 1 to 5".into()))?;
    Ok((posted.visitor_id, stars))
}

/// The visitor rates their latest conversation: 201 once it is kept, credited to an operator
/// when one answered in it and to the assistant otherwise. The first rating stands: another
/// answers 409 and changes nothing, as does rating a conversation nobody has answered yet.
pub async fn post_rating(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Path(channel_id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let channel_id = channel(&channel_id)?;
    let (visitor_id, stars) = parse_rating(&body)?;
    write_limited(&state, address, channel_id, &visitor_id).await?;
    open_channel(&state, &channel_id.to_string()).await?;
    let mut conn = state
        .public_db()
        .get()
        .await
        .map_err(otklik_db::DbError::from)?;
    let (tenant, conversation_id, resolved_by, intent) =
        match ratings::webchat_target(&mut conn, channel_id, &visitor_id).await? {
            WebchatTarget::NoConversation => return Err(ApiError::NotFound),
            WebchatTarget::Unanswered => {
                return Err(ApiError::Conflict(
                    Conflict::NothingAnswered,
                    "nothing has been answered in this conversation yet".into(),
                ));
            }
            WebchatTarget::Answered {
                tenant,
                conversation_id,
                resolved_by,
                intent,
            } => (tenant, conversation_id, resolved_by, intent),
        };
    let rated = Rated {
        conversation_id,
        channel_id,
        resolved_by,
        intent: intent.as_deref(),
    };
    if ratings::record(&mut conn, tenant, &rated, stars).await? {
        tracing::info!(
            tenant_id = %tenant.tenant_id(),
            conversation_id = %conversation_id,
            stars = stars.get(),
            "web-chat conversation rated"
        );
        Ok(StatusCode::CREATED)
    } else {
        Err(ApiError::Conflict(
            Conflict::AlreadyRated,
            "this conversation has already been rated".into(),
        ))
    }
}

#[derive(Deserialize)]
pub struct VisitorQuery {
    visitor: String,
}

fn visitor(query: Result<Query<VisitorQuery>, QueryRejection>) -> Result<String, ApiError> {
    let Query(VisitorQuery { visitor }) =
        query.map_err(|_| ApiError::BadRequest("`visitor` query parameter is required".into()))?;
    check_token("visitor", &visitor)?;
    Ok(visitor)
}

pub async fn history(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Path(channel_id): Path<String>,
    query: Result<Query<VisitorQuery>, QueryRejection>,
) -> Result<Json<Vec<Line>>, ApiError> {
    let visitor = visitor(query)?;
    limited(
        &state,
        &[(format!("webchat:history:{address}"), HISTORY_PER_ADDRESS)],
    )
    .await?;
    let channel_id = open_channel(&state, &channel_id).await?;
    let mut conn = state
        .public_db()
        .get()
        .await
        .map_err(otklik_db::DbError::from)?;
    Ok(Json(
        otklik_db::messages::webchat_history(&mut conn, channel_id, &visitor, HISTORY_LIMIT)
            .await?,
    ))
}

pub async fn events(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Path(channel_id): Path<String>,
    query: Result<Query<VisitorQuery>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let visitor = visitor(query)?;
    let channel_id = open_channel(&state, &channel_id).await?;
    let topic = otklik_jobs::topics::webchat(&state.config().redis_namespace, channel_id, &visitor);
    let listener = state
        .hub()
        .subscribe_from(topic, address, state.config().live_streams_per_address)
        .await
        .map_err(|_| ApiError::TooManyRequests { retry_after: 30 })?;
    // A page that fell behind is cut off: it reconnects and reads its history, rather than
    // silently missing a reply. Closing the page drops the listener, and with it the topic.
    let stream = listener
        .into_stream()
        .map(|line| Ok(Event::default().event("message").data(line)))
        .take_until(state.stopping());
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::{MAX_TEXT_CHARS, parse_message, parse_rating};

    proptest! {
        /// Any body is answered without panicking; only 1–5 stars from a well-formed visitor pass.
        #[test]
        fn accepted_ratings_are_in_range(body in proptest::collection::vec(any::<u8>(), 0..128)) {
            if let Ok((visitor, stars)) = parse_rating(&body) {
                prop_assert!((16..=64).contains(&visitor.len()));
                prop_assert!((1..=5).contains(&stars.get()));
            }
        }

        #[test]
        fn stars_outside_one_to_five_are_refused(stars in any::<i64>()) {
            let body = serde_json::json!({"visitor_id": "visitor-0123456789abcdef", "stars": stars});
            let parsed = parse_rating(body.to_string().as_bytes());
            prop_assert_eq!(parsed.is_ok(), (1..=5).contains(&stars));
        }

        /// Any body is answered without panicking; what is accepted is what can be stored.
        #[test]
        fn accepted_messages_are_clean(body in proptest::collection::vec(any::<u8>(), 0..512)) {
            if let Ok((visitor, client_id, text)) = parse_message(&body) {
                prop_assert!((16..=64).contains(&visitor.len()));
                prop_assert!((16..=64).contains(&client_id.len()));
                prop_assert!(!text.is_empty() && !text.contains('\0'));
                prop_assert!(text.chars().count() <= MAX_TEXT_CHARS);
            }
        }

        /// Texts of any characters, NUL included, are trimmed and cleaned, never refused for them.
        #[test]
        fn any_text_is_cleaned(text in "\\PC{1,100}", nul in any::<bool>()) {
            let text = if nul { format!("{text}\u{0}") } else { text };
            let body = serde_json::json!({
                "visitor_id": "visitor-0123456789abcdef",
                "client_message_id": "msg-0123456789abcdef",
                "text": text,
            });
            let parsed = parse_message(body.to_string().as_bytes());
            let cleaned = text.replace('\0', "");
            if cleaned.trim().is_empty() {
                prop_assert!(parsed.is_err());
            } else {
                let (_, _, stored) = parsed.expect("accepted");
                prop_assert_eq!(stored, cleaned.trim());
            }
        }
    }
}
