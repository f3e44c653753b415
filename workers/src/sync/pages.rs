//! Where a sync's pages go: stored one transaction each with their cursor, counted per
//! resource for the run's record, reported to a progress display, and the account's lease
//! renewed as the run makes progress.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use otklik_db::sync::{Page, Stored};
use otklik_db::{DbError, DbPool, TenantScope, accounts, catalogue};
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

    /// Ids of stored orders of this fulfilment kind whose status can still change.
    pub async fn open_orders(&self, fulfilment: &str) -> Result<Vec<String>, DbError> {
        let mut conn = self.db.get().await?;
        catalogue::open_orders(&mut conn, self.scope, self.account, fulfilment).await
    }

    /// Every stored product's attributes, by external id.
    pub async fn product_attributes(&self) -> Result<Vec<(String, serde_json::Value)>, DbError> {
        let mut conn = self.db.get().await?;
        catalogue::product_attributes(&mut conn, self.scope, self.account).await
    }

    /// A random sample of stored orders of this fulfilment kind: `(id, status, substatus)`.
    pub async fn sample_orders(
        &self,
        fulfilment: &str,
        size: i64,
    ) -> Result<Vec<(String, String, Option<String>)>, DbError> {
        let mut conn = self.db.get().await?;
        catalogue::sample_orders(&mut conn, self.scope, self.account, fulfilment, size).await
    }

    /// The consistency check's record: stored counts, the sample's size and the orders whose
    /// stored status differs from the marketplace's.
    pub async fn consistency(
        &self,
        sample: usize,
        mismatched: &[String],
    ) -> Result<serde_json::Value, DbError> {
        let mut conn = self.db.get().await?;
        let (orders, products) = catalogue::counts(&mut conn, self.scope, self.account).await?;
        if !mismatched.is_empty() {
            tracing::warn!(account.id = %self.account, mismatched = mismatched.len(),
                "consistency check: stored statuses differ from the marketplace's");
        }
        Ok(serde_json::json!({
            "stored_orders": orders, "stored_products": products,
            "sample": sample, "mismatched": mismatched,
        }))
    }

    pub fn finish(self) -> Tally {
        self.state
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .0
    }
}
