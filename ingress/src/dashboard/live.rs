//! `GET /ws`: the operator dashboard's live events over a WebSocket.
//!
//! The socket authenticates with an access token (`?token=` or a first message
//! `{"token": "..."}`), then receives the events published on its tenant's operator topic
//! (`otklik_jobs::topics::operators`) by the workers and by the admin API. Refusals and expired
//! tokens close the socket with code 4401, so the page knows to refresh its token.
//!
//! Fan-out is `realtime.rs`'s hub on the operator topics: one Redis pattern subscription per
//! process, a broadcast channel per tenant while someone listens, so any number of ingress
//! processes work.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use otklik_schema::TenantId;
use serde::Deserialize;
use tokio::sync::broadcast;

use crate::api::permissions::{Permission, allows};
use crate::{ApiError, AppState};

/// Close code for "sign in again": a missing, bad or expired token.
pub const UNAUTHORIZED: u16 = 4401;
/// How long a socket may stay silent before sending its token.
const TOKEN_WAIT: Duration = Duration::from_secs(10);
/// Keeps idle proxies from closing a quiet socket.
const PING_EVERY: Duration = Duration::from_secs(30);

#[derive(Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

#[derive(Deserialize)]
struct TokenMessage {
    token: String,
}

/// Upgrades to a WebSocket; authentication happens on the socket so a refusal has a close code.
pub async fn socket(
    State(state): State<AppState>,
    query: Result<Query<TokenQuery>, axum::extract::rejection::QueryRejection>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let Ok(upgrade) = upgrade else {
        return ApiError::BadRequest("expected a WebSocket upgrade".into()).into_response();
    };
    let token = query.ok().and_then(|Query(q)| q.token);
    upgrade
        .max_message_size(16 * 1024)
        .on_upgrade(move |socket| serve(state, socket, token))
}

/// Who is on the socket, once the token checks out.
struct Operator {
    tenant: TenantId,
    expires_at: i64,
}

fn check(state: &AppState, token: &str) -> Option<Operator> {
    let claims = state.auth().signer.check(token.trim()).ok()?;
    claims.user()?;
    allows(claims.role, Permission::ReadConversations).then(|| Operator {
        tenant: claims.tenant(),
        expires_at: claims.exp,
    })
}

async fn close(mut socket: WebSocket, code: u16, reason: &'static str) {
    let frame = CloseFrame {
        code,
        reason: Utf8Bytes::from_static(reason),
    };
    let _ = socket.send(Message::Close(Some(frame))).await;
}

/// Reads the first message as `{"token": "..."}`.
async fn first_token(socket: &mut WebSocket) -> Option<String> {
    let message = tokio::time::timeout(TOKEN_WAIT, socket.recv())
        .await
        .ok()??
        .ok()?;
    let Message::Text(text) = message else {
        return None;
    };
    serde_json::from_str::<TokenMessage>(text.as_str())
        .ok()
        .map(|m| m.token)
}

async fn serve(state: AppState, mut socket: WebSocket, token: Option<String>) {
    let token = match token {
        Some(token) => Some(token),
        None => first_token(&mut socket).await,
    };
    let Some(operator) = token.as_deref().and_then(|token| check(&state, token)) else {
        return close(socket, UNAUTHORIZED, "sign in again").await;
    };
    let topic = otklik_jobs::topics::operators(&state.config().redis_namespace, operator.tenant);
    let mut events = state.operators().subscribe(topic).await;
    if socket
        .send(Message::Text(r#"{"type":"ready"}"#.into()))
        .await
        .is_err()
    {
        return;
    }
    let left = operator.expires_at - chrono::Utc::now().timestamp();
    let expiry = tokio::time::sleep(Duration::from_secs(u64::try_from(left).unwrap_or(0)));
    tokio::pin!(expiry);
    let stopping = state.stopping();
    tokio::pin!(stopping);
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            event = events.recv() => {
                let text = match event {
                    Ok(text) => text,
                    Err(broadcast::error::RecvError::Lagged(_)) => r#"{"type":"lagged"}"#.to_owned(),
                    Err(broadcast::error::RecvError::Closed) => break,
                };
                if socket.send(Message::Text(text.into())).await.is_err() {
                    return;
                }
            }
            incoming = socket.recv() => match incoming {
                // The page has nothing to say after its token; pongs are answered by axum.
                Some(Ok(Message::Close(_)) | Err(_)) | None => return,
                Some(Ok(_)) => {}
            },
            _ = ping.tick() => {
                if socket.send(Message::Ping(Default::default())).await.is_err() {
                    return;
                }
            }
            () = &mut expiry => return close(socket, UNAUTHORIZED, "the access token has expired").await,
            () = &mut stopping => return close(socket, 1001, "the server is restarting").await,
        }
    }
}
