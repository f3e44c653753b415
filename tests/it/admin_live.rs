//! `GET /ws`, the dashboard's live socket: an operator hears its own shop's events and never
//! another shop's, with the token as the first message (never in the URL, where logs keep it);
//! a bad, missing or URL-borne token is refused with close code 4401. The workers tell the same topic when an
//! operator's reply is delivered and when a shopper writes to a conversation an operator holds,
//! so an open chat needs no polling.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use diesel_async::RunQueryDsl;
use futures::{SinkExt, StreamExt};
use otklik_schema::TenantId;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::support::{TestApp, redis_url};

type Socket =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// A new shop signs up; its admin's access token and tenant.
pub(crate) async fn shop(app: &TestApp, slug: &str) -> (String, TenantId) {
    let response = app
        .http
        .post(format!("{}/api/v1/auth/signup", app.base))
        .json(
            &json!({"accept_terms": true, "accept_personal_data": true, "shop_name": format!("Магазин {slug}"), "slug": slug,
            "email": format!("boss@{slug}.example"), "password": "correct horse battery"}),
        )
        .send()
        .await
        .expect("sign up");
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    let session: Value = response.json().await.expect("session");
    (
        session["access_token"]
            .as_str()
            .expect("access token")
            .to_owned(),
        TenantId(session["user"]["tenant_id"].as_i64().expect("tenant id")),
    )
}

fn ws_url(app: &TestApp, query: &str) -> String {
    format!("{}/ws{query}", app.base.replacen("http://", "ws://", 1))
}

async fn next_text(socket: &mut Socket, wait: Duration) -> Option<Value> {
    loop {
        match tokio::time::timeout(wait, socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                return Some(serde_json::from_str(text.as_str()).expect("JSON event"));
            }
            Ok(Some(Ok(Message::Ping(_) | Message::Pong(_)))) => {}
            _ => return None,
        }
    }
}

/// The close code the server ends the socket with.
async fn close_code(socket: &mut Socket) -> Option<CloseCode> {
    loop {
        match tokio::time::timeout(Duration::from_secs(15), socket.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => return frame.map(|f| f.code),
            Ok(Some(Ok(_))) => {}
            _ => return None,
        }
    }
}

async fn publish(app: &TestApp, tenant: TenantId, event: &Value) {
    let topic = otklik_jobs::topics::operators(&app.config.redis_namespace, tenant);
    let client = redis::Client::open(redis_url()).expect("redis url");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let _: i64 = redis::cmd("PUBLISH")
        .arg(topic)
        .arg(event.to_string())
        .query_async(&mut conn)
        .await
        .expect("publish");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_hear_their_own_shop_only() {
    let app = TestApp::start().await;
    let (token, tenant) = shop(&app, "svoy").await;
    let (_, other) = shop(&app, "chuzhoy").await;

    // The token as the first message, as the dashboard sends it.
    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url(&app, ""))
        .await
        .expect("connect");
    socket
        .send(Message::text(json!({"token": token}).to_string()))
        .await
        .expect("send the token");
    let ready = next_text(&mut socket, Duration::from_secs(10)).await;
    assert_eq!(ready, Some(json!({"type": "ready"})));
    let (mut second, _) = tokio_tungstenite::connect_async(ws_url(&app, ""))
        .await
        .expect("connect");
    second
        .send(Message::text(json!({"token": token}).to_string()))
        .await
        .expect("send the token");
    let ready = next_text(&mut second, Duration::from_secs(10)).await;
    assert_eq!(ready, Some(json!({"type": "ready"})));
    // A token in the URL is not taken: the socket waits for the first message, then refuses.
    let (mut in_url, _) =
        tokio_tungstenite::connect_async(ws_url(&app, &format!("?token={token}")))
            .await
            .expect("connect");
    assert_eq!(
        close_code(&mut in_url).await,
        Some(CloseCode::Library(4401)),
        "the socket takes no token in its URL"
    );

    publish(
        &app,
        other,
        &json!({"action": "handoff", "conversation_id": 1}),
    )
    .await;
    publish(
        &app,
        tenant,
        &json!({"action": "handoff", "conversation_id": 2}),
    )
    .await;
    for socket in [&mut socket, &mut second] {
        let event = next_text(socket, Duration::from_secs(10)).await;
        // Redis keeps order per connection: had the other shop's event come through, it
        // would be first.
        assert_eq!(
            event,
            Some(json!({"action": "handoff", "conversation_id": 2}))
        );
        assert_eq!(next_text(socket, Duration::from_millis(300)).await, None);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_are_refused_with_4401() {
    let app = TestApp::start().await;
    let (token, _) = shop(&app, "svoy").await;
    let forged = format!("{}x", token);

    let (mut socket, _) =
        tokio_tungstenite::connect_async(ws_url(&app, &format!("?token={forged}")))
            .await
            .expect("connect");
    assert_eq!(close_code(&mut socket).await, Some(CloseCode::from(4401)));

    let (mut socket, _) = tokio_tungstenite::connect_async(ws_url(&app, ""))
        .await
        .expect("connect");
    socket.send(Message::text("not json")).await.expect("send");
    assert_eq!(close_code(&mut socket).await, Some(CloseCode::from(4401)));

    // Not a WebSocket at all: a plain 400, not a hang.
    let response = app
        .http
        .get(format!("{}/ws", app.base))
        .send()
        .await
        .expect("plain GET");
    assert_eq!(response.status(), reqwest::StatusCode::BAD_REQUEST);
}

/// Waits for the first event `wanted` accepts.
async fn heard(events: &Mutex<Vec<Value>>, wanted: impl Fn(&Value) -> bool) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let found = events
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .find(|event| wanted(event))
            .cloned();
        if found.is_some() || tokio::time::Instant::now() >= deadline {
            return found;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn newest_inbound(app: &TestApp) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT id FROM messages WHERE direction = 'inbound' ORDER BY id DESC LIMIT 1",
    )
    .load(&mut app.db().await)
    .await
    .expect("newest inbound message");
    rows.into_iter()
        .next()
        .map(|row| row.id)
        .expect("an inbound message")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delivery_ticks_and_shopper_messages_reach_the_open_chat() {
    let app = TestApp::start().await;
    let admin = crate::admin_settings::admin_of_test_shop(&app).await;
    let events = app.operator_events().await;

    app.shopper_writes(1, 7001, 1, "Здравствуйте, где мой заказ?")
        .await;
    let first = heard(&events, |e| {
        e["type"] == "message" && e["message_id"].is_i64()
    })
    .await;
    let first = first.expect("the first shopper message is announced");
    let conversation = first["conversation_id"].as_i64().expect("conversation id");
    assert_eq!(first["message_id"], json!(newest_inbound(&app).await));

    let response = app
        .http
        .post(format!(
            "{}/api/v1/conversations/{conversation}/reply",
            app.base
        ))
        .bearer_auth(&admin)
        .header("idempotency-key", "live-reply-1")
        .json(&json!({"text": "Добрый день! Сейчас посмотрю."}))
        .send()
        .await
        .expect("reply");
    assert_eq!(response.status(), reqwest::StatusCode::CREATED);
    let reply: Value = response.json().await.expect("the reply");
    let reply_id = reply["id"].as_i64().expect("reply id");

    // The tick turns to «sent» only once the fake Telegram has accepted the message.
    let delivered = heard(&events, |e| {
        e["type"] == "delivery" && e["message_id"] == json!(reply_id)
    })
    .await;
    assert_eq!(
        delivered,
        Some(json!({"type": "delivery", "conversation_id": conversation,
            "message_id": reply_id, "status": "sent"}))
    );
    assert!(
        app.telegram
            .sent()
            .iter()
            .any(|call| call.body["text"] == "Добрый день! Сейчас посмотрю."),
        "Telegram has the reply"
    );

    // The operator holds the conversation now: no turn runs, yet the screen hears the message.
    app.shopper_writes(2, 7001, 2, "Спасибо, жду").await;
    // (The operator's own reply is a `message` too, with the `action` a person took.)
    let second = heard(&events, |e| {
        e["type"] == "message"
            && e["action"].is_null()
            && e["message_id"].is_i64()
            && e["message_id"] != first["message_id"]
    })
    .await
    .expect("the shopper's message to the operator is announced");
    assert_eq!(second["conversation_id"], json!(conversation));
    assert_eq!(second["message_id"], json!(newest_inbound(&app).await));
}
