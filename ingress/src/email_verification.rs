//! `/verify-email?token=…`: the link the confirmation e-mail after sign-up carries. `GET` shows a
//! small page with a button (a link opened by a mail scanner must not spend the single-use
//! link); `POST` confirms the address, and a shop that waited for it goes live — then the page
//! leads to the dashboard. A link that is unknown (404), used (409) or past its 48 hours (410)
//! gets a page saying so, and changes nothing.

use std::sync::LazyLock;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use otklik_db::DbError;
use otklik_db::email_verifications::{self, Link};
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;\
padding:0 1rem;color:#1f2328}button,.button{font:inherit;padding:.5rem 1.25rem;border:0;\
border-radius:6px;background:#1f6feb;color:#fff;cursor:pointer;text-decoration:none;\
display:inline-block}.muted{color:#656d76}";

/// Only the page's own style and a form posted back here.
static POLICY: LazyLock<HeaderValue> = LazyLock::new(|| {
    let policy = format!(
        "default-src 'none'; style-src 'sha256-{}'; form-action 'self'; base-uri 'none'; \
         frame-ancestors 'none'",
        STANDARD.encode(Sha256::digest(STYLE.as_bytes()))
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
});

/// The longest token the page reads: ours are 43 characters.
const MAX_TOKEN: usize = 128;

#[derive(Deserialize)]
pub struct Params {
    token: Option<String>,
}

/// The token from the query, if it could be one of ours (URL-safe base64, so it goes back into
/// the page's form as it is).
fn token(query: &Params) -> Option<&str> {
    query.token.as_deref().filter(|token| {
        (1..=MAX_TOKEN).contains(&token.len())
            && token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    })
}

/// The confirmation page: one button that posts the token back.
pub async fn page(State(state): State<AppState>, Query(query): Query<Params>) -> Response {
    let Some(token) = token(&query) else {
        return refused(&Link::Unknown);
    };
    let hash = otklik_jobs::token_hash(token);
    let link = match look(&state, &hash).await {
        Ok(link) => link,
        Err(err) => return unavailable(&err),
    };
    if link != Link::Usable {
        return refused(&link);
    }
    answer(
        StatusCode::OK,
        &format!(
            "<h1>Подтвердите адрес почты</h1>\
             <p>Нажмите кнопку, и магазин заработает: каналы начнут отвечать покупателям.</p>\
             <form method=\"post\" action=\"/verify-email?token={token}\">\
             <button type=\"submit\">Подтвердить адрес</button></form>"
        ),
    )
}

/// Confirms the address: the page's button.
pub async fn confirm(State(state): State<AppState>, Query(query): Query<Params>) -> Response {
    let Some(token) = token(&query) else {
        return refused(&Link::Unknown);
    };
    let hash = otklik_jobs::token_hash(token);
    let confirmed = async {
        let mut conn = state.public_db().get().await.map_err(DbError::from)?;
        email_verifications::confirm(&mut conn, &hash).await
    }
    .await;
    match confirmed {
        Ok(Link::Confirmed {
            tenant,
            switched_on,
        }) => {
            // This process's web-chat cache learns at once; the others within its lifetime.
            for id in &switched_on {
                state.webchat_channels().forget(*id);
            }
            tracing::info!(tenant.id = %tenant, channels = switched_on.len(), "e-mail address confirmed");
            answer(
                StatusCode::OK,
                "<h1>Адрес подтверждён</h1>\
                 <p>Спасибо! Магазин заработал: подключённые каналы отвечают покупателям.</p>\
                 <p><a class=\"button\" href=\"/app/\">Перейти в панель</a></p>",
            )
        }
        Ok(other) => refused(&other),
        Err(err) => unavailable(&err),
    }
}

async fn look(state: &AppState, hash: &str) -> Result<Link, DbError> {
    let mut conn = state.public_db().get().await.map_err(DbError::from)?;
    email_verifications::look(&mut conn, hash).await
}

/// A link that cannot confirm, and why.
fn refused(link: &Link) -> Response {
    let to_dashboard = "<p><a class=\"button\" href=\"/app/\">Перейти в панель</a></p>";
    match link {
        Link::Used => answer(
            StatusCode::CONFLICT,
            &format!(
                "<h1>Ссылка уже использована</h1>\
                 <p>Адрес уже подтверждён — повторно ничего делать не нужно.</p>{to_dashboard}"
            ),
        ),
        Link::Expired => answer(
            StatusCode::GONE,
            &format!(
                "<h1>Срок действия ссылки истёк</h1>\
                 <p>Ссылка действует 48 часов. Войдите в панель и нажмите «Отправить письмо ещё раз» \
                 — придёт новая.</p>{to_dashboard}"
            ),
        ),
        Link::Usable | Link::Confirmed { .. } | Link::Unknown => answer(
            StatusCode::NOT_FOUND,
            &format!(
                "<h1>Ссылка недействительна</h1>\
                 <p>Ссылка повреждена или такой ссылки нет. Откройте ссылку из письма целиком \
                 или запросите новое письмо в панели.</p>{to_dashboard}"
            ),
        ),
    }
}

fn unavailable(err: &DbError) -> Response {
    tracing::error!(error = %err, "could not read an address confirmation link");
    answer(
        StatusCode::SERVICE_UNAVAILABLE,
        "<h1>Не получилось</h1><p>Сервис временно недоступен. Попробуйте через несколько минут.</p>",
    )
}

fn answer(status: StatusCode, content: &str) -> Response {
    let page = format!(
        "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Подтверждение адреса — Otklik</title><style>{STYLE}</style></head>\
         <body>{content}</body></html>"
    );
    let mut response = (status, Html(page)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, POLICY.clone());
    // The token is in the address: no cache keeps the page, no referrer carries it away.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    response
}
