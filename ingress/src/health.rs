use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::AppState;

const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

pub async fn healthz() -> &'static str {
    "ok"
}

/// Ready when both Redis and PostgreSQL answer within two seconds.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let mut redis = state.redis();
    let redis_ok = tokio::time::timeout(
        CHECK_TIMEOUT,
        redis::cmd("PING").query_async::<String>(&mut redis),
    )
    .await
    .is_ok_and(|r| r.is_ok());
    let postgres_ok = tokio::time::timeout(CHECK_TIMEOUT, otklik_db::ping(state.public_db()))
        .await
        .is_ok_and(|r| r.is_ok());
    let word = |ok: bool| if ok { "ok" } else { "unavailable" };
    let status = if redis_ok && postgres_ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({ "redis": word(redis_ok), "postgres": word(postgres_ok) })),
    )
}
