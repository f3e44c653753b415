//! Roubles through ЮKassa end to end: the fake ЮKassa, notifications through the ingress
//! checked by reading the payment back, the billing run's autopayments with 54-FZ receipts,
//! declines through past due and suspension back to active, and refunds that never exceed
//! what was paid. Real PostgreSQL and Redis.

use std::time::Duration;

use diesel_async::RunQueryDsl;
use otklik_billing::accounts::{Billing, merchant, roubles};
use otklik_tests::yookassa::{self, FakeYooKassa};
use otklik_workers::Context;
use otklik_workers::billing::BillingError;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

use crate::assistant::shop_with;
use crate::support::{Options, TestApp};

struct Roubles {
    app: TestApp,
    fake: FakeYooKassa,
    ctx: Context,
    db: otklik_db::DbPool,
    shop_db: otklik_db::TenantPool,
    billing: Billing,
}

/// A shop on an installation with only ЮKassa set up (so it pays in roubles), with an
/// administrator whose e-mail gets the receipts.
async fn rouble_shop(grace_days: u32) -> Roubles {
    let fake = FakeYooKassa::start().await.expect("fake ЮKassa");
    let app = shop_with(Options {
        env: vec![
            ("OTKLIK_YOOKASSA_API_BASE", fake.url()),
            ("OTKLIK_YOOKASSA_SHOP_ID", yookassa::SHOP_ID.into()),
            ("OTKLIK_YOOKASSA_SECRET_KEY", yookassa::SECRET_KEY.into()),
            ("OTKLIK_BILLING_GRACE_DAYS", grace_days.to_string()),
        ],
        ..Options::default()
    })
    .await;
    exec(
        &app,
        &format!(
            "INSERT INTO users (tenant_id, email, display_name, role)
             VALUES ({}, 'owner@magazin.example', 'Ирина', 'admin')",
            app.tenant.tenant_id()
        ),
    )
    .await;
    let ctx = Context::connect(app.config.clone())
        .await
        .expect("worker context");
    let billing = Billing::from_config(&app.config).expect("billing setup");
    let db = otklik_db::build_pool(
        app.config.database_url.expose_secret(),
        4,
        Duration::from_secs(5),
    )
    .expect("pool");
    let shop_db = otklik_db::TenantPool::build(
        app.config.tenant_database_url().expose_secret(),
        2,
        Duration::from_secs(5),
    )
    .expect("tenant pool");
    Roubles {
        app,
        fake,
        ctx,
        db,
        shop_db,
        billing,
    }
}

async fn exec(app: &TestApp, sql: &str) {
    diesel::sql_query(sql)
        .execute(&mut app.db().await)
        .await
        .unwrap_or_else(|err| panic!("{sql}: {err}"));
}

async fn text(app: &TestApp, sql: &str) -> String {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        value: Option<String>,
    }
    diesel::sql_query(sql)
        .get_result::<Row>(&mut app.db().await)
        .await
        .ok()
        .and_then(|row| row.value)
        .unwrap_or_default()
}

async fn account(app: &TestApp, column: &str) -> String {
    text(
        app,
        &format!(
            "SELECT {column}::text AS value FROM billing_accounts WHERE tenant_id = {}",
            app.tenant.tenant_id()
        ),
    )
    .await
}

async fn currency(app: &TestApp, tenant: i64) -> String {
    text(
        app,
        &format!("SELECT currency AS value FROM billing_accounts WHERE tenant_id = {tenant}"),
    )
    .await
}

async fn notify(app: &TestApp, body: &Value) -> reqwest::StatusCode {
    app.http
        .post(format!("{}/hooks/yookassa", app.base))
        .header("Content-Type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .expect("notification")
        .status()
}

/// Waits until the fake has been asked for `path` `times` times (the worker read it back).
async fn read_back(app: &TestApp, fake: &FakeYooKassa, path: &str, times: usize) {
    let seen = app
        .eventually(Duration::from_secs(15), times, || async {
            fake.requests()
                .iter()
                .filter(|r| r.method == "GET" && r.path == path)
                .count()
        })
        .await;
    assert_eq!(seen, times, "reads of {path}");
    // The worker applies after reading; give it the moment.
    tokio::time::sleep(Duration::from_millis(300)).await;
}

async fn wait_for(app: &TestApp, column: &str, expected: &str) {
    let reached = app
        .eventually(Duration::from_secs(15), expected.to_owned(), || {
            account(app, column)
        })
        .await;
    assert_eq!(reached, expected, "billing_accounts.{column}");
}

async fn checkout(r: &Roubles, operation: &str) -> otklik_billing::HostedLink {
    merchant::checkout(
        &r.shop_db,
        &r.billing,
        r.app.tenant,
        "business",
        operation,
        "https://otklik.example/app/billing",
        "https://otklik.example/app/billing",
    )
    .await
    .expect("checkout link")
}

/// Moves the paid period's end into the past: a month has gone by.
async fn month_passes(app: &TestApp) {
    exec(
        app,
        &format!(
            "UPDATE billing_accounts SET period_start = now() - interval '1 month',
                    period_end = now() - interval '1 minute'
              WHERE tenant_id = {}",
            app.tenant.tenant_id()
        ),
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rouble_tenant_pays_renews_falls_behind_and_is_restored() {
    let r = rouble_shop(7).await;
    let (app, fake) = (&r.app, &r.fake);

    // "Оплатить", twice (a double click) and once more with the first click's key: one payment.
    let link = checkout(&r, "click-1").await;
    assert!(
        link.url.contains("/checkout/"),
        "ЮKassa's page: {}",
        link.url
    );
    assert_eq!(checkout(&r, "click-2").await, link);
    assert_eq!(checkout(&r, "click-1").await, link);
    let created = fake.created("/v3/payments");
    assert_eq!(created.len(), 1, "one payment at ЮKassa");
    let first = &created[0].body;
    assert_eq!(
        first["amount"],
        json!({"value": "39900.00", "currency": "RUB"})
    );
    assert_eq!(first["save_payment_method"], json!(true));
    assert_eq!(first["confirmation"]["type"], "redirect");
    assert_eq!(
        first["receipt"]["customer"]["email"],
        "owner@magazin.example"
    );
    assert_eq!(account(app, "state").await, "trialing");
    assert_eq!(account(app, "currency").await, "RUB");

    // A forged "succeeded" while the payer is still on the 3-D Secure page changes nothing:
    // the payment read back is pending.
    let pending = fake.payment(&link.id).expect("payment");
    assert_eq!(pending["status"], "pending");
    let mut forged = pending.clone();
    forged["status"] = json!("succeeded");
    forged["paid"] = json!(true);
    let path = format!("/v3/payments/{}", link.id);
    let reads_before = fake.requests().iter().filter(|r| r.path == path).count();
    assert_eq!(
        notify(app, &yookassa::notification("payment.succeeded", &forged)).await,
        reqwest::StatusCode::OK
    );
    read_back(app, fake, &path, reads_before + 1).await;
    assert_eq!(account(app, "state").await, "trialing");
    assert_eq!(account(app, "payment_method").await, "");

    // The payer pays: the notification, read back, makes the tenant active with a saved card.
    let paid = fake.pay(&link.id).expect("paid");
    notify(app, &yookassa::notification("payment.succeeded", &paid)).await;
    wait_for(app, "state", "active").await;
    assert_eq!(account(app, "payment_method").await, link.id);
    assert_eq!(account(app, "plan_code").await, "business");
    let period_end = account(app, "period_end").await;

    // The same notification again: applied once, the period is not extended twice.
    let reads = fake.requests().iter().filter(|r| r.path == path).count();
    notify(app, &yookassa::notification("payment.succeeded", &paid)).await;
    // A final payment is not read again: the replay costs nothing and changes nothing.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        fake.requests().iter().filter(|r| r.path == path).count(),
        reads
    );
    assert_eq!(account(app, "period_end").await, period_end);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM payments WHERE applied_at IS NOT NULL")
            .await,
        1
    );

    // A month later the billing run charges the saved card: the month ahead plus the replies
    // beyond the plan's 5000 in the month that ended, with a receipt for both.
    month_passes(app).await;
    exec(
        app,
        &format!(
            "INSERT INTO usage_events (tenant_id, kind, quantity, idempotency_key, occurred_at)
             VALUES ({}, 'ai_reply', 5003, 'bulk-1', now() - interval '10 days')",
            app.tenant.tenant_id()
        ),
    )
    .await;
    let run = otklik_workers::billing::run(&r.ctx, "rub-1")
        .await
        .expect("run");
    assert!(run.ran);
    let created = fake.created("/v3/payments");
    assert_eq!(created.len(), 2, "one autopayment");
    let renewal = &created[1].body;
    assert_eq!(renewal["payment_method_id"], json!(link.id));
    assert!(
        renewal.get("confirmation").is_none(),
        "no payer to redirect"
    );
    assert_eq!(
        renewal["amount"],
        json!({"value": "39915.00", "currency": "RUB"})
    );
    assert_eq!(
        renewal["receipt"]["customer"]["email"],
        "owner@magazin.example"
    );
    let items = renewal["receipt"]["items"].as_array().expect("items");
    assert_eq!(items.len(), 2, "{items:?}");
    assert_eq!(
        items[0]["amount"],
        json!({"value": "39900.00", "currency": "RUB"})
    );
    assert_eq!(items[0]["quantity"], 1);
    assert_eq!(items[0]["payment_mode"], "full_prepayment");
    assert_eq!(
        items[1]["amount"],
        json!({"value": "5.00", "currency": "RUB"})
    );
    assert_eq!(items[1]["quantity"], 3);
    assert_eq!(items[1]["payment_mode"], "full_payment");
    for item in items {
        assert_eq!(item["vat_code"], 1);
        assert_eq!(item["payment_subject"], "service");
        assert!(
            item["description"]
                .as_str()
                .is_some_and(|d| d.contains("Бизнес") || d.contains("Business"))
        );
    }
    assert_eq!(account(app, "state").await, "active");
    assert_ne!(
        account(app, "period_end").await,
        period_end,
        "the next month is paid"
    );
    // Another run in the same month charges nothing.
    otklik_workers::billing::run(&r.ctx, "rub-2")
        .await
        .expect("run");
    assert_eq!(fake.created("/v3/payments").len(), 2);

    // The next month the bank declines: past due (7 days' grace), no retry before a day.
    month_passes(app).await;
    fake.decline_next_autopayment("insufficient_funds");
    otklik_workers::billing::run(&r.ctx, "rub-3")
        .await
        .expect("run");
    assert_eq!(account(app, "state").await, "past_due");
    assert_eq!(
        text(
            app,
            "SELECT decline_reason AS value FROM payments ORDER BY id DESC LIMIT 1"
        )
        .await,
        "payment_network:insufficient_funds"
    );
    otklik_workers::billing::run(&r.ctx, "rub-4")
        .await
        .expect("run");
    assert_eq!(
        fake.created("/v3/payments").len(),
        3,
        "no retry within a day"
    );

    // Eight days on, the retry is declined too: the grace period is over, suspended.
    let age = |days: u32| {
        format!(
            "UPDATE payments SET created_at = now() - interval '{days} days' WHERE tenant_id = {0};
             UPDATE billing_accounts SET past_due_since = now() - interval '{days} days' WHERE tenant_id = {0}",
            app.tenant.tenant_id()
        )
    };
    for sql in age(8).split(';') {
        exec(app, sql).await;
    }
    fake.decline_next_autopayment("insufficient_funds");
    otklik_workers::billing::run(&r.ctx, "rub-5")
        .await
        .expect("run");
    assert_eq!(fake.created("/v3/payments").len(), 4, "retried after a day");
    assert_eq!(account(app, "state").await, "suspended");

    // The card is topped up: the next retry goes through and the tenant is active again.
    for sql in age(9).split(';') {
        exec(app, sql).await;
    }
    otklik_workers::billing::run(&r.ctx, "rub-6")
        .await
        .expect("run");
    assert_eq!(fake.created("/v3/payments").len(), 5);
    assert_eq!(account(app, "state").await, "active");
    assert_eq!(account(app, "past_due_since").await, "");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM payments WHERE purpose = 'renewal' AND attempt = 3 AND status = 'succeeded'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_declined_first_payment_changes_nothing_and_refunds_never_exceed_what_was_paid() {
    let r = rouble_shop(7).await;
    let (app, fake) = (&r.app, &r.fake);

    // 3-D Secure fails on ЮKassa's page: the tenant stays on its trial.
    let failed = checkout(&r, "try-1").await;
    let canceled = fake
        .decline(&failed.id, "3d_secure_failed")
        .expect("declined");
    notify(app, &yookassa::notification("payment.canceled", &canceled)).await;
    let path = format!("/v3/payments/{}", failed.id);
    read_back(app, fake, &path, 1).await;
    assert_eq!(account(app, "state").await, "trialing");
    assert_eq!(
        text(
            app,
            "SELECT status AS value FROM payments ORDER BY id LIMIT 1"
        )
        .await,
        "canceled"
    );

    // The next click is a new payment; it goes through.
    let link = checkout(&r, "try-2").await;
    assert_ne!(link.id, failed.id);
    let paid = fake.pay(&link.id).expect("paid");
    notify(app, &yookassa::notification("payment.succeeded", &paid)).await;
    wait_for(app, "state", "active").await;
    let payment: i64 = app
        .count("SELECT max(id) AS n FROM payments WHERE status = 'succeeded'")
        .await;
    let scope = app.tenant;

    let part = roubles::refund(&r.db, &r.billing, scope, payment, 1_000_000, "refund-1")
        .await
        .expect("a partial refund");
    assert_eq!(part.status, "succeeded");
    // A retry of the same request is the same refund.
    let again = roubles::refund(&r.db, &r.billing, scope, payment, 1_000_000, "refund-1")
        .await
        .expect("the same refund");
    assert_eq!(again.id, part.id);
    // 29 900.01 ₽ is a kopeck more than is left.
    let over = roubles::refund(&r.db, &r.billing, scope, payment, 2_990_001, "refund-2").await;
    assert!(
        matches!(over, Err(BillingError::RefundRefused(_))),
        "{over:?}"
    );
    roubles::refund(&r.db, &r.billing, scope, payment, 2_990_000, "refund-3")
        .await
        .expect("the rest");
    let more = roubles::refund(&r.db, &r.billing, scope, payment, 1, "refund-4").await;
    assert!(
        matches!(more, Err(BillingError::RefundRefused(_))),
        "{more:?}"
    );
    assert_eq!(fake.refunds().len(), 2, "two refunds reached ЮKassa");
    for refund in fake.created("/v3/refunds") {
        assert_eq!(
            refund.body["receipt"]["customer"]["email"],
            "owner@magazin.example"
        );
        assert_eq!(
            refund.body["receipt"]["items"][0]["amount"],
            refund.body["amount"]
        );
    }
    assert_eq!(
        app.count(&format!(
            "SELECT refunded AS n FROM payments WHERE id = {payment}"
        ))
        .await,
        3_990_000
    );

    // ЮKassa's refund.succeeded, read back, agrees.
    let refund = fake.refunds().remove(0);
    notify(app, &yookassa::notification("refund.succeeded", &refund)).await;
    let refund_path = format!("/v3/refunds/{}", refund["id"].as_str().expect("id"));
    read_back(app, fake, &refund_path, 1).await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM refunds WHERE status = 'succeeded'")
            .await,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_and_unknown_notifications_are_refused_or_ignored() {
    let r = rouble_shop(7).await;
    let (app, fake) = (&r.app, &r.fake);
    for bad in [
        "not json".to_owned(),
        json!({"type": "payment", "event": "payment.succeeded", "object": {"id": "a"}}).to_string(),
        json!({"type": "notification", "event": "payout.succeeded", "object": {"id": "a"}})
            .to_string(),
        json!({"type": "notification", "event": "payment.succeeded", "object": {"id": "../x"}})
            .to_string(),
        json!({"type": "notification", "event": "payment.succeeded", "object": {}}).to_string(),
        json!({"type": "notification", "event": "payment.succeeded"}).to_string(),
    ] {
        let status = app
            .http
            .post(format!("{}/hooks/yookassa", app.base))
            .body(bad.clone())
            .send()
            .await
            .expect("post")
            .status();
        assert_eq!(status, reqwest::StatusCode::BAD_REQUEST, "{bad}");
    }
    // Well-formed, but about a payment that is not ours: nothing is asked of ЮKassa.
    let stranger = json!({"id": "2f3bffff-000f-5000-8000-00000000ffff", "status": "succeeded",
        "amount": {"value": "1.00", "currency": "RUB"}});
    assert_eq!(
        notify(app, &yookassa::notification("payment.succeeded", &stranger)).await,
        reqwest::StatusCode::OK
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    assert_eq!(account(app, "state").await, "");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_country_at_sign_up_chooses_roubles_or_dollars() {
    use crate::admin_auth::{call, post, shop, token};
    use reqwest::StatusCode;
    let r = rouble_shop(7).await;
    let app = &r.app;
    let sign_up = |slug: &'static str, country: Option<&'static str>| async move {
        let mut body = shop(slug, &format!("owner@{slug}.example"));
        if let Some(country) = country {
            body["country"] = json!(country);
        }
        post(app, "/api/v1/auth/signup", None, body).await
    };

    let (status, refused) = sign_up("sever-rus", Some("RUS")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (status, abroad) = sign_up("sever-de", Some("DE")).await;
    assert_eq!(status, StatusCode::CREATED, "{abroad}");
    let abroad_tenant = abroad["user"]["tenant_id"].as_i64().expect("tenant");
    assert_eq!(currency(app, abroad_tenant).await, "USD");
    let (_, unnamed) = sign_up("sever-none", None).await;
    let unnamed_tenant = unnamed["user"]["tenant_id"].as_i64().expect("tenant");
    assert_eq!(
        currency(app, unnamed_tenant).await,
        "RUB",
        "only ЮKassa is set up here"
    );
    let (status, russian) = sign_up("sever-ru", Some("ru")).await;
    assert_eq!(status, StatusCode::CREATED, "{russian}");
    let russian_tenant = russian["user"]["tenant_id"].as_i64().expect("tenant");
    assert_eq!(currency(app, russian_tenant).await, "RUB");

    // The rouble shop's "Оплатить" opens ЮKassa's page; the dollar shop has no provider here.
    let own = |path: &str| format!("{}{path}", app.base);
    let request = json!({"plan": "pro", "success_url": own("/app/#/billing?ok"), "cancel_url": own("/app/#/billing")});
    let admin = token(&russian, "access_token");
    let (status, link) = call(
        app,
        reqwest::Method::POST,
        "/api/v1/billing/checkout",
        Some(&admin),
        Some(request.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{link}");
    assert!(
        link["url"]
            .as_str()
            .is_some_and(|u| u.contains("/checkout/")),
        "{link}"
    );
    let sent = r.fake.created("/v3/payments");
    assert_eq!(sent.len(), 1);
    assert_eq!(
        sent[0].body["amount"],
        json!({"value": "59900.00", "currency": "RUB"})
    );
    assert_eq!(
        sent[0].body["receipt"]["customer"]["email"],
        "owner@sever-ru.example"
    );
    let dollars = token(&abroad, "access_token");
    let (status, refused) = call(
        app,
        reqwest::Method::POST,
        "/api/v1/billing/checkout",
        Some(&dollars),
        Some(request),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_limits_hold_for_channels_and_seats() {
    use crate::admin_auth::{post, shop, token};
    use reqwest::StatusCode;
    let r = rouble_shop(7).await;
    let app = &r.app;
    let (_, owner) = post(
        app,
        "/api/v1/auth/signup",
        None,
        shop("limity", "owner@limity.example"),
    )
    .await;
    let admin = token(&owner, "access_token");

    // The trial has Business's limits: 5 channels.
    for n in 1..=5 {
        let (status, body) = post(
            app,
            "/api/v1/channels/webchat",
            Some(&admin),
            json!({"name": format!("Чат {n}")}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, refused) = post(
        app,
        "/api/v1/channels/webchat",
        Some(&admin),
        json!({"name": "Чат 6"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    let message = refused.to_string();
    assert!(
        message.contains("не больше 5 каналов") && message.contains("«Pro»"),
        "{message}"
    );

    // 5 seats: the owner and four invited operators; a viewer takes no seat.
    for n in 1..=4 {
        let (status, body) = post(
            app,
            "/api/v1/invitations",
            Some(&admin),
            json!({"email": format!("op{n}@limity.example"), "role": "operator"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, refused) = post(
        app,
        "/api/v1/invitations",
        Some(&admin),
        json!({"email": "op5@limity.example", "role": "operator"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert!(
        refused.to_string().contains("не больше 5 сотрудников"),
        "{refused}"
    );
    let (status, body) = post(
        app,
        "/api/v1/invitations",
        Some(&admin),
        json!({"email": "viewer@limity.example", "role": "viewer"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM channels WHERE name = 'Чат 6'")
            .await,
        0,
        "nothing was created"
    );
}
