#![doc = include_str!("../README.md")]

mod ids;
mod kinds;
pub mod schema;

pub use ids::{
    AccountId, ChannelId, ConversationId, CustomerId, MessageId, SyncRunId, TenantId, UserId,
};
pub use kinds::{
    AccountState, AlertKind, Author, BillingCurrency, ChannelKind, Connection, ConversationAction,
    ConversationMode, DeliveryStatus, Direction, HandoffReason, Locale, Marketplace, MessageAction,
    PaymentPurpose, PaymentStatus, Resolver, Role, SyncHealth, SyncKind, UnknownVariant,
    WithdrawReason,
};

/// The SQL migrations, compiled into every binary that can migrate.
pub const MIGRATIONS: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("migrations");
