//! Every queue, in one table: name, the pool that consumes it, and its budgets.

use std::time::Duration;

use apalis_core::backend::TaskSink;
use apalis_core::task::builder::TaskBuilder;
use apalis_core::task::metadata::MetadataStore;
use apalis_core::task::task_id::TaskId;
use apalis_redis::{Config, RedisStorage};
use redis::aio::ConnectionManager;

use crate::{
    BillingJob, CheckAccount, ConversationTurn, Deliver, InboundEvent, Notify, PollInbox,
    SyncAccount,
};

/// A group of queues that worker processes are started for (`workers run --pools ...`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pool {
    /// Normalise raw channel events into conversations.
    Inbound,
    /// Conversation turns: the assistant.
    Ai,
    /// Deliveries to channels, under their rate limits.
    Outbound,
    /// Marketplace account syncs.
    Sync,
    /// Payment provider events and billing runs.
    Billing,
    /// E-mails to merchants' people.
    Notify,
}

/// A pool name that does not exist.
#[derive(Debug, thiserror::Error)]
#[error("unknown pool `{0}`; expected inbound, ai, outbound, sync, billing or notify")]
pub struct UnknownPool(pub String);

impl std::str::FromStr for Pool {
    type Err = UnknownPool;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "inbound" => Ok(Self::Inbound),
            "ai" => Ok(Self::Ai),
            "outbound" => Ok(Self::Outbound),
            "sync" => Ok(Self::Sync),
            "billing" => Ok(Self::Billing),
            "notify" => Ok(Self::Notify),
            other => Err(UnknownPool(other.to_owned())),
        }
    }
}

impl Pool {
    pub const ALL: [Self; 6] = [
        Self::Inbound,
        Self::Ai,
        Self::Outbound,
        Self::Sync,
        Self::Billing,
        Self::Notify,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Ai => "ai",
            Self::Outbound => "outbound",
            Self::Sync => "sync",
            Self::Billing => "billing",
            Self::Notify => "notify",
        }
    }
}

/// One queue in Redis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Queue {
    Inbound,
    Turns,
    Deliveries,
    Syncs,
    /// Polls of marketplace shopper channels (questions, reviews, chats).
    Inbox,
    /// Credentials checks of marketplace accounts connected from the admin API.
    Checks,
    /// Payment provider events and billing runs.
    Billing,
    /// E-mails to merchants' people.
    Notifications,
}

impl Queue {
    pub const ALL: [Self; 8] = [
        Self::Inbound,
        Self::Turns,
        Self::Deliveries,
        Self::Syncs,
        Self::Inbox,
        Self::Checks,
        Self::Billing,
        Self::Notifications,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Inbound => "inbound",
            Self::Turns => "turns",
            Self::Deliveries => "deliveries",
            Self::Syncs => "syncs",
            Self::Inbox => "inbox",
            Self::Checks => "checks",
            Self::Billing => "billing",
            Self::Notifications => "notifications",
        }
    }

    /// The queue's name under the deployment's namespace.
    pub fn name(self, namespace: &str) -> String {
        format!("{namespace}:{}", self.as_str())
    }

    pub fn pool(self) -> Pool {
        match self {
            Self::Inbound => Pool::Inbound,
            Self::Turns => Pool::Ai,
            Self::Deliveries => Pool::Outbound,
            Self::Syncs | Self::Inbox | Self::Checks => Pool::Sync,
            Self::Billing => Pool::Billing,
            Self::Notifications => Pool::Notify,
        }
    }

    /// In-process retries before the job goes back to Redis. Redis then reschedules a failed job
    /// up to 25 attempts (hard-coded in apalis-redis), so the total is bounded there; handlers
    /// give up earlier themselves where a retry cannot help.
    pub fn in_process_retries(self) -> usize {
        match self {
            // A provider event or a run waits on the provider; retrying soon may help.
            Self::Inbound | Self::Turns | Self::Billing | Self::Notifications => 2,
            // A delivery decides its own retries (rate limits, retry_after); a blind in-process
            // retry would only skip those decisions. A sync retries its calls itself and a
            // failed one is simply the next scheduled one's to repeat.
            // A missed poll is the next tick's to repeat.
            Self::Deliveries | Self::Syncs | Self::Inbox => 0,
            // A check's calls retry themselves and a marketplace that still fails rejects it
            // with a reason; only our own database is worth one more try.
            Self::Checks => 1,
        }
    }
}

/// A queue name that does not exist.
#[derive(Debug, thiserror::Error)]
#[error(
    "unknown queue `{0}`; expected inbound, turns, deliveries, syncs, inbox, checks, billing or notifications"
)]
pub struct UnknownQueue(pub String);

impl std::str::FromStr for Queue {
    type Err = UnknownQueue;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "inbound" => Ok(Self::Inbound),
            "turns" => Ok(Self::Turns),
            "deliveries" => Ok(Self::Deliveries),
            "syncs" => Ok(Self::Syncs),
            "inbox" => Ok(Self::Inbox),
            "checks" => Ok(Self::Checks),
            "billing" => Ok(Self::Billing),
            "notifications" => Ok(Self::Notifications),
            other => Err(UnknownQueue(other.to_owned())),
        }
    }
}

/// What every queue shares: how long workers may stay silent, how often they poll.
#[derive(Debug, Clone)]
pub struct QueueSettings {
    pub namespace: String,
    pub heartbeat: Duration,
    pub missed_heartbeats: usize,
    /// How long an ingress dedupe key lives.
    pub dedupe_ttl: Duration,
}

impl QueueSettings {
    /// The settings the deployment's configuration asks for.
    pub fn from_config(config: &otklik_config::Config) -> Self {
        Self {
            namespace: config.redis_namespace.clone(),
            heartbeat: Duration::from_secs(config.queue_heartbeat_secs),
            missed_heartbeats: config.queue_missed_heartbeats,
            dedupe_ttl: Duration::from_secs(config.dedupe_ttl_hours * 3600),
        }
    }

    /// The apalis-redis configuration of one queue.
    pub fn config(&self, queue: Queue) -> Config {
        Config::default()
            .queue(queue.name(&self.namespace))
            .heartbeat_interval(self.heartbeat)
            .missed_heartbeats(self.missed_heartbeats)
            .batch_size(8)
            // Not optional: in apalis-redis 1.0 this flag also turns on acknowledgements. Without
            // it no job is ever marked done or rescheduled after an error.
            .persist_results(true)
            .emit_events(false)
            .idempotency_ttl(Some(self.dedupe_ttl))
    }
}

/// Producers for every queue. Cheap to clone: the storages share one Redis connection. Every
/// push of a job that is due now is announced on its queue's wake topic, so an idle worker
/// fetches it at once instead of on its next poll (`crate::wake`).
#[derive(Clone)]
pub struct Queues {
    pub inbound: RedisStorage<InboundEvent>,
    pub turns: RedisStorage<ConversationTurn>,
    pub deliveries: RedisStorage<Deliver>,
    pub syncs: RedisStorage<SyncAccount>,
    pub inbox: RedisStorage<PollInbox>,
    pub checks: RedisStorage<CheckAccount>,
    pub billing: RedisStorage<BillingJob>,
    pub notifications: RedisStorage<Notify>,
    announcer: Announcer,
}

/// Publishes "a job is waiting" on a queue's wake topic.
#[derive(Clone)]
struct Announcer {
    redis: ConnectionManager,
    namespace: String,
}

impl Announcer {
    /// Best effort: a lost announcement costs one poll interval, never the job.
    async fn announce(&self, queue: Queue) {
        let published = redis::cmd("PUBLISH")
            .arg(crate::wake::topic(&self.namespace, queue))
            .arg("")
            .query_async::<i64>(&mut self.redis.clone())
            .await;
        if let Err(err) = published {
            tracing::debug!(queue = queue.as_str(), error = %err, "could not announce a job");
        }
    }

    async fn after(
        &self,
        queue: Queue,
        pushed: Result<(), EnqueueError>,
    ) -> Result<(), EnqueueError> {
        if pushed.is_ok() {
            self.announce(queue).await;
        }
        pushed
    }
}

/// Why a job could not be enqueued.
pub type EnqueueError = apalis_core::backend::TaskSinkError<apalis_redis::Error>;

impl Queues {
    /// Tells `queue`'s idle workers that jobs wait (after putting jobs back outside a push).
    pub async fn announce(&self, queue: Queue) {
        self.announcer.announce(queue).await;
    }

    pub fn new(conn: ConnectionManager, settings: &QueueSettings) -> Self {
        Self {
            inbound: RedisStorage::new(conn.clone()).with_config(settings.config(Queue::Inbound)),
            turns: RedisStorage::new(conn.clone()).with_config(settings.config(Queue::Turns)),
            deliveries: RedisStorage::new(conn.clone())
                .with_config(settings.config(Queue::Deliveries)),
            syncs: RedisStorage::new(conn.clone()).with_config(settings.config(Queue::Syncs)),
            inbox: RedisStorage::new(conn.clone()).with_config(settings.config(Queue::Inbox)),
            checks: RedisStorage::new(conn.clone()).with_config(settings.config(Queue::Checks)),
            billing: RedisStorage::new(conn.clone()).with_config(settings.config(Queue::Billing)),
            notifications: RedisStorage::new(conn.clone())
                .with_config(settings.config(Queue::Notifications)),
            announcer: Announcer {
                redis: conn,
                namespace: settings.namespace.clone(),
            },
        }
    }

    /// Enqueues a provider event once per provider id: a redelivery within the dedupe TTL is
    /// silently dropped by Redis.
    pub async fn push_inbound(&self, event: InboundEvent) -> Result<(), EnqueueError> {
        let key = event.idempotency_key();
        let task = stamped(event, Duration::ZERO).idempotency_key(key).build();
        let pushed = self.inbound.clone().push_task(task).await;
        self.announcer.after(Queue::Inbound, pushed).await
    }

    /// Schedules a turn for the conversation because of message `because` (one turn job per
    /// message; a turn answers everything unanswered, so later ones find nothing to do).
    pub async fn push_turn(
        &self,
        turn: ConversationTurn,
        because: impl std::fmt::Display,
    ) -> Result<(), EnqueueError> {
        let id = TaskId::from_string(format!("turn-{}-{because}", turn.conversation_id));
        let pushed = self
            .turns
            .clone()
            .push_task(stamped(turn, Duration::ZERO).task_id(id).build())
            .await;
        self.announcer.after(Queue::Turns, pushed).await
    }

    /// Enqueues the first delivery of a message. The task id is derived from the message, so
    /// enqueueing it again (a turn that ran twice) is a no-op.
    pub async fn push_delivery(&self, job: Deliver) -> Result<(), EnqueueError> {
        let id = TaskId::from_string(format!("deliver-{}", job.message_id));
        let pushed = self
            .deliveries
            .clone()
            .push_task(stamped(job, Duration::ZERO).task_id(id).build())
            .await;
        self.announcer.after(Queue::Deliveries, pushed).await
    }

    /// Enqueues another try of a delivery after `delay`, under a fresh task id. Expected waits
    /// (rate limits, `retry_after`, another worker's send in flight) are rescheduled this way
    /// rather than by failing the job: apalis-redis ignores the wait a failed job asks for.
    pub async fn push_delivery_later(
        &self,
        job: Deliver,
        delay: Duration,
    ) -> Result<(), EnqueueError> {
        push_later(&self.deliveries, job, delay).await
    }

    /// Enqueues another try of a turn after `delay` (its conversation was busy).
    pub async fn push_turn_later(
        &self,
        turn: ConversationTurn,
        delay: Duration,
    ) -> Result<(), EnqueueError> {
        push_later(&self.turns, turn, delay).await
    }

    /// Enqueues a sync once per `occasion` (a scheduler tick): every scheduler replica may ask,
    /// the first one wins.
    pub async fn push_sync(&self, job: SyncAccount, occasion: &str) -> Result<(), EnqueueError> {
        let key = format!("sync:{}:{}:{occasion}", job.account_id, job.kind);
        let task = stamped(job, Duration::ZERO).idempotency_key(key).build();
        let pushed = self.syncs.clone().push_task(task).await;
        self.announcer.after(Queue::Syncs, pushed).await
    }

    /// Enqueues a sync again after `delay` (its account was busy).
    pub async fn push_sync_later(
        &self,
        job: SyncAccount,
        delay: Duration,
    ) -> Result<(), EnqueueError> {
        push_later(&self.syncs, job, delay).await
    }

    /// Enqueues a poll of an account's shopper channels once per `occasion` (a scheduler tick).
    pub async fn push_inbox_poll(
        &self,
        job: PollInbox,
        occasion: &str,
    ) -> Result<(), EnqueueError> {
        let key = format!("inbox:{}:{occasion}", job.account_id);
        let task = stamped(job, Duration::ZERO).idempotency_key(key).build();
        let pushed = self.inbox.clone().push_task(task).await;
        self.announcer.after(Queue::Inbox, pushed).await
    }

    /// Enqueues a credentials check once per account and generation: asking again for the same
    /// credentials adds nothing.
    pub async fn push_check(&self, job: CheckAccount) -> Result<(), EnqueueError> {
        let key = format!("check:{}:{}", job.account_id, job.generation);
        let task = stamped(job, Duration::ZERO).idempotency_key(key).build();
        let pushed = self.checks.clone().push_task(task).await;
        self.announcer.after(Queue::Checks, pushed).await
    }

    /// Enqueues billing work once per its own key (a provider event id, a run's tick): a
    /// redelivered event or a second scheduler replica adds nothing. Work without a key
    /// (ЮKassa notifications) is queued every time.
    pub async fn push_billing(&self, job: BillingJob) -> Result<(), EnqueueError> {
        let task = match job.idempotency_key() {
            Some(key) => stamped(job, Duration::ZERO).idempotency_key(key).build(),
            None => stamped(job, Duration::ZERO).build(),
        };
        let pushed = self.billing.clone().push_task(task).await;
        self.announcer.after(Queue::Billing, pushed).await
    }

    /// Enqueues a notification once per `occasion` (a person asking twice in a minute gets one
    /// e-mail).
    pub async fn push_notify(&self, job: Notify, occasion: &str) -> Result<(), EnqueueError> {
        let key = match job {
            Notify::PasswordReset { user_id, .. } => format!("reset:{user_id}:{occasion}"),
            Notify::EmailVerification { user_id, .. } => format!("verify:{user_id}:{occasion}"),
            Notify::Invitation { invitation_id, .. } => {
                format!("invitation:{invitation_id}:{occasion}")
            }
            Notify::AlertSweep { at } => format!("alerts:{at}:{occasion}"),
        };
        let task = stamped(job, Duration::ZERO).idempotency_key(key).build();
        let pushed = self.notifications.clone().push_task(task).await;
        self.announcer.after(Queue::Notifications, pushed).await
    }
}

/// The metadata field holding when a job is due (unix seconds). apalis-redis forgets that time
/// once a fetch moves the job from its schedule to the ready list; the workers' metrics read it
/// there to tell how long the oldest ready job has waited.
pub const DUE_AT: &str = "due_at";

/// A task of `job`, stamped with when it is due: now plus `delay`.
pub(crate) fn stamped<T>(job: T, delay: Duration) -> TaskBuilder<T> {
    let due = std::time::SystemTime::now() + delay;
    let seconds = due
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let mut metadata = MetadataStore::new();
    // A fresh store has no keys, so the insert cannot meet a duplicate.
    let _ = metadata.insert(DUE_AT, seconds.to_string());
    TaskBuilder::new(job).with_metadata(metadata)
}

/// A fresh task (new id, no dedupe key) of `job` that runs after `delay`.
async fn push_later<T>(
    storage: &RedisStorage<T>,
    job: T,
    delay: Duration,
) -> Result<(), EnqueueError>
where
    T: serde::Serialize + serde::de::DeserializeOwned + Send + Sync + Unpin + 'static,
{
    let task = stamped(job, delay).run_after(delay).build();
    storage.clone().push_task(task).await
}
