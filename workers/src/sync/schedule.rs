//! The scheduler process: enqueues an incremental sync of every enabled account every 15
//! minutes, a full one nightly at 03:00 Moscow time, a poll of its marketplace shopper channels
//! and a sweep for alerts to people every minute, and the billing run hourly. Every replica
//! enqueues; the job's idempotency key (account, kind, tick) lets only the first through, so
//! running two schedulers for safety never syncs twice.

use std::str::FromStr;

use apalis_cron::CronScheduler;
use futures::StreamExt;
use otklik_db::{DbError, DbPool, accounts};
use otklik_jobs::{BillingJob, Notify, PollInbox, Queues, SyncAccount};
use otklik_schema::{AccountId, SyncKind, TenantId};

const INCREMENTAL: &str = "0 */15 * * * *";
const FULL: &str = "0 0 3 * * *";
const INBOX: &str = "0 * * * * *";
const BILLING: &str = "0 5 * * * *";
/// Half past each minute, away from the inbox polls on the minute.
const ALERTS: &str = "30 * * * * *";

/// What a tick asks for.
#[derive(Debug, Clone, Copy)]
enum Due {
    Sync(SyncKind),
    Inbox,
    Billing,
    Alerts,
}

#[derive(Debug, thiserror::Error)]
pub enum ScheduleError {
    #[error("invalid cron expression: {0}")]
    Cron(#[from] cron::error::Error),
    #[error("the cron clock failed: {0}")]
    Clock(String),
    #[error(transparent)]
    Metrics(#[from] crate::metrics::ListenError),
}

/// Runs until `shutdown` completes.
pub async fn schedule(
    db: DbPool,
    queues: Queues,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ScheduleError> {
    let incremental = CronScheduler::new(cron::Schedule::from_str(INCREMENTAL)?)
        .into_stream()
        .map(|tick| tick.map(|t| (Due::Sync(SyncKind::Incremental), t.get_timestamp())));
    let full = CronScheduler::new(cron::Schedule::from_str(FULL)?)
        .with_timezone(chrono_tz::Europe::Moscow)
        .into_stream()
        .map(|tick| tick.map(|t| (Due::Sync(SyncKind::Full), t.get_timestamp())));
    let inbox = CronScheduler::new(cron::Schedule::from_str(INBOX)?)
        .into_stream()
        .map(|tick| tick.map(|t| (Due::Inbox, t.get_timestamp())));
    let billing = CronScheduler::new(cron::Schedule::from_str(BILLING)?)
        .into_stream()
        .map(|tick| tick.map(|t| (Due::Billing, t.get_timestamp())));
    let alerts = CronScheduler::new(cron::Schedule::from_str(ALERTS)?)
        .into_stream()
        .map(|tick| tick.map(|t| (Due::Alerts, t.get_timestamp())));
    let mut ticks = futures::stream::select(
        futures::stream::select(
            futures::stream::select(incremental, full),
            futures::stream::select(inbox, billing),
        ),
        alerts,
    );
    tracing::info!(
        incremental = INCREMENTAL,
        full = FULL,
        inbox = INBOX,
        billing = BILLING,
        alerts = ALERTS,
        "scheduler started"
    );
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let tick = tokio::select! {
            () = &mut shutdown => return Ok(()),
            tick = ticks.next() => tick,
        };
        match tick {
            Some(Ok((due, at))) => {
                let enqueued = match due {
                    Due::Sync(kind) => enqueue(&db, &queues, kind, at).await,
                    Due::Inbox => enqueue_inbox_polls(&db, &queues, at).await,
                    Due::Billing => enqueue_billing_run(&queues, at).await,
                    Due::Alerts => enqueue_alert_sweep(&queues, at).await,
                };
                if let Err(err) = enqueued {
                    tracing::error!(error = %err, ?due, "could not enqueue scheduled jobs");
                }
            }
            Some(Err(err)) => return Err(ScheduleError::Clock(err.to_string())),
            None => return Ok(()),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum EnqueueError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("could not enqueue: {0}")]
    Queue(#[from] otklik_jobs::EnqueueError),
}

/// Enqueues one sync of `kind` per enabled account for the tick at `at` (Unix seconds);
/// returns how many accounts were due.
pub async fn enqueue(
    db: &DbPool,
    queues: &Queues,
    kind: SyncKind,
    at: u64,
) -> Result<usize, EnqueueError> {
    let due = enabled_accounts(db).await?;
    for &(tenant_id, account_id) in &due {
        let job = SyncAccount {
            tenant_id,
            account_id,
            kind,
        };
        queues.push_sync(job, &at.to_string()).await?;
    }
    tracing::info!(?kind, accounts = due.len(), tick = at, "syncs enqueued");
    Ok(due.len())
}

/// Enqueues one poll of the shopper channels per enabled account for the tick at `at`.
pub async fn enqueue_inbox_polls(
    db: &DbPool,
    queues: &Queues,
    at: u64,
) -> Result<usize, EnqueueError> {
    let due = enabled_accounts(db).await?;
    for &(tenant_id, account_id) in &due {
        let job = PollInbox {
            tenant_id,
            account_id,
        };
        queues.push_inbox_poll(job, &at.to_string()).await?;
    }
    tracing::debug!(accounts = due.len(), tick = at, "inbox polls enqueued");
    Ok(due.len())
}

/// Enqueues the billing run of the hour of `at` (Unix seconds).
pub async fn enqueue_billing_run(queues: &Queues, at: u64) -> Result<usize, EnqueueError> {
    let when = i64::try_from(at)
        .ok()
        .and_then(|at| chrono::DateTime::from_timestamp(at, 0))
        .unwrap_or_else(chrono::Utc::now);
    let tick = crate::billing::schedule_tick(when);
    queues.push_billing(BillingJob::Run { tick }).await?;
    Ok(1)
}

/// Enqueues the alert sweep of the tick at `at` (Unix seconds), once however many replicas ask.
pub async fn enqueue_alert_sweep(queues: &Queues, at: u64) -> Result<usize, EnqueueError> {
    let at = i64::try_from(at).unwrap_or(i64::MAX);
    queues
        .push_notify(Notify::AlertSweep { at }, "scheduled")
        .await?;
    Ok(1)
}

async fn enabled_accounts(db: &DbPool) -> Result<Vec<(TenantId, AccountId)>, EnqueueError> {
    let mut conn = db.get().await.map_err(DbError::from)?;
    Ok(accounts::list_enabled(&mut conn).await?)
}
