//! Queue pick-up: how soon a pushed job starts.
//!
//! The stall of issue 25: apalis's `poll_with_interval` replaces a fired poll timer without
//! arming the new one, so when the timer fires in the same poll in which a fetch comes back
//! empty, the worker sleeps until its next heartbeat. With a 100 µs interval nearly every fetch
//! outlasts the timer and the stock strategy stalls at once; `WakeOrTick` never does. The
//! wake-up test then shows an idle pool answering in milliseconds with a poll interval of
//! seconds: only the doorbell can explain it.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use apalis::prelude::{BoxDynError, Data, WorkerBuilder};
use apalis_core::backend::TaskSink;
use apalis_core::backend::ext::poll_strategy::{IntervalStrategy, PollStrategy, PollWith};
use otklik_jobs::RedisStorage;
use otklik_jobs::wake::{Doorbell, WakeOrTick};

use crate::support::{Options, TestApp, redis_url};

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

type Waits = Arc<Mutex<Vec<u64>>>;

async fn record(pushed_at: u64, waits: Data<Waits>) -> Result<(), BoxDynError> {
    waits
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(now_ms().saturating_sub(pushed_at));
    Ok(())
}

/// Runs one worker with `strategy` on a fresh queue, pushes up to `jobs` jobs one at a time
/// while it is idle (stopping after one that waited `stop_after`), and returns how long each
/// waited to start, in ms.
async fn pick_up_waits<S>(strategy: S, jobs: usize, stop_after: Duration) -> Vec<u64>
where
    S: PollStrategy + Clone + Send + Sync + Unpin + 'static,
{
    let redis = otklik_jobs::connect(&redis_url()).await.expect("redis");
    let queue = format!(
        "tq{}:pickup",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    );
    let config = apalis_redis::Config::default()
        .queue(&queue)
        // Long enough that a stalled worker is plainly visible.
        .heartbeat_interval(Duration::from_secs(4))
        .missed_heartbeats(3)
        .batch_size(8)
        .persist_results(true)
        .emit_events(false);
    let storage = RedisStorage::<u64>::new(redis).with_config(config);
    let waits: Waits = Arc::default();
    let worker = WorkerBuilder::new(format!("{queue}-worker"))
        .backend(PollWith::new(storage.clone(), strategy))
        .data(waits.clone())
        .build(record);
    let running = tokio::spawn(async move { worker.run().await });
    // Let it register and settle into idling.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut producer = storage;
    for _ in 0..jobs {
        producer.push(now_ms()).await.expect("push");
        // Wait until it ran (or up to the heartbeat and a bit), then idle a little.
        let deadline = tokio::time::Instant::now() + Duration::from_secs(6);
        let before = waits.lock().unwrap_or_else(PoisonError::into_inner).len();
        while waits.lock().unwrap_or_else(PoisonError::into_inner).len() == before
            && tokio::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let last = waits
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .last()
            .copied();
        if last.is_none_or(|ms| u128::from(ms) >= stop_after.as_millis()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(30)).await;
    }
    running.abort();
    waits.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apalis_interval_polling_stalls_an_idle_worker_until_its_heartbeat() {
    // The cause, shown: if this ever stops failing to pick up in time, apalis fixed it and
    // `otklik_jobs::wake` may go back to `poll_with_interval`.
    // A 100 µs interval: nearly every fetch outlasts the timer.
    let interval = IntervalStrategy::new(Duration::from_micros(100));
    let waits = pick_up_waits(interval, 60, Duration::from_secs(1)).await;
    let longest = waits.iter().max().copied().unwrap_or(u64::MAX);
    assert!(
        longest >= 1000,
        "stock interval polling picked every job up in time: {waits:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_pushed_while_a_worker_idles_start_within_a_bound() {
    // The same fast timer, never rung: only the tick wakes it, and it never loses its timer.
    let strategy = WakeOrTick::new(Arc::new(Doorbell::default()), Duration::from_micros(100));
    let waits = pick_up_waits(strategy, 30, Duration::from_secs(1)).await;
    assert_eq!(waits.len(), 30, "every job ran");
    let longest = waits.iter().max().copied().unwrap_or(u64::MAX);
    assert!(
        longest < 500,
        "a job waited {longest} ms to start: {waits:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_idle_pool_answers_at_once_though_it_polls_only_every_few_seconds() {
    let app = TestApp::with(Options {
        env: vec![("OTKLIK_QUEUE_POLL_MS", "4000".to_owned())],
        ..Options::default()
    })
    .await;
    // Let every worker start and go idle.
    tokio::time::sleep(Duration::from_secs(1)).await;
    for n in 0..3_u32 {
        let started = tokio::time::Instant::now();
        app.shopper_writes(900 + n, 8800 + i64::from(n), 1, "Здравствуйте")
            .await;
        let sent = app
            .telegram
            .wait_for_sent(n as usize + 1, Duration::from_secs(20))
            .await;
        assert_eq!(sent.len(), n as usize + 1);
        // Three queue hops (inbound → turn → delivery), each announced by its push.
        let took = started.elapsed();
        assert!(
            took < Duration::from_millis(1500),
            "reply {n} took {took:?}: the pools waited for their poll"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
