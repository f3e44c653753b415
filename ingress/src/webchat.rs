//! The shopper web chat: a page, a message endpoint that enqueues like a webhook, the visitor's
//! history, and live replies over server-sent events.
//!
//! A visitor is identified by a random id their page keeps in local storage; knowing it is what
//! lets a page read that visitor's history, so it must be unguessable (≥ 16 characters).

use std::convert::Infallible;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Html;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use otklik_db::messages::Line;
use otklik_jobs::InboundEvent;
use otklik_schema::ChannelId;
use serde::Deserialize;
use tokio_stream::wrappers::BroadcastStream;

use crate::{ApiError, AppState};

const PAGE: &str = include_str!("../assets/chat.html");
/// Longest message a shopper can type, in characters.
const MAX_TEXT_CHARS: usize = 4000;
const HISTORY_LIMIT: i64 = 100;

fn channel(raw: &str) -> Result<ChannelId, ApiError> {
    raw.parse().map_err(|_| ApiError::NotFound)
}

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

pub async fn page(Path(channel_id): Path<String>) -> Result<Html<&'static str>, ApiError> {
    channel(&channel_id)?;
    Ok(Html(PAGE))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PostedMessage {
    visitor_id: String,
    client_message_id: String,
    text: String,
}

/// Accepts a message from the page: 202 once it is queued.
pub async fn post_message(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let channel_id = channel(&channel_id)?;
    let posted: PostedMessage = serde_json::from_slice(&body)
        .map_err(|err| ApiError::BadRequest(format!("invalid message: {err}")))?;
    check_token("visitor_id", &posted.visitor_id)?;
    check_token("client_message_id", &posted.client_message_id)?;
    let text = posted.text.trim();
    if text.is_empty() {
        return Err(ApiError::BadRequest("`text` is empty".into()));
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        return Err(ApiError::BadRequest(format!(
            "`text` is longer than {MAX_TEXT_CHARS} characters"
        )));
    }
    let event = InboundEvent::Webchat {
        channel_id,
        visitor_id: posted.visitor_id,
        client_message_id: posted.client_message_id,
        text: text.to_owned(),
    };
    crate::hooks::enqueue(&state, event).await?;
    Ok(StatusCode::ACCEPTED)
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
    Path(channel_id): Path<String>,
    query: Result<Query<VisitorQuery>, QueryRejection>,
) -> Result<Json<Vec<Line>>, ApiError> {
    let channel_id = channel(&channel_id)?;
    let visitor = visitor(query)?;
    let mut conn = state.db().get().await.map_err(otklik_db::DbError::from)?;
    Ok(Json(
        otklik_db::messages::webchat_history(&mut conn, channel_id, &visitor, HISTORY_LIMIT)
            .await?,
    ))
}

pub async fn events(
    State(state): State<AppState>,
    Path(channel_id): Path<String>,
    query: Result<Query<VisitorQuery>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let channel_id = channel(&channel_id)?;
    let visitor = visitor(query)?;
    let topic = otklik_jobs::topics::webchat(&state.config().redis_namespace, channel_id, &visitor);
    // A page that fell behind is cut off: it reconnects and reads its history, rather than
    // silently missing a reply.
    let stream = BroadcastStream::new(state.hub().subscribe(topic).await)
        .take_while(|item| std::future::ready(item.is_ok()))
        .filter_map(|item| std::future::ready(item.ok()))
        .map(|line| Ok(Event::default().event("message").data(line)))
        .take_until(state.stopping());
    Ok(Sse::new(stream).keep_alive(KeepAlive::default()))
}
