//! `GET /ws`: the operator dashboard's live events over a WebSocket.
//!
//! The socket authenticates with an access token in its first message `{"token": "..."}` (never
//! in the URL, where logs and proxies would keep it), checked like every API call — revoked
//! sessions included —, then receives the events published on its tenant's operator topic
//! (`otklik_jobs::topics::operators`) by the workers and by the admin API. Refusals, expired
//! tokens and a revocation of the user's sessions (announced on the same topic) close the
//! socket with code 4401, so the page knows to refresh its token or sign in again.
//!
//! Fan-out is `realtime.rs`'s hub on the operator topics: one Redis pattern subscription per
//! process, a broadcast channel per tenant while someone listens, so any number of ingress
//! processes work.

use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::response::{IntoResponse, Response};
use otklik_jobs::OperatorEvent;
use otklik_schema::{TenantId, UserId};
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
struct TokenMessage {
    token: String,
}

/// Upgrades to a WebSocket; authentication happens on the socket so a refusal has a close code.
pub async fn socket(
    State(state): State<AppState>,
    upgrade: Result<WebSocketUpgrade, axum::extract::ws::rejection::WebSocketUpgradeRejection>,
) -> Response {
    let Ok(upgrade) = upgrade else {
        return ApiError::BadRequest("expected a WebSocket upgrade".into()).into_response();
    };
    upgrade
        .max_message_size(16 * 1024)
        .on_upgrade(move |socket| serve(state, socket))
}

/// Who is on the socket, once the token checks out.
struct Operator {
    user: UserId,
    tenant: TenantId,
    expires_at: i64,
}

async fn check(state: &AppState, token: &str) -> Option<Operator> {
    let claims = state.auth().signer.check(token.trim()).ok()?;
    let user = claims.user()?;
    let holds = state
        .auth()
        .revocations
        .holds(state.db(), user, claims.issued_ms())
        .await
        .ok()?;
    (holds && allows(claims.role, Permission::ReadConversations)).then(|| Operator {
        user,
        tenant: claims.tenant(),
        expires_at: claims.exp,
    })
}

/// Whether `event` announces the end of `user`'s sessions.
fn revokes(event: &str, user: UserId) -> bool {
    matches!(serde_json::from_str(event),
        Ok(OperatorEvent::SessionRevoked { user_id }) if user_id == user)
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

async fn serve(state: AppState, mut socket: WebSocket) {
    let operator = match first_token(&mut socket).await {
        Some(token) => check(&state, &token).await,
        None => None,
    };
    let Some(operator) = operator else {
        return close(socket, UNAUTHORIZED, "sign in again").await;
    };
    let topic = otklik_jobs::topics::operators(&state.config().redis_namespace, operator.tenant);
    let mut listener = state.operators().subscribe(topic).await;
    let events = listener.receiver();
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
                    Ok(text) if revokes(&text, operator.user) => {
                        return close(socket, UNAUTHORIZED, "the session was ended").await;
                    }
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
