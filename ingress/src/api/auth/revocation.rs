//! Whether a signed access token still holds: its user is enabled and it was signed after the
//! user's `tokens_valid_after` (moved by a role change, disabling, a new password). Checked on
//! every request, from a cache of a few seconds per user, so a revoked token stops working
//! everywhere within [`TTL`] (at once in the process that revoked it) without a query per call.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use otklik_db::users::{self, SessionState};
use otklik_db::{DbError, DbPool};
use otklik_schema::UserId;

/// How stale a cached answer may be.
pub const TTL: Duration = Duration::from_secs(5);
/// Users remembered at most; the cache is emptied past that.
const CAPACITY: usize = 50_000;

#[derive(Default)]
pub struct Revocations {
    known: Mutex<HashMap<UserId, (Option<SessionState>, Instant)>>,
}

impl Revocations {
    /// Whether a token of `user` issued at `issued_ms` (Unix milliseconds) is still good.
    pub async fn holds(
        &self,
        pool: &DbPool,
        user: UserId,
        issued_ms: i64,
    ) -> Result<bool, DbError> {
        let now = Instant::now();
        let cached = self
            .lock()
            .get(&user)
            .filter(|(_, at)| now.duration_since(*at) < TTL)
            .map(|(state, _)| *state);
        let state = match cached {
            Some(state) => state,
            None => {
                let mut conn = pool.get().await?;
                let state = users::session_state(&mut conn, user).await?;
                let mut known = self.lock();
                if known.len() >= CAPACITY {
                    known.clear();
                }
                known.insert(user, (state, now));
                state
            }
        };
        Ok(state.is_some_and(|state| {
            state.active
                && state
                    .tokens_valid_after
                    .is_none_or(|after| issued_ms >= after.timestamp_millis())
        }))
    }

    /// Drops what is known of `user`, after this process changed it.
    pub fn forget(&self, user: UserId) {
        self.lock().remove(&user);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<UserId, (Option<SessionState>, Instant)>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
