//! Fan-out of live events from Redis pub/sub to the open pages of this process.
//!
//! One pattern subscription per process (not one Redis connection per page); each topic gets a
//! broadcast channel while someone listens, and loses it when its last listener goes (a
//! [`Listener`] dropped), so opening and closing streams leaves nothing behind. Works with any
//! number of ingress processes, since every process hears every publish.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::{broadcast, watch};

/// How long a new listener waits for the Redis subscription before listening anyway; it is then
/// cut off when the subscription starts, and its page reconnects.
const LIVE_WAIT: Duration = Duration::from_secs(5);
/// Buffered events per topic for a slow reader before it starts missing some (it can reload
/// the history).
const TOPIC_BUFFER: usize = 64;

#[derive(Clone)]
pub struct Hub {
    topics: Arc<Mutex<HashMap<String, broadcast::Sender<String>>>>,
    /// Open listeners per client address, for the per-address cap.
    per_address: Arc<Mutex<HashMap<IpAddr, u32>>>,
    /// Whether the Redis subscription is live, for readers that must not miss what follows.
    subscribed: watch::Receiver<bool>,
}

/// The events of one topic for one reader. Dropping it unsubscribes: the topic is forgotten
/// with its last listener, and the address's count goes down.
pub struct Listener {
    receiver: Option<broadcast::Receiver<String>>,
    topic: String,
    hub: Hub,
    /// Dropped with the listener, after it unsubscribed.
    _slot: Option<AddressSlot>,
}

/// One of an address's live streams; gives its place back when dropped.
struct AddressSlot {
    counts: Arc<Mutex<HashMap<IpAddr, u32>>>,
    address: IpAddr,
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(count) = counts.get_mut(&self.address) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&self.address);
            }
        }
    }
}

impl Listener {
    /// The receiver; the listener must be kept alive as long as it is read.
    pub fn receiver(&mut self) -> &mut broadcast::Receiver<String> {
        self.receiver
            .as_mut()
            .unwrap_or_else(|| unreachable!("the receiver lives until drop"))
    }

    /// A stream of the events; it ends when the listener is cut off or falls behind (its page
    /// then reconnects and reads its history, rather than silently missing a reply).
    pub fn into_stream(self) -> impl futures::Stream<Item = String> + Send + 'static {
        futures::stream::unfold(self, |mut listener| async move {
            let line = listener.receiver().recv().await.ok()?;
            Some((line, listener))
        })
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        drop(self.receiver.take());
        let mut topics = self
            .hub
            .topics
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if topics
            .get(&self.topic)
            .is_some_and(|sender| sender.receiver_count() == 0)
        {
            topics.remove(&self.topic);
        }
    }
}

/// An address already holds as many live streams as it may.
#[derive(Debug, thiserror::Error)]
#[error("too many live streams from this address")]
pub struct TooManyStreams;

impl Hub {
    /// Subscribes to `pattern` in the background, reconnecting after errors, until `stopped`.
    pub fn start(
        client: redis::Client,
        pattern: String,
        mut stopped: watch::Receiver<bool>,
    ) -> Self {
        let (live, subscribed) = watch::channel(false);
        let hub = Self {
            topics: Arc::default(),
            per_address: Arc::default(),
            subscribed,
        };
        let listener = hub.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    result = listener.listen(&client, &pattern, &live) => {
                        let _ = live.send(false);
                        if let Err(err) = result {
                            tracing::warn!(error = %err, "live events: Redis subscription lost; reconnecting");
                        }
                    }
                    _ = stopped.wait_for(|stop| *stop) => return,
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        hub
    }

    async fn listen(
        &self,
        client: &redis::Client,
        pattern: &str,
        live: &watch::Sender<bool>,
    ) -> redis::RedisResult<()> {
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.psubscribe(pattern).await?;
        // Streams opened while there was no subscription may have missed events; a stream
        // opened from here on has not.
        self.close_all();
        let _ = live.send(true);
        let mut messages = pubsub.on_message();
        while let Some(message) = messages.next().await {
            if let Ok(payload) = message.get_payload::<String>() {
                self.publish(message.get_channel_name(), payload);
            }
        }
        Ok(())
    }

    fn publish(&self, topic: &str, payload: String) {
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(sender) = topics.get(topic)
            && sender.send(payload).is_err()
        {
            // Every listener has gone.
            topics.remove(topic);
        }
    }

    /// Ends every open stream when the subscription (re)starts: what was published before it is
    /// lost, so pages must reconnect and read their history again rather than wait for it.
    fn close_all(&self) {
        self.topics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// The events of `topic` from now on. Waits (up to [`LIVE_WAIT`]) for Redis to deliver to
    /// this process first, so nothing published after this returns is missed.
    pub async fn subscribe(&self, topic: String) -> Listener {
        self.wait_live().await;
        self.open_listener(topic, None)
    }

    /// [`subscribe`](Self::subscribe) for a caller at `address`, which may hold at most `cap`
    /// listeners of this hub at once.
    pub async fn subscribe_from(
        &self,
        topic: String,
        address: IpAddr,
        cap: u32,
    ) -> Result<Listener, TooManyStreams> {
        {
            let mut counts = self
                .per_address
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            let count = counts.entry(address).or_insert(0);
            if *count >= cap {
                return Err(TooManyStreams);
            }
            *count += 1;
        }
        // Counted before waiting, so a burst of opens cannot all pass the cap at once; the slot
        // gives the place back however this ends, a dropped request included.
        let slot = AddressSlot {
            counts: self.per_address.clone(),
            address,
        };
        self.wait_live().await;
        Ok(self.open_listener(topic, Some(slot)))
    }

    async fn wait_live(&self) {
        let mut subscribed = self.subscribed.clone();
        let _ = tokio::time::timeout(LIVE_WAIT, subscribed.wait_for(|live| *live)).await;
    }

    fn open_listener(&self, topic: String, slot: Option<AddressSlot>) -> Listener {
        let receiver = self
            .topics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .entry(topic.clone())
            .or_insert_with(|| broadcast::channel(TOPIC_BUFFER).0)
            .subscribe();
        Listener {
            receiver: Some(receiver),
            topic,
            hub: self.clone(),
            _slot: slot,
        }
    }

    /// Topics someone listens to now, for `/metrics`.
    pub fn topics(&self) -> usize {
        self.topics
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}
