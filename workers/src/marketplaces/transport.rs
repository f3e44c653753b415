//! One marketplace request, done the way both marketplaces need: a slot from the shared limiter
//! first, then the call; 429s wait for the marketplace's hint, 5xx and timeouts back off with
//! jitter, all within one budget of attempts; 4xx fail at once; the body is decoded leniently
//! and a body that does not decode is logged with its endpoint and becomes an error.

use std::time::Duration;

use rand::Rng;
use reqwest::{RequestBuilder, Response, StatusCode};
use serde::de::DeserializeOwned;

use super::error::MarketplaceError;
use super::limits::{Bucket, SharedLimiter};

/// Longest a request waits for a limiter slot or a retry before giving up its attempt budget.
const MAX_WAIT: Duration = Duration::from_secs(120);

/// What a failed attempt says about the next one.
#[derive(Debug)]
enum Attempt {
    /// Try again after this long.
    Retry {
        wait: Duration,
        reason: String,
    },
    Fail(MarketplaceError),
}

/// How the marketplaces differ when they refuse a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// 429 carries `X-Ratelimit-Retry` seconds; every 4xx costs ten requests of the bucket.
    Wb,
    /// 429 is `{"code":8}` without a hint; `Circle is open` means minutes of back-off.
    Ozon,
}

/// One request's identity for the limiter, the logs and the errors.
#[derive(Debug, Clone)]
pub struct Call {
    /// E.g. `wb POST /api/v3/orders/status`.
    pub endpoint: &'static str,
    /// Who shares the limit: seller and API family.
    pub limit_key: String,
    pub bucket: Bucket,
}

#[derive(Clone)]
pub struct Transport {
    http: reqwest::Client,
    limiter: Option<SharedLimiter>,
    dialect: Dialect,
    max_attempts: u32,
    backoff: Duration,
}

impl Transport {
    pub fn new(
        http: reqwest::Client,
        limiter: Option<SharedLimiter>,
        dialect: Dialect,
        max_attempts: u32,
        backoff: Duration,
    ) -> Self {
        Self {
            http,
            limiter,
            dialect,
            max_attempts: max_attempts.max(1),
            backoff,
        }
    }

    pub fn http(&self) -> &reqwest::Client {
        &self.http
    }

    /// Sends the request built by `build` (once per attempt) and decodes the JSON answer.
    pub async fn json<T: DeserializeOwned>(
        &self,
        call: &Call,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<T, MarketplaceError> {
        let body = self.send(call, build).await?;
        serde_json::from_slice(&body).map_err(|err| {
            tracing::warn!(endpoint = call.endpoint, error = %err, body = %snippet(&body),
                "marketplace response does not decode");
            MarketplaceError::Malformed {
                endpoint: call.endpoint,
                detail: err.to_string(),
            }
        })
    }

    /// Sends the request and returns the successful body.
    pub async fn send(
        &self,
        call: &Call,
        build: impl Fn() -> RequestBuilder,
    ) -> Result<Vec<u8>, MarketplaceError> {
        let mut last = String::new();
        for attempt in 1..=self.max_attempts {
            self.wait_for_slot(call).await?;
            let outcome = match build().send().await {
                Ok(response) => self.judge(call, response).await,
                Err(err) => Err(Attempt::Retry {
                    wait: self.backoff(attempt),
                    reason: transport_error(&err),
                }),
            };
            match outcome {
                Ok(body) => return Ok(body),
                Err(Attempt::Fail(err)) => return Err(err),
                Err(Attempt::Retry { wait, reason }) => {
                    tracing::debug!(endpoint = call.endpoint, attempt, wait_ms = wait.as_millis() as u64,
                        %reason, "marketplace request will be retried");
                    last = reason;
                    if attempt < self.max_attempts {
                        tokio::time::sleep(wait.min(MAX_WAIT)).await;
                    }
                }
            }
        }
        Err(MarketplaceError::Exhausted {
            endpoint: call.endpoint,
            attempts: self.max_attempts,
            last,
        })
    }

    async fn wait_for_slot(&self, call: &Call) -> Result<(), MarketplaceError> {
        let Some(limiter) = &self.limiter else {
            return Ok(());
        };
        let mut waited = Duration::ZERO;
        while let Some(wait) = limiter.acquire(&call.limit_key, call.bucket).await? {
            if waited > MAX_WAIT {
                return Err(MarketplaceError::Exhausted {
                    endpoint: call.endpoint,
                    attempts: 0,
                    last: format!("no request slot within {}s", MAX_WAIT.as_secs()),
                });
            }
            tokio::time::sleep(wait).await;
            waited += wait;
        }
        Ok(())
    }

    async fn judge(&self, call: &Call, response: Response) -> Result<Vec<u8>, Attempt> {
        let status = response.status();
        let retry_hint = header_secs(&response, "x-ratelimit-retry");
        let body = match response.bytes().await {
            Ok(body) => body.to_vec(),
            Err(err) => {
                return Err(Attempt::Retry {
                    wait: self.backoff(1),
                    reason: transport_error(&err),
                });
            }
        };
        if status.is_success() {
            return Ok(body);
        }
        let message = error_message(&body);
        if self.dialect == Dialect::Ozon && message.contains("Circle is open") {
            // Ozon's circuit breaker recovers in minutes, not seconds.
            return Err(Attempt::Retry {
                wait: self.backoff * 30,
                reason: format!("{status}: {message}"),
            });
        }
        if status == StatusCode::TOO_MANY_REQUESTS {
            let wait = match (self.dialect, retry_hint) {
                (Dialect::Wb, Some(hint)) => hint,
                _ => self.backoff(2),
            };
            if let Some(limiter) = &self.limiter {
                limiter
                    .freeze(&call.limit_key, wait)
                    .await
                    .map_err(|err| Attempt::Fail(err.into()))?;
            }
            return Err(Attempt::Retry {
                wait,
                reason: format!("429: {message}"),
            });
        }
        if status.is_server_error() {
            return Err(Attempt::Retry {
                wait: self.backoff(2),
                reason: format!("{status}: {message}"),
            });
        }
        if self.dialect == Dialect::Wb
            && let Some(limiter) = &self.limiter
        {
            limiter
                .charge(&call.limit_key, call.bucket, 9)
                .await
                .map_err(|err| Attempt::Fail(err.into()))?;
        }
        let status = status.as_u16();
        Err(Attempt::Fail(if matches!(status, 401 | 403) {
            MarketplaceError::Unauthorized {
                endpoint: call.endpoint,
                status,
                message,
            }
        } else {
            MarketplaceError::Rejected {
                endpoint: call.endpoint,
                status,
                message,
            }
        }))
    }

    /// Exponential back-off with full jitter: `backoff × 2^(attempt-1)`, at least half of it.
    fn backoff(&self, attempt: u32) -> Duration {
        let ceiling = self
            .backoff
            .saturating_mul(1 << attempt.min(6).saturating_sub(1));
        let ms = u64::try_from(ceiling.as_millis())
            .unwrap_or(u64::MAX)
            .max(2);
        Duration::from_millis(rand::rng().random_range(ms / 2..=ms))
    }
}

fn header_secs(response: &Response, name: &str) -> Option<Duration> {
    let value = response
        .headers()
        .get(name)?
        .to_str()
        .ok()?
        .trim()
        .parse::<f64>()
        .ok()?;
    (value.is_finite() && value >= 0.0).then(|| Duration::from_secs_f64(value.min(3600.0)))
}

fn transport_error(err: &reqwest::Error) -> String {
    if err.is_timeout() {
        "timed out".into()
    } else if err.is_connect() {
        "could not connect".into()
    } else {
        err.to_string()
    }
}

/// The human part of an error body in any of the marketplaces' shapes (WB problem+json,
/// WB `{code,message}`, statistics `{"errors":…}`, feedbacks `errorText`, Ozon rpcStatus).
fn error_message(body: &[u8]) -> String {
    let Ok(json) = serde_json::from_slice::<serde_json::Value>(body) else {
        return snippet(body);
    };
    for field in ["detail", "message", "errorText", "error", "title"] {
        if let Some(text) = json
            .get(field)
            .and_then(|v| v.as_str())
            .filter(|t| !t.is_empty())
        {
            return text.to_owned();
        }
    }
    match json.get("errors") {
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .map(|item| {
                item.as_str()
                    .map_or_else(|| item.to_string(), str::to_owned)
            })
            .collect::<Vec<_>>()
            .join("; "),
        _ => snippet(body),
    }
}

fn snippet(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    text.chars().take(300).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_found_in_every_vendor_shape() {
        let cases: [(&str, &str); 6] = [
            (
                r#"{"title":"too many requests","detail":"limited by c122","status":429}"#,
                "limited by c122",
            ),
            (
                r#"{"code":"AccessDenied","message":"Доступ запрещён","data":null}"#,
                "Доступ запрещён",
            ),
            (
                r#"{"errors":["dateFrom: field required"]}"#,
                "dateFrom: field required",
            ),
            (
                r#"{"errors":"dateFrom: Value not validated"}"#,
                "dateFrom: Value not validated",
            ),
            (
                r#"{"data":null,"error":true,"errorText":"Something went wrong"}"#,
                "Something went wrong",
            ),
            (
                r#"{"code":8,"message":"You have reached request rate limit per second","details":[]}"#,
                "You have reached request rate limit per second",
            ),
        ];
        for (body, expected) in cases {
            assert_eq!(error_message(body.as_bytes()), expected, "{body}");
        }
        assert_eq!(
            error_message(b"<html>bad gateway</html>"),
            "<html>bad gateway</html>"
        );
    }
}
