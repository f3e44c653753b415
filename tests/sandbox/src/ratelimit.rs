//! The marketplaces' token buckets, as GCRA (one "theoretical arrival time" per bucket): a
//! bucket refills one request per `interval` and holds at most `burst` requests.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// Refill rate and capacity of a bucket.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Quota {
    pub(crate) interval: Duration,
    pub(crate) burst: u32,
}

impl Quota {
    /// `count` requests per `period` with a burst of `burst`; `scale` > 1 refills faster
    /// (benchmarks), < 1 slower.
    pub(crate) fn new(count: u32, period: Duration, burst: u32, scale: f64) -> Self {
        let scale = if scale.is_finite() && scale > 0.0 {
            scale
        } else {
            1.0
        };
        Self {
            interval: period.div_f64(f64::from(count.max(1)) * scale),
            burst: burst.max(1),
        }
    }

    fn tolerance(self) -> Duration {
        self.interval * self.burst
    }
}

pub(crate) enum Verdict {
    Allowed { remaining: u32 },
    Limited { retry: Duration, reset: Duration },
}

/// Buckets by key (token + family, or Client-Id).
#[derive(Default)]
pub(crate) struct Limiter {
    arrivals: Mutex<HashMap<String, Instant>>,
}

fn remaining(quota: Quota, ahead: Duration) -> u32 {
    let left = quota.tolerance().saturating_sub(ahead);
    (left.as_nanos() / quota.interval.as_nanos().max(1)) as u32
}

impl Limiter {
    /// Takes `cost` requests from the bucket if they fit.
    pub(crate) fn check(&self, key: &str, quota: Quota, cost: u32) -> Verdict {
        let now = Instant::now();
        let mut arrivals = self.arrivals.lock().unwrap_or_else(PoisonError::into_inner);
        let arrival = arrivals.get(key).copied().unwrap_or(now).max(now);
        let next = arrival + quota.interval * cost;
        let ahead = next - now;
        if ahead > quota.tolerance() {
            return Verdict::Limited {
                retry: ahead - quota.tolerance(),
                reset: arrival - now,
            };
        }
        arrivals.insert(key.to_owned(), next);
        Verdict::Allowed {
            remaining: remaining(quota, ahead),
        }
    }

    /// Takes `cost` requests even if they do not fit (penalties for bad requests); returns
    /// what is left.
    pub(crate) fn charge(&self, key: &str, quota: Quota, cost: u32) -> u32 {
        let now = Instant::now();
        let mut arrivals = self.arrivals.lock().unwrap_or_else(PoisonError::into_inner);
        let arrival = arrivals.get(key).copied().unwrap_or(now).max(now);
        let next = arrival + quota.interval * cost;
        arrivals.insert(key.to_owned(), next);
        remaining(quota, next - now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn burst_then_refill() {
        let limiter = Limiter::default();
        let quota = Quota::new(300, Duration::from_secs(60), 20, 1.0);
        assert_eq!(quota.interval, Duration::from_millis(200));
        for expected in (0..20).rev() {
            match limiter.check("k", quota, 1) {
                Verdict::Allowed { remaining } => assert_eq!(remaining, expected),
                Verdict::Limited { .. } => panic!("limited too early"),
            }
        }
        match limiter.check("k", quota, 1) {
            Verdict::Limited { retry, reset } => {
                assert!(retry <= Duration::from_millis(200));
                assert!(reset > Duration::from_millis(3900));
            }
            Verdict::Allowed { .. } => panic!("burst exceeded"),
        }
        assert!(matches!(
            limiter.check("other", quota, 1),
            Verdict::Allowed { remaining: 19 }
        ));
    }

    #[test]
    fn penalties_drain_the_bucket() {
        let limiter = Limiter::default();
        let quota = Quota::new(300, Duration::from_secs(60), 20, 1.0);
        assert!(matches!(
            limiter.check("k", quota, 1),
            Verdict::Allowed { .. }
        ));
        assert_eq!(limiter.charge("k", quota, 9), 10);
        assert_eq!(limiter.charge("k", quota, 10), 0);
        assert!(matches!(
            limiter.check("k", quota, 1),
            Verdict::Limited { .. }
        ));
    }
}
