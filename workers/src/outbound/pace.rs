//! Request rates of MAX bots, VK communities and WhatsApp business numbers, shared by every
//! worker process: at most N calls in any window of a second per bot, community or number,
//! counted in Redis by Redis's clock.
//!
//! Each call reserves its moment in one script: the earliest time that keeps N calls to a
//! window and calls a little apart, recorded in a sorted set of the window's calls (future ones
//! included). The caller sleeps until then and calls; nobody races for a freed slot, so no slot
//! is lost to a late waker. A window rather than a token bucket: a full bucket lets twice the
//! rate through its first second, and MAX and VK count calls per second. The window is a little
//! longer than a second, so calls that leave a few milliseconds late still fall N to a second
//! where they arrive. A 429 or a flood error sets a "frozen until" every caller respects.

use std::time::Duration;

use otklik_config::Config;
use otklik_schema::{ChannelId, ChannelKind};
use redis::Script;
use redis::aio::ConnectionManager;

/// A call's moment and its arrival at the provider drift apart by scheduling and network time;
/// the window is widened by this much so that drift never puts N + 1 calls in one second. 40 ms
/// was measured too little on a loaded 2-core machine (21 VK calls in one second); 60 ms costs
/// about 2% of the rate.
const GUARD: Duration = Duration::from_millis(60);
/// The least time between two calls, as a share of the window's average spacing: calls are
/// spread out rather than sent N at once, and after a quiet spell go out a little faster.
const SPACING: f64 = 0.8;
/// A caller that wakes this much after its moment (a busy machine, a stalled process) gives the
/// moment back and reserves another: sent late, its call could land in the next window's second.
const LATE: Duration = Duration::from_millis(15);
/// How often a late caller tries again before it calls anyway.
const RESERVATIONS: usize = 4;

const RESERVE: &str = r"
-- KEYS: the window's calls (sorted set, scores in microseconds), frozen-until
-- ARGV: calls per window, window in microseconds, least spacing in microseconds,
--       how far ahead a call may be reserved in microseconds, this call's unique member
-- Returns the milliseconds until the reserved moment (>= 0), or minus the milliseconds until
-- one could be reserved when that is beyond the horizon.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local frozen = redis.call('PTTL', KEYS[2])
if frozen > 0 then return -frozen end
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (now - window))
local at = now
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
if newest[2] then at = math.max(at, tonumber(newest[2]) + tonumber(ARGV[3])) end
if redis.call('ZCARD', KEYS[1]) >= limit then
  local nth = redis.call('ZRANGE', KEYS[1], -limit, -limit, 'WITHSCORES')
  at = math.max(at, tonumber(nth[2]) + window)
end
local wait = math.ceil((at - now) / 1000)
if at - now > tonumber(ARGV[4]) then return -math.max(1, wait) end
redis.call('ZADD', KEYS[1], at, ARGV[5])
redis.call('PEXPIRE', KEYS[1], wait + math.ceil(window / 1000) + 1)
return wait
";

const RELEASE: &str = r"
-- KEYS: the window's calls; ARGV: the member of a reservation that was not used
return redis.call('ZREM', KEYS[1], ARGV[1])
";

/// What a caller got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Slot {
    /// Call after this long: the moment is reserved under this member.
    At(Duration, String),
    /// No moment within the horizon; ask again after about this long.
    Later(Duration),
}

pub struct Pacer {
    redis: ConnectionManager,
    script: Script,
    release: Script,
    namespace: String,
    max_per_sec: u32,
    vk_per_sec: u32,
    whatsapp_per_sec: u32,
}

impl Pacer {
    pub fn new(redis: ConnectionManager, config: &Config) -> Self {
        Self {
            redis,
            script: Script::new(RESERVE),
            release: Script::new(RELEASE),
            namespace: config.redis_namespace.clone(),
            max_per_sec: config.max_per_bot_per_sec,
            vk_per_sec: config.vk_per_group_per_sec,
            whatsapp_per_sec: config.whatsapp_per_number_per_sec,
        }
    }

    fn key(&self, kind: ChannelKind, channel: ChannelId, what: &str) -> String {
        format!("{}:limits:{kind}:{channel}:{what}", self.namespace)
    }

    fn rate(&self, kind: ChannelKind) -> u32 {
        match kind {
            ChannelKind::Vk => self.vk_per_sec,
            ChannelKind::Whatsapp => self.whatsapp_per_sec,
            _ => self.max_per_sec,
        }
    }

    /// Reserves a call of the channel's bot or community no further than `horizon` ahead.
    pub async fn reserve(
        &self,
        kind: ChannelKind,
        channel: ChannelId,
        horizon: Duration,
    ) -> Result<Slot, redis::RedisError> {
        let window = Duration::from_secs(1) + GUARD;
        let rate = self.rate(kind).max(1);
        let spacing = window.mul_f64(SPACING) / rate;
        let micros = |d: Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let member = format!("{:016x}", rand::random::<u64>());
        let ms: i64 = self
            .script
            .key(self.key(kind, channel, "window"))
            .key(self.key(kind, channel, "frozen"))
            .arg(rate)
            .arg(micros(window))
            .arg(micros(spacing))
            .arg(micros(horizon))
            .arg(&member)
            .invoke_async(&mut self.redis.clone())
            .await?;
        let wait = Duration::from_millis(ms.unsigned_abs());
        Ok(if ms >= 0 {
            Slot::At(wait, member)
        } else {
            Slot::Later(wait)
        })
    }

    /// Reserves a call within `horizon` and sleeps until it. `Ok(None)` means the call may go
    /// now; `Ok(Some(wait))` that there was none within the horizon (try after `wait`). A sleep
    /// that ends late gives its moment back and reserves again.
    pub async fn until_turn(
        &self,
        kind: ChannelKind,
        channel: ChannelId,
        horizon: Duration,
    ) -> Result<Option<Duration>, redis::RedisError> {
        for attempt in 1..=RESERVATIONS {
            let (wait, member) = match self.reserve(kind, channel, horizon).await? {
                Slot::At(wait, member) => (wait, member),
                Slot::Later(wait) => return Ok(Some(wait)),
            };
            let due = tokio::time::Instant::now() + wait;
            tokio::time::sleep_until(due).await;
            let late = tokio::time::Instant::now().saturating_duration_since(due);
            if late <= LATE || attempt == RESERVATIONS {
                return Ok(None);
            }
            tracing::debug!(channel.id = %channel, late_ms = late.as_millis() as u64,
                "woke late for a reserved call; reserving another");
            let _: i64 = self
                .release
                .key(self.key(kind, channel, "window"))
                .arg(member)
                .invoke_async(&mut self.redis.clone())
                .await?;
        }
        Ok(None)
    }

    /// Waits for a call within `patience`; `false` when none could be had in time or Redis is
    /// down.
    pub async fn wait(&self, kind: ChannelKind, channel: ChannelId, patience: Duration) -> bool {
        match self.until_turn(kind, channel, patience).await {
            Ok(None) => true,
            Ok(Some(_)) => false,
            Err(err) => {
                tracing::warn!(channel.id = %channel, error = %err, "rate limiter unavailable");
                false
            }
        }
    }

    /// Stops every call through the channel's bot or community for `wait`.
    pub async fn freeze(
        &self,
        kind: ChannelKind,
        channel: ChannelId,
        wait: Duration,
    ) -> Result<(), redis::RedisError> {
        let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
        redis::cmd("SET")
            .arg(self.key(kind, channel, "frozen"))
            .arg(1)
            .arg("PX")
            .arg(ms)
            .query_async::<()>(&mut self.redis.clone())
            .await
    }
}
