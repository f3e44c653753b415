//! A fake ЮKassa API v3, stateful where billing depends on state, and notification fixtures.
//!
//! It speaks ЮKassa's wire protocol for what otklik-billing uses, so the real client runs
//! against it through its base URL: JSON bodies, HTTP Basic `shopId:secretKey` (401
//! `invalid_credentials` otherwise), ЮKassa's error envelope `{"type":"error","id","code",
//! "description","parameter"}`, and the `Idempotence-Key` every POST must carry (400 without
//! one; the same key and body → the stored answer; the same key with another body → 400).
//! A shop with 54-FZ receipts on: a payment or refund without a `receipt` whose items
//! (`amount` per unit × `quantity`) add up to its amount is refused.
//!
//! Endpoints: `POST /v3/payments`, `GET /v3/payments/{id}`, `POST /v3/refunds`,
//! `GET /v3/refunds/{id}`.
//!
//! A payment with `confirmation.type = redirect` is `pending` with a `confirmation_url` (the
//! card and 3-D Secure page) until the test plays the payer: [`FakeYooKassa::pay`] or
//! [`FakeYooKassa::decline`]. A payment with a saved `payment_method_id` (an autopayment)
//! succeeds at once unless [`FakeYooKassa::decline_next_autopayment`] said otherwise. The
//! fake sends no notifications unless told where ([`FakeYooKassa::notify_to`]): tests post
//! [`notification`] fixtures to the ingress themselves.
//!
//! The `confirmation_url` is a page of the fake (`GET /checkout/payments/v2/contract`) where a
//! person plays the payer in the demo and the browser tests: «Оплатить» or «Банк отказал»
//! settle the payment, post its notification where told, and return to the shop's
//! `return_url`.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use serde_json::{Value, json};

mod checkout;

pub const SHOP_ID: &str = "506751";
pub const SECRET_KEY: &str = "test_otklik_fake_secret";

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct FakeRequest {
    pub method: String,
    pub path: String,
    pub idempotence_key: Option<String>,
    /// The JSON body (`Null` for GET).
    pub body: Value,
    /// Answered from the idempotence store.
    pub replayed: bool,
}

#[derive(Default)]
struct FakeState {
    next_id: u64,
    payments: BTreeMap<String, Value>,
    /// Payments created with `save_payment_method: true`, saved once they succeed.
    saving: HashSet<String>,
    saved_methods: HashSet<String>,
    refunds: BTreeMap<String, Value>,
    idempotence: HashMap<String, (String, Value, StatusCode, Value)>,
    autopayment_declines: VecDeque<String>,
    requests: Vec<FakeRequest>,
    /// Where the checkout page posts the notification of a payment it settled.
    notify: Option<String>,
}

impl FakeState {
    fn id(&mut self) -> String {
        self.next_id += 1;
        format!(
            "2f3b{:04x}-000f-5000-8000-{:012x}",
            self.next_id, self.next_id
        )
    }
}

/// The fake, running on a loopback port until its runtime ends.
#[derive(Clone)]
pub struct FakeYooKassa {
    addr: SocketAddr,
    state: Arc<Mutex<FakeState>>,
}

impl FakeYooKassa {
    pub async fn start() -> std::io::Result<Self> {
        Self::start_on("127.0.0.1:0").await
    }

    pub async fn start_on(addr: &str) -> std::io::Result<Self> {
        let listener = tokio::net::TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(FakeState::default()));
        let app = Router::new()
            .route(
                "/checkout/payments/v2/contract",
                axum::routing::get(checkout::page).post(checkout::settle),
            )
            .fallback(handle)
            .with_state((state.clone(), addr));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { addr, state })
    }

    /// The API base to configure (`…/v3/`).
    pub fn url(&self) -> String {
        format!("http://{}/v3/", self.addr)
    }

    /// The checkout page posts each payment it settles to `url` as ЮKassa would (the
    /// ingress's `/hooks/yookassa`).
    pub fn notify_to(&self, url: &str) {
        self.lock().notify = Some(url.to_owned());
    }

    fn lock(&self) -> MutexGuard<'_, FakeState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub fn requests(&self) -> Vec<FakeRequest> {
        self.lock().requests.clone()
    }

    /// POSTs to `path` that created something (not replays).
    pub fn created(&self, path: &str) -> Vec<FakeRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == path && !r.replayed)
            .collect()
    }

    pub fn payment(&self, id: &str) -> Option<Value> {
        self.lock().payments.get(id).cloned()
    }

    pub fn refunds(&self) -> Vec<Value> {
        self.lock().refunds.values().cloned().collect()
    }

    /// The payer completes the page (card, 3-D Secure): the pending payment succeeds and its
    /// method is saved if it asked to be. Returns the payment, for a notification.
    pub fn pay(&self, id: &str) -> Option<Value> {
        pay(&mut self.lock(), id)
    }

    /// The payment fails on the page (`3d_secure_failed`, `insufficient_funds`, …).
    pub fn decline(&self, id: &str, reason: &str) -> Option<Value> {
        decline(&mut self.lock(), id, reason)
    }

    /// The next autopayment is declined by the card's bank with `reason`.
    pub fn decline_next_autopayment(&self, reason: &str) {
        self.lock()
            .autopayment_declines
            .push_back(reason.to_owned());
    }
}

fn pay(state: &mut FakeState, id: &str) -> Option<Value> {
    let saving = state.saving.contains(id);
    let payment = state.payments.get_mut(id)?;
    if payment["status"] != "pending" {
        return None;
    }
    payment["status"] = json!("succeeded");
    payment["paid"] = json!(true);
    payment["refundable"] = json!(true);
    payment["captured_at"] = json!(chrono::Utc::now().to_rfc3339());
    payment["payment_method"]["saved"] = json!(saving);
    payment.as_object_mut()?.remove("confirmation");
    let payment = payment.clone();
    if saving {
        state.saved_methods.insert(id.to_owned());
    }
    Some(payment)
}

fn decline(state: &mut FakeState, id: &str, reason: &str) -> Option<Value> {
    let payment = state.payments.get_mut(id)?;
    if payment["status"] != "pending" {
        return None;
    }
    cancel(payment, reason);
    Some(payment.clone())
}

fn cancel(payment: &mut Value, reason: &str) {
    payment["status"] = json!("canceled");
    payment["paid"] = json!(false);
    payment["cancellation_details"] = json!({
        "party": if reason == "3d_secure_failed" { "yoo_money" } else { "payment_network" },
        "reason": reason,
    });
    if let Some(object) = payment.as_object_mut() {
        object.remove("confirmation");
    }
}

/// A notification as ЮKassa posts it.
pub fn notification(event: &str, object: &Value) -> Value {
    json!({ "type": "notification", "event": event, "object": object })
}

fn error(
    status: StatusCode,
    code: &str,
    description: &str,
    parameter: Option<&str>,
) -> (StatusCode, Value) {
    let mut body = json!({
        "type": "error", "id": uuid::Uuid::new_v4().to_string(),
        "code": code, "description": description,
    });
    if let Some(parameter) = parameter {
        body["parameter"] = json!(parameter);
    }
    (status, body)
}

type Shared = (Arc<Mutex<FakeState>>, SocketAddr);

async fn handle(
    State((state, addr)): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let key = headers
        .get("idempotence-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let json_body: Value = if method == Method::POST {
        match serde_json::from_slice(&body) {
            Ok(value) => value,
            Err(_) => {
                let (status, body) = error(
                    StatusCode::BAD_REQUEST,
                    "invalid_request",
                    "Request body is not valid JSON",
                    None,
                );
                return (status, axum::Json(body)).into_response();
            }
        }
    } else {
        Value::Null
    };
    let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{SHOP_ID}:{SECRET_KEY}"))
    );
    let authorized = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        == Some(expected.as_str());
    let mut replayed = false;
    let (status, answer) = if !authorized {
        error(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "Login or password is incorrect",
            None,
        )
    } else if method == Method::POST {
        match &key {
            None => error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Idempotence key header is missing",
                Some("Idempotence-Key"),
            ),
            Some(key) if key.is_empty() || key.len() > 64 => error(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "Idempotence key is invalid",
                Some("Idempotence-Key"),
            ),
            Some(key) => {
                if let Some((stored_path, stored_body, status, answer)) =
                    state.idempotence.get(key).cloned()
                {
                    if stored_path == path && stored_body == json_body {
                        replayed = true;
                        (status, answer)
                    } else {
                        error(
                            StatusCode::BAD_REQUEST,
                            "invalid_request",
                            "Idempotence key was already used with other data",
                            Some("Idempotence-Key"),
                        )
                    }
                } else {
                    let (status, answer) = execute(&mut state, addr, &path, &json_body);
                    // Server errors are not stored: the outcome is unknown, a retry executes.
                    if status.is_success() || status.is_client_error() {
                        state.idempotence.insert(
                            key.clone(),
                            (path.clone(), json_body.clone(), status, answer.clone()),
                        );
                    }
                    (status, answer)
                }
            }
        }
    } else if method == Method::GET {
        let found = if let Some(id) = path.strip_prefix("/v3/payments/") {
            state.payments.get(id).cloned()
        } else if let Some(id) = path.strip_prefix("/v3/refunds/") {
            state.refunds.get(id).cloned()
        } else {
            None
        };
        match found {
            Some(object) => (StatusCode::OK, object),
            None => error(StatusCode::NOT_FOUND, "not_found", "Object not found", None),
        }
    } else {
        (StatusCode::METHOD_NOT_ALLOWED, json!({}))
    };
    state.requests.push(FakeRequest {
        method: method.to_string(),
        path,
        idempotence_key: key,
        body: json_body,
        replayed,
    });
    (status, axum::Json(answer)).into_response()
}

/// Kopecks of a `{"value","currency":"RUB"}` amount; `None` if malformed.
fn kopecks(amount: &Value) -> Option<i64> {
    if amount["currency"] != "RUB" {
        return None;
    }
    let value = amount["value"].as_str()?;
    let (whole, fraction) = value.split_once('.').unwrap_or((value, "00"));
    if fraction.len() != 2
        || !whole
            .bytes()
            .chain(fraction.bytes())
            .all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some(whole.parse::<i64>().ok()? * 100 + fraction.parse::<i64>().ok()?)
}

fn rub(kopecks: i64) -> Value {
    json!({ "value": format!("{}.{:02}", kopecks / 100, kopecks % 100), "currency": "RUB" })
}

/// A 54-FZ receipt that adds up to `amount`, or the parameter that is wrong.
fn check_receipt(receipt: &Value, amount: i64) -> Result<(), &'static str> {
    let customer = &receipt["customer"];
    if customer["email"].as_str().is_none_or(|e| !e.contains('@'))
        && customer["phone"].as_str().is_none()
    {
        return Err("receipt.customer");
    }
    let items = receipt["items"]
        .as_array()
        .filter(|items| !items.is_empty())
        .ok_or("receipt.items")?;
    let mut total = 0;
    for item in items {
        let quantity = item["quantity"]
            .as_i64()
            .filter(|q| *q > 0)
            .ok_or("receipt.items.quantity")?;
        let unit = kopecks(&item["amount"]).ok_or("receipt.items.amount")?;
        item["description"]
            .as_str()
            .filter(|d| !d.is_empty() && d.chars().count() <= 128)
            .ok_or("receipt.items.description")?;
        item["vat_code"]
            .as_i64()
            .filter(|c| (1..=12).contains(c))
            .ok_or("receipt.items.vat_code")?;
        item["payment_subject"]
            .as_str()
            .ok_or("receipt.items.payment_subject")?;
        item["payment_mode"]
            .as_str()
            .ok_or("receipt.items.payment_mode")?;
        total += unit * quantity;
    }
    if total == amount {
        Ok(())
    } else {
        Err("receipt.items.amount")
    }
}

fn execute(
    state: &mut FakeState,
    addr: SocketAddr,
    path: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let bad = |description: &str, parameter: &str| {
        error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            description,
            Some(parameter),
        )
    };
    match path {
        "/v3/payments" => {
            let Some(amount) = kopecks(&body["amount"]).filter(|a| *a > 0) else {
                return bad("Amount is invalid", "amount");
            };
            if let Err(parameter) = check_receipt(&body["receipt"], amount) {
                return bad(
                    "Receipt is missing or does not match the payment",
                    parameter,
                );
            }
            let id = state.id();
            let now = chrono::Utc::now().to_rfc3339();
            let mut payment = json!({
                "id": id, "status": "pending", "paid": false, "amount": rub(amount),
                "description": body["description"], "recipient": {"account_id": SHOP_ID, "gateway_id": "2179531"},
                "created_at": now, "test": true, "refundable": false,
                "metadata": body.get("metadata").cloned().unwrap_or_else(|| json!({})),
                "receipt_registration": "pending",
            });
            if let Some(method) = body["payment_method_id"].as_str() {
                if !state.saved_methods.contains(method) {
                    return bad("Payment method is not saved", "payment_method_id");
                }
                payment["payment_method"] = json!({"type": "bank_card", "id": method, "saved": true,
                    "card": {"first6": "220000", "last4": "0004", "card_type": "Mir"}});
                match state.autopayment_declines.pop_front() {
                    Some(reason) => cancel(&mut payment, &reason),
                    None => {
                        payment["status"] = json!("succeeded");
                        payment["paid"] = json!(true);
                        payment["refundable"] = json!(true);
                        payment["captured_at"] = json!(now);
                    }
                }
            } else if body["confirmation"]["type"] == "redirect" {
                let Some(return_url) = body["confirmation"]["return_url"].as_str() else {
                    return bad("Return URL is missing", "confirmation.return_url");
                };
                if body["save_payment_method"] == json!(true) {
                    state.saving.insert(id.clone());
                }
                payment["payment_method"] = json!({"type": "bank_card", "id": id, "saved": false});
                payment["confirmation"] = json!({"type": "redirect", "return_url": return_url,
                    "confirmation_url": format!("http://{addr}/checkout/payments/v2/contract?orderId={id}")});
            } else {
                return bad(
                    "Confirmation or a saved payment method is required",
                    "confirmation",
                );
            }
            state.payments.insert(id, payment.clone());
            (StatusCode::OK, payment)
        }
        "/v3/refunds" => {
            let Some(payment_id) = body["payment_id"].as_str() else {
                return bad("Payment id is missing", "payment_id");
            };
            let Some(amount) = kopecks(&body["amount"]).filter(|a| *a > 0) else {
                return bad("Amount is invalid", "amount");
            };
            if let Err(parameter) = check_receipt(&body["receipt"], amount) {
                return bad("Receipt is missing or does not match the refund", parameter);
            }
            let Some(payment) = state.payments.get(payment_id).cloned() else {
                return error(
                    StatusCode::NOT_FOUND,
                    "not_found",
                    "Payment not found",
                    Some("payment_id"),
                );
            };
            let paid = kopecks(&payment["amount"]).unwrap_or(0);
            let refunded = payment
                .get("refunded_amount")
                .and_then(kopecks)
                .unwrap_or(0);
            if payment["status"] != "succeeded" || refunded + amount > paid {
                return bad(
                    "Refund amount exceeds what is left of the payment",
                    "amount",
                );
            }
            let id = state.id();
            let refund = json!({
                "id": id, "payment_id": payment_id, "status": "succeeded", "amount": rub(amount),
                "created_at": chrono::Utc::now().to_rfc3339(),
            });
            if let Some(payment) = state.payments.get_mut(payment_id) {
                payment["refunded_amount"] = rub(refunded + amount);
            }
            state.refunds.insert(id, refund.clone());
            (StatusCode::OK, refund)
        }
        _ => error(StatusCode::NOT_FOUND, "not_found", "Unknown endpoint", None),
    }
}
