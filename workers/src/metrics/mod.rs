//! Operations metrics of a worker process, in Prometheus's format: what its jobs, turns and
//! deliveries did (counted as they happen), and how deep and how old every queue is (read from
//! Redis when scraped). `docs/ops/README.md` says what each one means.

mod jobs;
mod listener;
mod queues;

use std::sync::Arc;
use std::time::Duration;

use otklik_jobs::Queue;
use otklik_schema::ChannelKind;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

pub(crate) use jobs::JobMetricsLayer;
pub(crate) use listener::{ListenError, Listener};
pub(crate) use queues::QueueDepth;

/// What became of one attempt of a job.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub(crate) enum JobOutcome {
    Done,
    /// It failed and runs again (in this process, or rescheduled by Redis).
    Retried,
    /// It failed for good (given up on purpose, panicked, or out of attempts): a dead letter.
    DeadLettered,
}

/// What became of one try of a delivery.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub(crate) enum DeliveryOutcome {
    Sent,
    /// Tried again later: the provider failed or asked to wait.
    Retried,
    /// Given up: the conversation went to people.
    Failed,
    /// Not sent after all: the seller had answered at the marketplace.
    Withdrawn,
}

/// What a finished turn decided.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
pub(crate) enum TurnOutcome {
    Reply,
    Draft,
    Handoff,
    /// Nothing to answer, or people are answering.
    Nothing,
}

/// Label values as the docs and alert rules spell them.
macro_rules! label_values {
    ($($kind:ty { $($variant:ident => $text:literal),* $(,)? })*) => {$(
        impl EncodeLabelValue for $kind {
            fn encode(&self, encoder: &mut LabelValueEncoder<'_>) -> Result<(), std::fmt::Error> {
                let text = match self {
                    $(Self::$variant => $text),*
                };
                EncodeLabelValue::encode(&text, encoder)
            }
        }
    )*};
}

label_values! {
    JobOutcome { Done => "done", Retried => "retried", DeadLettered => "dead_lettered" }
    DeliveryOutcome { Sent => "sent", Retried => "retried", Failed => "failed", Withdrawn => "withdrawn" }
    TurnOutcome { Reply => "reply", Draft => "draft", Handoff => "handoff", Nothing => "none" }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabel {
    queue: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct JobLabels {
    queue: &'static str,
    outcome: JobOutcome,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct DeliveryLabels {
    channel: &'static str,
    outcome: DeliveryOutcome,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TurnLabels {
    outcome: TurnOutcome,
}

/// The process's metrics. Cheap to clone: every clone counts into the same registry.
#[derive(Clone)]
pub(crate) struct Metrics {
    registry: Arc<Registry>,
    jobs: Family<JobLabels, Counter>,
    job_duration: Family<QueueLabel, Histogram>,
    turn_duration: Family<TurnLabels, Histogram>,
    deliveries: Family<DeliveryLabels, Counter>,
    waiting: Family<QueueLabel, Gauge>,
    delayed: Family<QueueLabel, Gauge>,
    dead: Family<QueueLabel, Gauge>,
    oldest_waiting: Family<QueueLabel, Gauge<f64, std::sync::atomic::AtomicU64>>,
    queue_read_errors: Counter,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("otklik");
        let jobs = Family::<JobLabels, Counter>::default();
        registry.register(
            "jobs",
            "Job attempts finished by this process, by queue and outcome",
            jobs.clone(),
        );
        // 10 ms .. ~5.5 min: a delivery takes milliseconds, a full sync minutes.
        let job_duration = Family::<QueueLabel, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.01, 2.0, 16))
        });
        registry.register(
            "job_duration_seconds",
            "How long one attempt of a job ran, by queue",
            job_duration.clone(),
        );
        // 10 ms .. ~82 s: the local responder answers in milliseconds, a model in seconds.
        let turn_duration = Family::<TurnLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.01, 2.0, 14))
        });
        registry.register(
            "turn_duration_seconds",
            "How long a conversation turn took, from taking the conversation to its decision recorded",
            turn_duration.clone(),
        );
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "deliveries",
            "Tries to deliver a reply, by channel kind and outcome",
            deliveries.clone(),
        );
        let waiting = Family::<QueueLabel, Gauge>::default();
        registry.register(
            "queue_waiting_jobs",
            "Jobs due now and not yet taken by a worker (read from Redis at scrape)",
            waiting.clone(),
        );
        let delayed = Family::<QueueLabel, Gauge>::default();
        registry.register(
            "queue_delayed_jobs",
            "Jobs scheduled for later: delayed tries and retries not yet due",
            delayed.clone(),
        );
        let dead = Family::<QueueLabel, Gauge>::default();
        registry.register(
            "queue_dead_letters",
            "Jobs that failed for good and wait for `workers dead-letters`",
            dead.clone(),
        );
        let oldest_waiting =
            Family::<QueueLabel, Gauge<f64, std::sync::atomic::AtomicU64>>::default();
        registry.register(
            "queue_oldest_waiting_seconds",
            "How long the oldest job due now has waited (0 when none waits)",
            oldest_waiting.clone(),
        );
        let queue_read_errors = Counter::default();
        registry.register(
            "queue_read_errors",
            "Scrapes whose queue figures could not be read from Redis (the queue gauges are then absent)",
            queue_read_errors.clone(),
        );
        Self {
            registry: Arc::new(registry),
            jobs,
            job_duration,
            turn_duration,
            deliveries,
            waiting,
            delayed,
            dead,
            oldest_waiting,
            queue_read_errors,
        }
    }
}

impl Metrics {
    /// Counts a finished attempt of a job of `queue`.
    pub(crate) fn job_finished(&self, queue: Queue, outcome: JobOutcome, took: Duration) {
        let queue = queue.as_str();
        self.jobs.get_or_create(&JobLabels { queue, outcome }).inc();
        self.job_duration
            .get_or_create(&QueueLabel { queue })
            .observe(took.as_secs_f64());
    }

    /// Counts a turn that got as far as a decision.
    pub(crate) fn turn_finished(&self, outcome: TurnOutcome, took: Duration) {
        self.turn_duration
            .get_or_create(&TurnLabels { outcome })
            .observe(took.as_secs_f64());
    }

    /// Counts one try of a delivery to a channel of `kind`.
    pub(crate) fn delivery(&self, kind: ChannelKind, outcome: DeliveryOutcome) {
        let labels = DeliveryLabels {
            channel: kind.as_str(),
            outcome,
        };
        self.deliveries.get_or_create(&labels).inc();
    }

    /// Replaces the queue gauges with what Redis holds now; `None` when it could not be read,
    /// so no stale figure is shown as current.
    fn set_queues(&self, depths: Option<&[(Queue, QueueDepth)]>) {
        self.waiting.clear();
        self.delayed.clear();
        self.dead.clear();
        self.oldest_waiting.clear();
        let Some(depths) = depths else {
            self.queue_read_errors.inc();
            return;
        };
        for (queue, depth) in depths {
            let label = QueueLabel {
                queue: queue.as_str(),
            };
            let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
            self.waiting.get_or_create(&label).set(count(depth.waiting));
            self.delayed.get_or_create(&label).set(count(depth.delayed));
            self.dead.get_or_create(&label).set(count(depth.dead));
            self.oldest_waiting
                .get_or_create(&label)
                .set(depth.oldest_waiting.as_secs_f64());
        }
    }

    fn encode(&self) -> Result<String, std::fmt::Error> {
        let mut body = String::new();
        prometheus_client::encoding::text::encode(&mut body, &self.registry)?;
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_appear_under_their_labels() {
        let metrics = Metrics::default();
        metrics.job_finished(
            Queue::Deliveries,
            JobOutcome::Done,
            Duration::from_millis(30),
        );
        metrics.job_finished(
            Queue::Deliveries,
            JobOutcome::Retried,
            Duration::from_millis(5),
        );
        metrics.delivery(ChannelKind::Telegram, DeliveryOutcome::Sent);
        metrics.turn_finished(TurnOutcome::Handoff, Duration::from_millis(250));
        let depth = QueueDepth {
            waiting: 3,
            delayed: 1,
            dead: 2,
            oldest_waiting: Duration::from_secs(90),
        };
        metrics.set_queues(Some(&[(Queue::Turns, depth)]));
        let text = metrics.encode().expect("encode");
        for line in [
            r#"otklik_jobs_total{queue="deliveries",outcome="done"} 1"#,
            r#"otklik_jobs_total{queue="deliveries",outcome="retried"} 1"#,
            r#"otklik_job_duration_seconds_count{queue="deliveries"} 2"#,
            r#"otklik_deliveries_total{channel="telegram",outcome="sent"} 1"#,
            r#"otklik_turn_duration_seconds_count{outcome="handoff"} 1"#,
            r#"otklik_queue_waiting_jobs{queue="turns"} 3"#,
            r#"otklik_queue_delayed_jobs{queue="turns"} 1"#,
            r#"otklik_queue_dead_letters{queue="turns"} 2"#,
            r#"otklik_queue_oldest_waiting_seconds{queue="turns"} 90.0"#,
        ] {
            assert!(text.contains(line), "{line} missing in\n{text}");
        }
    }

    #[test]
    fn an_unreadable_queue_shows_no_stale_figures() {
        let metrics = Metrics::default();
        let depth = QueueDepth {
            waiting: 3,
            delayed: 0,
            dead: 0,
            oldest_waiting: Duration::ZERO,
        };
        metrics.set_queues(Some(&[(Queue::Turns, depth)]));
        metrics.set_queues(None);
        let text = metrics.encode().expect("encode");
        assert!(!text.contains(r#"otklik_queue_waiting_jobs{"#), "{text}");
        assert!(text.contains("otklik_queue_read_errors_total 1"), "{text}");
    }
}
