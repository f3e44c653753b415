use std::time::Duration;

use otklik_jobs::Queue;

use crate::support::{Options, PrivateRedis, TestApp, text_update};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_webhooks_get_4xx_and_change_nothing() {
    let app = TestApp::with(Options {
        workers: false,
        ..Options::default()
    })
    .await;
    let url = format!("{}/hooks/telegram/{}", app.base, app.telegram_channel);
    let update = text_update(1, 10, 1, "hi");

    let unsigned = app
        .http
        .post(&url)
        .json(&update)
        .send()
        .await
        .expect("post");
    assert_eq!(unsigned.status(), 401);
    let body: serde_json::Value = unsigned.json().await.expect("json error body");
    assert_eq!(body["error"]["code"], "unauthorized");

    let wrong = app
        .http
        .post(&url)
        .header("X-Telegram-Bot-Api-Secret-Token", "nope")
        .json(&update)
        .send()
        .await;
    assert_eq!(wrong.expect("post").status(), 401);

    // Another channel's secret does not open this channel.
    let other = format!("{}/hooks/telegram/{}", app.base, app.telegram_channel.0 + 1);
    let crossed = app
        .http
        .post(&other)
        .header("X-Telegram-Bot-Api-Secret-Token", app.secret())
        .json(&update)
        .send();
    assert_eq!(crossed.await.expect("post").status(), 401);

    let signed = |body: Vec<u8>| {
        app.http
            .post(&url)
            .header("X-Telegram-Bot-Api-Secret-Token", app.secret())
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    assert_eq!(
        signed(b"{not json".to_vec()).await.expect("post").status(),
        400
    );
    assert_eq!(
        signed(br#"{"message": {}}"#.to_vec())
            .await
            .expect("post")
            .status(),
        400,
        "no update_id"
    );
    assert_eq!(
        signed(br#"{"update_id": -5}"#.to_vec())
            .await
            .expect("post")
            .status(),
        400
    );
    let mut huge = br#"{"update_id": 1, "pad": ""#.to_vec();
    huge.resize(1024 * 1024 + 10, b'a');
    huge.extend_from_slice(br#""}"#);
    assert_eq!(signed(huge).await.expect("post").status(), 413);

    let not_an_id = app
        .http
        .post(format!("{}/hooks/telegram/abc", app.base))
        .json(&update)
        .send()
        .await;
    assert_eq!(not_an_id.expect("post").status(), 404);

    assert_eq!(app.jobs_in(Queue::Inbound).await, 0, "nothing enqueued");

    // The one good request is enqueued.
    assert_eq!(app.post_update(&update).await, 200);
    assert_eq!(app.jobs_in(Queue::Inbound).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_readiness_and_metrics() {
    let app = TestApp::with(Options {
        workers: false,
        env: vec![("OTKLIK_METRICS_TOKEN", "metrics-token".to_owned())],
        ..Options::default()
    })
    .await;
    let get = |path: &str| {
        app.http
            .get(format!("{}{path}", app.base))
            .bearer_auth("metrics-token")
            .send()
    };
    let health = get("/healthz").await.expect("get");
    assert_eq!(health.status(), 200);
    // Every answer names its request, as the request's log lines do.
    let request_id = |response: &reqwest::Response| {
        response
            .headers()
            .get("x-request-id")
            .and_then(|id| id.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_default()
    };
    let first = request_id(&health);
    assert!(
        first.len() == 32 && first.chars().all(|c| c.is_ascii_hexdigit()),
        "request id {first:?}"
    );
    let ready = get("/readyz").await.expect("get");
    assert_ne!(request_id(&ready), first, "each request has its own id");
    assert_eq!(ready.status(), 200);
    let body: serde_json::Value = ready.json().await.expect("json");
    assert_eq!(body, serde_json::json!({"redis": "ok", "postgres": "ok"}));

    assert_eq!(app.post_update(&text_update(1, 10, 1, "hi")).await, 200);
    let unsigned = app
        .http
        .post(format!(
            "{}/hooks/telegram/{}",
            app.base, app.telegram_channel
        ))
        .body("{}")
        .send();
    assert_eq!(unsigned.await.expect("post").status(), 401);
    let metrics = get("/metrics")
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains(
            r#"otklik_http_requests_total{route="/hooks/telegram/{channel_id}",status="200"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains(
            r#"otklik_http_requests_total{route="/hooks/telegram/{channel_id}",status="401"} 1"#
        ),
        "{metrics}"
    );
    assert!(
        metrics.contains("otklik_enqueue_duration_seconds_count 1"),
        "{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_down_means_503_so_telegram_retries() {
    let mut redis = PrivateRedis::start().await;
    let app = TestApp::ingress_only(redis.url()).await;
    assert_eq!(app.post_update(&text_update(1, 10, 1, "before")).await, 200);

    redis.stop();
    let started = std::time::Instant::now();
    let response = app
        .http
        .post(format!(
            "{}/hooks/telegram/{}",
            app.base, app.telegram_channel
        ))
        .header("X-Telegram-Bot-Api-Secret-Token", app.secret())
        .json(&text_update(2, 10, 2, "after"))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), 503);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("5")
    );
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "answered within the enqueue timeout"
    );
    let ready = app
        .http
        .get(format!("{}/readyz", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(ready.status(), 503);
}
