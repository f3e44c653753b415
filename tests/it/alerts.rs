//! E-mail alerts to a shop's people, swept by the notify pool and mailed to a fake SMTP server:
//! once per waiting shopper even when the sweep runs twice, only in working hours, never to
//! someone who switched the alert off or to another shop's people, with an unsubscribe link a
//! forged token cannot imitate; a failing marketplace sync alerts admins once per streak.

use chrono::{DateTime, FixedOffset, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin_auth::{call, get, sign_up, token};
use crate::support::{Options, TestApp, redis_url};
use otklik_tests::smtp::{FakeSmtp, Mail};

const WAITING: &str = "ждёт ответа сотрудника";

/// Moscow wall-clock time on 1 December 2026 (UTC+3, no daylight saving).
fn moscow(hour: u32, minute: u32) -> DateTime<Utc> {
    FixedOffset::east_opt(3 * 3600)
        .expect("UTC+3")
        .with_ymd_and_hms(2026, 12, 1, hour, minute, 0)
        .single()
        .expect("a Moscow time")
        .with_timezone(&Utc)
}

async fn app_with_mail() -> (TestApp, FakeSmtp) {
    let smtp = FakeSmtp::start().await.expect("fake SMTP");
    let app = TestApp::with(Options {
        env: vec![("OTKLIK_SMTP_URL", smtp.url())],
        ..Options::default()
    })
    .await;
    (app, smtp)
}

/// Signs a shop up and waits for the mail confirming the owner's address, then forgets it:
/// the tests count alerts only.
async fn sign_up_mailed(app: &TestApp, smtp: &FakeSmtp, slug: &str, email: &str) -> Value {
    let before = notifications_done(app).await;
    let session = sign_up(app, slug, email).await;
    let done = app
        .eventually(std::time::Duration::from_secs(15), before + 1, || {
            notifications_done(app)
        })
        .await;
    assert_eq!(done, before + 1, "the confirmation mail went");
    assert!(
        smtp.mail().iter().any(|mail| mail.to == [email]),
        "{:?}",
        smtp.mail()
    );
    smtp.clear();
    session
}

/// How many notify jobs are done so far.
async fn notifications_done(app: &TestApp) -> i64 {
    let done_set = app
        .queue_settings()
        .config(otklik_jobs::Queue::Notifications)
        .done_jobs_set();
    let mut redis = otklik_jobs::connect(&redis_url()).await.expect("redis");
    redis::cmd("SCARD")
        .arg(&done_set)
        .query_async::<i64>(&mut redis)
        .await
        .expect("SCARD")
}

fn tenant_of(session: &Value) -> i64 {
    session["user"]["tenant_id"].as_i64().expect("tenant id")
}

/// A person of the shop, written directly (no invitation e-mail to count around).
async fn person(app: &TestApp, tenant: i64, email: &str, role: &str) -> i64 {
    app.count(&format!(
        "INSERT INTO users (tenant_id, email, display_name, role)
         VALUES ({tenant}, '{email}', '', '{role}') RETURNING id AS n"
    ))
    .await
}

/// A web chat of the shop.
async fn channel(app: &TestApp, tenant: i64) -> i64 {
    app.count(&format!(
        "INSERT INTO channels (tenant_id, kind, name, credentials)
         VALUES ({tenant}, 'webchat', 'Сайт', '{{}}') RETURNING id AS n"
    ))
    .await
}

/// A conversation handed to people at `handoff_at`, assigned to `assignee` if given.
async fn waiting(
    app: &TestApp,
    tenant: i64,
    channel: i64,
    shopper: &str,
    handoff_at: DateTime<Utc>,
    assignee: Option<i64>,
) -> i64 {
    let customer = app
        .count(&format!(
            "INSERT INTO customers (tenant_id, channel_id, external_id, display_name)
             VALUES ({tenant}, {channel}, '{shopper}', '{shopper}') RETURNING id AS n"
        ))
        .await;
    let assignee = assignee.map_or("NULL".to_owned(), |id| id.to_string());
    app.count(&format!(
        "INSERT INTO conversations (tenant_id, channel_id, customer_id, external_chat_id, mode,
                                    assignee_id, handoff_reason, handoff_at, created_at)
         VALUES ({tenant}, {channel}, {customer}, '{shopper}', 'waiting_operator', {assignee},
                 'human_request', '{handoff_at}', '{handoff_at}') RETURNING id AS n"
    ))
    .await
}

/// Runs one alert sweep as of `at` through the notify queue and waits until it is done (no
/// other notification is in flight meanwhile).
async fn sweep(app: &TestApp, at: DateTime<Utc>) {
    let settings = app.queue_settings();
    let redis = otklik_jobs::connect(&redis_url()).await.expect("redis");
    let queues = otklik_jobs::Queues::new(redis, &settings);
    let done_before = notifications_done(app).await;
    queues
        .push_notify(
            otklik_jobs::Notify::AlertSweep { at: at.timestamp() },
            "test",
        )
        .await
        .expect("enqueue the sweep");
    let done = app
        .eventually(std::time::Duration::from_secs(15), done_before + 1, || {
            notifications_done(app)
        })
        .await;
    assert_eq!(done, done_before + 1, "the sweep ran");
}

fn alerts_to<'a>(mail: &'a [Mail], to: &str, needle: &str) -> Vec<&'a Mail> {
    mail.iter()
        .filter(|m| m.to == [to] && m.text().contains(needle))
        .collect()
}

fn unsubscribe_link(mail: &Mail) -> String {
    mail.text()
        .split_whitespace()
        .find(|word| word.contains("/alerts/unsubscribe?token="))
        .expect("an unsubscribe link")
        .to_owned()
}

async fn alerts_off(app: &TestApp, user: i64) -> i64 {
    app.count(&format!(
        "SELECT cardinality(alerts_off)::bigint AS n FROM users WHERE id = {user}"
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_waiting_shopper_is_mailed_once_to_the_shops_people_in_working_hours() {
    let (app, smtp) = app_with_mail().await;
    let north = sign_up_mailed(&app, &smtp, "sever", "anna@sever.example").await;
    let south = sign_up_mailed(&app, &smtp, "yug", "boris@yug.example").await;
    let (north_id, south_id) = (tenant_of(&north), tenant_of(&south));
    let admin = token(&north, "access_token");
    let (status, settings) = call(
        &app,
        Method::PATCH,
        "/api/v1/settings",
        Some(&admin),
        Some(json!({"working_hours": {"from": 9, "to": 18}, "waiting_alert_minutes": 15})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(settings["assistant"]["waiting_alert_minutes"], 15);

    let igor = person(&app, north_id, "igor@sever.example", "operator").await;
    let oleg = person(&app, north_id, "oleg@sever.example", "operator").await;
    person(&app, north_id, "vera@sever.example", "viewer").await;
    app.count(&format!(
        "UPDATE users SET alerts_off = '{{waiting_conversation}}' WHERE id = {oleg} RETURNING 1::bigint AS n"
    ))
    .await;
    let north_chat = channel(&app, north_id).await;
    let south_chat = channel(&app, south_id).await;
    // Waiting since 06:00 Moscow time, before the shop's hours (9 to 18).
    let early = waiting(&app, north_id, north_chat, "Мария", moscow(6, 0), None).await;
    let mine = waiting(&app, north_id, north_chat, "Пётр", moscow(6, 0), Some(igor)).await;
    // Ten minutes at 09:30: under this shop's fifteen.
    waiting(&app, north_id, north_chat, "Ольга", moscow(9, 20), None).await;
    // The other shop keeps no hours and the default ten minutes.
    let theirs = waiting(&app, south_id, south_chat, "Семён", moscow(6, 0), None).await;

    sweep(&app, moscow(7, 0)).await;
    let mail = smtp.wait_for(1, std::time::Duration::from_secs(5)).await;
    assert_eq!(
        alerts_to(&mail, "boris@yug.example", WAITING).len(),
        1,
        "a shop with no working hours is alerted at any hour: {mail:?}"
    );
    assert_eq!(
        mail.len(),
        1,
        "the other shop is outside its hours: {mail:?}"
    );
    let text = mail[0].text();
    assert!(text.contains(&format!("/app/#c{theirs}")), "{text}");
    assert!(
        text.contains("Покупатель «Семён» ждёт ответа сотрудника уже 1 час"),
        "{text}"
    );

    sweep(&app, moscow(9, 30)).await;
    // The same sweep again, as a second scheduler replica or a retry would run it.
    sweep(&app, moscow(9, 31)).await;
    let mail = smtp.wait_for(4, std::time::Duration::from_secs(5)).await;
    let anna = alerts_to(&mail, "anna@sever.example", WAITING);
    let to_igor = alerts_to(&mail, "igor@sever.example", WAITING);
    assert_eq!(
        anna.len(),
        1,
        "the admin: the unassigned conversation only: {mail:?}"
    );
    assert_eq!(to_igor.len(), 2, "the operator: it and his own: {mail:?}");
    assert!(
        alerts_to(&mail, "oleg@sever.example", WAITING).is_empty(),
        "switched off"
    );
    assert!(
        alerts_to(&mail, "vera@sever.example", WAITING).is_empty(),
        "viewers get none"
    );
    assert_eq!(
        alerts_to(&mail, "boris@yug.example", WAITING).len(),
        1,
        "still one"
    );
    assert_eq!(mail.len(), 4, "{mail:?}");

    let text = anna[0].text();
    for expected in [
        "Покупатель «Мария» ждёт ответа сотрудника уже 3 часа",
        "магазин «Магазин «Север»»",
        "Канал: «Сайт»",
        &format!("/app/#c{early}"),
        "/alerts/unsubscribe?token=",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    assert!(
        !text.contains(&format!("#c{theirs}")),
        "nothing of the other shop"
    );
    assert!(
        to_igor
            .iter()
            .any(|m| m.text().contains(&format!("/app/#c{mine}"))),
        "the assignee hears of his conversation"
    );
    assert!(
        anna[0]
            .data
            .contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{}",
        anna[0].data
    );
    assert!(
        anna[0].data.contains("List-Unsubscribe: <http"),
        "{}",
        anna[0].data
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM alerts_sent").await,
        4,
        "one claim per alert mailed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_unsubscribe_link_switches_the_alert_off_and_a_forged_one_changes_nothing() {
    let (app, smtp) = app_with_mail().await;
    let north = sign_up_mailed(&app, &smtp, "sever", "anna@sever.example").await;
    let north_id = tenant_of(&north);
    let anna = north["user"]["id"].as_i64().expect("user id");
    let igor = person(&app, north_id, "igor@sever.example", "operator").await;
    let chat = channel(&app, north_id).await;
    waiting(&app, north_id, chat, "Мария", moscow(9, 0), None).await;
    sweep(&app, moscow(9, 30)).await;
    let mail = smtp.wait_for(2, std::time::Duration::from_secs(5)).await;
    let to_anna = alerts_to(&mail, "anna@sever.example", WAITING);
    assert_eq!(to_anna.len(), 1, "{mail:?}");
    let link = unsubscribe_link(to_anna[0]);
    let token = link.rsplit("token=").next().expect("a token").to_owned();
    let path = format!("/alerts/unsubscribe?token={token}");

    // Forged: Anna's link pointed at Igor, or its signature changed.
    let forged = [
        token.replacen(&format!(".{anna}."), &format!(".{igor}."), 1),
        {
            // The signature's first character changed.
            let (payload, signature) = token.rsplit_once('.').expect("a signed token");
            let first = if signature.starts_with('A') { "B" } else { "A" };
            format!("{payload}.{first}{}", &signature[1..])
        },
        "garbage".to_owned(),
    ];
    for forged in forged {
        for method in [Method::GET, Method::POST] {
            let response = app
                .http
                .request(
                    method.clone(),
                    format!("{}/alerts/unsubscribe?token={forged}", app.base),
                )
                .send()
                .await
                .expect("request");
            assert_eq!(
                response.status(),
                StatusCode::BAD_REQUEST,
                "{method} {forged}"
            );
            let page = response.text().await.expect("page");
            assert!(page.contains("Ссылка недействительна"), "{page}");
        }
    }
    assert_eq!(
        alerts_off(&app, igor).await,
        0,
        "a forged link changes nothing"
    );
    assert_eq!(alerts_off(&app, anna).await, 0);

    // Opening the link only asks; the button (a POST) unsubscribes.
    let page = app
        .http
        .get(format!("{}{path}", app.base))
        .send()
        .await
        .expect("request");
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.expect("page");
    assert!(page.contains("Отписаться"), "{page}");
    assert!(page.contains("method=\"post\""), "{page}");
    assert_eq!(
        alerts_off(&app, anna).await,
        0,
        "opening the page changes nothing"
    );
    // A mail client's one-click unsubscribe (RFC 8058).
    let done = app
        .http
        .post(format!("{}{path}", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("List-Unsubscribe=One-Click")
        .send()
        .await
        .expect("request");
    assert_eq!(done.status(), StatusCode::OK);
    assert!(
        done.text()
            .await
            .expect("page")
            .contains("больше не придут")
    );
    let admin = crate::admin_auth::token(&north, "access_token");
    let (status, choices) = get(&app, "/api/v1/me/alerts", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        choices,
        json!({"waiting_conversation": false, "sync_failing": true, "wb_question_deadline": true, "billing": true})
    );

    // The next shopper who waits is mailed to Igor only.
    let next = waiting(&app, north_id, chat, "Пётр", moscow(10, 0), None).await;
    sweep(&app, moscow(10, 30)).await;
    let mail = smtp.wait_for(3, std::time::Duration::from_secs(5)).await;
    assert_eq!(mail.len(), 3, "{mail:?}");
    assert!(mail[2].text().contains(&format!("#c{next}")));
    assert_eq!(mail[2].to, ["igor@sever.example"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn people_choose_their_alerts() {
    let app = crate::admin_auth::api().await;
    let session = sign_up(&app, "sever", "anna@sever.example").await;
    let admin = token(&session, "access_token");
    let (status, choices) = get(&app, "/api/v1/me/alerts", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        choices,
        json!({"waiting_conversation": true, "sync_failing": true, "wb_question_deadline": true, "billing": true}),
        "on until switched off"
    );
    let patch = |body: Value| {
        call(
            &app,
            Method::PATCH,
            "/api/v1/me/alerts",
            Some(&admin),
            Some(body),
        )
    };
    let (status, choices) =
        patch(json!({"sync_failing": false, "wb_question_deadline": false})).await;
    assert_eq!(status, StatusCode::OK, "{choices}");
    assert_eq!(
        choices,
        json!({"waiting_conversation": true, "sync_failing": false, "wb_question_deadline": false, "billing": true})
    );
    let (status, choices) = patch(json!({"wb_question_deadline": true})).await;
    assert_eq!(status, StatusCode::OK, "{choices}");
    assert_eq!(
        choices,
        json!({"waiting_conversation": true, "sync_failing": false, "wb_question_deadline": true, "billing": true}),
        "kinds not sent keep their choice"
    );
    for bad in [
        json!({"push": true}),
        json!({"sync_failing": "no"}),
        json!([true]),
    ] {
        let (status, answer) = patch(bad.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{bad}: {answer}");
    }
    let (_, choices) = get(&app, "/api/v1/me/alerts", Some(&admin)).await;
    assert_eq!(
        choices["sync_failing"], false,
        "bad requests changed nothing"
    );
    let (status, _) = get(&app, "/api/v1/me/alerts", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let (status, answer) = call(
        &app,
        Method::PATCH,
        "/api/v1/settings",
        Some(&admin),
        Some(json!({"waiting_alert_minutes": 0})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer}");
    assert_eq!(
        answer["error"]["fields"][0]["field"],
        "waiting_alert_minutes"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sync_failing_for_an_hour_alerts_admins_once_per_streak() {
    let (app, smtp) = app_with_mail().await;
    let north = sign_up_mailed(&app, &smtp, "sever", "anna@sever.example").await;
    let north_id = tenant_of(&north);
    person(&app, north_id, "igor@sever.example", "operator").await;
    let account = app
        .count(&format!(
            "INSERT INTO marketplace_accounts (tenant_id, marketplace, name, credentials, enabled,
                                               sync_status, failures, last_error, failing_since)
             VALUES ({north_id}, 'wb', 'Основной кабинет', '{{}}', true, 'failing', 5,
                     'token rejected', '{}') RETURNING id AS n",
            moscow(9, 0)
        ))
        .await;
    sweep(&app, moscow(9, 50)).await;
    assert!(smtp.mail().is_empty(), "fifty minutes is not an hour yet");
    sweep(&app, moscow(10, 0)).await;
    sweep(&app, moscow(11, 0)).await;
    let mail = smtp.wait_for(1, std::time::Duration::from_secs(5)).await;
    assert_eq!(mail.len(), 1, "admins only, once per streak: {mail:?}");
    assert_eq!(mail[0].to, ["anna@sever.example"]);
    let text = mail[0].text();
    for expected in [
        "кабинета Wildberries «Основной кабинет»",
        "/app/#/channels",
        "/alerts/unsubscribe?token=",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    assert!(
        !text.contains("token rejected"),
        "no raw provider errors: {text}"
    );

    // A success ends the streak; the next one alerts again.
    app.count(&format!(
        "UPDATE marketplace_accounts SET failing_since = '{}' WHERE id = {account} RETURNING 1::bigint AS n",
        moscow(12, 0)
    ))
    .await;
    sweep(&app, moscow(13, 0)).await;
    let mail = smtp.wait_for(2, std::time::Duration::from_secs(5)).await;
    assert_eq!(mail.len(), 2, "a new streak: {mail:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wb_question_is_alerted_once_a_day_before_its_deadline() {
    let (app, smtp) = app_with_mail().await;
    let north = sign_up_mailed(&app, &smtp, "sever", "anna@sever.example").await;
    let north_id = tenant_of(&north);
    let account = app
        .count(&format!(
            "INSERT INTO marketplace_accounts (tenant_id, marketplace, name)
             VALUES ({north_id}, 'wb', 'Основной кабинет') RETURNING id AS n"
        ))
        .await;
    let questions = app
        .count(&format!(
            "INSERT INTO channels (tenant_id, kind, name, credentials, account_id)
             VALUES ({north_id}, 'wb_questions', 'Вопросы WB', '{{}}', {account}) RETURNING id AS n"
        ))
        .await;
    let open = waiting(&app, north_id, questions, "Ирина", moscow(8, 0), None).await;
    let answered = waiting(&app, north_id, questions, "Глеб", moscow(8, 0), None).await;
    // Due at 12:00 tomorrow; the answered one is closed.
    let due = moscow(12, 0) + chrono::Duration::days(1);
    app.count(&format!(
        "UPDATE conversations SET mode = 'operator', reply_due_at = '{due}'
          WHERE id = {open} RETURNING 1::bigint AS n"
    ))
    .await;
    app.count(&format!(
        "UPDATE conversations SET mode = 'closed', closed_at = now(), reply_due_at = '{due}'
          WHERE id = {answered} RETURNING 1::bigint AS n"
    ))
    .await;
    sweep(&app, moscow(11, 0)).await;
    assert!(smtp.mail().is_empty(), "more than a day left");
    sweep(&app, moscow(12, 30)).await;
    sweep(&app, moscow(18, 0)).await;
    let mail = smtp.wait_for(1, std::time::Duration::from_secs(5)).await;
    assert_eq!(mail.len(), 1, "once, for the open question: {mail:?}");
    let text = mail[0].text();
    for expected in [
        "На вопрос покупателя «Ирина» на Wildberries",
        "срок ответа истекает 2 декабря 2026 г., 12:00",
        &format!("/app/#c{open}"),
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scheduler_replicas_enqueue_each_alert_sweep_once() {
    let app = crate::admin_auth::api().await;
    let redis = otklik_jobs::connect(&redis_url()).await.expect("redis");
    let queues = otklik_jobs::Queues::new(redis, &app.queue_settings());
    // Two replicas see the same tick; the next minute is a new sweep.
    for tick in [1_800_000_030, 1_800_000_030, 1_800_000_090] {
        otklik_workers::sync::enqueue_alert_sweep(&queues, tick)
            .await
            .expect("enqueue");
    }
    assert_eq!(app.jobs_in(otklik_jobs::Queue::Notifications).await, 2);
}

/// A rouble shop's admins hear three days before the trial ends and when a payment fails, once
/// each; operators do not; a shop paying in a currency this installation takes no payments in
/// is not sent to a page where nothing can be paid.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_hear_once_that_the_trial_ends_and_that_a_payment_failed() {
    let smtp = FakeSmtp::start().await.expect("fake SMTP");
    let app = TestApp::with(Options {
        env: vec![
            ("OTKLIK_SMTP_URL", smtp.url()),
            ("OTKLIK_YOOKASSA_API_BASE", "http://127.0.0.1:9".to_owned()),
            (
                "OTKLIK_YOOKASSA_SHOP_ID",
                otklik_tests::yookassa::SHOP_ID.into(),
            ),
            (
                "OTKLIK_YOOKASSA_SECRET_KEY",
                otklik_tests::yookassa::SECRET_KEY.into(),
            ),
        ],
        ..Options::default()
    })
    .await;
    let north = tenant_of(&sign_up_mailed(&app, &smtp, "sever", "anna@sever.example").await);
    person(&app, north, "igor@sever.example", "operator").await;
    let abroad = tenant_of(&sign_up_mailed(&app, &smtp, "abroad", "sam@abroad.example").await);
    let trial_ends = moscow(12, 0) + chrono::Duration::days(2);
    for (tenant, currency) in [(north, "RUB"), (abroad, "USD")] {
        app.count(&format!(
            "UPDATE billing_accounts SET currency = '{currency}', state = 'trialing',
                    trial_ends_at = '{trial_ends}'
              WHERE tenant_id = {tenant} RETURNING 1::bigint AS n"
        ))
        .await;
    }

    sweep(&app, moscow(10, 0) - chrono::Duration::days(2)).await;
    assert!(smtp.mail().is_empty(), "four days before is not yet");
    sweep(&app, moscow(10, 0)).await;
    sweep(&app, moscow(11, 0)).await;
    let mail = smtp.wait_for(1, std::time::Duration::from_secs(5)).await;
    assert_eq!(mail.len(), 1, "the rouble shop's admin, once: {mail:?}");
    assert_eq!(mail[0].to, ["anna@sever.example"]);
    let text = mail[0].text();
    for expected in [
        "Пробный период магазина",
        "заканчивается",
        "/app/#/billing",
        "/alerts/unsubscribe?token=",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }

    app.count(&format!(
        "UPDATE billing_accounts SET state = 'past_due', past_due_since = '{}'
          WHERE tenant_id = {north} RETURNING 1::bigint AS n",
        moscow(12, 0)
    ))
    .await;
    sweep(&app, moscow(12, 5)).await;
    sweep(&app, moscow(13, 0)).await;
    let mail = smtp.wait_for(2, std::time::Duration::from_secs(5)).await;
    assert_eq!(mail.len(), 2, "a failed payment, once: {mail:?}");
    let text = mail[1].text();
    assert!(text.contains("не прошёл"), "{text}");
    assert!(text.contains("перестанет отвечать"), "{text}");
}
