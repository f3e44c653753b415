//! Failures tests switch on while a sandbox runs: forced error statuses, slow answers and
//! status values no client enum knows. Each sandbox has its own `Faults`; the vendor decides
//! what the error bodies look like.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use axum::http::StatusCode;

/// The value status fields carry while [`Faults::unknown_statuses`] is on.
pub const UNKNOWN_STATUS: &str = "sandbox_unknown_status";

struct Failure {
    path_prefix: String,
    status: StatusCode,
    remaining: u32,
}

#[derive(Default)]
struct Plan {
    failures: Vec<Failure>,
    delays: Vec<(String, Duration)>,
}

/// Runtime fault switches of one sandbox.
#[derive(Default)]
pub struct Faults {
    plan: Mutex<Plan>,
    unknown_statuses: AtomicBool,
}

impl Faults {
    fn plan(&self) -> std::sync::MutexGuard<'_, Plan> {
        self.plan.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The next `count` requests whose path starts with `path_prefix` fail with `status`
    /// and the vendor's error body for it (Ozon answers 503 with "Circle is open"; 429s
    /// carry the vendor's rate-limit body and headers). Invalid codes become 500.
    pub fn fail_next(&self, path_prefix: &str, status: u16, count: u32) {
        self.plan().failures.push(Failure {
            path_prefix: path_prefix.to_owned(),
            status: StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            remaining: count,
        });
    }

    /// Delays every request whose path starts with `path_prefix`; `Duration::ZERO` removes
    /// the delay.
    pub fn slow(&self, path_prefix: &str, delay: Duration) {
        let mut plan = self.plan();
        plan.delays.retain(|(prefix, _)| prefix != path_prefix);
        if !delay.is_zero() {
            plan.delays.push((path_prefix.to_owned(), delay));
        }
    }

    /// While on, order status fields (WB `supplierStatus`/`wbStatus`, Ozon
    /// `status`/`substatus`) carry [`UNKNOWN_STATUS`].
    pub fn unknown_statuses(&self, on: bool) {
        self.unknown_statuses.store(on, Ordering::Relaxed);
    }

    /// Removes every planned failure and delay and turns unknown statuses off.
    pub fn clear(&self) {
        *self.plan() = Plan::default();
        self.unknown_statuses(false);
    }

    /// Replaces a status value while unknown statuses are on.
    pub(crate) fn status<'a>(&self, value: &'a str) -> &'a str {
        if self.unknown_statuses.load(Ordering::Relaxed) {
            UNKNOWN_STATUS
        } else {
            value
        }
    }

    pub(crate) fn delay(&self, path: &str) -> Option<Duration> {
        self.plan()
            .delays
            .iter()
            .filter(|(prefix, _)| path.starts_with(prefix.as_str()))
            .map(|(_, delay)| *delay)
            .max()
    }

    /// The status this request must fail with, if one is planned.
    pub(crate) fn take_failure(&self, path: &str) -> Option<StatusCode> {
        let mut plan = self.plan();
        let failure = plan
            .failures
            .iter_mut()
            .find(|failure| failure.remaining > 0 && path.starts_with(&failure.path_prefix))?;
        failure.remaining -= 1;
        let status = failure.status;
        plan.failures.retain(|failure| failure.remaining > 0);
        Some(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_counted_down_per_prefix() {
        let faults = Faults::default();
        faults.fail_next("/api/v3/orders", 500, 2);
        assert_eq!(faults.take_failure("/ping"), None);
        assert_eq!(
            faults.take_failure("/api/v3/orders/new"),
            Some(StatusCode::INTERNAL_SERVER_ERROR)
        );
        assert!(faults.take_failure("/api/v3/orders").is_some());
        assert_eq!(faults.take_failure("/api/v3/orders"), None);
        faults.slow("/v4/", Duration::from_millis(5));
        assert_eq!(
            faults.delay("/v4/posting/fbs/list"),
            Some(Duration::from_millis(5))
        );
        faults.slow("/v4/", Duration::ZERO);
        assert_eq!(faults.delay("/v4/posting/fbs/list"), None);
    }
}
