//! The demo tenant: what `scripts/demo` seeds so a person can try the product at once — a web
//! chat, a Wildberries and an Ozon account, products and a knowledge base. With the marketplace
//! sandboxes running, the accounts point at them and the orders come from a real sync; without
//! them, a few orders are written directly. The conversation tests seed the same shop, so the
//! demo shows what the tests check.

use chrono::{Duration, Utc};
use otklik_db::catalogue::{self, SyncedOrder, SyncedProduct};
use otklik_db::{
    AsyncPgConnection, DbError, TenantScope, accounts, channels, knowledge, tenants, users,
};
use otklik_schema::{AccountId, ChannelId, ChannelKind, Marketplace};
use serde::Deserialize;
use serde_json::json;

pub mod messengers;

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
/// a sandbox, its accounts get the sandbox's credentials (fresh on every sandbox start).
pub async fn seed(
    conn: &mut AsyncPgConnection,
    sandbox: Option<&Sandbox>,
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
            channels::create(conn, scope, ChannelKind::Webchat, "Чат на сайте", json!({}))
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

const ARTICLES: [(&str, &str, &str); 5] = [
    (
        "Возврат товара",
        "Возврат",
        "Вернуть товар надлежащего качества можно в течение 21 дня после получения: оформите возврат в приложении в разделе «Покупки» и отнесите товар в пункт выдачи. Бирки и упаковку лучше сохранить.\n\nТовар с браком можно вернуть в течение гарантийного срока — приложите фото дефекта к заявке.",
    ),
    (
        "Обмен на другой размер",
        "Возврат",
        "Прямого обмена на маркетплейсах нет: оформите возврат товара, который не подошёл, и закажите нужный размер отдельно. Деньги за возврат придут автоматически.",
    ),
    (
        "Сроки возврата денег",
        "Возврат",
        "Деньги за возврат приходят на карту, которой оплачивали заказ, в течение 10 дней после того, как пункт выдачи примет товар. Баллы и скидки по промокоду возвращаются вместе с деньгами.",
    ),
    (
        "Скидки и промокоды",
        "Акции",
        "Промокоды магазина мы публикуем в карточках товаров и в рассылке маркетплейса. Сейчас действует скидка 10% на вторую вещь в заказе. Два промокода в одном заказе не суммируются.",
    ),
    (
        "Отмена заказа",
        "Заказы",
        "Заказ можно отменить в приложении, пока он не передан в доставку: откройте заказ и нажмите «Отменить». Если заказ уже в пути, просто откажитесь от него при получении — деньги вернутся автоматически.",
    ),
];

/// Fills a tenant's shop once: accounts, products, orders and approved articles.
pub async fn seed_shop(conn: &mut AsyncPgConnection, scope: TenantScope) -> Result<(), DbError> {
    fill_shop(conn, scope, None).await.map(drop)
}

/// The shop, once; with a sandbox, without orders (a sync brings them) and with the sandbox's
/// credentials on the accounts, which are updated on later calls.
async fn fill_shop(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    sandbox: Option<&Sandbox>,
) -> Result<Vec<AccountId>, DbError> {
    let (wb_credentials, ozon_credentials) = sandbox.map_or_else(
        || (json!({}), json!({})),
        |s| {
            (
                json!({"token": s.wb.token}),
                json!({"client_id": s.ozon.client_id, "api_key": s.ozon.api_key}),
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
    let now = Utc::now();
    let date = |days: i64| (now + Duration::days(days)).format("%Y-%m-%d").to_string();

    let product = |external_id: &str, vendor_code: &str, title: &str, brand: &str| SyncedProduct {
        external_id: external_id.into(),
        vendor_code: vendor_code.into(),
        title: title.into(),
        brand: brand.into(),
        price_minor: None,
        currency: "RUB".into(),
        stock: None,
        attributes: json!({}),
    };
    catalogue::upsert_products(
        conn,
        scope,
        wb,
        &[SyncedProduct {
            price_minor: Some(899_000),
            stock: Some(7),
            attributes: json!({
                "characteristics": {
                    "Материал верха": "полиэстер с водоотталкивающей пропиткой",
                    "Утеплитель": "натуральный пух 80%, перо 20%",
                    "Температурный режим": "до −25 °C",
                    "Длина": "до середины бедра, 95 см",
                    "Капюшон": "съёмный, с отделкой из искусственного меха"
                },
                "sizes": [
                    {"size": "S", "stock": 2}, {"size": "M", "stock": 5},
                    {"size": "L", "stock": 0}, {"size": "XL", "stock": 0}
                ],
                "size_chart": [
                    {"size": "S", "ru": "42-44", "height": "158-166", "chest": "82-88"},
                    {"size": "M", "ru": "46-48", "height": "164-172", "chest": "89-96"},
                    {"size": "L", "ru": "50", "height": "168-176", "chest": "97-102"},
                    {"size": "XL", "ru": "52", "height": "170-180", "chest": "103-108"}
                ]
            }),
            ..product("139204857", "PUH-01", "Пуховик женский удлинённый", "Север")
        }],
    )
    .await?;
    catalogue::upsert_products(
        conn,
        scope,
        ozon,
        &[SyncedProduct {
            price_minor: Some(249_000),
            stock: Some(0),
            attributes: json!({
                "characteristics": {"Материал верха": "текстиль", "Подошва": "резина", "Стелька": "съёмная"},
                "sizes": [{"size": "28", "stock": 0}, {"size": "30", "stock": 0}]
            }),
            ..product("51928374", "KED-22", "Кеды детские на липучках", "Шаг")
        }],
    )
    .await?;

    let orders = [
        (
            wb,
            "1456789012",
            "complete",
            Some("ready_for_pickup"),
            json!({"pickup_point": "Москва, ул. Профсоюзная, 12", "storage_until": date(5)}),
        ),
        (
            wb,
            "1456789013",
            "confirm",
            Some("waiting"),
            json!({"delivery_date": date(3)}),
        ),
        (
            wb,
            "1456789014",
            "complete",
            Some("sorted"),
            json!({"delivery_date": date(2)}),
        ),
        (
            ozon,
            "12345678-0012-1",
            "delivering",
            Some("posting_on_way_to_pickup_point"),
            json!({"delivery_date": date(1)}),
        ),
        (
            ozon,
            "12345678-0013-1",
            "awaiting_packaging",
            None,
            json!({"delivery_date": date(4)}),
        ),
    ];
    for (account_id, external_id, status, substatus, details) in
        orders.into_iter().filter(|_| sandbox.is_none())
    {
        let order = SyncedOrder {
            external_id: external_id.into(),
            status: status.into(),
            substatus: substatus.map(Into::into),
            items: json!([{"article": "139204857", "quantity": 1}]),
            total_minor: Some(899_000),
            currency: "RUB".into(),
            details,
            placed_at: Some(now - Duration::days(4)),
            changed_at: now - Duration::hours(6),
            settled: false,
        };
        catalogue::upsert_orders(conn, scope, account_id, &[order]).await?;
    }
    for (title, category, body) in ARTICLES {
        knowledge::create_article(conn, scope, title, category, body, true).await?;
    }
    knowledge::create_article(
        conn,
        scope,
        "Черновик: возврат без чека",
        "Возврат",
        "Черновик, ещё не утверждён: возврат без чека невозможен.",
        false,
    )
    .await?;
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
            channels::open_for_account(conn, scope, account.id, account.marketplace).await?;
        }
    }
    Ok(())
}
