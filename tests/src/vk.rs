//! A fake VK API for community messages (`messengers/vk/`, 5.199): `POST /method/<name>`,
//! form-encoded only (a JSON body is refused like VK does), the token as `Authorization: Bearer`
//! or `access_token`, every answer HTTP 200 with errors inside. `messages.send` requires
//! `random_id` and answers a repeated one with the first message's id without sending again.
//! It also plays the Callback API: adding a server makes it confirm the URL (`type:
//! confirmation`, expecting the community's code as plain text), and [`FakeVk::post_event`]
//! sends an event with the server's secret, expecting `ok`.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use axum::Json;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::{Value, json};

/// One method call the fake received.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub token: Option<String>,
    pub params: HashMap<String, String>,
    pub at: Instant,
}

/// A message the community sent.
#[derive(Debug, Clone)]
pub struct Sent {
    pub group_id: i64,
    pub peer_id: i64,
    pub random_id: i64,
    pub message: String,
    /// Inline keyboard buttons: `(label, payload)`.
    pub buttons: Vec<(String, String)>,
    pub id: i64,
    pub at: Instant,
}

/// How to answer the next call of a method instead of succeeding.
#[derive(Debug, Clone)]
pub enum Script {
    /// An error inside HTTP 200, such as 6, 9, 901.
    Error(i64),
    /// Succeed after this delay.
    Delay(Duration),
}

/// A callback server of a community.
#[derive(Debug, Clone)]
pub struct Server {
    pub id: i64,
    pub url: String,
    pub secret: String,
    /// `unconfigured` until confirmed, then `ok` or `failed`.
    pub status: String,
    pub events: Vec<String>,
}

#[derive(Debug, Clone)]
struct Community {
    token: String,
    code: String,
    servers: Vec<Server>,
}

#[derive(Default)]
struct Inner {
    communities: Mutex<HashMap<i64, Community>>,
    calls: Mutex<Vec<Call>>,
    sent: Mutex<Vec<Sent>>,
    scripts: Mutex<HashMap<String, VecDeque<Script>>>,
    next_id: AtomicI64,
    http: reqwest::Client,
    timeline: Mutex<Vec<Value>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Clone)]
pub struct FakeVk {
    addr: SocketAddr,
    inner: Arc<Inner>,
}

impl FakeVk {
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
            .route("/method/{name}", post(method))
            .route("/", get(watch::page))
            .route("/watch/state", get(watch::state))
            .route("/watch/say", post(watch::say))
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { addr, inner })
    }

    /// The base URL to configure as `OTKLIK_VK_API_URL`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A community whose messages `token` manages; `code` is its confirmation string.
    pub fn add_community(&self, group_id: i64, token: &str, code: &str) {
        lock(&self.inner.communities).insert(
            group_id,
            Community {
                token: token.to_owned(),
                code: code.to_owned(),
                servers: Vec::new(),
            },
        );
    }

    pub fn script(&self, method: &str, script: Script) {
        lock(&self.inner.scripts)
            .entry(method.to_owned())
            .or_default()
            .push_back(script);
    }

    pub fn calls(&self, method: &str) -> Vec<Call> {
        lock(&self.inner.calls)
            .iter()
            .filter(|call| call.method == method)
            .cloned()
            .collect()
    }

    /// Messages that reached shoppers, oldest first.
    pub fn sent(&self) -> Vec<Sent> {
        lock(&self.inner.sent).clone()
    }

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

    /// The community's callback servers.
    pub fn servers(&self, group_id: i64) -> Vec<Server> {
        lock(&self.inner.communities)
            .get(&group_id)
            .map(|c| c.servers.clone())
            .unwrap_or_default()
    }

    /// Waits until the community has a confirmed (`ok`) server.
    pub async fn wait_for_confirmed(&self, group_id: i64, timeout: Duration) -> Option<Server> {
        let deadline = Instant::now() + timeout;
        loop {
            let confirmed = self
                .servers(group_id)
                .into_iter()
                .find(|s| s.status == "ok");
            if confirmed.is_some() || Instant::now() >= deadline {
                return confirmed;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Sends a Callback API event of `kind` with `object` to the community's confirmed servers
    /// subscribed to it. Returns each server's `(status, body)`.
    pub async fn post_event(&self, group_id: i64, kind: &str, object: Value) -> Vec<(u16, String)> {
        post_event(&self.inner, group_id, kind, object).await
    }

    /// A shopper's private message to the community, as `message_new` (API 5.199).
    pub async fn shopper_writes(
        &self,
        group_id: i64,
        user_id: i64,
        text: &str,
    ) -> Vec<(u16, String)> {
        self.post_event(
            group_id,
            "message_new",
            new_message(&self.inner, user_id, text, None),
        )
        .await
    }

    /// A shopper presses a callback button whose payload is `payload` (a JSON string).
    pub async fn press(&self, group_id: i64, user_id: i64, payload: &str) -> Vec<(u16, String)> {
        let payload: Value =
            serde_json::from_str(payload).unwrap_or(Value::String(payload.to_owned()));
        let object = json!({
            "user_id": user_id, "peer_id": user_id,
            "event_id": format!("{:012x}", self.inner.next_id.fetch_add(1, Ordering::SeqCst)),
            "payload": payload, "conversation_message_id": 1,
        });
        self.post_event(group_id, "message_event", object).await
    }
}

/// The object of a `message_new` event from `user_id` in private messages.
fn new_message(inner: &Inner, user_id: i64, text: &str, payload: Option<&str>) -> Value {
    let n = inner.next_id.fetch_add(1, Ordering::SeqCst);
    let mut message = json!({
        "date": chrono::Utc::now().timestamp(), "from_id": user_id, "id": 5000 + n, "out": 0,
        "version": 10000 + n, "peer_id": user_id, "conversation_message_id": n, "text": text,
        "attachments": [], "fwd_messages": [], "important": false, "is_hidden": false,
    });
    if let Some(payload) = payload {
        message["payload"] = json!(payload);
    }
    json!({
        "message": message,
        "client_info": {"button_actions": ["text", "vkpay", "open_app", "location", "open_link",
                        "callback", "intent_subscribe", "intent_unsubscribe"],
                        "keyboard": true, "inline_keyboard": true, "carousel": true, "lang_id": 0},
    })
}

async fn post_event(inner: &Inner, group_id: i64, kind: &str, object: Value) -> Vec<(u16, String)> {
    let servers: Vec<Server> = lock(&inner.communities)
        .get(&group_id)
        .map(|c| c.servers.clone())
        .unwrap_or_default();
    let mut answers = Vec::new();
    for server in servers
        .iter()
        .filter(|s| s.status == "ok" && s.events.iter().any(|e| e == kind))
    {
        let event_id = format!("{:040x}", inner.next_id.fetch_add(1, Ordering::SeqCst));
        let body = json!({"group_id": group_id, "type": kind, "event_id": event_id, "v": "5.199",
                          "object": object, "secret": server.secret});
        answers.push(post_json(inner, &server.url, &body).await);
    }
    answers
}

async fn post_json(inner: &Inner, url: &str, body: &Value) -> (u16, String) {
    match inner.http.post(url).json(body).send().await {
        Ok(response) => {
            let status = response.status().as_u16();
            (status, response.text().await.unwrap_or_default())
        }
        Err(err) => (0, err.to_string()),
    }
}

fn error(code: i64, message: &str, params: &HashMap<String, String>) -> Response {
    let request_params: Vec<Value> = params
        .iter()
        .filter(|(k, _)| k.as_str() != "access_token")
        .map(|(k, v)| json!({"key": k, "value": v}))
        .collect();
    Json(json!({"error": {"error_code": code, "error_msg": message, "request_params": request_params}}))
        .into_response()
}

fn ok(response: Value) -> Response {
    Json(json!({ "response": response })).into_response()
}

async fn method(
    State(inner): State<Arc<Inner>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let params: HashMap<String, String> = form_urlencoded::parse(&body).into_owned().collect();
    if content_type.starts_with("application/json") {
        return error(8, "Invalid request: JSON bodies are not supported", &params);
    }
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned)
        .or_else(|| params.get("access_token").cloned());
    lock(&inner.calls).push(Call {
        method: name.clone(),
        token: token.clone(),
        params: params.clone(),
        at: Instant::now(),
    });
    if params.get("v").is_none_or(|v| v.is_empty()) {
        return error(8, "Invalid request: v is required", &params);
    }
    let Some(token) = token else {
        return error(
            5,
            "User authorization failed: no access_token passed.",
            &params,
        );
    };
    let group_id = {
        let communities = lock(&inner.communities);
        match communities.iter().find(|(_, c)| c.token == token) {
            Some((id, _)) => *id,
            None => {
                return error(
                    5,
                    "User authorization failed: invalid access_token (4).",
                    &params,
                );
            }
        }
    };
    let script = lock(&inner.scripts)
        .get_mut(&name)
        .and_then(VecDeque::pop_front);
    match script {
        Some(Script::Error(code)) => {
            let message = match code {
                6 => "Too many requests per second",
                9 => "Flood control",
                10 => "Internal server error",
                900 => "Can't send messages for users from blacklist",
                901 => "Can't send messages for users without permission",
                902 => "Can't send messages to this user due to their privacy settings",
                _ => "Error",
            };
            return error(code, message, &params);
        }
        Some(Script::Delay(delay)) => tokio::time::sleep(delay).await,
        None => {}
    }
    let asked_group = params.get("group_id").and_then(|g| g.parse::<i64>().ok());
    if name.starts_with("groups.") && asked_group != Some(group_id) {
        return error(15, "Access denied: no access to this group", &params);
    }
    match name.as_str() {
        "groups.getCallbackConfirmationCode" => {
            let code = lock(&inner.communities)
                .get(&group_id)
                .map(|c| c.code.clone())
                .unwrap_or_default();
            ok(json!({ "code": code }))
        }
        "groups.addCallbackServer" => {
            let (Some(url), Some(title)) = (params.get("url"), params.get("title")) else {
                return error(
                    100,
                    "One of the parameters specified was missing or invalid: url and title are required",
                    &params,
                );
            };
            let secret = params.get("secret_key").cloned().unwrap_or_default();
            if title.chars().count() > 14 || secret.chars().count() > 50 {
                return error(
                    100,
                    "One of the parameters specified was missing or invalid: title or secret_key too long",
                    &params,
                );
            }
            let id = inner.next_id.fetch_add(1, Ordering::SeqCst);
            let code = {
                let mut communities = lock(&inner.communities);
                let Some(community) = communities.get_mut(&group_id) else {
                    return error(15, "Access denied", &params);
                };
                if community.servers.len() >= 10 {
                    return error(2000, "Servers number limit is reached", &params);
                }
                community.servers.push(Server {
                    id,
                    url: url.clone(),
                    secret,
                    status: "unconfigured".into(),
                    events: Vec::new(),
                });
                community.code.clone()
            };
            // VK confirms the address right after it is added; a server that is not up yet is
            // asked again a few times, as a person would press «Confirm» again.
            let confirming = inner.clone();
            let url = url.clone();
            tokio::spawn(async move {
                for _ in 0..1200 {
                    let body = json!({"type": "confirmation", "group_id": group_id});
                    let (status, answer) = post_json(&confirming, &url, &body).await;
                    if status != 0 {
                        let confirmed = status == 200 && answer == code;
                        set_status(
                            &confirming,
                            group_id,
                            id,
                            if confirmed { "ok" } else { "failed" },
                        );
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                set_status(&confirming, group_id, id, "failed");
            });
            ok(json!({ "server_id": id }))
        }
        "groups.setCallbackSettings" => {
            let server_id = params.get("server_id").and_then(|s| s.parse::<i64>().ok());
            let mut communities = lock(&inner.communities);
            let Some(server) = communities
                .get_mut(&group_id)
                .and_then(|c| c.servers.iter_mut().find(|s| Some(s.id) == server_id))
            else {
                return error(104, "Not found", &params);
            };
            server.events = params
                .iter()
                .filter(|(k, v)| {
                    v.as_str() == "1" && !matches!(k.as_str(), "group_id" | "server_id")
                })
                .map(|(k, _)| k.clone())
                .collect();
            ok(json!(1))
        }
        "groups.getCallbackServers" => {
            let items: Vec<Value> = lock(&inner.communities)
                .get(&group_id)
                .map(|c| {
                    c.servers
                        .iter()
                        .map(|s| {
                            json!({"id": s.id, "title": "Otklik", "creator_id": 1, "url": s.url,
                                        "secret_key": s.secret, "status": s.status})
                        })
                        .collect()
                })
                .unwrap_or_default();
            ok(json!({ "count": items.len(), "items": items }))
        }
        "groups.deleteCallbackServer" => {
            let server_id = params.get("server_id").and_then(|s| s.parse::<i64>().ok());
            let mut communities = lock(&inner.communities);
            let Some(community) = communities.get_mut(&group_id) else {
                return error(104, "Not found", &params);
            };
            let before = community.servers.len();
            community.servers.retain(|s| Some(s.id) != server_id);
            if community.servers.len() == before {
                return error(104, "Not found", &params);
            }
            ok(json!(1))
        }
        "messages.send" => send(&inner, group_id, &params),
        "messages.sendMessageEventAnswer" => {
            for key in ["event_id", "user_id", "peer_id"] {
                if params.get(key).is_none_or(|v| v.is_empty()) {
                    return error(
                        100,
                        "One of the parameters specified was missing or invalid",
                        &params,
                    );
                }
            }
            ok(json!(1))
        }
        _ => error(3, "Unknown method passed", &params),
    }
}

fn set_status(inner: &Inner, group_id: i64, server_id: i64, status: &str) {
    if let Some(server) = lock(&inner.communities)
        .get_mut(&group_id)
        .and_then(|c| c.servers.iter_mut().find(|s| s.id == server_id))
    {
        server.status = status.to_owned();
    }
}

fn send(inner: &Inner, group_id: i64, params: &HashMap<String, String>) -> Response {
    let Some(peer_id) = params.get("peer_id").and_then(|p| p.parse::<i64>().ok()) else {
        return error(
            100,
            "One of the parameters specified was missing or invalid: peer_id",
            params,
        );
    };
    let Some(random_id) = params.get("random_id").and_then(|r| r.parse::<i64>().ok()) else {
        return error(
            100,
            "One of the parameters specified was missing or invalid: random_id is a required parameter",
            params,
        );
    };
    let message = params.get("message").cloned().unwrap_or_default();
    if message.chars().count() > 9000 {
        return error(914, "Message is too long", params);
    }
    if let Some(earlier) = lock(&inner.sent)
        .iter()
        .find(|s| s.group_id == group_id && s.random_id == random_id)
    {
        // A repeated random_id is not sent again.
        return ok(json!(earlier.id));
    }
    let mut buttons = Vec::new();
    if let Some(keyboard) = params.get("keyboard") {
        let Ok(keyboard) = serde_json::from_str::<Value>(keyboard) else {
            return error(911, "Keyboard format is invalid", params);
        };
        for row in keyboard["buttons"].as_array().into_iter().flatten() {
            for button in row.as_array().into_iter().flatten() {
                let label = button["action"]["label"].as_str().unwrap_or_default();
                let payload = button["action"]["payload"].as_str().unwrap_or_default();
                if label.chars().count() > 40 || payload.chars().count() > 255 {
                    return error(
                        911,
                        "Keyboard format is invalid: label or payload too long",
                        params,
                    );
                }
                buttons.push((label.to_owned(), payload.to_owned()));
            }
        }
    }
    let id = 100_000 + inner.next_id.fetch_add(1, Ordering::SeqCst);
    lock(&inner.timeline).push(json!({
        "from": "bot", "text": message,
        "buttons": buttons.iter().map(|(t, p)| json!({"text": t, "payload": p})).collect::<Vec<_>>(),
    }));
    lock(&inner.sent).push(Sent {
        group_id,
        peer_id,
        random_id,
        message,
        buttons,
        id,
        at: Instant::now(),
    });
    ok(json!(id))
}

/// A page where a person writes to the demo community as a shopper and watches the answers.
mod watch {
    use super::*;

    const SHOPPER: i64 = 777;

    pub async fn page() -> Html<String> {
        Html(
            include_str!("watch/messenger.html")
                .replace("{{TITLE}}", "ВКонтакте")
                .replace("{{ACCENT}}", "#0077ff")
                .replace("{{START}}", "Начать"),
        )
    }

    pub async fn state(State(inner): State<Arc<Inner>>) -> Json<Value> {
        let connected = lock(&inner.communities)
            .values()
            .any(|c| c.servers.iter().any(|s| s.status == "ok"));
        let timeline = lock(&inner.timeline).clone();
        Json(json!({ "connected": connected, "timeline": timeline }))
    }

    /// `{"text"}`, `{"payload"}` or `{"start": true}` from the page's shopper, sent to the
    /// first community with a confirmed server.
    pub async fn say(State(inner): State<Arc<Inner>>, Json(body): Json<Value>) -> Response {
        let group_id = lock(&inner.communities)
            .iter()
            .find(|(_, c)| c.servers.iter().any(|s| s.status == "ok"))
            .map(|(id, _)| *id);
        let Some(group_id) = group_id else {
            return (StatusCode::CONFLICT, "no community is connected yet").into_response();
        };
        let (kind, object) = if let Some(payload) = body["payload"].as_str() {
            lock(&inner.timeline)
                .push(json!({"from": "shopper", "text": body["text"].as_str().unwrap_or(payload)}));
            let payload: Value =
                serde_json::from_str(payload).unwrap_or(Value::String(payload.to_owned()));
            let event_id = format!("{:012x}", inner.next_id.fetch_add(1, Ordering::SeqCst));
            (
                "message_event",
                json!({"user_id": SHOPPER, "peer_id": SHOPPER, "event_id": event_id, "payload": payload}),
            )
        } else if body["start"].as_bool() == Some(true) {
            lock(&inner.timeline).push(json!({"from": "shopper", "text": "Начать"}));
            (
                "message_new",
                new_message(&inner, SHOPPER, "Начать", Some(r#"{"command":"start"}"#)),
            )
        } else {
            let text = body["text"].as_str().unwrap_or_default();
            lock(&inner.timeline).push(json!({"from": "shopper", "text": text}));
            ("message_new", new_message(&inner, SHOPPER, text, None))
        };
        let answers = post_event(&inner, group_id, kind, object).await;
        Json(json!({ "answers": answers.iter().map(|(s, b)| json!({"status": s, "body": b})).collect::<Vec<_>>() }))
            .into_response()
    }
}
