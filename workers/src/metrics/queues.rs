//! How deep and how old each queue is, read from apalis-redis's keys at scrape time: two
//! pipelined round trips for all queues, each command O(1) or O(log n).
//!
//! A job waits in one of two places: in the `scheduled` sorted set (score: when it is due)
//! until a worker's fetch promotes it, then in the `active` list until a worker takes it. The
//! list keeps no time, so its head's age comes from the `due_at` stamp every push writes into
//! the job's metadata (`otklik_jobs::DUE_AT`), or from when its last failed attempt was
//! rescheduled, whichever is later.

use std::time::Duration;

use otklik_jobs::{Queue, QueueSettings};
use redis::aio::ConnectionManager;

/// One queue's figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct QueueDepth {
    /// Due now, not yet taken by a worker.
    pub waiting: u64,
    /// Scheduled for later.
    pub delayed: u64,
    pub dead: u64,
    /// How long the oldest waiting job has been due.
    pub oldest_waiting: Duration,
}

/// What the head of the ready list says about when it became due.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct HeadTimes {
    due_at: Option<u64>,
    /// When its last attempt failed, and how many it had: Redis reschedules it `attempts`
    /// seconds after `done_at`.
    done_at: Option<u64>,
    attempts: Option<u64>,
}

impl HeadTimes {
    fn due(self) -> Option<u64> {
        let retried = self
            .done_at
            .map(|done| done.saturating_add(self.attempts.unwrap_or(0)));
        self.due_at.max(retried)
    }
}

/// How long the oldest waiting job has been due at `now` (unix seconds): the earliest due entry
/// of the schedule, or the head of the ready list, whichever waited longer.
fn oldest_waiting(now: u64, first_scheduled: Option<f64>, head: Option<HeadTimes>) -> Duration {
    let scheduled = first_scheduled
        .filter(|due| *due <= now as f64)
        .map(|due| Duration::from_secs_f64((now as f64 - due).max(0.0)));
    let ready = head
        .and_then(HeadTimes::due)
        .map(|due| Duration::from_secs(now.saturating_sub(due)));
    scheduled.max(ready).unwrap_or_default()
}

/// Every queue's figures, whoever serves it: a process reports all queues, so a queue whose
/// workers are all down is still seen growing.
pub(crate) async fn read(
    redis: &ConnectionManager,
    settings: &QueueSettings,
) -> Result<Vec<(Queue, QueueDepth)>, redis::RedisError> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let mut conn = redis.clone();
    let configs: Vec<_> = Queue::ALL
        .into_iter()
        .map(|queue| (queue, settings.config(queue)))
        .collect();

    let mut first = redis::pipe();
    for (_, config) in &configs {
        let (active, scheduled) = (config.active_jobs_list(), config.scheduled_jobs_set());
        first
            .llen(&active)
            .zcount(&scheduled, "-inf", now)
            .zcount(&scheduled, format!("({now}"), "+inf")
            .zrange_withscores(&scheduled, 0, 0)
            .lindex(&active, 0)
            .scard(config.dead_jobs_set());
    }
    type First = (u64, u64, u64, Vec<(String, f64)>, Option<String>, u64);
    let counts: Vec<First> = first.query_async(&mut conn).await?;

    let mut second = redis::pipe();
    for ((_, config), (.., head, _)) in configs.iter().zip(&counts) {
        // An empty list's head: a key that does not exist answers nils.
        let id = head.as_deref().unwrap_or("");
        second
            .cmd("HMGET")
            .arg(format!("{}:{id}", config.job_meta_hash()))
            .arg(otklik_jobs::DUE_AT)
            .arg("done_at")
            .arg("attempts");
    }
    type Second = (Option<u64>, Option<u64>, Option<u64>);
    let heads: Vec<Second> = second.query_async(&mut conn).await?;

    Ok(configs
        .iter()
        .zip(counts)
        .zip(heads)
        .map(
            |(((queue, _), (ready, due, later, first, head, dead)), times)| {
                let (due_at, done_at, attempts) = times;
                let head = head.map(|_| HeadTimes {
                    due_at,
                    done_at,
                    attempts,
                });
                let depth = QueueDepth {
                    waiting: ready + due,
                    delayed: later,
                    dead,
                    oldest_waiting: oldest_waiting(
                        now,
                        first.first().map(|(_, score)| *score),
                        head,
                    ),
                };
                (*queue, depth)
            },
        )
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_800_000_000;

    #[test]
    fn nothing_waiting_is_zero() {
        assert_eq!(oldest_waiting(NOW, None, None), Duration::ZERO);
    }

    #[test]
    fn a_job_scheduled_for_later_is_not_waiting() {
        assert_eq!(
            oldest_waiting(NOW, Some((NOW + 30) as f64), None),
            Duration::ZERO
        );
    }

    #[test]
    fn the_schedule_counts_from_when_the_job_became_due() {
        assert_eq!(
            oldest_waiting(NOW, Some((NOW - 150) as f64), None),
            Duration::from_secs(150)
        );
    }

    #[test]
    fn the_ready_list_head_counts_from_its_stamp_or_its_retry() {
        let fresh = HeadTimes {
            due_at: Some(NOW - 40),
            ..HeadTimes::default()
        };
        assert_eq!(
            oldest_waiting(NOW, None, Some(fresh)),
            Duration::from_secs(40)
        );
        // Rescheduled 3 s after its third attempt failed 20 s ago: due 17 s ago.
        let retried = HeadTimes {
            due_at: Some(NOW - 600),
            done_at: Some(NOW - 20),
            attempts: Some(3),
        };
        assert_eq!(
            oldest_waiting(NOW, None, Some(retried)),
            Duration::from_secs(17)
        );
    }

    #[test]
    fn the_longer_wait_of_both_places_wins() {
        let head = HeadTimes {
            due_at: Some(NOW - 10),
            ..HeadTimes::default()
        };
        assert_eq!(
            oldest_waiting(NOW, Some((NOW - 200) as f64), Some(head)),
            Duration::from_secs(200)
        );
    }

    #[test]
    fn a_head_without_times_adds_nothing() {
        assert_eq!(
            oldest_waiting(NOW, None, Some(HeadTimes::default())),
            Duration::ZERO
        );
    }
}
