//! A web-chat visitor rates the answers (CSAT) through the public endpoint: kept once, credited
//! to whoever answered, and nothing stored for bad input or someone else's conversation.

use std::time::Duration;

use otklik_db::channels;
use otklik_db::sealed::Sealed;
use otklik_schema::ChannelKind;
use serde_json::{Value, json};

use crate::support::TestApp;

/// Writes as `visitor` on the test shop's web chat and waits until the answer is in their history.
async fn ask_and_wait_for_answer(app: &TestApp, visitor: &str, text: &str) {
    let chat = format!("{}/chat/{}", app.base, app.webchat_channel);
    let posted = app
        .http
        .post(format!("{chat}/messages"))
        .json(&json!({ "visitor_id": visitor, "client_message_id": format!("{visitor}-1"), "text": text }))
        .send()
        .await
        .expect("post");
    assert_eq!(posted.status(), 202);
    let history = format!("{chat}/history?visitor={visitor}");
    for _ in 0..200 {
        let lines: Vec<Value> = app
            .http
            .get(&history)
            .send()
            .await
            .expect("history")
            .json()
            .await
            .expect("json");
        if lines.iter().any(|line| line["direction"] == "outbound") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no answer for {visitor}");
}

async fn rate(app: &TestApp, channel: impl std::fmt::Display, body: &Value) -> (u16, Value) {
    let response = app
        .http
        .post(format!("{}/chat/{channel}/rating", app.base))
        .json(body)
        .send()
        .await
        .expect("rate");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_rates_the_answer_once() {
    let app = TestApp::start().await;
    let visitor = "visitor-rates-0123456789";
    let ratings = || app.count("SELECT count(*) AS n FROM ratings");

    // Nobody has written yet: there is no conversation to rate.
    let (status, _) = rate(
        &app,
        app.webchat_channel,
        &json!({"visitor_id": visitor, "stars": 5}),
    )
    .await;
    assert_eq!(status, 404);

    // Written, but not answered yet (recorded as the inbound worker does, with no job queued).
    let waiting = "visitor-waiting-0123456789";
    let mut conn = app.db().await;
    otklik_db::conversations::record_inbound(
        &mut conn,
        app.tenant,
        &otklik_db::conversations::NewInbound {
            channel_id: app.webchat_channel,
            customer_external_id: waiting,
            customer_name: "Посетитель сайта",
            customer_username: None,
            chat_id: waiting,
            external_id: "waiting-message-1",
            body: "Здравствуйте",
            attachments: json!([]),
            reply_token: None,
            reply_due_at: None,
        },
    )
    .await
    .expect("inbound");
    let (status, body) = rate(
        &app,
        app.webchat_channel,
        &json!({"visitor_id": waiting, "stars": 5}),
    )
    .await;
    assert_eq!(status, 409, "{body}");

    ask_and_wait_for_answer(&app, visitor, "Есть размер M?").await;

    // Bad input is refused and stores nothing.
    for bad in [
        json!({"visitor_id": visitor, "stars": 0}),
        json!({"visitor_id": visitor, "stars": 6}),
        json!({"visitor_id": visitor, "stars": -1}),
        json!({"visitor_id": visitor, "stars": 4.5}),
        json!({"visitor_id": visitor, "stars": "5"}),
        json!({"visitor_id": visitor}),
        json!({"visitor_id": "short", "stars": 5}),
        json!({"visitor_id": visitor, "stars": 5, "resolved_by": "operator"}),
    ] {
        let (status, _) = rate(&app, app.webchat_channel, &bad).await;
        assert_eq!(status, 400, "{bad}");
    }
    let malformed = app
        .http
        .post(format!("{}/chat/{}/rating", app.base, app.webchat_channel))
        .header("content-type", "application/json")
        .body("{\"visitor_id\": ")
        .send()
        .await
        .expect("malformed");
    assert_eq!(malformed.status(), 400);

    // Another shop's web chat: this visitor has no conversation there, and cannot reach theirs.
    let other_shop = otklik_db::tenants::create(&mut conn, "Другой магазин", "other-shop")
        .await
        .expect("tenant");
    let other_chat = channels::create(
        &mut conn,
        other_shop,
        ChannelKind::Webchat,
        "Сайт",
        &Sealed::none(),
    )
    .await
    .expect("channel")
    .id;
    let (status, _) = rate(
        &app,
        other_chat,
        &json!({"visitor_id": visitor, "stars": 1}),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = rate(
        &app,
        "not-a-channel",
        &json!({"visitor_id": visitor, "stars": 1}),
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(ratings().await, 0, "nothing stored for refused ratings");

    // The rating is kept for the visitor's conversation, credited to the assistant that answered.
    let (status, body) = rate(
        &app,
        app.webchat_channel,
        &json!({"visitor_id": visitor, "stars": 4}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    let conversation = app
        .count(&format!(
            "SELECT id AS n FROM conversations WHERE external_chat_id = '{visitor}'"
        ))
        .await;
    let kept = otklik_db::ratings::of_conversation(
        &mut conn,
        app.tenant,
        otklik_schema::ConversationId(conversation),
    )
    .await
    .expect("rating")
    .expect("kept");
    assert_eq!(kept.stars, 4);
    assert_eq!(kept.resolved_by, otklik_schema::Resolver::Bot);
    assert_eq!(kept.channel_id, app.webchat_channel);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM conversation_metrics WHERE stars = 4")
            .await,
        1,
        "the analytics see the rating"
    );

    // The first rating stands.
    let (status, body) = rate(
        &app,
        app.webchat_channel,
        &json!({"visitor_id": visitor, "stars": 1}),
    )
    .await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(ratings().await, 1);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM ratings WHERE stars = 4")
            .await,
        1
    );

    // A person who wrote in the conversation is credited with it.
    let helped = "visitor-helped-0123456789";
    ask_and_wait_for_answer(&app, helped, "Где мой заказ?").await;
    diesel_async::RunQueryDsl::execute(
        diesel::sql_query(format!(
            "INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author, body,
                                   delivery_status, sent_at)
             SELECT tenant_id, id, channel_id, 'outbound', 'operator', 'Заказ уже в пути.', 'sent', now()
               FROM conversations WHERE external_chat_id = '{helped}'"
        )),
        &mut conn,
    )
    .await
    .expect("operator reply");
    let (status, body) = rate(
        &app,
        app.webchat_channel,
        &json!({"visitor_id": helped, "stars": 5}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM ratings WHERE stars = 5 AND resolved_by = 'operator'")
            .await,
        1
    );
}
