//! Delivering to the web chat: publish to the visitor's topic; every ingress process forwards
//! it to the visitor's open page. A page that is closed reads it from the history later.

use apalis::prelude::BoxDynError;
use otklik_db::TenantScope;
use otklik_db::messages::{self, Delivery, Line, Outcome};
use otklik_schema::Direction;
use redis::aio::ConnectionManager;

use crate::Context;

/// Records the reply as sent, then pushes it. Recorded first: a page that subscribes after the
/// push reads its history next, and must find the reply there.
pub async fn deliver(
    ctx: &Context,
    scope: TenantScope,
    delivery: &Delivery,
) -> Result<(), BoxDynError> {
    let claimed = {
        let mut conn = ctx.db.get().await?;
        messages::claim(&mut conn, scope, delivery.id, ctx.interrupted_after()).await?
    };
    let Some(attempts) = claimed else {
        return Ok(());
    };
    let external_id = delivery.id.to_string();
    super::record(
        ctx,
        scope,
        delivery,
        Outcome::Sent {
            external_id: &external_id,
        },
        attempts,
        None,
    )
    .await?;
    if let Err(err) = publish(&ctx.redis, &ctx.config.redis_namespace, delivery).await {
        tracing::warn!(message.id = %delivery.id, error = %err,
            "could not push a web-chat reply; the page reads it from the history when it reconnects");
    }
    Ok(())
}

async fn publish(
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
