//! The webhook secrets the ingress reads from Redis (a WhatsApp number's app secret and verify
//! token, sealed), put back from the database: after the master key changed (the copy in Redis
//! was sealed under the old one) or Redis lost its data. `workers migrate` and `workers secrets
//! rotate` run it.

use otklik_db::channels;
use otklik_db::sealed::Vault;
use otklik_db::{AsyncPgConnection, DbError};
use otklik_jobs::handshakes;
use otklik_schema::ChannelKind;
use redis::aio::ConnectionManager;
use serde_json::json;

#[derive(Debug, thiserror::Error)]
pub enum RestoreError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error("could not write a webhook's secrets to Redis: {0}")]
    Redis(#[from] redis::RedisError),
}

/// Seals every switched-on WhatsApp channel's webhook secrets under the current key and keeps
/// them where the ingress looks. Returns how many channels were restored; one whose credentials
/// do not open is skipped (and logged).
pub async fn restore(
    conn: &mut AsyncPgConnection,
    redis: &mut ConnectionManager,
    namespace: &str,
    vault: &Vault,
) -> Result<usize, RestoreError> {
    let mut restored = 0;
    for channel in channels::enabled_of_kind(conn, ChannelKind::Whatsapp).await? {
        let open = channel.open(vault);
        let (Some(app_secret), Some(verify_token)) =
            (open["app_secret"].as_str(), open["verify_token"].as_str())
        else {
            tracing::warn!(channel.id = %channel.id, "a WhatsApp channel without webhook secrets skipped");
            continue;
        };
        let sealed = vault.seal(&json!({ "app_secret": app_secret, "verify_token": verify_token }));
        handshakes::remember_whatsapp(redis, namespace, channel.id, &sealed.to_text()).await?;
        restored += 1;
    }
    Ok(restored)
}
