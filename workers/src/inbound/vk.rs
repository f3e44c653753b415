//! Reading VK Callback API events: messages and callback-button presses become shopper
//! messages (a press is answered at once), a shopper who denies the community's messages is
//! marked so nothing more is sent, and one who allows them again is not.

use std::time::Duration;

use apalis::prelude::{AbortError, BoxDynError};
use otklik_db::channels::Channel;
use otklik_db::conversations::NewInbound;
use otklik_db::shopper_events;
use otklik_jobs::OperatorEvent;
use otklik_messengers::vk::events::{ButtonPress, Event, EventKind, GROUP_CHAT_PEERS, Message};
use otklik_schema::ChannelKind;
use serde_json::{Value, json};

use super::greeting::{self, Started};
use super::max::group_chats;

/// VK's `lang_id` of English; Russian is 0, and the other languages of VK's users read Russian
/// more often than English.
const VK_ENGLISH: i64 = 3;
use crate::Context;
use crate::shopper_messages::record;

#[derive(Debug)]
struct Normalised {
    customer_id: String,
    username: String,
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
            // The Callback API sends ids, not names; the profile handle stands in.
            customer_name: "",
            customer_username: Some(&self.username),
            chat_id: &self.chat_id,
            external_id: &self.external_id,
            body: &self.body,
            attachments: self.attachments.clone(),
            reply_token: None,
            reply_due_at: None,
        }
    }
}

pub(super) async fn handle(ctx: &Context, channel: &Channel, raw: &str) -> Result<(), BoxDynError> {
    let event = match Event::parse(raw) {
        Ok(event) => event,
        Err(err) => {
            tracing::warn!(channel.id = %channel.id, error = %err, "VK event could not be read; dead-lettered");
            return Err(AbortError::new(err).into());
        }
    };
    let group = channel.open(&ctx.vault)["group_id"].as_i64();
    if event.group_id.is_some() && event.group_id != group {
        tracing::warn!(channel.id = %channel.id, vk.group_id = ?event.group_id,
            "VK event for another community than the channel's dropped");
        return Ok(());
    }
    let scope = channel.scope();
    match event.kind {
        EventKind::MessageNew { message, lang_id } => {
            let Some(normalised) = from_message(&message, group_chats(ctx, channel)) else {
                return Ok(());
            };
            if message.is_start() {
                // «Начать» starts the dialog; it is not a question to answer.
                let started = Started {
                    customer_id: &normalised.customer_id,
                    name: "",
                    username: Some(&normalised.username),
                    chat_id: &normalised.chat_id,
                    key: &normalised.external_id,
                    russian: lang_id != Some(VK_ENGLISH),
                };
                return greeting::greet(ctx, channel, &started).await;
            }
            resume(ctx, channel, &normalised.customer_id).await?;
            record(ctx, channel, &normalised.message(channel)).await?;
        }
        EventKind::MessageEvent(press) => {
            answer(ctx, channel, &press).await;
            let group_chat = press.peer_id >= GROUP_CHAT_PEERS;
            if group_chat && !group_chats(ctx, channel) {
                return Ok(());
            }
            let choice = press.choice();
            let normalised = Normalised {
                customer_id: customer_id(press.user_id, press.peer_id),
                username: format!("id{}", press.user_id),
                chat_id: press.peer_id.to_string(),
                external_id: format!("event:{}", press.event_id),
                attachments: json!([{ "kind": "button", "payload": choice }]),
                body: choice,
            };
            resume(ctx, channel, &normalised.customer_id).await?;
            record(ctx, channel, &normalised.message(channel)).await?;
        }
        EventKind::MessageEdit(message) => {
            if message.out != 0 {
                return Ok(());
            }
            let changed = {
                let mut conn = ctx.db.get().await?;
                shopper_events::edit_inbound(
                    &mut conn,
                    scope,
                    channel.id,
                    &message.key(),
                    &message.text,
                )
                .await?
            };
            if let Some(changed) = changed {
                let event = OperatorEvent::MessageEdited {
                    conversation_id: changed.conversation_id,
                    message_id: changed.message_id,
                };
                ctx.tell_operators(scope, &event, "an edited message").await;
            }
        }
        EventKind::MessageDeny { user_id } => {
            let stopped = {
                let mut conn = ctx.db.get().await?;
                shopper_events::stop(
                    &mut conn,
                    scope,
                    channel.id,
                    &user_id.to_string(),
                    chrono::Utc::now(),
                )
                .await?
            };
            if stopped {
                let event = OperatorEvent::CustomerStopped {
                    channel_id: channel.id,
                };
                ctx.tell_operators(scope, &event, "denied messages").await;
            }
        }
        EventKind::MessageAllow { user_id } => resume(ctx, channel, &user_id.to_string()).await?,
        EventKind::Other => {}
    }
    Ok(())
}

/// The shopper as a customer of the channel: their VK id in private messages; in a group chat,
/// that person in that chat (replies go to the chat).
fn customer_id(user_id: i64, peer_id: i64) -> String {
    if peer_id >= GROUP_CHAT_PEERS {
        format!("{user_id}@{peer_id}")
    } else {
        user_id.to_string()
    }
}

fn from_message(message: &Message, group_chats: bool) -> Option<Normalised> {
    // Communities writing to communities, and the community's own messages, are not shoppers.
    if message.from_id <= 0 || message.out != 0 {
        return None;
    }
    if message.peer_id >= GROUP_CHAT_PEERS && !group_chats {
        tracing::debug!("VK group chat message ignored: the channel answers private messages only");
        return None;
    }
    let mut attachments: Vec<Value> = message.attachments.iter().filter_map(attachment).collect();
    for (kind, forwarded) in message
        .fwd_messages
        .iter()
        .map(|m| ("forward", m))
        .chain(message.reply_message.iter().map(|m| ("reply", m)))
    {
        attachments.push(
            json!({ "kind": kind, "text": forwarded["text"], "from_id": forwarded["from_id"] }),
        );
    }
    let mut text = message.text.clone();
    if text.trim().is_empty()
        && let Some(forwarded) = message
            .fwd_messages
            .first()
            .and_then(|m| m["text"].as_str())
    {
        text = forwarded.to_owned();
    }
    Some(Normalised {
        customer_id: customer_id(message.from_id, message.peer_id),
        username: format!("id{}", message.from_id),
        chat_id: message.peer_id.to_string(),
        external_id: message.key(),
        body: text,
        attachments: Value::Array(attachments),
    })
}

/// An attachment kept as a reference: its type, owner and id (`photo<owner>_<id>`), and a URL
/// where VK gives one.
fn attachment(raw: &Value) -> Option<Value> {
    let kind = raw["type"].as_str()?;
    let inner = &raw[kind];
    let mut kept = json!({ "kind": if kind == "doc" { "document" } else { kind } });
    if let (Some(owner), Some(id)) = (inner["owner_id"].as_i64(), inner["id"].as_i64()) {
        kept["ref"] = json!(format!("{kind}{owner}_{id}"));
    }
    let url = inner["url"].as_str().or_else(|| {
        inner["sizes"]
            .as_array()?
            .iter()
            .max_by_key(|size| size["width"].as_i64().unwrap_or(0))?["url"]
            .as_str()
    });
    if let Some(url) = url {
        kept["url"] = json!(url);
    }
    for field in ["title", "ext", "size"] {
        if !inner[field].is_null() {
            kept[field] = inner[field].clone();
        }
    }
    Some(kept)
}

async fn resume(ctx: &Context, channel: &Channel, customer_id: &str) -> Result<(), BoxDynError> {
    let mut conn = ctx.db.get().await?;
    shopper_events::resume(&mut conn, channel.scope(), channel.id, customer_id).await?;
    Ok(())
}

/// Stops the button's spinner (`messages.sendMessageEventAnswer`; the event id lives about a
/// minute). Best effort.
async fn answer(ctx: &Context, channel: &Channel, press: &ButtonPress) {
    let Some(token) = channel.bot_token(&ctx.vault) else {
        return;
    };
    if !ctx
        .pace
        .wait(ChannelKind::Vk, channel.id, Duration::from_secs(5))
        .await
    {
        tracing::warn!(channel.id = %channel.id, "no rate slot to answer a VK button press in time");
        return;
    }
    if let Err(err) = ctx
        .vk
        .answer_event(&token, &press.event_id, press.user_id, press.peer_id)
        .await
    {
        tracing::warn!(channel.id = %channel.id, error = %err, "could not answer a VK button press");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(raw: &str) -> Message {
        serde_json::from_str(raw).expect("a VK message")
    }

    #[test]
    fn a_private_message_with_a_photo() {
        let m = message(
            r#"{"date": 1718000000, "from_id": 111, "id": 5678, "out": 0, "peer_id": 111,
                "conversation_message_id": 7, "text": "Вот брак",
                "attachments": [{"type": "photo", "photo": {"id": 457239017, "owner_id": 111,
                  "sizes": [{"type": "s", "width": 75, "url": "https://sun/s.jpg"},
                            {"type": "x", "width": 604, "url": "https://sun/x.jpg"}]}}]}"#,
        );
        let n = from_message(&m, false).expect("a shopper message");
        assert_eq!(n.customer_id, "111");
        assert_eq!(n.external_id, "111:7");
        assert_eq!(n.attachments[0]["ref"], "photo111_457239017");
        assert_eq!(n.attachments[0]["url"], "https://sun/x.jpg");
    }

    #[test]
    fn group_chats_and_own_messages_are_skipped_unless_asked() {
        let chat = r#"{"from_id": 111, "peer_id": 2000000001, "conversation_message_id": 3,
            "text": "всем привет", "out": 0}"#;
        assert!(from_message(&message(chat), false).is_none());
        let n = from_message(&message(chat), true).expect("answered when enabled");
        assert_eq!(n.customer_id, "111@2000000001");
        assert_eq!(n.chat_id, "2000000001");
        let own = r#"{"from_id": -1, "peer_id": 111, "conversation_message_id": 4, "text": "x", "out": 1}"#;
        assert!(from_message(&message(own), true).is_none());
    }
}
