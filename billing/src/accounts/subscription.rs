//! Storing a subscription as the provider has it now, as the tenant's standing.

use otklik_db::billing::{self, SubscriptionSnapshot};
use otklik_db::{AsyncPgConnection, DbError, DbPool, TenantScope};
use otklik_schema::{AccountState, TenantId};

use super::BillingError;
use crate::{SubscriptionState, SubscriptionStatus};

/// The standing a subscription status gives; `None` keeps the stored one (statuses that say
/// nothing about payment, and ones Stripe may add).
fn state_of(status: &SubscriptionStatus) -> Option<AccountState> {
    match status {
        SubscriptionStatus::Trialing => Some(AccountState::Trialing),
        SubscriptionStatus::Active => Some(AccountState::Active),
        SubscriptionStatus::PastDue | SubscriptionStatus::Incomplete => Some(AccountState::PastDue),
        SubscriptionStatus::Unpaid
        | SubscriptionStatus::Canceled
        | SubscriptionStatus::IncompleteExpired => Some(AccountState::Suspended),
        _ => None,
    }
}

/// Stores the standing `current` gives; a status that says nothing about payment keeps the
/// stored one.
pub async fn store(
    db: &DbPool,
    tenant: TenantId,
    current: &SubscriptionState,
) -> Result<&'static str, BillingError> {
    let mut conn = db.get().await.map_err(DbError::from)?;
    store_on(&mut conn, tenant, current).await
}

/// [`store`] on a connection the caller holds.
pub async fn store_on(
    conn: &mut AsyncPgConnection,
    tenant: TenantId,
    current: &SubscriptionState,
) -> Result<&'static str, BillingError> {
    let Some(state) = state_of(&current.status) else {
        return Ok("status_kept");
    };
    let status = current.status.as_str();
    let snapshot = SubscriptionSnapshot {
        subscription: current.id.as_str(),
        status,
        state,
        plan_code: current.plan.as_ref().map(|plan| plan.as_str()),
        period_start: current.current_period_start,
        period_end: current.current_period_end,
    };
    let stored = billing::apply_subscription(conn, TenantScope::trusted(tenant), &snapshot).await?;
    tracing::info!(tenant.id = %tenant, state = %stored.state, status = %status, "billing standing updated");
    Ok("applied")
}
