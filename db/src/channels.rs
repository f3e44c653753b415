//! Connected channels: where shoppers write from and replies go to.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::{channels, tenants};
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
    /// Connected while the shop waited for its owner's address: off until it is confirmed
    /// ([`crate::email_verifications::confirm`] switches it on).
    pub awaiting_verification: bool,
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

/// Whether the shop still waits for its owner's address, its row share-locked until the
/// caller's transaction ends: a confirmation running at the same time either sees the channel
/// this transaction holds off, or has already made the shop live.
async fn shop_waits(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
) -> Result<bool, diesel::result::Error> {
    tenants::table
        .find(scope.tenant_id())
        .select(tenants::awaiting_verification)
        .for_share()
        .first(conn)
        .await
}

/// Connects a channel: on, or held off while the shop waits for its owner's address.
pub async fn create(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    kind: ChannelKind,
    name: &str,
    credentials: &Sealed,
) -> Result<Channel, DbError> {
    conn.transaction::<_, DbError, _>(async |conn| {
        let waits = shop_waits(conn, scope).await?;
        Ok(diesel::insert_into(channels::table)
            .values((
                channels::tenant_id.eq(scope.tenant_id()),
                channels::kind.eq(kind),
                channels::name.eq(name),
                channels::credentials.eq(credentials),
                channels::enabled.eq(!waits),
                channels::awaiting_verification.eq(waits),
            ))
            .returning(Channel::as_returning())
            .get_result(conn)
            .await?)
    })
    .await
}

/// The shopper channel of `kind` that reads through a marketplace account, created on first use;
/// on, or held off while the shop waits for its owner's address (`waits`).
async fn ensure_for_account(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account_id: AccountId,
    kind: ChannelKind,
    name: &str,
    waits: bool,
) -> Result<Channel, DbError> {
    diesel::insert_into(channels::table)
        .values((
            channels::tenant_id.eq(scope.tenant_id()),
            channels::kind.eq(kind),
            channels::name.eq(name),
            channels::account_id.eq(account_id),
            channels::enabled.eq(!waits),
            channels::awaiting_verification.eq(waits),
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
    .set((
        channels::enabled.eq(!waits),
        channels::awaiting_verification.eq(waits),
    ))
    .returning(Channel::as_returning())
    .get_result(conn)
    .await?)
}

/// Opens the account's shopper channels but those it cannot serve (`unavailable`: a missing
/// subscription), which stay or become closed (idempotent). While the shop waits for its owner's
/// address, the channels it could serve are held off instead of opened.
pub async fn open_for_account(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account_id: AccountId,
    marketplace: Marketplace,
    unavailable: &[ChannelKind],
) -> Result<Vec<Channel>, DbError> {
    conn.transaction::<_, DbError, _>(async |conn| {
        let waits = shop_waits(conn, scope).await?;
        let mut opened = Vec::new();
        for (kind, name) in marketplace.shopper_channels() {
            if unavailable.contains(kind) {
                diesel::update(
                    channels::table
                        .filter(channels::tenant_id.eq(scope.tenant_id()))
                        .filter(channels::account_id.eq(account_id))
                        .filter(channels::kind.eq(kind)),
                )
                .set((
                    channels::enabled.eq(false),
                    channels::awaiting_verification.eq(false),
                ))
                .execute(conn)
                .await?;
                continue;
            }
            let channel = ensure_for_account(conn, scope, account_id, *kind, name, waits).await?;
            if channel.enabled {
                opened.push(channel);
            }
        }
        Ok(opened)
    })
    .await
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
    .set((
        channels::enabled.eq(false),
        channels::awaiting_verification.eq(false),
    ))
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

/// Switches a channel off: its webhooks are refused and nothing is sent through it. A channel
/// held off for the owner's address stays off when the address is confirmed.
pub async fn switch_off(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: ChannelId,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        channels::table
            .filter(channels::tenant_id.eq(scope.tenant_id()))
            .filter(channels::id.eq(id)),
    )
    .set((
        channels::enabled.eq(false),
        channels::awaiting_verification.eq(false),
    ))
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
