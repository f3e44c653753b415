//! `/alerts/unsubscribe?token=…`: the link every alert e-mail carries. `GET` shows a small page
//! with a button (a link opened by a mail scanner must not unsubscribe anyone); `POST` switches
//! that kind of alert off for that person — the button's form, and the one-click unsubscribe of
//! mail clients (RFC 8058, `List-Unsubscribe-Post`). The token is signed
//! ([`otklik_jobs::UnsubscribeTokens`]), so it is checked before anything is read; a bad or
//! forged one answers 400 and changes nothing.

use std::sync::LazyLock;

use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use otklik_db::{DbError, TenantScope, alerts};
use otklik_jobs::Unsubscribe;
use otklik_schema::AlertKind;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::AppState;

const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:32rem;margin:4rem auto;\
padding:0 1rem;color:#1f2328}button{font:inherit;padding:.5rem 1.25rem;border:0;\
border-radius:6px;background:#1f6feb;color:#fff;cursor:pointer}.muted{color:#656d76}";

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

#[derive(Deserialize)]
pub struct Link {
    token: Option<String>,
}

/// What the person is unsubscribing from, as the page names it.
fn described(kind: AlertKind) -> &'static str {
    match kind {
        AlertKind::WaitingConversation => "о покупателях, которые ждут ответа сотрудника",
        AlertKind::SyncFailing => "о сбоях синхронизации с кабинетами маркетплейсов",
        AlertKind::WbQuestionDeadline => "о вопросах WB, срок ответа на которые подходит к концу",
        AlertKind::Billing => "об окончании пробного периода и о непрошедших платежах",
    }
}

/// The confirmation page: one button that posts the token back.
pub async fn page(State(state): State<AppState>, Query(link): Query<Link>) -> Response {
    let Some(to) = verified(&state, link.token.as_deref()) else {
        return invalid();
    };
    let action = format!(
        "/alerts/unsubscribe?token={}",
        state.unsubscribe_tokens().sign(to)
    );
    answer(
        StatusCode::OK,
        &format!(
            "<h1>Отписаться от писем?</h1>\
             <p>Вы больше не будете получать письма {what}.</p>\
             <form method=\"post\" action=\"{action}\"><button type=\"submit\">Отписаться</button></form>\
             <p class=\"muted\">Включить их снова можно в панели Otklik: «Настройки» → «Уведомления на почту».</p>",
            what = described(to.kind),
        ),
    )
}

/// Switches the alert off: the page's button, or a mail client's one-click request.
pub async fn confirm(State(state): State<AppState>, Query(link): Query<Link>) -> Response {
    let Some(to) = verified(&state, link.token.as_deref()) else {
        return invalid();
    };
    match switch_off(&state, to).await {
        Ok(true) => {
            tracing::info!(tenant.id = %to.tenant_id, user.id = %to.user_id, kind = %to.kind, "alert unsubscribed");
            answer(
                StatusCode::OK,
                &format!(
                    "<h1>Готово</h1><p>Письма {what} больше не придут.</p>\
                     <p class=\"muted\">Включить их снова можно в панели Otklik: «Настройки» → «Уведомления на почту».</p>",
                    what = described(to.kind),
                ),
            )
        }
        Ok(false) => invalid(),
        Err(err) => {
            tracing::error!(error = %err, "could not unsubscribe");
            answer(
                StatusCode::SERVICE_UNAVAILABLE,
                "<h1>Не получилось</h1><p>Сервис временно недоступен. Попробуйте через несколько минут.</p>",
            )
        }
    }
}

fn verified(state: &AppState, token: Option<&str>) -> Option<Unsubscribe> {
    state.unsubscribe_tokens().verify(token?)
}

/// `false` when the person is no longer an active member of the shop.
async fn switch_off(state: &AppState, to: Unsubscribe) -> Result<bool, DbError> {
    let mut conn = state.public_db().get().await.map_err(DbError::from)?;
    // The token is signed by us, so its shop is one of our own records.
    let scope = TenantScope::trusted(to.tenant_id);
    Ok(
        alerts::switch(&mut conn, scope, to.user_id, &[], &[to.kind])
            .await?
            .is_some(),
    )
}

fn invalid() -> Response {
    answer(
        StatusCode::BAD_REQUEST,
        "<h1>Ссылка недействительна</h1>\
         <p>Ссылка повреждена или устарела. Выбрать, какие письма получать, можно в панели Otklik: \
         «Настройки» → «Уведомления на почту».</p>",
    )
}

fn answer(status: StatusCode, content: &str) -> Response {
    let page = format!(
        "<!doctype html><html lang=\"ru\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Уведомления Otklik</title><style>{STYLE}</style></head><body>{content}</body></html>"
    );
    let mut response = (status, Html(page)).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, POLICY.clone());
    response
}
