//! Buyer chats (ChatAPI): the chat list with its cursor, a chat's history in either direction,
//! and — for Premium Plus / Pro sellers only — sending a message and marking a chat read.
//! `legacy_chat_enums` serves the 2025 spellings (`Buyer_Seller`, `Opened`, `customer`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AppState, OzonApp, RpcError, bad_request, numeric_ids, parse, timestamp};
use crate::seller::{Author, OzonChat};

const DEFAULT_CHATS: i64 = 30;
const MAX_CHATS: i64 = 100;
const DEFAULT_MESSAGES: i64 = 50;
const MAX_MESSAGES: i64 = 1000;
const MAX_TEXT_CHARS: usize = 1000;

/// What Ozon answers a seller without the subscription a Premium method needs.
pub(super) fn not_subscribed() -> RpcError {
    RpcError::new(
        StatusCode::FORBIDDEN,
        7,
        "not available with existing subscription",
    )
}

fn chat_not_found() -> RpcError {
    RpcError::new(StatusCode::NOT_FOUND, 5, "chat not found")
}

impl OzonApp {
    fn chat_type(&self, chat: &OzonChat) -> &'static str {
        match (chat.support, self.options.legacy_chat_enums) {
            (false, false) => "BUYER_SELLER",
            (true, false) => "SELLER_SUPPORT",
            (false, true) => "Buyer_Seller",
            (true, true) => "Seller_Support",
        }
    }

    fn chat_status(&self, chat: &OzonChat) -> &'static str {
        match (chat.closed, self.options.legacy_chat_enums) {
            (false, false) => "OPENED",
            (true, false) => "CLOSED",
            (false, true) => "Opened",
            (true, true) => "Closed",
        }
    }

    fn user_type(&self, author: Author) -> String {
        if self.options.legacy_chat_enums {
            author.ozon().to_lowercase()
        } else {
            author.ozon().to_owned()
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListFilter {
    chat_status: String,
    unread_only: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListRequest {
    filter: Option<ListFilter>,
    limit: Option<i64>,
    cursor: String,
}

/// `POST /v3/chat/list`: chats by latest message, newest first; the cursor is the last
/// served chat's `last_message_id`.
pub(super) async fn list(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    let request: ListRequest = parse(&body)?;
    let limit = request.limit.unwrap_or(DEFAULT_CHATS);
    if !(1..=MAX_CHATS).contains(&limit) {
        return Err(bad_request(
            "invalid request: limit must be in range [1, 100]",
        ));
    }
    let filter = request.filter.unwrap_or_default();
    let wanted_closed = match filter.chat_status.to_ascii_lowercase().as_str() {
        "" | "all" => None,
        "opened" => Some(false),
        "closed" => Some(true),
        _ => return Err(bad_request("invalid request: unknown chat_status")),
    };
    let before = match request.cursor.trim() {
        "" => None,
        cursor => Some(
            cursor
                .parse::<u64>()
                .map_err(|_| bad_request("invalid request: invalid cursor"))?,
        ),
    };
    let data = app.seller.read();
    let mut chats: Vec<&OzonChat> = data
        .shoppers
        .ozon_chats
        .iter()
        .filter(|chat| wanted_closed.is_none_or(|closed| chat.closed == closed))
        .filter(|chat| !filter.unread_only || chat.unread() > 0)
        .collect();
    chats.sort_by_key(|chat| std::cmp::Reverse(chat.last_message_id()));
    let total_unread: usize = chats.iter().map(|chat| chat.unread()).sum();
    let remaining: Vec<&OzonChat> = chats
        .into_iter()
        .filter(|chat| before.is_none_or(|cursor| chat.last_message_id() < cursor))
        .collect();
    let limit = usize::try_from(limit).unwrap_or(0);
    let page = &remaining[..limit.min(remaining.len())];
    let items: Vec<Value> = page
        .iter()
        .map(|chat| {
            let first_unread = chat
                .messages
                .iter()
                .find(|message| !message.read)
                .map_or(0, |message| message.id);
            json!({
                "chat": {
                    "chat_id": chat.id,
                    "chat_status": app.chat_status(chat),
                    "chat_type": app.chat_type(chat),
                    "created_at": timestamp(chat.created_at),
                },
                "first_unread_message_id": first_unread.to_string(),
                "last_message_id": chat.last_message_id().to_string(),
                "unread_count": chat.unread(),
            })
        })
        .collect();
    let cursor = page
        .last()
        .map_or_else(String::new, |chat| chat.last_message_id().to_string());
    Ok(axum::Json(json!({
        "chats": items,
        "total_unread_count": total_unread,
        "cursor": cursor,
        "has_next": remaining.len() > page.len(),
    }))
    .into_response())
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct HistoryFilter {
    message_ids: Vec<Value>,
}

#[derive(Deserialize)]
struct HistoryRequest {
    chat_id: String,
    #[serde(default)]
    direction: String,
    #[serde(default)]
    from_message_id: Option<Value>,
    #[serde(default)]
    limit: Option<i64>,
    #[serde(default)]
    filter: Option<HistoryFilter>,
}

fn message_id(value: Option<Value>) -> Result<Option<u64>, RpcError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(value) => Ok(numeric_ids(std::slice::from_ref(&value))?.first().copied()),
    }
}

/// `POST /v3/chat/history`: `Backward` (default) from the newest message or from
/// `from_message_id` down, `Forward` from `from_message_id` up; both ends inclusive.
pub(super) async fn history(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    let request: HistoryRequest = parse(&body)?;
    let forward = match request.direction.to_ascii_lowercase().as_str() {
        "" | "backward" => false,
        "forward" => true,
        _ => return Err(bad_request("invalid request: unknown direction")),
    };
    let from = message_id(request.from_message_id)?;
    if forward && from.is_none() {
        return Err(bad_request(
            "invalid request: from_message_id is required for direction Forward",
        ));
    }
    let limit = match request.limit {
        None | Some(0) => DEFAULT_MESSAGES,
        Some(limit @ 1..=MAX_MESSAGES) => limit,
        Some(_) => {
            return Err(bad_request(
                "invalid request: limit must be in range [1, 1000]",
            ));
        }
    };
    let only = request
        .filter
        .map(|filter| numeric_ids(&filter.message_ids))
        .transpose()?
        .filter(|ids| !ids.is_empty());
    let data = app.seller.read();
    let chat = data
        .ozon_chat(request.chat_id.trim())
        .and_then(|index| data.shoppers.ozon_chats.get(index))
        .ok_or_else(chat_not_found)?;
    let mut messages: Vec<_> = chat
        .messages
        .iter()
        .filter(|message| match from {
            None => true,
            Some(from) if forward => message.id >= from,
            Some(from) => message.id <= from,
        })
        .filter(|message| only.as_ref().is_none_or(|ids| ids.contains(&message.id)))
        .collect();
    if !forward {
        messages.reverse();
    }
    let limit = usize::try_from(limit).unwrap_or(0);
    let has_next = messages.len() > limit;
    let items: Vec<Value> = messages
        .into_iter()
        .take(limit)
        .map(|message| {
            json!({
                "message_id": message.id.to_string(),
                "created_at": timestamp(message.at),
                "is_read": message.read,
                "is_image": false,
                "user": {"id": message.user_id, "type": app.user_type(message.author)},
                "context": {"order_number": chat.order_number, "sku": chat.sku},
                "data": [message.text],
                "moderate_image_status": "SUCCESS",
            })
        })
        .collect();
    Ok(axum::Json(json!({"has_next": has_next, "messages": items})).into_response())
}

#[derive(Deserialize)]
struct SendRequest {
    chat_id: String,
    text: String,
}

/// `POST /v1/chat/send/message` (Premium): the seller's message, which also reads the chat.
pub(super) async fn send(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    if !app.options.premium {
        return Err(not_subscribed());
    }
    let request: SendRequest = parse(&body)?;
    let chars = request.text.chars().count();
    if request.text.trim().is_empty() || chars > MAX_TEXT_CHARS {
        return Err(bad_request(
            "invalid request: text must be from 1 to 1000 characters",
        ));
    }
    let mut data = app.seller.write();
    let chat_id = request.chat_id.trim();
    if data.ozon_chat(chat_id).is_none() {
        return Err(chat_not_found());
    }
    data.ozon_writes(
        Some(chat_id),
        None,
        Author::Seller,
        &request.text,
        Utc::now(),
    );
    Ok(axum::Json(json!({"result": "success"})).into_response())
}

#[derive(Deserialize)]
struct ReadRequest {
    chat_id: String,
    #[serde(default)]
    from_message_id: Option<Value>,
}

/// `POST /v2/chat/read` (Premium): marks the message and every earlier one read.
pub(super) async fn read(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    if !app.options.premium {
        return Err(not_subscribed());
    }
    let request: ReadRequest = parse(&body)?;
    let up_to = message_id(request.from_message_id)?;
    let mut data = app.seller.write();
    let index = data
        .ozon_chat(request.chat_id.trim())
        .ok_or_else(chat_not_found)?;
    let chat = &mut data.shoppers.ozon_chats[index];
    for message in &mut chat.messages {
        if up_to.is_none_or(|up_to| message.id <= up_to) {
            message.read = true;
        }
    }
    Ok(axum::Json(json!({"unread_count": chat.unread()})).into_response())
}
