#![doc = include_str!("../README.md")]

pub mod dead_letters;
pub mod handshakes;
mod operator_events;
pub mod orphans;
mod payloads;
mod queues;
mod redis_conn;
pub mod retention;
mod secrets;
pub mod topics;
mod unsubscribe;
pub mod wake;

pub use operator_events::{AccountAction, DeliveryReceipt, OperatorEvent};
pub use payloads::{
    BillingJob, CheckAccount, ConversationTurn, Deliver, InboundEvent, Notify, PollInbox,
    SyncAccount,
};
pub use queues::{
    DUE_AT, EnqueueError, Pool, Queue, QueueSettings, Queues, UnknownPool, UnknownQueue,
};
pub use redis_conn::connect;
pub use secrets::{WebhookSecrets, new_token, token_hash};
pub use unsubscribe::{Unsubscribe, UnsubscribeTokens};

pub use apalis_redis::RedisStorage;
