//! Sending through the Telegram Bot API with teloxide, pointed at `OTKLIK_TELEGRAM_API_URL`.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use otklik_db::channels::Channel;
use otklik_db::sealed::Vault;
use otklik_schema::ChannelId;
use teloxide::payloads::AnswerCallbackQuerySetters;
use teloxide::prelude::Requester;
use teloxide::types::{CallbackQueryId, ChatId};
use teloxide::{ApiError, Bot, RequestError};

use crate::StartError;

/// How a send to Telegram ended, in the terms the delivery job acts on.
pub enum Sent {
    Ok {
        message_id: String,
    },
    /// 429: nothing through this bot until then.
    RetryAfter(Duration),
    /// Could not reach Telegram at all; safe to try again.
    Unreachable(String),
    /// The shopper blocked the bot, or the chat is gone.
    Undeliverable(String),
    /// Rejected, or the outcome is unknown; not retried.
    Failed(String),
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
                message_id: message.id.0.to_string(),
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
        RequestError::Network(err) if err.is_connect() => Sent::Unreachable(err.to_string()),
        // A timeout or a broken response: Telegram may have delivered it. Sends are not
        // idempotent, so a duplicate is the worse outcome.
        other => Sent::Failed(other.to_string()),
    }
}
