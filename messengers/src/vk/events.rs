//! Callback API events (`messengers/vk/callback/objects.json`): `{"type", "group_id",
//! "event_id", "v", "secret", "object"}`, one per request, answered `ok` (the `confirmation`
//! handshake with the community's confirmation string instead).

use serde::Deserialize;
use serde_json::Value;

/// The events a callback server is subscribed to (`groups.setCallbackSettings`).
pub const SUBSCRIBED: [&str; 5] = [
    "message_new",
    "message_event",
    "message_edit",
    "message_allow",
    "message_deny",
];

/// Peer ids from here up are group chats (`2000000000 + chat_id`).
pub const GROUP_CHAT_PEERS: i64 = 2_000_000_000;

/// The envelope fields the ingress reads before anything else.
#[derive(Debug, Clone, Deserialize)]
pub struct Head {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub group_id: Option<i64>,
    #[serde(default)]
    pub event_id: Option<String>,
    #[serde(default)]
    pub secret: Option<String>,
}

impl Head {
    /// Whether the workers act on events of this type; others are answered `ok` and dropped.
    pub fn is_subscribed(&self) -> bool {
        SUBSCRIBED.contains(&self.kind.as_str())
    }
}

/// One event, as the workers read it.
#[derive(Debug, Clone)]
pub struct Event {
    pub group_id: Option<i64>,
    pub kind: EventKind,
}

#[derive(Debug, Clone)]
pub enum EventKind {
    /// A message to the community (API ≥ 5.103: `{message, client_info}`), with the language
    /// of the shopper's VK (`client_info.lang_id`: 0 Russian, 3 English, …).
    MessageNew {
        message: Message,
        lang_id: Option<i64>,
    },
    /// A message edited (the shopper's, or the community's own).
    MessageEdit(Message),
    /// A callback button pressed.
    MessageEvent(ButtonPress),
    /// The shopper allowed the community's messages.
    MessageAllow {
        user_id: i64,
    },
    /// The shopper forbade them.
    MessageDeny {
        user_id: i64,
    },
    Other,
}

impl Event {
    /// Reads an event the ingress accepted.
    pub fn parse(raw: &str) -> Result<Self, serde_json::Error> {
        #[derive(Deserialize)]
        struct Raw {
            #[serde(rename = "type")]
            kind: String,
            #[serde(default)]
            group_id: Option<i64>,
            #[serde(default)]
            object: Value,
        }
        #[derive(Deserialize)]
        struct New {
            message: Message,
            #[serde(default)]
            client_info: Option<ClientInfo>,
        }
        #[derive(Deserialize)]
        struct ClientInfo {
            #[serde(default)]
            lang_id: Option<i64>,
        }
        #[derive(Deserialize)]
        struct UserOnly {
            user_id: i64,
        }
        let raw: Raw = serde_json::from_str(raw)?;
        let kind = match raw.kind.as_str() {
            "message_new" => {
                let new = New::deserialize(raw.object)?;
                EventKind::MessageNew {
                    message: new.message,
                    lang_id: new.client_info.and_then(|info| info.lang_id),
                }
            }
            "message_edit" => EventKind::MessageEdit(Message::deserialize(raw.object)?),
            "message_event" => EventKind::MessageEvent(ButtonPress::deserialize(raw.object)?),
            "message_allow" => EventKind::MessageAllow {
                user_id: UserOnly::deserialize(raw.object)?.user_id,
            },
            "message_deny" => EventKind::MessageDeny {
                user_id: UserOnly::deserialize(raw.object)?.user_id,
            },
            _ => EventKind::Other,
        };
        Ok(Self {
            group_id: raw.group_id,
            kind,
        })
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    #[serde(default)]
    pub id: i64,
    #[serde(default)]
    pub date: i64,
    /// The author: a user id (negative for a community).
    pub from_id: i64,
    /// Where to answer: the user, or `2000000000 + chat_id` for a group chat.
    pub peer_id: i64,
    /// Unique per peer, also in group chats where `id` is 0.
    pub conversation_message_id: i64,
    #[serde(default)]
    pub text: String,
    /// 1 for the community's own outgoing messages.
    #[serde(default)]
    pub out: i64,
    #[serde(default)]
    pub attachments: Vec<Value>,
    /// Set by keyboard buttons, as a JSON string.
    #[serde(default)]
    pub payload: Option<String>,
    #[serde(default)]
    pub fwd_messages: Vec<Value>,
    #[serde(default)]
    pub reply_message: Option<Value>,
}

impl Message {
    /// The «Начать» button VK shows a shopper before their first message: its payload is
    /// `{"command": "start"}`.
    pub fn is_start(&self) -> bool {
        self.payload
            .as_deref()
            .and_then(|payload| serde_json::from_str::<Value>(payload).ok())
            .is_some_and(|payload| payload["command"] == "start")
    }

    /// The message's id within the community: unique per peer.
    pub fn key(&self) -> String {
        format!("{}:{}", self.peer_id, self.conversation_message_id)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct ButtonPress {
    pub user_id: i64,
    pub peer_id: i64,
    /// Valid for about a minute, for `messages.sendMessageEventAnswer`.
    pub event_id: String,
    /// The button's payload: a JSON object, or the same as a string.
    #[serde(default)]
    pub payload: Value,
    #[serde(default)]
    pub conversation_message_id: Option<i64>,
}

impl ButtonPress {
    /// What the shopper chose: the `choice` of our own buttons' payload, or the payload as
    /// text for buttons made elsewhere.
    pub fn choice(&self) -> String {
        let payload = match &self.payload {
            Value::String(text) => {
                serde_json::from_str(text).unwrap_or(Value::String(text.clone()))
            }
            other => other.clone(),
        };
        match payload.get("choice").and_then(Value::as_str) {
            Some(choice) => choice.to_owned(),
            None => match payload {
                Value::String(text) => text,
                Value::Null => String::new(),
                other => other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any text is an event or an error, never a panic.
        #[test]
        fn any_body_is_parsed_without_panicking(
            raw in "\\PC{0,400}",
            kind in "[a-z_]{0,20}",
            peer in proptest::prelude::any::<i64>(),
        ) {
            let _ = Event::parse(&raw);
            let body = serde_json::json!({"group_id": 1, "type": kind, "event_id": "e",
                "object": {"message": {"peer_id": peer, "from_id": peer, "id": 1,
                    "conversation_message_id": peer, "text": raw, "date": 1},
                    "user_id": peer, "peer_id": peer, "event_id": "x"}});
            let _ = Event::parse(&body.to_string());
        }
    }

    #[test]
    fn a_new_message_as_the_callback_api_sends_it() -> Result<(), serde_json::Error> {
        let raw = r#"{"group_id": 123456, "type": "message_new", "event_id": "4b8c3b2f8d1e",
            "v": "5.199", "secret": "s3cr3t",
            "object": {"message": {"date": 1718000000, "from_id": 111, "id": 5678, "out": 0,
                "version": 10432, "peer_id": 111, "conversation_message_id": 7,
                "text": "Привет, где мой заказ?", "attachments": [], "fwd_messages": [],
                "important": false, "is_hidden": false, "payload": "{\"command\":\"start\"}"},
              "client_info": {"button_actions": ["text", "callback"], "keyboard": true,
                "inline_keyboard": true, "carousel": true, "lang_id": 0}}}"#;
        let event = Event::parse(raw)?;
        assert_eq!(event.group_id, Some(123456));
        let EventKind::MessageNew { message, lang_id } = event.kind else {
            panic!("a new message");
        };
        assert_eq!(lang_id, Some(0));
        assert!(message.is_start());
        assert_eq!(message.text, "Привет, где мой заказ?");
        assert_eq!(message.key(), "111:7");
        Ok(())
    }

    #[test]
    fn a_button_press_names_the_choice() -> Result<(), serde_json::Error> {
        let raw = r#"{"group_id": 1, "type": "message_event", "event_id": "e1", "v": "5.199",
            "object": {"user_id": 111, "peer_id": 111, "event_id": "3f1b0c",
                       "payload": {"choice": "Да"}, "conversation_message_id": 9}}"#;
        let event = Event::parse(raw)?;
        let EventKind::MessageEvent(press) = event.kind else {
            panic!("a button press");
        };
        assert_eq!(press.choice(), "Да");
        assert_eq!(press.event_id, "3f1b0c");
        let as_string = ButtonPress {
            payload: Value::String(r#"{"choice":"Нет"}"#.into()),
            ..press
        };
        assert_eq!(as_string.choice(), "Нет");
        Ok(())
    }

    #[test]
    fn other_events_are_named_other() -> Result<(), serde_json::Error> {
        let raw = r#"{"group_id": 1, "type": "wall_post_new", "event_id": "e2", "v": "5.199",
            "object": {"id": 1}}"#;
        let event = Event::parse(raw)?;
        assert!(matches!(event.kind, EventKind::Other));
        Ok(())
    }
}
