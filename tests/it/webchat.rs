use std::time::Duration;

use serde_json::{Value, json};

use crate::support::{PrivateRedis, TestApp};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_chat_round_trip_with_live_reply() {
    let app = TestApp::start().await;
    let chat = format!("{}/chat/{}", app.base, app.webchat_channel);
    let page = app.http.get(&chat).send().await.expect("page");
    assert_eq!(page.status(), 200);
    assert!(
        page.text()
            .await
            .expect("html")
            .contains("Поддержка магазина")
    );

    let visitor = "visitor-0123456789abcdef";
    let mut events = open_events(&app, visitor).await;

    let posted = app
        .http
        .post(format!("{chat}/messages"))
        .json(&json!({ "visitor_id": visitor, "client_message_id": "msg-000000000000001", "text": "Есть размер M?" }))
        .send()
        .await
        .expect("post");
    assert_eq!(posted.status(), 202);

    let reply = tokio::time::timeout(Duration::from_secs(20), next_data(&mut events))
        .await
        .ok()
        .flatten()
        .and_then(|data| serde_json::from_str::<Value>(&data).ok())
        .expect("a live reply");
    assert_eq!(reply["direction"], "outbound");
    assert!(
        reply["body"]
            .as_str()
            .unwrap_or_default()
            .contains("сотрудник")
    );

    let history_url = format!("{chat}/history?visitor={visitor}");
    let lines_now = || async {
        let response = app.http.get(&history_url).send().await.expect("history");
        response.json::<Vec<Value>>().await.expect("json")
    };
    // The reply is in the history by the time it is pushed: a page that subscribed too late
    // for the push finds it when it reads the history next.
    let lines = lines_now().await;
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["body"], "Есть размер M?");
    assert_eq!(lines[1]["direction"], "outbound");

    // Another visitor sees none of it.
    let other: Vec<Value> = app
        .http
        .get(format!("{chat}/history?visitor=someone-else-0123456789"))
        .send()
        .await
        .expect("history")
        .json()
        .await
        .expect("json");
    assert!(other.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_chat_rejects_bad_input() {
    let app = TestApp::start().await;
    let url = format!("{}/chat/{}/messages", app.base, app.webchat_channel);
    let post = |body: Value| app.http.post(&url).json(&body).send();
    let ok_ids = ("visitor-0123456789abcdef", "msg-000000000000001");
    assert_eq!(
        post(json!({"visitor_id": "short", "client_message_id": ok_ids.1, "text": "a"}))
            .await
            .expect("post")
            .status(),
        400
    );
    assert_eq!(
        post(json!({"visitor_id": ok_ids.0, "client_message_id": ok_ids.1, "text": "  "}))
            .await
            .expect("post")
            .status(),
        400
    );
    assert_eq!(
        post(json!({"visitor_id": ok_ids.0, "client_message_id": ok_ids.1, "text": "a", "admin": true})).await.expect("post").status(),
        400,
        "unknown fields are refused"
    );
    let long = "я".repeat(4001);
    assert_eq!(
        post(json!({"visitor_id": ok_ids.0, "client_message_id": ok_ids.1, "text": long}))
            .await
            .expect("post")
            .status(),
        400
    );
    let history = app
        .http
        .get(format!("{}/chat/{}/history", app.base, app.webchat_channel))
        .send()
        .await
        .expect("get");
    assert_eq!(history.status(), 400, "history needs the visitor");
    assert_eq!(app.jobs_in(otklik_jobs::Queue::Inbound).await, 0);
}

/// Pushes `line` to the visitor's topic until some ingress hears it (its subscription may not be
/// live yet).
async fn push(redis: &redis::Client, topic: &str, line: &str) {
    let mut conn = redis
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    for _ in 0..100 {
        let heard: i64 = redis::cmd("PUBLISH")
            .arg(topic)
            .arg(line)
            .query_async(&mut conn)
            .await
            .expect("publish");
        if heard > 0 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no ingress subscribed to {topic}");
}

/// The visitor's live stream, as their page opens it.
async fn open_events(app: &TestApp, visitor: &str) -> reqwest::Response {
    let events = app
        .http
        .get(format!(
            "{}/chat/{}/events?visitor={visitor}",
            app.base, app.webchat_channel
        ))
        .send()
        .await
        .expect("events");
    assert_eq!(events.status(), 200);
    events
}

/// The next `data:` line of a server-sent event stream, or `None` once the stream ends.
async fn next_data(events: &mut reqwest::Response) -> Option<String> {
    let mut buffer = String::new();
    while let Ok(Some(chunk)) = events.chunk().await {
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        if let Some(line) = buffer.lines().find(|line| line.starts_with("data:")) {
            return Some(line.trim_start_matches("data:").trim().to_owned());
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_is_cut_off_when_live_events_were_interrupted() {
    let mut redis = PrivateRedis::start().await;
    let app = TestApp::ingress_only(redis.url()).await;
    let visitor = "visitor-interrupted-0123456789";
    let topic =
        otklik_jobs::topics::webchat(&app.config.redis_namespace, app.webchat_channel, visitor);

    // A live stream hears what is pushed.
    let mut events = open_events(&app, visitor).await;
    let client = redis::Client::open(redis.url()).expect("client");
    push(&client, &topic, "before").await;
    let heard = tokio::time::timeout(Duration::from_secs(5), next_data(&mut events)).await;
    assert_eq!(heard.ok().flatten().as_deref(), Some("before"));

    // Redis goes away and comes back empty: whatever was pushed meanwhile is lost, so once the
    // ingress listens again the stream ends, and the page reconnects and reads its history.
    redis.restart().await;
    let ended = tokio::time::timeout(Duration::from_secs(15), next_data(&mut events)).await;
    assert_eq!(
        ended.ok(),
        Some(None),
        "the stream ended instead of waiting in silence"
    );

    let mut reopened = open_events(&app, visitor).await;
    push(&client, &topic, "after").await;
    let heard = tokio::time::timeout(Duration::from_secs(5), next_data(&mut reopened)).await;
    assert_eq!(heard.ok().flatten().as_deref(), Some("after"));
}
