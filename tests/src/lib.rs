#![doc = include_str!("../README.md")]

pub mod max;
pub mod openai;
mod script;
pub mod smtp;
pub mod stripe;
pub mod telegram;
pub mod vk;
pub mod whatsapp;
pub mod yandexgpt;
pub mod yookassa;

pub use max::FakeMax;
pub use openai::FakeOpenAi;
pub use telegram::FakeTelegram;
pub use vk::FakeVk;
pub use whatsapp::FakeWhatsApp;
pub use yandexgpt::FakeYandexGpt;

/// A Telegram channel of `tenant` with `bot_token` (sealed by `vault`), the way an operator
/// connects a bot.
pub async fn telegram_channel(
    conn: &mut otklik_db::AsyncPgConnection,
    vault: &otklik_db::sealed::Vault,
    tenant: otklik_db::TenantScope,
    bot_token: &str,
) -> Result<otklik_schema::ChannelId, otklik_db::DbError> {
    let credentials = vault.seal(&serde_json::json!({ "bot_token": bot_token }));
    let channel = otklik_db::channels::create(
        conn,
        tenant,
        otklik_schema::ChannelKind::Telegram,
        "Бот",
        &credentials,
    )
    .await?;
    Ok(channel.id)
}
