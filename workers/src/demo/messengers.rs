//! The demo shop's MAX bot and VK community, wired to the fake MAX and VK the demo runs
//! (`messengers` binary), so a person can write as a shopper on the fakes' pages and watch the
//! replies come. Connected the way the admin API connects a seller's: the bot's webhook
//! subscribed with the channel's secret, the community's callback server added after its
//! confirmation string is kept for the handshake.

use otklik_config::Config;
use otklik_db::channels::{self, Channel};
use otklik_db::sealed::{Sealed, Vault};
use otklik_db::{AsyncPgConnection, TenantScope};
use otklik_jobs::{WebhookSecrets, handshakes};
use otklik_messengers::max::{MaxApi, MaxError};
use otklik_messengers::vk::{VkApi, VkError};
use otklik_schema::ChannelKind;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::json;

/// The line the `messengers` binary prints: the demo bot's token and community.
#[derive(Debug, Clone, Deserialize)]
pub struct Messengers {
    pub max: DemoBot,
    pub vk: DemoCommunity,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoBot {
    pub token: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DemoCommunity {
    pub group_id: i64,
    pub token: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error(transparent)]
    Database(#[from] otklik_db::DbError),
    #[error("the fake MAX refused: {0}")]
    Max(#[from] MaxError),
    #[error("the fake VK refused: {0}")]
    Vk(#[from] VkError),
    #[error("Redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("HTTP client: {0}")]
    Http(#[from] reqwest::Error),
}

/// The tenant's channel of `kind`, created with `credentials` when it has none.
async fn ensure(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    kind: ChannelKind,
    name: &str,
    credentials: &Sealed,
) -> Result<Channel, otklik_db::DbError> {
    let existing = channels::list_by_kind(conn, scope, kind).await?;
    match existing.into_iter().find(|c| c.enabled) {
        Some(channel) => Ok(channel),
        None => channels::create(conn, scope, kind, name, credentials).await,
    }
}

/// Connects (or connects again, after the fakes restarted) the demo shop's MAX bot and VK
/// community through the APIs at `OTKLIK_MAX_API_URL` and `OTKLIK_VK_API_URL`.
pub async fn connect(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    config: &Config,
    vault: &Vault,
    messengers: &Messengers,
) -> Result<(), ConnectError> {
    let http = reqwest::Client::builder()
        .timeout(config.send_timeout())
        .build()?;
    let secrets = WebhookSecrets::new(config.master_key.clone());
    let public = config.public_url.trim_end_matches('/');

    let max = MaxApi::new(&config.max_api_url, http.clone());
    let token = &messengers.max.token;
    let me = max.me(token).await?;
    let credentials = vault.seal(&json!({"bot_token": token, "bot_user_id": me.user_id,
                             "bot_username": me.username, "group_chats": false}));
    let bot = ensure(conn, scope, ChannelKind::Max, "Бот в MAX", &credentials).await?;
    let hook = format!("{public}/hooks/max/{}", bot.id);
    max.subscribe(token, &hook, &secrets.max(bot.id)).await?;

    let vk = VkApi::new(&config.vk_api_url, http);
    let community = &messengers.vk;
    let code = vk
        .confirmation_code(&community.token, community.group_id)
        .await?;
    let credentials = vault.seal(&json!({"bot_token": community.token,
                             "group_id": community.group_id, "group_chats": false}));
    let group = ensure(
        conn,
        scope,
        ChannelKind::Vk,
        "Сообщество ВКонтакте",
        &credentials,
    )
    .await?;
    let mut redis = otklik_jobs::connect(config.redis_url.expose_secret()).await?;
    handshakes::remember_vk(
        &mut redis,
        &config.redis_namespace,
        group.id,
        community.group_id,
        &code,
    )
    .await?;
    let hook = format!("{public}/hooks/vk/{}", group.id);
    vk.remove_servers(&community.token, community.group_id, &hook)
        .await?;
    vk.add_server(
        &community.token,
        community.group_id,
        &hook,
        &secrets.vk(group.id),
    )
    .await?;
    Ok(())
}
