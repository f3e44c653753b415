//! The billing run, once per scheduler tick: accounts behind on payment past the grace period
//! (and trials that ended unpaid) are suspended, AI replies not yet reported become one meter
//! event per tenant, and every subscription is read back from the provider so a missed webhook
//! cannot leave a standing wrong. A run is recorded; running a tick again does nothing.

use chrono::{DateTime, Utc};
use otklik_billing::{CustomerId, PaymentProvider, SubscriptionId, TenantId, UsageId, UsageReport};
use otklik_db::{DbError, TenantScope, billing};
use serde_json::json;

use super::{BillingError, events};
use crate::Context;

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunSummary {
    /// `false` when the tick's run had finished before.
    pub ran: bool,
    pub suspended: usize,
    pub reports: usize,
    pub replies: i64,
}

/// The tick of a run scheduled at `at`: hourly.
pub fn schedule_tick(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H").to_string()
}

/// Runs the billing of `tick`; a tick that ran to the end before is not run again.
pub async fn run(ctx: &Context, tick: &str) -> Result<RunSummary, BillingError> {
    let run = {
        let mut conn = ctx.db.get().await.map_err(DbError::from)?;
        billing::start_run(&mut conn, tick).await?
    };
    let Some(run) = run else {
        tracing::debug!(tick, "billing run already done");
        return Ok(RunSummary::default());
    };
    let mut summary = RunSummary {
        ran: true,
        ..RunSummary::default()
    };
    let mut details = json!({});
    let result = steps(ctx, &mut summary, &mut details).await;
    let error = result.as_ref().err().map(ToString::to_string);
    let mut conn = ctx.db.get().await.map_err(DbError::from)?;
    billing::finish_run(
        &mut conn,
        run,
        i32::try_from(summary.reports).unwrap_or(i32::MAX),
        summary.replies,
        &details,
        error.as_deref(),
    )
    .await?;
    match result {
        Ok(()) => {
            tracing::info!(
                tick,
                reports = summary.reports,
                replies = summary.replies,
                suspended = summary.suspended,
                "billing run finished"
            );
            Ok(summary)
        }
        Err(err) => {
            tracing::warn!(tick, error = %err, "billing run failed; the next run resends what is owed");
            Err(err)
        }
    }
}

async fn steps(
    ctx: &Context,
    summary: &mut RunSummary,
    details: &mut serde_json::Value,
) -> Result<(), BillingError> {
    // Without a provider nobody can pay, so nobody is suspended for not paying.
    if !ctx.billing.is_on() {
        details["provider"] = json!("off");
        return Ok(());
    }
    // Roubles first: a card charged now keeps its tenant out of the suspensions below.
    let roubles =
        otklik_billing::accounts::roubles::renew(&ctx.db, &ctx.billing, Utc::now()).await?;
    details["roubles"] = json!({
        "charged": roubles.charged, "declined": roubles.declined,
        "pending": roubles.pending, "reconciled": roubles.reconciled,
    });
    let cutoff = Utc::now() - ctx.billing.grace;
    let suspended = {
        let mut conn = ctx.db.get().await.map_err(DbError::from)?;
        billing::suspend_lapsed(&mut conn, cutoff).await?
    };
    summary.suspended = suspended.len();
    details["suspended"] = json!(suspended.iter().map(|t| t.0).collect::<Vec<_>>());
    let Some(provider) = &ctx.billing.provider else {
        return Ok(());
    };

    let owed = {
        let mut conn = ctx.db.get().await.map_err(DbError::from)?;
        billing::prepare_meter_reports(&mut conn).await?
    };
    for report in owed {
        let usage = UsageReport {
            tenant: TenantId(report.tenant_id),
            customer: CustomerId(report.customer.clone()),
            usage: UsageId::parse(&report.identifier).map_err(|err| {
                otklik_billing::ProviderError::Config(format!("meter report identifier: {err}"))
            })?,
            replies: u64::try_from(report.quantity).unwrap_or(0),
            occurred_at: report.created_at,
        };
        provider.report_usage(&usage).await?;
        let mut conn = ctx.db.get().await.map_err(DbError::from)?;
        billing::mark_report_sent(&mut conn, report.id).await?;
        summary.reports += 1;
        summary.replies += report.quantity;
    }

    // Reconciliation: the provider's subscriptions as they are now, and our counted replies
    // against what we have reported this period.
    let accounts = {
        let mut conn = ctx.db.get().await.map_err(DbError::from)?;
        billing::accounts(&mut conn).await?
    };
    let mut checked = Vec::new();
    for account in accounts {
        let scope = TenantScope::trusted(account.tenant_id);
        if let Some(subscription) = &account.provider_subscription {
            events::refresh(
                ctx,
                account.tenant_id,
                &SubscriptionId(subscription.clone()),
            )
            .await?;
        }
        let mut conn = ctx.db.get().await.map_err(DbError::from)?;
        let counted = billing::replies_since(&mut conn, scope, account.period_start).await?;
        let reported = billing::reported_since(&mut conn, scope, account.period_start).await?;
        checked.push(json!({
            "tenant": account.tenant_id.0, "counted": counted, "reported": reported,
            "unreported": counted - reported,
        }));
    }
    details["reconciled"] = json!(checked);
    Ok(())
}
