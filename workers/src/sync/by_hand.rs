//! What operators run from the command line: a sync of one account, the scheduler, and
//! connecting an account after checking its credentials.

use otklik_db::{DbError, accounts, channels, tenants};
use otklik_schema::{AccountId, Marketplace, SyncKind};

use super::{Progress, ScheduleError, Summary, SyncError};
use crate::Context;
use crate::marketplaces::onboarding::{self, Report};
use secrecy::ExposeSecret;

use crate::marketplaces::{MarketplaceError, OzonCredentials, WbCredentials};

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("no tenant with slug `{0}`")]
    NoTenant(String),
    #[error("credentials: expected {0}")]
    Shape(&'static str),
    #[error(transparent)]
    Marketplace(#[from] MarketplaceError),
    #[error(transparent)]
    Database(#[from] DbError),
}

impl Context {
    /// Syncs an account named by id alone (an operator's tool, not a request path).
    pub async fn sync_account(
        &self,
        account: AccountId,
        kind: SyncKind,
        progress: &dyn Progress,
    ) -> Result<Summary, SyncError> {
        let mut conn = self.db.get().await.map_err(DbError::from)?;
        let found = accounts::find(&mut conn, account)
            .await?
            .ok_or(SyncError::NoAccount(account))?;
        drop(conn);
        let since = chrono::Utc::now();
        let summary = self
            .syncer
            .run(found.scope(), account, kind, progress)
            .await?;
        super::tell_order_news(self, found.scope(), account, since).await;
        Ok(summary)
    }

    pub async fn schedule(&self, shutdown: impl Future<Output = ()>) -> Result<(), ScheduleError> {
        // The scheduler serves the queue figures too (it runs no jobs to count).
        let metrics = self.serve_metrics().await?;
        let scheduled = super::schedule(self.db.clone(), self.queues.clone(), shutdown).await;
        if let Some(metrics) = metrics {
            metrics.abort();
        }
        scheduled
    }

    /// The onboarding checks of an account's credentials, as `workers connect` and the admin
    /// API's connections (through the sync pool) both run them.
    pub async fn check_credentials(
        &self,
        marketplace: Marketplace,
        credentials: &serde_json::Value,
    ) -> Result<Report, ConnectError> {
        let now = chrono::Utc::now();
        Ok(match marketplace {
            Marketplace::Wb => {
                let parsed: WbCredentials = serde_json::from_value(credentials.clone())
                    .map_err(|_| ConnectError::Shape("{\"token\"}"))?;
                onboarding::check_wb(parsed.token.expose_secret(), now)
            }
            Marketplace::Ozon => {
                let parsed: OzonCredentials = serde_json::from_value(credentials.clone())
                    .map_err(|_| ConnectError::Shape("{\"client_id\", \"api_key\"}"))?;
                onboarding::check_ozon(&self.syncer.marketplaces.ozon(parsed), now).await?
            }
        })
    }

    /// Checks the credentials and, when they will do, connects the account. Returns the check's
    /// report and the new account, if any.
    pub async fn connect_account(
        &self,
        tenant: &str,
        marketplace: Marketplace,
        name: &str,
        credentials: &serde_json::Value,
    ) -> Result<(Report, Option<AccountId>), ConnectError> {
        let report = self.check_credentials(marketplace, credentials).await?;
        if !report.ok() {
            return Ok((report, None));
        }
        let mut conn = self.db.get().await.map_err(DbError::from)?;
        let scope = tenants::find_by_slug(&mut conn, tenant)
            .await?
            .ok_or_else(|| ConnectError::NoTenant(tenant.to_owned()))?;
        let sealed = self.vault.seal(credentials);
        let account = accounts::create(&mut conn, scope, marketplace, name, &sealed).await?;
        channels::open_for_account(&mut conn, scope, account, marketplace, &report.unavailable)
            .await?;
        Ok((report, Some(account)))
    }
}
