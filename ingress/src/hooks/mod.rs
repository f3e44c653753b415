//! Webhook receivers: verify, enqueue, acknowledge. Redis only; no SQL, no outbound HTTP.

pub mod telegram;

use otklik_jobs::InboundEvent;

use crate::metrics::EnqueueTimer;
use crate::{ApiError, AppState};

/// Enqueues an accepted event, or fails with 503 so the sender retries. Bounded by the enqueue
/// timeout: a stalled Redis must not hold the sender's connection.
pub(crate) async fn enqueue(state: &AppState, event: InboundEvent) -> Result<(), ApiError> {
    let timer = EnqueueTimer::start();
    let pushed =
        tokio::time::timeout(state.enqueue_timeout(), state.queues().push_inbound(event)).await;
    timer.finish(state.metrics());
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
