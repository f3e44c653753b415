//! A fake YandexGPT native API (`POST /foundationModels/v1/completion`) with the real reply
//! shape: token counts as strings, `ALTERNATIVE_STATUS_*`, id-less tool calls with object
//! arguments, Yandex-style error bodies.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

pub use crate::script::Call;
use crate::script::Script;

/// The answer when nothing is scripted.
pub const DEFAULT_TEXT: &str = "Заказ #42 передан в доставку.";
/// Token counts every successful reply reports.
pub const INPUT_TOKENS: u32 = 27;
pub const COMPLETION_TOKENS: u32 = 18;

/// How to answer the next authorised request; unscripted ones get [`DEFAULT_TEXT`].
#[derive(Debug, Clone)]
pub enum Reply {
    Text(String),
    /// `ALTERNATIVE_STATUS_TOOL_CALLS`. `arguments_json` is parsed into the object Yandex
    /// sends; if it does not parse it is sent as a string, which a client must refuse.
    ToolCall {
        name: String,
        arguments_json: String,
    },
    /// 429 with a `Retry-After` header.
    RateLimited {
        retry_after_secs: u32,
    },
    /// 500 with a Yandex error body.
    ServerError,
    /// `ALTERNATIVE_STATUS_CONTENT_FILTER`.
    ContentFiltered,
    /// Wait this long, then answer [`DEFAULT_TEXT`].
    Delay(Duration),
}

#[derive(Default)]
struct Inner {
    api_key: String,
    script: Script<Reply>,
}

/// The fake, running on a loopback port until its runtime ends. Only
/// `Authorization: Api-Key <api_key>` is let through.
#[derive(Clone)]
pub struct FakeYandexGpt {
    addr: SocketAddr,
    inner: Arc<Inner>,
}

impl FakeYandexGpt {
    pub async fn start(api_key: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            api_key: api_key.to_owned(),
            ..Inner::default()
        });
        let app = Router::new()
            .route("/foundationModels/v1/completion", post(complete))
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { addr, inner })
    }

    /// The base URL to configure (the API path is appended by the client).
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Queues the answer to a later authorised request, in order.
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

async fn complete(State(inner): State<Arc<Inner>>, headers: HeaderMap, body: Bytes) -> Response {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    inner
        .script
        .record("/foundationModels/v1/completion", &headers, body);
    let expected = format!("Api-Key {}", inner.api_key);
    let authorised = headers
        .get(header::AUTHORIZATION)
        .is_some_and(|value| value.as_bytes() == expected.as_bytes());
    if !authorised {
        return error(StatusCode::UNAUTHORIZED, 16, "Unknown api key");
    }
    let reply = inner.script.next_reply();
    match reply {
        None => text(DEFAULT_TEXT),
        Some(Reply::Text(reply)) => text(&reply),
        Some(Reply::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            text(DEFAULT_TEXT)
        }
        Some(Reply::ToolCall {
            name,
            arguments_json,
        }) => {
            let arguments = serde_json::from_str::<Value>(&arguments_json)
                .unwrap_or(Value::String(arguments_json));
            let message = json!({"role": "assistant", "toolCallList": {"toolCalls": [
                {"functionCall": {"name": name, "arguments": arguments}}
            ]}});
            completion(message, "ALTERNATIVE_STATUS_TOOL_CALLS")
        }
        Some(Reply::ContentFiltered) => completion(
            json!({"role": "assistant", "text": "К сожалению, я не могу ответить на этот вопрос."}),
            "ALTERNATIVE_STATUS_CONTENT_FILTER",
        ),
        Some(Reply::RateLimited { retry_after_secs }) => {
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                8,
                "ai.textGenerationCompletionSessionsCount.count gauge quota limit exceed: allowed 10 requests",
            );
            if let Ok(value) = HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Some(Reply::ServerError) => error(StatusCode::INTERNAL_SERVER_ERROR, 13, "Internal error"),
    }
}

fn text(text: &str) -> Response {
    completion(
        json!({"role": "assistant", "text": text}),
        "ALTERNATIVE_STATUS_FINAL",
    )
}

fn completion(message: Value, status: &str) -> Response {
    Json(json!({"result": {
        "alternatives": [{"message": message, "status": status}],
        "usage": {
            "inputTextTokens": INPUT_TOKENS.to_string(),
            "completionTokens": COMPLETION_TOKENS.to_string(),
            "totalTokens": (INPUT_TOKENS + COMPLETION_TOKENS).to_string(),
        },
        "modelVersion": "09.02.2025",
    }}))
    .into_response()
}

fn error(status: StatusCode, grpc_code: u16, message: &str) -> Response {
    let body = json!({"error": {
        "grpcCode": grpc_code,
        "httpCode": status.as_u16(),
        "message": message,
        "httpStatus": status.canonical_reason().unwrap_or_default(),
        "details": [],
    }});
    (status, Json(body)).into_response()
}
