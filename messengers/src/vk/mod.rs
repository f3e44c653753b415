//! VK community messages (`messengers/vk/`, API 5.199): methods are `POST /method/<name>` with
//! form-encoded parameters (JSON bodies are not accepted) and the community token as a Bearer
//! header; every answer is HTTP 200, errors inside it as `{"error": {"error_code", …}}`.

pub mod events;

use std::time::Duration;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::{CallError, Choice, transport};

/// The API version requested and asked of the Callback API.
pub const VERSION: &str = "5.199";
/// The longest `message` of `messages.send`.
pub const TEXT_LIMIT: usize = 9000;
/// The longest keyboard button label; payloads go as a JSON string of at most 255 characters.
pub const BUTTON_LABEL_LIMIT: usize = 40;
pub const BUTTON_PAYLOAD_LIMIT: usize = 255;
/// A callback server's title (`groups.addCallbackServer`, at most 14 characters).
const SERVER_TITLE: &str = "Otklik";

/// An error VK answered inside HTTP 200 (`errors.json`).
#[derive(Debug, Clone, thiserror::Error)]
#[error("VK error {code}: {message}")]
pub struct ApiError {
    pub code: i64,
    pub message: String,
}

/// What a failed call means for whoever made it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Wait this long and try again (6 too many requests per second, 9 flood control, 10
    /// VK's internal error, 29 the method's quota).
    Wait(Duration),
    /// The shopper cannot be written to: blacklisted the community (900), never allowed its
    /// messages or denied them (901), or their privacy settings forbid it (902).
    Unreachable,
    /// The token or the request is wrong; trying again changes nothing.
    Refused,
}

impl ApiError {
    pub fn verdict(&self) -> Verdict {
        match self.code {
            6 => Verdict::Wait(Duration::from_secs(1)),
            9 => Verdict::Wait(Duration::from_secs(10)),
            10 => Verdict::Wait(Duration::from_secs(2)),
            29 => Verdict::Wait(Duration::from_secs(3600)),
            900..=902 => Verdict::Unreachable,
            _ => Verdict::Refused,
        }
    }

    /// The token is wrong, expired or lacks the rights asked for.
    pub fn is_auth(&self) -> bool {
        matches!(self.code, 5 | 15 | 27 | 28 | 203)
    }
}

pub type VkError = CallError<ApiError>;

#[derive(Deserialize)]
#[serde(untagged)]
enum Envelope<T> {
    Ok { response: T },
    Error { error: ErrorBody },
}

#[derive(Deserialize)]
struct ErrorBody {
    error_code: i64,
    #[serde(default)]
    error_msg: String,
}

/// A callback server of a community (`groups.getCallbackServers`).
#[derive(Debug, Clone, Deserialize)]
pub struct CallbackServer {
    pub id: i64,
    pub url: String,
    #[serde(default)]
    pub status: Option<String>,
}

/// The `random_id` of a delivery: the first 63 bits of SHA-256 of its key. VK refuses a second
/// message with the same `random_id` from the community, so a retried send never duplicates.
pub fn random_id(delivery_key: &str) -> i64 {
    let digest = Sha256::digest(format!("otklik-vk-random-id:{delivery_key}").as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    i64::from_be_bytes(first) & i64::MAX
}

/// A client of one VK API base URL; community tokens are per call.
#[derive(Clone)]
pub struct VkApi {
    base: String,
    http: reqwest::Client,
}

impl VkApi {
    pub fn new(base_url: &str, http: reqwest::Client) -> Self {
        Self {
            base: base_url.trim_end_matches('/').to_owned(),
            http,
        }
    }

    /// Calls `method` with `params` (plus `v`), reading the error VK puts inside HTTP 200.
    pub async fn call<T: DeserializeOwned>(
        &self,
        token: &str,
        method: &str,
        params: &[(&str, String)],
    ) -> Result<T, VkError> {
        let mut form: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
        form.push(("v", VERSION));
        let response = self
            .http
            .post(format!("{}/method/{method}", self.base))
            .bearer_auth(token)
            .form(&form)
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let body = response.bytes().await.map_err(transport)?;
        if !status.is_success() {
            return Err(CallError::Interrupted(format!(
                "VK answered HTTP {status} to {method}"
            )));
        }
        match serde_json::from_slice::<Envelope<T>>(&body) {
            Ok(Envelope::Ok { response }) => Ok(response),
            Ok(Envelope::Error { error }) => Err(CallError::Refused(ApiError {
                code: error.error_code,
                message: error.error_msg,
            })),
            Err(err) => Err(CallError::Interrupted(format!(
                "VK answered {method} with an unreadable body: {err}"
            ))),
        }
    }

    /// `messages.send` to `peer_id` with the choices as an inline keyboard of callback buttons.
    /// Returns VK's message id.
    pub async fn send(
        &self,
        token: &str,
        peer_id: i64,
        random_id: i64,
        text: &str,
        choices: &[Choice<'_>],
    ) -> Result<i64, VkError> {
        let mut params = vec![
            ("peer_id", peer_id.to_string()),
            ("random_id", random_id.to_string()),
            ("message", text.to_owned()),
            ("dont_parse_links", "1".to_owned()),
        ];
        if !choices.is_empty() {
            params.push(("keyboard", keyboard(choices).to_string()));
        }
        self.call(token, "messages.send", &params).await
    }

    /// `messages.sendMessageEventAnswer`: stops a callback button's spinner.
    pub async fn answer_event(
        &self,
        token: &str,
        event_id: &str,
        user_id: i64,
        peer_id: i64,
    ) -> Result<(), VkError> {
        let params = [
            ("event_id", event_id.to_owned()),
            ("user_id", user_id.to_string()),
            ("peer_id", peer_id.to_string()),
        ];
        self.call::<Value>(token, "messages.sendMessageEventAnswer", &params)
            .await
            .map(drop)
    }

    /// `groups.getCallbackConfirmationCode`: the string the Callback API handshake must echo.
    /// It also proves the token manages the community.
    pub async fn confirmation_code(&self, token: &str, group_id: i64) -> Result<String, VkError> {
        #[derive(Deserialize)]
        struct Code {
            code: String,
        }
        let code: Code = self
            .call(
                token,
                "groups.getCallbackConfirmationCode",
                &[("group_id", group_id.to_string())],
            )
            .await?;
        Ok(code.code)
    }

    /// Adds `url` as a callback server with `secret`, and subscribes it to the message events
    /// we act on. Returns the server's id.
    pub async fn add_server(
        &self,
        token: &str,
        group_id: i64,
        url: &str,
        secret: &str,
    ) -> Result<i64, VkError> {
        #[derive(Deserialize)]
        struct Added {
            server_id: i64,
        }
        let added: Added = self
            .call(
                token,
                "groups.addCallbackServer",
                &[
                    ("group_id", group_id.to_string()),
                    ("url", url.to_owned()),
                    ("title", SERVER_TITLE.to_owned()),
                    ("secret_key", secret.to_owned()),
                ],
            )
            .await?;
        let mut settings = vec![
            ("group_id", group_id.to_string()),
            ("server_id", added.server_id.to_string()),
            ("api_version", VERSION.to_owned()),
        ];
        for event in events::SUBSCRIBED {
            settings.push((event, "1".to_owned()));
        }
        self.call::<Value>(token, "groups.setCallbackSettings", &settings)
            .await?;
        Ok(added.server_id)
    }

    /// The community's callback servers.
    pub async fn servers(
        &self,
        token: &str,
        group_id: i64,
    ) -> Result<Vec<CallbackServer>, VkError> {
        #[derive(Deserialize)]
        struct Servers {
            items: Vec<CallbackServer>,
        }
        let servers: Servers = self
            .call(
                token,
                "groups.getCallbackServers",
                &[("group_id", group_id.to_string())],
            )
            .await?;
        Ok(servers.items)
    }

    /// Removes every callback server of the community that points at `url`.
    pub async fn remove_servers(
        &self,
        token: &str,
        group_id: i64,
        url: &str,
    ) -> Result<(), VkError> {
        for server in self.servers(token, group_id).await? {
            if server.url == url {
                self.call::<Value>(
                    token,
                    "groups.deleteCallbackServer",
                    &[
                        ("group_id", group_id.to_string()),
                        ("server_id", server.id.to_string()),
                    ],
                )
                .await?;
            }
        }
        Ok(())
    }
}

/// An inline keyboard of callback buttons, one a row; each payload is `{"choice": …}`.
fn keyboard(choices: &[Choice<'_>]) -> Value {
    let rows: Vec<Value> = choices
        .iter()
        .map(|choice| {
            json!([{
                "action": {
                    "type": "callback",
                    "label": cut(choice.label, BUTTON_LABEL_LIMIT),
                    "payload": payload(choice.payload),
                },
            }])
        })
        .collect();
    json!({ "inline": true, "buttons": rows })
}

/// `{"choice": …}` as a JSON string within VK's payload limit.
fn payload(choice: &str) -> String {
    let mut choice: String = choice.to_owned();
    loop {
        let encoded = json!({ "choice": choice }).to_string();
        if encoded.chars().count() <= BUTTON_PAYLOAD_LIMIT || choice.is_empty() {
            return encoded;
        }
        choice.pop();
    }
}

fn cut(text: &str, limit: usize) -> String {
    text.chars().take(limit).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_stable_positive_and_differ_per_delivery() {
        assert_eq!(random_id("message:1"), random_id("message:1"));
        assert_ne!(random_id("message:1"), random_id("message:2"));
        assert!(random_id("message:1") >= 0);
    }

    #[test]
    fn errors_inside_200_are_classified() {
        let err = |code| ApiError {
            code,
            message: String::new(),
        };
        assert_eq!(err(6).verdict(), Verdict::Wait(Duration::from_secs(1)));
        assert!(matches!(err(9).verdict(), Verdict::Wait(_)));
        assert_eq!(err(901).verdict(), Verdict::Unreachable);
        assert_eq!(err(900).verdict(), Verdict::Unreachable);
        assert_eq!(err(914).verdict(), Verdict::Refused);
        assert!(err(5).is_auth());
    }

    #[test]
    fn a_long_choice_still_fits_the_payload_limit() {
        let long = "выбор ".repeat(100);
        let encoded = payload(&long);
        assert!(encoded.chars().count() <= BUTTON_PAYLOAD_LIMIT);
        let back: Value = serde_json::from_str(&encoded).expect("JSON");
        assert!(long.starts_with(back["choice"].as_str().expect("a choice")));
    }

    #[test]
    fn the_keyboard_is_inline_with_callback_buttons() {
        let keyboard = keyboard(&[Choice {
            label: "Где мой заказ?",
            payload: "order_status",
        }]);
        assert_eq!(keyboard["inline"], true);
        assert_eq!(keyboard["buttons"][0][0]["action"]["type"], "callback");
        assert_eq!(
            keyboard["buttons"][0][0]["action"]["payload"],
            r#"{"choice":"order_status"}"#
        );
    }
}
