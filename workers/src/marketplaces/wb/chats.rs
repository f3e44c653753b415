//! Buyer chats. There are no webhooks: the event stream is polled with the `next` cursor it
//! returns. A reply needs the chat's `replySign`, which comes with a chat's first event or
//! from the chat list; WB has no way to open a chat (`marketplaces.md` §3.11).

use reqwest::Method;
use reqwest::multipart::Form;
use serde::Deserialize;

use super::{Family, WbClient};
use crate::marketplaces::error::MarketplaceError;
use crate::marketplaces::wire::opt_id_string;

/// The `sender` of a shopper's event.
pub const SENDER_CLIENT: &str = "client";
/// The `sender` of the seller's messages, whether sent here, from another tool or typed in the
/// seller's cabinet (`source` says which: `seller-public-api`, `seller-portal`).
pub const SENDER_SELLER: &str = "seller";

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChatEvent {
    #[serde(rename = "chatID")]
    pub chat_id: String,
    #[serde(rename = "eventID")]
    pub event_id: String,
    #[serde(default)]
    pub is_new_chat: bool,
    #[serde(default)]
    pub message: Option<EventMessage>,
    #[serde(default)]
    pub reply_sign: Option<String>,
    #[serde(default)]
    pub sender: String,
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default)]
    pub client_name: Option<String>,
    /// Unix milliseconds; a message we sent comes back with the `addTime` its send answered.
    #[serde(default)]
    pub add_timestamp: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventMessage {
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub attachments: Option<EventAttachments>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventAttachments {
    /// The order the chat is about, in a chat's first event.
    #[serde(default)]
    pub good_card: Option<GoodCard>,
    #[serde(default)]
    pub images: Vec<ChatFile>,
    #[serde(default)]
    pub files: Vec<ChatFile>,
}

/// `goodCard`: the product and the shopper's order a chat was opened from.
#[derive(Debug, Clone, Deserialize)]
pub struct GoodCard {
    #[serde(rename = "nmID", default, deserialize_with = "opt_id_string")]
    pub nm_id: Option<String>,
    /// The order's `rid` (= `srid` in statistics and claims).
    #[serde(default, deserialize_with = "opt_id_string")]
    pub rid: Option<String>,
    /// `wbSize` of the ordered size.
    #[serde(default, deserialize_with = "opt_id_string")]
    pub size: Option<String>,
    /// What the shopper paid, in roubles.
    #[serde(default)]
    pub price: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChatFile {
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(rename = "contentType", default)]
    pub content_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventsPage {
    /// Where the next poll starts; an empty page echoes the request's, or 0.
    #[serde(default)]
    pub next: Option<i64>,
    #[serde(default)]
    pub total_events: i64,
    #[serde(default)]
    pub events: Vec<ChatEvent>,
}

#[derive(Debug, Deserialize)]
struct Wrapped<T> {
    result: T,
}

#[derive(Debug, Deserialize)]
pub struct ChatSummary {
    #[serde(rename = "chatID")]
    pub chat_id: String,
    #[serde(rename = "replySign", default)]
    pub reply_sign: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Sent {
    #[serde(rename = "chatID", default)]
    chat_id: Option<String>,
    #[serde(rename = "addTime", default)]
    add_time: Option<i64>,
}

impl WbClient {
    /// Events after `next` (the first poll passes none).
    pub async fn chat_events(&self, next: Option<i64>) -> Result<EventsPage, MarketplaceError> {
        let call = self.call(Family::BuyerChat, "wb GET /api/v1/seller/events");
        let page: Wrapped<EventsPage> = self
            .transport
            .json(&call, || {
                let request = self.request(Family::BuyerChat, Method::GET, "/api/v1/seller/events");
                match next {
                    Some(next) => request.query(&[("next", next)]),
                    None => request,
                }
            })
            .await?;
        Ok(page.result)
    }

    /// Every chat of the seller with its reply signature.
    pub async fn chats(&self) -> Result<Vec<ChatSummary>, MarketplaceError> {
        let call = self.call(Family::BuyerChat, "wb GET /api/v1/seller/chats");
        let list: Wrapped<Vec<ChatSummary>> = self
            .transport
            .json(&call, || {
                self.request(Family::BuyerChat, Method::GET, "/api/v1/seller/chats")
            })
            .await?;
        Ok(list.result)
    }

    /// Sends a text into the chat `reply_sign` belongs to; returns an id for the sent message.
    pub async fn send_chat_message(
        &self,
        reply_sign: &str,
        text: &str,
    ) -> Result<String, MarketplaceError> {
        let call = self.call(Family::BuyerChat, "wb POST /api/v1/seller/message");
        let sent: Wrapped<Sent> = self
            .transport
            .json(&call, || {
                let form = Form::new()
                    .text("replySign", reply_sign.to_owned())
                    .text("message", text.to_owned());
                self.request(Family::BuyerChat, Method::POST, "/api/v1/seller/message")
                    .multipart(form)
            })
            .await?;
        Ok(format!(
            "{}:{}",
            sent.result.chat_id.unwrap_or_default(),
            sent.result.add_time.unwrap_or_default()
        ))
    }
}
