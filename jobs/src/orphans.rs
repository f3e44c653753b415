//! Taking back at once the jobs of a worker process that died on this host.
//!
//! apalis-redis puts a dead worker's jobs back only after another worker of the queue saw it
//! miss `OTKLIK_QUEUE_MISSED_HEARTBEATS` heartbeats (30 s by default, and up to one heartbeat
//! more until someone looks). A worker's name carries its host and process id
//! (`{queue}-{host}-{pid}-{restart}`), so a process on the same host can tell for certain that
//! a named worker is gone — its process no longer exists — and put its jobs back right away.
//! A process killed and restarted by its supervisor thus resumes its work in seconds. The same
//! holds inside a process: a worker that lost Redis is restarted by the monitor under a new name
//! (`{restart}` + 1), and its predecessor's fetched jobs would otherwise wait out the orphan
//! timeout too. Workers of other hosts are left to the heartbeat rule.

use redis::Script;
use redis::aio::ConnectionManager;

use crate::{Queue, QueueSettings};

const RECLAIM: &str = r"
-- KEYS: workers set, active list, inflight key prefix
-- ARGV: worker name
local key = KEYS[3] .. ':' .. ARGV[1]
local jobs = redis.call('SMEMBERS', key)
if #jobs > 0 then
  redis.call('RPUSH', KEYS[2], unpack(jobs))
  redis.call('DEL', key)
end
redis.call('ZREM', KEYS[1], ARGV[1])
return #jobs
";

/// The process id in a worker name of `host`, if the name is one of this deployment's.
fn pid_of(worker: &str, queue: Queue, host: &str) -> Option<u32> {
    let rest = worker.strip_prefix(&format!("{}-{host}-", queue.as_str()))?;
    let (pid, restart) = rest.split_once('-')?;
    restart.parse::<usize>().ok()?;
    pid.parse().ok()
}

/// Puts back the jobs of `queue`'s workers on `host` that are gone: of another process that no
/// longer exists, or of this one (`own_pid`) but not its `current` worker (the monitor replaced
/// it). Returns how many.
pub async fn reclaim_local(
    redis: &ConnectionManager,
    settings: &QueueSettings,
    queue: Queue,
    host: &str,
    own_pid: u32,
    current: Option<&str>,
) -> Result<u64, redis::RedisError> {
    let config = settings.config(queue);
    let mut conn = redis.clone();
    let workers: Vec<String> = redis::cmd("ZRANGE")
        .arg(config.workers_set())
        .arg(0)
        .arg(-1)
        .query_async(&mut conn)
        .await?;
    let script = Script::new(RECLAIM);
    let mut total = 0;
    for worker in workers {
        let Some(pid) = pid_of(&worker, queue, host) else {
            continue;
        };
        let gone = if pid == own_pid {
            current.is_some_and(|current| current != worker)
        } else {
            !std::path::Path::new(&format!("/proc/{pid}")).exists()
        };
        if !gone {
            continue;
        }
        let reclaimed: u64 = script
            .key(config.workers_set())
            .key(config.active_jobs_list())
            .key(config.inflight_jobs_set())
            .arg(&worker)
            .invoke_async(&mut conn)
            .await?;
        if reclaimed > 0 {
            tracing::info!(queue = queue.as_str(), worker = %worker, jobs = reclaimed,
                "took back the jobs of a worker process that died on this host");
        }
        total += reclaimed;
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn worker_names_give_their_process_id() {
        assert_eq!(
            pid_of("turns-web-1-4242-0", Queue::Turns, "web-1"),
            Some(4242)
        );
        assert_eq!(pid_of("turns-web-1-4242-0", Queue::Turns, "web-2"), None);
        assert_eq!(
            pid_of("deliveries-web-1-4242-0", Queue::Turns, "web-1"),
            None
        );
        assert_eq!(pid_of("turns-web-1-x-0", Queue::Turns, "web-1"), None);
    }
}
