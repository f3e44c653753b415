//! Applying the provider's webhook events. Events come late, twice and out of order, so an
//! event only says which subscription to look at: its state is read back from the provider
//! and stored as it is now. Applying an event again changes nothing.

use otklik_billing::stripe::parse_event;
use otklik_billing::{BillingEvent, PaymentProvider, SubscriptionId};
use otklik_db::billing;
use otklik_db::{DbError, TenantScope};
use otklik_schema::TenantId;

use super::BillingError;
use crate::Context;

pub(super) async fn apply(ctx: &Context, id: &str, body: &str) -> Result<(), BillingError> {
    let payload: serde_json::Value = serde_json::from_str(body).unwrap_or_default();
    let kind = payload["type"].as_str().unwrap_or("unknown");
    {
        let mut conn = ctx.db.get().await.map_err(DbError::from)?;
        billing::record_event(&mut conn, id, kind, &payload).await?;
        if billing::event_applied(&mut conn, id).await? {
            tracing::debug!(event.id = id, "billing event already applied");
            return Ok(());
        }
    }
    let event = match parse_event(body.as_bytes(), &ctx.billing.catalog) {
        Ok(event) => event.event,
        Err(err) => {
            tracing::warn!(event.id = id, error = %err, "a billing event could not be read; ignored");
            return finish(ctx, id, None, "unreadable").await;
        }
    };
    let (tenant, subscription) = match &event {
        BillingEvent::InvoicePaid(invoice) | BillingEvent::InvoicePaymentFailed(invoice) => (
            tenant_of(ctx, Some(invoice.customer.as_str()), None).await?,
            invoice.subscription.clone(),
        ),
        BillingEvent::SubscriptionUpdated(state) | BillingEvent::SubscriptionDeleted(state) => (
            tenant_of(ctx, Some(state.customer.as_str()), None).await?,
            Some(state.id.clone()),
        ),
        BillingEvent::CheckoutCompleted(done) => {
            let tenant = tenant_of(
                ctx,
                done.customer.as_ref().map(|c| c.as_str()),
                done.tenant.map(|t| TenantId(t.0)),
            )
            .await?;
            if let (Some(tenant), Some(customer)) = (tenant, &done.customer) {
                let mut conn = ctx.db.get().await.map_err(DbError::from)?;
                billing::set_customer(&mut conn, TenantScope::trusted(tenant), customer.as_str())
                    .await?;
            }
            (tenant, done.subscription.clone())
        }
        BillingEvent::Other(_) => return finish(ctx, id, None, "ignored").await,
    };
    let Some(tenant) = tenant else {
        tracing::warn!(
            event.id = id,
            kind,
            "a billing event names no tenant of ours; ignored"
        );
        return finish(ctx, id, None, "unknown_customer").await;
    };
    let Some(subscription) = subscription else {
        return finish(ctx, id, Some(tenant), "no_subscription").await;
    };
    let outcome = refresh(ctx, tenant, &subscription).await?;
    finish(ctx, id, Some(tenant), outcome).await
}

/// A ЮKassa notification: the object it names is read back from ЮKassa and its current
/// state applied; a forged or replayed notification therefore changes nothing.
pub(super) async fn apply_yookassa(
    ctx: &Context,
    event: &str,
    object: &str,
) -> Result<(), BillingError> {
    let Some(event) = otklik_billing::yookassa::NotificationEvent::parse(event) else {
        tracing::warn!(event, "an unknown ЮKassa event was queued; ignored");
        return Ok(());
    };
    if ctx.billing.yookassa.is_none() {
        tracing::warn!(
            event = event.as_str(),
            "a ЮKassa notification with ЮKassa off; ignored"
        );
        return Ok(());
    }
    let outcome =
        otklik_billing::accounts::roubles::on_notification(&ctx.db, &ctx.billing, event, object)
            .await?;
    tracing::info!(
        event = event.as_str(),
        object,
        outcome,
        "ЮKassa notification applied"
    );
    Ok(())
}

/// Reads the subscription back from the provider and stores its standing.
pub(super) async fn refresh(
    ctx: &Context,
    tenant: TenantId,
    subscription: &SubscriptionId,
) -> Result<&'static str, BillingError> {
    let Some(provider) = &ctx.billing.provider else {
        return Ok("billing_off");
    };
    let current = provider.subscription(subscription).await?;
    otklik_billing::accounts::store(&ctx.db, tenant, &current).await
}

async fn tenant_of(
    ctx: &Context,
    customer: Option<&str>,
    named: Option<TenantId>,
) -> Result<Option<TenantId>, BillingError> {
    if let Some(customer) = customer {
        let mut conn = ctx.db.get().await.map_err(DbError::from)?;
        if let Some(tenant) = billing::tenant_of_customer(&mut conn, customer).await? {
            return Ok(Some(tenant));
        }
    }
    Ok(named)
}

async fn finish(
    ctx: &Context,
    id: &str,
    tenant: Option<TenantId>,
    outcome: &str,
) -> Result<(), BillingError> {
    let mut conn = ctx.db.get().await.map_err(DbError::from)?;
    billing::mark_event_applied(&mut conn, id, tenant, outcome).await?;
    Ok(())
}
