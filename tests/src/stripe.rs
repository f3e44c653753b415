//! A fake Stripe API, stateful where billing depends on state, and signed webhook fixtures.
//!
//! It speaks Stripe's wire protocol for the endpoints otklik-billing uses, so the real
//! async-stripe client runs against it through its base URL: form-encoded bodies with nested
//! `items[0][price]=…` keys, `Authorization: Bearer <secret key>`, Stripe's error envelope
//! `{"error":{"type","code","message","param"}}`, and `Idempotency-Key` replay (same key and
//! parameters → the stored answer with `Idempotent-Replayed: true`; same key, other parameters
//! or endpoint → 400 `idempotency_error`). Objects carry every field async-stripe's strict
//! decoder requires, in the shape of [`API_VERSION`] (periods on subscription items, an
//! invoice's subscription under `parent.subscription_details`).
//!
//! Endpoints: `POST /v1/customers`, `POST /v1/subscriptions`, `GET|POST
//! /v1/subscriptions/{id}`, `POST /v1/billing/meter_events`, `GET /v1/invoices`,
//! `POST /v1/checkout/sessions`, `POST /v1/billing_portal/sessions`.
//!
//! Simplifications, on purpose: prices are registered by the test ([`FakeStripe::add_price`]);
//! nothing is billed by itself — tests move subscriptions and invoices along with
//! [`FakeStripe::create_invoice`], [`FakeStripe::complete_checkout`] and friends, which also
//! return the object for a webhook fixture; a subscription created without a trial is
//! `incomplete` until its customer has completed a checkout (the fake's only notion of a
//! payment method); meter events are counted synchronously (Stripe aggregates asynchronously)
//! and a repeated `identifier` is answered like the first and not counted again; meter values
//! are whole numbers. The fake sends no webhooks: tests sign fixtures with [`sign_webhook`].

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Months, Utc};
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;

/// The only API key the fake accepts.
pub const SECRET_KEY: &str = "sk_test_otklik_fake";
/// A webhook signing secret for fixtures.
pub const WEBHOOK_SECRET: &str = "whsec_otklik_fake";
/// The API version fixtures claim: the one async-stripe 1.0.0-rc.10 sends as `Stripe-Version`
/// and whose object shapes the fake serves.
pub const API_VERSION: &str = "2026-09-30.endive";

/// Meter events older than this are refused, as by Stripe.
const METER_MAX_AGE_SECS: i64 = 35 * 24 * 3600;
const METER_MAX_AHEAD_SECS: i64 = 5 * 60;

/// A failure to inject, instead of handling the next request normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// 500 `api_error`, before the request executes: nothing is stored under its
    /// idempotency key, so a retry with the same key executes.
    ServerError,
    /// A 502 HTML page from a proxy in front of Stripe, not Stripe's JSON.
    BadGateway,
    /// 402 `card_error` / `card_declined`. The request executed, so the answer is stored
    /// under its idempotency key and replayed to a retry, as Stripe does.
    CardDeclined,
}

/// A price the fake knows; requests naming any other price fail like Stripe's
/// `No such price`.
#[derive(Debug, Clone)]
pub struct FakePrice {
    pub id: String,
    pub currency: String,
    /// The flat amount in minor units, or `None` for a metered price.
    pub unit_amount: Option<i64>,
    /// The Billing Meter a metered price reads.
    pub meter: Option<String>,
}

impl FakePrice {
    pub fn flat(id: &str, unit_amount: i64, currency: &str) -> Self {
        Self {
            id: id.to_owned(),
            currency: currency.to_lowercase(),
            unit_amount: Some(unit_amount),
            meter: None,
        }
    }

    pub fn metered(id: &str, currency: &str, meter: &str) -> Self {
        Self {
            id: id.to_owned(),
            currency: currency.to_lowercase(),
            unit_amount: None,
            meter: Some(meter.to_owned()),
        }
    }
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct FakeRequest {
    pub method: String,
    pub path: String,
    pub idempotency_key: Option<String>,
    /// The form body (or query), decoded into nested JSON; every leaf is a string.
    pub params: Value,
    /// Answered from the idempotency store.
    pub replayed: bool,
}

/// A meter event as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterEvent {
    pub event_name: String,
    pub identifier: String,
    pub customer: String,
    pub value: i64,
    pub timestamp: i64,
}

struct Stored {
    method: Method,
    path: String,
    params: Value,
    status: StatusCode,
    body: Value,
}

#[derive(Default)]
struct FakeState {
    next_id: u64,
    prices: HashMap<String, FakePrice>,
    customers: BTreeMap<String, Value>,
    /// Customers that completed a checkout: their new subscriptions are paid for.
    with_payment_method: HashSet<String>,
    subscriptions: BTreeMap<String, Value>,
    invoices: Vec<Value>,
    checkout_sessions: BTreeMap<String, Value>,
    portal_sessions: BTreeMap<String, Value>,
    meter_events: Vec<MeterEvent>,
    idempotency: HashMap<String, Stored>,
    failures: VecDeque<Failure>,
    requests: Vec<FakeRequest>,
}

impl FakeState {
    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}_Fk{:012}", self.next_id)
    }
}

/// The fake, running on a loopback port until its runtime ends.
#[derive(Clone)]
pub struct FakeStripe {
    addr: SocketAddr,
    state: Arc<Mutex<FakeState>>,
}

impl FakeStripe {
    pub async fn start() -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(FakeState::default()));
        let app = Router::new().fallback(handle).with_state(state.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { addr, state })
    }

    /// The API base to configure; async-stripe appends `v1/…`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    fn lock(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn add_price(&self, price: FakePrice) {
        self.lock().prices.insert(price.id.clone(), price);
    }

    /// The next `count` requests fail with `failure`.
    pub fn fail_next(&self, count: usize, failure: Failure) {
        self.lock()
            .failures
            .extend(std::iter::repeat_n(failure, count));
    }

    pub fn requests(&self) -> Vec<FakeRequest> {
        self.lock().requests.clone()
    }

    pub fn customers(&self) -> Vec<Value> {
        self.lock().customers.values().cloned().collect()
    }

    pub fn subscription(&self, id: &str) -> Option<Value> {
        self.lock().subscriptions.get(id).cloned()
    }

    pub fn subscriptions(&self) -> Vec<Value> {
        self.lock().subscriptions.values().cloned().collect()
    }

    pub fn checkout_session(&self, id: &str) -> Option<Value> {
        self.lock().checkout_sessions.get(id).map(public_session)
    }

    pub fn portal_session(&self, id: &str) -> Option<Value> {
        self.lock().portal_sessions.get(id).cloned()
    }

    pub fn meter_events(&self) -> Vec<MeterEvent> {
        self.lock().meter_events.clone()
    }

    /// The usage Stripe would bill `customer` for, summed over its meter events.
    pub fn meter_total(&self, customer: &str) -> i64 {
        self.lock()
            .meter_events
            .iter()
            .filter(|event| event.customer == customer)
            .map(|event| event.value)
            .sum()
    }

    /// Sets a subscription's status, as Stripe's billing engine would, and returns it for a
    /// `customer.subscription.updated` fixture.
    pub fn set_subscription_status(&self, id: &str, status: &str) -> Option<Value> {
        let mut state = self.lock();
        let subscription = state.subscriptions.get_mut(id)?;
        subscription["status"] = json!(status);
        Some(subscription.clone())
    }

    /// Cancels a subscription now; returns it for a `customer.subscription.deleted` fixture.
    pub fn cancel_subscription(&self, id: &str) -> Option<Value> {
        let now = Utc::now().timestamp();
        let mut state = self.lock();
        let subscription = state.subscriptions.get_mut(id)?;
        subscription["status"] = json!("canceled");
        subscription["canceled_at"] = json!(now);
        subscription["ended_at"] = json!(now);
        Some(subscription.clone())
    }

    /// Issues the subscription's invoice for its flat price and settles it: paid (the
    /// subscription becomes `active`) or failed (it becomes `past_due`). Returns the invoice
    /// for an `invoice.paid` / `invoice.payment_failed` fixture.
    pub fn create_invoice(&self, subscription_id: &str, paid: bool) -> Option<Value> {
        let now = Utc::now().timestamp();
        let mut state = self.lock();
        let subscription = state.subscriptions.get(subscription_id)?.clone();
        let currency = subscription["currency"]
            .as_str()
            .unwrap_or("usd")
            .to_owned();
        let customer = subscription["customer"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let flat = subscription["items"]["data"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|item| item["price"]["unit_amount"].as_i64())
            .sum::<i64>();
        let period_start = subscription["items"]["data"][0]["current_period_start"]
            .as_i64()
            .unwrap_or(now);
        let period_end = subscription["items"]["data"][0]["current_period_end"]
            .as_i64()
            .unwrap_or(now);
        let id = state.id("in");
        let line_id = state.id("il");
        let number = format!("OTK-{:04}", state.invoices.len() + 1);
        let invoice = merge([
            json!({
                "id": id, "object": "invoice", "account_country": "US", "account_name": "Otklik",
                "amount_due": flat, "amount_overpaid": 0,
                "amount_paid": if paid { flat } else { 0 },
                "amount_remaining": if paid { 0 } else { flat }, "amount_shipping": 0,
                "attempt_count": 1, "attempted": true, "auto_advance": !paid,
                "automatic_tax": {"enabled": false, "liability": null, "status": null},
                "billing_reason": "subscription_cycle", "collection_method": "charge_automatically",
                "created": now, "currency": currency, "customer": customer,
                "customer_email": null, "default_payment_method": null, "default_tax_rates": [],
                "description": null, "discounts": [], "due_date": null, "ending_balance": 0,
                "hosted_invoice_url": format!("https://invoice.stripe.com/i/acct_fake/{id}"),
                "invoice_pdf": format!("https://pay.stripe.com/invoice/acct_fake/{id}/pdf"),
                "issuer": {"type": "self"},
            }),
            json!({
                "lines": {"object": "list", "has_more": false,
                    "url": format!("/v1/invoices/{id}/lines"),
                    "data": [{
                        "id": line_id, "object": "line_item", "amount": flat, "currency": currency,
                        "description": "1 × subscription", "discountable": true, "discounts": [],
                        "invoice": id, "livemode": false, "metadata": {},
                        "period": {"start": period_start, "end": period_end}, "subtotal": flat
                    }]},
            }),
            json!({
                "livemode": false, "metadata": {},
                "next_payment_attempt": if paid { Value::Null } else { json!(now + 3 * 86_400) },
                "number": number,
                "parent": {"type": "subscription_details", "quote_details": null,
                    "subscription_details": {"metadata": subscription["metadata"].clone(),
                        "subscription": subscription_id}},
                "payment_settings": {"default_mandate": null, "payment_method_options": null,
                    "payment_method_types": null},
                "period_end": period_end, "period_start": period_start,
                "post_payment_credit_notes_amount": 0, "pre_payment_credit_notes_amount": 0,
                "starting_balance": 0, "status": if paid { "paid" } else { "open" },
                "status_transitions": {"finalized_at": now, "marked_uncollectible_at": null,
                    "paid_at": if paid { json!(now) } else { Value::Null }, "voided_at": null},
                "subtotal": flat, "total": flat, "total_discount_amounts": [],
                "total_taxes": [], "webhooks_delivered_at": now
            }),
        ]);
        state.invoices.push(invoice.clone());
        if let Some(subscription) = state.subscriptions.get_mut(subscription_id) {
            subscription["status"] = json!(if paid { "active" } else { "past_due" });
            subscription["latest_invoice"] = json!(id);
        }
        Some(invoice)
    }

    /// The merchant pays on the hosted page: the session completes, the customer gets a
    /// payment method and an active subscription on the session's prices. Returns the
    /// session for a `checkout.session.completed` fixture.
    pub fn complete_checkout(&self, session_id: &str) -> Option<Value> {
        let now = Utc::now().timestamp();
        let mut state = self.lock();
        let session = state.checkout_sessions.get(session_id)?.clone();
        let customer = match session["customer"].as_str() {
            Some(customer) => customer.to_owned(),
            None => {
                let id = state.id("cus");
                let customer = customer_object(&id, now, &Value::Null);
                state.customers.insert(id.clone(), customer);
                id
            }
        };
        state.with_payment_method.insert(customer.clone());
        let prices: Vec<FakePrice> = session["line_items_prices"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .filter_map(|price| state.prices.get(price).cloned())
            .collect();
        let trial_end = session["subscription_trial_end"].as_i64();
        let metadata = session["subscription_metadata"].clone();
        let subscription =
            new_subscription(&mut state, &customer, &prices, trial_end, metadata, now);
        let subscription_id = subscription["id"].clone();
        state.subscriptions.insert(
            subscription_id.as_str().unwrap_or_default().to_owned(),
            subscription,
        );
        let stored = state.checkout_sessions.get_mut(session_id)?;
        stored["status"] = json!("complete");
        stored["payment_status"] = json!("paid");
        stored["customer"] = json!(customer);
        stored["subscription"] = subscription_id;
        stored["url"] = Value::Null;
        Some(public_session(stored))
    }
}

/// Checkout sessions keep the prices and subscription data they were created with in
/// private fields, for [`FakeStripe::complete_checkout`]; these never leave the fake.
const PRIVATE_SESSION_FIELDS: [&str; 3] = [
    "line_items_prices",
    "subscription_trial_end",
    "subscription_metadata",
];

fn public_session(session: &Value) -> Value {
    let mut session = session.clone();
    if let Some(object) = session.as_object_mut() {
        for field in PRIVATE_SESSION_FIELDS {
            object.remove(field);
        }
    }
    session
}

/// One object from several `json!` literals: Stripe objects are too big for one (the macro
/// hits the recursion limit).
fn merge<const N: usize>(parts: [Value; N]) -> Value {
    let mut object = Map::new();
    for part in parts {
        if let Value::Object(fields) = part {
            object.extend(fields);
        }
    }
    Value::Object(object)
}

type Answer = (StatusCode, Value);

fn stripe_error(
    status: StatusCode,
    kind: &str,
    code: Option<&str>,
    param: Option<&str>,
    message: &str,
) -> Answer {
    let mut error = json!({"type": kind, "message": message});
    if let Some(code) = code {
        error["code"] = json!(code);
        error["doc_url"] = json!(format!("https://stripe.com/docs/error-codes/{code}"));
    }
    if let Some(param) = param {
        error["param"] = json!(param);
    }
    (status, json!({ "error": error }))
}

fn missing_param(param: &str) -> Answer {
    stripe_error(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        Some("parameter_missing"),
        Some(param),
        &format!("Missing required param: {param}."),
    )
}

fn no_such(kind: &str, id: &str, param: Option<&str>) -> Answer {
    let status = if param.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::NOT_FOUND
    };
    stripe_error(
        status,
        "invalid_request_error",
        Some("resource_missing"),
        param,
        &format!("No such {kind}: '{id}'"),
    )
}

fn invalid(param: &str, message: &str) -> Answer {
    stripe_error(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        None,
        Some(param),
        message,
    )
}

static REQUEST_IDS: AtomicU64 = AtomicU64::new(1);

fn respond(status: StatusCode, body: &Value, replayed: bool) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    let request_id = format!("req_Fk{:012}", REQUEST_IDS.fetch_add(1, Ordering::Relaxed));
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        headers.insert("request-id", value);
    }
    if replayed {
        headers.insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

async fn handle(
    State(state): State<Arc<Mutex<FakeState>>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let params = if method == Method::GET {
        parse_form(uri.query().unwrap_or_default().as_bytes())
    } else {
        parse_form(&body)
    };
    let idempotency_key = (method == Method::POST)
        .then(|| headers.get("idempotency-key"))
        .flatten()
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    let mut recorded = FakeRequest {
        method: method.to_string(),
        path: path.clone(),
        idempotency_key: idempotency_key.clone(),
        params: params.clone(),
        replayed: false,
    };

    if let Some(answer) = authenticate(&headers) {
        state.requests.push(recorded);
        return respond(answer.0, &answer.1, false);
    }

    // Failures in front of Stripe happen before anything is executed or stored.
    match state.failures.front().copied() {
        Some(Failure::ServerError) => {
            state.failures.pop_front();
            state.requests.push(recorded);
            let mut response = respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                &stripe_error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "api_error",
                    None,
                    None,
                    "Sorry, something went wrong. We've already been notified of the problem.",
                )
                .1,
                false,
            );
            response
                .headers_mut()
                .insert("stripe-should-retry", HeaderValue::from_static("true"));
            return response;
        }
        Some(Failure::BadGateway) => {
            state.failures.pop_front();
            state.requests.push(recorded);
            let mut response = (
                StatusCode::BAD_GATEWAY,
                "<html><body><h1>502 Bad Gateway</h1></body></html>",
            )
                .into_response();
            response
                .headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            return response;
        }
        Some(Failure::CardDeclined) | None => {}
    }

    if let Some(key) = &idempotency_key
        && let Some(stored) = state.idempotency.get(key)
    {
        let answer = if stored.method != method || stored.path != path {
            Some(invalid_idempotency(&format!(
                "Keys for idempotent requests can only be used for the same endpoint they were \
                 first used for ('{} {}' vs '{} {}'). Try using a key other than '{key}' if you \
                 meant to execute a different request.",
                stored.method, stored.path, method, path
            )))
        } else if stored.params != params {
            Some(invalid_idempotency(&format!(
                "Keys for idempotent requests can only be used with the same parameters they \
                 were first used with. Try using a key other than '{key}' if you meant to \
                 execute a different request."
            )))
        } else {
            None
        };
        let (status, body, replayed) = match answer {
            Some((status, body)) => (status, body, false),
            None => (stored.status, stored.body.clone(), true),
        };
        recorded.replayed = replayed;
        state.requests.push(recorded);
        return respond(status, &body, replayed);
    }

    let (status, body) = if state.failures.front() == Some(&Failure::CardDeclined) {
        state.failures.pop_front();
        stripe_error(
            StatusCode::PAYMENT_REQUIRED,
            "card_error",
            Some("card_declined"),
            None,
            "Your card was declined.",
        )
    } else {
        route(&mut state, &method, &path, &params)
    };
    // Stripe stores what an endpoint that began executing answered: successes and
    // declines, not parameter errors.
    if let Some(key) = idempotency_key
        && (status.is_success() || status == StatusCode::PAYMENT_REQUIRED)
    {
        state.idempotency.insert(
            key,
            Stored {
                method: method.clone(),
                path: path.clone(),
                params,
                status,
                body: body.clone(),
            },
        );
    }
    state.requests.push(recorded);
    respond(status, &body, false)
}

fn invalid_idempotency(message: &str) -> Answer {
    stripe_error(
        StatusCode::BAD_REQUEST,
        "idempotency_error",
        None,
        None,
        message,
    )
}

fn authenticate(headers: &HeaderMap) -> Option<Answer> {
    let unauthorized = |message: String| {
        stripe_error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            None,
            None,
            &message,
        )
    };
    let Some(value) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
    else {
        return Some(unauthorized(
            "You did not provide an API key. You need to provide your API key in the \
             Authorization header, using Bearer auth (e.g. 'Authorization: Bearer \
             YOUR_SECRET_KEY')."
                .into(),
        ));
    };
    let key = value.strip_prefix("Bearer ").unwrap_or(value);
    if key == SECRET_KEY {
        return None;
    }
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    Some(unauthorized(format!(
        "Invalid API Key provided: sk_test_****{tail}"
    )))
}

fn route(state: &mut FakeState, method: &Method, path: &str, params: &Value) -> Answer {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("POST", ["v1", "customers"]) => create_customer(state, params),
        ("POST", ["v1", "subscriptions"]) => create_subscription(state, params),
        ("GET", ["v1", "subscriptions", id]) => match state.subscriptions.get(*id) {
            Some(subscription) => (StatusCode::OK, subscription.clone()),
            None => no_such("subscription", id, None),
        },
        ("POST", ["v1", "subscriptions", id]) => update_subscription(state, id, params),
        ("POST", ["v1", "billing", "meter_events"]) => create_meter_event(state, params),
        ("GET", ["v1", "invoices"]) => list_invoices(state, params),
        ("POST", ["v1", "checkout", "sessions"]) => create_checkout_session(state, params),
        ("POST", ["v1", "billing_portal", "sessions"]) => create_portal_session(state, params),
        _ => stripe_error(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            None,
            None,
            &format!(
                "Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs \
                 or we can help at https://support.stripe.com/."
            ),
        ),
    }
}

fn text<'a>(params: &'a Value, key: &str) -> Option<&'a str> {
    params
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

fn customer_object(id: &str, now: i64, params: &Value) -> Value {
    let prefix: String = id
        .trim_start_matches("cus_")
        .to_uppercase()
        .chars()
        .take(8)
        .collect();
    json!({
        "id": id, "object": "customer", "address": null, "balance": 0, "created": now,
        "currency": null, "default_source": null, "delinquent": false, "description": null,
        "discount": null, "email": params.get("email").cloned().unwrap_or(Value::Null),
        "invoice_prefix": prefix,
        "livemode": false,
        "metadata": params.get("metadata").cloned().unwrap_or_else(|| json!({})),
        "name": params.get("name").cloned().unwrap_or(Value::Null),
        "next_invoice_sequence": 1, "phone": null, "preferred_locales": [], "shipping": null,
        "tax_exempt": "none", "test_clock": null
    })
}

fn create_customer(state: &mut FakeState, params: &Value) -> Answer {
    let id = state.id("cus");
    let customer = customer_object(&id, Utc::now().timestamp(), params);
    state.customers.insert(id, customer.clone());
    (StatusCode::OK, customer)
}

fn price_object(price: &FakePrice, now: i64) -> Value {
    let recurring = match &price.meter {
        Some(meter) => json!({"interval": "month", "interval_count": 1, "meter": meter,
                              "trial_period_days": null, "usage_type": "metered"}),
        None => json!({"interval": "month", "interval_count": 1, "meter": null,
                       "trial_period_days": null, "usage_type": "licensed"}),
    };
    json!({
        "id": price.id, "object": "price", "active": true,
        "billing_scheme": if price.meter.is_some() { "tiered" } else { "per_unit" },
        "created": now, "currency": price.currency, "custom_unit_amount": null,
        "livemode": false, "lookup_key": null, "metadata": {}, "nickname": null,
        "product": format!("prod_{}", price.id.trim_start_matches("price_")),
        "recurring": recurring, "tax_behavior": "unspecified",
        "tiers_mode": if price.meter.is_some() { json!("graduated") } else { Value::Null },
        "transform_quantity": null, "type": "recurring",
        "unit_amount": price.unit_amount,
        "unit_amount_decimal": price.unit_amount.map(|amount| amount.to_string()),
    })
}

/// The legacy plan object Stripe still embeds in each subscription item.
fn plan_object(price: &FakePrice, now: i64) -> Value {
    json!({
        "id": price.id, "object": "plan", "active": true, "amount": price.unit_amount,
        "amount_decimal": price.unit_amount.map(|amount| amount.to_string()),
        "billing_scheme": if price.meter.is_some() { "tiered" } else { "per_unit" },
        "created": now, "currency": price.currency, "interval": "month", "interval_count": 1,
        "livemode": false, "meter": price.meter, "metadata": {}, "nickname": null,
        "product": format!("prod_{}", price.id.trim_start_matches("price_")),
        "tiers_mode": if price.meter.is_some() { json!("graduated") } else { Value::Null },
        "transform_usage": null, "trial_period_days": null,
        "usage_type": if price.meter.is_some() { "metered" } else { "licensed" }
    })
}

fn item_object(
    id: &str,
    subscription: &str,
    price: &FakePrice,
    period: (i64, i64),
    now: i64,
) -> Value {
    json!({
        "id": id, "object": "subscription_item", "billing_thresholds": null, "created": now,
        "current_period_start": period.0, "current_period_end": period.1, "discounts": [],
        "metadata": {}, "plan": plan_object(price, now), "price": price_object(price, now),
        // Metered items have no quantity.
        "quantity": if price.meter.is_some() { Value::Null } else { json!(1) },
        "subscription": subscription, "tax_rates": []
    })
}

fn month_after(start: i64) -> i64 {
    DateTime::from_timestamp(start, 0)
        .and_then(|start| start.checked_add_months(Months::new(1)))
        .map_or(start + 30 * 86_400, |end| end.timestamp())
}

/// A new subscription: trialing until `trial_end` (the trial is its first period), else
/// active when the customer can pay and incomplete when it cannot (no payment method).
fn new_subscription(
    state: &mut FakeState,
    customer: &str,
    prices: &[FakePrice],
    trial_end: Option<i64>,
    metadata: Value,
    now: i64,
) -> Value {
    let id = state.id("sub");
    let trialing = trial_end.is_some_and(|end| end > now);
    let period = match trial_end {
        Some(end) if trialing => (now, end),
        _ => (now, month_after(now)),
    };
    let status = if trialing {
        "trialing"
    } else if state.with_payment_method.contains(customer) {
        "active"
    } else {
        "incomplete"
    };
    let items: Vec<Value> = prices
        .iter()
        .map(|price| {
            let item_id = state.id("si");
            item_object(&item_id, &id, price, period, now)
        })
        .collect();
    let currency = prices
        .first()
        .map_or_else(|| "usd".to_owned(), |p| p.currency.clone());
    merge([
        json!({
            "id": id, "object": "subscription", "application": null,
            "application_fee_percent": null,
            "automatic_tax": {"disabled_reason": null, "enabled": false, "liability": null},
            "billing_cycle_anchor": if trialing { period.1 } else { now },
            "billing_cycle_anchor_config": null,
            "billing_mode": {"type": "classic", "updated_at": null}, "billing_schedules": [],
            "billing_thresholds": null, "cancel_at": null, "cancel_at_period_end": false,
            "canceled_at": null,
            "cancellation_details": {"comment": null, "feedback": null, "reason": null},
            "collection_method": "charge_automatically", "created": now, "currency": currency,
            "customer": customer, "days_until_due": null, "default_payment_method": null,
            "default_source": null, "default_tax_rates": [], "description": null, "discounts": [],
            "ended_at": null,
        }),
        json!({
            "invoice_settings": {"account_tax_ids": null, "issuer": {"type": "self"}},
            "items": {"object": "list", "data": items, "has_more": false,
                      "total_count": prices.len(),
                      "url": format!("/v1/subscription_items?subscription={id}")},
            "latest_invoice": null, "livemode": false, "metadata": metadata,
            "next_pending_invoice_item_invoice": null, "on_behalf_of": null,
            "pause_collection": null,
            "payment_settings": {"payment_method_options": null, "payment_method_types": null,
                                 "save_default_payment_method": "off"},
            "pending_invoice_item_interval": null, "pending_setup_intent": null,
            "pending_update": null, "schedule": null, "start_date": now, "status": status,
            "test_clock": null, "transfer_data": null,
            "trial_end": trial_end,
            "trial_settings": {"end_behavior": {"missing_payment_method": "create_invoice"}},
            "trial_start": if trial_end.is_some() { json!(now) } else { Value::Null }
        }),
    ])
}

/// The prices named by `items[n][price]` (or `line_items[n][price]`), all known.
fn requested_prices(
    state: &FakeState,
    params: &Value,
    field: &str,
) -> Result<Vec<FakePrice>, Answer> {
    let Some(items) = params.get(field).and_then(Value::as_array) else {
        return Err(missing_param(field));
    };
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let param = format!("{field}[{index}][price]");
            let id = text(item, "price").ok_or_else(|| missing_param(&param))?;
            state
                .prices
                .get(id)
                .cloned()
                .ok_or_else(|| no_such("price", id, Some(&param)))
        })
        .collect()
}

fn timestamp(params: &Value, key: &str) -> Result<Option<i64>, Answer> {
    match text(params, key) {
        None => Ok(None),
        Some("now") => Ok(Some(Utc::now().timestamp())),
        Some(value) => value
            .parse()
            .map(Some)
            .map_err(|_| invalid(key, &format!("Invalid timestamp: {value}"))),
    }
}

fn create_subscription(state: &mut FakeState, params: &Value) -> Answer {
    let Some(customer) = text(params, "customer") else {
        return missing_param("customer");
    };
    if !state.customers.contains_key(customer) {
        return no_such("customer", customer, Some("customer"));
    }
    let prices = match requested_prices(state, params, "items") {
        Ok(prices) => prices,
        Err(answer) => return answer,
    };
    let now = Utc::now().timestamp();
    let trial_end = match timestamp(params, "trial_end") {
        Ok(Some(end)) if end <= now && text(params, "trial_end") != Some("now") => {
            return invalid(
                "trial_end",
                "Invalid timestamp: must be an integer Unix timestamp in the future.",
            );
        }
        Ok(end) => end.or_else(|| {
            text(params, "trial_period_days")
                .and_then(|days| days.parse::<i64>().ok())
                .map(|days| now + days * 86_400)
        }),
        Err(answer) => return answer,
    };
    let metadata = params.get("metadata").cloned().unwrap_or_else(|| json!({}));
    let customer = customer.to_owned();
    let subscription = new_subscription(state, &customer, &prices, trial_end, metadata, now);
    let id = subscription["id"].as_str().unwrap_or_default().to_owned();
    state.subscriptions.insert(id, subscription.clone());
    (StatusCode::OK, subscription)
}

fn update_subscription(state: &mut FakeState, id: &str, params: &Value) -> Answer {
    let now = Utc::now().timestamp();
    let Some(mut subscription) = state.subscriptions.get(id).cloned() else {
        return no_such("subscription", id, None);
    };
    if matches!(
        subscription["status"].as_str(),
        Some("canceled" | "incomplete_expired")
    ) {
        return invalid(
            "subscription",
            "A canceled subscription can only update its cancellation_details and metadata.",
        );
    }
    if let Some(items) = params.get("items").and_then(Value::as_array) {
        for (index, change) in items.iter().enumerate() {
            let Some(item_id) = text(change, "id") else {
                return invalid(
                    &format!("items[{index}][id]"),
                    "The fake only updates existing items.",
                );
            };
            let Some(price_id) = text(change, "price") else {
                continue;
            };
            let Some(price) = state.prices.get(price_id).cloned() else {
                return no_such("price", price_id, Some(&format!("items[{index}][price]")));
            };
            let Some(item) = subscription["items"]["data"]
                .as_array_mut()
                .and_then(|items| items.iter_mut().find(|item| item["id"] == item_id))
            else {
                return invalid(
                    &format!("items[{index}][id]"),
                    &format!("Invalid subscription item: '{item_id}' is not on {id}."),
                );
            };
            let period = (
                item["current_period_start"].as_i64().unwrap_or(now),
                item["current_period_end"].as_i64().unwrap_or(now),
            );
            *item = item_object(item_id, id, &price, period, now);
        }
    }
    if let Some(Value::Object(metadata)) = params.get("metadata")
        && let Some(existing) = subscription["metadata"].as_object_mut()
    {
        for (key, value) in metadata {
            existing.insert(key.clone(), value.clone());
        }
    }
    if let Some(flag) = text(params, "cancel_at_period_end") {
        subscription["cancel_at_period_end"] = json!(flag == "true");
    }
    state
        .subscriptions
        .insert(id.to_owned(), subscription.clone());
    (StatusCode::OK, subscription)
}

fn create_meter_event(state: &mut FakeState, params: &Value) -> Answer {
    let Some(event_name) = text(params, "event_name") else {
        return missing_param("event_name");
    };
    let payload = params.get("payload").cloned().unwrap_or(Value::Null);
    let Some(customer) = text(&payload, "stripe_customer_id") else {
        return missing_param("payload[stripe_customer_id]");
    };
    let Some(raw_value) = text(&payload, "value") else {
        return missing_param("payload[value]");
    };
    let Ok(value) = raw_value.parse::<i64>() else {
        return invalid(
            "payload[value]",
            &format!("Invalid value '{raw_value}': must be a whole number."),
        );
    };
    let now = Utc::now().timestamp();
    let at = match timestamp(params, "timestamp") {
        Ok(at) => at.unwrap_or(now),
        Err(answer) => return answer,
    };
    if at < now - METER_MAX_AGE_SECS || at > now + METER_MAX_AHEAD_SECS {
        return invalid(
            "timestamp",
            "Timestamp must be within the past 35 calendar days or up to 5 minutes in the future.",
        );
    }
    let identifier = match text(params, "identifier") {
        Some(identifier) => identifier.to_owned(),
        None => state.id("mev"),
    };
    let event = match state
        .meter_events
        .iter()
        .find(|event| event.identifier == identifier)
    {
        // Stripe's identifier dedupe: the duplicate is not counted again.
        Some(existing) => existing.clone(),
        None => {
            let event = MeterEvent {
                event_name: event_name.to_owned(),
                identifier,
                customer: customer.to_owned(),
                value,
                timestamp: at,
            };
            state.meter_events.push(event.clone());
            event
        }
    };
    (
        StatusCode::OK,
        json!({
            "object": "billing.meter_event", "created": now, "event_name": event.event_name,
            "identifier": event.identifier, "livemode": false,
            "payload": {"stripe_customer_id": event.customer, "value": event.value.to_string()},
            "timestamp": event.timestamp
        }),
    )
}

fn list_invoices(state: &FakeState, params: &Value) -> Answer {
    let limit = text(params, "limit")
        .and_then(|limit| limit.parse::<usize>().ok())
        .unwrap_or(10)
        .clamp(1, 100);
    let customer = text(params, "customer");
    let matching: Vec<&Value> = state
        .invoices
        .iter()
        .rev()
        .filter(|invoice| customer.is_none_or(|c| invoice["customer"] == c))
        .collect();
    let page: Vec<Value> = matching.iter().take(limit).map(|&v| v.clone()).collect();
    (
        StatusCode::OK,
        json!({"object": "list", "data": page, "has_more": matching.len() > limit,
               "url": "/v1/invoices"}),
    )
}

fn create_checkout_session(state: &mut FakeState, params: &Value) -> Answer {
    let Some(mode) = text(params, "mode") else {
        return missing_param("mode");
    };
    if mode != "subscription" {
        return invalid("mode", "The fake only supports mode=subscription.");
    }
    let Some(success_url) = text(params, "success_url") else {
        return missing_param("success_url");
    };
    let customer = text(params, "customer").map(str::to_owned);
    if let Some(customer) = &customer
        && !state.customers.contains_key(customer)
    {
        return no_such("customer", customer, Some("customer"));
    }
    let prices = match requested_prices(state, params, "line_items") {
        Ok(prices) => prices,
        Err(answer) => return answer,
    };
    let now = Utc::now().timestamp();
    let subscription_data = params
        .get("subscription_data")
        .cloned()
        .unwrap_or(Value::Null);
    let trial_end = match timestamp(&subscription_data, "trial_end") {
        Ok(trial_end) => trial_end,
        Err(answer) => return answer,
    };
    let id = format!("cs_test_{}", state.id("a").trim_start_matches("a_"));
    let subscription_metadata = subscription_data
        .get("metadata")
        .cloned()
        .unwrap_or_else(|| json!({}));
    let session = merge([
        json!({
            "id": id, "object": "checkout.session", "adaptive_pricing": null,
            "after_expiration": null, "allow_promotion_codes": null, "amount_subtotal": null,
            "amount_total": null,
            "automatic_tax": {"enabled": false, "liability": null, "provider": null,
                              "status": null},
            "billing_address_collection": null, "cancel_url": params.get("cancel_url"),
            "client_reference_id": params.get("client_reference_id"), "client_secret": null,
            "consent": null, "consent_collection": null, "created": now,
            "currency": prices.first().map(|p| p.currency.clone()), "custom_fields": [],
            "custom_text": {"after_submit": null, "shipping_address": null, "submit": null,
                            "terms_of_service_acceptance": null},
        }),
        json!({
            "customer": customer, "customer_creation": null, "customer_details": null,
            "customer_email": null, "expires_at": now + 86_400, "invoice": null,
            "invoice_creation": null, "livemode": false, "locale": null,
            "metadata": params.get("metadata").cloned().unwrap_or_else(|| json!({})),
            "mode": "subscription", "payment_intent": null, "payment_link": null,
            "payment_method_collection": "always", "payment_method_types": ["card"],
            "payment_status": "unpaid", "recovered_from": null, "setup_intent": null,
            "shipping_address_collection": null, "shipping_cost": null, "shipping_options": [],
            "status": "open", "submit_type": null, "subscription": null,
            "success_url": success_url, "ui_mode": "hosted",
            "url": format!("https://checkout.stripe.com/c/pay/{id}"),
            "line_items_prices": prices.iter().map(|p| p.id.clone()).collect::<Vec<_>>(),
            "subscription_trial_end": trial_end,
            "subscription_metadata": subscription_metadata,
        }),
    ]);
    state.checkout_sessions.insert(id, session.clone());
    (StatusCode::OK, public_session(&session))
}

fn create_portal_session(state: &mut FakeState, params: &Value) -> Answer {
    let Some(customer) = text(params, "customer") else {
        return missing_param("customer");
    };
    if !state.customers.contains_key(customer) {
        return no_such("customer", customer, Some("customer"));
    }
    let id = state.id("bps");
    let session = json!({
        "id": id, "object": "billing_portal.session", "configuration": "bpc_Fk000000000001",
        "created": Utc::now().timestamp(), "customer": customer, "flow": null,
        "livemode": false, "locale": null, "on_behalf_of": null,
        "return_url": params.get("return_url"),
        "url": format!("https://billing.stripe.com/p/session/test_{id}")
    });
    state.portal_sessions.insert(id, session.clone());
    (StatusCode::OK, session)
}

/// Decodes a form body the way Stripe reads it: `a[b][0][c]=v` becomes
/// `{"a":{"b":[{"c":"v"}]}}` and `a[]=v` appends; keys may arrive percent-encoded.
fn parse_form(raw: &[u8]) -> Value {
    let mut root = Value::Object(Map::new());
    for (key, value) in form_urlencoded::parse(raw) {
        let mut path: Vec<String> = Vec::new();
        match key.split_once('[') {
            None => path.push(key.into_owned()),
            Some((head, rest)) => {
                path.push(head.to_owned());
                let rest = rest.strip_suffix(']').unwrap_or(rest);
                path.extend(rest.split("][").map(str::to_owned));
            }
        }
        insert(&mut root, &path, value.into_owned());
    }
    into_arrays(root)
}

fn insert(node: &mut Value, path: &[String], value: String) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if !node.is_object() {
        *node = Value::Object(Map::new());
    }
    let Some(object) = node.as_object_mut() else {
        return;
    };
    // `key[]`: the next free index.
    let key = if first.is_empty() {
        object.len().to_string()
    } else {
        first.clone()
    };
    if rest.is_empty() {
        object.insert(key, Value::String(value));
    } else {
        insert(
            object
                .entry(key)
                .or_insert_with(|| Value::Object(Map::new())),
            rest,
            value,
        );
    }
}

/// Objects keyed 0, 1, 2… become arrays, in index order.
fn into_arrays(node: Value) -> Value {
    match node {
        Value::Object(object) => {
            let numeric = !object.is_empty()
                && object
                    .keys()
                    .all(|k| !k.is_empty() && k.bytes().all(|b| b.is_ascii_digit()));
            if numeric {
                let mut items: Vec<(u64, Value)> = object
                    .into_iter()
                    .filter_map(|(k, v)| Some((k.parse().ok()?, into_arrays(v))))
                    .collect();
                items.sort_by_key(|(index, _)| *index);
                Value::Array(items.into_iter().map(|(_, v)| v).collect())
            } else {
                Value::Object(
                    object
                        .into_iter()
                        .map(|(k, v)| (k, into_arrays(v)))
                        .collect(),
                )
            }
        }
        other => other,
    }
}

/// The `Stripe-Signature` header value Stripe would send for `payload` at `timestamp`.
pub fn sign_webhook(payload: &[u8], secret: &str, timestamp: i64) -> String {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes keys of any length");
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(payload);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

static EVENT_IDS: AtomicU64 = AtomicU64::new(1);

/// An event envelope around `object`, with a fresh `evt_…` id. Serialize it once and send
/// the same bytes again to simulate a duplicate delivery.
pub fn event(kind: &str, object: Value, previous_attributes: Option<Value>) -> Value {
    let mut data = json!({ "object": object });
    if let Some(previous) = previous_attributes {
        data["previous_attributes"] = previous;
    }
    json!({
        "id": format!("evt_Fk{:012}", EVENT_IDS.fetch_add(1, Ordering::Relaxed)),
        "object": "event", "api_version": API_VERSION, "created": Utc::now().timestamp(),
        "data": data, "livemode": false, "pending_webhooks": 1,
        "request": {"id": null, "idempotency_key": null}, "type": kind
    })
}

/// `invoice.paid` for an invoice from [`FakeStripe::create_invoice`].
pub fn invoice_paid(invoice: &Value) -> Value {
    event("invoice.paid", invoice.clone(), None)
}

/// `invoice.payment_failed` for an invoice from [`FakeStripe::create_invoice`].
pub fn invoice_payment_failed(invoice: &Value) -> Value {
    event("invoice.payment_failed", invoice.clone(), None)
}

/// `customer.subscription.updated`; `previous_status` fills `previous_attributes`.
pub fn subscription_updated(subscription: &Value, previous_status: &str) -> Value {
    event(
        "customer.subscription.updated",
        subscription.clone(),
        Some(json!({ "status": previous_status })),
    )
}

/// `customer.subscription.deleted` for a subscription from
/// [`FakeStripe::cancel_subscription`].
pub fn subscription_deleted(subscription: &Value) -> Value {
    event("customer.subscription.deleted", subscription.clone(), None)
}

/// `checkout.session.completed` for a session from [`FakeStripe::complete_checkout`].
pub fn checkout_session_completed(session: &Value) -> Value {
    event("checkout.session.completed", session.clone(), None)
}

/// A delivery as Stripe would POST it: the body bytes and its `Stripe-Signature` value,
/// signed now with `secret`.
pub fn signed_delivery(event: &Value, secret: &str) -> (Vec<u8>, String) {
    let body = event.to_string().into_bytes();
    let signature = sign_webhook(&body, secret, Utc::now().timestamp());
    (body, signature)
}
