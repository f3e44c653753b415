//! The demo tenant: what `scripts/demo` seeds so a person can try the product at once — a web
//! chat, a Wildberries and an Ozon account, products and a knowledge base. With the marketplace
//! sandboxes running, the accounts point at them and the orders come from a real sync; without
//! them, a few orders are written directly. The conversation tests seed the same shop, so the
//! demo shows what the tests check.

pub mod messengers;
mod shop;

pub use shop::{Shop, ShopError};

use otklik_db::sealed::{Sealed, Vault};
use otklik_db::{AsyncPgConnection, DbError, TenantScope, accounts, channels, tenants, users};
use otklik_schema::{AccountId, ChannelId, ChannelKind, Marketplace};
use serde::Deserialize;
use serde_json::json;

pub const DEMO_SLUG: &str = "demo";
/// The demo shop's admin, for the dashboard: a demo login, not a secret.
pub const DEMO_ADMIN: (&str, &str) = ("demo@otklik.local", "otklik-demo-2026");
/// argon2id of the demo password (m=19456, t=2, p=1), so seeding needs no hashing code.
const DEMO_ADMIN_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$0BtAVfJkGNRbZMAWceOnTA$D43fknoIqkBtvDmddjyq5PfZDuNxQvN+MuWiHWqPf5Q";

/// The line the sandbox binary prints: where its marketplaces are and the demo seller's keys.
#[derive(Debug, Clone, Deserialize)]
pub struct Sandbox {
    pub wb: WbSandbox,
    pub ozon: OzonSandbox,
}

#[derive(Debug, Clone, Deserialize)]
pub struct WbSandbox {
    pub token: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OzonSandbox {
    pub client_id: String,
    pub api_key: String,
}

/// What was seeded: the web chat, and the marketplace accounts to sync.
#[derive(Debug, Clone)]
pub struct Seeded {
    pub scope: TenantScope,
    pub channel: ChannelId,
    pub accounts: Vec<AccountId>,
}

/// Creates the demo tenant and its web-chat channel unless they exist and fills its shop. With
/// a sandbox, its accounts get the sandbox's credentials (fresh on every sandbox start), sealed
/// by the vault.
pub async fn seed(
    conn: &mut AsyncPgConnection,
    sandbox: Option<(&Sandbox, &Vault)>,
) -> Result<Seeded, DbError> {
    let scope = match tenants::find_by_slug(conn, DEMO_SLUG).await? {
        Some(scope) => scope,
        None => tenants::create(conn, "Демо-магазин", DEMO_SLUG).await?,
    };
    tenants::set_operator_only(conn, scope, false).await?;
    users::ensure_admin(
        conn,
        scope,
        DEMO_ADMIN.0,
        "Демо-администратор",
        DEMO_ADMIN_HASH,
    )
    .await?;
    let accounts = fill_shop(conn, scope, sandbox).await?;
    let existing = channels::list_by_kind(conn, scope, ChannelKind::Webchat).await?;
    let channel = match existing.first() {
        Some(channel) => channel.id,
        None => {
            channels::create(
                conn,
                scope,
                ChannelKind::Webchat,
                "Чат на сайте",
                &Sealed::none(),
            )
            .await?
            .id
        }
    };
    Ok(Seeded {
        scope,
        channel,
        accounts,
    })
}

/// Fills a tenant's shop once: accounts, products, orders and approved articles.
pub async fn seed_shop(conn: &mut AsyncPgConnection, scope: TenantScope) -> Result<(), DbError> {
    fill_shop(conn, scope, None).await.map(drop)
}

/// The shop, once; with a sandbox, without orders (a sync brings them) and with the sandbox's
/// credentials on the accounts, which are updated on later calls.
async fn fill_shop(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    sandbox: Option<(&Sandbox, &Vault)>,
) -> Result<Vec<AccountId>, DbError> {
    let (wb_credentials, ozon_credentials) = sandbox.map_or_else(
        || (Sealed::none(), Sealed::none()),
        |(s, vault)| {
            (
                vault.seal(&json!({"token": s.wb.token})),
                vault.seal(&json!({"client_id": s.ozon.client_id, "api_key": s.ozon.api_key})),
            )
        },
    );
    if let Some(wb) = accounts::first(conn, scope, Marketplace::Wb).await? {
        let mut ids = vec![wb];
        accounts::set_credentials(conn, scope, wb, &wb_credentials).await?;
        if let Some(ozon) = accounts::first(conn, scope, Marketplace::Ozon).await? {
            accounts::set_credentials(conn, scope, ozon, &ozon_credentials).await?;
            ids.push(ozon);
        }
        if sandbox.is_some() {
            open_shopper_channels(conn, scope, &ids).await?;
        }
        return Ok(ids);
    }
    let wb = accounts::create(conn, scope, Marketplace::Wb, "Wildberries", &wb_credentials).await?;
    let ozon = accounts::create(conn, scope, Marketplace::Ozon, "Ozon", &ozon_credentials).await?;
    let shop = Shop::demo();
    let account = |marketplace| match marketplace {
        Marketplace::Wb => wb,
        Marketplace::Ozon => ozon,
    };
    shop.store(conn, scope, account, sandbox.is_none()).await?;
    let ids = vec![wb, ozon];
    if sandbox.is_some() {
        open_shopper_channels(conn, scope, &ids).await?;
    }
    Ok(ids)
}

/// The marketplaces' own chats and questions, read from the sandbox like from WB and Ozon.
async fn open_shopper_channels(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    ids: &[AccountId],
) -> Result<(), DbError> {
    for id in ids {
        if let Some(account) = accounts::get(conn, scope, *id).await? {
            channels::open_for_account(conn, scope, account.id, account.marketplace, &[]).await?;
        }
    }
    Ok(())
}
