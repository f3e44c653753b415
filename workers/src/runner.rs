//! Starting the pools: one apalis `Monitor` per process with a worker per chosen pool.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use std::collections::HashMap;

use apalis::layers::retry::RetryPolicy;
use apalis::prelude::{Monitor, ParallelizeExt, WorkerBuilder, WorkerBuilderExt};
use apalis_core::backend::ext::poll_strategy::PollWith;
use apalis_core::error::WorkerError;
use otklik_config::Config;
use otklik_jobs::wake::{Doorbell, WakeOrTick};
use otklik_jobs::{Pool, Queue, RedisStorage};
use secrecy::ExposeSecret;

use crate::job_span::JobSpanLayer;
use crate::metrics::JobMetricsLayer;
use crate::{
    Context, StartError, billing, inbound, marketplace_inbox, notify, outbound, sync, turns,
};

/// A worker that keeps failing to reach Redis is restarted this many times, then the process
/// exits non-zero so its supervisor restarts it.
const MAX_RESTARTS: usize = 20;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("the worker monitor failed: {0}")]
    Monitor(String),
    #[error("every worker stopped without being asked to")]
    WorkersDied,
}

/// Runs the chosen pools until `shutdown` completes, then waits for jobs in flight (bounded by
/// the shutdown timeout). Returns an error when the workers die on their own.
pub async fn run(
    config: Config,
    pools: &[Pool],
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), RunError> {
    let shutdown_timeout = Duration::from_secs(config.shutdown_timeout_secs);
    let ctx = Arc::new(Context::connect(config).await?);
    let metrics = ctx.serve_metrics().await.map_err(StartError::from)?;
    let instance = format!("{}-{}", hostname(), std::process::id());
    let mut monitor = Monitor::new();
    // One doorbell per queue this process serves, rung by one subscription (`otklik_jobs::wake`).
    let doorbells: HashMap<Queue, Arc<Doorbell>> = Queue::ALL
        .into_iter()
        .filter(|queue| pools.contains(&queue.pool()))
        .map(|queue| (queue, Arc::new(Doorbell::default())))
        .collect();
    // The name of this process's live worker of each queue (the monitor renames a restarted one).
    let current: Arc<std::sync::Mutex<HashMap<Queue, String>>> = Arc::default();
    let wake_client =
        redis::Client::open(ctx.config.redis_url.expose_secret()).map_err(StartError::from)?;
    let listener = tokio::spawn(otklik_jobs::wake::listen(
        wake_client,
        ctx.config.redis_namespace.clone(),
        doorbells.clone(),
    ));

    // A macro, not a function: apalis's worker types are not nameable in a signature.
    macro_rules! register {
        ($queue:expr, $payload:ty, $concurrency:expr, $handler:path) => {{
            let queue: Queue = $queue;
            let storage = RedisStorage::<$payload>::new(ctx.redis.clone())
                .with_config(ctx.settings.config(queue));
            let poll = Duration::from_millis(ctx.config.queue_poll_ms);
            let doorbell = doorbells.get(&queue).cloned().unwrap_or_default();
            let (ctx, instance, concurrency) = (ctx.clone(), instance.clone(), $concurrency);
            let current = current.clone();
            monitor = monitor.register(move |restarts| {
                let strategy = WakeOrTick::new(doorbell.clone(), poll);
                let name = format!("{}-{instance}-{restarts}", queue.as_str());
                current
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .insert(queue, name.clone());
                WorkerBuilder::new(name)
                    .backend(PollWith::new(storage.clone(), strategy))
                    .parallelize(tokio::spawn)
                    .concurrency(concurrency)
                    .retry(RetryPolicy::retries(queue.in_process_retries()))
                    .layer(JobMetricsLayer::new(queue, ctx.metrics.clone()))
                    .layer(JobSpanLayer::new(queue))
                    .catch_panic()
                    .data(ctx.clone())
                    .build($handler)
            });
        }};
    }
    for pool in pools {
        match pool {
            Pool::Inbound => {
                register!(
                    Queue::Inbound,
                    otklik_jobs::InboundEvent,
                    ctx.config.inbound_concurrency,
                    inbound::handle
                )
            }
            Pool::Ai => register!(
                Queue::Turns,
                otklik_jobs::ConversationTurn,
                ctx.config.ai_concurrency,
                turns::handle
            ),
            Pool::Outbound => {
                register!(
                    Queue::Deliveries,
                    otklik_jobs::Deliver,
                    ctx.config.outbound_concurrency,
                    outbound::handle
                )
            }
            Pool::Sync => {
                register!(
                    Queue::Syncs,
                    otklik_jobs::SyncAccount,
                    ctx.config.sync_concurrency,
                    sync::handle
                );
                register!(
                    Queue::Inbox,
                    otklik_jobs::PollInbox,
                    ctx.config.sync_concurrency,
                    marketplace_inbox::handle
                );
                register!(
                    Queue::Checks,
                    otklik_jobs::CheckAccount,
                    ctx.config.sync_concurrency,
                    sync::connection::handle
                )
            }
            // One at a time: runs and events touch the same accounts, and volumes are small.
            Pool::Billing => register!(Queue::Billing, otklik_jobs::BillingJob, 1, billing::handle),
            Pool::Notify => register!(Queue::Notifications, otklik_jobs::Notify, 4, notify::handle),
        }
    }

    let sweeper = tokio::spawn(sweep_finished_jobs(ctx.clone(), pools.to_vec()));
    let reclaimer = tokio::spawn(reclaim_local_orphans(
        ctx.clone(),
        pools.to_vec(),
        current.clone(),
    ));
    let asked_to_stop = Arc::new(AtomicBool::new(false));
    let stop_flag = asked_to_stop.clone();
    tracing::info!(pools = ?pools.iter().map(|p| p.as_str()).collect::<Vec<_>>(), worker.instance = %instance,
        "workers starting");
    let monitor_result = monitor
        .should_restart(|worker, err| {
            tracing::error!(worker = worker.name(), restarts = worker.restarts(), error = %err, "worker died");
            matches!(err, WorkerError::BackendError(_)) && worker.restarts() < MAX_RESTARTS
        })
        .shutdown_timeout(shutdown_timeout)
        .run_with_signal(async move {
            shutdown.await;
            stop_flag.store(true, Ordering::SeqCst);
            Ok(())
        })
        .await
        .map_err(|err| RunError::Monitor(err.to_string()));
    sweeper.abort();
    reclaimer.abort();
    listener.abort();
    if let Some(metrics) = metrics {
        metrics.abort();
    }
    monitor_result?;
    if asked_to_stop.load(Ordering::SeqCst) {
        Ok(())
    } else {
        Err(RunError::WorkersDied)
    }
}

/// How often each process deletes its queues' old finished jobs.
const SWEEP_EVERY: Duration = Duration::from_secs(60);

/// Keeps Redis from growing with every job ever run (see `otklik_jobs::retention`).
async fn sweep_finished_jobs(ctx: Arc<Context>, pools: Vec<Pool>) {
    let keep = Duration::from_secs(ctx.config.job_retention_mins * 60);
    let mut every = tokio::time::interval(SWEEP_EVERY);
    loop {
        every.tick().await;
        for queue in Queue::ALL {
            if !pools.contains(&queue.pool()) {
                continue;
            }
            match otklik_jobs::retention::sweep(&ctx.redis, &ctx.settings, queue, keep).await {
                Ok(0) => {}
                Ok(deleted) => {
                    tracing::debug!(queue = ?queue, deleted, "old finished jobs deleted")
                }
                Err(err) => {
                    tracing::warn!(queue = ?queue, error = %err, "could not delete old finished jobs")
                }
            }
        }
    }
}

/// How often each process looks for dead worker processes of its host.
const RECLAIM_EVERY: Duration = Duration::from_secs(2);

/// Puts back at once the jobs of worker processes of this host that died, and of this process's
/// workers the monitor replaced (`otklik_jobs::orphans`), so work resumes in seconds rather than
/// after the orphan timeout.
async fn reclaim_local_orphans(
    ctx: Arc<Context>,
    pools: Vec<Pool>,
    current: Arc<std::sync::Mutex<HashMap<Queue, String>>>,
) {
    let (host, pid) = (hostname(), std::process::id());
    let mut every = tokio::time::interval(RECLAIM_EVERY);
    loop {
        every.tick().await;
        for queue in Queue::ALL {
            if !pools.contains(&queue.pool()) {
                continue;
            }
            let live = current
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .get(&queue)
                .cloned();
            let reclaimed = otklik_jobs::orphans::reclaim_local(
                &ctx.redis,
                &ctx.settings,
                queue,
                &host,
                pid,
                live.as_deref(),
            );
            match reclaimed.await {
                Ok(0) => {}
                Ok(_) => ctx.queues.announce(queue).await,
                Err(err) => {
                    tracing::warn!(queue = ?queue, error = %err, "could not look for dead workers")
                }
            }
        }
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|name| name.trim().to_owned())
        .ok()
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "host".into())
}
