//! What clients sent: request counts per path and per API family, and how many requests the
//! sandbox's own limiter refused, so tests can assert a client stayed within the limits.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

#[derive(Default)]
struct Counts {
    paths: HashMap<String, u64>,
    families: HashMap<&'static str, u64>,
    limited: HashMap<&'static str, u64>,
}

/// Request counters of one sandbox.
#[derive(Default)]
pub struct Traffic {
    counts: Mutex<Counts>,
}

impl Traffic {
    fn counts(&self) -> std::sync::MutexGuard<'_, Counts> {
        self.counts.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn record(&self, path: &str, family: &'static str) {
        let mut counts = self.counts();
        *counts.paths.entry(path.to_owned()).or_default() += 1;
        *counts.families.entry(family).or_default() += 1;
    }

    pub(crate) fn record_limited(&self, family: &'static str) {
        *self.counts().limited.entry(family).or_default() += 1;
    }

    /// Requests to exactly this path (e.g. `/api/v3/orders`), whatever their outcome.
    pub fn requests(&self, path: &str) -> u64 {
        self.counts().paths.get(path).copied().unwrap_or(0)
    }

    /// Requests to a family: WB `content`, `marketplace`, `statistics`, `feedbacks`, `chat`,
    /// `common`; Ozon `posting`, `product`, `roles`, `chat`, `other`.
    pub fn family_requests(&self, family: &str) -> u64 {
        self.counts().families.get(family).copied().unwrap_or(0)
    }

    /// All requests.
    pub fn total(&self) -> u64 {
        self.counts().families.values().sum()
    }

    /// 429s produced by the sandbox's own limiter (injected 429s are not counted).
    pub fn limited(&self) -> u64 {
        self.counts().limited.values().sum()
    }

    /// 429s the limiter produced for one family.
    pub fn limited_in(&self, family: &str) -> u64 {
        self.counts().limited.get(family).copied().unwrap_or(0)
    }

    /// Forgets every count.
    pub fn reset(&self) {
        *self.counts() = Counts::default();
    }
}
