//! Sign-in and sign-up attempts per client address and per account, in this process (governor):
//! a cheap first wall. The database lockout after repeated failures holds across processes.

use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Arc;

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

#[derive(Clone)]
pub struct Throttle {
    per_address: Arc<DefaultKeyedRateLimiter<IpAddr>>,
    per_account: Arc<DefaultKeyedRateLimiter<String>>,
}

const fn nonzero(n: u32) -> NonZeroU32 {
    match NonZeroU32::new(n) {
        Some(n) => n,
        None => NonZeroU32::MIN,
    }
}

impl Default for Throttle {
    fn default() -> Self {
        Self {
            per_address: Arc::new(RateLimiter::keyed(
                Quota::per_minute(nonzero(30)).allow_burst(nonzero(20)),
            )),
            per_account: Arc::new(RateLimiter::keyed(
                Quota::per_minute(nonzero(6)).allow_burst(nonzero(10)),
            )),
        }
    }
}

impl Throttle {
    /// `Err(seconds to wait)` when this address or account has tried too often.
    pub fn check(&self, address: IpAddr, account: &str) -> Result<(), u64> {
        let now = DefaultClock::default().now();
        let wait = |not_until: governor::NotUntil<_>| not_until.wait_time_from(now).as_secs() + 1;
        self.per_account
            .check_key(&account.to_lowercase())
            .map_err(wait)?;
        self.per_address.check_key(&address).map_err(wait)
    }

    /// A throttle that forgets idle keys every minute, so its maps do not grow with every
    /// address ever seen. The task ends with the last clone.
    pub fn started() -> Self {
        let throttle = Self::default();
        let weak = (
            Arc::downgrade(&throttle.per_address),
            Arc::downgrade(&throttle.per_account),
        );
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                every.tick().await;
                let (Some(address), Some(account)) = (weak.0.upgrade(), weak.1.upgrade()) else {
                    return;
                };
                address.retain_recent();
                account.retain_recent();
            }
        });
        throttle
    }
}
