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

/// How to answer the next embeddings request; unscripted ones get [`fake_embedding`]s.
#[derive(Debug, Clone)]
pub enum EmbeddingsReply {
    ServerError,
}

#[derive(Default)]
struct Inner {
    script: Script<Reply>,
    embeddings: Script<EmbeddingsReply>,
    next_id: AtomicU64,
}

/// Dimensions of [`fake_embedding`].
pub const EMBEDDING_DIMENSIONS: usize = 256;

/// A deterministic stand-in for a real model's vector: word stems (first five letters)
/// hashed into buckets and normalised, so texts sharing words are similar, as with a real
/// model, and the same text always gets the same vector.
pub fn fake_embedding(text: &str) -> Vec<f32> {
    let mut vector = vec![0.0_f32; EMBEDDING_DIMENSIONS];
    let lower = text.to_lowercase();
    for word in lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.chars().count() >= 3)
    {
        let stem: String = word.chars().take(5).collect();
        let bucket = stem.bytes().fold(2_166_136_261_u32, |h, b| {
            (h ^ u32::from(b)).wrapping_mul(16_777_619)
        });
        vector[bucket as usize % EMBEDDING_DIMENSIONS] += 1.0;
    }
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        vector.iter_mut().for_each(|x| *x /= norm);
    }
    vector
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
            .route("/v1/embeddings", post(embed))
            .route("/embeddings", post(embed))
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

    /// Queues the answer to a later embeddings request.
    pub fn push_embeddings(&self, reply: EmbeddingsReply) {
        self.inner.embeddings.push(reply);
    }

    /// Embeddings requests, apart from chat calls.
    pub fn embedding_calls(&self) -> Vec<Call> {
        self.inner.embeddings.calls()
    }
}

async fn embed(
    State(inner): State<Arc<Inner>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (body, reply) = inner.embeddings.receive(uri.path(), &headers, &body);
    if let Some(EmbeddingsReply::ServerError) = reply {
        return server_error();
    }
    // `input` is a string or an array of strings.
    let inputs: Vec<String> = match &body["input"] {
        Value::String(one) => vec![one.clone()],
        Value::Array(many) => many
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                "'input' is a required property",
                "invalid_request_error",
                "invalid_request_error",
            );
        }
    };
    let tokens: usize = inputs.iter().map(|i| i.chars().count().div_ceil(4)).sum();
    let data: Vec<Value> = inputs
        .iter()
        .enumerate()
        .map(|(index, input)| {
            json!({"object": "embedding", "index": index, "embedding": fake_embedding(input)})
        })
        .collect();
    Json(json!({
        "object": "list",
        "data": data,
        "model": body.get("model").cloned().unwrap_or(Value::Null),
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }))
    .into_response()
}

async fn complete(
    State(inner): State<Arc<Inner>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let (body, reply) = inner.script.receive(uri.path(), &headers, &body);
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
        Some(Reply::ServerError) => server_error(),
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

fn server_error() -> Response {
    error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The server had an error while processing your request.",
        "server_error",
        "internal_error",
    )
}

fn error(status: StatusCode, message: &str, kind: &str, code: &str) -> Response {
    let body = json!({"error": {"message": message, "type": kind, "param": null, "code": code}});
    (status, Json(body)).into_response()
}
