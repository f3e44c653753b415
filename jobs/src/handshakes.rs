//! What the ingress must answer in a webhook handshake without a database lookup: a VK
//! community's Callback API confirmation string, and a WhatsApp number's app secret and verify
//! token (sealed: only a holder of the master key opens them), kept in Redis under the channel
//! by whoever connects it (the admin API, the demo seed) before webhooks can come, and
//! forgotten when the channel is switched off.

use otklik_schema::ChannelId;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;

fn vk_key(namespace: &str, channel: ChannelId) -> String {
    format!("{namespace}:handshakes:vk:{channel}")
}

/// Remembers that `channel` is VK community `group_id`, whose confirmation string is `code`.
pub async fn remember_vk(
    redis: &mut ConnectionManager,
    namespace: &str,
    channel: ChannelId,
    group_id: i64,
    code: &str,
) -> redis::RedisResult<()> {
    redis
        .hset_multiple(
            vk_key(namespace, channel),
            &[
                ("group_id", group_id.to_string()),
                ("code", code.to_owned()),
            ],
        )
        .await
}

/// The confirmation string of `channel` if it is VK community `group_id`.
pub async fn vk_code(
    redis: &mut ConnectionManager,
    namespace: &str,
    channel: ChannelId,
    group_id: i64,
) -> redis::RedisResult<Option<String>> {
    let (known, code): (Option<String>, Option<String>) = redis::cmd("HMGET")
        .arg(vk_key(namespace, channel))
        .arg("group_id")
        .arg("code")
        .query_async(redis)
        .await?;
    Ok(code.filter(|_| known.as_deref() == Some(group_id.to_string().as_str())))
}

/// Forgets `channel`'s confirmation string: a handshake for it is refused from now on.
pub async fn forget_vk(
    redis: &mut ConnectionManager,
    namespace: &str,
    channel: ChannelId,
) -> redis::RedisResult<()> {
    redis.del(vk_key(namespace, channel)).await
}

fn whatsapp_key(namespace: &str, channel: ChannelId) -> String {
    format!("{namespace}:handshakes:whatsapp:{channel}")
}

/// Remembers `channel`'s webhook secrets (the app secret and the verify token), sealed, as
/// `Sealed::to_text` gives them.
pub async fn remember_whatsapp(
    redis: &mut ConnectionManager,
    namespace: &str,
    channel: ChannelId,
    sealed: &str,
) -> redis::RedisResult<()> {
    redis.set(whatsapp_key(namespace, channel), sealed).await
}

/// `channel`'s sealed webhook secrets, if it is a connected WhatsApp number.
pub async fn whatsapp_secrets(
    redis: &mut ConnectionManager,
    namespace: &str,
    channel: ChannelId,
) -> redis::RedisResult<Option<String>> {
    redis.get(whatsapp_key(namespace, channel)).await
}

/// Forgets `channel`'s webhook secrets: its webhooks are refused from now on.
pub async fn forget_whatsapp(
    redis: &mut ConnectionManager,
    namespace: &str,
    channel: ChannelId,
) -> redis::RedisResult<()> {
    redis.del(whatsapp_key(namespace, channel)).await
}
