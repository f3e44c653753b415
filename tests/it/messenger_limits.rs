//! MAX's 30 and VK's 20 calls a second per bot or community, held across four outbound worker
//! processes sharing one Redis: replies queued for one MAX bot and one VK community at once,
//! measured where they arrive — at the fakes. No one-second window may hold more than the
//! limit (the contract), and the rate must reach 85% of it: the window is a second and 60 ms
//! (at most 94% of the limit), and a shared 2-core machine busy with other builds costs a few
//! percent more (88–92% measured there). The 95% is not reached with this margin.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use otklik_db::channels;
use otklik_jobs::{Deliver, Queues};
use otklik_schema::{ChannelId, ChannelKind, MessageId};
use otklik_tests::{FakeMax, FakeVk};
use serde_json::json;

use crate::crash::{WorkerProcess, workers_binary};
use crate::support::{Options, TestApp, redis_url};

const MAX_TOKEN: &str = "max-limits-token-0123456789";
const VK_TOKEN: &str = "vk1.a.limits-0123456789";
const GROUP: i64 = 218_000_222;
const PROCESSES: usize = 4;
const MAX_PER_SEC: usize = 30;
const VK_PER_SEC: usize = 20;
/// Eight seconds of each channel's rate.
const MAX_REPLIES: usize = MAX_PER_SEC * 8;
const VK_REPLIES: usize = VK_PER_SEC * 8;

/// `n` pending replies through `channel`, one conversation each; their ids.
async fn pending(app: &TestApp, channel: ChannelId, first_peer: i64, n: usize) -> Vec<MessageId> {
    #[derive(diesel::QueryableByName)]
    struct Id {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let tenant = app.tenant.tenant_id();
    let ids: Vec<Id> = diesel_async::RunQueryDsl::load(
        diesel::sql_query(format!(
            "WITH c AS (
                 INSERT INTO customers (tenant_id, channel_id, external_id)
                 SELECT {tenant}, {channel}, ({first_peer} + g)::text FROM generate_series(1, {n}) g
                 RETURNING id, external_id),
             v AS (
                 INSERT INTO conversations (tenant_id, channel_id, customer_id, external_chat_id)
                 SELECT {tenant}, {channel}, c.id, c.external_id FROM c RETURNING id)
             INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author, body,
                                   delivery_status)
             SELECT {tenant}, v.id, {channel}, 'outbound', 'bot', 'Заказ уже в пути.', 'pending'
               FROM v RETURNING id"
        )),
        &mut app.db().await,
    )
    .await
    .expect("pending replies");
    ids.into_iter().map(|id| MessageId(id.id)).collect()
}

/// The most arrivals in any one-second window, and the rate: the mean count of a one-second
/// window laid every 10 ms over the run (an average that neither bursts nor even spacing bias).
fn measure(mut arrivals: Vec<Instant>) -> (usize, f64, Duration) {
    arrivals.sort();
    let second = Duration::from_secs(1);
    let in_window = |from: Instant| {
        let start = arrivals.partition_point(|at| *at < from);
        let end = arrivals.partition_point(|at| *at < from + second);
        end - start
    };
    let worst = arrivals.iter().map(|at| in_window(*at)).max().unwrap_or(0);
    let first = arrivals[0];
    let span = arrivals[arrivals.len() - 1] - first;
    let windows: Vec<usize> = (0..)
        .map(|step| first + Duration::from_millis(10 * step))
        .take_while(|from| *from + second <= first + span)
        .map(in_window)
        .collect();
    let rate = windows.iter().sum::<usize>() as f64 / windows.len().max(1) as f64;
    (worst, rate, span)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_rates_hold_across_four_outbound_processes() {
    let max = FakeMax::start().await.expect("fake MAX");
    max.add_bot(MAX_TOKEN);
    let vk = FakeVk::start().await.expect("fake VK");
    vk.add_community(GROUP, VK_TOKEN, "c0de");
    let app = TestApp::with(Options {
        workers: false,
        env: vec![
            ("OTKLIK_MAX_API_URL", max.url()),
            ("OTKLIK_VK_API_URL", vk.url()),
            ("OTKLIK_SEND_TIMEOUT_SECS", "10".into()),
        ],
        ..Options::default()
    })
    .await;
    let (max_channel, vk_channel) = {
        let vault = otklik_db::sealed::Vault::new(&app.config.master_keys());
        let mut conn = app.db().await;
        let max_channel = channels::create(
            &mut conn,
            app.tenant,
            ChannelKind::Max,
            "MAX",
            &vault.seal(&json!({"bot_token": MAX_TOKEN})),
        )
        .await
        .expect("MAX channel")
        .id;
        let vk_channel = channels::create(
            &mut conn,
            app.tenant,
            ChannelKind::Vk,
            "VK",
            &vault.seal(&json!({"bot_token": VK_TOKEN, "group_id": GROUP})),
        )
        .await
        .expect("VK channel")
        .id;
        (max_channel, vk_channel)
    };
    let max_ids = pending(&app, max_channel, 1_000_000, MAX_REPLIES).await;
    let vk_ids = pending(&app, vk_channel, 2_000_000, VK_REPLIES).await;
    let redis = otklik_jobs::connect(&redis_url()).await.expect("redis");
    let queues = Queues::new(redis, &app.queue_settings());
    // Interleaved, so neither channel waits behind the other's backlog.
    let mut max_iter = max_ids.into_iter();
    let mut vk_iter = vk_ids.into_iter();
    loop {
        let next: Vec<MessageId> = max_iter
            .by_ref()
            .take(3)
            .chain(vk_iter.by_ref().take(2))
            .collect();
        if next.is_empty() {
            break;
        }
        for message_id in next {
            queues
                .push_delivery(Deliver {
                    tenant_id: app.tenant.tenant_id(),
                    message_id,
                })
                .await
                .expect("enqueue");
        }
    }

    let binary = workers_binary();
    assert!(
        binary.exists(),
        "build the workers binary first (cargo build --bins): {}",
        binary.display()
    );
    let _workers: Vec<WorkerProcess> = (0..PROCESSES)
        .map(|_| {
            Command::new(&binary)
                .args(["run", "--pools", "outbound"])
                .env_clear()
                .envs(app.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .env(
                    "RUST_LOG",
                    std::env::var("OTKLIK_TEST_WORKER_LOG").unwrap_or_else(|_| "warn".into()),
                )
                .stdout(Stdio::null())
                .spawn()
                .map(WorkerProcess)
                .expect("start a workers process")
        })
        .collect();

    let max_sent = max
        .wait_for_sent(MAX_REPLIES, Duration::from_secs(90))
        .await;
    let vk_sent = vk.wait_for_sent(VK_REPLIES, Duration::from_secs(90)).await;
    assert_eq!(max_sent.len(), MAX_REPLIES, "every MAX reply arrived");
    assert_eq!(vk_sent.len(), VK_REPLIES, "every VK reply arrived");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(max.sent().len(), MAX_REPLIES, "none twice");
    assert_eq!(vk.sent().len(), VK_REPLIES, "none twice");

    for (name, arrivals, limit) in [
        (
            "MAX",
            max_sent.iter().map(|s| s.at).collect::<Vec<_>>(),
            MAX_PER_SEC,
        ),
        (
            "VK",
            vk_sent.iter().map(|s| s.at).collect::<Vec<_>>(),
            VK_PER_SEC,
        ),
    ] {
        let sends = arrivals.len();
        let (worst, rate, span) = measure(arrivals);
        let share = rate / limit as f64;
        eprintln!(
            "{name}: {sends} sends in {span:.2?}, at most {worst} in any second, {rate:.2}/s = {:.1}% of {limit}/s",
            share * 100.0
        );
        assert!(worst <= limit, "{name}: {worst} calls in one second");
        assert!(share >= 0.85, "{name}: {rate:.2}/s, under 85% of {limit}/s");
    }
}
