//! Typed row ids, so a channel id can never be passed where a tenant id is expected.

use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{Output, ToSql};
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};

macro_rules! id_type {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[derive(Serialize, Deserialize, AsExpression, FromSqlRow)]
        #[serde(transparent)]
        #[diesel(sql_type = BigInt)]
        pub struct $name(pub i64);

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }

        // An integer in the OpenAPI document, named for what it identifies.
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                <i64 as utoipa::PartialSchema>::schema()
            }
        }

        impl utoipa::ToSchema for $name {
            fn name() -> std::borrow::Cow<'static, str> {
                std::borrow::Cow::Borrowed(stringify!($name))
            }
        }

        impl std::str::FromStr for $name {
            type Err = std::num::ParseIntError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                s.parse().map(Self)
            }
        }

        impl ToSql<BigInt, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> diesel::serialize::Result {
                ToSql::<BigInt, Pg>::to_sql(&self.0, &mut out.reborrow())
            }
        }

        impl FromSql<BigInt, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> diesel::deserialize::Result<Self> {
                i64::from_sql(bytes).map(Self)
            }
        }
    )*};
}

id_type! {
    /// A merchant: the unit of isolation.
    TenantId;
    /// A merchant's staff member.
    UserId;
    /// One connected channel (a Telegram bot, a web-chat widget, a marketplace chat).
    ChannelId;
    /// A shopper as known at one channel.
    CustomerId;
    /// A thread between a shopper and the shop.
    ConversationId;
    /// One message in a conversation, either direction.
    MessageId;
    /// A seller's account at a marketplace, whose orders and catalogue we sync.
    AccountId;
    /// One recorded sync of an account.
    SyncRunId;
}
