//! The MAX Bot API (`messengers/max/bot-api.yaml`, base URL a setting: the vendor's v2 host is
//! `https://platform-api2.max.ru`). The token is sent as `Authorization: <token>`, as the
//! vendor's current client does; the older `access_token` query parameter would put it in URLs
//! and logs.

pub mod markdown;
pub mod updates;

use std::time::Duration;

use reqwest::StatusCode;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{CallError, Choice, transport};

/// The longest text of one message (`NewMessageBody.text`).
pub const TEXT_LIMIT: usize = 4000;
/// The longest button label and payload (`Button.text`, `CallbackButton.payload`).
pub const BUTTON_TEXT_LIMIT: usize = 128;
pub const BUTTON_PAYLOAD_LIMIT: usize = 1024;

/// What MAX answered instead of success: `{"code", "message"}` with the HTTP status.
#[derive(Debug, Clone, thiserror::Error)]
#[error("MAX answered {status}: {code} {message}")]
pub struct Refusal {
    pub status: u16,
    /// The error key, such as `verify.token`, `chat.denied`, `attachment.not.ready`.
    pub code: String,
    pub message: String,
    /// A `Retry-After` header, when MAX sent one with a 429.
    pub retry_after: Option<Duration>,
}

impl Refusal {
    /// The token is wrong or revoked.
    pub fn is_unauthorized(&self) -> bool {
        self.status == 401 || self.code == "verify.token"
    }

    /// Too many requests: wait and try again.
    pub fn is_rate_limit(&self) -> bool {
        self.status == 429
    }

    /// An uploaded file is still being processed; the same send succeeds after a pause.
    pub fn is_attachment_not_ready(&self) -> bool {
        self.code == "attachment.not.ready" || self.code == "attachment.not.processed"
    }

    /// The shopper stopped or blocked the bot, or the chat is gone: never deliverable.
    pub fn is_undeliverable(&self) -> bool {
        matches!(self.status, 403 | 404) || self.code == "chat.denied"
    }

    /// MAX itself failed before doing anything (gateway errors, unavailable).
    pub fn is_transient(&self) -> bool {
        matches!(self.status, 502..=504)
    }
}

pub type MaxError = CallError<Refusal>;

/// The bot a token belongs to (`BotInfo`, trimmed).
#[derive(Debug, Clone, Deserialize)]
pub struct BotInfo {
    pub user_id: i64,
    #[serde(default)]
    pub username: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub first_name: Option<String>,
}

/// Where a message goes: a chat (dialogs are chats too), or a user when only their id is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    Chat(i64),
    User(i64),
}

impl Recipient {
    /// How a conversation stores it: the chat id, or `user:<id>`.
    pub fn parse(stored: &str) -> Option<Self> {
        match stored.strip_prefix("user:") {
            Some(user) => user.parse().ok().map(Self::User),
            None => stored.parse().ok().map(Self::Chat),
        }
    }

    pub fn stored(self) -> String {
        match self {
            Self::Chat(id) => id.to_string(),
            Self::User(id) => format!("user:{id}"),
        }
    }
}

#[derive(Deserialize)]
struct SimpleResult {
    success: bool,
    #[serde(default)]
    message: Option<String>,
}

#[derive(Deserialize)]
struct Sent {
    message: SentMessage,
}

#[derive(Deserialize)]
struct SentMessage {
    body: SentBody,
}

#[derive(Deserialize)]
struct SentBody {
    mid: String,
}

#[derive(Serialize)]
struct Subscription<'a> {
    url: &'a str,
    update_types: &'a [&'a str],
    secret: &'a str,
}

/// A client of one MAX API base URL; tokens are per call, one client serves every bot.
#[derive(Clone)]
pub struct MaxApi {
    base: String,
    http: reqwest::Client,
}

impl MaxApi {
    pub fn new(base_url: &str, http: reqwest::Client) -> Self {
        Self {
            base: base_url.trim_end_matches('/').to_owned(),
            http,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        token: &str,
    ) -> Result<T, MaxError> {
        let response = request
            .header(reqwest::header::AUTHORIZATION, token)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        let body = response.bytes().await.map_err(transport)?;
        if status == StatusCode::OK {
            return serde_json::from_slice(&body).map_err(|err| {
                CallError::Interrupted(format!("MAX answered 200 with an unreadable body: {err}"))
            });
        }
        #[derive(Deserialize, Default)]
        struct ErrorBody {
            #[serde(default)]
            code: String,
            #[serde(default)]
            message: String,
        }
        let error: ErrorBody = serde_json::from_slice(&body).unwrap_or_default();
        Err(CallError::Refused(Refusal {
            status: status.as_u16(),
            code: error.code,
            message: error.message,
            retry_after,
        }))
    }

    /// `GET /me`: whose token this is.
    pub async fn me(&self, token: &str) -> Result<BotInfo, MaxError> {
        self.call(self.http.get(self.url("/me")), token).await
    }

    /// `POST /subscriptions`: MAX sends every update of `SUBSCRIBED` types to `url` with
    /// `X-Max-Bot-Api-Secret: secret`.
    pub async fn subscribe(&self, token: &str, url: &str, secret: &str) -> Result<(), MaxError> {
        let body = Subscription {
            url,
            update_types: &updates::SUBSCRIBED,
            secret,
        };
        let result: SimpleResult = self
            .call(
                self.http.post(self.url("/subscriptions")).json(&body),
                token,
            )
            .await?;
        simple(result)
    }

    /// `DELETE /subscriptions?url=…`: no more updates to `url`.
    pub async fn unsubscribe(&self, token: &str, url: &str) -> Result<(), MaxError> {
        let request = self
            .http
            .delete(self.url("/subscriptions"))
            .query(&[("url", url)]);
        let result: SimpleResult = self.call(request, token).await?;
        simple(result)
    }

    /// `POST /messages`: `text` (plain; escaped here for `format: markdown`) with the choices as
    /// an inline keyboard of callback buttons, one a row. Returns the new message's `mid`.
    pub async fn send(
        &self,
        token: &str,
        to: Recipient,
        text: &str,
        choices: &[Choice<'_>],
    ) -> Result<String, MaxError> {
        let mut body = json!({
            "text": markdown::escape(text),
            "format": "markdown",
            "notify": true,
        });
        if !choices.is_empty() {
            body["attachments"] = json!([keyboard(choices)]);
        }
        let query = match to {
            Recipient::Chat(id) => ("chat_id", id),
            Recipient::User(id) => ("user_id", id),
        };
        let request = self
            .http
            .post(self.url("/messages"))
            .query(&[query])
            .json(&body);
        let sent: Sent = self.call(request, token).await?;
        Ok(sent.message.body.mid)
    }

    /// `POST /answers?callback_id=…`: stops the button's spinner and shows `notification`.
    pub async fn answer(
        &self,
        token: &str,
        callback_id: &str,
        notification: &str,
    ) -> Result<(), MaxError> {
        let request = self
            .http
            .post(self.url("/answers"))
            .query(&[("callback_id", callback_id)])
            .json(&json!({ "notification": notification }));
        let result: SimpleResult = self.call(request, token).await?;
        simple(result)
    }
}

fn simple(result: SimpleResult) -> Result<(), MaxError> {
    if result.success {
        Ok(())
    } else {
        Err(CallError::Refused(Refusal {
            status: 200,
            code: "success.false".into(),
            message: result.message.unwrap_or_default(),
            retry_after: None,
        }))
    }
}

/// An `inline_keyboard` attachment with one callback button a row.
fn keyboard(choices: &[Choice<'_>]) -> Value {
    let rows: Vec<Value> = choices
        .iter()
        .map(|choice| {
            json!([{
                "type": "callback",
                "text": cut(choice.label, BUTTON_TEXT_LIMIT),
                "payload": cut(choice.payload, BUTTON_PAYLOAD_LIMIT),
            }])
        })
        .collect();
    json!({ "type": "inline_keyboard", "payload": { "buttons": rows } })
}

fn cut(text: &str, limit: usize) -> String {
    text.chars().take(limit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recipients_round_trip_through_storage() {
        for recipient in [Recipient::Chat(-70801090403050), Recipient::User(123456789)] {
            assert_eq!(Recipient::parse(&recipient.stored()), Some(recipient));
        }
        assert_eq!(Recipient::parse("user:x"), None);
    }

    #[test]
    fn choices_become_one_callback_button_a_row() {
        let keyboard = keyboard(&[
            Choice {
                label: "Да",
                payload: "yes",
            },
            Choice {
                label: "Нет",
                payload: "no",
            },
        ]);
        assert_eq!(keyboard["type"], "inline_keyboard");
        let rows = keyboard["payload"]["buttons"].as_array().expect("rows");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[1][0]["type"], "callback");
        assert_eq!(rows[1][0]["text"], "Нет");
        assert_eq!(rows[1][0]["payload"], "no");
    }

    #[test]
    fn refusals_are_classified_by_status_and_code() {
        let refusal = |status, code: &str| Refusal {
            status,
            code: code.into(),
            message: String::new(),
            retry_after: None,
        };
        assert!(refusal(403, "chat.denied").is_undeliverable());
        assert!(refusal(401, "verify.token").is_unauthorized());
        assert!(refusal(400, "attachment.not.ready").is_attachment_not_ready());
        assert!(refusal(429, "").is_rate_limit());
        assert!(!refusal(400, "proto.payload").is_undeliverable());
    }
}
