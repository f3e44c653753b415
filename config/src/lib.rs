#![doc = include_str!("../README.md")]

mod price;
mod process;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use subtle::ConstantTimeEq;

pub use price::{Cost, InvalidPrice, Price};
pub use process::{init_tracing, shutdown_signal};

/// Everything a process needs to know at start-up. See the crate docs for each setting.
#[derive(Debug, Clone, Deserialize)]
pub struct Config {
    pub database_url: SecretString,
    pub redis_url: SecretString,
    pub master_key: SecretString,
    #[serde(default = "defaults::http_addr")]
    pub http_addr: SocketAddr,
    #[serde(default = "defaults::public_url")]
    pub public_url: String,
    #[serde(default = "defaults::redis_namespace")]
    pub redis_namespace: String,
    #[serde(default = "defaults::db_pool_size")]
    pub db_pool_size: usize,
    #[serde(default = "defaults::db_wait_timeout_ms")]
    pub db_wait_timeout_ms: u64,
    #[serde(default = "defaults::enqueue_timeout_ms")]
    pub enqueue_timeout_ms: u64,
    #[serde(default = "defaults::dedupe_ttl_hours")]
    pub dedupe_ttl_hours: u64,
    #[serde(default = "defaults::max_body_bytes")]
    pub max_body_bytes: usize,
    #[serde(default = "defaults::queue_poll_ms")]
    pub queue_poll_ms: u64,
    #[serde(default = "defaults::queue_heartbeat_secs")]
    pub queue_heartbeat_secs: u64,
    #[serde(default = "defaults::queue_missed_heartbeats")]
    pub queue_missed_heartbeats: usize,
    #[serde(default = "defaults::inbound_concurrency")]
    pub inbound_concurrency: usize,
    #[serde(default = "defaults::ai_concurrency")]
    pub ai_concurrency: usize,
    #[serde(default = "defaults::outbound_concurrency")]
    pub outbound_concurrency: usize,
    #[serde(default = "defaults::job_retention_mins")]
    pub job_retention_mins: u64,
    #[serde(default = "defaults::shutdown_timeout_secs")]
    pub shutdown_timeout_secs: u64,
    #[serde(default = "defaults::send_timeout_secs")]
    pub send_timeout_secs: u64,
    #[serde(default = "defaults::telegram_api_url")]
    pub telegram_api_url: String,
    #[serde(default = "defaults::one")]
    pub telegram_per_chat_per_sec: u32,
    #[serde(default = "defaults::telegram_per_bot_per_sec")]
    pub telegram_per_bot_per_sec: u32,
    #[serde(default = "defaults::max_api_url")]
    pub max_api_url: String,
    #[serde(default = "defaults::max_per_bot_per_sec")]
    pub max_per_bot_per_sec: u32,
    #[serde(default = "defaults::vk_api_url")]
    pub vk_api_url: String,
    #[serde(default = "defaults::vk_per_group_per_sec")]
    pub vk_per_group_per_sec: u32,
    /// The Graph API with its version, such as `https://graph.facebook.com/v23.0`.
    #[serde(default = "defaults::whatsapp_api_url")]
    pub whatsapp_api_url: String,
    #[serde(default = "defaults::whatsapp_per_number_per_sec")]
    pub whatsapp_per_number_per_sec: u32,
    #[serde(default)]
    pub log_format: LogFormat,
    /// The OpenAI-compatible provider is on when this is set.
    #[serde(default)]
    pub openai_base_url: Option<String>,
    #[serde(default)]
    pub openai_api_key: Option<SecretString>,
    #[serde(default = "defaults::openai_model")]
    pub openai_model: String,
    #[serde(default = "defaults::openai_price")]
    pub openai_price: Price,
    /// The YandexGPT provider is on when this is set (with the folder id).
    #[serde(default)]
    pub yandexgpt_api_key: Option<SecretString>,
    #[serde(default)]
    pub yandexgpt_folder_id: Option<String>,
    #[serde(default = "defaults::yandexgpt_base_url")]
    pub yandexgpt_base_url: String,
    #[serde(default = "defaults::yandexgpt_model")]
    pub yandexgpt_model: String,
    #[serde(default = "defaults::yandexgpt_price")]
    pub yandexgpt_price: Price,
    #[serde(default = "defaults::llm_timeout_secs")]
    pub llm_timeout_secs: u64,
    #[serde(default = "defaults::llm_max_attempts")]
    pub llm_max_attempts: u32,
    #[serde(default = "defaults::llm_context_tokens")]
    pub llm_context_tokens: usize,
    #[serde(default = "defaults::answer_cache_ttl_secs")]
    pub answer_cache_ttl_secs: u64,
    /// Knowledge is also found by meaning when this is set.
    #[serde(default)]
    pub embeddings_base_url: Option<String>,
    #[serde(default)]
    pub embeddings_api_key: Option<SecretString>,
    #[serde(default = "defaults::embeddings_model")]
    pub embeddings_model: String,
    #[serde(default = "defaults::embeddings_price")]
    pub embeddings_price: Price,
    #[serde(default = "defaults::embeddings_min_similarity")]
    pub embeddings_min_similarity: f32,
    /// Every Wildberries API family is sent here instead of its own host (a sandbox).
    #[serde(default)]
    pub wb_base_url: Option<String>,
    /// A Catalog service's secret, sent as `X-Client-Secret` with every WB call.
    #[serde(default)]
    pub wb_client_secret: Option<SecretString>,
    #[serde(default = "defaults::ozon_base_url")]
    pub ozon_base_url: String,
    #[serde(default = "defaults::marketplace_timeout_secs")]
    pub marketplace_timeout_secs: u64,
    #[serde(default = "defaults::marketplace_max_attempts")]
    pub marketplace_max_attempts: u32,
    #[serde(default = "defaults::marketplace_backoff_ms")]
    pub marketplace_backoff_ms: u64,
    /// Off only for measuring our own speed against a sandbox without limits.
    #[serde(default = "defaults::yes")]
    pub marketplace_rate_limits: bool,
    #[serde(default = "defaults::sync_lease_secs")]
    pub sync_lease_secs: u64,
    #[serde(default = "defaults::sync_concurrency")]
    pub sync_concurrency: usize,
    /// Plans and the trial, as data; without it, the defaults of `config/plans.toml` built in.
    #[serde(default)]
    pub billing_plans: Option<PathBuf>,
    /// Days a tenant behind on payment keeps its assistant before it is suspended.
    #[serde(default = "defaults::billing_grace_days")]
    pub billing_grace_days: u32,
    /// Billing is off (no provider calls, no limits beyond the trial's) until a key is set.
    #[serde(default)]
    pub stripe_secret_key: Option<SecretString>,
    /// Webhook signing secrets, comma-separated (two while rotating).
    #[serde(default)]
    pub stripe_webhook_secrets: Option<SecretString>,
    #[serde(default = "defaults::stripe_api_base")]
    pub stripe_api_base: String,
    /// ЮKassa, for tenants paying in roubles: off until both the shop id and the secret key
    /// are set.
    /// Numeric in ЮKassa's dashboard, so it is read as text whether or not the environment
    /// parser took it for a number.
    #[serde(default, deserialize_with = "text_or_number")]
    pub yookassa_shop_id: Option<String>,
    #[serde(default)]
    pub yookassa_secret_key: Option<SecretString>,
    #[serde(default = "defaults::yookassa_api_base")]
    pub yookassa_api_base: String,
    /// The VAT code printed on 54-FZ receipts (ЮKassa's `vat_code`; 1 is "без НДС").
    #[serde(default = "defaults::yookassa_vat_code")]
    pub yookassa_vat_code: u8,
    /// The provider's own requisites as acts print the supplier (name, ИНН, КПП, ОГРН, address,
    /// on one line); unset, acts name the supplier only as «Otklik».
    #[serde(default)]
    pub supplier_requisites: Option<String>,
    /// Where e-mail goes out (`smtp://user:pass@host:587` with STARTTLS, `smtps://…:465`, or
    /// `smtp://host:port?tls=none` for a local relay); unset, no e-mail is sent.
    #[serde(default)]
    pub smtp_url: Option<SecretString>,
    #[serde(default = "defaults::mail_from")]
    pub mail_from: String,
    /// The Billing Meter's event name AI replies are reported under.
    #[serde(default = "defaults::stripe_meter_event")]
    pub stripe_meter_event: String,
    /// Earlier master keys, comma-separated, while `workers secrets rotate` re-seals what they
    /// sealed.
    #[serde(default)]
    pub previous_master_keys: Option<SecretString>,
    /// The admin API's login under row-level security; by default `DATABASE_URL` with the user
    /// `otklik_tenant` (see [`Config::tenant_database_url`]).
    #[serde(default)]
    pub tenant_database_url: Option<SecretString>,
    /// PostgreSQL connections per ingress for unauthenticated reads (web-chat history, channel
    /// lookups, API-key lookups, readiness), apart from the pool sign-in and the API use.
    #[serde(default = "defaults::public_db_pool_size")]
    pub public_db_pool_size: usize,
    #[serde(default = "defaults::webchat_per_address_per_min")]
    pub webchat_per_address_per_min: u32,
    #[serde(default = "defaults::webchat_per_visitor_per_min")]
    pub webchat_per_visitor_per_min: u32,
    #[serde(default = "defaults::webchat_per_channel_per_min")]
    pub webchat_per_channel_per_min: u32,
    #[serde(default = "defaults::live_streams_per_address")]
    pub live_streams_per_address: u32,
    #[serde(default = "defaults::header_read_timeout_ms")]
    pub header_read_timeout_ms: u64,
    #[serde(default = "defaults::request_timeout_secs")]
    pub request_timeout_secs: u64,
    #[serde(default = "defaults::max_concurrent_requests")]
    pub max_concurrent_requests: usize,
    #[serde(default = "defaults::max_connections")]
    pub max_connections: usize,
    /// Proxies whose `X-Forwarded-For` is believed: addresses or CIDR ranges, comma-separated.
    #[serde(default)]
    pub trusted_proxies: Option<String>,
    /// `/metrics` answers only `Authorization: Bearer <token>`; unset, it is not served.
    #[serde(default)]
    pub metrics_token: Option<SecretString>,
    /// Where a worker process serves `/metrics` (same token rule); unset, it serves nothing.
    /// Per process: several workers on one machine each need their own port.
    #[serde(default)]
    pub worker_metrics_addr: Option<SocketAddr>,
}

/// How processes write their logs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// Human-readable lines, for a terminal.
    #[default]
    Text,
    /// One JSON object per line, for a log collector.
    Json,
}

/// A setting that is missing or does not parse; its `Display` is the one line a person needs.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {variable}: {problem}")]
pub struct ConfigError {
    /// The environment variable to set or fix.
    pub variable: String,
    /// What is wrong and what is expected.
    pub problem: String,
}

/// Variables read without the `OTKLIK_` prefix, by convention of the tools around us.
const UNPREFIXED: [&str; 2] = ["DATABASE_URL", "REDIS_URL"];

/// Whether an `Authorization` header value is `Bearer <token>`, compared in constant time: the
/// ingress's and the workers' `/metrics` admit the same callers by the same rule.
pub fn admits_bearer(token: &SecretString, authorization: Option<&str>) -> bool {
    let given = authorization
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    bool::from(given.as_bytes().ct_eq(token.expose_secret().as_bytes()))
}

impl Config {
    /// Loads defaults, then the TOML file, then the process environment.
    pub fn load() -> Result<Self, ConfigError> {
        let file = std::env::var_os("OTKLIK_CONFIG")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("otklik.toml"));
        Self::from_figment(
            Figment::new()
                .merge(Toml::file(file))
                .merge(Env::prefixed("OTKLIK_").ignore(&["config"]))
                .merge(Env::raw().only(&UNPREFIXED)),
        )
    }

    /// Loads from explicit `(variable, value)` pairs only: for tests and tools that must not
    /// depend on the surrounding environment.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, ConfigError> {
        let mut figment = Figment::new();
        for (key, value) in pairs {
            let key = key.strip_prefix("OTKLIK_").unwrap_or(key).to_lowercase();
            // Parse like the environment provider does, so "8080" is a number here too.
            let value: figment::value::Value = value.parse().unwrap_or_else(|never| match never {});
            figment = figment.merge((key, value));
        }
        Self::from_figment(figment)
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let config: Self = figment.extract().map_err(|err| {
            let field = match &err.kind {
                figment::error::Kind::MissingField(field) => field.to_string(),
                _ => err.path.last().cloned().unwrap_or_default(),
            };
            let problem = match &err.kind {
                figment::error::Kind::MissingField(_) => {
                    format!("is not set; {}", expectation(&field))
                }
                kind => format!("{kind}; {}", expectation(&field)),
            };
            ConfigError {
                variable: variable_name(&field),
                problem,
            }
        })?;
        config.validate()?;
        Ok(config)
    }

    fn validate(&self) -> Result<(), ConfigError> {
        let fail = |field: &str| {
            Err(ConfigError {
                variable: variable_name(field),
                problem: format!("invalid; {}", expectation(field)),
            })
        };
        let db = self.database_url.expose_secret();
        if !(db.starts_with("postgres://") || db.starts_with("postgresql://")) {
            return fail("database_url");
        }
        if !self.redis_url.expose_secret().starts_with("redis://") {
            return fail("redis_url");
        }
        if self.master_key.expose_secret().len() < 32 {
            return fail("master_key");
        }
        if !(0.0..1.0).contains(&self.embeddings_min_similarity) {
            return fail("embeddings_min_similarity");
        }
        if self.yandexgpt_api_key.is_some() && self.yandexgpt_folder_id.is_none() {
            return fail("yandexgpt_folder_id");
        }
        for (field, url) in [
            ("public_url", &self.public_url),
            ("telegram_api_url", &self.telegram_api_url),
            ("max_api_url", &self.max_api_url),
            ("vk_api_url", &self.vk_api_url),
            ("whatsapp_api_url", &self.whatsapp_api_url),
            ("yandexgpt_base_url", &self.yandexgpt_base_url),
            ("ozon_base_url", &self.ozon_base_url),
            ("stripe_api_base", &self.stripe_api_base),
            ("yookassa_api_base", &self.yookassa_api_base),
        ]
        .into_iter()
        .chain(
            self.openai_base_url
                .iter()
                .map(|url| ("openai_base_url", url)),
        )
        .chain(self.wb_base_url.iter().map(|url| ("wb_base_url", url)))
        {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return fail(field);
            }
        }
        if self
            .tenant_database_url
            .as_ref()
            .is_some_and(|url| !url.expose_secret().starts_with("postgres"))
        {
            return fail("tenant_database_url");
        }
        if self.trusted_proxy_ranges().is_none() {
            return fail("trusted_proxies");
        }
        if self.yookassa_shop_id.is_some() != self.yookassa_secret_key.is_some() {
            return fail("yookassa_secret_key");
        }
        if !(1..=12).contains(&self.yookassa_vat_code) {
            return fail("yookassa_vat_code");
        }
        let ns_ok = !self.redis_namespace.is_empty()
            && self
                .redis_namespace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !ns_ok {
            return fail("redis_namespace");
        }
        let positive = [
            ("db_pool_size", self.db_pool_size as u64),
            ("max_body_bytes", self.max_body_bytes as u64),
            ("queue_poll_ms", self.queue_poll_ms),
            ("queue_heartbeat_secs", self.queue_heartbeat_secs),
            (
                "queue_missed_heartbeats",
                self.queue_missed_heartbeats as u64,
            ),
            ("inbound_concurrency", self.inbound_concurrency as u64),
            ("ai_concurrency", self.ai_concurrency as u64),
            ("outbound_concurrency", self.outbound_concurrency as u64),
            ("send_timeout_secs", self.send_timeout_secs),
            (
                "telegram_per_chat_per_sec",
                u64::from(self.telegram_per_chat_per_sec),
            ),
            (
                "telegram_per_bot_per_sec",
                u64::from(self.telegram_per_bot_per_sec),
            ),
            ("max_per_bot_per_sec", u64::from(self.max_per_bot_per_sec)),
            ("vk_per_group_per_sec", u64::from(self.vk_per_group_per_sec)),
            (
                "whatsapp_per_number_per_sec",
                u64::from(self.whatsapp_per_number_per_sec),
            ),
            ("llm_timeout_secs", self.llm_timeout_secs),
            ("llm_max_attempts", u64::from(self.llm_max_attempts)),
            ("llm_context_tokens", self.llm_context_tokens as u64),
            ("answer_cache_ttl_secs", self.answer_cache_ttl_secs),
            ("marketplace_timeout_secs", self.marketplace_timeout_secs),
            (
                "marketplace_max_attempts",
                u64::from(self.marketplace_max_attempts),
            ),
            ("sync_lease_secs", self.sync_lease_secs),
            ("sync_concurrency", self.sync_concurrency as u64),
            ("public_db_pool_size", self.public_db_pool_size as u64),
            (
                "webchat_per_address_per_min",
                u64::from(self.webchat_per_address_per_min),
            ),
            (
                "webchat_per_visitor_per_min",
                u64::from(self.webchat_per_visitor_per_min),
            ),
            (
                "webchat_per_channel_per_min",
                u64::from(self.webchat_per_channel_per_min),
            ),
            (
                "live_streams_per_address",
                u64::from(self.live_streams_per_address),
            ),
            ("header_read_timeout_ms", self.header_read_timeout_ms),
            ("request_timeout_secs", self.request_timeout_secs),
            (
                "max_concurrent_requests",
                self.max_concurrent_requests as u64,
            ),
            ("max_connections", self.max_connections as u64),
        ];
        if let Some((field, _)) = positive.iter().find(|(_, v)| *v == 0) {
            return fail(field);
        }
        Ok(())
    }

    /// Longest a call to a provider may take.
    pub fn send_timeout(&self) -> Duration {
        Duration::from_secs(self.send_timeout_secs)
    }

    pub fn llm_timeout(&self) -> Duration {
        Duration::from_secs(self.llm_timeout_secs)
    }

    /// Where the admin API logs in as `otklik_tenant`: the setting, else `DATABASE_URL` with
    /// that user (and the same password and database).
    pub fn tenant_database_url(&self) -> SecretString {
        if let Some(url) = &self.tenant_database_url {
            return url.clone();
        }
        let url = self.database_url.expose_secret();
        let (scheme, rest) = url.split_once("://").unwrap_or(("postgres", url));
        let host_start = rest.find('/').unwrap_or(rest.len());
        let swapped = match rest[..host_start].rsplit_once('@') {
            Some((userinfo, host)) => {
                let password = userinfo
                    .split_once(':')
                    .map_or(String::new(), |(_, password)| format!(":{password}"));
                format!("otklik_tenant{password}@{host}{}", &rest[host_start..])
            }
            None => format!("otklik_tenant@{rest}"),
        };
        SecretString::from(format!("{scheme}://{swapped}"))
    }

    /// The ranges of `OTKLIK_TRUSTED_PROXIES`; `None` when one does not parse.
    pub fn trusted_proxy_ranges(&self) -> Option<Vec<IpRange>> {
        self.trusted_proxies
            .as_deref()
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(IpRange::parse)
            .collect()
    }

    /// The master key and the earlier ones still accepted, current first.
    pub fn master_keys(&self) -> Vec<SecretString> {
        let previous = self
            .previous_master_keys
            .as_ref()
            .map(|keys| {
                keys.expose_secret()
                    .split(',')
                    .map(str::trim)
                    .filter(|key| !key.is_empty())
                    .map(|key| SecretString::from(key.to_owned()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default();
        std::iter::once(self.master_key.clone())
            .chain(previous)
            .collect()
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_millis(self.header_read_timeout_ms)
    }

    /// Time after which a silent worker's jobs are handed to others.
    pub fn orphan_timeout(&self) -> Duration {
        Duration::from_secs(self.queue_heartbeat_secs * self.queue_missed_heartbeats as u64)
    }
}

/// An address or a CIDR range of them (`10.0.0.0/8`, `::1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: std::net::IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn parse(text: &str) -> Option<Self> {
        let (address, prefix) = match text.split_once('/') {
            Some((address, prefix)) => (address, Some(prefix.parse::<u8>().ok()?)),
            None => (text, None),
        };
        let network: std::net::IpAddr = address.parse().ok()?;
        let bits = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(bits);
        (prefix <= bits).then_some(Self { network, prefix })
    }

    pub fn contains(&self, address: std::net::IpAddr) -> bool {
        use std::net::IpAddr;
        match (self.network, address) {
            (IpAddr::V4(net), IpAddr::V4(addr)) => {
                let mask = u32::MAX
                    .checked_shl(32 - u32::from(self.prefix))
                    .unwrap_or(0);
                u32::from(net) & mask == u32::from(addr) & mask
            }
            (IpAddr::V6(net), IpAddr::V6(addr)) => {
                let mask = u128::MAX
                    .checked_shl(128 - u32::from(self.prefix))
                    .unwrap_or(0);
                u128::from(net) & mask == u128::from(addr) & mask
            }
            _ => false,
        }
    }
}

/// A setting that is text even when it looks like a number (figment reads `506751` as one).
fn text_or_number<'de, D: serde::Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum TextOrNumber {
        Text(String),
        Number(u64),
    }
    Ok(
        Option::<TextOrNumber>::deserialize(deserializer)?.map(|value| match value {
            TextOrNumber::Text(text) => text,
            TextOrNumber::Number(number) => number.to_string(),
        }),
    )
}

fn variable_name(field: &str) -> String {
    let upper = field.to_uppercase();
    if UNPREFIXED.contains(&upper.as_str()) {
        upper
    } else {
        format!("OTKLIK_{upper}")
    }
}

fn expectation(field: &str) -> &'static str {
    match field {
        "database_url" => {
            "expected a PostgreSQL URL such as postgres://otklik@127.0.0.1:5432/otklik"
        }
        "redis_url" => "expected a Redis URL such as redis://127.0.0.1:6379/0",
        "master_key" => "expected a random secret of at least 32 characters (openssl rand -hex 32)",
        "http_addr" => "expected host:port such as 127.0.0.1:8080",
        "worker_metrics_addr" => "expected host:port such as 127.0.0.1:9101",
        "public_url"
        | "telegram_api_url"
        | "max_api_url"
        | "vk_api_url"
        | "whatsapp_api_url"
        | "openai_base_url"
        | "yandexgpt_base_url"
        | "embeddings_base_url"
        | "wb_base_url"
        | "ozon_base_url"
        | "stripe_api_base"
        | "yookassa_api_base" => "expected an http:// or https:// URL",
        "yookassa_secret_key" => {
            "expected OTKLIK_YOOKASSA_SHOP_ID and OTKLIK_YOOKASSA_SECRET_KEY together, or neither"
        }
        "yookassa_vat_code" => "expected ЮKassa's vat_code, 1-12 (1: no VAT)",
        "openai_price" | "yandexgpt_price" | "embeddings_price" => {
            "expected `<prompt> <completion> <currency>` per million tokens, such as `0.15 0.60 USD`"
        }
        "yandexgpt_folder_id" => "expected the Yandex Cloud folder id the calls are billed to",
        "openai_model" | "yandexgpt_model" | "embeddings_model" => "expected a model name",
        "embeddings_min_similarity" => {
            "expected a cosine similarity from 0 to below 1, such as 0.4"
        }
        "redis_namespace" => "expected letters, digits, '-', '_' or '.'",
        "tenant_database_url" => "expected a PostgreSQL URL logging in as otklik_tenant",
        "trusted_proxies" => "expected addresses or CIDR ranges, comma-separated",
        "log_format" => "expected `text` or `json`",
        _ => "expected a positive whole number",
    }
}

mod defaults {
    use std::net::{Ipv4Addr, SocketAddr};

    pub fn http_addr() -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, 8080))
    }
    pub fn public_url() -> String {
        "http://127.0.0.1:8080".into()
    }
    pub fn redis_namespace() -> String {
        "otklik".into()
    }
    pub fn db_pool_size() -> usize {
        16
    }
    pub fn db_wait_timeout_ms() -> u64 {
        5000
    }
    pub fn enqueue_timeout_ms() -> u64 {
        2000
    }
    pub fn dedupe_ttl_hours() -> u64 {
        48
    }
    pub fn max_body_bytes() -> usize {
        1 << 20
    }
    pub fn queue_poll_ms() -> u64 {
        200
    }
    pub fn queue_heartbeat_secs() -> u64 {
        10
    }
    pub fn queue_missed_heartbeats() -> usize {
        3
    }
    pub fn inbound_concurrency() -> usize {
        16
    }
    pub fn ai_concurrency() -> usize {
        16
    }
    pub fn outbound_concurrency() -> usize {
        32
    }
    pub fn job_retention_mins() -> u64 {
        60
    }
    pub fn shutdown_timeout_secs() -> u64 {
        20
    }
    pub fn send_timeout_secs() -> u64 {
        15
    }
    pub fn telegram_api_url() -> String {
        "https://api.telegram.org".into()
    }
    pub fn one() -> u32 {
        1
    }
    pub fn max_api_url() -> String {
        "https://platform-api2.max.ru".into()
    }
    pub fn max_per_bot_per_sec() -> u32 {
        30
    }
    pub fn vk_api_url() -> String {
        "https://api.vk.com".into()
    }
    pub fn vk_per_group_per_sec() -> u32 {
        20
    }
    pub fn whatsapp_api_url() -> String {
        "https://graph.facebook.com/v23.0".into()
    }
    /// Cloud API's default throughput of a business number (inbound and outbound together).
    pub fn whatsapp_per_number_per_sec() -> u32 {
        80
    }
    pub fn telegram_per_bot_per_sec() -> u32 {
        30
    }
    pub fn openai_model() -> String {
        "gpt-4o-mini".into()
    }
    pub fn openai_price() -> super::Price {
        super::Price::per_million(150_000, 600_000, "USD")
    }
    pub fn yandexgpt_base_url() -> String {
        "https://llm.api.cloud.yandex.net".into()
    }
    pub fn yandexgpt_model() -> String {
        "yandexgpt-lite/latest".into()
    }
    pub fn yandexgpt_price() -> super::Price {
        super::Price::per_million(200_000_000, 200_000_000, "RUB")
    }
    pub fn llm_timeout_secs() -> u64 {
        20
    }
    pub fn llm_max_attempts() -> u32 {
        3
    }
    pub fn llm_context_tokens() -> usize {
        3000
    }
    pub fn answer_cache_ttl_secs() -> u64 {
        86400
    }
    pub fn embeddings_model() -> String {
        "text-embedding-3-small".into()
    }
    pub fn embeddings_price() -> super::Price {
        super::Price::per_million(20_000, 0, "USD")
    }
    pub fn embeddings_min_similarity() -> f32 {
        0.4
    }
    pub fn ozon_base_url() -> String {
        "https://api-seller.ozon.ru".into()
    }
    pub fn marketplace_timeout_secs() -> u64 {
        60
    }
    pub fn marketplace_max_attempts() -> u32 {
        6
    }
    pub fn marketplace_backoff_ms() -> u64 {
        1000
    }
    pub fn yes() -> bool {
        true
    }
    pub fn sync_lease_secs() -> u64 {
        300
    }
    pub fn sync_concurrency() -> usize {
        4
    }
    pub fn billing_grace_days() -> u32 {
        7
    }
    pub fn mail_from() -> String {
        "Otklik <no-reply@otklik.local>".into()
    }
    pub fn stripe_api_base() -> String {
        "https://api.stripe.com/".into()
    }
    pub fn yookassa_api_base() -> String {
        "https://api.yookassa.ru/v3/".into()
    }
    pub fn yookassa_vat_code() -> u8 {
        1
    }
    pub fn stripe_meter_event() -> String {
        "otklik_ai_replies".into()
    }
    pub fn public_db_pool_size() -> usize {
        4
    }
    pub fn webchat_per_address_per_min() -> u32 {
        20
    }
    pub fn webchat_per_visitor_per_min() -> u32 {
        10
    }
    pub fn webchat_per_channel_per_min() -> u32 {
        600
    }
    pub fn live_streams_per_address() -> u32 {
        20
    }
    pub fn header_read_timeout_ms() -> u64 {
        10_000
    }
    pub fn request_timeout_secs() -> u64 {
        30
    }
    pub fn max_concurrent_requests() -> usize {
        512
    }
    pub fn max_connections() -> usize {
        10_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const REQUIRED: [(&str, &str); 3] = [
        ("DATABASE_URL", "postgres://u@127.0.0.1/db"),
        ("REDIS_URL", "redis://127.0.0.1:6379"),
        ("OTKLIK_MASTER_KEY", "0123456789abcdef0123456789abcdef"),
    ];

    #[test]
    fn yookassa_takes_a_numeric_shop_id_and_both_credentials_or_neither() {
        let with = |pairs: &[(&'static str, &'static str)]| {
            Config::from_pairs(REQUIRED.into_iter().chain(pairs.iter().copied()))
        };
        let config = with(&[
            ("OTKLIK_YOOKASSA_SHOP_ID", "506751"),
            ("OTKLIK_YOOKASSA_SECRET_KEY", "test_secret"),
        ])
        .expect("valid");
        assert_eq!(config.yookassa_shop_id.as_deref(), Some("506751"));
        assert_eq!(config.yookassa_api_base, "https://api.yookassa.ru/v3/");
        assert_eq!(config.yookassa_vat_code, 1);
        let err = with(&[("OTKLIK_YOOKASSA_SHOP_ID", "506751")]).expect_err("no key");
        assert_eq!(err.variable, "OTKLIK_YOOKASSA_SECRET_KEY");
        let err = with(&[("OTKLIK_YOOKASSA_VAT_CODE", "0")]).expect_err("bad code");
        assert_eq!(err.variable, "OTKLIK_YOOKASSA_VAT_CODE");
    }

    #[test]
    fn defaults_fill_everything_but_the_required() {
        let config = Config::from_pairs(REQUIRED).expect("valid config");
        assert_eq!(config.http_addr.to_string(), "127.0.0.1:8080");
        assert_eq!(config.orphan_timeout(), Duration::from_secs(30));
        assert_eq!(config.log_format, LogFormat::Text);
    }

    #[test]
    fn a_missing_variable_is_named() {
        let err = Config::from_pairs(REQUIRED.into_iter().skip(1))
            .err()
            .map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(
            err.starts_with("configuration: DATABASE_URL: is not set;"),
            "{err}"
        );
    }

    #[test]
    fn an_invalid_value_is_named_with_what_is_expected() {
        let pairs = REQUIRED
            .into_iter()
            .chain([("OTKLIK_HTTP_ADDR", "nowhere")]);
        let err = Config::from_pairs(pairs)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.starts_with("configuration: OTKLIK_HTTP_ADDR:"), "{err}");
        assert!(err.contains("host:port"), "{err}");

        let pairs = REQUIRED
            .into_iter()
            .chain([("OTKLIK_OUTBOUND_CONCURRENCY", "0")]);
        let err = Config::from_pairs(pairs)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("configuration: OTKLIK_OUTBOUND_CONCURRENCY: invalid"),
            "{err}"
        );
    }

    #[test]
    fn model_providers_are_read_and_checked() {
        let config = Config::from_pairs(REQUIRED).expect("valid config");
        assert!(config.openai_base_url.is_none() && config.yandexgpt_api_key.is_none());

        let pairs = REQUIRED.into_iter().chain([
            ("OTKLIK_OPENAI_BASE_URL", "http://127.0.0.1:11434/v1"),
            ("OTKLIK_OPENAI_PRICE", "0.4 1.6 USD"),
        ]);
        let config = Config::from_pairs(pairs).expect("valid config");
        assert_eq!(config.openai_price.cost(1_000_000, 0).micros, 400_000);

        let pairs = REQUIRED
            .into_iter()
            .chain([("OTKLIK_OPENAI_PRICE", "cheap")]);
        let err = Config::from_pairs(pairs)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("configuration: OTKLIK_OPENAI_PRICE:"),
            "{err}"
        );

        let pairs = REQUIRED
            .into_iter()
            .chain([("OTKLIK_YANDEXGPT_API_KEY", "AQVN-key")]);
        let err = Config::from_pairs(pairs)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.starts_with("configuration: OTKLIK_YANDEXGPT_FOLDER_ID:") && !err.contains("AQVN"),
            "{err}"
        );
    }

    #[test]
    fn the_tenant_login_is_the_service_url_with_its_own_user() {
        let config = Config::from_pairs(
            REQUIRED
                .into_iter()
                .skip(1)
                .chain([("DATABASE_URL", "postgres://otklik:pw@db:5432/otklik?x=1")]),
        )
        .expect("valid config");
        assert_eq!(
            config.tenant_database_url().expose_secret(),
            "postgres://otklik_tenant:pw@db:5432/otklik?x=1"
        );
        let config = Config::from_pairs(REQUIRED).expect("valid config");
        assert_eq!(
            config.tenant_database_url().expose_secret(),
            "postgres://otklik_tenant@127.0.0.1/db"
        );
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        let range = IpRange::parse("10.1.0.0/16").expect("range");
        assert!(range.contains("10.1.200.3".parse().expect("ip")));
        assert!(!range.contains("10.2.0.1".parse().expect("ip")));
        assert!(
            IpRange::parse("::1")
                .expect("v6")
                .contains("::1".parse().expect("ip"))
        );
        assert!(IpRange::parse("10.0.0.0/33").is_none());
        let pairs = REQUIRED
            .into_iter()
            .chain([("OTKLIK_TRUSTED_PROXIES", "10.0.0.1, nonsense")]);
        assert!(Config::from_pairs(pairs).is_err());
    }

    #[test]
    fn secrets_are_not_printed() {
        let config = Config::from_pairs(REQUIRED).expect("valid config");
        let printed = format!("{config:?}");
        assert!(!printed.contains("0123456789abcdef"), "{printed}");
        let short = REQUIRED
            .into_iter()
            .take(2)
            .chain([("OTKLIK_MASTER_KEY", "hunter2")]);
        let err = Config::from_pairs(short)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(
            err.contains("OTKLIK_MASTER_KEY") && !err.contains("hunter2"),
            "{err}"
        );
    }
}
