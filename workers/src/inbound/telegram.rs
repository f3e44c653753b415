//! Reading a Telegram `Update` into what we store: text, photo and document metadata, and
//! inline-button presses. Other update kinds (edits, member changes) are not conversation input.

use otklik_db::conversations::NewInbound;
use otklik_schema::ChannelId;
use serde_json::{Value, json};
use teloxide::types::{MediaKind, Message, MessageKind, Update, UpdateKind};

/// A shopper's message from one update.
pub struct Normalised {
    customer_id: String,
    customer_name: String,
    username: Option<String>,
    chat_id: String,
    external_id: String,
    body: String,
    attachments: Value,
    /// Telegram shows a spinner until a button press is answered.
    pub callback_query_id: Option<String>,
}

impl Normalised {
    pub fn message(&self, channel_id: ChannelId) -> NewInbound<'_> {
        NewInbound {
            channel_id,
            customer_external_id: &self.customer_id,
            customer_name: &self.customer_name,
            customer_username: self.username.as_deref(),
            chat_id: &self.chat_id,
            external_id: &self.external_id,
            body: &self.body,
            attachments: self.attachments.clone(),
            reply_token: None,
            reply_due_at: None,
        }
    }
}

/// `Ok(None)` for updates that carry nothing to answer.
pub fn normalise(update_id: i64, raw: &str) -> Result<Option<Normalised>, serde_json::Error> {
    let update: Update = serde_json::from_str(raw)?;
    Ok(match update.kind {
        UpdateKind::Message(message) => from_message(&message),
        UpdateKind::CallbackQuery(query) => {
            let chat_id = query
                .message
                .as_ref()
                .map(|m| m.chat().id.0)
                .unwrap_or(query.from.id.0 as i64);
            Some(Normalised {
                customer_id: query.from.id.0.to_string(),
                customer_name: query.from.full_name(),
                username: query.from.username.clone(),
                chat_id: chat_id.to_string(),
                external_id: format!("callback:{}", query.id),
                body: query.data.clone().unwrap_or_default(),
                attachments: json!([{ "kind": "button", "data": query.data }]),
                callback_query_id: Some(query.id.to_string()),
            })
        }
        _ => {
            tracing::debug!(
                telegram.update_id = update_id,
                "Telegram update of a kind we do not answer"
            );
            None
        }
    })
}

fn from_message(message: &Message) -> Option<Normalised> {
    let from = message.from.as_ref()?;
    if from.is_bot {
        return None;
    }
    let MessageKind::Common(common) = &message.kind else {
        return None;
    };
    let (body, attachments) = match &common.media_kind {
        MediaKind::Text(text) => (text.text.clone(), json!([])),
        MediaKind::Photo(photo) => {
            let largest = photo
                .photo
                .iter()
                .max_by_key(|size| u64::from(size.width) * u64::from(size.height));
            let attachment = largest.map(|size| {
                json!({
                    "kind": "photo",
                    "file_id": size.file.id.to_string(),
                    "file_unique_id": size.file.unique_id.to_string(),
                    "file_size": size.file.size,
                    "width": size.width,
                    "height": size.height,
                })
            });
            (
                photo.caption.clone().unwrap_or_default(),
                json!([attachment]),
            )
        }
        MediaKind::Document(document) => {
            let attachment = json!({
                "kind": "document",
                "file_id": document.document.file.id.to_string(),
                "file_unique_id": document.document.file.unique_id.to_string(),
                "file_size": document.document.file.size,
                "file_name": document.document.file_name,
                "mime_type": document.document.mime_type.as_ref().map(ToString::to_string),
            });
            (
                document.caption.clone().unwrap_or_default(),
                json!([attachment]),
            )
        }
        _ => (String::new(), json!([{ "kind": "unsupported" }])),
    };
    Some(Normalised {
        customer_id: from.id.0.to_string(),
        customer_name: from.full_name(),
        username: from.username.clone(),
        chat_id: message.chat.id.0.to_string(),
        // Telegram message ids are unique per chat, not per bot.
        external_id: format!("{}:{}", message.chat.id.0, message.id.0),
        body,
        attachments,
        callback_query_id: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_message() -> Result<(), serde_json::Error> {
        let raw = r#"{"update_id": 83917423, "message": {"message_id": 1365,
            "from": {"id": 123456789, "is_bot": false, "first_name": "Ivan", "username": "ivan"},
            "chat": {"id": 123456789, "first_name": "Ivan", "type": "private"},
            "date": 1718000000, "text": "Где мой заказ?"}}"#;
        let n = normalise(83917423, raw)?.expect("a message");
        assert_eq!(n.body, "Где мой заказ?");
        assert_eq!(n.chat_id, "123456789");
        assert_eq!(n.external_id, "123456789:1365");
        assert_eq!(n.username.as_deref(), Some("ivan"));
        Ok(())
    }

    #[test]
    fn photo_keeps_the_largest_size_and_caption() -> Result<(), serde_json::Error> {
        let raw = r#"{"update_id": 2, "message": {"message_id": 1366,
            "from": {"id": 5, "is_bot": false, "first_name": "Ivan"},
            "chat": {"id": 5, "type": "private", "first_name": "Ivan"}, "date": 1718000010,
            "photo": [{"file_id": "small", "file_unique_id": "s", "file_size": 1340, "width": 90, "height": 67},
                      {"file_id": "big", "file_unique_id": "b", "file_size": 85621, "width": 1280, "height": 960}],
            "caption": "broken item"}}"#;
        let n = normalise(2, raw)?.expect("a message");
        assert_eq!(n.body, "broken item");
        assert_eq!(n.attachments[0]["file_id"], "big");
        assert_eq!(n.attachments[0]["kind"], "photo");
        Ok(())
    }

    #[test]
    fn document_metadata() -> Result<(), serde_json::Error> {
        let raw = r#"{"update_id": 3, "message": {"message_id": 1367,
            "from": {"id": 5, "is_bot": false, "first_name": "Ivan"},
            "chat": {"id": 5, "type": "private", "first_name": "Ivan"}, "date": 1718000020,
            "document": {"file_name": "invoice.pdf", "mime_type": "application/pdf",
                         "file_id": "BQAC", "file_unique_id": "AgAD", "file_size": 48211}}}"#;
        let n = normalise(3, raw)?.expect("a message");
        assert_eq!(n.attachments[0]["file_name"], "invoice.pdf");
        assert_eq!(n.attachments[0]["mime_type"], "application/pdf");
        Ok(())
    }

    #[test]
    fn callback_query_becomes_a_message_and_is_answered() -> Result<(), serde_json::Error> {
        let raw = r#"{"update_id": 4, "callback_query": {"id": "4382bfdwdsb323b2d9",
            "from": {"id": 123, "is_bot": false, "first_name": "Ivan"},
            "message": {"message_id": 1370, "chat": {"id": 123, "type": "private", "first_name": "Ivan"},
                        "date": 1718000030, "text": "Was this helpful?"},
            "chat_instance": "-5123456789012345678", "data": "rate:5"}}"#;
        let n = normalise(4, raw)?.expect("a message");
        assert_eq!(n.body, "rate:5");
        assert_eq!(n.callback_query_id.as_deref(), Some("4382bfdwdsb323b2d9"));
        assert_eq!(n.external_id, "callback:4382bfdwdsb323b2d9");
        Ok(())
    }

    #[test]
    fn other_updates_are_skipped() -> Result<(), serde_json::Error> {
        let raw = r#"{"update_id": 5, "poll": {"id": "1", "question": "?", "options": [],
            "total_voter_count": 0, "is_closed": false, "is_anonymous": true, "type": "regular",
            "allows_multiple_answers": false}}"#;
        assert!(normalise(5, raw)?.is_none());
        Ok(())
    }

    mod properties {
        use proptest::prelude::*;

        use super::super::normalise;

        proptest! {
            /// Whatever a webhook carries, reading it never panics.
            #[test]
            fn any_body_is_read_without_panicking(raw in ".{0,400}") {
                let _ = normalise(1, &raw);
            }

            /// Any text in a well-formed message comes through unchanged, keyed by chat and
            /// message, so a redelivery is recognised.
            #[test]
            fn message_text_comes_through(
                text in "\\PC{1,200}",
                chat in 1_i64..10_000_000_000,
                message in 1_i64..1_000_000,
            ) {
                let raw = serde_json::json!({"update_id": 1, "message": {"message_id": message,
                    "from": {"id": chat, "is_bot": false, "first_name": "Иван"},
                    "chat": {"id": chat, "type": "private", "first_name": "Иван"},
                    "date": 1_718_000_000, "text": text}});
                let normalised = normalise(1, &raw.to_string()).expect("valid").expect("a message");
                prop_assert_eq!(normalised.body, text);
                prop_assert_eq!(normalised.external_id, format!("{chat}:{message}"));
            }
        }
    }
}
