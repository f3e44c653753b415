//! Tenants' billing accounts on top of the provider: the billing setup of a deployment, the
//! standing a turn checks, storing a subscription's state, and what the merchant's billing
//! page calls. Used by the ingress (merchant endpoints) and the workers (events, runs, turns).

pub mod merchant;
mod standing;
mod subscription;

use std::sync::Arc;

use otklik_config::Config;

pub use standing::{Standing, standing};
pub use subscription::{store, store_on};

use crate::{Catalog, CatalogError, ProviderError, StripeProvider, StripeSettings};

/// The plans on sale and, when billing is configured, the provider that charges for them.
pub struct Billing {
    pub catalog: Arc<Catalog>,
    /// `None`: billing is off (no key), nothing is charged and trials never lapse.
    pub provider: Option<StripeProvider>,
    /// How long a tenant behind on payment keeps its assistant.
    pub grace: chrono::Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum BillingSetupError {
    #[error("the plans in OTKLIK_BILLING_PLANS cannot be used: {0}")]
    Plans(#[from] CatalogError),
    #[error("Stripe is not usable with these settings: {0}")]
    Provider(#[from] ProviderError),
    #[error("OTKLIK_STRIPE_SECRET_KEY is set but OTKLIK_STRIPE_WEBHOOK_SECRETS is not")]
    NoWebhookSecret,
}

impl Billing {
    pub fn from_config(config: &Config) -> Result<Self, BillingSetupError> {
        let catalog = Arc::new(match &config.billing_plans {
            Some(path) => Catalog::load(path)?,
            None => Catalog::builtin()?,
        });
        let provider = match &config.stripe_secret_key {
            None => None,
            Some(key) => {
                let secrets = config
                    .stripe_webhook_secrets
                    .as_ref()
                    .ok_or(BillingSetupError::NoWebhookSecret)?;
                let settings = StripeSettings {
                    api_base: config.stripe_api_base.clone(),
                    secret_key: key.clone(),
                    webhook_secrets: split_secrets(secrets),
                    meter_event_name: config.stripe_meter_event.clone(),
                    timeout: config.send_timeout(),
                };
                Some(StripeProvider::new(&settings, catalog.clone())?)
            }
        };
        Ok(Self {
            catalog,
            provider,
            grace: chrono::Duration::days(i64::from(config.billing_grace_days)),
        })
    }
}

fn split_secrets(secrets: &secrecy::SecretString) -> Vec<secrecy::SecretString> {
    use secrecy::ExposeSecret;
    secrets
        .expose_secret()
        .split(',')
        .map(str::trim)
        .filter(|secret| !secret.is_empty())
        .map(|secret| secrecy::SecretString::from(secret.to_owned()))
        .collect()
}

/// Why billing work failed; retried by the queue when the provider may answer later.
#[derive(Debug, thiserror::Error)]
pub enum BillingError {
    #[error(transparent)]
    Database(#[from] otklik_db::DbError),
    #[error("the payment provider failed: {0}")]
    Provider(#[from] ProviderError),
    /// A merchant's request that cannot be served as asked (an unknown plan).
    #[error("{0}")]
    Invalid(String),
    #[error("billing is not configured: no payment provider key")]
    Off,
}
