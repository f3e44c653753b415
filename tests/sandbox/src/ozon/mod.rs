//! The Ozon Seller API sandbox: `Client-Id` + `Api-Key` auth, key roles, one 50 rps bucket
//! per Client-Id, and gRPC-status (`rpcStatus`) error bodies everywhere.

mod chats;
mod postings;
mod products;
mod public;
mod returns;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::faults::Faults;
use crate::ratelimit::{Limiter, Quota, Verdict};
use crate::seller::{
    Answered, Author, Marketplace, OzonBuyerMessage, ReturnStage, SandboxChatMessage, SandboxOrder,
    SandboxOzonQuestion, SandboxOzonReview, SandboxProduct, SandboxReturn, Seller,
};
use crate::server::Running;
use crate::traffic::Traffic;
use crate::voices::ReviewVoice;

/// Every method the sandbox serves (what the default Admin role grants).
pub const OZON_METHODS: &[&str] = &[
    "/v4/posting/fbs/list",
    "/v3/posting/fbo/list",
    "/v3/posting/fbs/get",
    "/v3/product/list",
    "/v3/product/info/list",
    "/v4/product/info/stocks",
    "/v1/returns/list",
    "/v1/roles",
    "/v3/chat/list",
    "/v3/chat/history",
    "/v1/chat/send/message",
    "/v2/chat/read",
    "/v1/question/list",
    "/v1/question/info",
    "/v1/question/answer/create",
    "/v1/question/answer/list",
    "/v2/review/list",
    "/v2/review/info",
    "/v1/review/comment/create",
    "/v1/review/comment/list",
];

/// A role of the API key, as `/v1/roles` reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OzonRole {
    pub name: String,
    /// Method paths the role grants.
    pub methods: Vec<String>,
}

impl OzonRole {
    /// The Admin role: every served method.
    pub fn admin() -> Self {
        Self {
            name: "Admin".to_owned(),
            methods: OZON_METHODS
                .iter()
                .map(|&method| method.to_owned())
                .collect(),
        }
    }
}

/// How the Ozon sandbox behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct OzonOptions {
    /// Enforce the per-Client-Id bucket.
    pub limits: bool,
    /// Requests per second (and burst) per Client-Id; Ozon's is 50.
    pub rps: u32,
    /// Answer the posting lists in their retired shapes (v3 FBS: `{"result":{"postings",
    /// "has_next"}}`, v2 FBO: `{"result":[…]}`, product price as a string plus
    /// `currency_code`), as an API that changed under the client would.
    pub legacy_shapes: bool,
    /// Roles of the key; methods outside them answer 403.
    pub roles: Vec<OzonRole>,
    /// `expires_at` of `/v1/roles`; `None`: 180 days after start.
    pub key_expires_at: Option<DateTime<Utc>>,
    /// Serve the chats' 2025 enum spellings (`Buyer_Seller`, `Seller_Support`, `Opened`,
    /// `Closed`, `user.type` `customer`), which clients must match case-insensitively.
    pub legacy_chat_enums: bool,
    /// The seller has Premium Plus / Pro: without it sending a chat message, marking a chat
    /// read and every question method answer 403 `not available with existing subscription`.
    pub premium: bool,
    /// The seller has «Управление отзывами» (or Premium Pro): without it every review method
    /// answers that 403.
    pub review_management: bool,
}

impl Default for OzonOptions {
    fn default() -> Self {
        Self {
            limits: true,
            rps: 50,
            legacy_shapes: false,
            roles: vec![OzonRole::admin()],
            key_expires_at: None,
            legacy_chat_enums: false,
            premium: true,
            review_management: true,
        }
    }
}

impl OzonOptions {
    /// No rate limit: for benchmarks and load tests.
    pub fn unlimited() -> Self {
        Self {
            limits: false,
            ..Self::default()
        }
    }
}

pub(crate) struct OzonApp {
    seller: Seller,
    options: OzonOptions,
    key_expires_at: DateTime<Utc>,
    client_id: String,
    api_key: String,
    faults: Faults,
    traffic: Traffic,
    limiter: Limiter,
}

type AppState = State<Arc<OzonApp>>;

/// A running Ozon sandbox; clones share the server, which stops when the last clone drops.
#[derive(Clone)]
pub struct OzonSandbox {
    app: Arc<OzonApp>,
    running: Arc<Running>,
}

fn family(path: &str) -> &'static str {
    if path.contains("/posting/") {
        "posting"
    } else if path.contains("/product/") {
        "product"
    } else if path.contains("/returns/") {
        "returns"
    } else if path == "/v1/roles" {
        "roles"
    } else if path.contains("/chat/") {
        "chat"
    } else if path.contains("/question/") {
        "question"
    } else if path.contains("/review/") {
        "review"
    } else {
        "other"
    }
}

impl OzonSandbox {
    /// Serves `seller` on a free loopback port.
    pub async fn start(seller: Seller, options: OzonOptions) -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0", seller, options).await
    }

    /// Serves `seller` on `addr` (e.g. `127.0.0.1:8092`).
    pub async fn start_on(
        addr: &str,
        seller: Seller,
        options: OzonOptions,
    ) -> std::io::Result<Self> {
        let key: u128 = rand::random();
        let hex = format!("{key:032x}");
        let app = Arc::new(OzonApp {
            seller,
            key_expires_at: options
                .key_expires_at
                .unwrap_or_else(|| Utc::now() + chrono::Duration::days(180)),
            options,
            client_id: (100_000 + rand::random::<u32>() % 3_900_000).to_string(),
            api_key: format!(
                "{}-{}-{}-{}-{}",
                &hex[..8],
                &hex[8..12],
                &hex[12..16],
                &hex[16..20],
                &hex[20..]
            ),
            faults: Faults::default(),
            traffic: Traffic::default(),
            limiter: Limiter::default(),
        });
        let router = Router::new()
            .route("/v4/posting/fbs/list", post(postings::fbs_list))
            .route("/v3/posting/fbo/list", post(postings::fbo_list))
            .route("/v3/posting/fbs/get", post(postings::fbs_get))
            .route("/v3/product/list", post(products::list))
            .route("/v3/product/info/list", post(products::info_list))
            .route("/v4/product/info/stocks", post(products::stocks))
            .route("/v1/returns/list", post(returns::list))
            .route("/v1/roles", post(roles))
            .route("/v3/chat/list", post(chats::list))
            .route("/v3/chat/history", post(chats::history))
            .route("/v1/chat/send/message", post(chats::send))
            .route("/v2/chat/read", post(chats::read))
            .route("/v1/question/list", post(public::question_list))
            .route("/v1/question/info", post(public::question_info))
            .route("/v1/question/answer/create", post(public::answer_create))
            .route("/v1/question/answer/list", post(public::answer_list))
            .route("/v2/review/list", post(public::review_list))
            .route("/v2/review/info", post(public::review_info))
            .route("/v1/review/comment/create", post(public::comment_create))
            .route("/v1/review/comment/list", post(public::comment_list))
            .fallback(not_found)
            .layer(middleware::from_fn_with_state(app.clone(), gate))
            .with_state(app.clone());
        let running = Running::start(addr, router).await?;
        Ok(Self {
            app,
            running: Arc::new(running),
        })
    }

    /// `http://127.0.0.1:<port>`: stands for `https://api-seller.ozon.ru`.
    pub fn base_url(&self) -> String {
        self.running.base_url()
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.running.addr
    }

    /// The `Client-Id` header value.
    pub fn client_id(&self) -> &str {
        &self.app.client_id
    }

    /// The `Api-Key` header value.
    pub fn api_key(&self) -> &str {
        &self.app.api_key
    }

    /// The seller behind the server (shared with any other sandbox started on it).
    pub fn seller(&self) -> &Seller {
        &self.app.seller
    }

    /// Runtime fault switches.
    pub fn faults(&self) -> &Faults {
        &self.app.faults
    }

    /// Request counters.
    pub fn traffic(&self) -> &Traffic {
        &self.app.traffic
    }

    /// 429s the sandbox's own limiter produced.
    pub fn limited(&self) -> u64 {
        self.app.traffic.limited()
    }

    /// Ozon postings as served now (with [`Faults::unknown_statuses`] applied).
    pub fn orders(&self) -> Vec<SandboxOrder> {
        let mut orders = self.app.seller.orders(Marketplace::Ozon);
        for order in &mut orders {
            order.status = self.app.faults.status(&order.status).to_owned();
            order.substatus = order
                .substatus
                .as_deref()
                .map(|value| self.app.faults.status(value).to_owned());
        }
        orders
    }

    /// Ozon items.
    pub fn products(&self) -> Vec<SandboxProduct> {
        self.app.seller.products(Marketplace::Ozon)
    }

    /// See [`Seller::advance`].
    pub fn advance(&self, n: usize) -> Vec<String> {
        self.app.seller.advance(Marketplace::Ozon, n)
    }

    /// See [`Seller::add_orders`].
    pub fn add_orders(&self, n: usize) -> Vec<String> {
        self.app.seller.add_orders(Marketplace::Ozon, n)
    }

    /// See [`Seller::set_status`].
    pub fn set_status(&self, external_id: &str, status: &str, substatus: Option<&str>) -> bool {
        self.app
            .seller
            .set_status(Marketplace::Ozon, external_id, status, substatus)
    }

    /// A shopper writes in a chat now (unread until the seller reads or answers). `None` (or
    /// an unknown id) opens a `BUYER_SELLER` chat; `posting_number` gives a new chat its
    /// `context` (`order_number`, `sku`).
    pub fn buyer_writes(
        &self,
        chat: Option<&str>,
        posting_number: Option<&str>,
        text: &str,
    ) -> OzonBuyerMessage {
        self.app
            .seller
            .ozon_buyer_writes(chat, posting_number, text)
    }

    /// Messages of a chat, oldest first (empty for an unknown chat).
    pub fn chat_messages(&self, chat_id: &str) -> Vec<SandboxChatMessage> {
        self.app.seller.chat_messages(Marketplace::Ozon, chat_id)
    }

    /// The seller writes in a chat from Ozon's own cabinet (not through the API): the message
    /// joins the history and reads the chat. Returns its id, `None` for an unknown chat.
    pub fn seller_writes(&self, chat_id: &str, text: &str) -> Option<String> {
        let mut data = self.app.seller.write();
        data.ozon_chat(chat_id)?;
        Some(
            data.ozon_writes(Some(chat_id), None, Author::Seller, text, Utc::now())
                .message_id,
        )
    }

    /// A shopper asks a question on `sku` now; returns its id.
    pub fn ask_question(&self, sku: i64, text: &str) -> String {
        self.app
            .seller
            .ask_ozon_question(u64::try_from(sku).unwrap_or(0), text)
    }

    /// A shopper leaves `voice` (Ozon has no pros and cons: its text) as a review of the
    /// `n`-th product it fits; returns the review's id and the SKU, `None` when none fits.
    pub fn leave_voice(&self, voice: &ReviewVoice, n: usize) -> Option<(String, i64)> {
        let sku = i64::try_from(self.app.seller.ozon_sku_for(voice, n)?).ok()?;
        Some((self.leave_review(sku, &voice.text, voice.stars), sku))
    }

    /// A shopper leaves a review of `sku` (1..5 stars) now; returns its id.
    pub fn leave_review(&self, sku: i64, text: &str, rating: u8) -> String {
        self.app
            .seller
            .leave_ozon_review(u64::try_from(sku).unwrap_or(0), text, rating)
    }

    /// The seller answers a question in Ozon's cabinet: the answer is published and the
    /// question processed. `false` for an unknown id.
    pub fn seller_answers_question(&self, id: &str, text: &str) -> bool {
        let answered = self
            .app
            .seller
            .write()
            .answer_ozon_question(id, None, text, Utc::now());
        matches!(answered, Answered::Done(_))
    }

    /// The seller comments on a review in Ozon's cabinet and it becomes processed.
    pub fn seller_comments_review(&self, id: &str, text: &str) -> bool {
        let answered = self
            .app
            .seller
            .write()
            .comment_ozon_review(id, text, true, Utc::now());
        matches!(answered, Answered::Done(_))
    }

    /// Questions, oldest first, with the seller's answers.
    pub fn questions(&self) -> Vec<SandboxOzonQuestion> {
        self.app.seller.ozon_questions()
    }

    /// Reviews, oldest first, with the seller's comments.
    pub fn reviews(&self) -> Vec<SandboxOzonReview> {
        self.app.seller.ozon_reviews()
    }

    /// Every return.
    pub fn returns(&self) -> Vec<SandboxReturn> {
        self.app.seller.returns(Marketplace::Ozon)
    }

    /// A shopper returns the posting now; returns the return's id (`None` for an unknown
    /// posting).
    pub fn open_return(&self, posting_number: &str) -> Option<String> {
        self.app
            .seller
            .open_return(Marketplace::Ozon, posting_number)
    }

    /// See [`Seller::decide_return`].
    pub fn decide_return(&self, return_id: &str, stage: ReturnStage) -> bool {
        self.app
            .seller
            .decide_return(Marketplace::Ozon, return_id, stage)
    }
}

/// An Ozon error: the `rpcStatus` body (`code` is the gRPC status code) with its HTTP status.
pub(crate) struct RpcError {
    status: StatusCode,
    code: i32,
    message: String,
}

impl RpcError {
    fn new(status: StatusCode, code: i32, message: &str) -> Self {
        Self {
            status,
            code,
            message: message.to_owned(),
        }
    }

    /// The body Ozon sends with each status (gRPC code ↔ HTTP status).
    fn for_status(status: StatusCode) -> Self {
        let (code, message) = match status {
            StatusCode::TOO_MANY_REQUESTS => (8, RATE_LIMITED),
            StatusCode::UNAUTHORIZED => (16, INVALID_KEY),
            StatusCode::SERVICE_UNAVAILABLE => (14, "Circle is open"),
            StatusCode::INTERNAL_SERVER_ERROR => (13, "Internal error"),
            StatusCode::FORBIDDEN => (7, "Api-Key is missing a required role for a method"),
            StatusCode::NOT_FOUND => (5, "Not found"),
            StatusCode::BAD_REQUEST => (3, "Invalid request"),
            _ => (2, "Unknown error"),
        };
        Self::new(status, code, message)
    }
}

impl IntoResponse for RpcError {
    fn into_response(self) -> Response {
        let body = json!({"code": self.code, "message": self.message, "details": []});
        (self.status, axum::Json(body)).into_response()
    }
}

const RATE_LIMITED: &str = "You have reached request rate limit per second";
const INVALID_KEY: &str = "Invalid Api-Key, please check the key and try again";

fn bad_request(message: &str) -> RpcError {
    RpcError::new(StatusCode::BAD_REQUEST, 3, message)
}

impl OzonApp {
    fn authorized(&self, headers: &HeaderMap) -> bool {
        let header = |name: &str| {
            headers
                .get(name)
                .and_then(|value| value.to_str().ok())
                .map(str::trim)
        };
        header("Client-Id") == Some(self.client_id.as_str())
            && header("Api-Key") == Some(self.api_key.as_str())
    }

    fn granted(&self, path: &str) -> bool {
        path == "/v1/roles"
            || !OZON_METHODS.contains(&path)
            || self
                .options
                .roles
                .iter()
                .any(|role| role.methods.iter().any(|method| method == path))
    }
}

/// Counting, faults, auth, roles and the rate limit, before any method runs.
async fn gate(State(app): AppState, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let family = family(&path);
    app.traffic.record(&path, family);
    if let Some(delay) = app.faults.delay(&path) {
        tokio::time::sleep(delay).await;
    }
    if let Some(status) = app.faults.take_failure(&path) {
        return RpcError::for_status(status).into_response();
    }
    if !app.authorized(request.headers()) {
        return RpcError::for_status(StatusCode::UNAUTHORIZED).into_response();
    }
    if !app.granted(&path) {
        return RpcError::for_status(StatusCode::FORBIDDEN).into_response();
    }
    if app.options.limits {
        let rps = app.options.rps.max(1);
        let quota = Quota::new(rps, Duration::from_secs(1), rps, 1.0);
        if let Verdict::Limited { .. } = app.limiter.check(&app.client_id, quota, 1) {
            app.traffic.record_limited(family);
            return RpcError::for_status(StatusCode::TOO_MANY_REQUESTS).into_response();
        }
    }
    next.run(request).await
}

/// Parses a JSON body; malformed or mistyped bodies get Ozon's 400.
fn parse<T: DeserializeOwned>(body: &[u8]) -> Result<T, RpcError> {
    serde_json::from_slice(body).map_err(|error| bad_request(&format!("invalid request: {error}")))
}

/// Ozon timestamps: UTC with milliseconds.
fn timestamp(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Ids Ozon accepts as numbers or numeric strings.
fn numeric_ids(values: &[Value]) -> Result<Vec<u64>, RpcError> {
    values
        .iter()
        .map(|value| match value {
            Value::Number(number) => number.as_u64(),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        })
        .collect::<Option<Vec<u64>>>()
        .ok_or_else(|| bad_request("invalid request: ids must be integers"))
}

/// `POST /v1/roles`: the key's roles and expiry.
async fn roles(State(app): AppState) -> Response {
    let roles: Vec<Value> = app
        .options
        .roles
        .iter()
        .map(|role| json!({"name": role.name, "methods": role.methods}))
        .collect();
    axum::Json(json!({
        "expires_at": timestamp(app.key_expires_at),
        "roles": roles,
    }))
    .into_response()
}

async fn not_found() -> RpcError {
    RpcError::for_status(StatusCode::NOT_FOUND)
}
