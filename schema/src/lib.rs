#![doc = include_str!("../README.md")]

mod ids;
mod kinds;
pub mod schema;

pub use ids::{ChannelId, ConversationId, CustomerId, MessageId, TenantId, UserId};
pub use kinds::{
    Author, ChannelKind, ConversationMode, DeliveryStatus, Direction, Role, UnknownVariant,
};

/// The SQL migrations, compiled into every binary that can migrate.
pub const MIGRATIONS: diesel_migrations::EmbeddedMigrations =
    diesel_migrations::embed_migrations!("migrations");
