//! The model providers this process may call, built once from the configuration, with what
//! each one charges.

use std::sync::Arc;
use std::time::Duration;

use otklik_config::{Config, Cost, Price};
use otklik_llm::{
    Chain, ChainSettings, LlmError, OpenAiProvider, OpenAiSettings, ProviderKind, YandexAuth,
    YandexGptProvider, YandexGptSettings,
};
use secrecy::SecretString;

/// Every configured provider in one chain (OpenAI-compatible first), so their circuit breakers
/// see every tenant's turns; a tenant's own order is a [`Chain::select`] of it.
pub struct Providers {
    chain: Chain,
    openai_price: Price,
    yandexgpt_price: Price,
}

impl Providers {
    /// `None` when no provider is configured: every tenant then answers with the local
    /// responder.
    pub fn from_config(config: &Config) -> Result<Option<Self>, LlmError> {
        let timeout = config.llm_timeout();
        let mut chain = Chain::builder(ChainSettings {
            max_attempts: config.llm_max_attempts,
            max_retry_after: Duration::from_secs(5).min(timeout),
            ..ChainSettings::default()
        });
        let mut any = false;
        if let Some(base_url) = &config.openai_base_url {
            let settings = OpenAiSettings {
                base_url: base_url.clone(),
                // Local servers (Ollama, vLLM) take any key.
                api_key: config
                    .openai_api_key
                    .clone()
                    .unwrap_or_else(|| SecretString::from("none")),
                model: config.openai_model.clone(),
                timeout,
                max_retries: 1,
            };
            chain = chain.provider(Arc::new(OpenAiProvider::new(&settings)?), settings.policy());
            any = true;
        }
        if let (Some(key), Some(folder_id)) =
            (&config.yandexgpt_api_key, &config.yandexgpt_folder_id)
        {
            let settings = YandexGptSettings {
                base_url: config.yandexgpt_base_url.clone(),
                auth: YandexAuth::ApiKey(key.clone()),
                folder_id: folder_id.clone(),
                model: config.yandexgpt_model.clone(),
                send_folder_header: false,
                timeout,
                max_retries: 1,
            };
            chain = chain.provider(
                Arc::new(YandexGptProvider::new(&settings)?),
                settings.policy(),
            );
            any = true;
        }
        Ok(any.then(|| Self {
            chain: chain.build(),
            openai_price: config.openai_price.clone(),
            yandexgpt_price: config.yandexgpt_price.clone(),
        }))
    }

    /// The providers a tenant asked for, in its order; all of them when it named none.
    pub fn chain_for(&self, preferred: &[ProviderKind]) -> Chain {
        if preferred.is_empty() {
            self.chain.select(&self.chain.kinds())
        } else {
            self.chain.select(preferred)
        }
    }

    pub fn cost(&self, kind: ProviderKind, usage: otklik_llm::Usage) -> Cost {
        let price = match kind {
            ProviderKind::OpenAi => &self.openai_price,
            ProviderKind::YandexGpt => &self.yandexgpt_price,
        };
        price.cost(
            u64::from(usage.prompt_tokens),
            u64::from(usage.completion_tokens),
        )
    }
}
