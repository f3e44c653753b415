//! Delivering to the web chat: publish to the visitor's topic; every ingress process forwards
//! it to the visitor's open page. A page that is closed reads it from the history later.

use otklik_db::messages::{Delivery, Line};
use otklik_schema::Direction;
use redis::aio::ConnectionManager;

pub async fn publish(
    redis: &ConnectionManager,
    namespace: &str,
    delivery: &Delivery,
) -> Result<(), redis::RedisError> {
    let line = Line {
        id: delivery.id,
        direction: Direction::Outbound,
        author: delivery.author,
        body: delivery.body.clone(),
        created_at: delivery.created_at,
    };
    let payload = serde_json::to_string(&line).unwrap_or_default();
    let topic = otklik_jobs::topics::webchat(namespace, delivery.channel_id, &delivery.chat_id);
    redis::cmd("PUBLISH")
        .arg(topic)
        .arg(payload)
        .query_async::<i64>(&mut redis.clone())
        .await?;
    Ok(())
}
