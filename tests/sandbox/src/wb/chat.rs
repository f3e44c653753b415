//! Buyer chats (buyer-chat-api): the chat list, the event stream paged by `next` (unix
//! milliseconds of the last event served) and sending a message as `multipart/form-data`
//! signed with the chat's `replySign`. Errors carry the `proxy-chats` body.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Map, Value, json};

use super::{AppState, json_response, multipart, request_id, utc};
use crate::seller::{Author, ChatFile, GoodCard, SellerData, WbEvent};

/// Requests up to this size reach the handler (files: 5 MiB each, 30 MiB in total).
pub(super) const MAX_BODY: usize = 32 << 20;
/// Events per `/api/v1/seller/events` answer.
const EVENTS_PAGE: usize = 100;
const MAX_MESSAGE_CHARS: usize = 1000;
const MAX_FILE: usize = 5 << 20;
const MAX_FILES: usize = 30 << 20;
const FILE_TYPES: &[&str] = &["image/jpeg", "image/png", "application/pdf"];

/// The chat service's 400: `{"status","title","origin","detail","requestId","error"}`.
fn proxy_error(detail: &str) -> Response {
    let body = json!({
        "status": 400,
        "title": "Bad Request",
        "origin": "proxy-chats",
        "detail": detail,
        "requestId": request_id(),
        "error": detail,
    });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// The upper-hex error code WB puts before file errors (`A24FA09844E: …`).
fn error_code() -> String {
    format!("{:011X}", rand::random::<u64>() >> 20)
}

fn good_card(card: &GoodCard) -> Value {
    json!({
        "nmID": card.nm_id,
        "price": card.price,
        "priceCurrency": "RUB",
        "rid": card.rid,
        "size": card.size,
    })
}

fn timestamp_ms(at_ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(at_ms).unwrap_or_default()
}

/// `GET /api/v1/seller/chats`: every chat, latest activity first.
pub(super) async fn chats(State(app): AppState) -> Response {
    let data = app.seller.read();
    let shoppers = &data.shoppers;
    let mut last: HashMap<usize, &WbEvent> = HashMap::new();
    for event in &shoppers.wb_events {
        last.insert(event.chat, event);
    }
    let mut chats: Vec<(usize, i64)> = (0..shoppers.wb_chats.len())
        .map(|chat| (chat, last.get(&chat).map_or(0, |event| event.at_ms)))
        .collect();
    chats.sort_by_key(|&(chat, at_ms)| (std::cmp::Reverse(at_ms), chat));
    let result: Vec<Value> = chats
        .into_iter()
        .filter_map(|(index, _)| {
            let chat = shoppers.wb_chats.get(index)?;
            let mut json = Map::new();
            json.insert("chatID".to_owned(), json!(chat.id));
            json.insert("replySign".to_owned(), json!(chat.reply_sign));
            json.insert("clientName".to_owned(), json!(chat.client_name));
            if let Some(card) = &chat.good {
                json.insert("goodCard".to_owned(), good_card(card));
            }
            if let Some(event) = last.get(&index) {
                json.insert(
                    "lastMessage".to_owned(),
                    json!({"text": event.text, "addTimestamp": event.at_ms}),
                );
            }
            Some(Value::Object(json))
        })
        .collect();
    json_response(&json!({"result": result, "errors": null}))
}

fn event_json(data: &SellerData, event: &WbEvent) -> Value {
    let chat = data.shoppers.wb_chats.get(event.chat);
    let mut attachments = Map::new();
    if event.new_chat
        && let Some(card) = chat.and_then(|chat| chat.good.as_ref())
    {
        attachments.insert("goodCard".to_owned(), good_card(card));
    }
    let date = utc(timestamp_ms(event.at_ms));
    let url = |file: &ChatFile| {
        let kind = file.content_type.rsplit('/').next().unwrap_or("bin");
        format!(
            "https://chat-basket-01.wbbasket.ru/vol0/part{}/{}/{kind}/{}.{kind}",
            event.at_ms % 10_000,
            file.download_id,
            file.download_id
        )
    };
    let (images, files): (Vec<&ChatFile>, Vec<&ChatFile>) = event
        .files
        .iter()
        .partition(|file| file.content_type.starts_with("image/"));
    if !images.is_empty() {
        let images: Vec<Value> = images
            .into_iter()
            .map(|image| json!({"date": date, "downloadID": image.download_id, "url": url(image)}))
            .collect();
        attachments.insert("images".to_owned(), Value::Array(images));
    }
    if !files.is_empty() {
        let files: Vec<Value> = files
            .into_iter()
            .map(|item| {
                json!({
                    "contentType": item.content_type,
                    "date": date,
                    "downloadID": item.download_id,
                    "name": item.name,
                    "url": url(item),
                    "size": item.size,
                })
            })
            .collect();
        attachments.insert("files".to_owned(), Value::Array(files));
    }
    let mut message = Map::new();
    message.insert("text".to_owned(), json!(event.text));
    if !attachments.is_empty() {
        message.insert("attachments".to_owned(), Value::Object(attachments));
    }
    let mut json = Map::new();
    json.insert(
        "chatID".to_owned(),
        json!(chat.map_or("", |c| c.id.as_str())),
    );
    json.insert("eventID".to_owned(), json!(event.id));
    json.insert("eventType".to_owned(), json!("message"));
    json.insert("isNewChat".to_owned(), json!(event.new_chat));
    json.insert("message".to_owned(), Value::Object(message));
    json.insert("source".to_owned(), json!(event.source));
    json.insert("addTimestamp".to_owned(), json!(event.at_ms));
    json.insert("addTime".to_owned(), json!(date));
    if event.new_chat
        && let Some(chat) = chat
    {
        json.insert("replySign".to_owned(), json!(chat.reply_sign));
    }
    json.insert("sender".to_owned(), json!(event.author.wb()));
    if event.author == Author::Buyer
        && let Some(chat) = chat
    {
        json.insert("clientName".to_owned(), json!(chat.client_name));
    }
    Value::Object(json)
}

/// `GET /api/v1/seller/events[?next=<unix ms>]`: up to a page of events after `next`, oldest
/// first; `next` in the answer is the last event's `addTimestamp` (the request's `next`, or
/// 0, when there is nothing new). `next=0` is refused, as the spec shows.
pub(super) async fn events(State(app): AppState, uri: Uri) -> Response {
    let query = Query::<HashMap<String, String>>::try_from_uri(&uri)
        .map(|Query(query)| query)
        .unwrap_or_default();
    let after = match query.get("next") {
        None => None,
        Some(value) => match value.parse::<i64>() {
            Err(_) => return proxy_error("Invalid number"),
            Ok(next) if next <= 0 => return proxy_error("Invalid value for \"next\""),
            Ok(next) => Some(next),
        },
    };
    let data = app.seller.read();
    let all = &data.shoppers.wb_events;
    let start = after.map_or(0, |next| all.partition_point(|event| event.at_ms <= next));
    let page = &all[start..(start + EVENTS_PAGE).min(all.len())];
    let mut result = Map::new();
    let next = page.last().map_or(after.unwrap_or(0), |event| event.at_ms);
    result.insert("next".to_owned(), json!(next));
    if let (Some(first), Some(last)) = (page.first(), page.last()) {
        result.insert(
            "newestEventTime".to_owned(),
            json!(utc(timestamp_ms(last.at_ms))),
        );
        result.insert(
            "oldestEventTime".to_owned(),
            json!(utc(timestamp_ms(first.at_ms))),
        );
    }
    result.insert("totalEvents".to_owned(), json!(page.len()));
    let events: Vec<Value> = page.iter().map(|event| event_json(&data, event)).collect();
    result.insert("events".to_owned(), Value::Array(events));
    json_response(&json!({"result": result, "errors": []}))
}

/// `POST /api/v1/seller/message`, multipart fields `replySign`, `message` (≤ 1000
/// characters) and `file` (JPEG, PNG or PDF, ≤ 5 MiB each, ≤ 30 MiB together).
pub(super) async fn message(State(app): AppState, headers: HeaderMap, body: Bytes) -> Response {
    let Some(boundary) = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(multipart::boundary)
    else {
        return proxy_error("request Content-Type isn't multipart/form-data");
    };
    let Some(parts) = multipart::parse(&body, &boundary) else {
        return proxy_error("multipart: malformed body");
    };
    let field = |name: &str| {
        parts
            .iter()
            .find(|part| part.name == name && part.filename.is_none())
            .map(|part| std::str::from_utf8(part.body))
    };
    let sign = match field("replySign") {
        Some(Ok(sign)) if !sign.is_empty() => sign.trim(),
        _ => return proxy_error("Invalid signature"),
    };
    let text = match field("message") {
        None => "",
        Some(Ok(text)) => text,
        Some(Err(_)) => return proxy_error("Invalid value for \"message\""),
    };
    let uploads: Vec<&multipart::Part<'_>> = parts
        .iter()
        .filter(|part| part.filename.is_some() || matches!(part.name.as_str(), "file" | "file[]"))
        .collect();
    if text.chars().count() > MAX_MESSAGE_CHARS || (text.trim().is_empty() && uploads.is_empty()) {
        return proxy_error("Invalid value for \"message\"");
    }
    let mut total = 0;
    for upload in &uploads {
        let name = upload.filename.as_deref().unwrap_or(&upload.name);
        let kind = upload.content_type.as_deref().unwrap_or_default();
        if !FILE_TYPES.contains(&kind) {
            return proxy_error(&format!(
                "{}: \"{name}\" has unsupported mime type",
                error_code()
            ));
        }
        if upload.body.len() > MAX_FILE {
            return proxy_error(&format!(
                "{}: attachment too big. Max size: 5MiB",
                error_code()
            ));
        }
        total += upload.body.len();
    }
    if total > MAX_FILES {
        return proxy_error(&format!(
            "{}: attachments too big. Max total size: 30MiB",
            error_code()
        ));
    }
    let mut data = app.seller.write();
    let Some(chat) = data.wb_chat_by_sign(sign) else {
        return proxy_error("Invalid signature");
    };
    let files = uploads
        .iter()
        .map(|upload| ChatFile {
            name: upload
                .filename
                .clone()
                .unwrap_or_else(|| upload.name.clone()),
            content_type: upload.content_type.clone().unwrap_or_default(),
            size: upload.body.len(),
            download_id: data.download_id(),
        })
        .collect();
    let add_time = data.wb_seller_writes(chat, text, files, Utc::now());
    let chat_id = data
        .shoppers
        .wb_chats
        .get(chat)
        .map_or_else(String::new, |chat| chat.id.clone());
    json_response(&json!({
        "result": {"addTime": add_time, "chatID": chat_id},
        "errors": [],
    }))
}
