use std::time::Duration;

use otklik_config::Config;
use otklik_db::DbPool;
use otklik_jobs::{QueueSettings, Queues};
use redis::aio::ConnectionManager;
use secrecy::ExposeSecret;

use crate::assistant::{AnswerCache, Answering, ModelResponder, Providers, Retrieval};
use crate::billing::{Billing, BillingSetupError};
use crate::marketplaces::Marketplaces;
use crate::metrics::{ListenError, Listener, Metrics};
use crate::outbound::limits::Limiter;
use crate::outbound::pace::Pacer;
use crate::outbound::telegram::TelegramClients;
use crate::sync::Syncer;

/// What every job handler shares, built once per process.
pub struct Context {
    pub(crate) config: Config,
    pub(crate) db: DbPool,
    /// Seals and opens channel tokens and marketplace keys.
    pub(crate) vault: std::sync::Arc<otklik_db::sealed::Vault>,
    pub(crate) redis: ConnectionManager,
    pub(crate) queues: Queues,
    pub(crate) settings: QueueSettings,
    pub(crate) telegram: TelegramClients,
    pub(crate) limiter: Limiter,
    /// MAX, VK and WhatsApp: one HTTP client each, tokens per call; their rates through `pace`.
    pub(crate) max: otklik_messengers::max::MaxApi,
    pub(crate) vk: otklik_messengers::vk::VkApi,
    pub(crate) whatsapp: otklik_messengers::whatsapp::GraphApi,
    pub(crate) pace: Pacer,
    pub(crate) answering: Answering,
    pub(crate) syncer: Syncer,
    pub(crate) billing: Billing,
    /// `None` when `OTKLIK_SMTP_URL` is not set: e-mails are skipped with a warning.
    pub(crate) mailer: Option<lettre::AsyncSmtpTransport<lettre::Tokio1Executor>>,
    /// Operations metrics, served on `OTKLIK_WORKER_METRICS_ADDR` when set.
    pub(crate) metrics: Metrics,
}

/// The workers could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("could not connect to Redis at REDIS_URL: {0}")]
    Redis(#[from] redis::RedisError),
    #[error(transparent)]
    Database(#[from] otklik_db::DbError),
    #[error("invalid OTKLIK_TELEGRAM_API_URL: {0}")]
    TelegramUrl(String),
    #[error("could not build the HTTP client: {0}")]
    Http(#[from] reqwest::Error),
    #[error("could not set up the model providers: {0}")]
    Llm(#[from] otklik_llm::LlmError),
    #[error(transparent)]
    Billing(#[from] BillingSetupError),
    #[error("invalid OTKLIK_SMTP_URL: {0}")]
    Smtp(#[from] lettre::transport::smtp::Error),
    #[error(transparent)]
    Metrics(#[from] ListenError),
}

impl Context {
    /// Tells the tenant's open dashboards what changed. Best effort: screens read the same from
    /// the database, so a lost event only delays one; the failure is logged with `what`.
    pub(crate) async fn tell_operators(
        &self,
        scope: otklik_db::TenantScope,
        event: &otklik_jobs::OperatorEvent,
        what: &str,
    ) {
        let mut redis = self.redis.clone();
        let namespace = &self.config.redis_namespace;
        let told =
            otklik_jobs::topics::tell_operators(&mut redis, namespace, scope.tenant_id(), event);
        if let Err(err) = told.await {
            tracing::warn!(tenant.id = %scope.tenant_id(), error = %err, "could not tell operators about {what}");
        }
    }

    pub async fn connect(config: Config) -> Result<Self, StartError> {
        let redis = otklik_jobs::connect(config.redis_url.expose_secret()).await?;
        let db = otklik_db::build_pool(
            config.database_url.expose_secret(),
            config.db_pool_size,
            Duration::from_millis(config.db_wait_timeout_ms),
        )?;
        let settings = QueueSettings::from_config(&config);
        let model = Providers::from_config(&config)?
            .map(|providers| ModelResponder::new(providers, db.clone(), config.llm_context_tokens));
        let retrieval = Retrieval::from_config(&config)?;
        let cache = AnswerCache::new(
            redis.clone(),
            &config.redis_namespace,
            config.answer_cache_ttl_secs,
        );
        let syncer = Syncer::new(
            db.clone(),
            Marketplaces::new(&config, redis.clone())?,
            Duration::from_secs(config.sync_lease_secs),
        );
        Ok(Self {
            billing: Billing::from_config(&config)?,
            mailer: crate::notify::mailer(&config)?,
            queues: Queues::new(redis.clone(), &settings),
            syncer,
            telegram: TelegramClients::new(&config.telegram_api_url, config.send_timeout())?,
            limiter: Limiter::new(redis.clone(), &config),
            max: otklik_messengers::max::MaxApi::new(&config.max_api_url, messenger_http(&config)?),
            vk: otklik_messengers::vk::VkApi::new(&config.vk_api_url, messenger_http(&config)?),
            whatsapp: otklik_messengers::whatsapp::GraphApi::new(
                &config.whatsapp_api_url,
                messenger_http(&config)?,
            ),
            pace: Pacer::new(redis.clone(), &config),
            answering: Answering::new(db.clone(), retrieval, model, cache),
            vault: std::sync::Arc::new(otklik_db::sealed::Vault::new(&config.master_keys())),
            redis,
            db,
            settings,
            config,
            metrics: Metrics::default(),
        })
    }

    /// Starts serving `/metrics` when `OTKLIK_WORKER_METRICS_ADDR` is set; the task serves until
    /// aborted.
    pub(crate) async fn serve_metrics(
        &self,
    ) -> Result<Option<tokio::task::JoinHandle<()>>, ListenError> {
        let Some(addr) = self.config.worker_metrics_addr else {
            return Ok(None);
        };
        let listener = Listener::bind(
            addr,
            self.metrics.clone(),
            self.redis.clone(),
            self.settings.clone(),
            self.config.metrics_token.clone(),
        )
        .await?;
        tracing::info!(%addr, "serving /metrics");
        Ok(Some(tokio::spawn(listener.serve())))
    }

    /// A send still `sending` this long after it started was interrupted: the HTTP client would
    /// have given up on it by now.
    pub(crate) fn interrupted_after(&self) -> Duration {
        self.config.send_timeout() + Duration::from_secs(2)
    }
}

/// An HTTP client for a messenger's API, bounded by the send timeout.
fn messenger_http(config: &Config) -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder()
        .timeout(config.send_timeout())
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true)
        .build()
}
