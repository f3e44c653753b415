//! MAX end to end: a bot connected through the admin API, shoppers' updates through the webhook
//! (the vendor's real example bodies among them), the queues and workers, and replies at the
//! fake MAX — escaped Markdown, buttons, stops and starts, retries and refusals.

use std::time::Duration;

use otklik_jobs::{Deliver, Queues, WebhookSecrets};
use otklik_schema::{ChannelId, MessageId};
use otklik_tests::FakeMax;
use otklik_tests::max::{Script, Shopper};
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::admin_auth::post;
use crate::admin_settings::admin_of_test_shop;
use crate::support::{MASTER_KEY, Options, TestApp, outbound_statuses};

pub(crate) const TOKEN: &str = "max-bot-token-0123456789abcdef";

/// A test shop with a MAX bot connected through the admin API.
pub(crate) struct MaxShop {
    pub app: TestApp,
    pub max: FakeMax,
    pub admin: String,
    pub channel: ChannelId,
}

impl MaxShop {
    /// Operators only (replies do not depend on the assistant).
    async fn start() -> Self {
        Self::with(Options::default(), false).await
    }

    async fn with(options: Options, assistant: bool) -> Self {
        let max = FakeMax::start().await.expect("start the fake MAX");
        max.add_bot(TOKEN);
        let options = Options {
            env: [options.env, vec![("OTKLIK_MAX_API_URL", max.url())]].concat(),
            ..options
        };
        let app = if assistant {
            crate::assistant::shop_with(options).await
        } else {
            TestApp::with(options).await
        };
        let admin = admin_of_test_shop(&app).await;
        let (status, channel) = post(
            &app,
            "/api/v1/channels/max",
            Some(&admin),
            json!({"name": "Бот в MAX", "bot_token": TOKEN}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{channel}");
        let channel = ChannelId(channel["id"].as_i64().expect("an id"));
        Self {
            app,
            max,
            admin,
            channel,
        }
    }

    fn hook(&self) -> String {
        format!("{}/hooks/max/{}", self.app.base, self.channel)
    }

    fn secret(&self) -> String {
        WebhookSecrets::new(SecretString::from(MASTER_KEY)).max(self.channel)
    }

    /// Posts a body to the webhook with `secret`, as MAX (or an impostor) would.
    async fn post_raw(&self, body: Vec<u8>, secret: Option<&str>) -> StatusCode {
        let mut request = self
            .app
            .http
            .post(self.hook())
            .header("content-type", "application/json")
            .body(body);
        if let Some(secret) = secret {
            request = request.header("X-Max-Bot-Api-Secret", secret);
        }
        request.send().await.expect("post").status()
    }

    async fn replies(&self, count: usize) -> Vec<otklik_tests::max::Sent> {
        let sent = self.max.wait_for_sent(count, Duration::from_secs(20)).await;
        assert_eq!(sent.len(), count, "messages the shopper received: {sent:?}");
        sent
    }

    /// The shopper's conversation id.
    async fn conversation(&self) -> i64 {
        crate::support::count(
            &mut self.app.db().await,
            "SELECT max(id) AS n FROM conversations",
        )
        .await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_checks_the_token_subscribes_the_webhook_and_switching_off_unsubscribes() {
    let shop = MaxShop::start().await;
    let me = shop.max.calls("/me");
    assert_eq!(me.len(), 1);
    assert_eq!(
        me[0].token.as_deref(),
        Some(TOKEN),
        "the token as the Authorization header"
    );
    assert!(
        !me[0].query.contains_key("access_token"),
        "never in the URL"
    );
    let (url, secret, types) = shop.max.subscription(TOKEN).expect("a subscription");
    assert_eq!(url, shop.hook());
    assert_eq!(secret, shop.secret());
    for kind in [
        "message_created",
        "message_callback",
        "bot_started",
        "bot_stopped",
        "message_edited",
        "message_removed",
        "dialog_removed",
    ] {
        assert!(
            types.iter().any(|t| t == kind),
            "subscribed to {kind}: {types:?}"
        );
    }
    let (status, list) =
        crate::admin_auth::get(&shop.app, "/api/v1/channels", Some(&shop.admin)).await;
    assert_eq!(status, StatusCode::OK);
    let channel = list["items"]
        .as_array()
        .and_then(|items| items.iter().find(|c| c["kind"] == "max"))
        .expect("the MAX channel is listed");
    assert!(
        channel["bot_username"]
            .as_str()
            .is_some_and(|u| u.starts_with("shop")),
        "{channel}"
    );
    assert!(channel.get("credentials").is_none() && !channel.to_string().contains(TOKEN));

    // A token MAX refuses: 422 on the field, nothing stored, no subscription.
    let (status, error) = post(
        &shop.app,
        "/api/v1/channels/max",
        Some(&shop.admin),
        json!({"name": "Чужой бот", "bot_token": "revoked-token-000000"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["fields"][0]["field"], "bot_token");
    assert_eq!(error["error"]["fields"][0]["code"], "max_token_rejected");
    assert_eq!(
        shop.app
            .count("SELECT count(*) AS n FROM channels WHERE kind = 'max'")
            .await,
        1
    );

    // Switched off: the subscription is deleted, and an update still in flight is
    // acknowledged and dropped.
    let (status, _) = crate::admin_auth::call(
        &shop.app,
        reqwest::Method::DELETE,
        &format!("/api/v1/channels/{}", shop.channel),
        Some(&shop.admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let deleted = shop.max.calls("/subscriptions");
    assert!(
        deleted.iter().any(
            |c| c.method == reqwest::Method::DELETE && c.query.get("url") == Some(&shop.hook())
        ),
        "the subscription was deleted"
    );
    assert!(shop.max.subscription(TOKEN).is_none());
    let update =
        otklik_tests::max::message_created(1, &Shopper::new(5, "Ира"), "mid.late", "Есть кто?");
    let status = shop
        .post_raw(update.to_string().into_bytes(), Some(&shop.secret()))
        .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "a switched-off channel's update is acknowledged"
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        shop.app.count("SELECT count(*) AS n FROM messages").await,
        0,
        "and ignored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shoppers_message_gets_the_assistants_reply_in_the_same_dialog() {
    let shop = MaxShop::with(Options::default(), true).await;
    let shopper = Shopper::new(123_456_789, "Иван Петров");
    let (mid, status) = shop
        .max
        .shopper_writes(TOKEN, &shopper, "Здравствуйте! Где мой заказ 1456789012?")
        .await;
    assert_eq!(status, Some(200));

    let sent = shop.replies(1).await;
    let reply = &sent[0];
    assert_eq!(
        reply.chat_id,
        Some(shopper.chat_id),
        "answered in the shopper's dialog"
    );
    assert_eq!(reply.format.as_deref(), Some("markdown"));
    assert!(
        reply.shown.contains("1456789012"),
        "an answer about the order: {}",
        reply.shown
    );
    assert!(
        reply.shown.contains("пункте выдачи"),
        "from the synced order: {}",
        reply.shown
    );

    let mut conn = shop.app.db().await;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        body: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        external_id: Option<String>,
    }
    let rows: Vec<Row> = diesel_async::RunQueryDsl::load(
        diesel::sql_query("SELECT body, external_id FROM messages ORDER BY id"),
        &mut conn,
    )
    .await
    .expect("messages");
    assert_eq!(rows.len(), 2);
    assert_eq!(
        rows[0].external_id.as_deref(),
        Some(mid.as_str()),
        "the shopper's mid"
    );
    assert_eq!(
        rows[1].body, reply.shown,
        "the shopper reads exactly the stored reply"
    );
    assert_eq!(rows[1].external_id.as_deref(), Some(reply.mid.as_str()));
    assert_eq!(
        outbound_statuses(&mut conn).await,
        vec![("sent".to_owned(), None)]
    );
    assert_eq!(
        shop.app
            .count("SELECT count(*) AS n FROM customers WHERE external_id = '123456789' AND display_name = 'Иван Петров'")
            .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn markdown_is_escaped_so_the_shopper_reads_what_the_operator_wrote() {
    let shop = MaxShop::start().await;
    let shopper = Shopper::new(42, "Оля");
    let (_, status) = shop
        .max
        .shopper_writes(TOKEN, &shopper, "Есть скидки?")
        .await;
    assert_eq!(status, Some(200), "the webhook took the update");
    shop.replies(1).await; // the handoff acknowledgement
    let text = "*Скидка* 10% на 2+ вещи, __до__ 1 декабря ~~не~~ ^^важно^^ `код` [условия](http://x.ru)\n\
                # не заголовок\n> не цитата\nC:\\путь\\файл_1";
    let conversation = shop.conversation().await;
    let (status, body) = post(
        &shop.app,
        &format!("/api/v1/conversations/{conversation}/reply"),
        Some(&shop.admin),
        json!({ "text": text }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let sent = shop.replies(2).await;
    assert_eq!(sent[1].format.as_deref(), Some("markdown"));
    assert_ne!(sent[1].text, text, "sent escaped");
    assert_eq!(sent[1].shown, text, "read as written");
}

/// An outbound message of the conversation offering buttons, as the assistant will.
async fn offer_choices(shop: &MaxShop, conversation: i64, text: &str, choices: Value) -> MessageId {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let id: Id = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query(format!(
            "INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author, body,
                                   delivery_status, meta)
             SELECT tenant_id, id, channel_id, 'outbound', 'bot', '{text}', 'pending',
                    jsonb_build_object('choices', '{choices}'::jsonb)
               FROM conversations WHERE id = {conversation} RETURNING id"
        )),
        &mut shop.app.db().await,
    )
    .await
    .expect("an outbound message");
    let message_id = MessageId(id.id);
    let redis = otklik_jobs::connect(&crate::support::redis_url())
        .await
        .expect("redis");
    Queues::new(redis, &shop.app.queue_settings())
        .push_delivery(Deliver {
            tenant_id: shop.app.tenant.tenant_id(),
            message_id,
        })
        .await
        .expect("enqueue");
    message_id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn choices_are_buttons_and_a_press_is_answered_and_taken_in() {
    let shop = MaxShop::start().await;
    let shopper = Shopper::new(77, "Маша");
    shop.max
        .shopper_writes(TOKEN, &shopper, "Вопрос по заказу")
        .await;
    shop.replies(1).await;
    let conversation = shop.conversation().await;
    offer_choices(
        &shop,
        conversation,
        "Что вы хотите узнать?",
        json!(["Где мой заказ?", {"label": "Вернуть товар", "payload": "return"}]),
    )
    .await;
    let sent = shop.replies(2).await;
    assert_eq!(
        sent[1].buttons,
        vec![
            ("Где мой заказ?".to_owned(), "Где мой заказ?".to_owned()),
            ("Вернуть товар".to_owned(), "return".to_owned()),
        ]
    );

    let (callback_id, status) = shop
        .max
        .press(TOKEN, &shopper, &sent[1].mid, "return")
        .await;
    assert_eq!(status, Some(200));
    let answered = shop
        .app
        .eventually(Duration::from_secs(10), 1, || async {
            shop.max.calls("/answers").len()
        })
        .await;
    assert_eq!(answered, 1, "the press was answered");
    let answer = &shop.max.calls("/answers")[0];
    assert_eq!(answer.query.get("callback_id"), Some(&callback_id));
    assert_eq!(answer.body["notification"], "Принято");
    let recorded = shop
        .app
        .eventually(Duration::from_secs(10), 1, || async {
            shop.app
                .count("SELECT count(*) AS n FROM messages WHERE direction = 'inbound' AND body = 'return'")
                .await
        })
        .await;
    assert_eq!(recorded, 1, "the press is what the shopper said");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_bot_is_not_written_to_until_started_again() {
    let shop = MaxShop::start().await;
    let shopper = Shopper::new(88, "Петя");
    shop.max
        .shopper_writes(TOKEN, &shopper, "Добрый день")
        .await;
    shop.replies(1).await;
    assert_eq!(
        shop.max.lifecycle(TOKEN, &shopper, "bot_stopped").await,
        Some(200)
    );
    let stopped = shop
        .app
        .eventually(Duration::from_secs(10), 1, || async {
            shop.app
                .count("SELECT count(*) AS n FROM customers WHERE stopped_at IS NOT NULL")
                .await
        })
        .await;
    assert_eq!(stopped, 1, "the shopper is marked");

    let conversation = shop.conversation().await;
    let (status, _) = post(
        &shop.app,
        &format!("/api/v1/conversations/{conversation}/reply"),
        Some(&shop.admin),
        json!({ "text": "Вы здесь?" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let statuses = shop
        .app
        .eventually(Duration::from_secs(10), 2, || async {
            outbound_statuses(&mut shop.app.db().await).await.len()
        })
        .await;
    assert_eq!(statuses, 2);
    let last = shop
        .app
        .eventually(
            Duration::from_secs(10),
            "undeliverable".to_owned(),
            || async {
                outbound_statuses(&mut shop.app.db().await).await[1]
                    .0
                    .clone()
            },
        )
        .await;
    assert_eq!(last, "undeliverable");
    assert_eq!(
        shop.max.calls("/messages").len(),
        1,
        "MAX was not asked to send it"
    );

    // Started again: written to again. (People handle this conversation, so the bot does not
    // greet; `the_greeting_speaks_the_shoppers_language_once_per_start` covers greetings.)
    assert_eq!(
        shop.max.lifecycle(TOKEN, &shopper, "bot_started").await,
        Some(200)
    );
    let resumed = shop
        .app
        .eventually(Duration::from_secs(10), 0, || async {
            shop.app
                .count("SELECT count(*) AS n FROM customers WHERE stopped_at IS NOT NULL")
                .await
        })
        .await;
    assert_eq!(resumed, 0);
    let (status, _) = post(
        &shop.app,
        &format!("/api/v1/conversations/{conversation}/reply"),
        Some(&shop.admin),
        json!({ "text": "Снова на связи" }),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let sent = shop.replies(2).await;
    assert_eq!(sent[1].shown, "Снова на связи");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_greeting_speaks_the_shoppers_language_once_per_start() {
    let shop = MaxShop::with(
        Options {
            operator_only: false,
            ..Options::default()
        },
        false,
    )
    .await;
    let mut shopper = Shopper::new(99, "John Doe");
    shopper.locale = "en-GB".into();
    let update = json!({"update_type": "bot_started", "timestamp": 1_775_025_604_499_i64,
        "chat_id": shopper.chat_id, "user": {"user_id": 99, "first_name": "John", "name": "John Doe"},
        "user_locale": "en-GB"});
    assert_eq!(shop.max.deliver(TOKEN, &update).await, Some(200));
    assert_eq!(
        shop.max.deliver(TOKEN, &update).await,
        Some(200),
        "redelivered"
    );
    let sent = shop.replies(1).await;
    assert!(
        sent[0]
            .shown
            .starts_with("Hello! This is Тестовый магазин."),
        "{}",
        sent[0].shown
    );
    assert!(sent[0].shown.contains("order number"), "{}", sent[0].shown);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(shop.max.sent().len(), 1, "one greeting per start");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_and_an_unready_attachment_are_retried_and_a_denied_chat_is_undeliverable() {
    let shop = MaxShop::start().await;
    shop.max.script("/messages", Script::RateLimited(Some(1)));
    shop.max.script("/messages", Script::AttachmentNotReady);
    let shopper = Shopper::new(11, "Лена");
    shop.max.shopper_writes(TOKEN, &shopper, "Алло").await;
    let sent = shop.replies(1).await;
    let calls = shop.max.calls("/messages");
    assert_eq!(
        calls.len(),
        3,
        "the 429, the unready attachment, then the send"
    );
    let waited = calls[1].at.duration_since(calls[0].at);
    assert!(
        waited >= Duration::from_millis(950),
        "retried after Retry-After: {waited:?}"
    );
    assert_eq!(sent[0].chat_id, Some(shopper.chat_id));
    let statuses = shop
        .app
        .eventually(
            Duration::from_secs(5),
            vec![("sent".to_owned(), None)],
            || async { outbound_statuses(&mut shop.app.db().await).await },
        )
        .await;
    assert_eq!(statuses, vec![("sent".to_owned(), None)]);

    // Another shopper blocked the bot: MAX answers 403 chat.denied once, and that is final.
    shop.max.script("/messages", Script::Denied);
    let blocked = Shopper::new(12, "Коля");
    shop.max.shopper_writes(TOKEN, &blocked, "Привет").await;
    let status = shop
        .app
        .eventually(
            Duration::from_secs(15),
            "undeliverable".to_owned(),
            || async {
                outbound_statuses(&mut shop.app.db().await)
                    .await
                    .get(1)
                    .map(|(s, _)| s.clone())
                    .unwrap_or_default()
            },
        )
        .await;
    assert_eq!(status, "undeliverable");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(shop.max.calls("/messages").len(), 4, "not retried");
    assert_eq!(
        shop.app
            .count("SELECT count(*) AS n FROM customers WHERE external_id = '12' AND stopped_at IS NOT NULL")
            .await,
        1,
        "the shopper is marked unreachable"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn edits_and_removals_change_the_stored_message() {
    let shop = MaxShop::start().await;
    let shopper = Shopper::new(21, "Саша");
    let (mid, _) = shop
        .max
        .shopper_writes(TOKEN, &shopper, "Где заказ 1234?")
        .await;
    shop.replies(1).await;
    let mut edited = otklik_tests::max::message_created(1, &shopper, &mid, "Где заказ 12345?");
    edited["update_type"] = json!("message_edited");
    assert_eq!(shop.max.deliver(TOKEN, &edited).await, Some(200));
    let body = shop
        .app
        .eventually(Duration::from_secs(10), 1, || async {
            shop.app
                .count("SELECT count(*) AS n FROM messages WHERE body = 'Где заказ 12345?' AND meta->>'original_body' = 'Где заказ 1234?'")
                .await
        })
        .await;
    assert_eq!(
        body, 1,
        "the edit replaced the text and kept the first version"
    );
    let removed = json!({"update_type": "message_removed", "timestamp": 1, "message_id": mid,
                         "chat_id": shopper.chat_id, "user_id": shopper.user_id});
    assert_eq!(shop.max.deliver(TOKEN, &removed).await, Some(200));
    let marked = shop
        .app
        .eventually(Duration::from_secs(10), 1, || async {
            shop.app
                .count("SELECT count(*) AS n FROM messages WHERE meta ? 'removed_at'")
                .await
        })
        .await;
    assert_eq!(marked, 1, "kept for operators, marked removed");
}

/// The vendor's example bodies (`tests/fixtures/max`), each posted alone as the webhook gets it.
fn examples() -> Vec<(String, Value)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/max");
    let mut updates = Vec::new();
    for entry in std::fs::read_dir(dir).expect("fixtures") {
        let path = entry.expect("entry").path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if !name.starts_with("update.") {
            continue;
        }
        let file: Value =
            serde_json::from_str(&std::fs::read_to_string(&path).expect("read")).expect("JSON");
        for update in file["updates"].as_array().expect("updates") {
            updates.push((name.clone(), update.clone()));
        }
    }
    updates.sort_by(|a, b| a.0.cmp(&b.0));
    updates
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vendors_example_updates_are_taken_in_or_dropped_as_they_should() {
    let shop = MaxShop::start().await;
    // The example message is in a group chat; this channel answers them.
    {
        let vault = otklik_db::sealed::Vault::new(&shop.app.config.master_keys());
        let mut conn = shop.app.db().await;
        let channel = otklik_db::channels::get(&mut conn, shop.app.tenant, shop.channel)
            .await
            .expect("read the channel")
            .expect("the channel");
        let mut open = channel.open(&vault);
        open["group_chats"] = serde_json::json!(true);
        diesel_async::RunQueryDsl::execute(
            diesel::sql_query("UPDATE channels SET credentials = $1 WHERE id = $2")
                .bind::<diesel::sql_types::Jsonb, _>(vault.seal(&open))
                .bind::<diesel::sql_types::BigInt, _>(shop.channel),
            &mut conn,
        )
        .await
        .expect("group chats on");
    }
    let examples = examples();
    assert_eq!(examples.len(), 15, "every update type of the examples");
    for (name, update) in &examples {
        let status = shop
            .post_raw(update.to_string().into_bytes(), Some(&shop.secret()))
            .await;
        assert_eq!(status, StatusCode::OK, "{name}");
    }
    // The group message (with its forward) and the button press are shopper messages; the start
    // brings a greeting; chat membership, titles and mutes are dropped at the door.
    let inbound = shop
        .app
        .eventually(Duration::from_secs(15), 2, || async {
            shop.app
                .count("SELECT count(*) AS n FROM messages WHERE direction = 'inbound'")
                .await
        })
        .await;
    assert_eq!(inbound, 2);
    assert_eq!(
        shop.app
            .count("SELECT count(*) AS n FROM messages WHERE external_id = 'mid.ffffbdb48e6c3775019d496b34394b84' AND attachments->0->>'text' = 'Лада седан - баклажан'")
            .await,
        1,
        "the group message with its forward"
    );
    assert_eq!(
        shop.app
            .count("SELECT count(*) AS n FROM messages WHERE body = 'picture' AND external_id LIKE 'callback:%'")
            .await,
        1,
        "the button press"
    );
    let answered = shop
        .app
        .eventually(Duration::from_secs(10), 1, || async {
            shop.max.calls("/answers").len()
        })
        .await;
    assert_eq!(answered, 1);
    // Replayed: MAX redelivers; nothing new is taken in.
    for (name, update) in &examples {
        let status = shop
            .post_raw(update.to_string().into_bytes(), Some(&shop.secret()))
            .await;
        assert_eq!(status, StatusCode::OK, "{name} again");
    }
    tokio::time::sleep(Duration::from_millis(2000)).await;
    assert_eq!(
        shop.app
            .count("SELECT count(*) AS n FROM messages WHERE direction = 'inbound'")
            .await,
        2
    );
    assert_eq!(
        shop.max.calls("/answers").len(),
        1,
        "a redelivered press is not answered twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_webhook_input_is_refused_and_changes_nothing() {
    let shop = MaxShop::start().await;
    let update = otklik_tests::max::message_created(1, &Shopper::new(5, "Ира"), "mid.x", "Привет")
        .to_string()
        .into_bytes();
    assert_eq!(
        shop.post_raw(update.clone(), None).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        shop.post_raw(update.clone(), Some("wrong-secret")).await,
        StatusCode::UNAUTHORIZED
    );
    let other =
        WebhookSecrets::new(SecretString::from(MASTER_KEY)).max(ChannelId(shop.channel.0 + 1));
    assert_eq!(
        shop.post_raw(update.clone(), Some(&other)).await,
        StatusCode::UNAUTHORIZED
    );
    let telegram = WebhookSecrets::new(SecretString::from(MASTER_KEY)).telegram(shop.channel);
    assert_eq!(
        shop.post_raw(update, Some(&telegram)).await,
        StatusCode::UNAUTHORIZED
    );
    let secret = shop.secret();
    assert_eq!(
        shop.post_raw(b"{not json".to_vec(), Some(&secret)).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        shop.post_raw(b"[1, 2]".to_vec(), Some(&secret)).await,
        StatusCode::BAD_REQUEST
    );
    let headless = br#"{"update_type": "message_created", "timestamp": 1, "message": {}}"#;
    assert_eq!(
        shop.post_raw(headless.to_vec(), Some(&secret)).await,
        StatusCode::BAD_REQUEST
    );
    let unknown = br#"{"update_type": "message_reaction", "timestamp": 1, "chat_id": 5}"#;
    assert_eq!(
        shop.post_raw(unknown.to_vec(), Some(&secret)).await,
        StatusCode::OK
    );
    let huge =
        json!({"update_type": "message_created", "timestamp": 1, "padding": "x".repeat(1_100_000)});
    assert_eq!(
        shop.post_raw(huge.to_string().into_bytes(), Some(&secret))
            .await,
        StatusCode::PAYLOAD_TOO_LARGE
    );
    let status = shop
        .app
        .http
        .post(format!("{}/hooks/max/not-a-number", shop.app.base))
        .header("X-Max-Bot-Api-Secret", &secret)
        .body("{}")
        .send()
        .await
        .expect("post")
        .status();
    assert_eq!(status, StatusCode::NOT_FOUND);
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
