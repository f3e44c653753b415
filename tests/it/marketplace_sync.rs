//! Marketplace syncs against the WB and Ozon sandboxes: the production clients, limiter and
//! sync recipes, real PostgreSQL and Redis.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel_async::RunQueryDsl;
use otklik_sandbox::{OzonOptions, OzonSandbox, Seller, SellerSpec, WbOptions, WbSandbox};
use otklik_schema::{AccountId, Marketplace, SyncKind};
use otklik_workers::Context;
use otklik_workers::sync::{Progress, Silent, SyncError};
use serde_json::json;

use crate::assistant::say;
use crate::support::{Options, TestApp};

pub(crate) struct Shop {
    pub(crate) app: TestApp,
    pub(crate) ctx: Context,
    pub(crate) wb: WbSandbox,
    pub(crate) ozon: OzonSandbox,
}

pub(crate) fn spec(orders: usize) -> SellerSpec {
    SellerSpec {
        seed: 7,
        products: 150,
        orders,
        history_days: 80,
    }
}

/// A tenant whose WB and Ozon sandboxes serve `seller`; the workers run only when the
/// assistant is part of the test.
pub(crate) async fn shop(seller: Seller, wb: WbOptions, ozon: OzonOptions, workers: bool) -> Shop {
    let wb = WbSandbox::start(seller.clone(), wb)
        .await
        .expect("WB sandbox");
    let ozon = OzonSandbox::start(seller, ozon)
        .await
        .expect("Ozon sandbox");
    let app = TestApp::with(Options {
        workers,
        operator_only: false,
        env: vec![
            ("OTKLIK_WB_BASE_URL", wb.base_url()),
            ("OTKLIK_OZON_BASE_URL", ozon.base_url()),
            ("OTKLIK_MARKETPLACE_BACKOFF_MS", "20".into()),
            ("OTKLIK_MARKETPLACE_MAX_ATTEMPTS", "4".into()),
        ],
        ..Options::default()
    })
    .await;
    let ctx = Context::connect(app.config.clone())
        .await
        .expect("worker context");
    Shop { app, ctx, wb, ozon }
}

/// A shop whose sandboxes serve a generated seller with `orders` orders and answer as WB and
/// Ozon do by default.
pub(crate) async fn default_shop(orders: usize, workers: bool) -> Shop {
    shop(
        Seller::generate(spec(orders)),
        WbOptions::default(),
        OzonOptions::default(),
        workers,
    )
    .await
}

impl Shop {
    pub(crate) async fn connect(&self, marketplace: Marketplace) -> AccountId {
        let credentials = match marketplace {
            Marketplace::Wb => json!({"token": self.wb.token()}),
            Marketplace::Ozon => {
                json!({"client_id": self.ozon.client_id(), "api_key": self.ozon.api_key()})
            }
        };
        let (report, account) = self
            .ctx
            .connect_account("test-shop", marketplace, "Магазин", &credentials)
            .await
            .expect("connect");
        account.unwrap_or_else(|| panic!("refused: {report:?}"))
    }

    pub(crate) async fn sync(
        &self,
        account: AccountId,
        kind: SyncKind,
    ) -> Result<otklik_workers::sync::Summary, SyncError> {
        self.ctx.sync_account(account, kind, &Silent).await
    }

    async fn stored_orders(
        &self,
        account: AccountId,
    ) -> BTreeSet<(String, String, Option<String>)> {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            external_id: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            status: String,
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            substatus: Option<String>,
        }
        diesel::sql_query(format!(
            "SELECT external_id, status, substatus FROM orders WHERE account_id = {account}"
        ))
        .load::<Row>(&mut self.app.db().await)
        .await
        .expect("orders")
        .into_iter()
        .map(|r| (r.external_id, r.status, r.substatus))
        .collect()
    }

    /// The account's stored orders and products are exactly what the sandbox serves.
    async fn assert_mirrors(
        &self,
        account: AccountId,
        orders: Vec<otklik_sandbox::SandboxOrder>,
        products: Vec<otklik_sandbox::SandboxProduct>,
    ) {
        assert_eq!(self.stored_orders(account).await, served_orders(orders));
        assert_eq!(
            self.stored_products(account).await,
            served_products(products)
        );
    }

    async fn stored_products(&self, account: AccountId) -> BTreeSet<(String, String, String, i64)> {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            external_id: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            vendor_code: String,
            #[diesel(sql_type = diesel::sql_types::Text)]
            title: String,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            stock: i64,
        }
        diesel::sql_query(format!(
            "SELECT external_id, vendor_code, title, coalesce(stock, -1)::int8 AS stock FROM products WHERE account_id = {account}"
        ))
        .load::<Row>(&mut self.app.db().await)
        .await
        .expect("products")
        .into_iter()
        .map(|r| (r.external_id, r.vendor_code, r.title, r.stock))
        .collect()
    }
}

fn served_orders(
    orders: Vec<otklik_sandbox::SandboxOrder>,
) -> BTreeSet<(String, String, Option<String>)> {
    orders
        .into_iter()
        .map(|o| (o.external_id, o.status, o.substatus))
        .collect()
}

fn served_products(
    products: Vec<otklik_sandbox::SandboxProduct>,
) -> BTreeSet<(String, String, String, i64)> {
    products
        .into_iter()
        .map(|p| {
            (
                p.external_id,
                p.vendor_code,
                p.title,
                i64::try_from(p.stock_total).unwrap_or(i64::MAX),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wb_full_then_incremental_sync_store_what_wb_serves() {
    let options = WbOptions {
        rate_scale: 60.0,
        ..WbOptions::default()
    };
    let shop = shop(
        Seller::generate(spec(2500)),
        options,
        OzonOptions::default(),
        false,
    )
    .await;
    let account = shop.connect(Marketplace::Wb).await;

    let full = shop.sync(account, SyncKind::Full).await.expect("full sync");
    shop.assert_mirrors(account, shop.wb.orders(), shop.wb.products())
        .await;
    assert_eq!(
        full.details["consistency"]["mismatched"],
        json!([]),
        "{}",
        full.details
    );
    assert!(full.details["consistency"]["sample"].as_u64() > Some(0));

    // Orders move on, new ones arrive, and one status WB has never documented appears.
    let moved = shop.wb.advance(40);
    shop.wb.add_orders(5);
    let odd = moved[0].clone();
    assert!(shop.wb.set_status(&odd, "teleported", Some("beamed_up")));
    let incremental = shop
        .sync(account, SyncKind::Incremental)
        .await
        .expect("incremental sync");
    assert_eq!(
        shop.stored_orders(account).await,
        served_orders(shop.wb.orders())
    );
    assert!(incremental.rows >= 40, "rows written: {}", incremental.rows);
    assert_eq!(
        shop.app
            .count(&format!(
                "SELECT count(*) AS n FROM order_status_history h JOIN orders o ON o.id = h.order_id
                  WHERE o.account_id = {account} AND o.external_id = '{odd}' AND h.status = 'teleported'"
            ))
            .await,
        1,
        "the unknown status is kept, with its history"
    );
    assert_eq!(
        shop.wb.limited(),
        0,
        "the sandbox's limiter never had to refuse us"
    );
    assert_eq!(
        shop.app
            .count(&format!("SELECT count(*) AS n FROM sync_runs WHERE account_id = {account} AND status = 'succeeded'"))
            .await,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ozon_full_then_incremental_sync_store_what_ozon_serves() {
    let shop = default_shop(1500, false).await;
    let account = shop.connect(Marketplace::Ozon).await;

    let full = shop.sync(account, SyncKind::Full).await.expect("full sync");
    shop.assert_mirrors(account, shop.ozon.orders(), shop.ozon.products())
        .await;
    assert_eq!(
        full.details["consistency"]["mismatched"],
        json!([]),
        "{}",
        full.details
    );

    shop.ozon.advance(30);
    shop.ozon.add_orders(4);
    shop.sync(account, SyncKind::Incremental)
        .await
        .expect("incremental sync");
    assert_eq!(
        shop.stored_orders(account).await,
        served_orders(shop.ozon.orders())
    );
    assert_eq!(shop.ozon.limited(), 0);
}

/// Injects a lasting outage of the FBS posting list once `after` pages of it are stored.
struct OutageAfter<'a> {
    sandbox: &'a OzonSandbox,
    after: usize,
    pages: AtomicUsize,
}

impl Progress for OutageAfter<'_> {
    fn page(&self, resource: &str, _: usize) {
        if resource == "ozon_fbs" && self.pages.fetch_add(1, Ordering::SeqCst) + 1 == self.after {
            self.sandbox
                .faults()
                .fail_next("/v4/posting/fbs/list", 500, 1000);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_full_sync_resumes_after_its_last_stored_page_and_429s_are_waited_out() {
    let shop = default_shop(1500, false).await;
    let account = shop.connect(Marketplace::Ozon).await;
    let outage = OutageAfter {
        sandbox: &shop.ozon,
        after: 3,
        pages: AtomicUsize::new(0),
    };

    let failed = shop
        .ctx
        .sync_account(account, SyncKind::Full, &outage)
        .await;
    assert!(
        matches!(failed, Err(SyncError::Marketplace(_))),
        "{failed:?}"
    );
    let stored_before = shop
        .app
        .count(&format!(
            "SELECT count(*) AS n FROM orders WHERE account_id = {account}"
        ))
        .await;
    assert!(
        stored_before >= 300,
        "three pages stay stored: {stored_before}"
    );
    assert_eq!(
        shop.app
            .count(&format!(
                "SELECT count(*) AS n FROM marketplace_accounts WHERE id = {account}
                  AND sync_status = 'failing' AND last_error LIKE '%/v4/posting/fbs/list%'"
            ))
            .await,
        1,
        "the account says what failed"
    );

    shop.ozon.faults().clear();
    // The marketplace throttles the next calls; they are waited out, not failed.
    shop.ozon.faults().fail_next("/v4/posting/fbs/list", 429, 2);
    let before = shop.ozon.traffic().requests("/v4/posting/fbs/list");
    shop.sync(account, SyncKind::Full)
        .await
        .expect("the resumed sync");
    let resumed = shop.ozon.traffic().requests("/v4/posting/fbs/list") - before;
    let fbs_pages = shop
        .ozon
        .orders()
        .iter()
        .filter(|o| o.fulfilment == "fbs")
        .count()
        .div_ceil(100) as u64;
    assert!(
        resumed < fbs_pages + 2,
        "{resumed} requests for {fbs_pages} pages: it started over"
    );
    assert_eq!(
        shop.stored_orders(account).await,
        served_orders(shop.ozon.orders())
    );
    assert_eq!(
        shop.app
            .count(&format!("SELECT count(*) AS n FROM marketplace_accounts WHERE id = {account} AND sync_status = 'idle' AND last_error IS NULL"))
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_token_fails_its_account_only_and_keeps_its_data() {
    let options = WbOptions {
        rate_scale: 60.0,
        ..WbOptions::default()
    };
    let shop = shop(
        Seller::generate(spec(600)),
        options,
        OzonOptions::default(),
        false,
    )
    .await;
    let wb = shop.connect(Marketplace::Wb).await;
    let ozon = shop.connect(Marketplace::Ozon).await;
    shop.sync(wb, SyncKind::Full).await.expect("first sync");
    let stored = shop
        .app
        .count(&format!(
            "SELECT count(*) AS n FROM orders WHERE account_id = {wb}"
        ))
        .await;

    // The seller revokes the token: WB now answers 401 to it.
    let revoked = otklik_sandbox::wb_token(
        &[1, 4, 5, 7, 9, 11],
        false,
        4,
        chrono::Utc::now() + chrono::Duration::days(30),
    );
    let vault = otklik_db::sealed::Vault::new(&shop.app.config.master_keys());
    diesel::sql_query(format!(
        "UPDATE marketplace_accounts SET credentials = $1 WHERE id = {wb}"
    ))
    .bind::<diesel::sql_types::Jsonb, _>(vault.seal(&json!({"token": revoked})))
    .execute(&mut shop.app.db().await)
    .await
    .expect("swap the token");
    let failed = shop.sync(wb, SyncKind::Incremental).await;
    assert!(
        matches!(&failed, Err(SyncError::Marketplace(err)) if err.needs_seller()),
        "{failed:?}"
    );
    assert_eq!(
        shop.app
            .count(&format!(
                "SELECT count(*) AS n FROM orders WHERE account_id = {wb}"
            ))
            .await,
        stored
    );
    assert_eq!(
        shop.app
            .count(&format!("SELECT count(*) AS n FROM marketplace_accounts WHERE id = {wb} AND sync_status = 'failing' AND last_error LIKE '%401%'"))
            .await,
        1
    );
    // The streak's start, for the failing-sync alert: kept by the next failure.
    let since = format!(
        "SELECT coalesce(extract(epoch FROM failing_since)::bigint, 0) AS n
           FROM marketplace_accounts WHERE id = {wb}"
    );
    let started = shop.app.count(&since).await;
    assert!(started > 0, "a failure starts a streak");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert!(shop.sync(wb, SyncKind::Incremental).await.is_err());
    assert_eq!(shop.app.count(&since).await, started, "the same streak");
    shop.app
        .count(&format!(
            "UPDATE marketplace_accounts SET failing_since = now() WHERE id = {ozon}
             RETURNING 1::bigint AS n"
        ))
        .await;
    shop.sync(ozon, SyncKind::Incremental)
        .await
        .expect("the other account syncs");
    assert_eq!(
        shop.app
            .count(&format!(
                "SELECT count(*) AS n FROM marketplace_accounts
                  WHERE id = {ozon} AND failing_since IS NULL"
            ))
            .await,
        1,
        "a success ends the streak"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_queued_before_a_disconnect_fetches_nothing() {
    let shop = default_shop(50, false).await;
    let wb = shop.connect(Marketplace::Wb).await;
    let disconnected =
        otklik_db::accounts::disconnect(&mut shop.app.db().await, shop.app.tenant, wb)
            .await
            .expect("disconnect");
    assert!(disconnected);

    let refused = shop.sync(wb, SyncKind::Full).await;
    assert!(
        matches!(refused, Err(SyncError::NotConnected(account)) if account == wb),
        "{refused:?}"
    );
    let runs = format!("SELECT count(*) AS n FROM sync_runs WHERE account_id = {wb}");
    assert_eq!(shop.app.count(&runs).await, 0, "no run was started");
    let orders = format!("SELECT count(*) AS n FROM orders WHERE account_id = {wb}");
    assert_eq!(shop.app.count(&orders).await, 0, "nothing was fetched");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_checks_the_credentials_and_says_what_is_missing() {
    let shop = default_shop(50, false).await;
    let read_only = otklik_sandbox::wb_token(
        &[1, 4, 5, 7, 11],
        true,
        4,
        chrono::Utc::now() + chrono::Duration::days(90),
    );
    let (report, account) = shop
        .ctx
        .connect_account(
            "test-shop",
            Marketplace::Wb,
            "WB",
            &json!({"token": read_only}),
        )
        .await
        .expect("checked");
    assert_eq!(account, None);
    assert_eq!(report.problems.len(), 2, "{report:?}");
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("«Чат с покупателями»"))
    );

    let (report, account) = shop
        .ctx
        .connect_account(
            "test-shop",
            Marketplace::Ozon,
            "Ozon",
            &json!({"client_id": shop.ozon.client_id(), "api_key": "wrong"}),
        )
        .await
        .expect("checked");
    assert_eq!(account, None);
    assert!(
        report.problems[0].starts_with("Ozon не принял ключ"),
        "{report:?}"
    );
    assert_eq!(
        shop.app
            .count("SELECT count(*) AS n FROM marketplace_accounts")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_assistant_answers_from_synced_orders() {
    let options = WbOptions {
        rate_scale: 60.0,
        ..WbOptions::default()
    };
    let shop = shop(Seller::demo(), options, OzonOptions::default(), true).await;
    let account = shop.connect(Marketplace::Wb).await;
    shop.sync(account, SyncKind::Full).await.expect("sync");
    let reply = say(&shop.app, 1, "Здравствуйте! Где мой заказ 1456789012?").await;
    assert!(
        reply.starts_with("Заказ 1456789012 уже ждёт вас в пункте выдачи"),
        "{reply}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postings_in_retired_shapes_are_read_the_same() {
    let legacy = OzonOptions {
        legacy_shapes: true,
        ..OzonOptions::default()
    };
    // One page of each list: the retired shapes paged by offset, which we do not send.
    let shop = shop(
        Seller::generate(spec(90)),
        WbOptions::default(),
        legacy,
        false,
    )
    .await;
    let account = shop.connect(Marketplace::Ozon).await;
    shop.sync(account, SyncKind::Full).await.expect("full sync");
    shop.assert_mirrors(account, shop.ozon.orders(), shop.ozon.products())
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduler_replicas_enqueue_each_sync_once() {
    use secrecy::ExposeSecret;

    let shop = default_shop(10, false).await;
    shop.connect(Marketplace::Wb).await;
    shop.connect(Marketplace::Ozon).await;
    let config = &shop.app.config;
    let db = otklik_db::build_pool(
        config.database_url.expose_secret(),
        2,
        std::time::Duration::from_secs(5),
    )
    .expect("pool");
    let redis = otklik_jobs::connect(config.redis_url.expose_secret())
        .await
        .expect("redis");
    let queues = otklik_jobs::Queues::new(redis, &shop.app.queue_settings());
    // Two replicas see the same tick; a later tick is a new occasion.
    for tick in [1_800_000_000, 1_800_000_000, 1_800_000_900] {
        let due = otklik_workers::sync::enqueue(&db, &queues, SyncKind::Incremental, tick)
            .await
            .expect("enqueue");
        assert_eq!(due, 2);
    }
    assert_eq!(shop.app.jobs_in(otklik_jobs::Queue::Syncs).await, 4);
}

/// A tz name whose local time is around noon now, so quiet hours never hold a test's news.
pub(crate) fn noon_zone() -> String {
    use chrono::Timelike;
    let offset = 12 - chrono::Utc::now().hour() as i32;
    // `Etc/GMT-3` is three hours ahead of UTC.
    match offset {
        0 => "Etc/GMT".to_owned(),
        o if o > 0 => format!("Etc/GMT-{o}"),
        o => format!("Etc/GMT+{}", -o),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_hears_once_when_their_order_reaches_the_pickup_point() {
    let options = WbOptions {
        rate_scale: 60.0,
        ..WbOptions::default()
    };
    let shop = shop(Seller::demo(), options, OzonOptions::default(), true).await;
    diesel::sql_query(format!(
        "UPDATE tenants SET timezone = '{}' WHERE id = {}",
        noon_zone(),
        shop.app.tenant.tenant_id()
    ))
    .execute(&mut shop.app.db().await)
    .await
    .expect("time zone");
    let account = shop.connect(Marketplace::Wb).await;
    shop.sync(account, SyncKind::Full).await.expect("sync");

    // The order is being assembled; the shopper names what is in it, which proves it theirs.
    let proven = say(
        &shop.app,
        1,
        "Заказ 1456789013, пуховик женский. Где он сейчас?",
    )
    .await;
    assert!(proven.contains("1456789013"), "{proven}");
    // Another shopper only named the order: they are told nothing unasked.
    shop.app
        .shopper_writes(2, 5002, 2, "Где заказ 1456789013?")
        .await;
    shop.app.expect_replies(2).await;

    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert!(
        shop.wb
            .set_status("1456789013", "complete", Some("ready_for_pickup"))
    );
    shop.sync(account, SyncKind::Incremental)
        .await
        .expect("sync");
    let sent = shop.app.expect_replies(3).await;
    let news = crate::assistant::text(&sent[2]);
    assert_eq!(sent[2].body["chat_id"], 5001, "the owner is told: {news}");
    assert!(
        news.starts_with("Новости по вашему заказу.")
            && news.contains("1456789013 уже ждёт вас в пункте выдачи"),
        "{news}"
    );

    // The same stage again, and a sync that repeats it, tell nobody anything new.
    shop.sync(account, SyncKind::Incremental)
        .await
        .expect("sync");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert!(shop.wb.set_status("1456789013", "receive", Some("sold")));
    shop.sync(account, SyncKind::Incremental)
        .await
        .expect("sync");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(shop.app.telegram.sent().len(), 3, "received is not news");

    // «Не пишите мне» is honoured.
    let stopped = say(&shop.app, 4, "Не пишите мне больше сами, пожалуйста").await;
    assert!(stopped.contains("не буду писать"), "{stopped}");
    let before: i64 = shop.app.telegram.sent().len() as i64;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert!(shop.wb.set_status("1456789013", "cancel", Some("canceled")));
    shop.sync(account, SyncKind::Incremental)
        .await
        .expect("sync");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(
        shop.app.telegram.sent().len() as i64,
        before,
        "the shopper opted out"
    );
}
