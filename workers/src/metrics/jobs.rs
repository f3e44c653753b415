//! Counting every attempt of every job where the runner handles it: a tower layer between the
//! retry policy and the handler (with its panic guard), so in-process retries count one by one
//! and a panic is seen as the dead letter it becomes.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use apalis::prelude::{AbortError, BoxDynError};
use apalis_core::task::Task;
use otklik_jobs::Queue;
use tower::{Layer, Service};

use super::{JobOutcome, Metrics};

/// apalis-redis dead-letters a failed job at this attempt (hard-coded in its Lua).
const REDIS_MAX_ATTEMPTS: usize = 25;

/// Wraps a queue's handler so each attempt is counted and timed.
#[derive(Clone)]
pub(crate) struct JobMetricsLayer {
    queue: Queue,
    metrics: Metrics,
}

impl JobMetricsLayer {
    pub(crate) fn new(queue: Queue, metrics: Metrics) -> Self {
        Self { queue, metrics }
    }
}

impl<S> Layer<S> for JobMetricsLayer {
    type Service = Measured<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Measured {
            inner,
            queue: self.queue,
            metrics: self.metrics.clone(),
        }
    }
}

#[derive(Clone)]
pub(crate) struct Measured<S> {
    inner: S,
    queue: Queue,
    metrics: Metrics,
}

impl<S, Args> Service<Task<Args>> for Measured<S>
where
    S: Service<Task<Args>, Error = BoxDynError>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = BoxDynError;
    type Future = Pin<Box<dyn Future<Output = Result<S::Response, BoxDynError>> + Send>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, task: Task<Args>) -> Self::Future {
        let attempt = task.raw_attempt().clone();
        let (queue, metrics) = (self.queue, self.metrics.clone());
        let started = Instant::now();
        let running = self.inner.call(task);
        Box::pin(async move {
            let result = running.await;
            let outcome = outcome_of(result.as_ref().err(), attempt.current());
            metrics.job_finished(queue, outcome, started.elapsed());
            result
        })
    }
}

/// What becomes of an attempt that ended with `error` (none: it succeeded) as attempt number
/// `attempt`: an abort (or a panic, which the guard turns into one) is dead-lettered at once;
/// any other error is retried until Redis's attempt limit.
fn outcome_of(error: Option<&BoxDynError>, attempt: usize) -> JobOutcome {
    match error {
        None => JobOutcome::Done,
        Some(err) if err.downcast_ref::<AbortError>().is_some() => JobOutcome::DeadLettered,
        Some(_) if attempt >= REDIS_MAX_ATTEMPTS => JobOutcome::DeadLettered,
        Some(_) => JobOutcome::Retried,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain() -> BoxDynError {
        "the provider did not answer".into()
    }

    #[test]
    fn success_is_done() {
        assert_eq!(outcome_of(None, 1), JobOutcome::Done);
    }

    #[test]
    fn an_ordinary_error_is_retried_until_the_attempts_run_out() {
        assert_eq!(outcome_of(Some(&plain()), 1), JobOutcome::Retried);
        assert_eq!(outcome_of(Some(&plain()), 24), JobOutcome::Retried);
        assert_eq!(outcome_of(Some(&plain()), 25), JobOutcome::DeadLettered);
    }

    #[test]
    fn an_abort_is_dead_lettered_at_once() {
        let aborted: BoxDynError = Box::new(AbortError::new(plain()));
        assert_eq!(outcome_of(Some(&aborted), 1), JobOutcome::DeadLettered);
    }
}
