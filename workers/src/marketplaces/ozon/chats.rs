//! Buyer chats: the list of chats with unread messages, each chat's history, and sending
//! (Premium Plus or Pro only). Ozon renamed the enums in 2026 (`Buyer_Seller` became
//! `BUYER_SELLER`, and a doc example spells `Customer` with a Cyrillic «С»), so kinds are
//! compared folded, never exactly (`marketplaces.md` §9.7).

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::OzonClient;
use crate::marketplaces::error::MarketplaceError;
use crate::marketplaces::wire::{id_string, opt_id_string};

/// Chats the list pages through at once (Ozon's maximum since 2026).
const CHATS_PAGE: u32 = 100;

#[derive(Debug, Clone, Deserialize)]
pub struct ChatList {
    #[serde(default)]
    pub chats: Vec<ChatEntry>,
    #[serde(default)]
    pub cursor: String,
    #[serde(default)]
    pub has_next: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChatEntry {
    pub chat: ChatInfo,
    #[serde(default)]
    pub unread_count: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChatInfo {
    pub chat_id: String,
    #[serde(default)]
    pub chat_type: String,
}

impl ChatInfo {
    /// A chat with a shopper, as opposed to Ozon support or notifications.
    pub fn with_buyer(&self) -> bool {
        let kind = fold(&self.chat_type);
        kind == "buyer_seller" || kind == "buyer_seller_select"
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChatMessage {
    #[serde(deserialize_with = "id_string")]
    pub message_id: String,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    pub user: ChatUser,
    #[serde(default)]
    pub context: Option<ChatContext>,
    /// Markdown paragraphs.
    #[serde(default)]
    pub data: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChatUser {
    #[serde(default, deserialize_with = "opt_id_string")]
    pub id: Option<String>,
    #[serde(rename = "type", default)]
    pub kind: String,
}

impl ChatUser {
    pub fn is_customer(&self) -> bool {
        fold(&self.kind) == "customer"
    }

    /// The seller: through the API (us or another tool) or in Ozon's cabinet.
    pub fn is_seller(&self) -> bool {
        fold(&self.kind) == "seller"
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ChatContext {
    #[serde(default, deserialize_with = "opt_id_string")]
    pub order_number: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub sku: Option<String>,
}

#[derive(Debug, Deserialize)]
struct History {
    #[serde(default)]
    messages: Vec<ChatMessage>,
}

/// Lower case, with Cyrillic look-alikes of Latin letters replaced.
fn fold(value: &str) -> String {
    value
        .trim()
        .chars()
        .map(|c| match c {
            'С' | 'с' => 'c',
            'О' | 'о' => 'o',
            'Е' | 'е' => 'e',
            'Р' | 'р' => 'p',
            'А' | 'а' => 'a',
            other => other.to_ascii_lowercase(),
        })
        .collect()
}

impl OzonClient {
    /// One page of chats that have unread messages.
    pub async fn unread_chats(&self, cursor: &str) -> Result<ChatList, MarketplaceError> {
        let body = serde_json::json!({
            "filter": { "chat_status": "Opened", "unread_only": true },
            "limit": CHATS_PAGE,
            "cursor": cursor,
        });
        self.json("ozon POST /v3/chat/list", "/v3/chat/list", body)
            .await
    }

    /// The chat's latest `limit` messages, newest first.
    pub async fn chat_history(
        &self,
        chat_id: &str,
        limit: u32,
    ) -> Result<Vec<ChatMessage>, MarketplaceError> {
        let body = serde_json::json!({
            "chat_id": chat_id,
            "direction": "Backward",
            "limit": limit,
        });
        let history: History = self
            .json("ozon POST /v3/chat/history", "/v3/chat/history", body)
            .await?;
        Ok(history.messages)
    }

    pub async fn send_chat_message(
        &self,
        chat_id: &str,
        text: &str,
    ) -> Result<(), MarketplaceError> {
        let body = serde_json::json!({ "chat_id": chat_id, "text": text });
        let _: serde_json::Value = self
            .json(
                "ozon POST /v1/chat/send/message",
                "/v1/chat/send/message",
                body,
            )
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_match_across_spellings() {
        for kind in ["BUYER_SELLER", "Buyer_Seller", "buyer_seller"] {
            let chat = ChatInfo {
                chat_id: "c".into(),
                chat_type: kind.into(),
            };
            assert!(chat.with_buyer(), "{kind}");
        }
        let support = ChatInfo {
            chat_id: "c".into(),
            chat_type: "SELLER_SUPPORT".into(),
        };
        assert!(!support.with_buyer());
        for kind in ["Customer", "customer", "Сustomer"] {
            let user = ChatUser {
                id: None,
                kind: kind.into(),
            };
            assert!(user.is_customer(), "{kind}");
        }
    }
}
