//! VK community messages end to end: a community connected through the admin API (the Callback
//! API handshake included), events through the webhook, the queues and workers, and
//! `messages.send` at the fake VK — form-encoded, with a `random_id` that makes retries safe,
//! errors read from inside HTTP 200.

use std::time::Duration;

use otklik_jobs::{Deliver, Queues, WebhookSecrets};
use otklik_schema::{ChannelId, MessageId};
use otklik_tests::FakeVk;
use otklik_tests::vk::Script;
use reqwest::StatusCode;
use secrecy::SecretString;
use serde_json::{Value, json};

use crate::admin_auth::post;
use crate::admin_settings::admin_of_test_shop;
use crate::support::{MASTER_KEY, Options, TestApp, outbound_statuses};

pub(crate) const GROUP: i64 = 218_000_111;
pub(crate) const TOKEN: &str = "vk1.a.community-token-0123456789";
const CODE: &str = "693d0ba9";

struct VkShop {
    app: TestApp,
    vk: FakeVk,
    admin: String,
    channel: ChannelId,
}

impl VkShop {
    async fn start() -> Self {
        Self::with(Options::default(), false).await
    }

    async fn with(options: Options, assistant: bool) -> Self {
        let vk = FakeVk::start().await.expect("start the fake VK");
        vk.add_community(GROUP, TOKEN, CODE);
        let options = Options {
            env: [options.env, vec![("OTKLIK_VK_API_URL", vk.url())]].concat(),
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
            "/api/v1/channels/vk",
            Some(&admin),
            json!({"name": "Сообщество", "group_id": GROUP, "access_token": TOKEN}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{channel}");
        let channel = ChannelId(channel["id"].as_i64().expect("an id"));
        let confirmed = vk.wait_for_confirmed(GROUP, Duration::from_secs(10)).await;
        assert!(
            confirmed.is_some(),
            "VK confirmed the server: {:?}",
            vk.servers(GROUP)
        );
        Self {
            app,
            vk,
            admin,
            channel,
        }
    }

    fn hook(&self) -> String {
        format!("{}/hooks/vk/{}", self.app.base, self.channel)
    }

    fn secret(&self) -> String {
        WebhookSecrets::new(SecretString::from(MASTER_KEY)).vk(self.channel)
    }

    /// Posts `body` to the webhook; the status and the plain-text answer.
    async fn post_raw(&self, body: Vec<u8>) -> (StatusCode, String) {
        let response = self
            .app
            .http
            .post(self.hook())
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("post");
        let status = response.status();
        (status, response.text().await.unwrap_or_default())
    }

    fn event(&self, kind: &str, event_id: &str, object: Value) -> Value {
        json!({"group_id": GROUP, "type": kind, "event_id": event_id, "v": "5.199",
               "object": object, "secret": self.secret()})
    }

    async fn replies(&self, count: usize) -> Vec<otklik_tests::vk::Sent> {
        let sent = self.vk.wait_for_sent(count, Duration::from_secs(20)).await;
        assert_eq!(sent.len(), count, "messages the shopper received: {sent:?}");
        sent
    }
}

fn message_new(user_id: i64, cmid: i64, text: &str) -> Value {
    json!({"message": {"date": 1_718_000_000, "from_id": user_id, "id": 5000 + cmid, "out": 0,
                       "version": 10432, "peer_id": user_id, "conversation_message_id": cmid,
                       "text": text, "attachments": [], "fwd_messages": [], "important": false,
                       "is_hidden": false},
           "client_info": {"button_actions": ["text", "callback"], "keyboard": true,
                           "inline_keyboard": true, "carousel": true, "lang_id": 0}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connecting_confirms_the_server_subscribes_message_events_and_switching_off_removes_it() {
    let shop = VkShop::start().await;
    let servers = shop.vk.servers(GROUP);
    assert_eq!(servers.len(), 1);
    assert_eq!(servers[0].url, shop.hook());
    assert_eq!(servers[0].secret, shop.secret());
    assert_eq!(
        servers[0].status, "ok",
        "the handshake echoed the confirmation string"
    );
    for event in [
        "message_new",
        "message_event",
        "message_allow",
        "message_deny",
        "message_edit",
    ] {
        assert!(
            servers[0].events.iter().any(|e| e == event),
            "{event}: {:?}",
            servers[0].events
        );
    }
    let settings = &shop.vk.calls("groups.setCallbackSettings")[0];
    assert_eq!(
        settings.params.get("api_version").map(String::as_str),
        Some("5.199")
    );
    assert_eq!(
        settings.token.as_deref(),
        Some(TOKEN),
        "a Bearer token, not a parameter"
    );
    assert!(!settings.params.contains_key("access_token"));

    // A token VK does not know, and a community this token does not manage.
    let (status, error) = post(
        &shop.app,
        "/api/v1/channels/vk",
        Some(&shop.admin),
        json!({"name": "Чужое", "group_id": GROUP, "access_token": "vk1.a.revoked"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["fields"][0]["code"], "vk_token_rejected");
    let (status, error) = post(
        &shop.app,
        "/api/v1/channels/vk",
        Some(&shop.admin),
        json!({"name": "Чужое", "group_id": 1, "access_token": TOKEN}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["fields"][0]["field"], "group_id");
    assert_eq!(
        error["error"]["fields"][0]["code"],
        "vk_community_not_managed"
    );
    let (status, _) = post(
        &shop.app,
        "/api/v1/channels/vk",
        Some(&shop.admin),
        json!({"name": "Чужое", "group_id": -5, "access_token": TOKEN}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        shop.app
            .count("SELECT count(*) AS n FROM channels WHERE kind = 'vk'")
            .await,
        1
    );

    let (status, _) = crate::admin_auth::call(
        &shop.app,
        reqwest::Method::DELETE,
        &format!("/api/v1/channels/{}", shop.channel),
        Some(&shop.admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert!(
        shop.vk.servers(GROUP).is_empty(),
        "the callback server is removed"
    );
    let (status, _) = shop
        .post_raw(
            json!({"type": "confirmation", "group_id": GROUP})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "no handshake for a switched-off channel"
    );
    let late = shop.event("message_new", "late-1", message_new(111, 1, "Есть кто?"));
    let (status, body) = shop.post_raw(late.to_string().into_bytes()).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        shop.app.count("SELECT count(*) AS n FROM messages").await,
        0,
        "ignored"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shoppers_message_gets_the_assistants_reply_once_even_when_redelivered() {
    let shop = VkShop::with(Options::default(), true).await;
    let event = shop.event(
        "message_new",
        "4b8c3b2f8d1e",
        message_new(111, 7, "Здравствуйте! Где мой заказ 1456789012?"),
    );
    let (status, body) = shop.post_raw(event.to_string().into_bytes()).await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok"));
    let (status, body) = shop.post_raw(event.to_string().into_bytes()).await;
    assert_eq!(
        (status, body.as_str()),
        (StatusCode::OK, "ok"),
        "a redelivery is acknowledged"
    );

    let sent = shop.replies(1).await;
    assert_eq!(sent[0].peer_id, 111);
    assert!(
        sent[0].message.contains("1456789012"),
        "{}",
        sent[0].message
    );
    assert!(
        sent[0].message.contains("пункте выдачи"),
        "{}",
        sent[0].message
    );
    let call = &shop.vk.calls("messages.send")[0];
    assert!(
        call.params
            .get("random_id")
            .is_some_and(|r| r.parse::<i64>().is_ok())
    );
    assert_eq!(call.params.get("v").map(String::as_str), Some("5.199"));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(shop.vk.sent().len(), 1, "one reply");
    assert_eq!(
        shop.app.count("SELECT count(*) AS n FROM messages WHERE direction = 'inbound' AND external_id = '111:7'").await,
        1
    );
    assert_eq!(
        shop.app
            .count("SELECT count(*) AS n FROM customers WHERE username = 'id111'")
            .await,
        1
    );
}

/// An outbound message offering buttons, as the assistant will.
async fn offer_choices(app: &TestApp, conversation: i64, choices: Value) -> MessageId {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let id: Id = diesel_async::RunQueryDsl::get_result(
        diesel::sql_query(format!(
            "INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author, body,
                                   delivery_status, meta)
             SELECT tenant_id, id, channel_id, 'outbound', 'bot', 'Чем помочь?', 'pending',
                    jsonb_build_object('choices', '{choices}'::jsonb)
               FROM conversations WHERE id = {conversation} RETURNING id"
        )),
        &mut app.db().await,
    )
    .await
    .expect("an outbound message");
    let redis = otklik_jobs::connect(&crate::support::redis_url())
        .await
        .expect("redis");
    Queues::new(redis, &app.queue_settings())
        .push_delivery(Deliver {
            tenant_id: app.tenant.tenant_id(),
            message_id: MessageId(id.id),
        })
        .await
        .expect("enqueue");
    MessageId(id.id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn choices_are_callback_buttons_and_a_press_is_answered_and_taken_in() {
    let shop = VkShop::start().await;
    shop.vk.shopper_writes(GROUP, 222, "Вопрос").await;
    shop.replies(1).await;
    let conversation = crate::support::count(
        &mut shop.app.db().await,
        "SELECT max(id) AS n FROM conversations",
    )
    .await;
    offer_choices(
        &shop.app,
        conversation,
        json!(["Где мой заказ?", {"label": "Возврат", "payload": "return"}]),
    )
    .await;
    let sent = shop.replies(2).await;
    assert_eq!(
        sent[1].buttons,
        vec![
            (
                "Где мой заказ?".to_owned(),
                r#"{"choice":"Где мой заказ?"}"#.to_owned()
            ),
            ("Возврат".to_owned(), r#"{"choice":"return"}"#.to_owned()),
        ]
    );
    let answers = shop.vk.press(GROUP, 222, &sent[1].buttons[1].1).await;
    assert_eq!(answers, vec![(200, "ok".to_owned())]);
    let answered = shop
        .app
        .eventually(Duration::from_secs(10), 1, || async {
            shop.vk.calls("messages.sendMessageEventAnswer").len()
        })
        .await;
    assert_eq!(answered, 1, "the press was answered");
    let call = &shop.vk.calls("messages.sendMessageEventAnswer")[0];
    assert_eq!(call.params.get("user_id").map(String::as_str), Some("222"));
    let recorded = shop
        .app
        .eventually(Duration::from_secs(10), 1, || async {
            shop.app
                .count("SELECT count(*) AS n FROM messages WHERE direction = 'inbound' AND body = 'return'")
                .await
        })
        .await;
    assert_eq!(recorded, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_inside_200_are_retried_or_final_and_a_lost_answer_never_duplicates() {
    let shop = VkShop::with(
        Options {
            env: vec![("OTKLIK_SEND_TIMEOUT_SECS", "1".into())],
            ..Options::default()
        },
        false,
    )
    .await;
    // Flood control, then an answer that comes too late (VK sent it; we never heard).
    shop.vk.script("messages.send", Script::Error(9));
    shop.vk
        .script("messages.send", Script::Delay(Duration::from_millis(1500)));
    shop.vk.shopper_writes(GROUP, 333, "Алло").await;
    let statuses = shop
        .app
        .eventually(
            Duration::from_secs(40),
            vec![("sent".to_owned(), None)],
            || async { outbound_statuses(&mut shop.app.db().await).await },
        )
        .await;
    assert_eq!(statuses, vec![("sent".to_owned(), None)]);
    let calls = shop.vk.calls("messages.send");
    assert_eq!(calls.len(), 3, "flood control, the lost answer, the retry");
    let ids: Vec<_> = calls
        .iter()
        .map(|c| c.params.get("random_id").cloned())
        .collect();
    assert!(
        ids.iter().all(|id| id.is_some() && *id == ids[0]),
        "one random_id: {ids:?}"
    );
    assert_eq!(shop.vk.sent().len(), 1, "the shopper got it once");

    // A shopper who never allowed the community's messages: 901 is final, and they are marked.
    shop.vk.script("messages.send", Script::Error(901));
    shop.vk.shopper_writes(GROUP, 444, "Привет").await;
    let last = shop
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
    assert_eq!(last, "undeliverable");
    // Operators read why in Russian; VK's own words are kept for support, not shown.
    let statuses = outbound_statuses(&mut shop.app.db().await).await;
    let why = statuses[1].1.clone().unwrap_or_default();
    assert!(why.starts_with("Ответ не доставлен"), "{why}");
    assert!(!why.chars().any(|c| c.is_ascii_alphabetic()), "{why}");
    assert_eq!(
        shop.app
            .count("SELECT count(*) AS n FROM messages WHERE meta ? 'provider_error'")
            .await,
        1
    );
    assert_eq!(
        shop.app.count("SELECT count(*) AS n FROM customers WHERE external_id = '444' AND stopped_at IS NOT NULL").await,
        1
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        shop.vk.calls("messages.send").len(),
        4,
        "901 is not retried"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shopper_who_denies_messages_is_not_written_to_until_they_allow_them() {
    let shop = VkShop::start().await;
    shop.vk.shopper_writes(GROUP, 555, "Здравствуйте").await;
    shop.replies(1).await;
    shop.vk
        .post_event(GROUP, "message_deny", json!({"user_id": 555}))
        .await;
    let stopped = shop
        .app
        .eventually(Duration::from_secs(10), 1, || async {
            shop.app
                .count("SELECT count(*) AS n FROM customers WHERE stopped_at IS NOT NULL")
                .await
        })
        .await;
    assert_eq!(stopped, 1);
    let conversation = crate::support::count(
        &mut shop.app.db().await,
        "SELECT max(id) AS n FROM conversations",
    )
    .await;
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
        .eventually(
            Duration::from_secs(10),
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
    assert_eq!(last, "undeliverable");
    assert_eq!(shop.vk.calls("messages.send").len(), 1, "VK was not asked");
    shop.vk
        .post_event(
            GROUP,
            "message_allow",
            json!({"user_id": 555, "key": "promo"}),
        )
        .await;
    let resumed = shop
        .app
        .eventually(Duration::from_secs(10), 0, || async {
            shop.app
                .count("SELECT count(*) AS n FROM customers WHERE stopped_at IS NOT NULL")
                .await
        })
        .await;
    assert_eq!(resumed, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_callback_input_is_refused_and_changes_nothing() {
    let shop = VkShop::start().await;
    // The handshake: this channel's community gets its code as plain text, another 403.
    let (status, body) = shop
        .post_raw(
            json!({"type": "confirmation", "group_id": GROUP})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, CODE));
    let (status, _) = shop
        .post_raw(
            json!({"type": "confirmation", "group_id": GROUP + 1})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let mut event = shop.event("message_new", "e-1", message_new(111, 1, "Привет"));
    event["secret"] = json!("wrong");
    assert_eq!(
        shop.post_raw(event.to_string().into_bytes()).await.0,
        StatusCode::UNAUTHORIZED
    );
    event.as_object_mut().map(|e| e.remove("secret"));
    assert_eq!(
        shop.post_raw(event.to_string().into_bytes()).await.0,
        StatusCode::UNAUTHORIZED
    );
    event["secret"] = json!(WebhookSecrets::new(SecretString::from(MASTER_KEY)).max(shop.channel));
    assert_eq!(
        shop.post_raw(event.to_string().into_bytes()).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        shop.post_raw(b"{oops".to_vec()).await.0,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        shop.post_raw(b"\"ok\"".to_vec()).await.0,
        StatusCode::BAD_REQUEST
    );
    let mut no_id = shop.event("message_new", "", message_new(111, 2, "Привет"));
    no_id.as_object_mut().map(|e| e.remove("event_id"));
    assert_eq!(
        shop.post_raw(no_id.to_string().into_bytes()).await.0,
        StatusCode::BAD_REQUEST
    );
    let unknown = shop.event("wall_post_new", "e-2", json!({"id": 1}));
    assert_eq!(
        shop.post_raw(unknown.to_string().into_bytes()).await,
        (StatusCode::OK, "ok".to_owned())
    );
    let huge = shop.event(
        "message_new",
        "e-3",
        message_new(111, 3, &"x".repeat(1_100_000)),
    );
    assert_eq!(
        shop.post_raw(huge.to_string().into_bytes()).await.0,
        StatusCode::PAYLOAD_TOO_LARGE
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
async fn the_start_button_greets_the_shopper_instead_of_being_answered() {
    let shop = VkShop::start().await;
    let mut start = message_new(666, 1, "Начать");
    start["message"]["payload"] = json!(r#"{"command":"start"}"#);
    let event = shop.event("message_new", "start-1", start);
    assert_eq!(
        shop.post_raw(event.to_string().into_bytes()).await.0,
        StatusCode::OK
    );
    assert_eq!(
        shop.post_raw(event.to_string().into_bytes()).await.0,
        StatusCode::OK,
        "redelivered"
    );
    let sent = shop.replies(1).await;
    assert_eq!(sent[0].peer_id, 666);
    assert_eq!(
        sent[0].message,
        "Здравствуйте! Это «Тестовый магазин». Напишите ваш вопрос — сотрудник магазина ответит здесь же."
    );
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(shop.vk.sent().len(), 1, "greeted once");
    assert_eq!(
        shop.app
            .count("SELECT count(*) AS n FROM messages WHERE direction = 'inbound'")
            .await,
        0,
        "«Начать» is not a question"
    );
}
