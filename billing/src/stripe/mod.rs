//! [`PaymentProvider`] on Stripe through async-stripe 1.0.0-rc.10.
//!
//! A plan is sold as one subscription with two prices: the flat monthly fee and the per-reply
//! overage on a Billing Meter (usage reported as meter events). Every POST carries an
//! `Idempotency-Key` derived from the operation (see [`keys`]); each call is sent once
//! (`RequestStrategy::Idempotent`), so a retry is the caller's and reuses the same key.

mod convert;
mod keys;
mod webhook;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use stripe::{Client, ClientBuilder, IdempotencyKey, RequestStrategy, StripeRequest};
use stripe_billing::billing_meter_event::CreateBillingMeterEvent;
use stripe_billing::billing_portal_session::CreateBillingPortalSession;
use stripe_billing::invoice::ListInvoice;
use stripe_billing::subscription::{
    CreateSubscription, CreateSubscriptionItems, CreateSubscriptionTrialEnd, RetrieveSubscription,
    UpdateSubscription, UpdateSubscriptionItems,
};
use stripe_checkout::checkout_session::{
    CreateCheckoutSession, CreateCheckoutSessionLineItems, CreateCheckoutSessionSubscriptionData,
};
use stripe_core::customer::CreateCustomer;

use crate::plans::Catalog;
use crate::provider::{
    CheckoutRequest, CustomerId, HostedLink, InvoiceSummary, NewSubscription, PaymentProvider,
    PlanChange, PortalRequest, ProviderError, SubscriptionId, SubscriptionState, TenantId,
    TenantRef, UsageReport, WebhookError, WebhookEvent, WebhookRequest,
};

pub use webhook::{SIGNATURE_HEADER, TOLERANCE_SECS, parse_event, verify_signature};

/// Stripe's production API.
pub const DEFAULT_API_BASE: &str = "https://api.stripe.com/";

/// How to reach Stripe.
#[derive(Debug, Clone)]
pub struct StripeSettings {
    /// [`DEFAULT_API_BASE`] in production; tests point it at a fake server.
    pub api_base: String,
    /// `sk_live_…` / `sk_test_…` (or a restricted `rk_…` key).
    pub secret_key: SecretString,
    /// The webhook endpoint's signing secrets (`whsec_…`). Two while rotating: a delivery
    /// verifies if any secret matches any of its signatures.
    pub webhook_secrets: Vec<SecretString>,
    /// The Billing Meter's `event_name` that AI replies are reported under.
    pub meter_event_name: String,
    /// Per-request HTTP timeout.
    pub timeout: Duration,
}

/// Stripe, as billing's payment provider.
#[derive(Debug, Clone)]
pub struct StripeProvider {
    client: Client,
    catalog: Arc<Catalog>,
    meter_event_name: String,
    webhook_secrets: Vec<SecretString>,
}

impl StripeProvider {
    pub fn new(settings: &StripeSettings, catalog: Arc<Catalog>) -> Result<Self, ProviderError> {
        if settings.secret_key.expose_secret().is_empty() {
            return Err(ProviderError::Config(
                "the Stripe secret key is empty".into(),
            ));
        }
        if settings.webhook_secrets.is_empty()
            || settings
                .webhook_secrets
                .iter()
                .any(|secret| secret.expose_secret().is_empty())
        {
            return Err(ProviderError::Config(
                "at least one non-empty Stripe webhook secret is needed".into(),
            ));
        }
        if settings.meter_event_name.is_empty() {
            return Err(ProviderError::Config(
                "the meter event name is empty".into(),
            ));
        }
        let client = ClientBuilder::new(settings.secret_key.expose_secret())
            .url(settings.api_base.as_str())
            .timeout(settings.timeout)
            // Never async-stripe's own retries: they use random keys (or none without its
            // `uuid` feature), which would defeat our deterministic ones.
            .request_strategy(RequestStrategy::Once)
            .app_info("otklik", None, None)
            .build()
            .map_err(|err| ProviderError::Config(err.to_string()))?;
        Ok(Self {
            client,
            catalog,
            meter_event_name: settings.meter_event_name.clone(),
            webhook_secrets: settings.webhook_secrets.clone(),
        })
    }

    /// Verifies and reads a webhook at a given Unix time; [`PaymentProvider::verify_webhook`]
    /// uses the clock. Separate so tests can pin time.
    pub fn verify_webhook_at(
        &self,
        request: WebhookRequest<'_>,
        now_unix: i64,
    ) -> Result<WebhookEvent, WebhookError> {
        let header = request
            .headers
            .get(SIGNATURE_HEADER)
            .ok_or(WebhookError::MissingHeader(SIGNATURE_HEADER))?
            .to_str()
            .map_err(|_| WebhookError::MalformedHeader("not visible ASCII".into()))?;
        let secrets: Vec<&str> = self
            .webhook_secrets
            .iter()
            .map(|secret| secret.expose_secret())
            .collect();
        verify_signature(request.body, header, &secrets, now_unix)?;
        parse_event(request.body, &self.catalog)
    }

    fn state(&self, subscription: &stripe_billing::Subscription) -> SubscriptionState {
        convert::subscription_state(subscription, &self.catalog)
    }
}

fn idempotent(key: String) -> Result<RequestStrategy, ProviderError> {
    IdempotencyKey::new(&key)
        .map(RequestStrategy::Idempotent)
        .map_err(|err| ProviderError::Config(format!("idempotency key `{key}`: {err}")))
}

fn tenant_metadata(tenant: TenantId, plan: Option<&str>) -> HashMap<String, String> {
    let mut metadata = HashMap::from([("tenant_id".to_owned(), tenant.to_string())]);
    if let Some(plan) = plan {
        metadata.insert("plan".to_owned(), plan.to_owned());
    }
    metadata
}

impl PaymentProvider for StripeProvider {
    async fn ensure_customer(&self, tenant: &TenantRef) -> Result<CustomerId, ProviderError> {
        let mut request = CreateCustomer::new()
            .name(tenant.name.as_str())
            .metadata(tenant_metadata(tenant.id, None));
        if let Some(email) = &tenant.email {
            request = request.email(email.as_str());
        }
        let customer = request
            .customize()
            .request_strategy(idempotent(keys::customer(tenant.id))?)
            .send(&self.client)
            .await
            .map_err(convert::error)?;
        Ok(CustomerId(customer.id.as_str().to_owned()))
    }

    async fn create_subscription(
        &self,
        request: &NewSubscription,
    ) -> Result<SubscriptionState, ProviderError> {
        let plan = self.catalog.plan(request.plan.as_str())?;
        let items = vec![
            CreateSubscriptionItems {
                price: Some(plan.stripe.flat.clone()),
                quantity: Some(1),
                ..CreateSubscriptionItems::new()
            },
            // Metered items take no quantity: the meter's events are the quantity.
            CreateSubscriptionItems {
                price: Some(plan.stripe.metered.clone()),
                ..CreateSubscriptionItems::new()
            },
        ];
        let mut create = CreateSubscription::new()
            .customer(request.customer.as_str())
            .items(items)
            .metadata(tenant_metadata(request.tenant, Some(plan.code.as_str())));
        if let Some(trial_end) = request.trial_end {
            create = create.trial_end(CreateSubscriptionTrialEnd::Timestamp(trial_end.timestamp()));
        }
        let subscription = create
            .customize()
            .request_strategy(idempotent(keys::subscription(
                request.tenant,
                &request.operation,
            ))?)
            .send(&self.client)
            .await
            .map_err(convert::error)?;
        Ok(self.state(&subscription))
    }

    async fn report_usage(&self, usage: &UsageReport) -> Result<(), ProviderError> {
        if usage.replies == 0 {
            return Ok(());
        }
        let identifier = keys::meter(usage.tenant, &usage.usage);
        let payload = HashMap::from([
            (
                "stripe_customer_id".to_owned(),
                usage.customer.as_str().to_owned(),
            ),
            ("value".to_owned(), usage.replies.to_string()),
        ]);
        CreateBillingMeterEvent::new(self.meter_event_name.as_str(), payload)
            // Stripe's own dedupe (≥ 24 h), independent of the idempotency key's.
            .identifier(identifier.as_str())
            .timestamp(usage.occurred_at.timestamp())
            .customize()
            .request_strategy(idempotent(identifier)?)
            .send(&self.client)
            .await
            .map_err(convert::error)?;
        Ok(())
    }

    async fn list_invoices(
        &self,
        customer: &CustomerId,
        limit: u8,
    ) -> Result<Vec<InvoiceSummary>, ProviderError> {
        let list = ListInvoice::new()
            .customer(customer.as_str())
            .limit(i64::from(limit.clamp(1, 100)))
            .send(&self.client)
            .await
            .map_err(convert::error)?;
        list.data
            .iter()
            .map(|invoice| convert::invoice_summary(invoice, customer))
            .collect()
    }

    async fn checkout_link(&self, request: &CheckoutRequest) -> Result<HostedLink, ProviderError> {
        let plan = self.catalog.plan(request.plan.as_str())?;
        let line_items = vec![
            CreateCheckoutSessionLineItems {
                price: Some(plan.stripe.flat.clone()),
                quantity: Some(1),
                ..CreateCheckoutSessionLineItems::new()
            },
            CreateCheckoutSessionLineItems {
                price: Some(plan.stripe.metered.clone()),
                ..CreateCheckoutSessionLineItems::new()
            },
        ];
        let subscription_data = CreateCheckoutSessionSubscriptionData {
            metadata: Some(tenant_metadata(request.tenant, Some(plan.code.as_str()))),
            trial_end: request.trial_end.map(|end| end.timestamp()),
            ..CreateCheckoutSessionSubscriptionData::new()
        };
        let session = CreateCheckoutSession::new()
            .mode(stripe_checkout::CheckoutSessionMode::Subscription)
            .customer(request.customer.as_str())
            .client_reference_id(request.tenant.to_string())
            .line_items(line_items)
            .subscription_data(subscription_data)
            .metadata(tenant_metadata(request.tenant, Some(plan.code.as_str())))
            .success_url(request.success_url.as_str())
            .cancel_url(request.cancel_url.as_str())
            .customize()
            .request_strategy(idempotent(keys::checkout(
                request.tenant,
                &request.operation,
            ))?)
            .send(&self.client)
            .await
            .map_err(convert::error)?;
        let url = session.url.ok_or_else(|| {
            ProviderError::Decode(format!("checkout session {} has no url", session.id))
        })?;
        Ok(HostedLink {
            id: session.id.as_str().to_owned(),
            url,
        })
    }

    async fn portal_link(&self, request: &PortalRequest) -> Result<HostedLink, ProviderError> {
        let session = CreateBillingPortalSession::new()
            .customer(request.customer.as_str())
            .return_url(request.return_url.as_str())
            .customize()
            .request_strategy(idempotent(keys::portal(
                request.tenant,
                &request.operation,
            ))?)
            .send(&self.client)
            .await
            .map_err(convert::error)?;
        Ok(HostedLink {
            id: session.id.as_str().to_owned(),
            url: session.url,
        })
    }

    async fn change_plan(&self, change: &PlanChange) -> Result<SubscriptionState, ProviderError> {
        let plan = self.catalog.plan(change.plan.as_str())?;
        let current = RetrieveSubscription::new(change.subscription.as_str())
            .send(&self.client)
            .await
            .map_err(convert::error)?;
        // Swap each item's price for the new plan's price of the same kind, keeping the items
        // (and so the meter's usage so far in the period).
        let mut items = Vec::new();
        for item in &current.items.data {
            let price = item.price.id.as_str();
            let Some(old) = self.catalog.plan_by_stripe_price(price) else {
                continue;
            };
            let new_price = if old.stripe.flat == price {
                &plan.stripe.flat
            } else {
                &plan.stripe.metered
            };
            items.push(UpdateSubscriptionItems {
                id: Some(item.id.as_str().to_owned()),
                price: Some(new_price.clone()),
                ..UpdateSubscriptionItems::new()
            });
        }
        if items.is_empty() {
            return Err(ProviderError::NotFound(format!(
                "subscription {} has no item on a catalog price",
                change.subscription
            )));
        }
        let updated = UpdateSubscription::new(change.subscription.as_str())
            .items(items)
            .metadata(tenant_metadata(change.tenant, Some(plan.code.as_str())))
            .customize()
            .request_strategy(idempotent(keys::plan_change(change))?)
            .send(&self.client)
            .await
            .map_err(convert::error)?;
        Ok(self.state(&updated))
    }

    async fn subscription(&self, id: &SubscriptionId) -> Result<SubscriptionState, ProviderError> {
        let subscription = RetrieveSubscription::new(id.as_str())
            .send(&self.client)
            .await
            .map_err(convert::error)?;
        Ok(self.state(&subscription))
    }

    async fn verify_webhook(
        &self,
        request: WebhookRequest<'_>,
    ) -> Result<WebhookEvent, WebhookError> {
        self.verify_webhook_at(request, chrono::Utc::now().timestamp())
    }
}
