//! Where a sync's pages go: stored one transaction each with their cursor, counted per
//! resource for the run's record, reported to a progress display, and the account's lease
//! renewed as the run makes progress.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use otklik_db::sync::{Page, Stored};
use otklik_db::{DbError, DbPool, TenantScope, accounts};
use otklik_schema::AccountId;

/// Shows a sync's progress to a person (`workers sync`); jobs use [`Silent`].
pub trait Progress: Send + Sync {
    /// A page of `resource` was stored: `rows` read from the marketplace.
    fn page(&self, resource: &str, rows: usize);
}

pub struct Silent;

impl Progress for Silent {
    fn page(&self, _: &str, _: usize) {}
}

pub(super) fn lease_end(lease: Duration) -> DateTime<Utc> {
    Utc::now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5))
}

#[derive(Debug, Default, Clone)]
pub(super) struct Tally {
    pub pages: i32,
    pub rows: i32,
    resources: BTreeMap<String, ResourceTally>,
}

#[derive(Debug, Default, Clone, serde::Serialize)]
struct ResourceTally {
    pages: u64,
    read: u64,
    written: u64,
    transitions: u64,
}

impl Tally {
    pub fn details(&self) -> serde_json::Value {
        serde_json::json!({ "resources": self.resources })
    }
}

pub(super) struct Pages<'a> {
    db: DbPool,
    scope: TenantScope,
    account: AccountId,
    lease: Duration,
    progress: &'a dyn Progress,
    state: Mutex<(Tally, Instant)>,
}

impl<'a> Pages<'a> {
    pub fn new(
        db: DbPool,
        scope: TenantScope,
        account: AccountId,
        lease: Duration,
        progress: &'a dyn Progress,
    ) -> Self {
        Self {
            db,
            scope,
            account,
            lease,
            progress,
            state: Mutex::new((Tally::default(), Instant::now())),
        }
    }

    /// Stores a page of `resource` that was `read` rows long at the marketplace.
    pub async fn store(
        &self,
        resource: &str,
        read: usize,
        page: Page<'_>,
    ) -> Result<Stored, DbError> {
        let mut conn = self.db.get().await?;
        let stored =
            otklik_db::sync::store_page(&mut conn, self.scope, self.account, page, Utc::now())
                .await?;
        let renew = {
            let mut state = self
                .state
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let (tally, renewed) = &mut *state;
            tally.pages += 1;
            tally.rows = tally
                .rows
                .saturating_add(i32::try_from(stored.rows).unwrap_or(i32::MAX));
            let entry = tally.resources.entry(resource.to_owned()).or_default();
            entry.pages += 1;
            entry.read += read as u64;
            entry.written += stored.rows as u64;
            entry.transitions += stored.transitions as u64;
            let due = renewed.elapsed() > self.lease / 3;
            if due {
                *renewed = Instant::now();
            }
            due
        };
        if renew {
            accounts::renew(&mut conn, self.scope, self.account, lease_end(self.lease)).await?;
        }
        self.progress.page(resource, read);
        Ok(stored)
    }

    pub async fn cursor(&self, resource: &str) -> Result<Option<serde_json::Value>, DbError> {
        let mut conn = self.db.get().await?;
        otklik_db::sync::cursor(&mut conn, self.scope, self.account, resource).await
    }

    /// Reads from the stored shop (open orders, product sizes) through a pooled connection.
    pub async fn read<T>(
        &self,
        query: impl for<'c> FnOnce(
            &'c mut otklik_db::AsyncPgConnection,
            TenantScope,
            AccountId,
        ) -> futures::future::BoxFuture<'c, Result<T, DbError>>,
    ) -> Result<T, DbError> {
        let mut conn = self.db.get().await?;
        query(&mut conn, self.scope, self.account).await
    }

    pub fn finish(self) -> Tally {
        self.state
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .0
    }
}
