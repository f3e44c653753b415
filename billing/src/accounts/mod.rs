//! Tenants' billing accounts on top of the provider: the billing setup of a deployment, the
//! standing a turn checks, storing a subscription's state, and what the merchant's billing
//! page calls. Used by the ingress (merchant endpoints) and the workers (events, runs, turns).

pub mod limits;
pub mod merchant;
pub mod roubles;
mod standing;
mod subscription;

use std::sync::Arc;

use otklik_config::Config;
use otklik_schema::BillingCurrency;

pub use standing::{Standing, standing};
pub use subscription::{store, store_on};

use crate::{
    Catalog, CatalogError, ProviderError, StripeProvider, StripeSettings, YooKassaProvider,
    YooKassaSettings,
};

/// The plans on sale and, when billing is configured, the providers that charge for them:
/// Stripe for tenants paying in dollars, ЮKassa for those paying in roubles.
pub struct Billing {
    pub catalog: Arc<Catalog>,
    /// Stripe; `None` without a key.
    pub provider: Option<StripeProvider>,
    /// ЮKassa; `None` without a shop id and secret key.
    pub yookassa: Option<YooKassaProvider>,
    /// The VAT code printed on ЮKassa's fiscal receipts.
    pub vat_code: u8,
    /// How long a tenant behind on payment keeps its assistant.
    pub grace: chrono::Duration,
    /// How long after a declined autopayment the billing run tries the card again.
    pub retry_after: chrono::Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum BillingSetupError {
    #[error("the plans in OTKLIK_BILLING_PLANS cannot be used: {0}")]
    Plans(#[from] CatalogError),
    #[error("Stripe is not usable with these settings: {0}")]
    Provider(#[from] ProviderError),
    #[error("ЮKassa is not usable with these settings: {0}")]
    YooKassa(ProviderError),
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
        let yookassa = match (&config.yookassa_shop_id, &config.yookassa_secret_key) {
            (Some(shop_id), Some(secret_key)) => Some(
                YooKassaProvider::new(&YooKassaSettings {
                    api_base: config.yookassa_api_base.clone(),
                    shop_id: shop_id.clone(),
                    secret_key: secret_key.clone(),
                    timeout: config.send_timeout(),
                })
                .map_err(BillingSetupError::YooKassa)?,
            ),
            _ => None,
        };
        Ok(Self {
            catalog,
            provider,
            yookassa,
            vat_code: config.yookassa_vat_code,
            grace: chrono::Duration::days(i64::from(config.billing_grace_days)),
            retry_after: chrono::Duration::days(1),
        })
    }

    /// Whether any provider can take money: without one nobody can pay, so nobody is held to
    /// the trial's cap or suspended for not paying.
    pub fn is_on(&self) -> bool {
        self.provider.is_some() || self.yookassa.is_some()
    }

    /// The currency a tenant that names none pays in: roubles where only ЮKassa is set up,
    /// otherwise dollars (what every tenant paid in before ЮKassa).
    pub fn default_currency(&self) -> BillingCurrency {
        if self.yookassa.is_some() && self.provider.is_none() {
            BillingCurrency::Rub
        } else {
            BillingCurrency::Usd
        }
    }

    /// The currency for a tenant signing up from `country` (ISO 3166-1 alpha-2): roubles for
    /// Russia, dollars elsewhere.
    pub fn currency_for_country(&self, country: Option<&str>) -> BillingCurrency {
        match country {
            Some(country) if country.eq_ignore_ascii_case("RU") => BillingCurrency::Rub,
            Some(_) => BillingCurrency::Usd,
            None => self.default_currency(),
        }
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
    /// The account pays through a provider that is not configured (roubles without ЮKassa).
    #[error("the payment provider for {0} is not configured")]
    NoProviderFor(BillingCurrency),
    /// A refund above what is left of the payment, or of a payment that did not succeed.
    #[error("refund refused: {0}")]
    RefundRefused(String),
}
