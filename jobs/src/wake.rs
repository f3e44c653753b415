//! Waking idle workers the moment a job is pushed, with polling only as the fallback.
//!
//! apalis-redis finds new jobs only when a worker fetches, and an idle worker fetches only when
//! something wakes it. Two things wake ours:
//!
//! - a **doorbell**: every immediate push is followed by a `PUBLISH` on the queue's wake topic
//!   ([`topic`]); one subscription per worker process ([`listen`]) rings the doorbell of that
//!   queue's worker, which fetches within milliseconds;
//! - a **tick** every `OTKLIK_QUEUE_POLL_MS`, for what the doorbell cannot announce: delayed
//!   jobs coming due, retries, orphans put back, and a wake-up lost while the subscription
//!   reconnects.
//!
//! Why not apalis's own `poll_with_interval`: its `IntervalStrategy` replaces a fired timer
//! without polling the new one. When the timer fires in the same poll in which a fetch comes
//! back empty — the fetch took longer than the interval, or a task's completion and the tick
//! woke the worker together — no timer is armed any more and the worker sleeps until its next
//! heartbeat (up to `OTKLIK_QUEUE_HEARTBEAT_SECS`) or until a running task ends. Those were the
//! 6–7 s stalls of issue 25. [`WakeOrTick`] always leaves an armed timer behind.

use std::collections::HashMap;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use apalis_core::backend::ext::poll_strategy::{PollSnapshot, PollStrategy};
use futures::StreamExt;
use futures::task::AtomicWaker;
use tokio::time::{Instant, Sleep};

use crate::Queue;

/// The pub/sub topic on which pushes to `queue` are announced.
pub fn topic(namespace: &str, queue: Queue) -> String {
    format!("{namespace}:wake:{}", queue.as_str())
}

fn pattern(namespace: &str) -> String {
    format!("{namespace}:wake:*")
}

/// One queue's worker doorbell in a process: rung by the subscription, answered by the worker's
/// poll strategy.
#[derive(Debug, Default)]
pub struct Doorbell {
    rung: AtomicBool,
    waker: AtomicWaker,
}

impl Doorbell {
    pub fn ring(&self) {
        self.rung.store(true, Ordering::SeqCst);
        self.waker.wake();
    }
}

/// A poll strategy: fetch when the doorbell rings, and at least every `interval`.
#[derive(Debug)]
pub struct WakeOrTick {
    doorbell: Arc<Doorbell>,
    interval: Duration,
    tick: Pin<Box<Sleep>>,
}

impl WakeOrTick {
    pub fn new(doorbell: Arc<Doorbell>, interval: Duration) -> Self {
        let interval = interval.max(Duration::from_millis(1));
        Self {
            doorbell,
            interval,
            tick: Box::pin(tokio::time::sleep(interval)),
        }
    }
}

impl Clone for WakeOrTick {
    fn clone(&self) -> Self {
        Self::new(self.doorbell.clone(), self.interval)
    }
}

impl PollStrategy for WakeOrTick {
    fn poll_drive(&mut self, cx: &mut Context<'_>, _: &PollSnapshot) -> Poll<Option<()>> {
        self.doorbell.waker.register(cx.waker());
        let rung = self.doorbell.rung.swap(false, Ordering::SeqCst);
        let mut ticked = false;
        // Re-arm until the timer is pending: its waker is then registered for the next tick.
        while self.tick.as_mut().poll(cx).is_ready() {
            ticked = true;
            let next = Instant::now() + self.interval;
            self.tick.as_mut().reset(next);
        }
        if rung || ticked {
            Poll::Ready(Some(()))
        } else {
            Poll::Pending
        }
    }
}

/// Rings `doorbells` whenever a job is announced on their queue's topic, for as long as the
/// process runs. When the subscription breaks it rings every doorbell (announcements may have
/// been missed) and subscribes again; the workers' ticks cover the gap.
pub async fn listen(
    client: redis::Client,
    namespace: String,
    doorbells: HashMap<Queue, Arc<Doorbell>>,
) {
    let by_topic: HashMap<String, Arc<Doorbell>> = doorbells
        .iter()
        .map(|(queue, bell)| (topic(&namespace, *queue), bell.clone()))
        .collect();
    let mut pause = Duration::from_millis(100);
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.psubscribe(pattern(&namespace)).await {
                Ok(()) => {
                    pause = Duration::from_millis(100);
                    // Jobs pushed while we were not listening.
                    by_topic.values().for_each(|bell| bell.ring());
                    let mut messages = pubsub.into_on_message();
                    while let Some(message) = messages.next().await {
                        if let Some(bell) = by_topic.get(message.get_channel_name()) {
                            bell.ring();
                        }
                    }
                    tracing::warn!("the queue wake-up subscription ended; subscribing again");
                }
                Err(err) => {
                    tracing::warn!(error = %err, "could not subscribe to queue wake-ups; workers poll meanwhile");
                }
            },
            Err(err) => {
                tracing::warn!(error = %err, "could not connect for queue wake-ups; workers poll meanwhile");
            }
        }
        by_topic.values().for_each(|bell| bell.ring());
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(Duration::from_secs(5));
    }
}
