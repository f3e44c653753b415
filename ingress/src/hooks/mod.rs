//! Webhook receivers: verify, enqueue, acknowledge. Redis only; no SQL, no outbound HTTP.

pub mod telegram;

use std::time::Instant;

use otklik_jobs::InboundEvent;

use crate::{ApiError, AppState};

/// Enqueues an accepted event, or fails with 503 so the sender retries. Bounded by the enqueue
/// timeout: a stalled Redis must not hold the sender's connection.
pub(crate) async fn enqueue(state: &AppState, event: InboundEvent) -> Result<(), ApiError> {
    let started = Instant::now();
    let pushed =
        tokio::time::timeout(state.enqueue_timeout(), state.queues().push_inbound(event)).await;
    state.metrics().observe_enqueue(started.elapsed());
    match pushed {
        Ok(Ok(())) => Ok(()),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "could not enqueue an inbound event; answering 503");
            Err(ApiError::QueueUnavailable)
        }
        Err(_) => {
            tracing::warn!("Redis did not accept an inbound event in time; answering 503");
            Err(ApiError::QueueUnavailable)
        }
    }
}
