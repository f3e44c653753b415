//! Connected channels: where shoppers write from and replies go to.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::channels;
use otklik_schema::{ChannelId, ChannelKind, TenantId};

use crate::{DbError, TenantScope};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = channels, check_for_backend(diesel::pg::Pg))]
pub struct Channel {
    pub id: ChannelId,
    pub tenant_id: TenantId,
    pub kind: ChannelKind,
    pub name: String,
    /// Provider credentials; never serialised into responses or logs.
    pub credentials: serde_json::Value,
    pub enabled: bool,
}

impl Channel {
    pub fn scope(&self) -> TenantScope {
        TenantScope::trusted(self.tenant_id)
    }

    /// The Telegram bot token, for Telegram channels.
    pub fn bot_token(&self) -> Option<&str> {
        bot_token(&self.credentials)
    }
}

/// The Telegram bot token in a channel's `credentials` (`{"bot_token": "..."}`).
pub fn bot_token(credentials: &serde_json::Value) -> Option<&str> {
    credentials
        .get("bot_token")
        .and_then(serde_json::Value::as_str)
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    kind: ChannelKind,
    name: &str,
    credentials: serde_json::Value,
) -> Result<Channel, DbError> {
    Ok(diesel::insert_into(channels::table)
        .values((
            channels::tenant_id.eq(scope.tenant_id()),
            channels::kind.eq(kind),
            channels::name.eq(name),
            channels::credentials.eq(credentials),
        ))
        .returning(Channel::as_returning())
        .get_result(conn)
        .await?)
}

/// Finds a channel by id alone. The one lookup without a scope: the id comes from a webhook path
/// whose signature was already checked, and the row tells which tenant it belongs to.
pub async fn find(conn: &mut AsyncPgConnection, id: ChannelId) -> Result<Option<Channel>, DbError> {
    Ok(channels::table
        .find(id)
        .select(Channel::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The tenant's channels of one kind, oldest first.
pub async fn list_by_kind(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    kind: ChannelKind,
) -> Result<Vec<Channel>, DbError> {
    Ok(channels::table
        .filter(channels::tenant_id.eq(scope.tenant_id()))
        .filter(channels::kind.eq(kind))
        .order(channels::id)
        .select(Channel::as_select())
        .load(conn)
        .await?)
}
