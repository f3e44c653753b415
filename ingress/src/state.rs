use std::sync::Arc;
use std::time::Duration;

use otklik_config::{Config, IpRange};
use otklik_db::sealed::Vault;
use otklik_db::{DbError, DbPool, TenantConn, TenantPool, TenantScope};
use otklik_jobs::{QueueSettings, Queues, UnsubscribeTokens, WebhookSecrets};
use redis::aio::ConnectionManager;
use secrecy::ExposeSecret;
use tokio::sync::watch;

use otklik_billing::accounts::{Billing, BillingSetupError};

use crate::api::auth::{Auth, Signer, Throttle};
use crate::metrics::Metrics;
use crate::public_channels::WebchatChannels;
use crate::rate_limits::RateLimits;
use crate::realtime::Hub;

/// What every request handler shares. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

struct Inner {
    config: Config,
    queues: Queues,
    redis: ConnectionManager,
    db: DbPool,
    /// Unauthenticated reads (web-chat history, channel and API-key lookups, readiness): a
    /// flood of them waits for these few connections, never for `db`'s.
    public_db: DbPool,
    /// The admin API's connections, under row-level security for one tenant at a time.
    tenant_db: TenantPool,
    webchat_channels: WebchatChannels,
    rate_limits: RateLimits,
    trusted_proxies: Vec<IpRange>,
    /// Seals and opens channel tokens and marketplace keys.
    vault: Vault,
    secrets: WebhookSecrets,
    /// Signs and checks the unsubscribe links of alert e-mails.
    unsubscribe: UnsubscribeTokens,
    metrics: Metrics,
    hub: Hub,
    /// Operators' live events (handoffs, replies, drafts) for the dashboard's sockets.
    operators: Hub,
    auth: Auth,
    billing: Billing,
    shutdown: watch::Sender<bool>,
}

/// The ingress could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not connect to Redis at REDIS_URL: {0}")]
    Redis(#[from] redis::RedisError),
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Billing(#[from] BillingSetupError),
}

impl AppState {
    /// Connects to Redis and sets up the PostgreSQL pool (connections open lazily).
    pub async fn connect(config: Config) -> Result<Self, StartError> {
        let redis = otklik_jobs::connect(config.redis_url.expose_secret()).await?;
        let db = otklik_db::build_pool(
            config.database_url.expose_secret(),
            config.db_pool_size,
            Duration::from_millis(config.db_wait_timeout_ms),
        )?;
        let tenant_db = TenantPool::build(
            config.tenant_database_url().expose_secret(),
            config.db_pool_size,
            Duration::from_millis(config.db_wait_timeout_ms),
        )?;
        let public_db = otklik_db::build_public_pool(
            config.database_url.expose_secret(),
            config.public_db_pool_size,
            // A public read waits briefly: past this it answers 503 rather than queue.
            Duration::from_millis(config.db_wait_timeout_ms.min(1000)),
        )?;
        let settings = QueueSettings::from_config(&config);
        let (shutdown, stopped) = watch::channel(false);
        let hub = Hub::start(
            redis::Client::open(config.redis_url.expose_secret())?,
            otklik_jobs::topics::webchat_pattern(&config.redis_namespace),
            stopped.clone(),
        );
        let operators = Hub::start(
            redis::Client::open(config.redis_url.expose_secret())?,
            otklik_jobs::topics::operators_pattern(&config.redis_namespace),
            stopped,
        );
        Ok(Self(Arc::new(Inner {
            queues: Queues::new(redis.clone(), &settings),
            secrets: WebhookSecrets::new(config.master_key.clone()),
            unsubscribe: UnsubscribeTokens::new(&config.master_keys()),
            billing: Billing::from_config(&config)?,
            auth: Auth {
                signer: Signer::new(&config.master_key),
                throttle: Throttle::started(),
                revocations: Default::default(),
            },
            webchat_channels: WebchatChannels::default(),
            rate_limits: RateLimits::new(redis.clone(), &config.redis_namespace),
            trusted_proxies: config.trusted_proxy_ranges().unwrap_or_default(),
            vault: Vault::new(&config.master_keys()),
            public_db,
            metrics: Metrics::default(),
            redis,
            db,
            tenant_db,
            hub,
            operators,
            shutdown,
            config,
        })))
    }

    pub fn config(&self) -> &Config {
        &self.0.config
    }
    pub(crate) fn queues(&self) -> &Queues {
        &self.0.queues
    }
    pub(crate) fn redis(&self) -> ConnectionManager {
        self.0.redis.clone()
    }
    pub(crate) fn db(&self) -> &DbPool {
        &self.0.db
    }
    pub(crate) fn public_db(&self) -> &DbPool {
        &self.0.public_db
    }
    pub(crate) fn unsubscribe_tokens(&self) -> &UnsubscribeTokens {
        &self.0.unsubscribe
    }
    pub(crate) fn webchat_channels(&self) -> &WebchatChannels {
        &self.0.webchat_channels
    }
    pub(crate) fn rate_limits(&self) -> &RateLimits {
        &self.0.rate_limits
    }
    pub(crate) fn trusted_proxies(&self) -> &[IpRange] {
        &self.0.trusted_proxies
    }
    pub(crate) fn vault(&self) -> &Vault {
        &self.0.vault
    }
    /// A connection that sees only `scope`'s rows: what every handler acting for a signed-in
    /// tenant uses.
    pub(crate) async fn tenant_db(&self, scope: TenantScope) -> Result<TenantConn, DbError> {
        self.0.tenant_db.get(scope).await
    }
    /// [`tenant_db`](Self::tenant_db) for the caller: a request made with an API key has the
    /// key recorded on every audit row it writes.
    pub(crate) async fn db_for(
        &self,
        principal: &crate::api::auth::Principal,
    ) -> Result<TenantConn, DbError> {
        self.0
            .tenant_db
            .get_as(principal.tenant, principal.api_key)
            .await
    }
    /// The same pool, for work that must not hold one connection throughout (calls to the
    /// payment provider between reads and writes).
    pub(crate) fn tenant_pool(&self) -> &TenantPool {
        &self.0.tenant_db
    }
    pub(crate) fn secrets(&self) -> &WebhookSecrets {
        &self.0.secrets
    }
    pub(crate) fn metrics(&self) -> &Metrics {
        &self.0.metrics
    }
    pub(crate) fn hub(&self) -> &Hub {
        &self.0.hub
    }
    pub(crate) fn operators(&self) -> &Hub {
        &self.0.operators
    }
    pub(crate) fn auth(&self) -> &Auth {
        &self.0.auth
    }
    pub(crate) fn billing(&self) -> &Billing {
        &self.0.billing
    }

    /// A future that completes when the server starts shutting down.
    pub(crate) fn stopping(&self) -> impl Future<Output = ()> + Send + use<> {
        let mut rx = self.0.shutdown.subscribe();
        async move {
            let _ = rx.wait_for(|stopping| *stopping).await;
        }
    }

    pub(crate) fn begin_shutdown(&self) {
        let _ = self.0.shutdown.send(true);
    }

    /// How long to wait for Redis to accept a job before answering 503.
    pub(crate) fn enqueue_timeout(&self) -> Duration {
        Duration::from_millis(self.0.config.enqueue_timeout_ms)
    }
}
