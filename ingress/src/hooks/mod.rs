//! Webhook receivers: verify, enqueue, acknowledge. Redis only; no SQL, no outbound HTTP.

pub mod max;
pub mod stripe;
pub mod telegram;
pub mod vk;
pub mod whatsapp;
pub mod yookassa;

use std::time::Instant;

use otklik_jobs::{BillingJob, InboundEvent};

use crate::{ApiError, AppState};

/// Enqueues an accepted event, or fails with 503 so the sender retries. Bounded by the enqueue
/// timeout: a stalled Redis must not hold the sender's connection.
pub(crate) async fn enqueue(state: &AppState, event: InboundEvent) -> Result<(), ApiError> {
    bounded(state, state.queues().push_inbound(event)).await
}

/// Enqueues a verified payment provider event, like [`enqueue`].
pub(crate) async fn enqueue_billing(state: &AppState, job: BillingJob) -> Result<(), ApiError> {
    bounded(state, state.queues().push_billing(job)).await
}

async fn bounded(
    state: &AppState,
    push: impl Future<Output = Result<(), otklik_jobs::EnqueueError>>,
) -> Result<(), ApiError> {
    let started = Instant::now();
    let pushed = enqueue_in_time(state, "an accepted event", push).await;
    state.metrics().observe_enqueue(started.elapsed());
    pushed
}

/// Waits for Redis to take `what` no longer than a webhook would; 503 when it does not, so the
/// caller retries.
pub(crate) async fn enqueue_in_time(
    state: &AppState,
    what: &str,
    push: impl Future<Output = Result<(), otklik_jobs::EnqueueError>>,
) -> Result<(), ApiError> {
    match tokio::time::timeout(state.enqueue_timeout(), push).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "could not enqueue {what}");
            Err(ApiError::QueueUnavailable)
        }
        Err(_) => {
            tracing::warn!("Redis did not take {what} in time");
            Err(ApiError::QueueUnavailable)
        }
    }
}
