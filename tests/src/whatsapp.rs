//! A fake WhatsApp Cloud API (`messengers/whatsapp/business-messaging-api_v23.0.yaml`) under
//! `/{version}`: `GET /{Phone-Number-ID}` (`PhoneNumberInfo`) and `POST
//! /{Phone-Number-ID}/messages` with the Graph error envelope (`{"error": {"message", "type",
//! "code", "error_subcode", "error_data", "fbtrace_id"}}`) and Bearer tokens. It also plays
//! Meta's side of the webhook: [`FakeWhatsApp::verify`] makes the verification request and
//! [`FakeWhatsApp::deliver`] posts a payload signed with the app secret as Meta does — over the
//! escaped-unicode form of the body (`\uXXXX` for every non-ASCII UTF-16 unit, lowercase hex),
//! while the body itself carries raw UTF-8.

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
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// The Graph API version the fake serves (`OTKLIK_WHATSAPP_API_URL` ends with it).
pub const VERSION: &str = "v23.0";

/// A message the business sent, as the shopper's phone got it.
#[derive(Debug, Clone)]
pub struct Sent {
    pub phone_number_id: String,
    pub to: String,
    pub body: String,
    pub wamid: String,
    pub at: Instant,
}

/// How to answer the next send instead of succeeding: an HTTP status and a Graph error code
/// (130429 with 429, 131047, 131026, 131056, 190 with 401 …).
#[derive(Debug, Clone, Copy)]
pub struct Script {
    pub status: u16,
    pub code: i64,
}

#[derive(Debug, Clone)]
struct Number {
    token: String,
    display: String,
    verified_name: String,
}

#[derive(Default)]
struct Inner {
    numbers: Mutex<HashMap<String, Number>>,
    sent: Mutex<Vec<Sent>>,
    scripts: Mutex<VecDeque<Script>>,
    lookups: Mutex<Vec<(String, Option<String>)>>,
    next_id: AtomicI64,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

#[derive(Clone)]
pub struct FakeWhatsApp {
    addr: SocketAddr,
    inner: Arc<Inner>,
    http: reqwest::Client,
}

impl FakeWhatsApp {
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            next_id: AtomicI64::new(1),
            ..Inner::default()
        });
        let app = Router::new()
            .route("/{version}/{id}", get(phone_number))
            .route("/{version}/{id}/messages", post(messages))
            .with_state(inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self {
            addr,
            inner,
            http: reqwest::Client::new(),
        })
    }

    /// The base URL to configure as `OTKLIK_WHATSAPP_API_URL`, version included.
    pub fn url(&self) -> String {
        format!("http://{}/{VERSION}", self.addr)
    }

    /// A business number that `token` may use.
    pub fn add_number(
        &self,
        phone_number_id: &str,
        display: &str,
        verified_name: &str,
        token: &str,
    ) {
        lock(&self.inner.numbers).insert(
            phone_number_id.to_owned(),
            Number {
                token: token.to_owned(),
                display: display.to_owned(),
                verified_name: verified_name.to_owned(),
            },
        );
    }

    /// The next sends answer these errors, in order.
    pub fn script(&self, script: Script) {
        lock(&self.inner.scripts).push_back(script);
    }

    /// Messages that reached shoppers, oldest first.
    pub fn sent(&self) -> Vec<Sent> {
        lock(&self.inner.sent).clone()
    }

    /// `(phone_number_id, bearer token)` of every `GET /{Phone-Number-ID}`.
    pub fn lookups(&self) -> Vec<(String, Option<String>)> {
        lock(&self.inner.lookups).clone()
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

    /// Meta's verification request to `hook`: `(status, body)`.
    pub async fn verify(
        &self,
        hook: &str,
        mode: &str,
        verify_token: &str,
        challenge: &str,
    ) -> (u16, String) {
        let response = self
            .http
            .get(hook)
            .query(&[
                ("hub.mode", mode),
                ("hub.verify_token", verify_token),
                ("hub.challenge", challenge),
            ])
            .send()
            .await;
        match response {
            Ok(response) => {
                let status = response.status().as_u16();
                (status, response.text().await.unwrap_or_default())
            }
            Err(_) => (0, String::new()),
        }
    }

    /// Posts `payload` to `hook` as Meta does, signed with `app_secret`; the HTTP status.
    pub async fn deliver(&self, hook: &str, app_secret: &str, payload: &Value) -> u16 {
        let body = payload.to_string();
        let signature = sign(app_secret.as_bytes(), escape_unicode(&body).as_bytes());
        self.post(hook, body.into_bytes(), Some(signature)).await
    }

    /// Posts raw bytes with the given signature header (or none): for forged requests.
    pub async fn post(&self, hook: &str, body: Vec<u8>, signature: Option<String>) -> u16 {
        let mut request = self
            .http
            .post(hook)
            .header(header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(signature) = signature {
            request = request.header("x-hub-signature-256", signature);
        }
        request
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    }
}

/// `sha256=<hex>` of `body` under `key`.
pub fn sign(key: &[u8], body: &[u8]) -> String {
    let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(key) else {
        unreachable!("HMAC accepts keys of any length")
    };
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// What Meta signs: every character outside ASCII as `\uXXXX` per UTF-16 unit.
fn escape_unicode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// A webhook payload of `value` (`messages`/`statuses`/`contacts`) for `number`.
pub fn payload(number: &str, display: &str, value: Value) -> Value {
    let mut value = value;
    value["messaging_product"] = json!("whatsapp");
    value["metadata"] = json!({ "display_phone_number": display, "phone_number_id": number });
    json!({
        "object": "whatsapp_business_account",
        "entry": [{ "id": "102290129340398", "changes": [{ "field": "messages", "value": value }] }],
    })
}

/// A shopper's message of `kind` with its `content` (`{"body": …}` for text, …).
pub fn message(
    number: &str,
    display: &str,
    shopper: (&str, &str),
    wamid: &str,
    kind: &str,
    content: Value,
) -> Value {
    let (wa_id, name) = shopper;
    let mut message = json!({
        "from": wa_id, "id": wamid, "timestamp": "1749416383", "type": kind,
    });
    message[kind] = content;
    payload(
        number,
        display,
        json!({
            "contacts": [{ "profile": { "name": name }, "wa_id": wa_id }],
            "messages": [message],
        }),
    )
}

/// A status of a message the business sent; `error` is a code for `failed`.
pub fn status(
    number: &str,
    display: &str,
    wamid: &str,
    state: &str,
    recipient: &str,
    error: Option<i64>,
) -> Value {
    let mut status = json!({
        "id": wamid, "status": state, "timestamp": "1749416600", "recipient_id": recipient,
        "pricing": { "billable": false, "pricing_model": "PMP", "category": "service", "type": "free_customer_service" },
    });
    if let Some(code) = error {
        status["errors"] = json!([{ "code": code, "title": "Error", "message": "Error",
            "error_data": { "details": "Message failed to send." },
            "href": "https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes/" }]);
    }
    payload(number, display, json!({ "statuses": [status] }))
}

fn graph_error(status: StatusCode, code: i64, subcode: Option<i64>, message: &str) -> Response {
    let mut error = json!({
        "message": message, "type": "OAuthException", "code": code,
        "error_data": { "messaging_product": "whatsapp", "details": message },
        "fbtrace_id": "Az8or2yhqkZfEZ-_4Qn_Bam",
    });
    if let Some(subcode) = subcode {
        error["error_subcode"] = json!(subcode);
    }
    (status, Json(json!({ "error": error }))).into_response()
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::to_owned)
}

/// Graph's refusal: the HTTP status, the error code and subcode, the message.
type Refusal = (StatusCode, i64, Option<i64>, &'static str);

/// The number `id` if `headers` carry a token that may use it, or Graph's refusal.
fn authorised(inner: &Inner, id: &str, headers: &HeaderMap) -> Result<Number, Refusal> {
    let Some(token) = bearer(headers) else {
        return Err((
            StatusCode::UNAUTHORIZED,
            104,
            None,
            "An access token is required to request this resource",
        ));
    };
    let numbers = lock(&inner.numbers);
    if !numbers.values().any(|n| n.token == token) {
        return Err((
            StatusCode::UNAUTHORIZED,
            190,
            Some(463),
            "Invalid OAuth access token",
        ));
    }
    if !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err((
            StatusCode::BAD_REQUEST,
            100,
            None,
            "Invalid phone number ID format. Must be numeric.",
        ));
    }
    match numbers.get(id) {
        None => Err((StatusCode::NOT_FOUND, 803, None, "Phone number not found")),
        Some(number) if number.token != token => Err((
            StatusCode::FORBIDDEN,
            200,
            Some(1_349_174),
            "Your app doesn't have permission to access this phone number",
        )),
        Some(number) => Ok(number.clone()),
    }
}

async fn phone_number(
    State(inner): State<Arc<Inner>>,
    Path((version, id)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    lock(&inner.lookups).push((id.clone(), bearer(&headers)));
    if version != VERSION {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "Unknown path components",
        );
    }
    match authorised(&inner, &id, &headers) {
        Ok(number) => Json(json!({
            "id": id, "display_phone_number": number.display,
            "verified_name": number.verified_name, "quality_rating": "GREEN",
        }))
        .into_response(),
        Err((status, code, subcode, message)) => graph_error(status, code, subcode, message),
    }
}

async fn messages(
    State(inner): State<Arc<Inner>>,
    Path((version, id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if version != VERSION {
        return graph_error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            "Unknown path components",
        );
    }
    if let Err((status, code, subcode, message)) = authorised(&inner, &id, &headers) {
        return graph_error(status, code, subcode, message);
    }
    let invalid = |what: &str| {
        graph_error(
            StatusCode::BAD_REQUEST,
            100,
            None,
            &format!("(#100) Invalid parameter: {what}"),
        )
    };
    let Ok(message) = serde_json::from_slice::<Value>(&body) else {
        return invalid("the body is not JSON");
    };
    if message["messaging_product"] != "whatsapp" {
        return invalid("messaging_product must be whatsapp");
    }
    let Some(to) = message["to"].as_str().filter(|to| !to.is_empty()) else {
        return invalid("to");
    };
    if message["type"] != "text" {
        return invalid("only text messages are served by this fake");
    }
    let Some(text) = message["text"]["body"].as_str() else {
        return invalid("text.body");
    };
    if text.trim().is_empty() || text.chars().count() > 4096 {
        return invalid("text.body must be 1 to 4096 characters");
    }
    if let Some(script) = lock(&inner.scripts).pop_front() {
        let status = StatusCode::from_u16(script.status).unwrap_or(StatusCode::BAD_REQUEST);
        return graph_error(status, script.code, None, "scripted error");
    }
    let n = inner.next_id.fetch_add(1, Ordering::Relaxed);
    let wamid = format!("wamid.HBgLFAKE{n:012}");
    lock(&inner.sent).push(Sent {
        phone_number_id: id,
        to: to.to_owned(),
        body: text.to_owned(),
        wamid: wamid.clone(),
        at: Instant::now(),
    });
    Json(json!({
        "messaging_product": "whatsapp",
        "contacts": [{ "input": to, "wa_id": to }],
        "messages": [{ "id": wamid, "message_status": "accepted" }],
    }))
    .into_response()
}
