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

#[cfg(test)]
mod tests {
    use hmac::{Hmac, Mac};
    use otklik_billing::stripe::{TOLERANCE_SECS, verify_signature};
    use proptest::prelude::*;
    use sha2::Sha256;

    const SECRET: &str = "whsec_test_secret_0123456789";
    const NOW: i64 = 1_800_000_000;

    fn sign(body: &[u8], at: i64, secret: &str) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
        mac.update(at.to_string().as_bytes());
        mac.update(b".");
        mac.update(body);
        format!("t={at},v1={}", hex::encode(mac.finalize().into_bytes()))
    }

    proptest! {
        /// Whatever header and body arrive, the check answers without panicking, and accepts
        /// nothing it did not sign.
        #[test]
        fn arbitrary_headers_never_verify(body in proptest::collection::vec(any::<u8>(), 0..512), header in ".{0,200}") {
            prop_assert!(verify_signature(&body, &header, &[SECRET], NOW).is_err());
        }

        /// A signed body verifies; any other body, secret or an old enough time does not.
        #[test]
        fn only_the_signed_body_verifies(
            body in proptest::collection::vec(any::<u8>(), 1..512),
            flip in any::<prop::sample::Index>(),
            skew in -TOLERANCE_SECS..=TOLERANCE_SECS,
        ) {
            let header = sign(&body, NOW + skew, SECRET);
            prop_assert!(verify_signature(&body, &header, &[SECRET], NOW).is_ok());
            let mut forged = body.clone();
            let at = flip.index(forged.len());
            forged[at] ^= 0x01;
            prop_assert!(verify_signature(&forged, &header, &[SECRET], NOW).is_err());
            prop_assert!(verify_signature(&body, &sign(&body, NOW + skew, "whsec_other"), &[SECRET], NOW).is_err());
            let stale = sign(&body, NOW - TOLERANCE_SECS - 1 - skew.abs(), SECRET);
            prop_assert!(verify_signature(&body, &stale, &[SECRET], NOW).is_err());
        }
    }
}
