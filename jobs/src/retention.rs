//! Retention: finished jobs leave Redis after a while.
//!
//! apalis-redis keeps every finished job (payload, metadata and its id in `{queue}:done`)
//! forever, and its `vacuum_before` reads the whole payload hash in one blocking call without
//! trimming `done`. This sweep walks `done` with a cursor instead, a bounded slice per call,
//! deleting jobs finished before the cut-off. Dead-lettered jobs are kept for operators.

use std::time::Duration;

use redis::Script;
use redis::aio::ConnectionManager;

use crate::{Queue, QueueSettings};

const SWEEP: &str = r"
-- KEYS: done set, payload hash, metadata key prefix
-- ARGV: cursor, cut-off (unix seconds), slice size
local scan = redis.call('SSCAN', KEYS[1], ARGV[1], 'COUNT', ARGV[3])
local cutoff = tonumber(ARGV[2])
local deleted = 0
for _, id in ipairs(scan[2]) do
  local meta = KEYS[3] .. ':' .. id
  local done_at = tonumber(redis.call('HGET', meta, 'done_at'))
  if done_at == nil or done_at <= cutoff then
    redis.call('HDEL', KEYS[2], id)
    redis.call('DEL', meta)
    redis.call('SREM', KEYS[1], id)
    deleted = deleted + 1
  end
end
return {scan[1], deleted}
";

/// Deletes the queue's jobs that finished more than `keep` ago; returns how many.
pub async fn sweep(
    redis: &ConnectionManager,
    settings: &QueueSettings,
    queue: Queue,
    keep: Duration,
) -> Result<u64, redis::RedisError> {
    let config = settings.config(queue);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let cutoff = now.saturating_sub(keep).as_secs();
    let script = Script::new(SWEEP);
    let mut conn = redis.clone();
    let (mut cursor, mut total) = (String::from("0"), 0_u64);
    loop {
        let (next, deleted): (String, u64) = script
            .key(config.done_jobs_set())
            .key(config.job_data_hash())
            .key(config.job_meta_hash())
            .arg(&cursor)
            .arg(cutoff)
            .arg(500)
            .invoke_async(&mut conn)
            .await?;
        total += deleted;
        if next == "0" {
            return Ok(total);
        }
        cursor = next;
    }
}
