//! What the operators' open dashboards are told, published on the tenant's operator topic
//! ([`crate::topics::tell_operators`]). One enum for every publisher (the workers and the admin
//! API) so a kind of event has one shape; the dashboard (`ingress/assets/app/app.js`) reads them
//! by `type`.

use chrono::{DateTime, Utc};
use otklik_schema::{
    AccountId, ChannelId, Connection, ConversationAction, ConversationId, ConversationMode,
    DeliveryStatus, HandoffReason, MessageAction, MessageId, UserId,
};
use serde::{Deserialize, Serialize};

/// One live event. Events only say what changed; screens read the state itself from the
/// database, so a lost event delays a screen and nothing else.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum OperatorEvent {
    /// A message joined a conversation: a shopper's, or one a person posted.
    Message {
        conversation_id: ConversationId,
        message_id: MessageId,
        /// What a person did; absent for a shopper's message.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        action: Option<MessageAction>,
        /// The message as the admin API shows it, so the poster's colleagues need no read.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<serde_json::Value>,
    },
    /// A reply's delivery changed: the tick beside it.
    Delivery {
        conversation_id: ConversationId,
        message_id: MessageId,
        status: DeliveryStatus,
        /// The messenger's receipt, where it sends them.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        receipt: Option<DeliveryReceipt>,
    },
    /// The assistant handed the conversation to people.
    Handoff {
        conversation_id: ConversationId,
        reason: HandoffReason,
        summary: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_due_at: Option<DateTime<Utc>>,
    },
    /// The assistant wrote a marketplace draft that waits for a person's approval.
    Draft {
        conversation_id: ConversationId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_due_at: Option<DateTime<Utc>>,
    },
    /// A shopper edited a message.
    MessageEdited {
        conversation_id: ConversationId,
        message_id: MessageId,
    },
    /// A shopper deleted a message.
    MessageRemoved {
        conversation_id: ConversationId,
        message_id: MessageId,
    },
    /// A shopper stopped the bot or denied messages: nothing more reaches them there.
    CustomerStopped { channel_id: ChannelId },
    /// A conversation's handling changed.
    Conversation {
        conversation_id: ConversationId,
        action: ConversationAction,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mode: Option<ConversationMode>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee_id: Option<UserId>,
        /// The person who changed it; absent when the shopper did.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        by: Option<UserId>,
    },
    /// A marketplace account's credentials were checked.
    MarketplaceAccount {
        action: AccountAction,
        account_id: AccountId,
        status: Connection,
    },
    /// The seller answered (or the marketplace closed) a question or review at the marketplace;
    /// our drafts for it were withdrawn.
    AnsweredAtMarketplace {
        conversation_id: ConversationId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message_id: Option<MessageId>,
        withdrawn: Vec<MessageId>,
        /// Why, for people.
        reason: String,
    },
    /// A user's sessions ended: their dashboards close the socket and ask for a sign-in.
    SessionRevoked { user_id: UserId },
}

/// What happened to a marketplace account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountAction {
    Checked,
}

/// A messenger's receipt for a sent message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryReceipt {
    Delivered,
    Read,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn events_keep_the_shapes_the_dashboard_reads() {
        let delivery = OperatorEvent::Delivery {
            conversation_id: ConversationId(7),
            message_id: MessageId(9),
            status: DeliveryStatus::Sent,
            receipt: Some(DeliveryReceipt::Read),
        };
        assert_eq!(
            serde_json::to_value(&delivery).ok(),
            Some(
                json!({"type": "delivery", "conversation_id": 7, "message_id": 9,
                        "status": "sent", "receipt": "read"})
            )
        );
        let shopper = OperatorEvent::Message {
            conversation_id: ConversationId(7),
            message_id: MessageId(10),
            action: None,
            message: None,
        };
        assert_eq!(
            serde_json::to_value(&shopper).ok(),
            Some(json!({"type": "message", "conversation_id": 7, "message_id": 10}))
        );
        let revoked = json!({"type": "session_revoked", "user_id": 3}).to_string();
        assert_eq!(
            serde_json::from_str::<OperatorEvent>(&revoked).ok(),
            Some(OperatorEvent::SessionRevoked { user_id: UserId(3) })
        );
    }
}
