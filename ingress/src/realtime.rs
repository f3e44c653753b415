//! Fan-out of live events from Redis pub/sub to the open pages of this process.
//!
//! One pattern subscription per process (not one Redis connection per page); each topic gets a
//! broadcast channel while someone listens. Works with any number of ingress processes, since
//! every process hears every publish.

use std::collections::HashMap;
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
    /// Whether the Redis subscription is live, for readers that must not miss what follows.
    subscribed: watch::Receiver<bool>,
}

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
    pub async fn subscribe(&self, topic: String) -> broadcast::Receiver<String> {
        let mut subscribed = self.subscribed.clone();
        let _ = tokio::time::timeout(LIVE_WAIT, subscribed.wait_for(|live| *live)).await;
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        topics
            .entry(topic)
            .or_insert_with(|| broadcast::channel(TOPIC_BUFFER).0)
            .subscribe()
    }
}
