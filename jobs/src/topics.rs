//! Redis pub/sub channel names shared by the workers (publishers) and the ingress (subscriber).

use otklik_schema::ChannelId;

/// Where replies to one web-chat visitor are published for their open chat page.
pub fn webchat(namespace: &str, channel: ChannelId, visitor: &str) -> String {
    format!("{namespace}:webchat:{channel}:{visitor}")
}

/// The pattern that matches every web-chat topic of a deployment.
pub fn webchat_pattern(namespace: &str) -> String {
    format!("{namespace}:webchat:*")
}

/// Where events for a tenant's operators are published: handoffs with their summary.
pub fn operators(namespace: &str, tenant: otklik_schema::TenantId) -> String {
    format!("{namespace}:operators:{tenant}")
}

/// The pattern that matches every tenant's operator topic of a deployment.
pub fn operators_pattern(namespace: &str) -> String {
    format!("{namespace}:operators:*")
}

/// Publishes one JSON event on a tenant's operator topic. Screens read the same state from the
/// database, so callers treat a failure as a delayed screen: they log it and carry on.
pub async fn tell_operators(
    redis: &mut redis::aio::ConnectionManager,
    namespace: &str,
    tenant: otklik_schema::TenantId,
    event: &crate::OperatorEvent,
) -> redis::RedisResult<()> {
    let payload = serde_json::to_string(event).map_err(|err| {
        redis::RedisError::from((
            redis::ErrorKind::Client,
            "an operator event did not serialise",
            err.to_string(),
        ))
    })?;
    redis::cmd("PUBLISH")
        .arg(operators(namespace, tenant))
        .arg(payload)
        .query_async::<i64>(redis)
        .await
        .map(drop)
}
