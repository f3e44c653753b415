//! Marketplace rate limits shared by every worker process: GCRA in Redis (one key per seller
//! and API family holding its theoretical arrival time, Redis's clock), plus a "frozen until"
//! key set from a 429's retry hint so every process waits it out.

use std::time::Duration;

use redis::Script;
use redis::aio::ConnectionManager;

const GCRA: &str = r"
-- KEYS: bucket, frozen-until
-- ARGV: interval ms, burst, cost, force (1: consume even when over the limit; WB charges 4xx)
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local force = ARGV[4] == '1'
local frozen = redis.call('PTTL', KEYS[2])
if frozen > 0 and not force then return frozen end
local interval, burst, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = tonumber(redis.call('GET', KEYS[1]) or now)
if tat < now then tat = now end
local new_tat = tat + interval * cost
if new_tat - interval * burst > now and not force then return new_tat - interval * burst - now end
redis.call('SET', KEYS[1], new_tat, 'PX', new_tat - now + 1)
return 0
";

/// A published limit: one request per `interval`, up to `burst` at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    pub interval: Duration,
    pub burst: u32,
}

impl Bucket {
    /// `count` requests per `period`, `burst` at once.
    pub const fn per(count: u64, period: Duration, burst: u32) -> Self {
        Self {
            interval: Duration::from_millis(period.as_millis() as u64 / count),
            burst,
        }
    }
}

#[derive(Clone)]
pub struct SharedLimiter {
    redis: ConnectionManager,
    script: std::sync::Arc<Script>,
    namespace: String,
}

impl SharedLimiter {
    pub fn new(redis: ConnectionManager, namespace: &str) -> Self {
        Self {
            redis,
            script: std::sync::Arc::new(Script::new(GCRA)),
            namespace: namespace.to_owned(),
        }
    }

    fn keys(&self, key: &str) -> (String, String) {
        let base = format!("{}:limits:{key}", self.namespace);
        (format!("{base}:bucket"), format!("{base}:frozen"))
    }

    async fn invoke(
        &self,
        key: &str,
        bucket: Bucket,
        cost: u32,
        force: bool,
    ) -> Result<u64, redis::RedisError> {
        let (bucket_key, frozen_key) = self.keys(key);
        self.script
            .key(bucket_key)
            .key(frozen_key)
            .arg(
                u64::try_from(bucket.interval.as_millis())
                    .unwrap_or(u64::MAX)
                    .max(1),
            )
            .arg(bucket.burst.max(1))
            .arg(cost)
            .arg(u8::from(force))
            .invoke_async(&mut self.redis.clone())
            .await
    }

    /// Takes a request slot, or says how long to wait for one.
    pub async fn acquire(
        &self,
        key: &str,
        bucket: Bucket,
    ) -> Result<Option<Duration>, redis::RedisError> {
        let wait_ms = self.invoke(key, bucket, 1, false).await?;
        Ok((wait_ms > 0).then(|| Duration::from_millis(wait_ms)))
    }

    /// Spends `cost` more slots now: what the marketplace charges for a failed request.
    pub async fn charge(
        &self,
        key: &str,
        bucket: Bucket,
        cost: u32,
    ) -> Result<(), redis::RedisError> {
        self.invoke(key, bucket, cost, true).await.map(drop)
    }

    /// Stops every request under `key` for `wait`, as a 429's retry hint asks.
    pub async fn freeze(&self, key: &str, wait: Duration) -> Result<(), redis::RedisError> {
        let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(1);
        redis::cmd("SET")
            .arg(self.keys(key).1)
            .arg(1)
            .arg("PX")
            .arg(ms)
            .query_async::<()>(&mut self.redis.clone())
            .await
    }
}
