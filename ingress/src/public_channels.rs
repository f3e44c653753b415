//! Which channel ids the public web-chat endpoints serve: enabled web chats only, looked up in
//! the public pool and remembered for a short while (answers for unknown ids too), so a flood
//! of made-up or foreign ids costs neither a query each nor a dead letter later.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use otklik_db::{DbError, DbPool, channels};
use otklik_schema::{ChannelId, ChannelKind};

/// How long an answer is trusted: a channel switched off stops taking web-chat posts within it.
const TTL: Duration = Duration::from_secs(30);
/// Ids remembered at most; past that the oldest half is forgotten.
const CAPACITY: usize = 10_000;

#[derive(Default)]
pub struct WebchatChannels {
    known: Mutex<HashMap<ChannelId, (bool, Instant)>>,
}

impl WebchatChannels {
    /// Whether `id` is an enabled web-chat channel.
    pub async fn is_open(&self, pool: &DbPool, id: ChannelId) -> Result<bool, DbError> {
        let now = Instant::now();
        if let Some((open, at)) = self.lock().get(&id)
            && now.duration_since(*at) < TTL
        {
            return Ok(*open);
        }
        let mut conn = pool.get().await?;
        let open = channels::kind_of(&mut conn, id)
            .await?
            .is_some_and(|(kind, enabled)| kind == ChannelKind::Webchat && enabled);
        drop(conn);
        let mut known = self.lock();
        if known.len() >= CAPACITY {
            let mut ages: Vec<Instant> = known.values().map(|(_, at)| *at).collect();
            ages.sort_unstable();
            let cut = ages[ages.len() / 2];
            known.retain(|_, (_, at)| *at > cut);
        }
        known.insert(id, (open, now));
        Ok(open)
    }

    /// Forgets what is known of `id`, for this process's own changes to it.
    pub fn forget(&self, id: ChannelId) {
        self.lock().remove(&id);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<ChannelId, (bool, Instant)>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
