use std::time::Duration;

use serde_json::{Value, json};

use crate::support::TestApp;

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
    let mut events = app
        .http
        .get(format!("{chat}/events?visitor={visitor}"))
        .send()
        .await
        .expect("events");
    assert_eq!(events.status(), 200);
    // Let the subscription settle before the reply is published.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let posted = app
        .http
        .post(format!("{chat}/messages"))
        .json(&json!({ "visitor_id": visitor, "client_message_id": "msg-000000000000001", "text": "Есть размер M?" }))
        .send()
        .await
        .expect("post");
    assert_eq!(posted.status(), 202);

    let reply = tokio::time::timeout(Duration::from_secs(20), async {
        let mut buffer = String::new();
        while let Ok(Some(chunk)) = events.chunk().await {
            buffer.push_str(&String::from_utf8_lossy(&chunk));
            if let Some(line) = buffer.lines().find(|line| line.starts_with("data:")) {
                return serde_json::from_str::<Value>(line.trim_start_matches("data:").trim()).ok();
            }
        }
        None
    })
    .await
    .ok()
    .flatten()
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
