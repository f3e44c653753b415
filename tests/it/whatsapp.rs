//! WhatsApp Business (Cloud API) end to end: a number connected through the admin API (checked
//! against the fake Graph API), Meta's verification request, signed webhooks through the
//! ingress, the queues and workers, replies at the fake's `POST /{number}/messages`, statuses
//! moving receipts, and the 24-hour customer service window.

use std::time::Duration;

use otklik_schema::ChannelId;
use otklik_tests::FakeWhatsApp;
use otklik_tests::whatsapp::{self, Script};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_auth::{call, post};
use crate::admin_settings::admin_of_test_shop;
use crate::support::{Options, TestApp, outbound_statuses};

const NUMBER: &str = "106540352242922";
const DISPLAY: &str = "+7 700 555-01-23";
const TOKEN: &str = "EAAGm0PX4ZCpsBAFake0123456789abcdef";
const APP_SECRET: &str = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const VERIFY: &str = "meatyhamhock-2026";

struct WhatsappShop {
    app: TestApp,
    wa: FakeWhatsApp,
    admin: String,
    channel: ChannelId,
}

impl WhatsappShop {
    async fn start() -> Self {
        Self::with(false).await
    }

    async fn with(assistant: bool) -> Self {
        let wa = FakeWhatsApp::start()
            .await
            .expect("start the fake WhatsApp");
        wa.add_number(NUMBER, DISPLAY, "Магазин Север", TOKEN);
        let options = Options {
            env: vec![("OTKLIK_WHATSAPP_API_URL", wa.url())],
            ..Options::default()
        };
        let app = if assistant {
            crate::assistant::shop_with(options).await
        } else {
            TestApp::with(options).await
        };
        let admin = admin_of_test_shop(&app).await;
        let (status, channel) = post(
            &app,
            "/api/v1/channels/whatsapp",
            Some(&admin),
            json!({"name": "WhatsApp", "phone_number_id": NUMBER, "access_token": TOKEN,
                   "app_secret": APP_SECRET, "verify_token": VERIFY}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{channel}");
        let channel = ChannelId(channel["id"].as_i64().expect("an id"));
        Self {
            app,
            wa,
            admin,
            channel,
        }
    }

    fn hook(&self) -> String {
        format!("{}/hooks/whatsapp/{}", self.app.base, self.channel)
    }

    async fn deliver(&self, payload: &Value) -> u16 {
        self.wa.deliver(&self.hook(), APP_SECRET, payload).await
    }

    async fn text(&self, wa_id: &str, wamid: &str, text: &str) -> u16 {
        let payload = whatsapp::message(
            NUMBER,
            DISPLAY,
            (wa_id, "Айгерим"),
            wamid,
            "text",
            json!({"body": text}),
        );
        self.deliver(&payload).await
    }

    async fn status(&self, wamid: &str, state: &str, to: &str, error: Option<i64>) -> u16 {
        let payload = whatsapp::status(NUMBER, DISPLAY, wamid, state, to, error);
        self.deliver(&payload).await
    }

    async fn replies(&self, count: usize) -> Vec<whatsapp::Sent> {
        let sent = self.wa.wait_for_sent(count, Duration::from_secs(20)).await;
        assert_eq!(sent.len(), count, "messages the shopper received: {sent:?}");
        sent
    }

    async fn conversation(&self) -> i64 {
        self.app
            .count("SELECT max(id) AS n FROM conversations")
            .await
    }

    async fn receipt_of(&self, wamid: &str) -> String {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            receipt: String,
        }
        let rows: Vec<Row> = diesel_async::RunQueryDsl::load(
            diesel::sql_query(
                "SELECT coalesce(meta ->> 'receipt', '') AS receipt FROM messages
                  WHERE direction = 'outbound' AND external_id = $1",
            )
            .bind::<diesel::sql_types::Text, _>(wamid),
            &mut self.app.db().await,
        )
        .await
        .expect("receipts");
        rows.into_iter().map(|r| r.receipt).collect()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_checks_the_number_and_only_the_channels_verify_token_is_answered() {
    let shop = WhatsappShop::start().await;
    assert_eq!(
        shop.wa.lookups()[0],
        (NUMBER.to_owned(), Some(TOKEN.to_owned())),
        "the number was read with the token as a Bearer header"
    );
    let (status, channels) =
        crate::admin_auth::get(&shop.app, "/api/v1/channels", Some(&shop.admin)).await;
    assert_eq!(status, StatusCode::OK);
    let listed = channels["items"]
        .as_array()
        .and_then(|items| items.iter().find(|c| c["kind"] == "whatsapp"))
        .cloned()
        .expect("the WhatsApp channel is listed");
    assert_eq!(listed["display_phone_number"], DISPLAY);
    assert_eq!(listed["phone_number_id"], NUMBER);
    assert_eq!(listed["whatsapp_url"], "https://wa.me/77005550123");
    assert_eq!(listed["webhook_url"], shop.hook());
    let text = channels.to_string();
    for secret in [TOKEN, APP_SECRET, VERIFY] {
        assert!(!text.contains(secret), "no secret answered back");
    }

    // Bad input is refused with the field and changes nothing.
    let connect = |number: &str, token: &str, secret: &str| {
        json!({"name": "Ещё", "phone_number_id": number, "access_token": token,
               "app_secret": secret, "verify_token": VERIFY})
    };
    for (body, field, code) in [
        (
            connect(NUMBER, "EAAG-revoked", APP_SECRET),
            "access_token",
            "whatsapp_token_rejected",
        ),
        (
            connect("999000111", TOKEN, APP_SECRET),
            "phone_number_id",
            "whatsapp_number_not_accessible",
        ),
        (
            connect("+7 700 555", TOKEN, APP_SECRET),
            "phone_number_id",
            "whatsapp_number_id_malformed",
        ),
        (connect(NUMBER, TOKEN, "   "), "app_secret", "required"),
    ] {
        let (status, error) = post(
            &shop.app,
            "/api/v1/channels/whatsapp",
            Some(&shop.admin),
            body,
        )
        .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert_eq!(error["error"]["fields"][0]["field"], field, "{error}");
        assert_eq!(error["error"]["fields"][0]["code"], code, "{error}");
    }
    let (status, _) = post(
        &shop.app,
        "/api/v1/channels/whatsapp",
        Some(&shop.admin),
        json!({"name": "Ещё", "phone_number_id": NUMBER, "access_token": TOKEN}),
    )
    .await;
    assert!(status.is_client_error(), "missing secrets: {status}");
    assert_eq!(
        shop.app
            .count("SELECT count(*) AS n FROM channels WHERE kind = 'whatsapp'")
            .await,
        1
    );

    // Meta's verification: the challenge back as plain text, only for the channel's token.
    let hook = shop.hook();
    assert_eq!(
        shop.wa
            .verify(&hook, "subscribe", VERIFY, "1158201444")
            .await,
        (200, "1158201444".to_owned())
    );
    let response = shop
        .app
        .http
        .get(&hook)
        .query(&[
            ("hub.mode", "subscribe"),
            ("hub.verify_token", VERIFY),
            ("hub.challenge", "42"),
        ])
        .send()
        .await
        .expect("verify");
    assert!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("text/plain")),
        "plain text"
    );
    assert_eq!(
        shop.wa
            .verify(&hook, "subscribe", "meatyhamhock", "1")
            .await
            .0,
        403
    );
    assert_eq!(
        shop.wa.verify(&hook, "unsubscribe", VERIFY, "1").await.0,
        403
    );
    assert_eq!(shop.wa.verify(&hook, "subscribe", VERIFY, "").await.0, 403);
    let other = format!("{}/hooks/whatsapp/{}", shop.app.base, shop.channel.0 + 1000);
    assert_eq!(
        shop.wa.verify(&other, "subscribe", VERIFY, "1").await.0,
        403
    );

    // Switched off: neither verification nor webhooks are accepted any more.
    let (status, _) = call(
        &shop.app,
        reqwest::Method::DELETE,
        &format!("/api/v1/channels/{}", shop.channel),
        Some(&shop.admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(shop.wa.verify(&hook, "subscribe", VERIFY, "1").await.0, 403);
    assert_eq!(
        shop.text("77011112233", "wamid.late", "Есть кто?").await,
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shoppers_text_gets_the_assistants_reply_once_and_statuses_move_its_receipt() {
    let shop = WhatsappShop::with(true).await;
    let wa_id = "77012345678";
    let wamid = "wamid.HBgLNzcwMTIzNDU2NzgVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=";
    let question = "Здравствуйте! Где мой заказ 1456789012?";
    assert_eq!(shop.text(wa_id, wamid, question).await, 200);
    assert_eq!(
        shop.text(wa_id, wamid, question).await,
        200,
        "a redelivery is acknowledged"
    );

    let sent = shop.replies(1).await;
    assert_eq!(sent[0].to, wa_id);
    assert_eq!(sent[0].phone_number_id, NUMBER);
    assert!(sent[0].body.contains("1456789012"), "{}", sent[0].body);
    assert!(sent[0].body.contains("пункте выдачи"), "{}", sent[0].body);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(shop.wa.sent().len(), 1, "one reply");
    assert_eq!(
        shop.app
            .count(&format!("SELECT count(*) AS n FROM messages WHERE direction = 'inbound' AND external_id = '{wamid}'"))
            .await,
        1
    );
    assert_eq!(
        shop.app
            .count(&format!("SELECT count(*) AS n FROM customers WHERE external_id = '{wa_id}' AND display_name = 'Айгерим'"))
            .await,
        1,
        "the shopper is their wa_id, with their profile name"
    );
    let reply = sent[0].wamid.clone();
    let recorded = shop
        .app
        .eventually(Duration::from_secs(10), 1, || async {
            shop.app
                .count(&format!("SELECT count(*) AS n FROM messages WHERE external_id = '{reply}' AND delivery_status = 'sent'"))
                .await
        })
        .await;
    assert_eq!(recorded, 1, "the reply is known by its wamid");

    // `read` may come before `delivered`; receipts only move forward.
    assert_eq!(shop.status(&reply, "delivered", wa_id, None).await, 200);
    let receipt = shop
        .app
        .eventually(Duration::from_secs(10), "delivered".to_owned(), || {
            shop.receipt_of(&reply)
        })
        .await;
    assert_eq!(receipt, "delivered");
    assert_eq!(shop.status(&reply, "read", wa_id, None).await, 200);
    let receipt = shop
        .app
        .eventually(Duration::from_secs(10), "read".to_owned(), || {
            shop.receipt_of(&reply)
        })
        .await;
    assert_eq!(receipt, "read");
    assert_eq!(
        shop.status(&reply, "delivered", wa_id, None).await,
        200,
        "a late delivered"
    );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(shop.receipt_of(&reply).await, "read");
    assert_eq!(
        outbound_statuses(&mut shop.app.db().await).await,
        vec![("sent".to_owned(), None)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_button_reply_a_list_row_and_a_photo_are_taken_in() {
    let shop = WhatsappShop::start().await;
    let shopper = ("77020000001", "Бахтияр");
    let button = whatsapp::message(
        NUMBER,
        DISPLAY,
        shopper,
        "wamid.button",
        "interactive",
        json!({"type": "button_reply", "button_reply": {"id": "return", "title": "Вернуть товар"}}),
    );
    assert_eq!(shop.deliver(&button).await, 200);
    let list = whatsapp::message(
        NUMBER,
        DISPLAY,
        shopper,
        "wamid.list",
        "interactive",
        json!({"type": "list_reply", "list_reply": {"id": "order_1", "title": "Заказ 1456789012", "description": "Пуховик"}}),
    );
    assert_eq!(shop.deliver(&list).await, 200);
    let photo = whatsapp::message(
        NUMBER,
        DISPLAY,
        shopper,
        "wamid.photo",
        "image",
        json!({"caption": "Брак на рукаве", "mime_type": "image/jpeg", "sha256": "Vf1f=", "id": "1037543291543636"}),
    );
    assert_eq!(shop.deliver(&photo).await, 200);
    let reaction = whatsapp::message(
        NUMBER,
        DISPLAY,
        shopper,
        "wamid.reaction",
        "reaction",
        json!({"message_id": "wamid.button", "emoji": "👍"}),
    );
    assert_eq!(
        shop.deliver(&reaction).await,
        200,
        "unknown to the inbox, still acknowledged"
    );
    let taken = shop
        .app
        .eventually(Duration::from_secs(15), 3, || async {
            shop.app
                .count("SELECT count(*) AS n FROM messages WHERE direction = 'inbound'")
                .await
        })
        .await;
    assert_eq!(taken, 3);
    for sql in [
        "SELECT count(*) AS n FROM messages WHERE external_id = 'wamid.button' AND body = 'Вернуть товар' AND attachments -> 0 ->> 'payload' = 'return'",
        "SELECT count(*) AS n FROM messages WHERE external_id = 'wamid.list' AND body = 'Заказ 1456789012'",
        "SELECT count(*) AS n FROM messages WHERE external_id = 'wamid.photo' AND body = 'Брак на рукаве' AND attachments -> 0 ->> 'media_id' = '1037543291543636' AND attachments -> 0 ->> 'kind' = 'image'",
    ] {
        assert_eq!(shop.app.count(sql).await, 1, "{sql}");
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        shop.app
            .count("SELECT count(*) AS n FROM messages WHERE external_id = 'wamid.reaction'")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forged_unsigned_and_malformed_webhooks_are_refused_and_change_nothing() {
    let shop = WhatsappShop::start().await;
    let payload = whatsapp::message(
        NUMBER,
        DISPLAY,
        ("77030000001", "Ерлан"),
        "wamid.forged",
        "text",
        json!({"body": "Привет"}),
    );
    let body = payload.to_string().into_bytes();
    let hook = shop.hook();
    assert_eq!(
        shop.wa.deliver(&hook, "not-the-app-secret", &payload).await,
        401,
        "signed with another secret"
    );
    assert_eq!(
        shop.wa.post(&hook, body.clone(), None).await,
        401,
        "unsigned"
    );
    let other = whatsapp::sign(APP_SECRET.as_bytes(), b"{}");
    assert_eq!(
        shop.wa.post(&hook, body.clone(), Some(other)).await,
        401,
        "the signature of another body"
    );
    assert_eq!(
        shop.wa
            .post(&hook, body.clone(), Some("sha256=".into()))
            .await,
        401
    );
    let signed = |bytes: &[u8]| Some(whatsapp::sign(APP_SECRET.as_bytes(), bytes));
    assert_eq!(
        shop.wa
            .post(&hook, b"{oops".to_vec(), signed(b"{oops"))
            .await,
        400
    );
    let page = json!({"object": "page", "entry": [{"id": "1", "changes": []}]}).to_string();
    assert_eq!(
        shop.wa
            .post(&hook, page.clone().into_bytes(), signed(page.as_bytes()))
            .await,
        200,
        "another object is acknowledged and dropped"
    );
    let huge = whatsapp::message(
        NUMBER,
        DISPLAY,
        ("77030000001", "Ерлан"),
        "wamid.huge",
        "text",
        json!({"body": "x".repeat(1_100_000)}),
    );
    assert_eq!(shop.deliver(&huge).await, 413);
    let other_number = whatsapp::message(
        "555000111",
        DISPLAY,
        ("77030000001", "Ерлан"),
        "wamid.elsewhere",
        "text",
        json!({"body": "Чужой номер"}),
    );
    assert_eq!(shop.deliver(&other_number).await, 200);
    assert_eq!(
        shop.status("wamid.never-ours", "failed", "77030000001", Some(131_026))
            .await,
        200,
        "a status of a message we never sent is acknowledged"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        shop.app.count("SELECT count(*) AS n FROM messages").await,
        0
    );
    assert_eq!(
        shop.app.count("SELECT count(*) AS n FROM customers").await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_outside_the_24_hour_window_is_not_sent_and_operators_read_why() {
    let shop = WhatsappShop::start().await;
    let wa_id = "77040000001";
    assert_eq!(shop.text(wa_id, "wamid.first", "Здравствуйте").await, 200);
    shop.replies(1).await;
    // The shopper last wrote 25 hours ago.
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(
            "UPDATE messages SET created_at = now() - interval '25 hours' WHERE direction = 'inbound'",
        ),
        &mut shop.app.db().await,
    )
    .await
    .expect("age the shopper's message");
    let conversation = shop.conversation().await;
    let (status, _) = post(
        &shop.app,
        &format!("/api/v1/conversations/{conversation}/reply"),
        Some(&shop.admin),
        json!({"text": "Вы здесь?"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let last = shop
        .app
        .eventually(Duration::from_secs(15), "failed".to_owned(), || async {
            outbound_statuses(&mut shop.app.db().await)
                .await
                .get(1)
                .map(|(s, _)| s.clone())
                .unwrap_or_default()
        })
        .await;
    assert_eq!(last, "failed");
    let statuses = outbound_statuses(&mut shop.app.db().await).await;
    let reason = statuses[1].1.clone().unwrap_or_default();
    assert!(reason.contains("больше 24 часов"), "{reason}");
    assert!(reason.contains("шаблон"), "{reason}");
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert_eq!(shop.wa.sent().len(), 1, "WhatsApp was not asked");

    // Writing again opens the window: the next reply goes.
    assert_eq!(shop.text(wa_id, "wamid.second", "Да, здесь").await, 200);
    let recorded = shop
        .app
        .eventually(Duration::from_secs(10), 1, || async {
            shop.app
                .count("SELECT count(*) AS n FROM messages WHERE external_id = 'wamid.second'")
                .await
        })
        .await;
    assert_eq!(recorded, 1);
    let (status, _) = post(
        &shop.app,
        &format!("/api/v1/conversations/{conversation}/reply"),
        Some(&shop.admin),
        json!({"text": "Отлично, сейчас проверим заказ."}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let reached = shop
        .app
        .eventually(Duration::from_secs(15), true, || async {
            shop.wa
                .sent()
                .iter()
                .any(|s| s.to == wa_id && s.body == "Отлично, сейчас проверим заказ.")
        })
        .await;
    assert!(reached, "{:?}", shop.wa.sent());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_codes_decide_retries_and_a_failed_status_hands_the_conversation_to_people() {
    let shop = WhatsappShop::start().await;
    // Throughput reached, then the pair rate: both waited out and tried again.
    shop.wa.script(Script {
        status: 429,
        code: 130_429,
    });
    shop.wa.script(Script {
        status: 400,
        code: 131_056,
    });
    assert_eq!(
        shop.text("77050000001", "wamid.a", "Добрый день").await,
        200
    );
    let sent = shop.replies(1).await;
    let statuses = shop
        .app
        .eventually(
            Duration::from_secs(15),
            vec![("sent".to_owned(), None)],
            || async { outbound_statuses(&mut shop.app.db().await).await },
        )
        .await;
    assert_eq!(statuses, vec![("sent".to_owned(), None)]);

    // Meta accepted it, then says it could not be delivered (131026).
    assert_eq!(
        shop.status(&sent[0].wamid, "failed", "77050000001", Some(131_026))
            .await,
        200
    );
    let failed = shop
        .app
        .eventually(Duration::from_secs(10), 1, || async {
            shop.app
                .count("SELECT count(*) AS n FROM messages WHERE delivery_status = 'failed' AND (meta ->> 'error_code')::bigint = 131026")
                .await
        })
        .await;
    assert_eq!(failed, 1);
    let statuses = outbound_statuses(&mut shop.app.db().await).await;
    assert!(
        statuses[0]
            .1
            .as_deref()
            .is_some_and(|why| why.contains("WhatsApp не может доставить")),
        "{statuses:?}"
    );
    assert_eq!(
        shop.app
            .count("SELECT count(*) AS n FROM conversations WHERE mode = 'waiting_operator' AND handoff_reason = 'delivery_failed'")
            .await,
        1
    );

    // A closed window said by WhatsApp itself (131047) and a shopper who cannot be written to.
    shop.wa.script(Script {
        status: 400,
        code: 131_047,
    });
    assert_eq!(shop.text("77050000002", "wamid.b", "Алло").await, 200);
    shop.wa.script(Script {
        status: 400,
        code: 131_026,
    });
    assert_eq!(shop.text("77050000003", "wamid.c", "Алло").await, 200);
    let settled = shop
        .app
        .eventually(Duration::from_secs(15), 2, || async {
            shop.app
                .count("SELECT count(*) AS n FROM messages WHERE direction = 'outbound' AND delivery_status IN ('failed', 'undeliverable') AND external_id IS NULL")
                .await
        })
        .await;
    assert_eq!(settled, 2);
    let statuses = outbound_statuses(&mut shop.app.db().await).await;
    assert!(
        statuses.iter().any(|(s, why)| s == "failed" && why.as_deref().is_some_and(|w| w.contains("24 часов"))),
        "{statuses:?}"
    );
    assert!(
        statuses.iter().any(|(s, _)| s == "undeliverable"),
        "{statuses:?}"
    );
    assert_eq!(shop.wa.sent().len(), 1, "nothing else reached a shopper");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_secrets_lost_from_redis_are_restored_from_the_database() {
    let shop = WhatsappShop::start().await;
    let namespace = shop.app.config.redis_namespace.clone();
    let mut redis = otklik_jobs::connect(&crate::support::redis_url())
        .await
        .expect("redis");
    otklik_jobs::handshakes::forget_whatsapp(&mut redis, &namespace, shop.channel)
        .await
        .expect("forget");
    let hook = shop.hook();
    assert_eq!(shop.wa.verify(&hook, "subscribe", VERIFY, "7").await.0, 403);

    // What `workers migrate` and `workers secrets rotate` do.
    let vault = otklik_db::sealed::Vault::new(&shop.app.config.master_keys());
    let restored = otklik_workers::handshakes::restore(
        &mut shop.app.db().await,
        &mut redis,
        &namespace,
        &vault,
    )
    .await
    .expect("restore");
    assert_eq!(restored, 1);
    assert_eq!(
        shop.wa.verify(&hook, "subscribe", VERIFY, "7").await,
        (200, "7".to_owned())
    );
    assert_eq!(
        shop.text("77060000001", "wamid.back", "Снова работает?")
            .await,
        200
    );
}
