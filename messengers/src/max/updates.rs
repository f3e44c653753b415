//! What a MAX webhook delivers: one `Update` per request (`bot-api.yaml`, `Update` and its
//! inheritors), as the real bodies in `messengers/max/examples/` show them.

use serde::Deserialize;
use serde_json::Value;

/// The update types a channel subscribes to and the workers act on. Anything else a bot may
/// be sent (chat membership, titles, mutes) is acknowledged and dropped.
pub const SUBSCRIBED: [&str; 7] = [
    "message_created",
    "message_callback",
    "message_edited",
    "message_removed",
    "bot_started",
    "bot_stopped",
    "dialog_removed",
];

/// One webhook update. Unknown types deserialize as [`Update::Other`].
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "update_type", rename_all = "snake_case")]
pub enum Update {
    MessageCreated {
        timestamp: i64,
        message: Message,
        #[serde(default)]
        user_locale: Option<String>,
    },
    /// A press of one of the bot's callback buttons.
    MessageCallback {
        timestamp: i64,
        callback: Callback,
        /// The message with the keyboard; `null` when it was deleted meanwhile.
        #[serde(default)]
        message: Option<Message>,
        #[serde(default)]
        user_locale: Option<String>,
    },
    MessageEdited {
        timestamp: i64,
        message: Message,
    },
    MessageRemoved {
        timestamp: i64,
        message_id: String,
        chat_id: i64,
        user_id: i64,
    },
    /// The shopper pressed «Start» (or followed a deep link).
    BotStarted {
        timestamp: i64,
        chat_id: i64,
        user: User,
        #[serde(default)]
        payload: Option<String>,
        #[serde(default)]
        user_locale: Option<String>,
    },
    /// The shopper stopped the bot: it must not write to them.
    BotStopped {
        timestamp: i64,
        chat_id: i64,
        user: User,
    },
    /// The shopper deleted the dialog with the bot.
    DialogRemoved {
        timestamp: i64,
        chat_id: i64,
        user: User,
    },
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, Deserialize)]
pub struct User {
    pub user_id: i64,
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: Option<String>,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub is_bot: bool,
    #[serde(default)]
    pub name: Option<String>,
}

impl User {
    /// The name as the shopper shows it.
    pub fn full_name(&self) -> String {
        if let Some(name) = self.name.as_deref().filter(|n| !n.trim().is_empty()) {
            return name.trim().to_owned();
        }
        match self.last_name.as_deref().filter(|n| !n.is_empty()) {
            Some(last) => format!("{} {last}", self.first_name),
            None => self.first_name.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChatType {
    /// A one-to-one dialog with the bot.
    Dialog,
    /// A group chat the bot is a member of.
    Chat,
    Channel,
    #[serde(other)]
    Other,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Recipient {
    #[serde(default)]
    pub chat_id: Option<i64>,
    pub chat_type: ChatType,
    #[serde(default)]
    pub user_id: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    /// `null` for a post on behalf of a channel.
    #[serde(default)]
    pub sender: Option<User>,
    pub recipient: Recipient,
    pub timestamp: i64,
    /// `null` when the message only forwards another.
    #[serde(default)]
    pub body: Option<MessageBody>,
    /// A forwarded or replied-to message.
    #[serde(default)]
    pub link: Option<LinkedMessage>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct MessageBody {
    pub mid: String,
    #[serde(default)]
    pub seq: Option<i64>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub attachments: Option<Vec<Value>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LinkedMessage {
    /// `forward` or `reply`.
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub sender: Option<User>,
    pub message: MessageBody,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Callback {
    pub timestamp: i64,
    pub callback_id: String,
    #[serde(default)]
    pub payload: Option<String>,
    pub user: User,
}

/// The fields that identify an update, read by the ingress before anything else.
#[derive(Deserialize)]
struct Head {
    update_type: String,
    timestamp: i64,
    #[serde(default)]
    message: Option<MessageHead>,
    #[serde(default)]
    callback: Option<CallbackHead>,
    #[serde(default)]
    message_id: Option<String>,
    #[serde(default)]
    chat_id: Option<i64>,
    #[serde(default)]
    user: Option<UserHead>,
}

#[derive(Deserialize)]
struct MessageHead {
    #[serde(default)]
    body: Option<BodyHead>,
    #[serde(default)]
    recipient: Option<RecipientHead>,
}

#[derive(Deserialize)]
struct BodyHead {
    mid: String,
}

#[derive(Deserialize)]
struct RecipientHead {
    #[serde(default)]
    chat_id: Option<i64>,
}

#[derive(Deserialize)]
struct CallbackHead {
    callback_id: String,
}

#[derive(Deserialize)]
struct UserHead {
    user_id: i64,
}

/// Why a webhook body is not a MAX update.
#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error("not a MAX update: {0}")]
    Malformed(#[from] serde_json::Error),
    #[error("a `{0}` update without the id it is known by")]
    Unidentified(String),
}

/// The identity MAX redelivers an update under, so the same one is taken in once: the message
/// id for new messages, the callback id for button presses, the type and time (with the chat
/// and person) for the rest. `Ok(None)` for update types nobody acts on.
pub fn identity(raw: &[u8]) -> Result<Option<String>, UpdateError> {
    let head: Head = serde_json::from_slice(raw)?;
    let kind = head.update_type.as_str();
    if !SUBSCRIBED.contains(&kind) {
        return Ok(None);
    }
    let unidentified = || UpdateError::Unidentified(head.update_type.clone());
    let mid = head
        .message
        .as_ref()
        .and_then(|m| m.body.as_ref())
        .map(|body| body.mid.as_str());
    let key = match kind {
        "message_created" => format!("created:{}", mid.ok_or_else(unidentified)?),
        // One message can be edited many times; each edit is its own update.
        "message_edited" => format!(
            "edited:{}:{}",
            mid.ok_or_else(unidentified)?,
            head.timestamp
        ),
        "message_callback" => format!(
            "callback:{}",
            head.callback
                .as_ref()
                .map(|c| c.callback_id.as_str())
                .ok_or_else(unidentified)?
        ),
        "message_removed" => format!(
            "removed:{}",
            head.message_id.as_deref().ok_or_else(unidentified)?
        ),
        _ => {
            let chat = head
                .chat_id
                .or_else(|| head.message.as_ref()?.recipient.as_ref()?.chat_id)
                .ok_or_else(unidentified)?;
            let user = head.user.as_ref().map_or(0, |u| u.user_id);
            format!("{kind}:{chat}:{user}:{}", head.timestamp)
        }
    };
    Ok(Some(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Any body gets an identity, is ignored or is refused, never a panic.
        #[test]
        fn any_body_is_identified_without_panicking(
            raw in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..512),
            kind in "[a-z_]{0,20}",
            mid in "\\PC{0,40}",
        ) {
            let _ = identity(&raw);
            let body = serde_json::json!({"update_type": kind, "timestamp": 1,
                "message": {"body": {"mid": mid}}, "callback": {"callback_id": mid}});
            let _ = identity(body.to_string().as_bytes());
        }
    }

    #[test]
    fn each_kind_is_known_by_its_own_id() -> Result<(), UpdateError> {
        let created = br#"{"update_type": "message_created", "timestamp": 1,
            "message": {"recipient": {"chat_id": 5, "chat_type": "dialog"}, "timestamp": 1,
                        "body": {"mid": "mid.1", "seq": 1, "text": "hi"}}}"#;
        assert_eq!(identity(created)?.as_deref(), Some("created:mid.1"));
        let callback = br#"{"update_type": "message_callback", "timestamp": 2,
            "callback": {"timestamp": 2, "callback_id": "cb-1", "user": {"user_id": 7}},
            "message": null}"#;
        assert_eq!(identity(callback)?.as_deref(), Some("callback:cb-1"));
        let stopped = br#"{"update_type": "bot_stopped", "timestamp": 3, "chat_id": 5,
            "user": {"user_id": 7, "first_name": "A"}}"#;
        assert_eq!(identity(stopped)?.as_deref(), Some("bot_stopped:5:7:3"));
        Ok(())
    }

    #[test]
    fn unknown_types_are_not_taken_in_and_garbage_is_refused() {
        let muted = br#"{"update_type": "dialog_muted", "timestamp": 3, "chat_id": 5}"#;
        assert!(matches!(identity(muted), Ok(None)));
        let brand_new = br#"{"update_type": "something_new", "timestamp": 3}"#;
        assert!(matches!(identity(brand_new), Ok(None)));
        assert!(matches!(identity(b"{"), Err(UpdateError::Malformed(_))));
        assert!(matches!(identity(b"[]"), Err(UpdateError::Malformed(_))));
        let headless = br#"{"update_type": "message_created", "timestamp": 1, "message": {}}"#;
        assert!(matches!(
            identity(headless),
            Err(UpdateError::Unidentified(_))
        ));
    }
}
