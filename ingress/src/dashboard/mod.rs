//! The operator dashboard at `/app`: static files built into the binary (no CDN, no build
//! step), served with a strict Content-Security-Policy, and its live socket at `/ws`.

#[cfg(test)]
pub(crate) mod catalogues;
#[cfg(test)]
mod labels;
pub mod live;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

const INDEX: &str = include_str!("../../assets/app/index.html");
/// The words in Russian and English (strings.*.js) and the language switch over them (i18n.js),
/// the shell with the conversations (app.js), then the other pages (pages.js) that use its
/// helpers: one request, and no route to add for more files.
const SCRIPT: &str = concat!(
    include_str!("../../assets/app/strings.ru.js"),
    include_str!("../../assets/app/strings.en.js"),
    include_str!("../../assets/app/i18n.js"),
    include_str!("../../assets/app/app.js"),
    include_str!("../../assets/app/pages.js")
);
const STYLE: &str = include_str!("../../assets/app/app.css");

/// Only our own files and our own API/WebSocket: no inline script, nothing from elsewhere.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

fn file(content_type: &'static str, body: &'static str) -> Response {
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // A new binary brings new files; revalidating is cheap for a few small files.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    response
}

/// `/app` → `/app/`, so the page's relative asset URLs resolve under `/app/`.
pub async fn redirect() -> Redirect {
    Redirect::permanent("/app/")
}

pub async fn index() -> Response {
    file("text/html; charset=utf-8", INDEX)
}

pub async fn script() -> Response {
    file("text/javascript; charset=utf-8", SCRIPT)
}

pub async fn style() -> Response {
    file("text/css; charset=utf-8", STYLE)
}
