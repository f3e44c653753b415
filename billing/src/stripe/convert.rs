//! Stripe's types and errors in billing's vocabulary, in one place.

use chrono::{DateTime, Utc};
use stripe::ApiErrorsType;
use stripe::StripeError;

use crate::plans::{Catalog, CatalogError, Currency, Money};
use crate::provider::{
    CustomerId, InvoiceId, InvoiceStatus, InvoiceSummary, ProviderError, SubscriptionId,
    SubscriptionState, SubscriptionStatus,
};

/// What async-stripe says when an error response is not Stripe's JSON (a proxy's HTML page);
/// it drops the status code in that case.
const UNPARSEABLE_ERROR_BODY: &str = "error deserializing Stripe error";

pub(crate) fn error(err: StripeError) -> ProviderError {
    match err {
        StripeError::Stripe(api, status) => {
            let message = api.message.clone().unwrap_or_default();
            match (&api.type_, status) {
                (ApiErrorsType::CardError, _) | (_, 402) => ProviderError::Declined {
                    code: api
                        .decline_code
                        .clone()
                        .or_else(|| api.code.as_ref().map(ToString::to_string))
                        .unwrap_or_else(|| "card_error".to_owned()),
                    message,
                },
                (ApiErrorsType::IdempotencyError, _) => ProviderError::IdempotencyConflict(message),
                (_, 404) => ProviderError::NotFound(message),
                (_, 429) => ProviderError::RateLimited(message),
                // 409: another request with the same key is in flight; 424: a dependency
                // failed. Stripe documents both as safe to retry with the same key.
                (_, 409 | 424 | 500..=599) => ProviderError::Unavailable {
                    status: Some(status),
                    message,
                },
                (kind, _) => ProviderError::Rejected {
                    status,
                    kind: kind.as_str().to_owned(),
                    message,
                },
            }
        }
        StripeError::JSONDeserialize(message) if message == UNPARSEABLE_ERROR_BODY => {
            ProviderError::Unavailable {
                status: None,
                message,
            }
        }
        StripeError::JSONDeserialize(message) => ProviderError::Decode(message),
        StripeError::ClientError(message) => ProviderError::Transport(message),
        StripeError::ConfigError(message) => ProviderError::Config(message),
        StripeError::Timeout => ProviderError::Timeout,
    }
}

pub(crate) fn time(unix: i64) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp(unix, 0)
}

fn required_time(unix: i64, what: &str) -> Result<DateTime<Utc>, ProviderError> {
    time(unix).ok_or_else(|| ProviderError::Decode(format!("{what} {unix} is not a time")))
}

/// Stripe amounts are signed; the ones we read (due, paid) are never negative.
pub(crate) fn money(minor: i64, currency: &str, what: &str) -> Result<Money, ProviderError> {
    let minor = u64::try_from(minor)
        .map_err(|_| ProviderError::Decode(format!("negative {what}: {minor}")))?;
    let currency = Currency::parse(currency)
        .map_err(|err: CatalogError| ProviderError::Decode(format!("{what} currency: {err}")))?;
    Ok(Money { minor, currency })
}

pub(crate) fn subscription_state(
    subscription: &stripe_billing::Subscription,
    catalog: &Catalog,
) -> SubscriptionState {
    let items = &subscription.items.data;
    SubscriptionState {
        id: SubscriptionId(subscription.id.as_str().to_owned()),
        customer: CustomerId(subscription.customer.id().as_str().to_owned()),
        status: SubscriptionStatus::parse(subscription.status.as_str()),
        plan: items
            .iter()
            .find_map(|item| catalog.plan_by_stripe_price(item.price.id.as_str()))
            .map(|plan| plan.code.clone()),
        // Since API version 2025-03-31 the period lives on each item, not the subscription.
        current_period_start: items
            .iter()
            .map(|item| item.current_period_start)
            .max()
            .and_then(time),
        current_period_end: items
            .iter()
            .map(|item| item.current_period_end)
            .max()
            .and_then(time),
        trial_end: subscription.trial_end.and_then(time),
        cancel_at_period_end: subscription.cancel_at_period_end,
    }
}

pub(crate) fn invoice_summary(
    invoice: &stripe_billing::Invoice,
    customer: &CustomerId,
) -> Result<InvoiceSummary, ProviderError> {
    let id = invoice
        .id
        .as_ref()
        .ok_or_else(|| ProviderError::Decode("a listed invoice has no id".into()))?;
    let currency = invoice.currency.to_string();
    Ok(InvoiceSummary {
        id: InvoiceId(id.as_str().to_owned()),
        customer: invoice
            .customer
            .as_ref()
            .map(|c| CustomerId(c.id().as_str().to_owned()))
            .unwrap_or_else(|| customer.clone()),
        subscription: invoice
            .parent
            .as_ref()
            .and_then(|parent| parent.subscription_details.as_ref())
            .map(|details| SubscriptionId(details.subscription.id().as_str().to_owned())),
        number: invoice.number.clone(),
        status: invoice
            .status
            .as_ref()
            .map(|status| InvoiceStatus::parse(status.as_str())),
        amount_due: money(invoice.amount_due, &currency, "amount_due")?,
        amount_paid: money(invoice.amount_paid, &currency, "amount_paid")?,
        created: required_time(invoice.created, "invoice created")?,
        period_start: required_time(invoice.period_start, "invoice period_start")?,
        period_end: required_time(invoice.period_end, "invoice period_end")?,
        hosted_url: invoice.hosted_invoice_url.clone(),
        pdf_url: invoice.invoice_pdf.clone(),
    })
}
