//! Billing end to end: the fake Stripe, signed webhooks through the ingress, the billing pool
//! applying them, billing runs reporting AI replies as meter events, and the assistant obeying
//! the tenant's standing. Real PostgreSQL and Redis.

use std::time::Duration;

use otklik_billing::accounts::{Billing, merchant};
use otklik_db::billing;
use otklik_tests::stripe::{self, FakePrice, FakeStripe};
use otklik_workers::Context;
use secrecy::ExposeSecret;
use serde_json::Value;

use crate::assistant::{say, shop_with};
use crate::support::{Options, TestApp};

const METER: &str = "otklik_ai_replies";

struct Billed {
    app: TestApp,
    fake: FakeStripe,
    ctx: Context,
    db: otklik_db::DbPool,
    /// The merchant's side, as the admin API reaches the database.
    shop_db: otklik_db::TenantPool,
    billing: Billing,
}

async fn billed_shop(grace_days: u32) -> Billed {
    let fake = FakeStripe::start().await.expect("fake Stripe");
    let catalog = otklik_billing::Catalog::builtin().expect("built-in plans");
    for plan in catalog.plans() {
        let currency = plan.monthly_price.currency.as_str();
        let flat = i64::try_from(plan.monthly_price.minor).expect("price fits");
        fake.add_price(FakePrice::flat(&plan.stripe.flat, flat, currency));
        fake.add_price(FakePrice::metered(&plan.stripe.metered, currency, METER));
    }
    let app = shop_with(Options {
        env: vec![
            ("OTKLIK_STRIPE_API_BASE", fake.url()),
            ("OTKLIK_STRIPE_SECRET_KEY", stripe::SECRET_KEY.into()),
            (
                "OTKLIK_STRIPE_WEBHOOK_SECRETS",
                format!("whsec_old_rotated,{}", stripe::WEBHOOK_SECRET),
            ),
            ("OTKLIK_BILLING_GRACE_DAYS", grace_days.to_string()),
        ],
        ..Options::default()
    })
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
    Billed {
        app,
        fake,
        ctx,
        db,
        shop_db,
        billing,
    }
}

async fn deliver(app: &TestApp, body: &[u8], signature: &str) -> reqwest::StatusCode {
    app.http
        .post(format!("{}/hooks/stripe", app.base))
        .header("Stripe-Signature", signature)
        .header("Content-Type", "application/json")
        .body(body.to_vec())
        .send()
        .await
        .expect("webhook")
        .status()
}

async fn send_event(app: &TestApp, event: &Value) {
    let (body, signature) = stripe::signed_delivery(event, stripe::WEBHOOK_SECRET);
    assert_eq!(
        deliver(app, &body, &signature).await,
        reqwest::StatusCode::OK
    );
}

async fn state(app: &TestApp) -> String {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        state: String,
    }
    use diesel_async::RunQueryDsl;
    diesel::sql_query(format!(
        "SELECT state FROM billing_accounts WHERE tenant_id = {}",
        app.tenant.tenant_id()
    ))
    .get_result::<Row>(&mut app.db().await)
    .await
    .map(|row| row.state)
    .unwrap_or_default()
}

async fn wait_for_state(app: &TestApp, expected: &str) {
    let reached = app
        .eventually(Duration::from_secs(15), expected.to_owned(), || state(app))
        .await;
    assert_eq!(reached, expected, "billing state");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tenant_subscribes_pays_falls_behind_and_is_restored() {
    let Billed {
        app,
        fake,
        ctx,
        db,
        shop_db,
        billing,
    } = billed_shop(0).await;
    let scope = app.tenant;
    let mut conn = db.get().await.expect("a connection");

    // The trial: the assistant answers, and the billing account opens on its own.
    let reply = say(&app, 1, "Здравствуйте! Где мой заказ 1456789012?").await;
    assert!(reply.starts_with("Заказ 1456789012"), "{reply}");
    assert_eq!(state(&app).await, "trialing");

    // The merchant subscribes through Stripe Checkout; the completed session converts the trial.
    let link = merchant::checkout(
        &shop_db,
        &billing,
        scope,
        "business",
        "upgrade-1",
        "https://otklik.example/ok",
        "https://otklik.example/no",
    )
    .await
    .expect("checkout link");
    assert!(link.url.starts_with("https://"), "{}", link.url);
    let session = fake
        .complete_checkout(&link.id)
        .expect("checkout completes");
    send_event(&app, &stripe::checkout_session_completed(&session)).await;
    wait_for_state(&app, "active").await;
    let subscription = session["subscription"]
        .as_str()
        .expect("subscription id")
        .to_owned();
    let customer = session["customer"]
        .as_str()
        .expect("customer id")
        .to_owned();

    // Replies become metered usage exactly once, however often a run repeats.
    say(&app, 2, "А где заказ 1456789013?").await;
    let first = otklik_workers::billing::run(&ctx, "t1")
        .await
        .expect("billing run");
    assert!(first.ran && first.reports == 1, "{first:?}");
    assert_eq!(first.replies, 2, "both AI replies are billed");
    assert_eq!(fake.meter_total(&customer), 2);
    let again = otklik_workers::billing::run(&ctx, "t1")
        .await
        .expect("same tick");
    assert!(!again.ran, "a finished tick does not run twice");
    let next = otklik_workers::billing::run(&ctx, "t2")
        .await
        .expect("next tick");
    assert_eq!((next.ran, next.reports), (true, 0), "nothing new to report");
    assert_eq!(fake.meter_total(&customer), 2);

    // A failed payment: past due, then suspended once the grace period (0 days here) is over.
    let failed = fake.create_invoice(&subscription, false).expect("invoice");
    let failed_event = stripe::invoice_payment_failed(&failed);
    send_event(&app, &failed_event).await;
    wait_for_state(&app, "past_due").await;
    otklik_workers::billing::run(&ctx, "t3").await.expect("run");
    assert_eq!(state(&app).await, "suspended");

    // Suspended: the shopper's message is kept and waits for people; the bot says nothing.
    app.shopper_writes(3, 5001, 3, "Здравствуйте, есть кто?")
        .await;
    let handed = app
        .eventually(Duration::from_secs(15), 1, || {
            app.count("SELECT count(*) AS n FROM conversations WHERE handoff_reason = 'billing_suspended'")
        })
        .await;
    assert_eq!(handed, 1, "the conversation waits for an operator");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM messages WHERE direction = 'inbound'")
            .await,
        3
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM messages WHERE direction = 'outbound'")
            .await,
        2
    );

    // Paid: active again. The old failure delivered again and late changes nothing, nor does
    // the paid invoice's event delivered twice.
    let paid = fake.create_invoice(&subscription, true).expect("invoice");
    let paid_event = stripe::invoice_paid(&paid);
    send_event(&app, &paid_event).await;
    wait_for_state(&app, "active").await;
    send_event(&app, &paid_event).await;
    send_event(&app, &failed_event).await;
    let late = stripe::invoice_payment_failed(&failed);
    send_event(&app, &late).await;
    let applied = app
        .eventually(Duration::from_secs(15), 4, || {
            app.count("SELECT count(*) AS n FROM billing_events WHERE applied_at IS NOT NULL")
        })
        .await;
    assert_eq!(
        applied, 4,
        "checkout, failure, paid, late failure: each applied once"
    );
    assert_eq!(state(&app).await, "active");

    let unknown = merchant::change_plan(&shop_db, &billing, scope, "platinum", "op-1").await;
    assert!(
        matches!(
            unknown,
            Err(otklik_workers::billing::BillingError::Invalid(_))
        ),
        "{unknown:?}"
    );
    let moved = merchant::change_plan(&shop_db, &billing, scope, "pro", "upgrade-2")
        .await
        .expect("plan change");
    assert_eq!((moved.plan.as_str(), moved.included), ("pro", 12_000));
    let moved_back = merchant::change_plan(&shop_db, &billing, scope, "business", "downgrade-3")
        .await
        .expect("plan change");
    assert_eq!(moved_back.state, otklik_schema::AccountState::Active);

    let overview = merchant::overview(&mut conn, &billing, scope)
        .await
        .expect("overview");
    assert_eq!(
        (overview.plan.as_str(), overview.included),
        ("business", 5000)
    );
    let invoices = merchant::invoices(&shop_db, &billing, scope)
        .await
        .expect("invoices");
    assert_eq!(invoices.len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_and_stale_webhooks_are_refused_and_change_nothing() {
    let Billed { app, fake, .. } = billed_shop(7).await;
    let event = stripe::event(
        "invoice.paid",
        serde_json::json!({"id": "in_1", "object": "invoice"}),
        None,
    );
    let body = event.to_string().into_bytes();
    let now = chrono::Utc::now().timestamp();
    let forged = stripe::sign_webhook(&body, "whsec_someone_else", now);
    let stale = stripe::sign_webhook(&body, stripe::WEBHOOK_SECRET, now - 301);
    for signature in [forged.as_str(), stale.as_str(), "t=1,v1=00", ""] {
        assert_eq!(
            deliver(&app, &body, signature).await,
            reqwest::StatusCode::BAD_REQUEST,
            "{signature}"
        );
    }
    let unsigned = app
        .http
        .post(format!("{}/hooks/stripe", app.base))
        .body(body.clone())
        .send()
        .await
        .expect("post");
    assert_eq!(unsigned.status(), reqwest::StatusCode::BAD_REQUEST);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        app.count("SELECT count(*) AS n FROM billing_events").await,
        0
    );
    assert!(fake.requests().is_empty(), "nothing was asked of Stripe");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_merchant_reply_cap_hands_the_shop_to_operators() {
    let app = shop_with(Options::default()).await;
    say(&app, 1, "Где мой заказ 1456789012?").await;
    let mut conn = app.db().await;
    billing::set_reply_cap(&mut conn, app.tenant, Some(1))
        .await
        .expect("cap");
    let reply = say(&app, 2, "А заказ 1456789013?").await;
    assert!(reply.contains("сотрудник"), "operators take over: {reply}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM conversations WHERE handoff_reason = 'reply_cap'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_merchant_billing_endpoints() {
    use crate::admin_auth::{call, get, post, shop, token};
    use reqwest::{Method, StatusCode};
    let Billed { app, fake, .. } = billed_shop(7).await;
    let (_, owner) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("platny", "owner@platny.example"),
    )
    .await;
    let admin = token(&owner, "access_token");
    let (status, overview) = get(&app, "/api/v1/billing", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{overview}");
    assert_eq!(
        (
            overview["state"].as_str(),
            overview["included_replies"].as_u64()
        ),
        (Some("trialing"), Some(300))
    );

    // Return pages are on the installation's own origin (OTKLIK_PUBLIC_URL).
    let own = |path: &str| format!("{}{path}", app.base);
    let request = serde_json::json!({"plan": "pro", "success_url": own("/app/#/billing?ok"), "cancel_url": own("/app/#/billing")});
    let (status, link) = post(
        &app,
        "/api/v1/billing/checkout",
        Some(&admin),
        request.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{link}");
    assert!(
        link["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://")),
        "{link}"
    );
    assert_eq!(fake.customers().len(), 1, "the customer was created once");
    let session = fake
        .complete_checkout(link["id"].as_str().expect("session id"))
        .expect("paid");
    send_event(&app, &stripe::checkout_session_completed(&session)).await;
    let tenant_id = owner["user"]["tenant_id"].as_i64().expect("tenant");
    let paying = format!(
        "SELECT count(*) AS n FROM billing_accounts
          WHERE tenant_id = {tenant_id} AND state = 'active' AND plan_code = 'pro'"
    );
    let active = app
        .eventually(Duration::from_secs(15), 1, || app.count(&paying))
        .await;
    assert_eq!(
        active, 1,
        "the checkout made the shop a paying Pro customer"
    );
    let (_, overview) = get(&app, "/api/v1/billing", Some(&admin)).await;
    assert_eq!(overview["included_replies"], 12_000);

    let mut bad = request.clone();
    bad["plan"] = serde_json::json!("platinum");
    let (status, error) = post(&app, "/api/v1/billing/checkout", Some(&admin), bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let mut bad = request.clone();
    bad["success_url"] = serde_json::json!("javascript:alert(1)");
    let (status, _) = post(&app, "/api/v1/billing/checkout", Some(&admin), bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // Nor may a link made here send the merchant to someone else's site afterwards.
    for elsewhere in [
        "https://evil.example/ok",
        "http://127.0.0.1:9999/ok",
        "https://127.0.0.1:8080/ok",
    ] {
        let mut bad = request.clone();
        bad["cancel_url"] = serde_json::json!(elsewhere);
        let (status, error) = post(&app, "/api/v1/billing/checkout", Some(&admin), bad).await;
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{elsewhere}: {error}"
        );
        assert_eq!(
            error["error"]["fields"][0]["code"], "not_own_origin",
            "{error}"
        );
    }

    let (status, capped) = call(
        &app,
        Method::PUT,
        "/api/v1/billing/reply-cap",
        Some(&admin),
        Some(serde_json::json!({"reply_cap": 100})),
    )
    .await;
    assert_eq!(
        (status, capped["reply_cap"].as_i64()),
        (StatusCode::OK, Some(100))
    );
    let (status, _) = call(
        &app,
        Method::PUT,
        "/api/v1/billing/reply-cap",
        Some(&admin),
        Some(serde_json::json!({"reply_cap": -1})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, portal) = post(
        &app,
        "/api/v1/billing/portal",
        Some(&admin),
        serde_json::json!({"return_url": own("/app/#/billing")}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{portal}");
    let (status, _) = post(
        &app,
        "/api/v1/billing/portal",
        Some(&admin),
        serde_json::json!({"return_url": "https://shop.example/billing"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the portal returns only here"
    );
    let (status, invoices) = get(&app, "/api/v1/billing/invoices", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{invoices}");

    // Only admins see or change billing.
    let mut conn = app.db().await;
    use diesel_async::RunQueryDsl;
    diesel::sql_query(format!(
        "INSERT INTO users (tenant_id, email, role, password_hash)
         SELECT tenant_id, 'op@platny.example', 'operator', password_hash FROM users WHERE tenant_id = {tenant_id}"
    ))
    .execute(&mut conn)
    .await
    .expect("operator");
    let (_, operator) = post(
        &app,
        "/api/v1/auth/login",
        None,
        serde_json::json!({"email": "op@platny.example", "password": "correct horse battery"}),
    )
    .await;
    let (status, _) = get(
        &app,
        "/api/v1/billing",
        Some(&token(&operator, "access_token")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Records `replies` AI replies as already used by the shop in its current period.
async fn replies_used(app: &TestApp, replies: i64) {
    use diesel_async::RunQueryDsl;
    diesel::sql_query(
        "INSERT INTO usage_events (tenant_id, kind, quantity, idempotency_key)
         VALUES ($1, 'ai_reply', $2, 'test-used-replies')",
    )
    .bind::<diesel::sql_types::BigInt, _>(app.tenant.tenant_id())
    .bind::<diesel::sql_types::BigInt, _>(replies)
    .execute(&mut app.db().await)
    .await
    .expect("usage");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_billing_off_a_trial_past_its_reply_cap_keeps_answering() {
    // No Stripe key: nothing could ever end the trial, so its cap does not apply.
    let app = shop_with(Options::default()).await;
    say(&app, 1, "Где мой заказ 1456789012?").await;
    assert_eq!(state(&app).await, "trialing");
    let cap = otklik_billing::Catalog::builtin()
        .expect("built-in plans")
        .trial()
        .reply_cap;
    replies_used(&app, i64::try_from(cap).expect("cap fits") + 50).await;

    let reply = say(&app, 2, "А заказ 1456789013?").await;
    assert!(
        !reply.contains("сотрудник"),
        "the assistant answers: {reply}"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM conversations WHERE handoff_reason IS NOT NULL")
            .await,
        0
    );

    // A cap the merchant set still applies.
    billing::set_reply_cap(&mut app.db().await, app.tenant, Some(10))
        .await
        .expect("cap");
    let reply = say(&app, 3, "А заказ 1456789014?").await;
    assert!(reply.contains("сотрудник"), "operators take over: {reply}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM conversations WHERE handoff_reason = 'reply_cap'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_billing_on_the_trial_reply_cap_hands_the_shop_to_operators() {
    let Billed { app, .. } = billed_shop(7).await;
    say(&app, 1, "Где мой заказ 1456789012?").await;
    assert_eq!(state(&app).await, "trialing");
    let cap = otklik_billing::Catalog::builtin()
        .expect("built-in plans")
        .trial()
        .reply_cap;
    replies_used(&app, i64::try_from(cap).expect("cap fits")).await;

    let reply = say(&app, 2, "А заказ 1456789013?").await;
    assert!(reply.contains("сотрудник"), "operators take over: {reply}");
    assert_eq!(
        app.count(
            "SELECT count(*) AS n FROM conversations WHERE handoff_reason = 'trial_reply_cap'"
        )
        .await,
        1
    );
}

/// The reply count a cap is checked against comes from hourly counters kept by a trigger, and
/// the events themselves only at a period's partial edge hours: whatever the edges, it is the
/// sum of the events.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_period_s_usage_read_from_the_counters_is_what_the_events_say() {
    use chrono::{Duration as Span, TimeZone, Utc};
    use diesel_async::RunQueryDsl;
    let app = TestApp::start().await;
    let mut conn = app.db().await;
    let tenant = app.tenant.tenant_id();
    let base = Utc
        .with_ymd_and_hms(2026, 11, 3, 9, 0, 0)
        .single()
        .expect("a time");
    // Three statements over 60 hours, every 7 minutes, overlapping in hours and slots, plus
    // handoffs that are not replies.
    for (round, kind) in [(0, "ai_reply"), (1, "ai_reply"), (2, "handoff")] {
        diesel::sql_query(
            "INSERT INTO usage_events (tenant_id, kind, quantity, conversation_id,
                                       idempotency_key, occurred_at)
             SELECT $1, $2, 1 + n % 3, NULL, $2 || '-' || $3 || '-' || n,
                    $4 + n * interval '7 minutes' + $3 * interval '3 minutes'
             FROM generate_series(0, 513) AS n",
        )
        .bind::<diesel::sql_types::BigInt, _>(tenant)
        .bind::<diesel::sql_types::Text, _>(kind)
        .bind::<diesel::sql_types::Integer, _>(round)
        .bind::<diesel::sql_types::Timestamptz, _>(base)
        .execute(&mut conn)
        .await
        .expect("usage");
    }
    let counters = app.count("SELECT count(*) AS n FROM usage_counters").await;
    assert!(
        counters > 0 && counters <= 3 * 61,
        "hourly rows: {counters}"
    );

    let truth = |from: chrono::DateTime<Utc>, until: Option<chrono::DateTime<Utc>>| {
        let until = until.map_or_else(
            || "'infinity'".to_owned(),
            |u| format!("'{}'", u.to_rfc3339()),
        );
        format!(
            "SELECT coalesce(sum(quantity), 0)::int8 AS n FROM usage_events
             WHERE kind = 'ai_reply' AND occurred_at >= '{}' AND occurred_at < {until}",
            from.to_rfc3339()
        )
    };
    let edges = [
        base - Span::hours(1),
        base,
        base + Span::minutes(1),
        base + Span::minutes(59),
        base + Span::hours(5) + Span::minutes(21),
        base + Span::hours(30),
        base + Span::hours(59) + Span::seconds(1),
        base + Span::hours(80),
    ];
    for from in edges {
        let counted = billing::replies_since(&mut conn, app.tenant, from)
            .await
            .expect("since");
        assert_eq!(counted, app.count(&truth(from, None)).await, "since {from}");
        for until in edges.iter().copied().filter(|until| *until >= from) {
            let counted = billing::replies_between(&mut conn, app.tenant, from, until)
                .await
                .expect("between");
            assert_eq!(
                counted,
                app.count(&truth(from, Some(until))).await,
                "between {from} and {until}"
            );
        }
    }
    assert!(
        billing::replies_since(&mut conn, app.tenant, base)
            .await
            .expect("since")
            > 0
    );
}
