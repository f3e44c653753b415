//! The fake's payment page: what `confirmation_url` opens. ЮKassa's real page takes the card
//! and runs 3-D Secure; here a person (or a browser test) chooses how it ends, and the page does
//! what ЮKassa does next: settles the payment, posts its notification, and sends the payer back
//! to the shop's `return_url`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{Html, IntoResponse, Response};
use serde_json::Value;

use super::{PoisonError, Shared, decline, notification, pay};

fn order_id(uri: &Uri) -> Option<String> {
    form_urlencoded::parse(uri.query()?.as_bytes())
        .find(|(key, _)| key == "orderId")
        .map(|(_, id)| id.into_owned())
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// «39 900,00 ₽» from ЮKassa's `{"value": "39900.00", "currency": "RUB"}`.
fn amount(payment: &Value) -> String {
    let value = payment["amount"]["value"].as_str().unwrap_or("0.00");
    let (whole, cents) = value.split_once('.').unwrap_or((value, "00"));
    let mut grouped = String::new();
    for (i, digit) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('\u{a0}');
        }
        grouped.push(digit);
    }
    let currency = match payment["amount"]["currency"].as_str() {
        Some("RUB") | None => "₽",
        Some(other) => other,
    };
    format!("{grouped},{cents}\u{a0}{currency}")
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        Html("<!doctype html><meta charset=utf-8><p>Платёж не найден</p>"),
    )
        .into_response()
}

pub(super) async fn page(State((state, _)): State<Shared>, uri: Uri) -> Response {
    let Some(id) = order_id(&uri) else {
        return not_found();
    };
    let state = state.lock().unwrap_or_else(PoisonError::into_inner);
    let Some(payment) = state.payments.get(&id) else {
        return not_found();
    };
    let body = if payment["status"] == "pending" {
        r#"<form method="post">
<button name="action" value="pay" class="pay">Оплатить</button>
<button name="action" value="decline">Банк отказал</button>
</form>"#
            .to_owned()
    } else {
        format!(
            "<p>Платёж уже {}.</p>",
            if payment["status"] == "succeeded" {
                "оплачен"
            } else {
                "отменён"
            }
        )
    };
    Html(format!(
        r#"<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>ЮKassa — оплата (тестовая)</title>
<style>body{{font:16px system-ui,sans-serif;max-width:420px;margin:48px auto;padding:0 16px}}
.pay{{background:#1a1a1a;color:#fff}}button{{font:inherit;padding:10px 16px;margin-right:8px;border-radius:8px;border:1px solid #1a1a1a;cursor:pointer}}</style>
</head><body>
<h1>ЮKassa</h1>
<p><strong>Тестовая оплата</strong>: деньги не списываются.</p>
<p>{description}</p>
<p class="amount">К оплате: <strong>{amount}</strong></p>
<p>Карта Мир •••• 0004</p>
{body}
</body></html>"#,
        description = escape(payment["description"].as_str().unwrap_or("")),
        amount = amount(payment),
    ))
    .into_response()
}

pub(super) async fn settle(State((state, _)): State<Shared>, uri: Uri, body: Bytes) -> Response {
    let Some(id) = order_id(&uri) else {
        return not_found();
    };
    let action = form_urlencoded::parse(&body)
        .find(|(key, _)| key == "action")
        .map(|(_, action)| action.into_owned());
    let (settled, return_url, notify) = {
        let mut state = state.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(return_url) = state
            .payments
            .get(&id)
            .and_then(|payment| payment["confirmation"]["return_url"].as_str())
            .map(str::to_owned)
        else {
            return not_found();
        };
        let settled = match action.as_deref() {
            Some("pay") => pay(&mut state, &id).map(|p| ("payment.succeeded", p)),
            Some("decline") => {
                decline(&mut state, &id, "insufficient_funds").map(|p| ("payment.canceled", p))
            }
            _ => None,
        };
        (settled, return_url, state.notify.clone())
    };
    if let (Some((event, payment)), Some(url)) = (settled, notify) {
        let sent = reqwest::Client::new()
            .post(&url)
            .json(&notification(event, &payment))
            .send()
            .await;
        if let Err(err) = sent {
            tracing::warn!(error = %err, "the fake ЮKassa could not post a notification");
        }
    }
    (StatusCode::SEE_OTHER, [(header::LOCATION, return_url)]).into_response()
}
