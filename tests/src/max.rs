//! A fake MAX Bot API (`messengers/max/bot-api.yaml`): `GET /me`, `GET`/`POST`/`DELETE
//! /subscriptions`, `POST /messages`, `POST /answers`, with the vendor's error bodies. It also
//! plays MAX's side of the webhook: [`FakeMax::deliver`] posts an update to the bot's subscribed
//! URL with `X-Max-Bot-Api-Secret`, as MAX does, and the shopper helpers build real-shaped
//! updates. Scripts make the next calls answer 429, `attachment.not.ready`, `chat.denied`, a 503
//! or slowly.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// One call the fake received.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: Method,
    pub path: String,
    pub token: Option<String>,
    pub query: HashMap<String, String>,
    pub body: Value,
    pub at: Instant,
}

/// A message a bot sent, as the shopper sees it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub token: String,
    pub chat_id: Option<i64>,
    pub user_id: Option<i64>,
    pub mid: String,
    /// The text as sent (Markdown when `format` says so).
    pub text: String,
    pub format: Option<String>,
    /// What the shopper reads: the Markdown rendered, markup removed, escapes resolved.
    pub shown: String,
    /// Button rows of an inline keyboard: `(text, payload)`.
    pub buttons: Vec<(String, String)>,
    pub at: Instant,
}

/// How to answer the next call of a path instead of succeeding.
#[derive(Debug, Clone)]
pub enum Script {
    /// 429 with `Retry-After` (seconds) when given.
    RateLimited(Option<u32>),
    /// 400 `attachment.not.ready`, as in `examples/error.attachment.not.ready.json`.
    AttachmentNotReady,
    /// 403 `chat.denied`: the shopper stopped or blocked the bot.
    Denied,
    /// 503 service unavailable.
    Unavailable,
    /// Succeed after this delay.
    Delay(Duration),
}

#[derive(Debug, Clone)]
struct Subscription {
    url: String,
    secret: String,
    update_types: Vec<String>,
}

#[derive(Default)]
struct Inner {
    /// token → bot user id
    bots: Mutex<HashMap<String, i64>>,
    subscriptions: Mutex<HashMap<String, Vec<Subscription>>>,
    calls: Mutex<Vec<Call>>,
    sent: Mutex<Vec<Sent>>,
    scripts: Mutex<HashMap<String, VecDeque<Script>>>,
    next_id: AtomicI64,
    http: reqwest::Client,
    /// What the watch page shows: the page's shopper messages and every bot reply, in order.
    timeline: Mutex<Vec<Value>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The fake, serving on a loopback port until its runtime ends.
#[derive(Clone)]
pub struct FakeMax {
    addr: SocketAddr,
    inner: Arc<Inner>,
}

impl FakeMax {
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0").await
    }

    pub async fn start_on(addr: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            next_id: AtomicI64::new(1),
            ..Inner::default()
        });
        let app = Router::new()
            .route("/me", get(api))
            .route("/subscriptions", get(api).post(api).delete(api))
            .route("/messages", post(api))
            .route("/answers", post(api))
            .route("/", get(watch::page))
            .route("/watch/state", get(watch::state))
            .route("/watch/say", post(watch::say))
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { addr, inner })
    }

    /// The base URL to configure as `OTKLIK_MAX_API_URL`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Makes `token` a valid bot token; returns the bot's user id.
    pub fn add_bot(&self, token: &str) -> i64 {
        let mut bots = lock(&self.inner.bots);
        let next = 229_229_000 + bots.len() as i64;
        *bots.entry(token.to_owned()).or_insert(next)
    }

    /// Scripts the next call of `path` (`/messages`, `/answers`, `/subscriptions`, `/me`).
    pub fn script(&self, path: &str, script: Script) {
        lock(&self.inner.scripts)
            .entry(path.to_owned())
            .or_default()
            .push_back(script);
    }

    pub fn calls(&self, path: &str) -> Vec<Call> {
        lock(&self.inner.calls)
            .iter()
            .filter(|call| call.path == path)
            .cloned()
            .collect()
    }

    /// Every message the bots sent, oldest first.
    pub fn sent(&self) -> Vec<Sent> {
        lock(&self.inner.sent).clone()
    }

    /// Waits until at least `count` messages were sent, or `timeout` passes.
    pub async fn wait_for_sent(&self, count: usize, timeout: Duration) -> Vec<Sent> {
        let deadline = Instant::now() + timeout;
        loop {
            let sent = self.sent();
            if sent.len() >= count || Instant::now() >= deadline {
                return sent;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The bot's webhook, if subscribed: `(url, secret, update types)`.
    pub fn subscription(&self, token: &str) -> Option<(String, String, Vec<String>)> {
        lock(&self.inner.subscriptions)
            .get(token)
            .and_then(|subs| subs.last())
            .map(|s| (s.url.clone(), s.secret.clone(), s.update_types.clone()))
    }

    /// Posts one update to the bot's webhook as MAX does; the webhook's status, or `None`
    /// without a subscription.
    pub async fn deliver(&self, token: &str, update: &Value) -> Option<u16> {
        deliver(&self.inner, token, update).await
    }

    /// A shopper's text in their dialog with the bot, delivered; returns the message's `mid`.
    pub async fn shopper_writes(
        &self,
        token: &str,
        shopper: &Shopper,
        text: &str,
    ) -> (String, Option<u16>) {
        let mid = format!(
            "mid.{:032x}",
            self.inner.next_id.fetch_add(1, Ordering::SeqCst)
        );
        let update = message_created(self.bot_id(token), shopper, &mid, text);
        (mid, self.deliver(token, &update).await)
    }

    /// A shopper presses a callback button with `payload` under the bot's message `mid`.
    pub async fn press(
        &self,
        token: &str,
        shopper: &Shopper,
        mid: &str,
        payload: &str,
    ) -> (String, Option<u16>) {
        let callback_id = format!("cb{:x}", self.inner.next_id.fetch_add(1, Ordering::SeqCst));
        let update = json!({
            "update_type": "message_callback",
            "timestamp": now_ms(),
            "callback": {"timestamp": now_ms(), "callback_id": callback_id, "payload": payload,
                         "user": shopper.user()},
            "message": {"recipient": {"chat_id": shopper.chat_id, "chat_type": "dialog",
                                      "user_id": shopper.user_id},
                        "timestamp": now_ms(), "body": {"mid": mid, "seq": 1, "text": ""},
                        "sender": {"user_id": self.bot_id(token), "first_name": "Shop", "is_bot": true}},
            "user_locale": shopper.locale,
        });
        (callback_id, self.deliver(token, &update).await)
    }

    /// The shopper presses «Start» (`bot_started`) or stops the bot (`bot_stopped`).
    pub async fn lifecycle(
        &self,
        token: &str,
        shopper: &Shopper,
        update_type: &str,
    ) -> Option<u16> {
        let update = json!({
            "update_type": update_type,
            "timestamp": now_ms(),
            "chat_id": shopper.chat_id,
            "user": shopper.user(),
            "user_locale": shopper.locale,
        });
        self.deliver(token, &update).await
    }

    fn bot_id(&self, token: &str) -> i64 {
        lock(&self.inner.bots)
            .get(token)
            .copied()
            .unwrap_or(229_229_229)
    }
}

/// A shopper in a dialog with a bot.
#[derive(Debug, Clone)]
pub struct Shopper {
    pub user_id: i64,
    pub chat_id: i64,
    pub name: String,
    pub locale: String,
}

impl Shopper {
    pub fn new(user_id: i64, name: &str) -> Self {
        Self {
            user_id,
            chat_id: 182_000_000 + user_id,
            name: name.to_owned(),
            locale: "ru".into(),
        }
    }

    fn user(&self) -> Value {
        json!({"user_id": self.user_id, "first_name": self.name, "last_name": null,
               "is_bot": false, "last_activity_time": now_ms(), "name": self.name})
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// A `message_created` update from `shopper` in their dialog with the bot.
pub fn message_created(bot_id: i64, shopper: &Shopper, mid: &str, text: &str) -> Value {
    json!({
        "update_type": "message_created",
        "timestamp": now_ms(),
        "message": {
            "recipient": {"chat_id": shopper.chat_id, "chat_type": "dialog", "user_id": bot_id},
            "timestamp": now_ms(),
            "body": {"mid": mid, "seq": 1, "text": text},
            "sender": shopper.user(),
        },
        "user_locale": shopper.locale,
    })
}

async fn deliver(inner: &Inner, token: &str, update: &Value) -> Option<u16> {
    let subscription = lock(&inner.subscriptions).get(token)?.last()?.clone();
    let kind = update["update_type"].as_str().unwrap_or_default();
    if !subscription.update_types.is_empty() && !subscription.update_types.iter().any(|t| t == kind)
    {
        return Some(200);
    }
    let response = inner
        .http
        .post(&subscription.url)
        .header("X-Max-Bot-Api-Secret", &subscription.secret)
        .json(update)
        .send()
        .await
        .ok()?;
    Some(response.status().as_u16())
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({ "code": code, "message": message }))).into_response()
}

async fn api(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    // The current clients send the token as the Authorization header; the schema's older
    // `access_token` parameter is accepted too.
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| query.get("access_token").cloned());
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    lock(&inner.calls).push(Call {
        method: method.clone(),
        path: path.clone(),
        token: token.clone(),
        query: query.clone(),
        body: body.clone(),
        at: Instant::now(),
    });
    let known = token
        .as_ref()
        .and_then(|t| lock(&inner.bots).get(t).copied());
    let (Some(token), Some(bot_id)) = (token, known) else {
        // `examples/error.invalid-token.json`
        return error(
            StatusCode::UNAUTHORIZED,
            "verify.token",
            "Invalid access_token",
        );
    };
    let script = lock(&inner.scripts)
        .get_mut(&path)
        .and_then(VecDeque::pop_front);
    match script {
        Some(Script::RateLimited(retry_after)) => {
            let mut response = error(
                StatusCode::TOO_MANY_REQUESTS,
                "too.many.requests",
                "Too many requests",
            );
            if let Some(seconds) = retry_after
                && let Ok(value) = seconds.to_string().parse()
            {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            return response;
        }
        Some(Script::AttachmentNotReady) => {
            return error(StatusCode::BAD_REQUEST, "attachment.not.ready", "");
        }
        Some(Script::Denied) => {
            return error(
                StatusCode::FORBIDDEN,
                "chat.denied",
                "Key: error.dialog.suspended",
            );
        }
        Some(Script::Unavailable) => {
            return error(
                StatusCode::SERVICE_UNAVAILABLE,
                "service.unavailable",
                "Service unavailable",
            );
        }
        Some(Script::Delay(delay)) => tokio::time::sleep(delay).await,
        None => {}
    }
    match (method.as_str(), path.as_str()) {
        ("GET", "/me") => Json(json!({
            "user_id": bot_id, "first_name": "Магазин", "username": format!("shop{bot_id}_bot"),
            "is_bot": true, "last_activity_time": now_ms(), "name": "Магазин",
        }))
        .into_response(),
        ("POST", "/subscriptions") => {
            let (Some(url), Some(secret)) = (body["url"].as_str(), body["secret"].as_str()) else {
                return error(
                    StatusCode::BAD_REQUEST,
                    "proto.payload",
                    "url and secret required",
                );
            };
            let valid = (5..=256).contains(&secret.len())
                && secret
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            if !valid {
                return error(
                    StatusCode::BAD_REQUEST,
                    "proto.payload",
                    "secret: 5-256 of [A-Za-z0-9_-]",
                );
            }
            let update_types = body["update_types"]
                .as_array()
                .map(|types| {
                    types
                        .iter()
                        .filter_map(|t| t.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default();
            let mut subscriptions = lock(&inner.subscriptions);
            let subs = subscriptions.entry(token).or_default();
            subs.retain(|s| s.url != url);
            subs.push(Subscription {
                url: url.to_owned(),
                secret: secret.to_owned(),
                update_types,
            });
            Json(json!({ "success": true })).into_response()
        }
        ("DELETE", "/subscriptions") => {
            let Some(url) = query.get("url") else {
                return error(StatusCode::BAD_REQUEST, "proto.payload", "url required");
            };
            if let Some(subs) = lock(&inner.subscriptions).get_mut(&token) {
                subs.retain(|s| &s.url != url);
            }
            Json(json!({ "success": true })).into_response()
        }
        ("GET", "/subscriptions") => {
            let subs: Vec<Value> = lock(&inner.subscriptions)
                .get(&token)
                .map(|subs| {
                    subs.iter()
                        .map(|s| json!({"url": s.url, "time": now_ms(), "update_types": s.update_types, "version": "0.0.30"}))
                        .collect()
                })
                .unwrap_or_default();
            Json(json!({ "subscriptions": subs })).into_response()
        }
        ("POST", "/messages") => send(&inner, token, bot_id, &query, &body),
        ("POST", "/answers") => {
            if query
                .get("callback_id")
                .is_none_or(|id| id.trim().is_empty())
            {
                return error(
                    StatusCode::BAD_REQUEST,
                    "proto.payload",
                    "callback_id required",
                );
            }
            Json(json!({ "success": true })).into_response()
        }
        _ => error(StatusCode::NOT_FOUND, "not.found", "Method not found"),
    }
}

fn send(
    inner: &Inner,
    token: String,
    bot_id: i64,
    query: &HashMap<String, String>,
    body: &Value,
) -> Response {
    let chat_id = query.get("chat_id").and_then(|v| v.parse::<i64>().ok());
    let user_id = query.get("user_id").and_then(|v| v.parse::<i64>().ok());
    if chat_id.is_none() && user_id.is_none() {
        return error(
            StatusCode::BAD_REQUEST,
            "proto.payload",
            "chat_id or user_id required",
        );
    }
    let text = body["text"].as_str().unwrap_or_default().to_owned();
    if text.chars().count() > 4000 {
        return error(
            StatusCode::BAD_REQUEST,
            "proto.payload",
            "text: size must be between 0 and 4000",
        );
    }
    let format = body["format"].as_str().map(str::to_owned);
    let shown = match format.as_deref() {
        Some("markdown") => render_markdown(&text),
        _ => text.clone(),
    };
    let mut buttons = Vec::new();
    for attachment in body["attachments"].as_array().into_iter().flatten() {
        if attachment["type"] != "inline_keyboard" {
            continue;
        }
        for row in attachment["payload"]["buttons"]
            .as_array()
            .into_iter()
            .flatten()
        {
            for button in row.as_array().into_iter().flatten() {
                let label = button["text"].as_str().unwrap_or_default();
                if label.is_empty() || label.chars().count() > 128 {
                    return error(
                        StatusCode::BAD_REQUEST,
                        "proto.payload",
                        "button text: 1-128",
                    );
                }
                buttons.push((
                    label.to_owned(),
                    button["payload"].as_str().unwrap_or_default().to_owned(),
                ));
            }
        }
    }
    let mid = format!("mid.{:032x}", inner.next_id.fetch_add(1, Ordering::SeqCst));
    lock(&inner.timeline).push(json!({
        "from": "bot", "text": shown,
        "buttons": buttons.iter().map(|(t, p)| json!({"text": t, "payload": p})).collect::<Vec<_>>(),
    }));
    lock(&inner.sent).push(Sent {
        token,
        chat_id,
        user_id,
        mid: mid.clone(),
        text: text.clone(),
        format,
        shown,
        buttons,
        at: Instant::now(),
    });
    Json(json!({ "message": {
        "recipient": {"chat_id": chat_id, "chat_type": "dialog", "user_id": user_id},
        "timestamp": now_ms(),
        "body": {"mid": mid, "seq": 1, "text": text},
        "sender": {"user_id": bot_id, "first_name": "Магазин", "is_bot": true},
    }}))
    .into_response()
}

/// What a shopper reads of MAX Markdown: escapes resolved, every unescaped markup character of
/// the dialect dropped (stricter than MAX, which keeps an unpaired one), links as their text,
/// and a leading `#`/`>` removed. A reply that was not escaped right reads differently here.
pub fn render_markdown(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut line_start = true;
    let mut link_text = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    out.push(next);
                }
                line_start = false;
                continue;
            }
            '*' | '_' | '~' | '+' | '^' | '`' => {}
            '[' => link_text = true,
            ']' if link_text => {
                link_text = false;
                if chars.peek() == Some(&'(') {
                    for skipped in chars.by_ref() {
                        if skipped == ')' {
                            break;
                        }
                    }
                }
            }
            '#' | '>' if line_start => {
                if chars.peek() == Some(&' ') {
                    chars.next();
                }
            }
            other => out.push(other),
        }
        line_start = c == '\n' || (line_start && c == ' ');
    }
    out
}

/// A page where a person writes to the demo bots as a shopper and watches the answers.
mod watch {
    use super::*;

    pub async fn page() -> Html<String> {
        Html(
            include_str!("watch/messenger.html")
                .replace("{{TITLE}}", "MAX")
                .replace("{{ACCENT}}", "#7b45f0")
                .replace("{{START}}", "Начать"),
        )
    }

    /// The page's dialog so far, and whether a bot is connected.
    pub async fn state(State(inner): State<Arc<Inner>>) -> Json<Value> {
        let connected = !lock(&inner.subscriptions).is_empty();
        let timeline = lock(&inner.timeline).clone();
        Json(json!({ "connected": connected, "timeline": timeline }))
    }

    /// `{"text"}` or `{"payload"}` from the page's shopper, delivered to the first subscribed bot.
    pub async fn say(State(inner): State<Arc<Inner>>, Json(body): Json<Value>) -> Response {
        let Some(token) = lock(&inner.subscriptions).keys().next().cloned() else {
            return (StatusCode::CONFLICT, "no bot is subscribed yet").into_response();
        };
        let bot_id = lock(&inner.bots).get(&token).copied().unwrap_or(0);
        let shopper = Shopper::new(777, "Покупатель");
        let update = if let Some(payload) = body["payload"].as_str() {
            let callback_id = format!("cb{:x}", inner.next_id.fetch_add(1, Ordering::SeqCst));
            lock(&inner.timeline)
                .push(json!({"from": "shopper", "text": body["text"].as_str().unwrap_or(payload)}));
            json!({"update_type": "message_callback", "timestamp": now_ms(),
                   "callback": {"timestamp": now_ms(), "callback_id": callback_id, "payload": payload, "user": shopper.user()},
                   "message": {"recipient": {"chat_id": shopper.chat_id, "chat_type": "dialog", "user_id": shopper.user_id},
                               "timestamp": now_ms(), "body": {"mid": "mid.keyboard", "seq": 1, "text": ""},
                               "sender": {"user_id": bot_id, "first_name": "Магазин", "is_bot": true}},
                   "user_locale": "ru"})
        } else if body["start"].as_bool() == Some(true) {
            lock(&inner.timeline).push(json!({"from": "event", "text": "Вы нажали «Начать»"}));
            json!({"update_type": "bot_started", "timestamp": now_ms(), "chat_id": shopper.chat_id,
                   "user": shopper.user(), "user_locale": "ru"})
        } else {
            let text = body["text"].as_str().unwrap_or_default();
            lock(&inner.timeline).push(json!({"from": "shopper", "text": text}));
            let mid = format!("mid.{:032x}", inner.next_id.fetch_add(1, Ordering::SeqCst));
            message_created(bot_id, &shopper, &mid, text)
        };
        match deliver(&inner, &token, &update).await {
            Some(status) => {
                (StatusCode::OK, Json(json!({ "webhook_status": status }))).into_response()
            }
            None => (StatusCode::BAD_GATEWAY, "the webhook did not answer").into_response(),
        }
    }
}
