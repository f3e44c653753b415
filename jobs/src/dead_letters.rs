//! Dead letters: jobs that failed for good (a payload that cannot be read, a handler that gave
//! up). apalis-redis keeps their ids in `{queue}:dead` with payload and metadata; this module
//! lists them for operators and replays one after its cause was fixed.

use apalis_core::backend::TaskSink;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use serde::Serialize;

use apalis_redis::RedisStorage;

use crate::{Queue, QueueSettings, Queues};

/// One dead-lettered job.
#[derive(Debug, Clone, Serialize)]
pub struct DeadLetter {
    pub id: String,
    /// `Killed` (given up on purpose or panicked), `Failed` (out of attempts), `Running` (timed out).
    pub status: Option<String>,
    /// The last error, as the handler reported it.
    pub error: Option<String>,
    /// Unix seconds.
    pub died_at: Option<i64>,
    /// The job's payload (JSON).
    pub payload: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeadLetterError {
    #[error(transparent)]
    Redis(#[from] redis::RedisError),
    #[error("no dead letter `{0}` in this queue")]
    NotFound(String),
    #[error("the payload of `{id}` no longer decodes: {source}")]
    Payload {
        id: String,
        source: serde_json::Error,
    },
    #[error("could not enqueue the replay: {0}")]
    Enqueue(#[from] crate::EnqueueError),
}

/// Every dead letter of a queue, oldest first.
pub async fn list(
    redis: &ConnectionManager,
    settings: &QueueSettings,
    queue: Queue,
) -> Result<Vec<DeadLetter>, DeadLetterError> {
    let config = settings.config(queue);
    let mut conn = redis.clone();
    let ids: Vec<String> = conn.smembers(config.dead_jobs_set()).await?;
    let mut letters = Vec::with_capacity(ids.len());
    for id in ids {
        let meta_key = format!("{}:{id}", config.job_meta_hash());
        let (status, error, died_at): (Option<String>, Option<String>, Option<i64>) =
            redis::cmd("HMGET")
                .arg(&meta_key)
                .arg("status")
                .arg("result")
                .arg("done_at")
                .query_async(&mut conn)
                .await?;
        let payload: Option<Vec<u8>> = conn.hget(config.job_data_hash(), &id).await?;
        let payload = payload.map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
        letters.push(DeadLetter {
            id,
            status,
            error,
            died_at,
            payload,
        });
    }
    letters.sort_by_key(|letter| letter.died_at);
    Ok(letters)
}

/// Enqueues a dead letter's payload again as a new job (no dedupe key: the original's would
/// drop it) and removes the dead letter.
pub async fn replay(
    redis: &ConnectionManager,
    settings: &QueueSettings,
    queue: Queue,
    id: &str,
) -> Result<(), DeadLetterError> {
    let config = settings.config(queue);
    let mut conn = redis.clone();
    let is_dead: bool = conn.sismember(config.dead_jobs_set(), id).await?;
    let payload: Option<Vec<u8>> = conn.hget(config.job_data_hash(), id).await?;
    let (true, Some(payload)) = (is_dead, payload) else {
        return Err(DeadLetterError::NotFound(id.to_owned()));
    };
    let queues = Queues::new(redis.clone(), settings);
    let again = |payload| PushAgain { id, payload };
    match queue {
        Queue::Inbound => again(&payload).into(&queues.inbound).await?,
        Queue::Turns => again(&payload).into(&queues.turns).await?,
        Queue::Deliveries => again(&payload).into(&queues.deliveries).await?,
        Queue::Syncs => again(&payload).into(&queues.syncs).await?,
        Queue::Inbox => again(&payload).into(&queues.inbox).await?,
        Queue::Checks => again(&payload).into(&queues.checks).await?,
        Queue::Billing => again(&payload).into(&queues.billing).await?,
        Queue::Notifications => again(&payload).into(&queues.notifications).await?,
    }
    let _: () = redis::pipe()
        .srem(config.dead_jobs_set(), id)
        .hdel(config.job_data_hash(), id)
        .del(format!("{}:{id}", config.job_meta_hash()))
        .query_async(&mut conn)
        .await?;
    Ok(())
}

/// A dead letter's payload on its way back into its queue.
struct PushAgain<'a> {
    id: &'a str,
    payload: &'a [u8],
}

impl PushAgain<'_> {
    async fn into<T>(self, storage: &RedisStorage<T>) -> Result<(), DeadLetterError>
    where
        T: Serialize + serde::de::DeserializeOwned + Send + Sync + Unpin + 'static,
    {
        let job: T =
            serde_json::from_slice(self.payload).map_err(|source| DeadLetterError::Payload {
                id: self.id.to_owned(),
                source,
            })?;
        storage
            .clone()
            .push_task(crate::queues::stamped(job, std::time::Duration::ZERO).build())
            .await?;
        Ok(())
    }
}
