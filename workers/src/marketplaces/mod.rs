//! Clients for the marketplaces' seller APIs. Every call goes through one [`Transport`] per
//! marketplace: the shared rate limiter, retries within a budget, lenient decoding.

mod error;
mod limits;
pub mod onboarding;
pub mod ozon;
mod transport;
pub mod wb;
mod wire;

use std::time::Duration;

use otklik_config::Config;
use otklik_db::accounts::Account;
use otklik_schema::Marketplace;
use redis::aio::ConnectionManager;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub use error::MarketplaceError;
use limits::SharedLimiter;
use transport::{Dialect, Transport};

use ozon::OzonClient;
use wb::WbClient;
use wb::token::WbToken;

/// A client for one account.
#[derive(Clone)]
pub enum Client {
    Wb(WbClient),
    Ozon(OzonClient),
}

/// What an account's `credentials` hold, by marketplace.
#[derive(Debug, Clone, Deserialize)]
pub struct WbCredentials {
    pub token: SecretString,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OzonCredentials {
    #[serde(deserialize_with = "wire::id_string")]
    pub client_id: String,
    pub api_key: SecretString,
}

/// Builds clients for accounts; one per process, cheap to clone.
#[derive(Clone)]
pub struct Marketplaces {
    http: reqwest::Client,
    limiter: Option<SharedLimiter>,
    wb_base_url: Option<String>,
    wb_client_secret: Option<SecretString>,
    ozon_base_url: String,
    max_attempts: u32,
    backoff: Duration,
    /// Opens the accounts' sealed credentials.
    vault: std::sync::Arc<otklik_db::sealed::Vault>,
}

impl Marketplaces {
    pub fn new(config: &Config, redis: ConnectionManager) -> Result<Self, reqwest::Error> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(config.marketplace_timeout_secs))
            .connect_timeout(Duration::from_secs(10))
            .user_agent(concat!("otklik/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            limiter: config
                .marketplace_rate_limits
                .then(|| SharedLimiter::new(redis, &config.redis_namespace)),
            wb_base_url: config.wb_base_url.clone(),
            wb_client_secret: config.wb_client_secret.clone(),
            ozon_base_url: config.ozon_base_url.clone(),
            max_attempts: config.marketplace_max_attempts,
            backoff: Duration::from_millis(config.marketplace_backoff_ms),
            vault: std::sync::Arc::new(otklik_db::sealed::Vault::new(&config.master_keys())),
        })
    }

    fn transport(&self, dialect: Dialect) -> Transport {
        Transport::new(
            self.http.clone(),
            self.limiter.clone(),
            dialect,
            self.max_attempts,
            self.backoff,
        )
    }

    pub fn wb(&self, credentials: WbCredentials, limit_owner: String) -> WbClient {
        WbClient::new(
            self.transport(Dialect::Wb),
            self.wb_base_url.clone(),
            credentials.token,
            self.wb_client_secret.clone(),
            limit_owner,
        )
    }

    pub fn ozon(&self, credentials: OzonCredentials) -> OzonClient {
        OzonClient::new(
            self.transport(Dialect::Ozon),
            &self.ozon_base_url,
            credentials.client_id,
            credentials.api_key,
        )
    }

    /// The client for an account, from its stored credentials.
    pub fn client(&self, account: &Account) -> Result<Client, MarketplaceError> {
        let incomplete = |what: &str| {
            MarketplaceError::Credentials(format!(
                "{} account {}: {what}",
                account.marketplace, account.id
            ))
        };
        let credentials = self
            .vault
            .open(&account.credentials)
            .map_err(|err| incomplete(&err.to_string()))?;
        Ok(match account.marketplace {
            Marketplace::Wb => {
                let credentials: WbCredentials = serde_json::from_value(credentials)
                    .map_err(|_| incomplete("expected {\"token\"}"))?;
                let owner = WbToken::decode(credentials.token.expose_secret())
                    .ok()
                    .and_then(|token| token.seller)
                    .unwrap_or_else(|| format!("account-{}", account.id));
                Client::Wb(self.wb(credentials, owner))
            }
            Marketplace::Ozon => {
                let credentials: OzonCredentials = serde_json::from_value(credentials)
                    .map_err(|_| incomplete("expected {\"client_id\", \"api_key\"}"))?;
                Client::Ozon(self.ozon(credentials))
            }
        })
    }
}
