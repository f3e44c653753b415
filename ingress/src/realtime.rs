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

/// Buffered events per topic for a slow reader before it starts missing some (it can reload
/// the history).
const TOPIC_BUFFER: usize = 64;

#[derive(Clone, Default)]
pub struct Hub {
    topics: Arc<Mutex<HashMap<String, broadcast::Sender<String>>>>,
}

impl Hub {
    /// Subscribes to `pattern` in the background, reconnecting after errors, until `stopped`.
    pub fn start(
        client: redis::Client,
        pattern: String,
        mut stopped: watch::Receiver<bool>,
    ) -> Self {
        let hub = Self::default();
        let listener = hub.clone();
        tokio::spawn(async move {
            loop {
                tokio::select! {
                    result = listener.listen(&client, &pattern) => {
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

    async fn listen(&self, client: &redis::Client, pattern: &str) -> redis::RedisResult<()> {
        let mut pubsub = client.get_async_pubsub().await?;
        pubsub.psubscribe(pattern).await?;
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

    pub fn subscribe(&self, topic: String) -> broadcast::Receiver<String> {
        let mut topics = self.topics.lock().unwrap_or_else(PoisonError::into_inner);
        topics
            .entry(topic)
            .or_insert_with(|| broadcast::channel(TOPIC_BUFFER).0)
            .subscribe()
    }
}
