//! Connected channels: where shoppers write from and replies go to.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::channels;
use otklik_schema::{AccountId, ChannelId, ChannelKind, Marketplace, TenantId};

use crate::sealed::{Sealed, Vault};
use crate::{DbError, TenantScope};

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = channels, check_for_backend(diesel::pg::Pg))]
pub struct Channel {
    pub id: ChannelId,
    pub tenant_id: TenantId,
    pub kind: ChannelKind,
    pub name: String,
    /// Provider credentials, sealed ([`Vault::open`] reads them); never serialised into
    /// responses or logs.
    pub credentials: Sealed,
    pub enabled: bool,
    /// The marketplace account a marketplace channel reads and answers through.
    pub account_id: Option<AccountId>,
}

impl Channel {
    pub fn scope(&self) -> TenantScope {
        TenantScope::trusted(self.tenant_id)
    }

    /// The channel's credentials opened; `{}` (logged) when they do not open.
    pub fn open(&self, vault: &Vault) -> serde_json::Value {
        vault.open(&self.credentials).unwrap_or_else(|err| {
            tracing::error!(channel.id = %self.id, error = %err, "the channel's credentials do not open");
            serde_json::json!({})
        })
    }

    /// The bot's token (Telegram, MAX) or the community's (VK).
    pub fn bot_token(&self, vault: &Vault) -> Option<String> {
        bot_token(vault, self.id, &self.credentials)
    }
}

/// The Telegram bot token in a channel's sealed `credentials` (`{"bot_token": "..."}`); `None`
/// (logged) when there is none or it does not open.
pub fn bot_token(vault: &Vault, channel: ChannelId, credentials: &Sealed) -> Option<String> {
    match vault.open(credentials) {
        Ok(open) => open
            .get("bot_token")
            .and_then(serde_json::Value::as_str)
            .map(str::to_owned),
        Err(err) => {
            tracing::error!(channel.id = %channel, error = %err, "the channel's credentials do not open");
            None
        }
    }
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    kind: ChannelKind,
    name: &str,
    credentials: &Sealed,
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

/// The shopper channel of `kind` that reads through a marketplace account, created on first use.
async fn ensure_for_account(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account_id: AccountId,
    kind: ChannelKind,
    name: &str,
) -> Result<Channel, DbError> {
    diesel::insert_into(channels::table)
        .values((
            channels::tenant_id.eq(scope.tenant_id()),
            channels::kind.eq(kind),
            channels::name.eq(name),
            channels::account_id.eq(account_id),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    // A channel closed with its disconnected account opens again with it.
    Ok(diesel::update(
        channels::table
            .filter(channels::tenant_id.eq(scope.tenant_id()))
            .filter(channels::account_id.eq(account_id))
            .filter(channels::kind.eq(kind)),
    )
    .set(channels::enabled.eq(true))
    .returning(Channel::as_returning())
    .get_result(conn)
    .await?)
}

/// Opens the account's shopper channels but those it cannot serve (`unavailable`: a missing
/// subscription), which stay or become closed (idempotent).
pub async fn open_for_account(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account_id: AccountId,
    marketplace: Marketplace,
    unavailable: &[ChannelKind],
) -> Result<Vec<Channel>, DbError> {
    let mut opened = Vec::new();
    for (kind, name) in marketplace.shopper_channels() {
        if unavailable.contains(kind) {
            diesel::update(
                channels::table
                    .filter(channels::tenant_id.eq(scope.tenant_id()))
                    .filter(channels::account_id.eq(account_id))
                    .filter(channels::kind.eq(kind)),
            )
            .set(channels::enabled.eq(false))
            .execute(conn)
            .await?;
            continue;
        }
        opened.push(ensure_for_account(conn, scope, account_id, *kind, name).await?);
    }
    Ok(opened)
}

/// Closes the shopper channels reading through an account (it was disconnected).
pub async fn close_for_account(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account_id: AccountId,
) -> Result<(), DbError> {
    diesel::update(
        channels::table
            .filter(channels::tenant_id.eq(scope.tenant_id()))
            .filter(channels::account_id.eq(account_id)),
    )
    .set(channels::enabled.eq(false))
    .execute(conn)
    .await?;
    Ok(())
}

/// The enabled shopper channels reading through an account.
pub async fn for_account(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account_id: AccountId,
) -> Result<Vec<Channel>, DbError> {
    Ok(channels::table
        .filter(channels::tenant_id.eq(scope.tenant_id()))
        .filter(channels::account_id.eq(account_id))
        .filter(channels::enabled.eq(true))
        .order(channels::id)
        .select(Channel::as_select())
        .load(conn)
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

/// Every tenant's switched-on channels of one kind, oldest first (maintenance, as the service).
pub async fn enabled_of_kind(
    conn: &mut AsyncPgConnection,
    kind: ChannelKind,
) -> Result<Vec<Channel>, DbError> {
    Ok(channels::table
        .filter(channels::kind.eq(kind))
        .filter(channels::enabled.eq(true))
        .order(channels::id)
        .select(Channel::as_select())
        .load(conn)
        .await?)
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

/// Every channel of the tenant, oldest first.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
) -> Result<Vec<Channel>, DbError> {
    Ok(channels::table
        .filter(channels::tenant_id.eq(scope.tenant_id()))
        .order(channels::id)
        .select(Channel::as_select())
        .load(conn)
        .await?)
}

/// The tenant's channel with this id.
pub async fn get(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: ChannelId,
) -> Result<Option<Channel>, DbError> {
    Ok(channels::table
        .filter(channels::tenant_id.eq(scope.tenant_id()))
        .filter(channels::id.eq(id))
        .select(Channel::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Turns a channel on or off: off, its webhooks are refused and nothing is sent through it.
pub async fn set_enabled(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: ChannelId,
    enabled: bool,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        channels::table
            .filter(channels::tenant_id.eq(scope.tenant_id()))
            .filter(channels::id.eq(id)),
    )
    .set(channels::enabled.eq(enabled))
    .execute(conn)
    .await?;
    Ok(changed == 1)
}

/// A channel's kind and whether it is on, by id alone: what a public edge (the web chat) needs
/// to refuse ids that are not its own, without reading anything else of the row.
pub async fn kind_of(
    conn: &mut AsyncPgConnection,
    id: ChannelId,
) -> Result<Option<(ChannelKind, bool)>, DbError> {
    Ok(channels::table
        .find(id)
        .select((channels::kind, channels::enabled))
        .first(conn)
        .await
        .optional()?)
}
