//! A per-provider circuit breaker: when a provider keeps failing, stop sending it every turn
//! (each failure costs the shopper a timeout's worth of waiting) and go straight to the next one.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

/// When to stop calling a failing provider and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BreakerSettings {
    /// Consecutive retryable failures that open the circuit.
    pub failure_threshold: u32,
    /// How long an open circuit refuses calls before letting one trial through.
    pub cooldown: Duration,
}

impl Default for BreakerSettings {
    fn default() -> Self {
        Self {
            failure_threshold: 5,
            cooldown: Duration::from_secs(30),
        }
    }
}

/// Time source, injectable so tests can step over a cooldown without sleeping.
pub trait Clock: Send + Sync {
    fn now(&self) -> Instant;
}

/// The real monotonic clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Instant {
        Instant::now()
    }
}

/// What the breaker currently does with calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BreakerState {
    Closed,
    Open,
    /// The cooldown is over and one trial call decides whether to close or reopen.
    HalfOpen,
}

#[derive(Debug, Clone, Copy)]
enum State {
    Closed { failures: u32 },
    Open { until: Instant },
    HalfOpen { trial_in_flight: bool },
}

pub struct CircuitBreaker {
    settings: BreakerSettings,
    clock: Arc<dyn Clock>,
    state: Mutex<State>,
}

impl std::fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CircuitBreaker")
            .field("settings", &self.settings)
            .field("state", &*self.lock())
            .finish_non_exhaustive()
    }
}

impl CircuitBreaker {
    pub fn new(settings: BreakerSettings) -> Self {
        Self::with_clock(settings, Arc::new(SystemClock))
    }

    pub fn with_clock(settings: BreakerSettings, clock: Arc<dyn Clock>) -> Self {
        Self {
            settings,
            clock,
            state: Mutex::new(State::Closed { failures: 0 }),
        }
    }

    /// The state as seen now; an open circuit whose cooldown has passed reads as half-open.
    pub fn state(&self) -> BreakerState {
        match *self.lock() {
            State::Closed { .. } => BreakerState::Closed,
            State::Open { until } if self.clock.now() < until => BreakerState::Open,
            State::Open { .. } | State::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }

    /// Asks to make one call. `None` means the circuit is open (or its single half-open trial
    /// is already in flight) and the provider must be skipped.
    pub fn try_acquire(&self) -> Option<Permit<'_>> {
        let mut state = self.lock();
        let trial = match *state {
            State::Closed { .. } => false,
            State::Open { until } => {
                if self.clock.now() < until {
                    return None;
                }
                *state = State::HalfOpen {
                    trial_in_flight: true,
                };
                true
            }
            State::HalfOpen {
                trial_in_flight: true,
            } => return None,
            State::HalfOpen {
                trial_in_flight: false,
            } => {
                *state = State::HalfOpen {
                    trial_in_flight: true,
                };
                true
            }
        };
        Some(Permit {
            breaker: self,
            trial,
            settled: false,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        // The state is a plain value that is always written whole, so a poisoned lock still
        // holds a consistent one.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn succeed(&self) {
        *self.lock() = State::Closed { failures: 0 };
    }

    fn fail(&self) -> bool {
        let mut state = self.lock();
        let open = State::Open {
            until: self.clock.now() + self.settings.cooldown,
        };
        match *state {
            State::Closed { failures } => {
                let failures = failures.saturating_add(1);
                if failures >= self.settings.failure_threshold {
                    *state = open;
                    true
                } else {
                    *state = State::Closed { failures };
                    false
                }
            }
            State::HalfOpen { .. } => {
                *state = open;
                true
            }
            State::Open { .. } => false,
        }
    }

    fn release(&self, trial: bool) {
        let mut state = self.lock();
        if trial && matches!(*state, State::HalfOpen { .. }) {
            *state = State::HalfOpen {
                trial_in_flight: false,
            };
        }
    }
}

/// Leave to make one call; report how it went. Dropping it unreported (the caller's future was
/// cancelled) frees a half-open trial slot instead of leaving the circuit stuck.
#[must_use = "report the call's outcome, or the breaker learns nothing"]
pub struct Permit<'a> {
    breaker: &'a CircuitBreaker,
    trial: bool,
    settled: bool,
}

impl Permit<'_> {
    pub fn succeeded(mut self) {
        self.settled = true;
        self.breaker.succeed();
    }

    /// A retryable failure. Returns whether this failure opened the circuit.
    pub fn failed(mut self) -> bool {
        self.settled = true;
        self.breaker.fail()
    }

    /// The call failed for a reason that says nothing about the provider's health (a rejected
    /// request, a filtered reply): count neither way.
    pub fn ignored(self) {}
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.settled {
            self.breaker.release(self.trial);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct ManualClock(Mutex<Instant>);

    impl ManualClock {
        fn advance(&self, by: Duration) {
            *self.0.lock().unwrap_or_else(PoisonError::into_inner) += by;
        }
    }

    impl Clock for ManualClock {
        fn now(&self) -> Instant {
            *self.0.lock().unwrap_or_else(PoisonError::into_inner)
        }
    }

    fn breaker(threshold: u32) -> (CircuitBreaker, Arc<ManualClock>) {
        let clock = Arc::new(ManualClock(Mutex::new(Instant::now())));
        let settings = BreakerSettings {
            failure_threshold: threshold,
            cooldown: Duration::from_secs(30),
        };
        (CircuitBreaker::with_clock(settings, clock.clone()), clock)
    }

    fn fail(breaker: &CircuitBreaker) -> bool {
        breaker.try_acquire().is_some_and(Permit::failed)
    }

    fn succeed(breaker: &CircuitBreaker) {
        breaker.try_acquire().expect("a closed circuit").succeeded();
    }

    #[test]
    fn opens_after_consecutive_failures_only() {
        let (breaker, _) = breaker(3);
        assert!(!fail(&breaker));
        assert!(!fail(&breaker));
        succeed(&breaker);
        assert!(!fail(&breaker));
        assert!(!fail(&breaker));
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(fail(&breaker), "the third failure in a row opens it");
        assert_eq!(breaker.state(), BreakerState::Open);
        assert!(breaker.try_acquire().is_none());
    }

    #[test]
    fn ignored_failures_do_not_count() {
        let (breaker, _) = breaker(2);
        assert!(!fail(&breaker));
        breaker.try_acquire().expect("still closed").ignored();
        assert!(fail(&breaker));
    }

    #[test]
    fn half_open_lets_exactly_one_trial_through() {
        let (breaker, clock) = breaker(1);
        assert!(fail(&breaker));
        clock.advance(Duration::from_secs(29));
        assert!(breaker.try_acquire().is_none());
        clock.advance(Duration::from_secs(1));
        assert_eq!(breaker.state(), BreakerState::HalfOpen);

        let trial = breaker.try_acquire().expect("the trial");
        assert!(breaker.try_acquire().is_none(), "only one trial at a time");
        assert!(trial.failed(), "a failed trial reopens the circuit");
        assert_eq!(breaker.state(), BreakerState::Open);

        clock.advance(Duration::from_secs(30));
        succeed(&breaker);
        assert_eq!(breaker.state(), BreakerState::Closed);
        assert!(breaker.try_acquire().is_some());
    }

    #[test]
    fn a_dropped_trial_frees_the_slot() {
        let (breaker, clock) = breaker(1);
        assert!(fail(&breaker));
        clock.advance(Duration::from_secs(30));
        drop(breaker.try_acquire());
        assert_eq!(breaker.state(), BreakerState::HalfOpen);
        assert!(breaker.try_acquire().is_some());
    }
}
