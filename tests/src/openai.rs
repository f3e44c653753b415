//! A fake OpenAI Chat Completions server. It also stands in for every OpenAI-compatible server
//! (YandexGPT's compatible endpoint, vLLM, Ollama), which differ only in base URL and model.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

pub use crate::script::Call;
use crate::script::Script;

/// The answer when nothing is scripted.
pub const DEFAULT_TEXT: &str = "Здравствуйте! Чем могу помочь?";
/// Token counts every successful reply reports.
pub const PROMPT_TOKENS: u32 = 85;
pub const COMPLETION_TOKENS: u32 = 18;

/// How to answer the next request; unscripted requests get [`DEFAULT_TEXT`].
#[derive(Debug, Clone)]
pub enum Reply {
    Text(String),
    /// A `tool_calls` reply; `arguments_json` is sent verbatim, so it may be malformed on purpose.
    ToolCall {
        name: String,
        arguments_json: String,
    },
    /// 429 `rate_limit_exceeded` with a `Retry-After` header.
    RateLimited {
        retry_after_secs: u32,
    },
    /// 429 `insufficient_quota`.
    Quota,
    /// 500 with an OpenAI error body.
    ServerError,
    /// Wait this long, then answer [`DEFAULT_TEXT`].
    Delay(Duration),
}

#[derive(Default)]
struct Inner {
    script: Script<Reply>,
    next_id: AtomicU64,
}

/// The fake, running on a loopback port until its runtime ends.
#[derive(Clone)]
pub struct FakeOpenAi {
    addr: SocketAddr,
    inner: Arc<Inner>,
}

impl FakeOpenAi {
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner::default());
        let app = Router::new()
            .route("/v1/chat/completions", post(complete))
            .route("/chat/completions", post(complete))
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { addr, inner })
    }

    /// The base URL to configure, `/v1` included as for api.openai.com.
    pub fn url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// The base URL without `/v1`, for clients configured like a bare compatible server.
    pub fn root_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues the answer to a later request, in order.
    pub fn push(&self, reply: Reply) {
        self.inner.script.push(reply);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.inner.script.calls()
    }

    pub fn call_count(&self) -> usize {
        self.inner.script.call_count()
    }
}

async fn complete(
    State(inner): State<Arc<Inner>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let reply = inner.script.next_reply();
    inner.script.record(uri.path(), &headers, body.clone());
    let id = inner.next_id.fetch_add(1, Ordering::SeqCst);
    let model = body.get("model").cloned().unwrap_or(Value::Null);
    match reply {
        None => text(id, model, DEFAULT_TEXT),
        Some(Reply::Text(reply)) => text(id, model, &reply),
        Some(Reply::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            text(id, model, DEFAULT_TEXT)
        }
        Some(Reply::ToolCall {
            name,
            arguments_json,
        }) => {
            let message = json!({"role": "assistant", "content": null, "tool_calls": [{
                "id": format!("call_{id}"),
                "type": "function",
                "function": {"name": name, "arguments": arguments_json},
            }]});
            completion(id, model, message, "tool_calls")
        }
        Some(Reply::RateLimited { retry_after_secs }) => {
            let message = format!(
                "Rate limit reached for requests. Please try again in {retry_after_secs}s."
            );
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                &message,
                "requests",
                "rate_limit_exceeded",
            );
            if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Some(Reply::Quota) => error(
            StatusCode::TOO_MANY_REQUESTS,
            "You exceeded your current quota, please check your plan and billing details.",
            "insufficient_quota",
            "insufficient_quota",
        ),
        Some(Reply::ServerError) => error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server had an error while processing your request.",
            "server_error",
            "internal_error",
        ),
    }
}

fn text(id: u64, model: Value, text: &str) -> Response {
    completion(
        id,
        model,
        json!({"role": "assistant", "content": text}),
        "stop",
    )
}

fn completion(id: u64, model: Value, message: Value, finish_reason: &str) -> Response {
    Json(json!({
        "id": format!("chatcmpl-{id}"),
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
        "usage": {
            "prompt_tokens": PROMPT_TOKENS,
            "completion_tokens": COMPLETION_TOKENS,
            "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
        },
    }))
    .into_response()
}

fn error(status: StatusCode, message: &str, kind: &str, code: &str) -> Response {
    let body = json!({"error": {"message": message, "type": kind, "param": null, "code": code}});
    (status, Json(body)).into_response()
}
