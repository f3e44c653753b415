//! One error type for every provider, classified so the [`crate::Chain`] can decide between
//! "wait and retry here", "try the next provider" and "give up" without knowing the vendor.

use std::time::Duration;

use crate::types::{InvalidArguments, ProviderKind};

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    /// 429 for request/token rate: worth retrying, after `retry_after` when the server said.
    #[error("rate limited{}", retry_after.map(|d| format!(" (retry after {} ms)", d.as_millis())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    /// OpenAI 429 `insufficient_quota`: the account is out of money; retrying only burns budget.
    #[error("quota exhausted")]
    QuotaExhausted,
    #[error("timed out")]
    Timeout,
    #[error("server error {status}: {message}")]
    Server { status: u16, message: String },
    /// Any other 4xx: bad key, bad request, model not found. Retrying sends the same mistake.
    #[error("rejected with {status}: {message}")]
    Rejected { status: u16, message: String },
    /// The reply did not parse or broke the protocol (unknown status, malformed tool arguments,
    /// no usage); the message names the provider and endpoint.
    #[error("undecodable reply: {0}")]
    Decode(String),
    /// The provider withheld the answer for policy reasons; another provider may still answer.
    #[error("{0} filtered the reply")]
    ContentFiltered(ProviderKind),
    /// The conversation cannot be expressed in this provider's protocol (a caller bug).
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// Settings that cannot work, found while building a provider.
    #[error("invalid settings: {0}")]
    Config(String),
    #[error("transport: {0}")]
    Transport(String),
    #[error("circuit open for {0}")]
    CircuitOpen(ProviderKind),
    /// Every provider failed or the attempt budget ran out: time for the local responder.
    #[error("every LLM provider failed ({attempts} attempts)")]
    Exhausted {
        attempts: u32,
        #[source]
        last: Option<Box<LlmError>>,
    },
}

impl LlmError {
    /// Transient failures: the same request may succeed if sent again. These are also the
    /// failures that count towards opening a provider's circuit breaker.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Timeout | Self::Server { .. } | Self::Transport(_)
        )
    }

    pub(crate) fn invalid_arguments(provider: &str, err: &InvalidArguments) -> Self {
        Self::Decode(format!("{provider}: {err}"))
    }
}

/// Maps a non-2xx answer. OpenAI-style bodies (`{"error":{"message","type","code"}}`), vLLM's
/// flat `{"message","type","code"}` and YandexGPT's `{"error":{"httpCode","message"}}` all
/// carry a `message`; anything else keeps the start of the raw body.
pub(crate) fn from_http_failure(status: u16, headers: &http::HeaderMap, body: &[u8]) -> LlmError {
    let json: Option<serde_json::Value> = serde_json::from_slice(body).ok();
    let error = json.as_ref().map(|json| json.get("error").unwrap_or(json));
    let field = |name: &str| {
        error
            .and_then(|error| error.get(name))
            .and_then(serde_json::Value::as_str)
    };
    let message = field("message")
        .or_else(|| error.and_then(serde_json::Value::as_str))
        .map(str::to_owned)
        .unwrap_or_else(|| String::from_utf8_lossy(body).into_owned());
    let quota =
        field("type") == Some(INSUFFICIENT_QUOTA) || field("code") == Some(INSUFFICIENT_QUOTA);
    classify(status, &message, quota, retry_after(headers))
}

/// The status decides, except that a 429 is two different things at OpenAI.
pub(crate) fn classify(
    status: u16,
    message: &str,
    insufficient_quota: bool,
    retry_after: Option<Duration>,
) -> LlmError {
    match status {
        429 if insufficient_quota => LlmError::QuotaExhausted,
        429 => LlmError::RateLimited { retry_after },
        408 => LlmError::Timeout,
        500..=599 => LlmError::Server {
            status,
            message: clip(message),
        },
        _ => LlmError::Rejected {
            status,
            message: clip(message),
        },
    }
}

pub(crate) const INSUFFICIENT_QUOTA: &str = "insufficient_quota";

/// A failure below HTTP (connect, TLS, reset) or a client-side timeout. The source chain is
/// kept because reqwest's own message is only "error sending request".
pub(crate) fn transport(endpoint: &str, timed_out: bool, err: &dyn std::error::Error) -> LlmError {
    if timed_out {
        return LlmError::Timeout;
    }
    let mut message = format!("{endpoint}: {err}");
    let mut source = err.source();
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    LlmError::Transport(message)
}

/// Sends a request and reads its reply whole: the body of a 2xx, or the failure classified
/// from status, headers and body. The provider's request id is logged for support tickets.
pub(crate) async fn send(
    endpoint: &str,
    request: reqwest::RequestBuilder,
) -> Result<Vec<u8>, LlmError> {
    let response = request
        .send()
        .await
        .map_err(|err| transport(endpoint, err.is_timeout(), &err))?;
    let status = response.status();
    let headers = response.headers().clone();
    if let Some(request_id) = headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
        tracing::debug!(%request_id, status = status.as_u16(), "{endpoint}");
    }
    let body = response
        .bytes()
        .await
        .map_err(|err| transport(endpoint, err.is_timeout(), &err))?;
    if !status.is_success() {
        return Err(from_http_failure(status.as_u16(), &headers, &body));
    }
    Ok(body.to_vec())
}

/// Longest provider error text kept in an [`LlmError`]; bodies can be whole HTML pages.
const MAX_MESSAGE_CHARS: usize = 300;

pub(crate) fn clip(message: &str) -> String {
    let message = message.trim();
    match message.char_indices().nth(MAX_MESSAGE_CHARS) {
        Some((end, _)) => format!("{}…", &message[..end]),
        None => message.to_owned(),
    }
}

/// Reads `retry-after-ms` (OpenAI) or `retry-after` in seconds. The HTTP-date form is ignored:
/// no provider we call sends it, and a missing value only means backing off by our own rule.
pub(crate) fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    let number = |name: &str| -> Option<f64> {
        let value = headers
            .get(name)?
            .to_str()
            .ok()?
            .trim()
            .parse::<f64>()
            .ok()?;
        (value.is_finite() && value >= 0.0).then_some(value)
    };
    // `try_from`: a huge value from the server must not panic us.
    number("retry-after-ms")
        .and_then(|ms| Duration::try_from_secs_f64(ms / 1000.0).ok())
        .or_else(|| number("retry-after").and_then(|s| Duration::try_from_secs_f64(s).ok()))
}

#[cfg(test)]
mod tests {
    use http::{HeaderMap, HeaderValue};

    use super::*;

    #[test]
    fn retry_after_prefers_milliseconds_and_ignores_dates() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(3)));
        headers.insert("retry-after-ms", HeaderValue::from_static("250"));
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(250)));

        let mut dated = HeaderMap::new();
        dated.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(retry_after(&dated), None);
        dated.insert("retry-after", HeaderValue::from_static("-1"));
        assert_eq!(retry_after(&dated), None);
        dated.insert("retry-after", HeaderValue::from_static("1e300"));
        assert_eq!(retry_after(&dated), None);
    }

    #[test]
    fn http_failures_are_classified_by_status_and_body() {
        let headers = HeaderMap::new();
        let quota = br#"{"error":{"message":"You exceeded your current quota","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}"#;
        assert!(matches!(
            from_http_failure(429, &headers, quota),
            LlmError::QuotaExhausted
        ));

        let mut limited = HeaderMap::new();
        limited.insert("retry-after", HeaderValue::from_static("2"));
        let rate = br#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#;
        assert!(matches!(
            from_http_failure(429, &limited, rate),
            LlmError::RateLimited { retry_after: Some(wait) } if wait == Duration::from_secs(2)
        ));

        let yandex = br#"{"error":{"grpcCode":16,"httpCode":401,"message":"Unknown api key","httpStatus":"Unauthorized","details":[]}}"#;
        assert!(matches!(
            from_http_failure(401, &headers, yandex),
            LlmError::Rejected { status: 401, ref message } if message == "Unknown api key"
        ));
        let vllm =
            br#"{"object":"error","message":"model not found","type":"NotFoundError","code":404}"#;
        assert!(matches!(
            from_http_failure(404, &headers, vllm),
            LlmError::Rejected { status: 404, ref message } if message == "model not found"
        ));
        assert!(matches!(
            from_http_failure(502, &headers, b"<html>bad gateway</html>"),
            LlmError::Server { status: 502, ref message } if message == "<html>bad gateway</html>"
        ));
        assert!(matches!(
            from_http_failure(408, &headers, b""),
            LlmError::Timeout
        ));
    }

    #[test]
    fn clip_keeps_char_boundaries() {
        let long = "ж".repeat(MAX_MESSAGE_CHARS + 10);
        let clipped = clip(&long);
        assert_eq!(clipped.chars().count(), MAX_MESSAGE_CHARS + 1);
        assert_eq!(clip(" short "), "short");
    }

    #[test]
    fn only_transient_failures_are_retryable() {
        assert!(LlmError::RateLimited { retry_after: None }.is_retryable());
        assert!(LlmError::Timeout.is_retryable());
        assert!(
            LlmError::Server {
                status: 503,
                message: String::new()
            }
            .is_retryable()
        );
        assert!(LlmError::Transport("reset".into()).is_retryable());
        assert!(!LlmError::QuotaExhausted.is_retryable());
        assert!(
            !LlmError::Rejected {
                status: 401,
                message: String::new()
            }
            .is_retryable()
        );
        assert!(!LlmError::Decode(String::new()).is_retryable());
        assert!(!LlmError::ContentFiltered(ProviderKind::YandexGpt).is_retryable());
        assert!(!LlmError::CircuitOpen(ProviderKind::OpenAi).is_retryable());
    }
}
