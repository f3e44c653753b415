//! Marketplace syncs: an account's orders, products and stock, read from its marketplace and
//! stored page by page. Incremental runs read what changed since the last one (every 15
//! minutes); full runs read everything (nightly) and end with a consistency check. A run holds
//! a lease on its account, records itself in `sync_runs`, and on failure marks the account
//! failing with the reason while keeping everything already stored.

mod by_hand;
pub mod connection;
mod order_news;
mod ozon;
mod pages;
mod returns;
mod schedule;
mod wb;

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{BoxDynError, Data};
use otklik_db::sync::RunOutcome;
use otklik_db::{DbError, DbPool, TenantScope, accounts};
use otklik_jobs::SyncAccount;
use otklik_schema::{AccountId, SyncKind};

pub use by_hand::ConnectError;
pub use pages::{Progress, Silent};
pub use schedule::{
    EnqueueError, ScheduleError, enqueue, enqueue_alert_sweep, enqueue_inbox_polls, schedule,
};

use crate::Context;
use crate::marketplaces::{Client, MarketplaceError, Marketplaces};
use pages::Pages;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("no marketplace account {0}")]
    NoAccount(AccountId),
    #[error("account {0} is being synced by another worker")]
    Busy(AccountId),
    /// Disconnected, rejected or still being checked: a sync queued before that waits for none.
    #[error("account {0} is not connected; connect it before syncing")]
    NotConnected(AccountId),
    #[error(transparent)]
    Marketplace(#[from] MarketplaceError),
    #[error(transparent)]
    Database(#[from] DbError),
}

/// What a finished run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub pages: i32,
    pub rows: i32,
    pub details: serde_json::Value,
}

/// Runs syncs; one per process, shared by the sync pool and `workers sync`.
#[derive(Clone)]
pub struct Syncer {
    db: DbPool,
    pub(crate) marketplaces: Marketplaces,
    lease: Duration,
}

impl Syncer {
    pub fn new(db: DbPool, marketplaces: Marketplaces, lease: Duration) -> Self {
        Self {
            db,
            marketplaces,
            lease,
        }
    }

    /// Syncs one account now. A failure is recorded on the run and the account before it is
    /// returned; data stored before it stays.
    pub async fn run(
        &self,
        scope: TenantScope,
        account_id: AccountId,
        kind: SyncKind,
        progress: &dyn Progress,
    ) -> Result<Summary, SyncError> {
        let mut conn = self.db.get().await.map_err(DbError::from)?;
        let account = accounts::get(&mut conn, scope, account_id)
            .await?
            .ok_or(SyncError::NoAccount(account_id))?;
        if !account.enabled {
            return Err(SyncError::NotConnected(account_id));
        }
        if !accounts::claim(&mut conn, scope, account_id, pages::lease_end(self.lease)).await? {
            return Err(SyncError::Busy(account_id));
        }
        let run = otklik_db::sync::start_run(&mut conn, scope, account_id, kind).await?;
        drop(conn);
        tracing::info!(account.id = %account_id, marketplace = %account.marketplace, ?kind, "sync started");

        let pages = Pages::new(self.db.clone(), scope, account_id, self.lease, progress);
        let result = match self.marketplaces.client(&account) {
            Ok(Client::Wb(client)) => wb::sync(&client, &pages, kind).await,
            Ok(Client::Ozon(client)) => ozon::sync(&client, &pages, kind).await,
            Err(err) => Err(err.into()),
        };
        let tally = pages.finish();
        let error = result.as_ref().err().map(ToString::to_string);
        let mut details = tally.details();
        if let Ok(Some(check)) = &result {
            details["consistency"] = check.clone();
        }
        let outcome = RunOutcome {
            pages: tally.pages,
            rows: tally.rows,
            error: error.as_deref(),
            details: details.clone(),
        };
        let mut conn = self.db.get().await.map_err(DbError::from)?;
        otklik_db::sync::finish_run(&mut conn, scope, run, &outcome).await?;
        accounts::release(&mut conn, scope, account_id, error.as_deref()).await?;
        match result {
            Ok(_) => {
                tracing::info!(account.id = %account_id, pages = tally.pages, rows = tally.rows, "sync finished");
                Ok(Summary {
                    pages: tally.pages,
                    rows: tally.rows,
                    details,
                })
            }
            Err(err) => {
                tracing::warn!(account.id = %account_id, error = %err, "sync failed; the account is marked failing");
                Err(err)
            }
        }
    }
}

/// Tells shoppers the news of a finished sync. Its data stands either way: a failure here costs
/// the news, not the sync.
async fn tell_order_news(
    ctx: &Context,
    scope: TenantScope,
    account: AccountId,
    since: chrono::DateTime<chrono::Utc>,
) {
    if let Err(err) = order_news::announce(ctx, scope, account, since).await {
        tracing::warn!(account.id = %account, error = %err, "order news not posted");
    }
}

/// How long a full sync waits for an account another run holds.
const FULL_SYNC_RETRY: Duration = Duration::from_secs(300);

/// The sync pool's job handler. A failed sync is recorded and not retried here: the next
/// scheduled run repeats it, and one account's failure never holds up another's.
pub async fn handle(job: SyncAccount, ctx: Data<Arc<Context>>) -> Result<(), BoxDynError> {
    let scope = TenantScope::trusted(job.tenant_id);
    crate::job_span::record_tenant(job.tenant_id);
    let since = chrono::Utc::now();
    match ctx
        .syncer
        .run(scope, job.account_id, job.kind, &Silent)
        .await
    {
        Ok(_) => {
            tell_order_news(&ctx, scope, job.account_id, since).await;
            Ok(())
        }
        Err(SyncError::Marketplace(_)) | Err(SyncError::NoAccount(_)) => Ok(()),
        Err(SyncError::NotConnected(account)) => {
            tracing::info!(account.id = %account, "sync dropped: the account is no longer connected");
            Ok(())
        }
        Err(SyncError::Busy(account)) if job.kind == SyncKind::Full => {
            // The nightly full sync must not be lost to an incremental one still running.
            tracing::info!(account.id = %account, "full sync postponed: another run holds the account");
            ctx.queues.push_sync_later(job, FULL_SYNC_RETRY).await?;
            Ok(())
        }
        Err(SyncError::Busy(account)) => {
            tracing::info!(account.id = %account, "sync skipped: another run holds the account");
            Ok(())
        }
        // The database is ours: let apalis retry once it is back.
        Err(err @ SyncError::Database(_)) => Err(err.into()),
    }
}
