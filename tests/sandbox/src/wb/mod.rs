//! The Wildberries sandbox: one server for the content, marketplace, statistics, feedbacks
//! and buyer-chat families (a client maps every family host to its base URL), with WB's token
//! auth, per-family token buckets and the error-body shapes WB uses.

mod chat;
mod content;
mod feedbacks;
mod multipart;
mod orders;
mod returns;
mod statistics;
mod stocks;
mod token;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{DateTime, FixedOffset, Utc};
use serde::Serialize;
use serde_json::json;

use crate::faults::Faults;
use crate::ratelimit::{Limiter, Quota, Verdict};
use crate::seller::{
    BuyerMessage, Marketplace, ReturnStage, SandboxChatMessage, SandboxFeedback, SandboxOrder,
    SandboxProduct, SandboxQuestion, SandboxReturn, Seller,
};
use crate::server::Running;
use crate::traffic::Traffic;
use crate::voices::{QuestionVoice, ReviewVoice};

use token::Claims;
pub use token::{ACC_SERVICE, DEFAULT_CATEGORIES, wb_token};

/// WB counts a 4xx answer on marketplace methods as this many requests.
const BAD_REQUEST_COST: u32 = 10;

/// How the WB sandbox behaves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WbOptions {
    /// Enforce WB's per-token, per-family token buckets.
    pub limits: bool,
    /// Rows per `/api/v1/supplier/orders` answer (WB: about 80 000).
    pub page_cap: usize,
    /// Multiplies every refill rate (bursts stay as WB's): `60.0` turns statistics' 1/min
    /// into 1/s for tests that page through statistics.
    pub rate_scale: f64,
}

impl Default for WbOptions {
    fn default() -> Self {
        Self {
            limits: true,
            page_cap: 80_000,
            rate_scale: 1.0,
        }
    }
}

impl WbOptions {
    /// No rate limits: for benchmarks and load tests.
    pub fn unlimited() -> Self {
        Self {
            limits: false,
            ..Self::default()
        }
    }
}

/// WB API families: each has its own token category and bucket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Content,
    Marketplace,
    Statistics,
    /// Questions and reviews (feedbacks-api): one bucket for the whole category.
    Feedbacks,
    /// Buyer chats (buyer-chat-api).
    Chat,
    /// Shoppers' return claims (returns-api).
    Returns,
    Common,
}

impl Family {
    fn of(path: &str) -> Self {
        if path.starts_with("/content/") {
            Self::Content
        } else if path.starts_with("/api/v1/supplier/") {
            Self::Statistics
        } else if path.starts_with("/api/v3/") {
            Self::Marketplace
        } else if path.starts_with("/api/v1/question")
            || path.starts_with("/api/v1/feedback")
            || path == "/api/v1/new-feedbacks-questions"
        {
            Self::Feedbacks
        } else if path.starts_with("/api/v1/seller/") {
            Self::Chat
        } else if path.starts_with("/api/v1/claim") {
            Self::Returns
        } else {
            Self::Common
        }
    }

    fn name(self) -> &'static str {
        match self {
            Self::Content => "content",
            Self::Marketplace => "marketplace",
            Self::Statistics => "statistics",
            Self::Feedbacks => "feedbacks",
            Self::Chat => "chat",
            Self::Returns => "returns",
            Self::Common => "common",
        }
    }

    /// Token category bit the family needs.
    fn category(self) -> Option<u32> {
        match self {
            Self::Content => Some(1),
            Self::Marketplace => Some(4),
            Self::Statistics => Some(5),
            Self::Feedbacks => Some(7),
            Self::Chat => Some(9),
            Self::Returns => Some(11),
            Self::Common => None,
        }
    }

    /// Whether the request changes something, which a read-only token may not do. Only the
    /// shopper families have write methods here (the marketplace POSTs served are reads).
    fn writes(self, method: &Method) -> bool {
        matches!(self, Self::Feedbacks | Self::Chat) && method != Method::GET
    }

    /// Personal/Service limits of marketplaces.md §2.3.
    fn quota(self, options: &WbOptions) -> Option<Quota> {
        if !options.limits {
            return None;
        }
        let minute = Duration::from_secs(60);
        let scale = options.rate_scale;
        match self {
            Self::Marketplace => Some(Quota::new(300, minute, 20, scale)),
            Self::Content => Some(Quota::new(100, minute, 5, scale)),
            Self::Statistics => Some(Quota::new(1, minute, 10, scale)),
            Self::Feedbacks => Some(Quota::new(3, Duration::from_secs(1), 6, scale)),
            Self::Chat => Some(Quota::new(10, Duration::from_secs(10), 10, scale)),
            Self::Returns => Some(Quota::new(20, minute, 10, scale)),
            Self::Common => None,
        }
    }
}

pub(crate) struct WbApp {
    seller: Seller,
    options: WbOptions,
    faults: Faults,
    traffic: Traffic,
    limiter: Limiter,
    tokens: RwLock<HashMap<String, Claims>>,
}

type AppState = State<Arc<WbApp>>;

/// A running WB sandbox; clones share the server, which stops when the last clone drops.
#[derive(Clone)]
pub struct WbSandbox {
    app: Arc<WbApp>,
    running: Arc<Running>,
    token: String,
}

impl WbSandbox {
    /// Serves `seller` on a free loopback port.
    pub async fn start(seller: Seller, options: WbOptions) -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0", seller, options).await
    }

    /// Serves `seller` on `addr` (e.g. `127.0.0.1:8091`).
    pub async fn start_on(addr: &str, seller: Seller, options: WbOptions) -> std::io::Result<Self> {
        let token = wb_token(
            DEFAULT_CATEGORIES,
            false,
            ACC_SERVICE,
            Utc::now() + chrono::Duration::days(180),
        );
        let app = Arc::new(WbApp {
            seller,
            options,
            faults: Faults::default(),
            traffic: Traffic::default(),
            limiter: Limiter::default(),
            tokens: RwLock::new(HashMap::new()),
        });
        let router = Router::new()
            .route("/ping", get(ping))
            .route("/api/v3/orders/new", get(orders::new_orders))
            .route("/api/v3/orders", get(orders::orders))
            .route("/api/v3/orders/status", post(orders::statuses))
            .route("/api/v3/warehouses", get(stocks::warehouses))
            .route("/api/v3/stocks/{warehouse_id}", post(stocks::stocks))
            .route("/api/v1/supplier/orders", get(statistics::orders))
            .route("/content/v2/get/cards/list", post(content::cards))
            .route(
                "/api/v1/new-feedbacks-questions",
                get(feedbacks::anything_new),
            )
            .route(
                "/api/v1/questions/count-unanswered",
                get(feedbacks::questions_unanswered),
            )
            .route(
                "/api/v1/questions",
                get(feedbacks::questions).patch(feedbacks::patch_question),
            )
            .route("/api/v1/question", get(feedbacks::question))
            .route(
                "/api/v1/feedbacks/count-unanswered",
                get(feedbacks::feedbacks_unanswered),
            )
            .route("/api/v1/feedbacks", get(feedbacks::feedbacks))
            .route("/api/v1/feedback", get(feedbacks::feedback))
            .route(
                "/api/v1/feedbacks/answer",
                post(feedbacks::answer_feedback).patch(feedbacks::edit_feedback_answer),
            )
            .route("/api/v1/claims", get(returns::claims))
            .route("/api/v1/seller/chats", get(chat::chats))
            .route("/api/v1/seller/events", get(chat::events))
            .route(
                "/api/v1/seller/message",
                post(chat::message).layer(DefaultBodyLimit::max(chat::MAX_BODY)),
            )
            .fallback(not_found)
            .layer(middleware::from_fn_with_state(app.clone(), gate))
            .with_state(app.clone());
        let running = Running::start(addr, router).await?;
        let sandbox = Self {
            app,
            running: Arc::new(running),
            token,
        };
        sandbox.register_token(&sandbox.token);
        Ok(sandbox)
    }

    /// `http://127.0.0.1:<port>`: the base URL for every WB family.
    pub fn base_url(&self) -> String {
        self.running.base_url()
    }

    /// The bound socket address.
    pub fn addr(&self) -> SocketAddr {
        self.running.addr
    }

    /// A registered Service token with categories 1, 3, 4, 5, 7, 9, 11, valid 180 days.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Makes the server accept `token`. JWT-shaped tokens (see [`wb_token`]) are checked for
    /// expiry and category bits; other strings are accepted everywhere.
    pub fn register_token(&self, token: &str) {
        let claims = token::decode(token).unwrap_or(Claims::OPAQUE);
        self.app
            .tokens
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(token.to_owned(), claims);
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

    /// WB orders as served now (with [`Faults::unknown_statuses`] applied to FBS orders).
    pub fn orders(&self) -> Vec<SandboxOrder> {
        let mut orders = self.app.seller.orders(Marketplace::Wb);
        for order in orders.iter_mut().filter(|order| order.fulfilment == "fbs") {
            order.status = self.app.faults.status(&order.status).to_owned();
            order.substatus = order
                .substatus
                .as_deref()
                .map(|value| self.app.faults.status(value).to_owned());
        }
        orders
    }

    /// WB cards.
    pub fn products(&self) -> Vec<SandboxProduct> {
        self.app.seller.products(Marketplace::Wb)
    }

    /// See [`Seller::advance`].
    pub fn advance(&self, n: usize) -> Vec<String> {
        self.app.seller.advance(Marketplace::Wb, n)
    }

    /// See [`Seller::add_orders`].
    pub fn add_orders(&self, n: usize) -> Vec<String> {
        self.app.seller.add_orders(Marketplace::Wb, n)
    }

    /// See [`Seller::set_status`].
    pub fn set_status(&self, external_id: &str, status: &str, substatus: Option<&str>) -> bool {
        self.app
            .seller
            .set_status(Marketplace::Wb, external_id, status, substatus)
    }

    /// A shopper asks a question on card `nm_id` now; returns the new question's id.
    pub fn ask_question(&self, nm_id: i64, text: &str) -> String {
        self.app
            .seller
            .ask_question(u64::try_from(nm_id).unwrap_or(0), text)
    }

    /// A shopper leaves a review (`valuation` 1..5) on card `nm_id` now; returns its id.
    pub fn leave_feedback(&self, nm_id: i64, text: &str, valuation: u8) -> String {
        self.app
            .seller
            .leave_feedback(u64::try_from(nm_id).unwrap_or(0), text, valuation)
    }

    /// A shopper leaves `voice` (its text, pros, cons and stars) as a review of the `n`-th
    /// card it fits (counting round); returns the review's id and the card's `nmID`, `None`
    /// when no card fits.
    pub fn leave_voice(&self, voice: &ReviewVoice, n: usize) -> Option<(String, i64)> {
        let (id, nm_id) = self.app.seller.leave_wb_voice(voice, n)?;
        Some((id, i64::try_from(nm_id).ok()?))
    }

    /// The `nmID` of the `n`-th card (counting round) a question or chat opener fits.
    pub fn card_for(&self, voice: &QuestionVoice, n: usize) -> Option<i64> {
        i64::try_from(self.app.seller.wb_card_for(voice, n)?).ok()
    }

    /// A shopper writes in a buyer chat now. `None` (or an id the sandbox does not know)
    /// opens a new chat, whose first event has `isNewChat` and the `replySign`; `nm_id` puts
    /// the card (and the shopper's latest order of it) in the chat's `goodCard`.
    pub fn buyer_writes(
        &self,
        chat: Option<&str>,
        client_name: &str,
        nm_id: Option<i64>,
        text: &str,
    ) -> BuyerMessage {
        let nm_id = nm_id.map(|nm_id| u64::try_from(nm_id).unwrap_or(0));
        self.app
            .seller
            .wb_buyer_writes(chat, client_name, nm_id, text)
    }

    /// The seller answers a question in WB's cabinet (not through the API). `false` for an
    /// unknown id or when WB would refuse the write.
    pub fn seller_answers_question(&self, id: &str, text: &str) -> bool {
        self.app.seller.wb_seller_answers_question(id, text)
    }

    /// The seller answers a review in WB's cabinet. `false` for an unknown or answered one.
    pub fn seller_answers_feedback(&self, id: &str, text: &str) -> bool {
        self.app.seller.wb_seller_answers_feedback(id, text)
    }

    /// The seller writes in a buyer chat from WB's cabinet: an event with `sender` `seller`
    /// and `source` `seller-portal`. Returns its `eventID`, `None` for an unknown chat.
    pub fn seller_writes(&self, chat_id: &str, text: &str) -> Option<String> {
        self.app.seller.wb_seller_writes_in_portal(chat_id, text)
    }

    /// Every question, generated and asked.
    pub fn questions(&self) -> Vec<SandboxQuestion> {
        self.app.seller.questions()
    }

    /// Every review.
    pub fn feedbacks(&self) -> Vec<SandboxFeedback> {
        self.app.seller.feedbacks()
    }

    /// Messages of a buyer chat, oldest first (empty for an unknown chat).
    pub fn chat_messages(&self, chat_id: &str) -> Vec<SandboxChatMessage> {
        self.app.seller.chat_messages(Marketplace::Wb, chat_id)
    }

    /// Claims in WB's 14-day window.
    pub fn returns(&self) -> Vec<SandboxReturn> {
        self.app.seller.returns(Marketplace::Wb)
    }

    /// A shopper files a claim now on the FBS order with this assembly-order id; returns
    /// the claim's id (`None` for an unknown order).
    pub fn open_return(&self, order_id: &str) -> Option<String> {
        self.app.seller.open_return(Marketplace::Wb, order_id)
    }

    /// See [`Seller::decide_return`].
    pub fn decide_return(&self, claim_id: &str, stage: ReturnStage) -> bool {
        self.app
            .seller
            .decide_return(Marketplace::Wb, claim_id, stage)
    }
}

impl WbApp {
    /// The caller's token, or the detail of WB's 401.
    fn authorize(
        &self,
        headers: &HeaderMap,
        family: Family,
        writes: bool,
    ) -> Result<String, String> {
        let Some(value) = headers
            .get(AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|value| !value.is_empty())
        else {
            return Err("empty Authorization header".to_owned());
        };
        let token = value.strip_prefix("Bearer ").unwrap_or(value).trim();
        let tokens = self.tokens.read().unwrap_or_else(PoisonError::into_inner);
        let Some(claims) = tokens.get(token) else {
            let detail = match token::decode(token) {
                Err(reason) => format!("token problem; token is malformed: {reason}"),
                Ok(_) => "token problem; token is not valid: signature is invalid".to_owned(),
            };
            return Err(detail);
        };
        if claims.exp <= Utc::now().timestamp() {
            return Err("token problem; token is expired".to_owned());
        }
        if let Some(bit) = family.category()
            && claims.scopes & (1 << bit) == 0
        {
            return Err("token scope not allowed for this API route".to_owned());
        }
        if writes && claims.read_only {
            return Err(
                "token problem; token is read-only: write methods are not allowed".to_owned(),
            );
        }
        Ok(token.to_owned())
    }
}

/// Counting, faults, auth and rate limits, in the order WB's gateway applies them.
async fn gate(State(app): AppState, request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let family = Family::of(&path);
    app.traffic.record(&path, family.name());
    if let Some(delay) = app.faults.delay(&path) {
        tokio::time::sleep(delay).await;
    }
    let quota = family.quota(&app.options);
    if let Some(status) = app.faults.take_failure(&path) {
        return injected(status, quota);
    }
    let writes = family.writes(request.method());
    let token = match app.authorize(request.headers(), family, writes) {
        Ok(token) => token,
        Err(detail) => return problem(StatusCode::UNAUTHORIZED, &detail),
    };
    let Some(quota) = quota else {
        return next.run(request).await;
    };
    let key = format!("{token}|{}", family.name());
    match app.limiter.check(&key, quota, 1) {
        Verdict::Limited { retry, reset } => {
            app.traffic.record_limited(family.name());
            too_many_requests(retry, reset, quota.burst)
        }
        Verdict::Allowed { remaining } => {
            let mut response = next.run(request).await;
            let remaining = if family == Family::Marketplace && response.status().is_client_error()
            {
                app.limiter.charge(&key, quota, BAD_REQUEST_COST - 1)
            } else {
                remaining
            };
            response
                .headers_mut()
                .insert("X-Ratelimit-Remaining", HeaderValue::from(remaining));
            response
        }
    }
}

fn injected(status: StatusCode, quota: Option<Quota>) -> Response {
    if status == StatusCode::TOO_MANY_REQUESTS {
        let second = Duration::from_secs(1);
        return too_many_requests(second, second, quota.map_or(1, |quota| quota.burst));
    }
    problem(status, "sandbox: injected failure")
}

/// The gateway's `application/problem+json`-style body (401, 429, 5xx).
fn problem(status: StatusCode, detail: &str) -> Response {
    let reason = status.canonical_reason().unwrap_or("error");
    let body = json!({
        "title": reason.to_lowercase(),
        "detail": detail,
        "code": format!("07e4668e-{:012x}-[UK-sandbox]", rand::random::<u64>() >> 16),
        "requestId": request_id(),
        "origin": "s2s-api-auth-catalog",
        "status": status.as_u16(),
        "statusText": reason,
        "timestamp": utc(Utc::now()),
    });
    (status, axum::Json(body)).into_response()
}

fn whole_seconds_up(duration: Duration) -> u64 {
    duration.as_secs() + u64::from(duration.subsec_nanos() > 0)
}

fn too_many_requests(retry: Duration, reset: Duration, burst: u32) -> Response {
    let detail = format!("limited by {:032x}", rand::random::<u128>());
    let mut response = problem(StatusCode::TOO_MANY_REQUESTS, &detail);
    let headers = response.headers_mut();
    headers.insert(
        "X-Ratelimit-Retry",
        HeaderValue::from(whole_seconds_up(retry).max(1)),
    );
    headers.insert(
        "X-Ratelimit-Reset",
        HeaderValue::from(whole_seconds_up(reset).max(1)),
    );
    headers.insert("X-Ratelimit-Limit", HeaderValue::from(burst));
    response
}

/// Marketplace services' error body: `{"code","message","data"}`.
fn service_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"code": code, "message": message, "data": null});
    (status, axum::Json(body)).into_response()
}

fn incorrect_parameter() -> Response {
    service_error(
        StatusCode::BAD_REQUEST,
        "IncorrectParameter",
        "Передан некорректный параметр",
    )
}

fn incorrect_body() -> Response {
    service_error(
        StatusCode::BAD_REQUEST,
        "IncorrectRequestBody",
        "Некорректное тело запроса",
    )
}

/// Serializes large answers straight from borrowed data.
fn json_response<T: Serialize>(body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => ([(CONTENT_TYPE, "application/json")], bytes).into_response(),
        Err(error) => problem(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
    }
}

/// A request id like WB's gateway puts in error bodies.
fn request_id() -> String {
    format!("{:032x}", rand::random::<u128>())
}

/// Marketplace-API timestamps: UTC, whole seconds.
fn utc(time: DateTime<Utc>) -> String {
    time.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Moscow time (UTC+3, no DST), which statistics and `/ping` use.
pub(crate) const MOSCOW: FixedOffset = match FixedOffset::east_opt(3 * 3600) {
    Some(offset) => offset,
    None => panic!("UTC+3 is a valid offset"),
};

async fn ping() -> Response {
    let now = Utc::now().with_timezone(&MOSCOW);
    axum::Json(json!({
        "TS": now.format("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        "Status": "OK",
    }))
    .into_response()
}

async fn not_found() -> Response {
    problem(StatusCode::NOT_FOUND, "no route for this path")
}
