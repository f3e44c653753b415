//! Reading MAX updates: messages and button presses become shopper messages; a start greets
//! the shopper in their language; a stop marks them so nothing more is sent; edits and removals
//! change the stored message; a deleted dialog closes the assistant's conversation.

use std::time::Duration;

use apalis::prelude::{AbortError, BoxDynError};
use chrono::{DateTime, Utc};
use otklik_db::channels::Channel;
use otklik_db::conversations::NewInbound;
use otklik_db::shopper_events;
use otklik_jobs::OperatorEvent;
use otklik_messengers::max::Recipient;
use otklik_messengers::max::updates::{ChatType, Message, Update, User};
use otklik_schema::{ChannelKind, ConversationAction, ConversationMode};
use serde_json::{Value, json};

use super::greeting::{self, Started, is_russian};
use crate::Context;
use crate::shopper_messages::record;

/// A shopper's message from one update.
#[derive(Debug)]
struct Normalised {
    customer_id: String,
    customer_name: String,
    username: Option<String>,
    chat_id: String,
    external_id: String,
    body: String,
    attachments: Value,
}

impl Normalised {
    fn message(&self, channel: &Channel) -> NewInbound<'_> {
        NewInbound {
            channel_id: channel.id,
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

/// Whether the channel answers in group chats the bot was added to (set when connecting).
pub(super) fn group_chats(ctx: &Context, channel: &Channel) -> bool {
    channel.open(&ctx.vault)["group_chats"]
        .as_bool()
        .unwrap_or(false)
}

fn at(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis).unwrap_or_else(Utc::now)
}

pub(super) async fn handle(ctx: &Context, channel: &Channel, raw: &str) -> Result<(), BoxDynError> {
    let update: Update = match serde_json::from_str(raw) {
        Ok(update) => update,
        Err(err) => {
            tracing::warn!(channel.id = %channel.id, error = %err, "MAX update could not be read; dead-lettered");
            return Err(AbortError::new(err).into());
        }
    };
    let scope = channel.scope();
    match update {
        Update::MessageCreated { message, .. } => {
            let Some(normalised) = from_message(&message, group_chats(ctx, channel)) else {
                return Ok(());
            };
            resume(ctx, channel, &normalised.customer_id).await?;
            record(ctx, channel, &normalised.message(channel)).await?;
        }
        Update::MessageCallback {
            callback,
            message,
            user_locale,
            ..
        } => {
            answer(ctx, channel, &callback.callback_id, user_locale.as_deref()).await;
            let to = message
                .as_ref()
                .and_then(|m| m.recipient.chat_id)
                .map_or(Recipient::User(callback.user.user_id), Recipient::Chat);
            let group = message
                .as_ref()
                .is_some_and(|m| m.recipient.chat_type == ChatType::Chat);
            if group && !group_chats(ctx, channel) {
                return Ok(());
            }
            let payload = callback.payload.clone().unwrap_or_default();
            let normalised = Normalised {
                customer_id: customer_id(&callback.user, group.then_some(to)),
                customer_name: callback.user.full_name(),
                username: callback.user.username.clone(),
                chat_id: to.stored(),
                external_id: format!("callback:{}", callback.callback_id),
                attachments: json!([{ "kind": "button", "payload": payload }]),
                body: payload,
            };
            resume(ctx, channel, &normalised.customer_id).await?;
            record(ctx, channel, &normalised.message(channel)).await?;
        }
        Update::MessageEdited { message, .. } => {
            let Some(body) = message.body.as_ref() else {
                return Ok(());
            };
            let text = body.text.as_deref().unwrap_or_default();
            let changed = {
                let mut conn = ctx.db.get().await?;
                shopper_events::edit_inbound(&mut conn, scope, channel.id, &body.mid, text).await?
            };
            if let Some(changed) = changed {
                let event = OperatorEvent::MessageEdited {
                    conversation_id: changed.conversation_id,
                    message_id: changed.message_id,
                };
                ctx.tell_operators(scope, &event, "an edited message").await;
            }
        }
        Update::MessageRemoved { message_id, .. } => {
            let changed = {
                let mut conn = ctx.db.get().await?;
                shopper_events::remove_inbound(&mut conn, scope, channel.id, &message_id).await?
            };
            if let Some(changed) = changed {
                let event = OperatorEvent::MessageRemoved {
                    conversation_id: changed.conversation_id,
                    message_id: changed.message_id,
                };
                ctx.tell_operators(scope, &event, "a removed message").await;
            }
        }
        Update::BotStarted {
            timestamp,
            chat_id,
            user,
            user_locale,
            ..
        } => {
            let started = Started {
                customer_id: &user.user_id.to_string(),
                name: &user.full_name(),
                username: user.username.as_deref(),
                chat_id: &Recipient::Chat(chat_id).stored(),
                key: &format!("{chat_id}:{timestamp}"),
                russian: is_russian(user_locale.as_deref()),
            };
            greeting::greet(ctx, channel, &started).await?;
        }
        Update::BotStopped {
            timestamp, user, ..
        } => {
            let stopped = {
                let mut conn = ctx.db.get().await?;
                shopper_events::stop(
                    &mut conn,
                    scope,
                    channel.id,
                    &user.user_id.to_string(),
                    at(timestamp),
                )
                .await?
            };
            if stopped {
                tracing::info!(channel.id = %channel.id, "a shopper stopped the MAX bot");
                let event = OperatorEvent::CustomerStopped {
                    channel_id: channel.id,
                };
                ctx.tell_operators(scope, &event, "a stopped bot").await;
            }
        }
        Update::DialogRemoved { user, .. } => {
            let mut conn = ctx.db.get().await?;
            let closed = shopper_events::close_bot_conversation(
                &mut conn,
                scope,
                channel.id,
                &user.user_id.to_string(),
            )
            .await?;
            if let Some(conversation_id) = closed {
                let event = OperatorEvent::Conversation {
                    conversation_id,
                    action: ConversationAction::ClosedByShopper,
                    mode: Some(ConversationMode::Closed),
                    assignee_id: None,
                    by: None,
                };
                ctx.tell_operators(scope, &event, "a closed conversation")
                    .await;
            }
        }
        Update::Other => {}
    }
    Ok(())
}

/// The shopper as a customer of the channel: their MAX user id in a dialog; in a group chat,
/// that person in that chat (replies go to the chat, not to them privately).
fn customer_id(user: &User, group_chat: Option<Recipient>) -> String {
    match group_chat {
        Some(chat) => format!("{}@{}", user.user_id, chat.stored()),
        None => user.user_id.to_string(),
    }
}

fn from_message(message: &Message, group_chats: bool) -> Option<Normalised> {
    let sender = message.sender.as_ref().filter(|s| !s.is_bot)?;
    let group = match message.recipient.chat_type {
        ChatType::Dialog => false,
        ChatType::Chat if group_chats => true,
        ChatType::Chat => {
            tracing::debug!("MAX group chat message ignored: the channel answers dialogs only");
            return None;
        }
        ChatType::Channel | ChatType::Other => return None,
    };
    let body = message.body.as_ref()?;
    let chat = message
        .recipient
        .chat_id
        .map_or(Recipient::User(sender.user_id), Recipient::Chat);
    let mut attachments: Vec<Value> = body
        .attachments
        .iter()
        .flatten()
        .filter_map(attachment)
        .collect();
    let mut text = body.text.clone().unwrap_or_default();
    if let Some(link) = &message.link {
        let linked = link.message.text.clone().unwrap_or_default();
        attachments.push(json!({
            "kind": link.kind,
            "mid": link.message.mid,
            "text": linked,
            "from": link.sender.as_ref().map(User::full_name),
        }));
        // A forward on its own is what the shopper wants answered.
        if text.trim().is_empty() {
            text = linked;
        }
    }
    Some(Normalised {
        customer_id: customer_id(sender, group.then_some(chat)),
        customer_name: sender.full_name(),
        username: sender.username.clone(),
        chat_id: chat.stored(),
        external_id: body.mid.clone(),
        body: text,
        attachments: Value::Array(attachments),
    })
}

/// An attachment kept as a reference (its URL or token at MAX), never downloaded here.
fn attachment(raw: &Value) -> Option<Value> {
    let kind = raw["type"].as_str()?;
    if kind.ends_with("keyboard") {
        return None;
    }
    let mut kept = serde_json::Map::new();
    kept.insert(
        "kind".into(),
        json!(if kind == "image" { "photo" } else { kind }),
    );
    let payload = &raw["payload"];
    for field in ["url", "token", "photo_id", "code", "vcf_info"] {
        if !payload[field].is_null() {
            kept.insert(field.into(), payload[field].clone());
        }
    }
    for field in [
        "filename",
        "size",
        "latitude",
        "longitude",
        "title",
        "duration",
    ] {
        if !raw[field].is_null() {
            kept.insert(field.into(), raw[field].clone());
        }
    }
    Some(Value::Object(kept))
}

/// The shopper wrote or pressed a button: a stop they gave earlier no longer holds.
async fn resume(ctx: &Context, channel: &Channel, customer_id: &str) -> Result<(), BoxDynError> {
    let mut conn = ctx.db.get().await?;
    shopper_events::resume(&mut conn, channel.scope(), channel.id, customer_id).await?;
    Ok(())
}

/// Stops the button's spinner, in the shopper's language. Best effort: a failure only leaves
/// the spinner running until MAX gives up on it.
async fn answer(ctx: &Context, channel: &Channel, callback_id: &str, locale: Option<&str>) {
    let Some(token) = channel.bot_token(&ctx.vault) else {
        return;
    };
    if !ctx
        .pace
        .wait(ChannelKind::Max, channel.id, Duration::from_secs(5))
        .await
    {
        tracing::warn!(channel.id = %channel.id, "no rate slot to answer a MAX button press in time");
        return;
    }
    let notification = if is_russian(locale) {
        "Принято"
    } else {
        "Got it"
    };
    if let Err(err) = ctx.max.answer(&token, callback_id, notification).await {
        tracing::warn!(channel.id = %channel.id, error = %err, "could not answer a MAX button press");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(raw: &str) -> Message {
        serde_json::from_str(raw).expect("a MAX message")
    }

    #[test]
    fn a_dialog_message_is_the_senders_with_its_attachments() {
        let m = message(
            r#"{"recipient": {"chat_id": 182182182, "chat_type": "dialog", "user_id": 229229229},
                "timestamp": 1, "sender": {"user_id": 123456789, "first_name": "John",
                "last_name": "Doe", "is_bot": false, "name": "John Doe"},
                "body": {"mid": "mid.1", "seq": 1, "text": "Где заказ?", "attachments": [
                  {"type": "image", "payload": {"photo_id": 7, "url": "https://i/1", "token": "t1"}},
                  {"type": "file", "payload": {"url": "https://f/1", "token": "t2"},
                   "filename": "чек.pdf", "size": 2048},
                  {"type": "inline_keyboard", "payload": {"buttons": []}}]}}"#,
        );
        let n = from_message(&m, false).expect("a shopper message");
        assert_eq!(n.customer_id, "123456789");
        assert_eq!(n.customer_name, "John Doe");
        assert_eq!(n.chat_id, "182182182");
        assert_eq!(n.external_id, "mid.1");
        assert_eq!(n.body, "Где заказ?");
        assert_eq!(n.attachments.as_array().map(Vec::len), Some(2));
        assert_eq!(n.attachments[0]["kind"], "photo");
        assert_eq!(n.attachments[0]["url"], "https://i/1");
        assert_eq!(n.attachments[1]["filename"], "чек.pdf");
    }

    #[test]
    fn group_chats_are_answered_only_when_the_channel_says_so() {
        let raw = r#"{"recipient": {"chat_id": -70801090403050, "chat_type": "chat"},
            "timestamp": 1, "sender": {"user_id": 5, "first_name": "A", "is_bot": false},
            "body": {"mid": "mid.2", "seq": 1, "text": "..."},
            "link": {"type": "forward", "message": {"mid": "mid.3", "seq": 1, "text": "Заказ 42"},
                     "sender": {"user_id": 6, "first_name": "Tod"}}}"#;
        assert!(from_message(&message(raw), false).is_none());
        let n = from_message(&message(raw), true).expect("answered when enabled");
        assert_eq!(n.customer_id, "5@-70801090403050");
        assert_eq!(n.chat_id, "-70801090403050");
        assert_eq!(n.attachments[0]["kind"], "forward");
        assert_eq!(n.attachments[0]["text"], "Заказ 42");
    }

    #[test]
    fn a_forward_alone_is_the_question() {
        let raw = r#"{"recipient": {"chat_id": 1, "chat_type": "dialog"}, "timestamp": 1,
            "sender": {"user_id": 5, "first_name": "A"},
            "body": {"mid": "mid.4", "seq": 1, "text": ""},
            "link": {"type": "forward", "message": {"mid": "mid.5", "seq": 1, "text": "Где заказ 42?"}}}"#;
        assert_eq!(
            from_message(&message(raw), false).map(|n| n.body),
            Some("Где заказ 42?".into())
        );
    }

    #[test]
    fn bots_and_channel_posts_are_not_shoppers() {
        let bot = r#"{"recipient": {"chat_id": 1, "chat_type": "dialog"}, "timestamp": 1,
            "sender": {"user_id": 5, "first_name": "B", "is_bot": true},
            "body": {"mid": "mid.6", "seq": 1, "text": "hi"}}"#;
        assert!(from_message(&message(bot), true).is_none());
        let post = r#"{"recipient": {"chat_id": 1, "chat_type": "channel"}, "timestamp": 1,
            "body": {"mid": "mid.7", "seq": 1, "text": "news"}}"#;
        assert!(from_message(&message(post), true).is_none());
    }
}
