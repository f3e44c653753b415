//! Sending through the Telegram Bot API with teloxide, pointed at `OTKLIK_TELEGRAM_API_URL`.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use apalis::prelude::BoxDynError;
use otklik_db::TenantScope;
use otklik_db::channels::Channel;
use otklik_db::messages::Delivery;
use otklik_db::sealed::Vault;
use otklik_schema::ChannelId;
use teloxide::payloads::AnswerCallbackQuerySetters;
use teloxide::prelude::Requester;
use teloxide::types::{CallbackQueryId, ChatId};
use teloxide::{ApiError, Bot, RequestError};

use super::Sent;
use crate::{Context, StartError};

/// Telegram in the shared delivery path: the bot's and the chat's limits shared through Redis,
/// then `sendMessage`. Telegram offers no idempotency key and no way to look a sent message up,
/// so a send whose answer was lost is simply sent again.
pub struct Telegram;

impl super::Channel for Telegram {
    async fn wait(
        &self,
        ctx: &Context,
        delivery: &Delivery,
    ) -> Result<Option<Duration>, BoxDynError> {
        if delivery.bot_token(&ctx.vault).is_none() {
            // Refused by `send` without a request.
            return Ok(None);
        }
        Ok(ctx
            .limiter
            .telegram(delivery.channel_id, &delivery.chat_id)
            .await?)
    }

    async fn send(&self, ctx: &Context, _: TenantScope, delivery: &Delivery) -> Sent {
        let Some(token) = delivery.bot_token(&ctx.vault) else {
            return Sent::Rejected("the channel has no bot token".into());
        };
        let sent = ctx
            .telegram
            .send(
                delivery.channel_id,
                &token,
                &delivery.chat_id,
                &delivery.body,
            )
            .await;
        if let Sent::RetryAfter(wait) = &sent {
            tracing::info!(channel.id = %delivery.channel_id, retry_after_ms = wait.as_millis() as u64,
                "Telegram asked to slow down");
            if let Err(err) = ctx
                .limiter
                .freeze_telegram(delivery.channel_id, *wait)
                .await
            {
                tracing::warn!(channel.id = %delivery.channel_id, error = %err, "could not pause the bot's sends");
            }
        }
        sent
    }
}

/// One teloxide `Bot` per channel, sharing one HTTP client.
pub struct TelegramClients {
    api_url: reqwest::Url,
    http: reqwest::Client,
    bots: Mutex<HashMap<ChannelId, (String, Bot)>>,
}

impl TelegramClients {
    pub fn new(api_url: &str, timeout: Duration) -> Result<Self, StartError> {
        let api_url = reqwest::Url::parse(api_url.trim_end_matches('/'))
            .map_err(|err| StartError::TelegramUrl(err.to_string()))?;
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .connect_timeout(Duration::from_secs(5))
            .tcp_nodelay(true)
            .build()?;
        Ok(Self {
            api_url,
            http,
            bots: Mutex::new(HashMap::new()),
        })
    }

    fn bot(&self, channel: ChannelId, token: &str) -> Bot {
        let mut bots = self.bots.lock().unwrap_or_else(PoisonError::into_inner);
        match bots.get(&channel) {
            Some((known, bot)) if known == token => bot.clone(),
            _ => {
                let bot =
                    Bot::with_client(token, self.http.clone()).set_api_url(self.api_url.clone());
                bots.insert(channel, (token.to_owned(), bot.clone()));
                bot
            }
        }
    }

    pub async fn send(&self, channel: ChannelId, token: &str, chat_id: &str, text: &str) -> Sent {
        let Ok(chat) = chat_id.parse::<i64>() else {
            return Sent::Undeliverable(format!("`{chat_id}` is not a Telegram chat id"));
        };
        match self
            .bot(channel, token)
            .send_message(ChatId(chat), text)
            .await
        {
            Ok(message) => Sent::Ok {
                external_id: message.id.0.to_string(),
            },
            Err(err) => classify(err),
        }
    }

    /// Stops the button's spinner. Best effort: a failure only leaves the spinner running.
    pub async fn answer_callback(&self, vault: &Vault, channel: &Channel, query_id: &str) {
        let Some(token) = channel.bot_token(vault) else {
            return;
        };
        let query = CallbackQueryId(query_id.to_owned());
        if let Err(err) = self
            .bot(channel.id, &token)
            .answer_callback_query(query)
            .cache_time(0)
            .await
        {
            tracing::warn!(channel.id = %channel.id, error = %err, "could not answer a Telegram button press");
        }
    }
}

fn classify(err: RequestError) -> Sent {
    match err {
        RequestError::RetryAfter(wait) => Sent::RetryAfter(wait.duration()),
        RequestError::Api(
            api @ (ApiError::BotBlocked
            | ApiError::UserDeactivated
            | ApiError::ChatNotFound
            | ApiError::BotKicked
            | ApiError::BotKickedFromSupergroup
            | ApiError::CantInitiateConversation),
        ) => Sent::Undeliverable(api.to_string()),
        RequestError::MigrateToChatId(to) => {
            Sent::Undeliverable(format!("the group moved to chat {}", to.0))
        }
        // Never reached Telegram: nothing was sent.
        RequestError::Network(err) if err.is_connect() => Sent::Failed(err.to_string()),
        // An error Telegram answered with but teloxide does not name: its 5xx (Internal Server
        // Error, Bad Gateway) among them. Telegram did not take the message.
        RequestError::Api(ApiError::Unknown(description)) => Sent::Failed(description),
        // A request Telegram understood and refused (text too long, bad chat id …).
        RequestError::Api(api) => Sent::Rejected(api.to_string()),
        // A timeout, a broken connection, an answer that is not JSON (a proxy's 502 page): the
        // message may have arrived.
        other => Sent::Unknown(other.to_string()),
    }
}
