#![doc = include_str!("../README.md")]

pub mod accounts;
pub mod alerts;
pub mod analytics;
pub mod api_keys;
pub mod audit;
pub mod billing;
pub mod catalogue;
pub mod channels;
pub mod conversations;
pub mod customers_admin;
pub mod email_verifications;
mod error;
pub mod idempotency;
pub mod inbox;
pub mod invitations;
pub mod knowledge;
pub mod knowledge_admin;
pub mod marketplace_inbox;
pub mod messages;
mod migrate;
pub mod onboarding;
pub mod order_news;
pub mod payments;
mod pool;
pub mod quick_replies;
pub mod ratings;
pub mod receipts;
pub mod requisites;
pub mod returns;
mod scope;
pub mod sealed;
pub mod sessions;
pub mod shopper_events;
pub(crate) mod statement;
pub mod sync;
pub mod tenants;
pub mod users;

pub use diesel_async::AsyncPgConnection;
pub use error::DbError;
pub use migrate::run_migrations;
pub use pool::{
    DbPool, PUBLIC_POOL_NAME, PooledConnection, TENANT_ROLE, TenantConn, TenantPool, build_pool,
    build_public_pool, connect, ping,
};
pub use scope::TenantScope;
