#![doc = include_str!("../README.md")]

mod payloads;
mod queues;
mod redis_conn;
pub mod retention;
mod secrets;
pub mod topics;

pub use payloads::{ConversationTurn, Deliver, InboundEvent};
pub use queues::{EnqueueError, Pool, Queue, QueueSettings, Queues, UnknownPool};
pub use redis_conn::connect;
pub use secrets::WebhookSecrets;

pub use apalis_redis::RedisStorage;
