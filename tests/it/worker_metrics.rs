//! A worker process's `/metrics` (`OTKLIK_WORKER_METRICS_ADDR`): refused without the token,
//! and with it the jobs, the turn and the delivery a shopper's message caused are counted, and
//! a queue nobody serves shows its waiting and delayed jobs and how long the oldest waited.

use std::time::Duration;

use otklik_jobs::{Pool, Queue, Queues, SyncAccount};
use otklik_schema::{AccountId, SyncKind};
use tokio::sync::oneshot;

use crate::assistant::{say, shop_with};
use crate::support::{Options, redis_url};

const TOKEN: &str = "worker-metrics-token";

/// A port free a moment ago (the workers bind it themselves, as in production).
async fn free_port() -> u16 {
    let socket = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    socket.local_addr().expect("addr").port()
}

/// The value of the sample `name{labels}` (exact text before the value), if shown.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|line| line.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_metrics_count_jobs_and_show_queues() {
    let port = free_port().await;
    let app = shop_with(Options {
        workers: false,
        env: vec![
            ("OTKLIK_METRICS_TOKEN", TOKEN.to_owned()),
            ("OTKLIK_WORKER_METRICS_ADDR", format!("127.0.0.1:{port}")),
        ],
        ..Options::default()
    })
    .await;
    let (stop, stopped) = oneshot::channel::<()>();
    let config = app.config.clone();
    let workers = tokio::spawn(async move {
        otklik_workers::run(
            config,
            &[Pool::Inbound, Pool::Ai, Pool::Outbound],
            async move {
                let _ = stopped.await;
            },
        )
        .await
    });
    let url = format!("http://127.0.0.1:{port}/metrics");

    // The listener is up once the workers started; without the token it tells nothing.
    let mut refused = None;
    for _ in 0..100 {
        if let Ok(response) = app.http.get(&url).send().await {
            refused = Some(response.status());
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(refused, Some(reqwest::StatusCode::UNAUTHORIZED));
    let wrong = app.http.get(&url).bearer_auth("not-the-token").send();
    assert_eq!(wrong.await.expect("get").status(), 401);

    // A shopper's message runs an inbound job, a turn and a delivery.
    let reply = say(&app, 1, "Здравствуйте! Где мой заказ 1456789012?").await;
    assert!(!reply.is_empty());

    // A sync nobody serves here (no sync pool) waits; another is scheduled for later.
    let redis = otklik_jobs::connect(&redis_url()).await.expect("redis");
    let settings = app.queue_settings();
    let queues = Queues::new(redis.clone(), &settings);
    let job = |account| SyncAccount {
        tenant_id: app.tenant.tenant_id(),
        account_id: AccountId(account),
        kind: SyncKind::Incremental,
    };
    queues.push_sync(job(1), "now").await.expect("push");
    queues
        .push_sync_later(job(2), Duration::from_secs(3600))
        .await
        .expect("push later");
    // Promote the waiting one to the ready list as a worker's fetch would: there only the
    // stamp on the job tells its age.
    let config = settings.config(Queue::Syncs);
    let mut conn = redis.clone();
    let due: Vec<String> = redis::cmd("ZRANGEBYSCORE")
        .arg(config.scheduled_jobs_set())
        .arg("-inf")
        .arg("+inf")
        .query_async(&mut conn)
        .await
        .expect("scheduled");
    assert_eq!(due.len(), 2);
    let mut promoted = 0;
    for id in due {
        let score: f64 = redis::cmd("ZSCORE")
            .arg(config.scheduled_jobs_set())
            .arg(&id)
            .query_async(&mut conn)
            .await
            .expect("score");
        if score <= (chrono::Utc::now().timestamp() + 60) as f64 {
            let _: () = redis::pipe()
                .zrem(config.scheduled_jobs_set(), &id)
                .rpush(config.active_jobs_list(), &id)
                .query_async(&mut conn)
                .await
                .expect("promote");
            promoted += 1;
        }
    }
    assert_eq!(promoted, 1);
    tokio::time::sleep(Duration::from_millis(2100)).await;

    let scrape = || async {
        let response = app
            .http
            .get(&url)
            .bearer_auth(TOKEN)
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), 200);
        response.text().await.expect("text")
    };
    // The delivery job is acknowledged just after Telegram has the reply.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let text = loop {
        let text = scrape().await;
        let settled = sample(
            &text,
            r#"otklik_jobs_total{queue="deliveries",outcome="done"}"#,
        )
        .is_some();
        if settled || tokio::time::Instant::now() >= deadline {
            break text;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let at_least_one = |series: &str| {
        let value = sample(&text, series);
        assert!(
            value.is_some_and(|v| v >= 1.0),
            "{series}: {value:?}\n{text}"
        );
    };
    at_least_one(r#"otklik_jobs_total{queue="inbound",outcome="done"}"#);
    at_least_one(r#"otklik_jobs_total{queue="turns",outcome="done"}"#);
    at_least_one(r#"otklik_jobs_total{queue="deliveries",outcome="done"}"#);
    at_least_one(r#"otklik_job_duration_seconds_count{queue="turns"}"#);
    at_least_one(r#"otklik_deliveries_total{channel="telegram",outcome="sent"}"#);
    assert!(
        text.lines()
            .any(|line| line.starts_with("otklik_turn_duration_seconds_count{")),
        "{text}"
    );
    assert!(!text.contains(r#"outcome="dead_lettered""#), "{text}");

    assert_eq!(
        sample(&text, r#"otklik_queue_waiting_jobs{queue="syncs"}"#),
        Some(1.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, r#"otklik_queue_delayed_jobs{queue="syncs"}"#),
        Some(1.0),
        "{text}"
    );
    let oldest = sample(
        &text,
        r#"otklik_queue_oldest_waiting_seconds{queue="syncs"}"#,
    );
    assert!(
        oldest.is_some_and(|age| (1.0..60.0).contains(&age)),
        "{oldest:?}\n{text}"
    );
    // Queues every job left are empty and fresh.
    assert_eq!(
        sample(&text, r#"otklik_queue_waiting_jobs{queue="deliveries"}"#),
        Some(0.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            r#"otklik_queue_oldest_waiting_seconds{queue="deliveries"}"#
        ),
        Some(0.0),
        "{text}"
    );

    let _ = stop.send(());
    let stopped = tokio::time::timeout(Duration::from_secs(20), workers).await;
    assert!(matches!(stopped, Ok(Ok(Ok(())))), "workers stop when asked");
}
