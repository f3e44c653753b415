//! Limits on what unauthenticated callers may send, shared by every ingress process: GCRA in
//! Redis as the outbound limiter does it (one key per limited thing holding its theoretical
//! arrival time, Redis's clock), checking several keys in one atomic script that takes a cell
//! from each only when all allow.

use std::time::Duration;

use redis::Script;
use redis::aio::ConnectionManager;

const GCRA: &str = r"
-- KEYS: one limiter key each; ARGV: interval ms and burst for each key, in order
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait, tats = 0, {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = tonumber(redis.call('GET', key) or now)
  if tat < now then tat = now end
  local new_tat = tat + interval
  local allow_at = new_tat - interval * burst
  if allow_at > now and allow_at - now > wait then wait = allow_at - now end
  tats[i] = new_tat
end
if wait > 0 then return wait end
for i, key in ipairs(KEYS) do
  redis.call('SET', key, tats[i], 'PX', tats[i] - now + 1)
end
return 0
";

/// So many events per minute, up to a minute's worth at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PerMinute(pub u32);

impl PerMinute {
    fn interval_ms(self) -> u64 {
        60_000 / u64::from(self.0.max(1))
    }
}

#[derive(Clone)]
pub struct RateLimits {
    redis: ConnectionManager,
    script: Script,
    namespace: String,
}

impl RateLimits {
    pub fn new(redis: ConnectionManager, namespace: &str) -> Self {
        Self {
            redis,
            script: Script::new(GCRA),
            namespace: namespace.to_owned(),
        }
    }

    /// Takes one event from every `(key, limit)`, or none and says how long to wait. Keys are
    /// named under `{namespace}:limits:`.
    pub async fn take(
        &self,
        limits: &[(String, PerMinute)],
    ) -> Result<Option<Duration>, redis::RedisError> {
        let mut invocation = self.script.prepare_invoke();
        for (key, limit) in limits {
            invocation
                .key(format!("{}:limits:{key}", self.namespace))
                .arg(limit.interval_ms())
                .arg(limit.0.max(1));
        }
        let wait_ms: u64 = invocation.invoke_async(&mut self.redis.clone()).await?;
        Ok((wait_ms > 0).then(|| Duration::from_millis(wait_ms)))
    }
}
