//! Ordered fallback over providers with one explicit retry budget per turn.
//!
//! Retries stack badly: a provider SDK's own loop times ours times the job queue's can turn one
//! shopper message into dozens of paid requests. Here providers never retry
//! ([`crate::Provider`]), and the chain counts every request it sends against
//! [`ChainSettings::max_attempts`].

use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::Rng;

use crate::breaker::{BreakerSettings, CircuitBreaker, Clock, SystemClock};
use crate::error::LlmError;
use crate::provider::Provider;
use crate::types::{ChatRequest, Completion, ProviderKind};

/// Limits for one [`Chain::complete`] call, across all providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChainSettings {
    /// Requests sent in one turn, whichever providers they go to.
    pub max_attempts: u32,
    /// Longest server-requested wait (`Retry-After`) worth sitting out; a longer one moves on to
    /// the next provider, since a shopper is waiting for the reply.
    pub max_retry_after: Duration,
    /// First backoff before retrying the same provider; doubles per retry, with jitter.
    pub backoff_base: Duration,
    pub backoff_max: Duration,
}

impl Default for ChainSettings {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            max_retry_after: Duration::from_secs(5),
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(2),
        }
    }
}

/// How the chain treats one provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderPolicy {
    /// Deadline for one request, enforced around the provider's future whatever its own
    /// HTTP timeout is.
    pub timeout: Duration,
    /// Retries of this provider within one turn after its first attempt, for retryable errors
    /// only, before falling over to the next provider.
    pub max_retries: u32,
    pub breaker: BreakerSettings,
}

impl Default for ProviderPolicy {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            max_retries: 1,
            breaker: BreakerSettings::default(),
        }
    }
}

struct Entry {
    provider: Arc<dyn Provider>,
    policy: ProviderPolicy,
    breaker: CircuitBreaker,
}

/// Providers in order of preference, each behind its own circuit breaker. Keep one per process
/// (or per tenant) and share it: the breakers only help if they see every turn.
pub struct Chain {
    settings: ChainSettings,
    entries: Vec<Arc<Entry>>,
}

impl std::fmt::Debug for Chain {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let providers: Vec<_> = self
            .entries
            .iter()
            .map(|entry| (entry.provider.kind(), entry.breaker.state()))
            .collect();
        f.debug_struct("Chain")
            .field("settings", &self.settings)
            .field("providers", &providers)
            .finish()
    }
}

/// Builds a [`Chain`]; providers are tried in the order they are added.
pub struct ChainBuilder {
    settings: ChainSettings,
    clock: Arc<dyn Clock>,
    entries: Vec<Entry>,
}

impl ChainBuilder {
    pub fn provider(mut self, provider: Arc<dyn Provider>, policy: ProviderPolicy) -> Self {
        let breaker = CircuitBreaker::with_clock(policy.breaker, self.clock.clone());
        self.entries.push(Entry {
            provider,
            policy,
            breaker,
        });
        self
    }

    /// The clock the breakers read; tests substitute one to step over cooldowns.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        for entry in &mut self.entries {
            entry.breaker = CircuitBreaker::with_clock(entry.policy.breaker, clock.clone());
        }
        self.clock = clock;
        self
    }

    pub fn build(self) -> Chain {
        Chain {
            settings: self.settings,
            entries: self.entries.into_iter().map(Arc::new).collect(),
        }
    }
}

impl Chain {
    pub fn builder(settings: ChainSettings) -> ChainBuilder {
        ChainBuilder {
            settings,
            clock: Arc::new(SystemClock),
            entries: Vec::new(),
        }
    }

    /// The providers of `kinds`, in that order, sharing this chain's circuit breakers: one
    /// process-wide chain serves every tenant's own preference, and a failing provider is
    /// skipped for all of them. Kinds this chain lacks are left out.
    pub fn select(&self, kinds: &[ProviderKind]) -> Chain {
        let entries = kinds
            .iter()
            .filter_map(|kind| {
                self.entries
                    .iter()
                    .find(|entry| entry.provider.kind() == *kind)
                    .cloned()
            })
            .collect();
        Chain {
            settings: self.settings,
            entries,
        }
    }

    /// The providers, in order.
    pub fn kinds(&self) -> Vec<ProviderKind> {
        self.entries
            .iter()
            .map(|entry| entry.provider.kind())
            .collect()
    }

    /// Gets one reply, trying providers in order. Fails with [`LlmError::Exhausted`] (carrying
    /// the last provider error) when all of them failed or the attempt budget is spent, which is
    /// the caller's cue to answer from its local responder instead.
    pub async fn complete(&self, req: &ChatRequest) -> Result<Completion, LlmError> {
        let mut attempts = 0;
        let mut last = None;
        'providers: for (position, entry) in self.entries.iter().enumerate() {
            let kind = entry.provider.kind();
            let mut retries = 0;
            loop {
                if attempts >= self.settings.max_attempts {
                    tracing::warn!(
                        attempts,
                        "LLM attempt budget of {} spent",
                        self.settings.max_attempts
                    );
                    break 'providers;
                }
                let Some(permit) = entry.breaker.try_acquire() else {
                    tracing::debug!(provider = %kind, provider.position = position, "circuit open, skipping {kind}");
                    // A real failure from earlier in this turn explains more than a skip does.
                    last.get_or_insert(LlmError::CircuitOpen(kind));
                    continue 'providers;
                };
                attempts += 1;
                let started = Instant::now();
                let outcome =
                    match tokio::time::timeout(entry.policy.timeout, entry.provider.complete(req))
                        .await
                    {
                        Ok(outcome) => outcome,
                        Err(_elapsed) => Err(LlmError::Timeout),
                    };
                let duration_ms = started.elapsed().as_millis();
                let err = match outcome {
                    Ok(completion) => {
                        permit.succeeded();
                        tracing::info!(
                            provider = %kind,
                            provider.position = position,
                            attempt = attempts,
                            model = %completion.model,
                            usage.prompt_tokens = completion.usage.prompt_tokens,
                            usage.completion_tokens = completion.usage.completion_tokens,
                            tool_calls = completion.tool_calls.len(),
                            duration_ms,
                            "LLM reply from {kind}"
                        );
                        return Ok(completion);
                    }
                    Err(err) => err,
                };
                let retryable = err.is_retryable();
                let opened = if retryable {
                    permit.failed()
                } else {
                    permit.ignored();
                    false
                };
                tracing::warn!(
                    provider = %kind,
                    provider.position = position,
                    attempt = attempts,
                    status = status_of(&err),
                    retryable,
                    duration_ms,
                    error = %err,
                    "LLM call to {kind} failed"
                );
                if opened {
                    tracing::warn!(provider = %kind, provider.position = position, "circuit opened for {kind}");
                }
                // Retrying a provider whose circuit just opened would only be refused.
                let delay = if retryable && !opened && retries < entry.policy.max_retries {
                    self.retry_delay(&err, retries)
                } else {
                    None
                };
                last = Some(err);
                let Some(delay) = delay else {
                    continue 'providers;
                };
                if attempts >= self.settings.max_attempts {
                    break 'providers;
                }
                retries += 1;
                tokio::time::sleep(delay).await;
            }
        }
        Err(LlmError::Exhausted {
            attempts,
            last: last.map(Box::new),
        })
    }

    /// How long to wait before retrying the same provider, or `None` to move on at once.
    fn retry_delay(&self, err: &LlmError, retries: u32) -> Option<Duration> {
        if let LlmError::RateLimited {
            retry_after: Some(wait),
        } = err
        {
            return (*wait <= self.settings.max_retry_after).then_some(*wait);
        }
        let exponential = self
            .settings
            .backoff_base
            .saturating_mul(2_u32.saturating_pow(retries))
            .min(self.settings.backoff_max);
        // Jitter as the OpenAI SDKs do (x0.75..1.0), so workers that failed together do not
        // come back in lockstep.
        Some(exponential.mul_f64(rand::rng().random_range(0.75..=1.0)))
    }
}

fn status_of(err: &LlmError) -> Option<u16> {
    match err {
        LlmError::Server { status, .. } | LlmError::Rejected { status, .. } => Some(*status),
        LlmError::RateLimited { .. } | LlmError::QuotaExhausted => Some(429),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicU32, Ordering};

    use futures::future::BoxFuture;

    use super::*;
    use crate::types::Usage;

    /// Answers from a script, then with text; counts calls.
    struct Scripted {
        kind: ProviderKind,
        script: Mutex<VecDeque<Result<(), LlmError>>>,
        calls: AtomicU32,
    }

    impl Scripted {
        fn new(kind: ProviderKind, script: Vec<Result<(), LlmError>>) -> Arc<Self> {
            Arc::new(Self {
                kind,
                script: Mutex::new(script.into()),
                calls: AtomicU32::new(0),
            })
        }

        fn calls(&self) -> u32 {
            self.calls.load(Ordering::SeqCst)
        }
    }

    impl Provider for Scripted {
        fn kind(&self) -> ProviderKind {
            self.kind
        }

        fn complete<'a>(
            &'a self,
            _req: &'a ChatRequest,
        ) -> BoxFuture<'a, Result<Completion, LlmError>> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let next = self
                .script
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .pop_front()
                .unwrap_or(Ok(()));
            let kind = self.kind;
            Box::pin(async move {
                next.map(|()| Completion {
                    text: Some("ok".into()),
                    tool_calls: Vec::new(),
                    usage: Usage::default(),
                    model: "m".into(),
                    provider: kind,
                    truncated: false,
                })
            })
        }
    }

    fn request() -> ChatRequest {
        ChatRequest {
            system: String::new(),
            messages: Vec::new(),
            tools: Vec::new(),
            max_tokens: 10,
            temperature: 0.0,
        }
    }

    fn fast() -> ChainSettings {
        ChainSettings {
            max_attempts: 4,
            max_retry_after: Duration::from_millis(50),
            backoff_base: Duration::from_millis(1),
            backoff_max: Duration::from_millis(2),
        }
    }

    fn server_error() -> Result<(), LlmError> {
        Err(LlmError::Server {
            status: 500,
            message: "boom".into(),
        })
    }

    #[tokio::test]
    async fn a_long_retry_after_moves_on_instead_of_sleeping() {
        let first = Scripted::new(
            ProviderKind::OpenAi,
            vec![Err(LlmError::RateLimited {
                retry_after: Some(Duration::from_secs(60)),
            })],
        );
        let second = Scripted::new(ProviderKind::YandexGpt, vec![]);
        let chain = Chain::builder(fast())
            .provider(first.clone(), ProviderPolicy::default())
            .provider(second.clone(), ProviderPolicy::default())
            .build();
        let started = Instant::now();
        let reply = chain.complete(&request()).await;
        assert_eq!(
            reply.map(|c| c.provider).ok(),
            Some(ProviderKind::YandexGpt)
        );
        assert!(started.elapsed() < Duration::from_secs(1));
        assert_eq!((first.calls(), second.calls()), (1, 1));
    }

    #[tokio::test]
    async fn the_budget_caps_requests_across_providers() {
        let failing = || {
            Scripted::new(
                ProviderKind::OpenAi,
                (0..10).map(|_| server_error()).collect(),
            )
        };
        let (a, b) = (failing(), failing());
        let policy = ProviderPolicy {
            max_retries: 5,
            ..ProviderPolicy::default()
        };
        let chain = Chain::builder(ChainSettings {
            max_attempts: 3,
            ..fast()
        })
        .provider(a.clone(), policy)
        .provider(b.clone(), policy)
        .build();
        let err = chain.complete(&request()).await.expect_err("all fail");
        assert!(
            matches!(err, LlmError::Exhausted { attempts: 3, last: Some(ref last) } if matches!(**last, LlmError::Server { status: 500, .. })),
            "{err:?}"
        );
        assert_eq!(a.calls() + b.calls(), 3);
    }

    #[tokio::test]
    async fn non_retryable_errors_fall_over_without_retrying() {
        let first = Scripted::new(
            ProviderKind::OpenAi,
            vec![Err(LlmError::Rejected {
                status: 401,
                message: "bad key".into(),
            })],
        );
        let second = Scripted::new(ProviderKind::YandexGpt, vec![]);
        let chain = Chain::builder(fast())
            .provider(first.clone(), ProviderPolicy::default())
            .provider(second.clone(), ProviderPolicy::default())
            .build();
        assert!(chain.complete(&request()).await.is_ok());
        assert_eq!((first.calls(), second.calls()), (1, 1));
    }

    #[tokio::test]
    async fn a_selection_keeps_its_order_and_shares_the_breakers() {
        let openai = Scripted::new(
            ProviderKind::OpenAi,
            (0..3).map(|_| server_error()).collect(),
        );
        let yandex = Scripted::new(ProviderKind::YandexGpt, vec![]);
        let policy = ProviderPolicy {
            max_retries: 0,
            breaker: BreakerSettings {
                failure_threshold: 1,
                cooldown: Duration::from_secs(60),
            },
            ..ProviderPolicy::default()
        };
        let chain = Chain::builder(fast())
            .provider(openai.clone(), policy)
            .provider(yandex.clone(), policy)
            .build();
        let reversed = chain.select(&[ProviderKind::YandexGpt, ProviderKind::OpenAi]);
        assert_eq!(
            reversed.kinds(),
            [ProviderKind::YandexGpt, ProviderKind::OpenAi]
        );
        assert_eq!(chain.select(&[ProviderKind::YandexGpt]).kinds().len(), 1);

        // One failure through the full chain opens OpenAI's circuit for every selection.
        assert!(chain.complete(&request()).await.is_ok());
        let only_openai = chain.select(&[ProviderKind::OpenAi]);
        let err = only_openai
            .complete(&request())
            .await
            .expect_err("circuit is open");
        assert!(
            matches!(err, LlmError::Exhausted { attempts: 0, .. }),
            "{err:?}"
        );
        assert_eq!(openai.calls(), 1);
    }

    #[tokio::test]
    async fn an_empty_chain_is_exhausted_at_once() {
        let chain = Chain::builder(fast()).build();
        let err = chain
            .complete(&request())
            .await
            .expect_err("nothing to call");
        assert!(matches!(
            err,
            LlmError::Exhausted {
                attempts: 0,
                last: None
            }
        ));
    }
}
