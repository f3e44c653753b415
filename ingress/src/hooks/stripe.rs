//! `POST /hooks/stripe`: Stripe's events for the platform account. The signature is checked on
//! the raw body against the configured endpoint secrets; the event travels to the billing
//! worker as received, once per event id.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use otklik_billing::stripe::{SIGNATURE_HEADER, verify_signature};
use otklik_jobs::BillingJob;
use secrecy::ExposeSecret;
use serde::Deserialize;

use crate::{ApiError, AppState};

#[derive(Deserialize)]
struct EventHead {
    id: String,
}

pub async fn receive(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    let Some(secrets) = state.config().stripe_webhook_secrets.as_ref() else {
        return Err(ApiError::NotFound);
    };
    let secrets: Vec<&str> = secrets
        .expose_secret()
        .split(',')
        .map(str::trim)
        .filter(|secret| !secret.is_empty())
        .collect();
    let header = headers
        .get(SIGNATURE_HEADER)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(|| ApiError::BadRequest("missing Stripe-Signature header".into()))?;
    let now = chrono::Utc::now().timestamp();
    verify_signature(&body, header, &secrets, now).map_err(|err| {
        tracing::warn!(error = %err, "a Stripe webhook was refused");
        ApiError::BadRequest(format!("webhook not accepted: {err}"))
    })?;
    let head: EventHead = serde_json::from_slice(&body)
        .map_err(|err| ApiError::BadRequest(format!("not a Stripe event: {err}")))?;
    // Valid JSON is valid UTF-8.
    let body = String::from_utf8(body.to_vec())
        .map_err(|_| ApiError::BadRequest("the body is not UTF-8".into()))?;
    super::enqueue_billing(&state, BillingJob::ProviderEvent { id: head.id, body }).await?;
    Ok(StatusCode::OK)
}
