//! Webhook payloads (`/whatsapp/webhooks` of the spec): `{"object": "whatsapp_business_account",
//! "entry": [{"changes": [{"field": "messages", "value": {metadata, contacts, messages,
//! statuses}}]}]}`. One POST may carry many messages and statuses; the ingress splits it into
//! [`Item`]s, each deduplicated on its own (a message by its `wamid`, a status by `wamid` and
//! status: one message gets several), and the workers read one item at a time.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The `object` of WhatsApp Business webhooks; others are acknowledged and dropped.
pub const OBJECT: &str = "whatsapp_business_account";

#[derive(Deserialize)]
struct Payload {
    #[serde(default)]
    object: String,
    #[serde(default)]
    entry: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    #[serde(default)]
    changes: Vec<Change>,
}

#[derive(Deserialize)]
struct Change {
    #[serde(default)]
    field: String,
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize)]
struct ChangeValue {
    #[serde(default)]
    metadata: Option<Metadata>,
    #[serde(default)]
    contacts: Vec<Value>,
    #[serde(default)]
    messages: Vec<Value>,
    #[serde(default)]
    statuses: Vec<Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Metadata {
    #[serde(default)]
    pub display_phone_number: Option<String>,
    pub phone_number_id: String,
}

/// The shopper as WhatsApp names them: `wa_id` and their profile name.
#[derive(Debug, Clone, Deserialize)]
pub struct Contact {
    pub wa_id: String,
    #[serde(default)]
    pub profile: Option<Profile>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Profile {
    #[serde(default)]
    pub name: String,
}

/// One message or status of a payload, as it travels to the workers.
#[derive(Debug, Clone)]
pub struct Split {
    /// What it is deduplicated by: `message:<wamid>` or `status:<wamid>:<status>`.
    pub key: String,
    /// The item as JSON text ([`Item::parse`] reads it).
    pub item: String,
}

/// The payload's messages and statuses, one [`Split`] each; nothing for another `object`, other
/// fields, or entries without an id. Fails only when the body is not a JSON object.
pub fn split(raw: &[u8]) -> Result<Vec<Split>, serde_json::Error> {
    let payload: Payload = serde_json::from_slice(raw)?;
    let mut items = Vec::new();
    if payload.object != OBJECT {
        return Ok(items);
    }
    for change in payload.entry.into_iter().flat_map(|entry| entry.changes) {
        if change.field != "messages" {
            continue;
        }
        let Ok(value) = ChangeValue::deserialize(change.value) else {
            continue;
        };
        let Some(metadata) = value.metadata else {
            continue;
        };
        for message in value.messages {
            let (Some(id), from) = (message["id"].as_str(), message["from"].as_str()) else {
                continue;
            };
            let contact = value
                .contacts
                .iter()
                .find(|c| c["wa_id"].as_str() == from)
                .or(value.contacts.first());
            let item = serde_json::json!({
                "metadata": metadata, "contact": contact, "message": message,
            });
            items.push(Split {
                key: format!("message:{id}"),
                item: item.to_string(),
            });
        }
        for status in value.statuses {
            let (Some(id), Some(state)) = (status["id"].as_str(), status["status"].as_str()) else {
                continue;
            };
            let item = serde_json::json!({ "metadata": metadata, "status": status });
            items.push(Split {
                key: format!("status:{id}:{state}"),
                item: item.to_string(),
            });
        }
    }
    Ok(items)
}

/// One item, as the workers read it.
#[derive(Debug, Clone)]
pub enum Item {
    Message {
        phone_number_id: String,
        contact: Option<Contact>,
        message: Box<Message>,
    },
    Status {
        phone_number_id: String,
        status: Status,
    },
}

impl Item {
    pub fn parse(raw: &str) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        struct Raw {
            metadata: Metadata,
            #[serde(default)]
            contact: Option<Value>,
            #[serde(default)]
            message: Option<Value>,
            #[serde(default)]
            status: Option<Status>,
        }
        let raw: Raw = serde_json::from_str(raw)?;
        let phone_number_id = raw.metadata.phone_number_id;
        match (raw.message.map(Message::lenient).transpose()?, raw.status) {
            (Some(message), _) => Ok(Self::Message {
                phone_number_id,
                // A contact that does not read leaves the shopper known by `from` alone.
                contact: raw.contact.and_then(|c| Contact::deserialize(c).ok()),
                message: Box::new(message),
            }),
            (None, Some(status)) => Ok(Self::Status {
                phone_number_id,
                status,
            }),
            (None, None) => Err(serde::de::Error::custom("neither a message nor a status")),
        }
    }
}

/// An inbound message (trimmed to what is read; the rest is ignored).
#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    /// The shopper's `wa_id`.
    pub from: String,
    /// The `wamid`.
    pub id: String,
    /// Unix seconds, as a string.
    #[serde(default)]
    pub timestamp: String,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub text: Option<Text>,
    #[serde(default)]
    pub interactive: Option<Value>,
    /// A template's quick-reply button.
    #[serde(default)]
    pub button: Option<TemplateButton>,
    #[serde(default)]
    pub image: Option<Media>,
    #[serde(default)]
    pub video: Option<Media>,
    #[serde(default)]
    pub audio: Option<Media>,
    #[serde(default)]
    pub document: Option<Media>,
    #[serde(default)]
    pub sticker: Option<Media>,
    #[serde(default)]
    pub location: Option<Location>,
    #[serde(default)]
    pub contacts: Vec<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Text {
    #[serde(default)]
    pub body: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TemplateButton {
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub payload: String,
}

/// A media object of an inbound message: the file itself is fetched by `id` (later).
#[derive(Debug, Clone, Deserialize)]
pub struct Media {
    pub id: String,
    #[serde(default)]
    pub mime_type: Option<String>,
    #[serde(default)]
    pub sha256: Option<String>,
    #[serde(default)]
    pub caption: Option<String>,
    #[serde(default)]
    pub filename: Option<String>,
    /// An audio recorded in WhatsApp (a voice message).
    #[serde(default)]
    pub voice: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Location {
    #[serde(default)]
    pub latitude: f64,
    #[serde(default)]
    pub longitude: f64,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub address: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
}

/// What the shopper sent, by kind.
#[derive(Debug, Clone)]
pub enum Content<'a> {
    Text(&'a str),
    /// A reply button or list row tapped (interactive `button_reply`/`list_reply`, or a
    /// template's quick reply): what it said and its id.
    Choice {
        title: String,
        id: String,
    },
    Media {
        kind: &'a str,
        media: &'a Media,
    },
    Location(&'a Location),
    Contacts(&'a [Value]),
    /// A reaction, a system notice, an order, an unsupported or unknown type: not a question.
    Other,
}

impl Message {
    /// The message, or — when its content does not read as its type says — the same message
    /// with its content left out (`type` `malformed`), so it is acknowledged and ignored like
    /// an unknown type rather than failing its job. Only a missing `from` or `id` fails.
    fn lenient(raw: Value) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        struct Head {
            from: String,
            id: String,
        }
        Self::deserialize(&raw).or_else(|_| {
            let head = Head::deserialize(&raw)?;
            Ok(Self {
                from: head.from,
                id: head.id,
                timestamp: String::new(),
                kind: "malformed".to_owned(),
                text: None,
                interactive: None,
                button: None,
                image: None,
                video: None,
                audio: None,
                document: None,
                sticker: None,
                location: None,
                contacts: Vec::new(),
            })
        })
    }

    pub fn content(&self) -> Content<'_> {
        match self.kind.as_str() {
            "text" => Content::Text(self.text.as_ref().map_or("", |t| t.body.as_str())),
            "interactive" => {
                let Some(interactive) = &self.interactive else {
                    return Content::Other;
                };
                let kind = interactive["type"].as_str().unwrap_or_default();
                let reply = &interactive[kind];
                match (reply["title"].as_str(), reply["id"].as_str()) {
                    (Some(title), id) if kind == "button_reply" || kind == "list_reply" => {
                        Content::Choice {
                            title: title.to_owned(),
                            id: id.unwrap_or(title).to_owned(),
                        }
                    }
                    _ => Content::Other,
                }
            }
            "button" => match &self.button {
                Some(button) if !button.text.is_empty() => Content::Choice {
                    title: button.text.clone(),
                    id: button.payload.clone(),
                },
                _ => Content::Other,
            },
            kind @ ("image" | "video" | "audio" | "document" | "sticker") => {
                let media = match kind {
                    "image" => &self.image,
                    "video" => &self.video,
                    "audio" => &self.audio,
                    "document" => &self.document,
                    _ => &self.sticker,
                };
                media
                    .as_ref()
                    .map_or(Content::Other, |media| Content::Media { kind, media })
            }
            "location" => self
                .location
                .as_ref()
                .map_or(Content::Other, Content::Location),
            "contacts" if !self.contacts.is_empty() => Content::Contacts(&self.contacts),
            _ => Content::Other,
        }
    }
}

/// What WhatsApp says happened to a message we sent.
#[derive(Debug, Clone, Deserialize)]
pub struct Status {
    /// The `wamid` our send got back.
    pub id: String,
    pub status: String,
    #[serde(default)]
    pub timestamp: String,
    #[serde(default)]
    pub recipient_id: String,
    #[serde(default)]
    pub errors: Vec<StatusError>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StatusError {
    pub code: i64,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub message: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any body is read or refused, never a panic.
        #[test]
        fn any_body_is_split_without_panicking(
            raw in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512),
            text in "\\PC{0,200}",
        ) {
            let _ = split(&raw);
            let _ = split(format!(r#"{{"object":"whatsapp_business_account","entry":[{{"id":"1","changes":[{{"field":"messages","value":{text}}}]}}]}}"#).as_bytes());
        }
    }

    const BATCH: &str = r#"{"object": "whatsapp_business_account",
      "entry": [{"id": "102290129340398", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
        "contacts": [{"profile": {"name": "Sheena Nelson"}, "wa_id": "16505551234"}],
        "messages": [
          {"from": "16505551234", "id": "wamid.A", "timestamp": "1749416383", "type": "text",
           "text": {"body": "Does it come in another color?"}},
          {"context": {"from": "15550783881", "id": "wamid.OURS"}, "from": "16505551234",
           "id": "wamid.B", "timestamp": "1749416500", "type": "interactive",
           "interactive": {"type": "button_reply", "button_reply": {"id": "rate_5", "title": "Great"}}},
          {"from": "16505551234", "id": "wamid.C", "timestamp": "1749416400", "type": "image",
           "image": {"caption": "broken", "mime_type": "image/jpeg", "sha256": "Vf1f=", "id": "1037543291543636"}},
          {"from": "16505551234", "id": "wamid.D", "timestamp": "1", "type": "brand_new_type", "brand_new_type": {}}
        ],
        "statuses": [{"id": "wamid.OURS", "status": "delivered", "timestamp": "1749416600",
          "recipient_id": "16505551234",
          "pricing": {"billable": true, "pricing_model": "PMP", "category": "service", "type": "free_customer_service"}}]
      }}, {"field": "account_update", "value": {"event": "VERIFIED_ACCOUNT"}}]}]}"#;

    #[test]
    fn a_batch_splits_into_one_item_per_message_and_status() -> Result<(), serde_json::Error> {
        let items = split(BATCH.as_bytes())?;
        let keys: Vec<&str> = items.iter().map(|i| i.key.as_str()).collect();
        assert_eq!(
            keys,
            [
                "message:wamid.A",
                "message:wamid.B",
                "message:wamid.C",
                "message:wamid.D",
                "status:wamid.OURS:delivered"
            ]
        );
        let Item::Message {
            phone_number_id,
            contact,
            message,
        } = Item::parse(&items[0].item)?
        else {
            panic!("a message");
        };
        assert_eq!(phone_number_id, "106540352242922");
        let contact = contact.expect("the sender's contact");
        assert_eq!(contact.wa_id, "16505551234");
        assert_eq!(
            contact.profile.map(|p| p.name).as_deref(),
            Some("Sheena Nelson")
        );
        assert!(matches!(
            message.content(),
            Content::Text("Does it come in another color?")
        ));
        let Item::Message { message, .. } = Item::parse(&items[1].item)? else {
            panic!("a message");
        };
        assert!(
            matches!(message.content(), Content::Choice { title, id } if title == "Great" && id == "rate_5")
        );
        let Item::Message { message, .. } = Item::parse(&items[2].item)? else {
            panic!("a message");
        };
        assert!(
            matches!(message.content(), Content::Media { kind: "image", media } if media.caption.as_deref() == Some("broken"))
        );
        let Item::Message { message, .. } = Item::parse(&items[3].item)? else {
            panic!("a message");
        };
        assert!(matches!(message.content(), Content::Other));
        let Item::Status { status, .. } = Item::parse(&items[4].item)? else {
            panic!("a status");
        };
        assert_eq!(
            (status.id.as_str(), status.status.as_str()),
            ("wamid.OURS", "delivered")
        );
        Ok(())
    }

    #[test]
    fn other_objects_and_malformed_interactives_are_harmless() -> Result<(), serde_json::Error> {
        assert!(split(br#"{"object": "page", "entry": [{"changes": []}]}"#)?.is_empty());
        assert!(split(br#"{"object": "whatsapp_business_account", "entry": [{"changes": [{"field": "messages", "value": 5}]}]}"#)?.is_empty());
        assert!(split(b"[1]").is_err());
        let message: Message = serde_json::from_str(
            r#"{"from": "1", "id": "w", "type": "interactive", "interactive": {"type": "button_reply", "button_reply": 7}}"#,
        )?;
        assert!(matches!(message.content(), Content::Other));
        let item = r#"{"metadata": {"phone_number_id": "1"}, "contact": null,
            "message": {"from": "1", "id": "w", "type": "text", "text": 5}}"#;
        let Item::Message { message, .. } = Item::parse(item)? else {
            panic!("a message");
        };
        assert_eq!(message.kind, "malformed");
        assert!(
            Item::parse(r#"{"metadata": {"phone_number_id": "1"}, "message": {"id": "w"}}"#)
                .is_err()
        );
        Ok(())
    }
}
