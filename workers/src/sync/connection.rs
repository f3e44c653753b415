//! Connecting an account from the admin API. The ingress stores the account as `checking` and
//! enqueues a [`CheckAccount`]; here the same onboarding checks as `workers connect` decide
//! whether it is connected (its shopper channels opened and a first full sync asked for) or
//! rejected with the report for the seller. The tenant's dashboards hear the outcome on the
//! operator topic.

use std::sync::Arc;

use apalis::prelude::{BoxDynError, Data};
use diesel_async::AsyncConnection;
use otklik_db::accounts::{self, CheckResult};
use otklik_db::{DbError, TenantScope, channels};
use otklik_jobs::{AccountAction, CheckAccount, OperatorEvent, SyncAccount};
use otklik_schema::{Connection, Marketplace, SyncKind};

use super::ConnectError;
use crate::Context;

/// The sync pool's handler of credentials checks. Retrying is harmless: a check is recorded only
/// while its account still waits for that generation, so a repeated or overtaken job changes
/// nothing.
pub async fn handle(job: CheckAccount, ctx: Data<Arc<Context>>) -> Result<(), BoxDynError> {
    let scope = TenantScope::trusted(job.tenant_id);
    crate::job_span::record_tenant(job.tenant_id);
    let mut conn = ctx.db.get().await.map_err(DbError::from)?;
    let account = accounts::get(&mut conn, scope, job.account_id).await?;
    drop(conn);
    let Some(account) = account.filter(|account| {
        account.status == Connection::Checking && account.check_generation == job.generation
    }) else {
        tracing::info!(account.id = %job.account_id, generation = job.generation,
            "credentials check skipped: the account no longer waits for it");
        return Ok(());
    };

    let credentials = ctx.vault.open(&account.credentials)?;
    let mut unavailable = Vec::new();
    let result = match ctx
        .check_credentials(account.marketplace, &credentials)
        .await
    {
        Ok(report) => {
            unavailable = report.unavailable;
            CheckResult {
                problems: report.problems,
                notes: report.notes,
                expires_at: report.expires_at,
            }
        }
        Err(ConnectError::Database(err)) => return Err(err.into()),
        // The marketplace clients retry on their own; past that the seller had better hear it
        // now than watch `checking` forever.
        Err(ConnectError::Marketplace(err)) => {
            tracing::warn!(account.id = %account.id, error = %err, "credentials could not be checked");
            unreachable_result(account.marketplace)
        }
        // The ingress checks the shape; a stored account that fails it can only be rejected.
        Err(ConnectError::Shape(_) | ConnectError::NoTenant(_)) => CheckResult {
            problems: vec![
                "Данные доступа сохранены не полностью. Пожалуйста, введите их ещё раз.".into(),
            ],
            ..CheckResult::default()
        },
    };
    let connected = result.problems.is_empty();

    let mut conn = ctx.db.get().await.map_err(DbError::from)?;
    // The status and the channels change together, and only while the account still waits for
    // this check: a disconnect or new credentials meanwhile keep its channels as they left them.
    let recorded = conn
        .transaction::<_, DbError, _>(async |conn| {
            let recorded =
                accounts::record_check(conn, scope, account.id, job.generation, &result).await?;
            if recorded && connected {
                channels::open_for_account(
                    conn,
                    scope,
                    account.id,
                    account.marketplace,
                    &unavailable,
                )
                .await?;
            }
            Ok(recorded)
        })
        .await?;
    drop(conn);
    if !recorded {
        tracing::info!(account.id = %account.id, "credentials check overtaken by a newer change");
        return Ok(());
    }
    tracing::info!(account.id = %account.id, connected, "credentials checked");

    if connected {
        let sync = SyncAccount {
            tenant_id: job.tenant_id,
            account_id: account.id,
            kind: SyncKind::Full,
        };
        // Best effort: the scheduler syncs every connected account anyway.
        let occasion = format!("connected-{}", job.generation);
        if let Err(err) = ctx.queues.push_sync(sync, &occasion).await {
            tracing::warn!(account.id = %account.id, error = %err,
                "the first full sync could not be enqueued; the scheduler's next one will do");
        }
    }
    let state = if connected {
        Connection::Connected
    } else {
        Connection::Rejected
    };
    let event = OperatorEvent::MarketplaceAccount {
        action: AccountAction::Checked,
        account_id: account.id,
        status: state,
    };
    ctx.tell_operators(scope, &event, "a checked account").await;
    Ok(())
}

/// The report when the marketplace could not be asked at all.
fn unreachable_result(marketplace: Marketplace) -> CheckResult {
    let name = marketplace.name();
    CheckResult {
        problems: vec![format!(
            "Не удалось проверить данные доступа: {name} сейчас не отвечает. Пожалуйста, отправьте их ещё раз чуть позже."
        )],
        ..CheckResult::default()
    }
}
