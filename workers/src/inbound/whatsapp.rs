//! Reading WhatsApp webhook items: a shopper's message becomes a shopper message (text, a
//! tapped reply button or list row as what it says, media kept as references for now, a
//! location or a shared contact written out), known by its `wamid`; the shopper is their
//! `wa_id` with their profile name. Statuses of our own messages move their receipts
//! (delivered, read) or fail them, handing the conversation to people.

use std::time::Duration;

use apalis::prelude::{AbortError, BoxDynError};
use otklik_db::channels::Channel;
use otklik_db::conversations::NewInbound;
use otklik_db::receipts::{self, Receipt};
use otklik_jobs::{DeliveryReceipt, OperatorEvent};
use otklik_messengers::whatsapp::Verdict;
use otklik_messengers::whatsapp::webhooks::{Content, Item, Location, Message, Status};
use otklik_schema::DeliveryStatus;
use serde_json::{Value, json};

use crate::Context;
use crate::outbound::whatsapp::for_people;
use crate::shopper_messages::record;

/// Pauses before looking again for the sent message a `failed` status names.
const FAILED_PATIENCE: [Duration; 3] = [
    Duration::from_millis(500),
    Duration::from_secs(1),
    Duration::from_secs(2),
];

#[derive(Debug, PartialEq)]
struct Normalised {
    body: String,
    attachments: Value,
}

pub(super) async fn handle(ctx: &Context, channel: &Channel, raw: &str) -> Result<(), BoxDynError> {
    let item = match Item::parse(raw) {
        Ok(item) => item,
        Err(err) => {
            tracing::warn!(channel.id = %channel.id, error = %err, "WhatsApp item could not be read; dead-lettered");
            return Err(AbortError::new(err).into());
        }
    };
    let number = channel.open(&ctx.vault)["phone_number_id"]
        .as_str()
        .map(str::to_owned);
    let (Item::Message {
        phone_number_id, ..
    }
    | Item::Status {
        phone_number_id, ..
    }) = &item;
    if number.as_deref() != Some(phone_number_id.as_str()) {
        tracing::warn!(channel.id = %channel.id, whatsapp.phone_number_id = %phone_number_id,
            "WhatsApp item for another number than the channel's dropped");
        return Ok(());
    }
    match item {
        Item::Message {
            contact, message, ..
        } => {
            let Some(normalised) = normalise(&message) else {
                tracing::debug!(channel.id = %channel.id, whatsapp.type = %message.kind,
                    "WhatsApp message of a kind nobody answers ignored");
                return Ok(());
            };
            let wa_id = contact
                .as_ref()
                .map_or(message.from.as_str(), |c| c.wa_id.as_str());
            let name = contact
                .as_ref()
                .and_then(|c| c.profile.as_ref())
                .map_or("", |p| p.name.as_str());
            let inbound = NewInbound {
                channel_id: channel.id,
                customer_external_id: wa_id,
                customer_name: name,
                customer_username: None,
                chat_id: wa_id,
                external_id: &message.id,
                body: &normalised.body,
                attachments: normalised.attachments,
                reply_token: None,
                reply_due_at: None,
            };
            record(ctx, channel, &inbound).await?;
        }
        Item::Status { status, .. } => receipt(ctx, channel, &status).await?,
    }
    Ok(())
}

/// Applies a status to the message it names, and tells operators what changed.
async fn receipt(ctx: &Context, channel: &Channel, status: &Status) -> Result<(), BoxDynError> {
    let code = status.errors.first().map(|e| e.code);
    let reason = for_people(code.and_then(Verdict::of_code).unwrap_or(Verdict::Refused));
    let receipt = match status.status.as_str() {
        "delivered" => Receipt::Delivered,
        "read" | "played" => Receipt::Read,
        "failed" => Receipt::Failed { code, reason },
        // `sent` is what our own send recorded; other values are not receipts.
        _ => return Ok(()),
    };
    let scope = channel.scope();
    let mut applied = None;
    for attempt in 0..=FAILED_PATIENCE.len() {
        applied = {
            let mut conn = ctx.db.get().await?;
            receipts::apply(&mut conn, scope, channel.id, &status.id, receipt).await?
        };
        // A failure can overtake the recording of the send it is about (the webhook and our
        // send's answer race): the message is looked for again a few times. Other receipts of
        // an unknown message only lose a tick, and most are of messages not sent by us.
        match (&applied, receipt, FAILED_PATIENCE.get(attempt)) {
            (None, Receipt::Failed { .. }, Some(pause)) => tokio::time::sleep(*pause).await,
            _ => break,
        }
    }
    let Some(applied) = applied else {
        tracing::debug!(channel.id = %channel.id, whatsapp.status = %status.status,
            "WhatsApp status for no sent message of ours, or already known");
        return Ok(());
    };
    if let Receipt::Failed { .. } = receipt {
        tracing::warn!(channel.id = %channel.id, message.id = %applied.message_id, whatsapp.error = ?code,
            "WhatsApp failed a sent message");
    }
    let (status, receipt) = match receipt {
        Receipt::Delivered => (DeliveryStatus::Sent, Some(DeliveryReceipt::Delivered)),
        Receipt::Read => (DeliveryStatus::Sent, Some(DeliveryReceipt::Read)),
        Receipt::Failed { .. } => (DeliveryStatus::Failed, None),
    };
    let event = OperatorEvent::Delivery {
        conversation_id: applied.conversation_id,
        message_id: applied.message_id,
        status,
        receipt,
    };
    ctx.tell_operators(scope, &event, "a WhatsApp status").await;
    if applied.handed_off {
        let event = OperatorEvent::Handoff {
            conversation_id: applied.conversation_id,
            reason: otklik_schema::HandoffReason::DeliveryFailed,
            summary: reason.to_owned(),
            reply_due_at: None,
        };
        ctx.tell_operators(scope, &event, "a failed WhatsApp message")
            .await;
    }
    Ok(())
}

/// The message as the inbox keeps it; `None` for kinds that are not something to answer (a
/// reaction, a system notice, an unsupported type).
fn normalise(message: &Message) -> Option<Normalised> {
    let (body, attachments) = match message.content() {
        Content::Text(text) => (text.to_owned(), json!([])),
        Content::Choice { title, id } => {
            let attachment = json!([{ "kind": "button", "payload": id, "label": title }]);
            (title, attachment)
        }
        Content::Media { kind, media } => {
            let kind = if kind == "audio" && media.voice == Some(true) {
                "voice"
            } else {
                kind
            };
            let mut kept = json!({ "kind": kind, "media_id": media.id });
            for (field, value) in [
                ("mime_type", &media.mime_type),
                ("sha256", &media.sha256),
                ("filename", &media.filename),
                ("caption", &media.caption),
            ] {
                if let Some(value) = value {
                    kept[field] = json!(value);
                }
            }
            (media.caption.clone().unwrap_or_default(), json!([kept]))
        }
        Content::Location(location) => (
            location_text(location),
            json!([{ "kind": "location", "latitude": location.latitude,
                     "longitude": location.longitude, "name": location.name,
                     "address": location.address, "url": location.url }]),
        ),
        Content::Contacts(contacts) => {
            let cards: Vec<String> = contacts.iter().filter_map(contact_text).collect();
            if cards.is_empty() {
                return None;
            }
            let label = if cards.len() == 1 {
                "Контакт"
            } else {
                "Контакты"
            };
            let kept: Vec<Value> = contacts
                .iter()
                .map(|c| {
                    json!({ "kind": "contact", "name": c["name"]["formatted_name"],
                                 "phones": c["phones"], "emails": c["emails"] })
                })
                .collect();
            (format!("{label}: {}", cards.join("; ")), Value::Array(kept))
        }
        Content::Other => return None,
    };
    Some(Normalised { body, attachments })
}

/// «Геопозиция: Philz Coffee, 101 Forest Ave (37.44221, -122.16166)».
fn location_text(location: &Location) -> String {
    let named: Vec<&str> = [&location.name, &location.address]
        .into_iter()
        .filter_map(|part| part.as_deref().map(str::trim))
        .filter(|part| !part.is_empty())
        .collect();
    let point = format!("{:.5}, {:.5}", location.latitude, location.longitude);
    if named.is_empty() {
        format!("Геопозиция: {point}")
    } else {
        format!("Геопозиция: {} ({point})", named.join(", "))
    }
}

/// A shared contact card in one line: the name, phones, e-mails and company it has.
fn contact_text(contact: &Value) -> Option<String> {
    let name = &contact["name"];
    let name = name["formatted_name"]
        .as_str()
        .map(str::to_owned)
        .or_else(|| {
            let parts: Vec<&str> = ["first_name", "last_name"]
                .iter()
                .filter_map(|f| name[*f].as_str())
                .collect();
            (!parts.is_empty()).then(|| parts.join(" "))
        });
    let listed = |list: &str, field: &str| -> Vec<String> {
        contact[list]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| item[field].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut parts: Vec<String> = name.into_iter().collect();
    parts.extend(listed("phones", "phone"));
    parts.extend(listed("emails", "email"));
    if parts.is_empty() {
        return None;
    }
    let mut line = parts.join(", ");
    if let Some(company) = contact["org"]["company"].as_str().filter(|c| !c.is_empty()) {
        line.push_str(&format!(" ({company})"));
    }
    Some(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(raw: &str) -> Message {
        serde_json::from_str(raw).expect("a WhatsApp message")
    }

    #[test]
    fn a_list_row_is_the_shoppers_text_and_keeps_its_id() {
        let m = message(
            r#"{"from": "1", "id": "w", "type": "interactive", "interactive": {"type": "list_reply",
                "list_reply": {"id": "ship_express", "title": "Экспресс", "description": "1-2 дня"}}}"#,
        );
        let n = normalise(&m).expect("taken in");
        assert_eq!(n.body, "Экспресс");
        assert_eq!(n.attachments[0]["payload"], "ship_express");
    }

    #[test]
    fn media_is_kept_as_a_reference_with_its_caption() {
        let m = message(
            r#"{"from": "1", "id": "w", "type": "image", "image": {"caption": "Брак на рукаве",
                "mime_type": "image/jpeg", "sha256": "Vf1f=", "id": "1037543291543636"}}"#,
        );
        let n = normalise(&m).expect("taken in");
        assert_eq!(n.body, "Брак на рукаве");
        assert_eq!(n.attachments[0]["kind"], "image");
        assert_eq!(n.attachments[0]["media_id"], "1037543291543636");
        assert_eq!(n.attachments[0]["mime_type"], "image/jpeg");
        let voice = message(
            r#"{"from": "1", "id": "w", "type": "audio", "audio": {"mime_type": "audio/ogg; codecs=opus", "id": "5", "voice": true}}"#,
        );
        assert_eq!(
            normalise(&voice).expect("taken in").attachments[0]["kind"],
            "voice"
        );
    }

    #[test]
    fn locations_and_contacts_are_written_out() {
        let m = message(
            r#"{"from": "1", "id": "w", "type": "location", "location": {"address": "101 Forest Ave, Palo Alto",
                "latitude": 37.44221496582, "longitude": -122.16165924072, "name": "Philz Coffee"}}"#,
        );
        assert_eq!(
            normalise(&m).expect("taken in").body,
            "Геопозиция: Philz Coffee, 101 Forest Ave, Palo Alto (37.44221, -122.16166)"
        );
        let m = message(
            r#"{"from": "1", "id": "w", "type": "contacts", "contacts": [{"name": {"first_name": "Lucía",
                "last_name": "Gómez", "formatted_name": "Lucía Gómez"}, "org": {"company": "Google"},
                "phones": [{"phone": "+1 (983) 555-2319", "wa_id": "19835552319", "type": "MOBILE"}]}]}"#,
        );
        assert_eq!(
            normalise(&m).expect("taken in").body,
            "Контакт: Lucía Gómez, +1 (983) 555-2319 (Google)"
        );
    }

    #[test]
    fn reactions_and_unknown_kinds_are_not_questions() {
        let reaction = message(
            r#"{"from": "1", "id": "w", "type": "reaction", "reaction": {"message_id": "x", "emoji": "👍"}}"#,
        );
        assert_eq!(normalise(&reaction), None);
        let broken =
            message(r#"{"from": "1", "id": "w", "type": "interactive", "interactive": "oops"}"#);
        assert_eq!(normalise(&broken), None);
    }
}
