//! What the merchant's billing page needs: where the tenant stands this period, its invoices,
//! and hosted pages to subscribe or manage payment. The admin API serves these.

use crate::{
    CheckoutRequest, CustomerId, HostedLink, InvoiceSummary, OperationId, PaymentProvider,
    PlanChange, PlanCode, PortalRequest, SubscriptionId, TenantId as ProviderTenant, TenantRef,
};
use chrono::{DateTime, Utc};
use otklik_db::{AsyncPgConnection, TenantPool, TenantScope, billing as accounts, tenants};
use otklik_schema::{AccountState, BillingCurrency};

use super::{Billing, BillingError, standing};

/// The tenant's plan and usage this period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Overview {
    pub plan: String,
    pub state: AccountState,
    pub period_start: DateTime<Utc>,
    pub period_end: Option<DateTime<Utc>>,
    pub replies: i64,
    /// Replies the period includes: the plan's, or the trial's cap.
    pub included: u64,
    pub reply_cap: Option<i64>,
    /// What the tenant pays in, so the page shows prices in it.
    pub currency: BillingCurrency,
    pub trial_ends_at: Option<DateTime<Utc>>,
    /// When a tenant behind on payment loses its assistant, unless it pays first.
    pub suspends_at: Option<DateTime<Utc>>,
}

pub async fn overview(
    conn: &mut AsyncPgConnection,
    billing: &Billing,
    scope: TenantScope,
) -> Result<Overview, BillingError> {
    standing(conn, billing, scope).await?;
    let account = accounts::get(conn, scope).await?.ok_or(BillingError::Off)?;
    let replies = accounts::replies_since(conn, scope, account.period_start).await?;
    let included =
        if account.state == AccountState::Trialing && account.provider_subscription.is_none() {
            billing.catalog.trial().reply_cap
        } else {
            billing
                .catalog
                .plan(&account.plan_code)
                .map_or(0, |plan| plan.included_replies)
        };
    Ok(Overview {
        plan: account.plan_code,
        state: account.state,
        period_start: account.period_start,
        period_end: account.period_end,
        replies,
        included,
        reply_cap: account.reply_cap,
        currency: account.currency,
        trial_ends_at: account.trial_ends_at,
        suspends_at: (account.state == AccountState::PastDue)
            .then_some(account.past_due_since)
            .flatten()
            .map(|since| since + billing.grace),
    })
}

/// Sets the merchant's own ceiling on AI replies per period (`None` lifts it) and answers the
/// overview with it.
pub async fn set_reply_cap(
    conn: &mut AsyncPgConnection,
    billing: &Billing,
    scope: TenantScope,
    cap: Option<i64>,
) -> Result<Overview, BillingError> {
    // The account opens on first use; the cap must land on it.
    standing(conn, billing, scope).await?;
    accounts::set_reply_cap(conn, scope, cap).await?;
    overview(conn, billing, scope).await
}

/// The provider's customer for the tenant, created and stored on first use. No connection is
/// held while the provider answers.
async fn customer(
    db: &TenantPool,
    billing: &Billing,
    scope: TenantScope,
) -> Result<CustomerId, BillingError> {
    let provider = provider(billing)?;
    let tenant = {
        let mut conn = db.get(scope).await?;
        standing(&mut conn, billing, scope).await?;
        if let Some(account) = accounts::get(&mut conn, scope).await?
            && let Some(customer) = account.provider_customer
        {
            return Ok(CustomerId(customer));
        }
        tenants::get(&mut conn, scope).await?
    };
    let customer = provider
        .ensure_customer(&TenantRef {
            id: ProviderTenant(scope.tenant_id().0),
            name: tenant.name,
            email: None,
        })
        .await?;
    let mut conn = db.get(scope).await?;
    accounts::set_customer(&mut conn, scope, customer.as_str()).await?;
    Ok(customer)
}

/// What the tenant pays in, opening its account if need be.
async fn currency(
    db: &TenantPool,
    billing: &Billing,
    scope: TenantScope,
) -> Result<BillingCurrency, BillingError> {
    let mut conn = db.get(scope).await?;
    standing(&mut conn, billing, scope).await?;
    Ok(accounts::get(&mut conn, scope)
        .await?
        .map_or_else(|| billing.default_currency(), |account| account.currency))
}

fn provider(billing: &Billing) -> Result<&crate::StripeProvider, BillingError> {
    billing.provider.as_ref().ok_or(BillingError::Off)
}

/// A hosted checkout for `plan`; `operation` names the merchant's click, so a retried request
/// gets the same page.
pub async fn checkout(
    db: &TenantPool,
    billing: &Billing,
    scope: TenantScope,
    plan: &str,
    operation: &str,
    success_url: &str,
    cancel_url: &str,
) -> Result<HostedLink, BillingError> {
    if currency(db, billing, scope).await? == BillingCurrency::Rub {
        // ЮKassa returns the merchant to one page whether they paid or not.
        return super::roubles::checkout(db, billing, scope, plan, operation, success_url).await;
    }
    let plan = known_plan(billing, plan)?;
    let customer = customer(db, billing, scope).await?;
    let request = CheckoutRequest {
        tenant: ProviderTenant(scope.tenant_id().0),
        customer,
        plan,
        trial_end: None,
        success_url: success_url.to_owned(),
        cancel_url: cancel_url.to_owned(),
        operation: operation_id(operation)?,
    };
    Ok(provider(billing)?.checkout_link(&request).await?)
}

/// Moves a subscribed tenant to `plan` from now on (the provider prorates); the new standing is
/// stored at once, and the provider's event confirms it later.
pub async fn change_plan(
    db: &TenantPool,
    billing: &Billing,
    scope: TenantScope,
    plan: &str,
    operation: &str,
) -> Result<Overview, BillingError> {
    let plan = known_plan(billing, plan)?;
    let mut conn = db.get(scope).await?;
    let subscription = accounts::get(&mut conn, scope)
        .await?
        .and_then(|account| account.provider_subscription)
        .ok_or_else(|| {
            BillingError::Invalid("there is no subscription to change yet: subscribe first".into())
        })?;
    let change = PlanChange {
        tenant: ProviderTenant(scope.tenant_id().0),
        subscription: SubscriptionId(subscription),
        plan,
        operation: operation_id(operation)?,
    };
    drop(conn);
    let changed = provider(billing)?.change_plan(&change).await?;
    let mut conn = db.get(scope).await?;
    super::store_on(&mut conn, scope.tenant_id(), &changed).await?;
    overview(&mut conn, billing, scope).await
}

fn known_plan(billing: &Billing, plan: &str) -> Result<PlanCode, BillingError> {
    let plan = PlanCode::parse(plan).map_err(|err| BillingError::Invalid(err.to_string()))?;
    billing
        .catalog
        .plan(plan.as_str())
        .map_err(|err| BillingError::Invalid(err.to_string()))?;
    Ok(plan)
}

/// The provider's portal, where the merchant changes card or cancels.
pub async fn portal(
    db: &TenantPool,
    billing: &Billing,
    scope: TenantScope,
    operation: &str,
    return_url: &str,
) -> Result<HostedLink, BillingError> {
    let customer = customer(db, billing, scope).await?;
    let request = PortalRequest {
        tenant: ProviderTenant(scope.tenant_id().0),
        customer,
        return_url: return_url.to_owned(),
        operation: operation_id(operation)?,
    };
    Ok(provider(billing)?.portal_link(&request).await?)
}

pub async fn invoices(
    db: &TenantPool,
    billing: &Billing,
    scope: TenantScope,
) -> Result<Vec<InvoiceSummary>, BillingError> {
    let customer = customer(db, billing, scope).await?;
    Ok(provider(billing)?.list_invoices(&customer, 24).await?)
}

fn operation_id(operation: &str) -> Result<OperationId, BillingError> {
    OperationId::parse(operation)
        .map_err(|err| BillingError::Invalid(format!("operation id: {err}")))
}
