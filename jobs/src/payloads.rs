use otklik_schema::{AccountId, ChannelId, ConversationId, MessageId, SyncKind, TenantId, UserId};
use serde::{Deserialize, Serialize};

/// Something a shopper did at a channel, as the ingress accepted it. Normalising it into
/// customers, conversations and messages is the inbound worker's job, not the ingress's.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum InboundEvent {
    /// A Telegram Bot API `Update`, exactly as Telegram sent it (JSON text: apalis re-encodes
    /// payloads through `serde_json::Value`, which a borrowed `RawValue` does not survive).
    Telegram {
        channel_id: ChannelId,
        update_id: i64,
        update: String,
    },
    /// A MAX Bot API update, as MAX sent it (JSON text), known by `key` (its identity, see
    /// `otklik_messengers::max::updates::identity`).
    Max {
        channel_id: ChannelId,
        key: String,
        update: String,
    },
    /// A VK Callback API event, as VK sent it (JSON text).
    Vk {
        channel_id: ChannelId,
        event_id: String,
        event: String,
    },
    /// One message or status of a WhatsApp webhook (the ingress splits a payload into them; see
    /// `otklik_messengers::whatsapp::webhooks`), known by `key` (`message:<wamid>` or
    /// `status:<wamid>:<status>`).
    Whatsapp {
        channel_id: ChannelId,
        key: String,
        item: String,
    },
    /// A message typed into the web-chat widget.
    Webchat {
        channel_id: ChannelId,
        visitor_id: String,
        client_message_id: String,
        text: String,
    },
}

impl InboundEvent {
    /// The channel the event came through.
    pub fn channel_id(&self) -> ChannelId {
        match self {
            Self::Telegram { channel_id, .. }
            | Self::Max { channel_id, .. }
            | Self::Vk { channel_id, .. }
            | Self::Whatsapp { channel_id, .. }
            | Self::Webchat { channel_id, .. } => *channel_id,
        }
    }

    /// Dedupe key for the ingress: the provider's own id for the event.
    pub fn idempotency_key(&self) -> String {
        match self {
            Self::Telegram {
                channel_id,
                update_id,
                ..
            } => format!("tg:{channel_id}:{update_id}"),
            Self::Max {
                channel_id, key, ..
            } => format!("max:{channel_id}:{key}"),
            Self::Vk {
                channel_id,
                event_id,
                ..
            } => format!("vk:{channel_id}:{event_id}"),
            Self::Whatsapp {
                channel_id, key, ..
            } => format!("wa:{channel_id}:{key}"),
            Self::Webchat {
                channel_id,
                client_message_id,
                ..
            } => format!("wc:{channel_id}:{client_message_id}"),
        }
    }
}

/// Answer whatever the shopper wrote since the last turn of this conversation.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct ConversationTurn {
    pub tenant_id: TenantId,
    pub conversation_id: ConversationId,
}

/// Send one outbound message.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Deliver {
    pub tenant_id: TenantId,
    pub message_id: MessageId,
}

/// Sync one marketplace account.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct SyncAccount {
    pub tenant_id: TenantId,
    pub account_id: AccountId,
    pub kind: SyncKind,
}

/// Read what shoppers wrote to an account's marketplace channels since the last poll.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct PollInbox {
    pub tenant_id: TenantId,
    pub account_id: AccountId,
}

/// Check a newly connected account's credentials (or its replaced ones) and connect or reject
/// it. `generation` is the account's check generation when the check was asked for: a job for an
/// older one changes nothing.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct CheckAccount {
    pub tenant_id: TenantId,
    pub account_id: AccountId,
    pub generation: i32,
}

/// Billing work: an event the payment provider sent, or a scheduled billing run.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum BillingJob {
    /// A verified webhook event, as the provider sent it (JSON text).
    ProviderEvent { id: String, body: String },
    /// A ЮKassa notification: only what to read back (`event`, the object's id), since the
    /// notification itself is unsigned and proves nothing.
    YooKassaNotification { event: String, object: String },
    /// Report usage, reconcile and apply lapses, once per `tick`.
    Run { tick: String },
}

impl BillingJob {
    /// The queue's dedupe key: a redelivered Stripe event (signed, so its id is Stripe's) or a
    /// second scheduler replica adds nothing. `None` for ЮKassa notifications: they are
    /// unsigned, so a forged one could otherwise take the key of the real one that follows
    /// and have it dropped; the worker's read-back makes each of them harmless instead.
    pub fn idempotency_key(&self) -> Option<String> {
        match self {
            Self::ProviderEvent { id, .. } => Some(format!("billing-event:{id}")),
            Self::YooKassaNotification { .. } => None,
            Self::Run { tick } => Some(format!("billing-run:{tick}")),
        }
    }
}

/// Something to tell a merchant's person outside the dashboard (e-mail).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notify {
    /// E-mail a single-use password reset link; the token is made by the sender, so it never
    /// sits in Redis.
    PasswordReset {
        tenant_id: TenantId,
        user_id: UserId,
    },
    /// E-mail a single-use link that confirms the person's address (after sign-up, or asked for
    /// again); made by the sender like a reset link. Nothing is sent once the address is confirmed.
    EmailVerification {
        tenant_id: TenantId,
        user_id: UserId,
    },
    /// E-mail an invitation to the invited person. The sender makes the mail's own token, so
    /// none sits in Redis, and claims the invitation's e-mail first, so a retried job sends once.
    Invitation {
        tenant_id: TenantId,
        invitation_id: i64,
    },
    /// Look for alerts due across shops as of `at` (Unix seconds, the scheduler's tick) and
    /// mail each once: the sweep claims every alert before sending it.
    AlertSweep { at: i64 },
}
