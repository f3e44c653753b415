//! A fake Telegram Bot API server.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{Value, json};

/// One call the fake received.
#[derive(Debug, Clone)]
pub struct Call {
    pub token: String,
    /// Lower-cased: method names are case-insensitive in the Bot API.
    pub method: String,
    pub body: Value,
    pub at: Instant,
}

/// What to do with the next call of a method, instead of succeeding at once.
#[derive(Debug, Clone)]
pub enum Script {
    /// 429 Too Many Requests with `parameters.retry_after` and a `Retry-After` header.
    RetryAfter(u32),
    /// Succeed, but only after this delay.
    Delay(Duration),
    /// 403 Forbidden: bot was blocked by the user.
    Blocked,
    /// 500 Internal Server Error (Telegram did not take the message).
    ServerError,
    /// 400 Bad Request with this description: refused for good.
    BadRequest(String),
}

#[derive(Default)]
struct Inner {
    calls: Mutex<Vec<Call>>,
    scripts: Mutex<HashMap<String, VecDeque<Script>>>,
    /// How every call without a script of its own is answered meanwhile (a fault burst).
    fault: Mutex<Option<Script>>,
    /// `sendMessage` calls answered with success: what shoppers actually received.
    delivered: Mutex<Vec<Call>>,
    next_message_id: AtomicI64,
}

/// The fake, running on a loopback port until dropped with its runtime.
#[derive(Clone)]
pub struct FakeTelegram {
    addr: SocketAddr,
    inner: Arc<Inner>,
}

impl FakeTelegram {
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0").await
    }

    pub async fn start_on(addr: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            next_message_id: AtomicI64::new(1),
            ..Inner::default()
        });
        let app = Router::new()
            .route("/{bot}/{method}", post(call))
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { addr, inner })
    }

    /// The base URL to configure as `OTKLIK_TELEGRAM_API_URL`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Scripts the next call of `method` (case-insensitive).
    pub fn script(&self, method: &str, script: Script) {
        let mut scripts = self
            .inner
            .scripts
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        scripts
            .entry(method.to_lowercase())
            .or_default()
            .push_back(script);
    }

    /// Answers every call this way (besides scripted ones) until `None` is set: a burst of
    /// 429s, 5xx or slow answers.
    pub fn set_fault(&self, fault: Option<Script>) {
        *self
            .inner
            .fault
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = fault;
    }

    pub fn calls(&self, method: &str) -> Vec<Call> {
        let method = method.to_lowercase();
        let calls = self
            .inner
            .calls
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        calls
            .iter()
            .filter(|call| call.method == method)
            .cloned()
            .collect()
    }

    /// `sendMessage` calls, whatever they were answered.
    pub fn sent(&self) -> Vec<Call> {
        self.calls("sendMessage")
    }

    /// `sendMessage` calls answered with success: what the shoppers received (a call that was
    /// still answered after its client gave up counts: Telegram delivered it).
    pub fn delivered(&self) -> Vec<Call> {
        self.inner
            .delivered
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Waits until at least `count` messages were sent, or `timeout` passes.
    pub async fn wait_for_sent(&self, count: usize, timeout: Duration) -> Vec<Call> {
        let deadline = Instant::now() + timeout;
        loop {
            let sent = self.sent();
            if sent.len() >= count || Instant::now() >= deadline {
                return sent;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }
}

/// A request's parameters: the Bot API takes JSON, and multipart/form-data for methods that
/// can upload files (teloxide sends `setWebhook` that way); text fields become strings.
fn parameters(headers: &HeaderMap, body: &[u8]) -> Value {
    let boundary = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .filter(|value| value.starts_with("multipart/form-data"))
        .and_then(|value| value.split("boundary=").nth(1))
        .map(|boundary| boundary.trim_matches('"').to_owned());
    let Some(boundary) = boundary else {
        return serde_json::from_slice(body).unwrap_or(Value::Null);
    };
    let text = String::from_utf8_lossy(body);
    let mut fields = serde_json::Map::new();
    for part in text.split(&format!("--{boundary}")) {
        let Some((head, value)) = part.split_once("\r\n\r\n") else {
            continue;
        };
        let name = head
            .split("name=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next());
        if let Some(name) = name {
            fields.insert(name.to_owned(), json!(value.trim_end_matches("\r\n")));
        }
    }
    Value::Object(fields)
}

async fn call(
    State(inner): State<Arc<Inner>>,
    Path((bot, method)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(token) = bot.strip_prefix("bot") else {
        return error(StatusCode::NOT_FOUND, "Not Found", None);
    };
    let method = method.to_lowercase();
    let body = parameters(&headers, &body);
    let script = {
        let mut scripts = inner.scripts.lock().unwrap_or_else(PoisonError::into_inner);
        scripts.get_mut(&method).and_then(VecDeque::pop_front)
    }
    .or_else(|| {
        inner
            .fault
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    });
    let call = Call {
        token: token.to_owned(),
        method: method.clone(),
        body: body.clone(),
        at: Instant::now(),
    };
    inner
        .calls
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push(call.clone());
    match script {
        Some(Script::RetryAfter(seconds)) => {
            let description = format!("Too Many Requests: retry after {seconds}");
            return error(StatusCode::TOO_MANY_REQUESTS, &description, Some(seconds));
        }
        Some(Script::Blocked) => {
            return error(
                StatusCode::FORBIDDEN,
                "Forbidden: bot was blocked by the user",
                None,
            );
        }
        Some(Script::ServerError) => {
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal Server Error",
                None,
            );
        }
        Some(Script::BadRequest(description)) => {
            let description = format!("Bad Request: {description}");
            return error(StatusCode::BAD_REQUEST, &description, None);
        }
        Some(Script::Delay(delay)) => tokio::time::sleep(delay).await,
        None => {}
    }
    match method.as_str() {
        "sendmessage" => {
            inner
                .delivered
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(call);
            let message_id = inner.next_message_id.fetch_add(1, Ordering::SeqCst);
            let chat_id = body.get("chat_id").cloned().unwrap_or(Value::Null);
            Json(json!({ "ok": true, "result": {
                "message_id": message_id,
                "date": chrono::Utc::now().timestamp(),
                "chat": { "id": chat_id, "type": "private", "first_name": "Shopper" },
                "from": { "id": 1, "is_bot": true, "first_name": "Shop" },
                "text": body.get("text").cloned().unwrap_or(Value::Null),
            }}))
            .into_response()
        }
        "answercallbackquery" | "setwebhook" | "deletewebhook" => {
            Json(json!({ "ok": true, "result": true })).into_response()
        }
        // Real tokens are `<bot id>:<secret>`; anything else is refused as Telegram does.
        "getme" => match token.split_once(':') {
            Some((id, _)) if id.parse::<u64>().is_ok() => Json(json!({ "ok": true, "result": {
                "id": id.parse::<u64>().unwrap_or(1), "is_bot": true, "first_name": "Shop",
                "username": format!("shop_{id}_bot"), "can_join_groups": true,
                "can_read_all_group_messages": false, "supports_inline_queries": false,
                "can_connect_to_business": false, "has_main_web_app": false,
            }}))
            .into_response(),
            _ => error(StatusCode::UNAUTHORIZED, "Unauthorized", None),
        },
        _ => error(StatusCode::NOT_FOUND, "Not Found: method not found", None),
    }
}

fn error(status: StatusCode, description: &str, retry_after: Option<u32>) -> Response {
    let mut body =
        json!({ "ok": false, "error_code": status.as_u16(), "description": description });
    if let Some(seconds) = retry_after {
        body["parameters"] = json!({ "retry_after": seconds });
    }
    let mut response = (status, Json(body)).into_response();
    if let Some(seconds) = retry_after
        && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
    {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}
