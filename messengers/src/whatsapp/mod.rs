//! The WhatsApp Business Cloud API (`messengers/whatsapp/business-messaging-api_v23.0.yaml`):
//! Graph API calls under a base URL that includes the version (`https://graph.facebook.com/v23.0`),
//! the system user's access token as `Authorization: Bearer`, errors as
//! `{"error": {"code", "error_subcode", "message", "error_data": {"details"}}}` with a 4xx or
//! 5xx status. Meta asks to branch on `code`, never on titles.

pub mod signature;
pub mod webhooks;

use std::time::Duration;

use serde::Deserialize;
use serde_json::json;

use crate::{CallError, transport};

/// The longest `text.body` of a message.
pub const TEXT_LIMIT: usize = 4096;
/// The customer service window: free-form messages only this long after the shopper's last one.
pub const SERVICE_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// What the Graph API answered instead of success.
#[derive(Debug, Clone, thiserror::Error)]
#[error("WhatsApp answered HTTP {status}: error {code}: {message}")]
pub struct ApiError {
    pub status: u16,
    pub code: i64,
    pub subcode: Option<i64>,
    pub message: String,
    /// `error_data.details`: the part Meta says to read besides the code.
    pub details: Option<String>,
}

/// What a failed send means for whoever made it (the error codes of Meta's table).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// 131047: more than 24 hours since the shopper last wrote; only a template may go.
    OutsideWindow,
    /// 130429 (and Graph's 4, 80007): the number's throughput is reached; every send through
    /// it waits.
    Throughput,
    /// 131056: too many messages to this one shopper; this send waits.
    PairRate,
    /// 131026 and the like: this shopper cannot be written to on WhatsApp.
    Undeliverable,
    /// The access token is invalid, expired or lacks the permission (190, 102, 10, 200…299).
    Unauthorized,
    /// Meta failed or is in maintenance (131000, 131057, 1, 2, HTTP 5xx): try again.
    Transient,
    /// The request is wrong; trying again changes nothing.
    Refused,
}

impl Verdict {
    /// What an error code means, wherever it came from (a refused call, a `failed` status);
    /// `None` for codes the table does not name.
    pub fn of_code(code: i64) -> Option<Self> {
        Some(match code {
            131_047 => Self::OutsideWindow,
            130_429 | 4 | 80_007 => Self::Throughput,
            131_056 => Self::PairRate,
            131_026 | 131_021 | 131_050 => Self::Undeliverable,
            190 | 102 | 10 | 200..=299 => Self::Unauthorized,
            131_000 | 131_057 | 1 | 2 => Self::Transient,
            _ => return None,
        })
    }
}

impl ApiError {
    pub fn verdict(&self) -> Verdict {
        Verdict::of_code(self.code).unwrap_or(match self.status {
            401 => Verdict::Unauthorized,
            500.. => Verdict::Transient,
            _ => Verdict::Refused,
        })
    }
}

pub type WhatsAppError = CallError<ApiError>;

/// A business phone number (`PhoneNumberInfo`, trimmed).
#[derive(Debug, Clone, Deserialize)]
pub struct PhoneNumber {
    pub id: String,
    #[serde(default)]
    pub display_phone_number: Option<String>,
    #[serde(default)]
    pub verified_name: Option<String>,
    #[serde(default)]
    pub quality_rating: Option<String>,
}

#[derive(Deserialize)]
struct SendResponse {
    messages: Vec<SentMessage>,
}

#[derive(Deserialize)]
struct SentMessage {
    id: String,
}

/// A client of one Graph API base URL (version included); tokens are per call.
#[derive(Clone)]
pub struct GraphApi {
    base: String,
    http: reqwest::Client,
}

impl GraphApi {
    pub fn new(base_url: &str, http: reqwest::Client) -> Self {
        Self {
            base: base_url.trim_end_matches('/').to_owned(),
            http,
        }
    }

    async fn call<T: serde::de::DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
        token: &str,
    ) -> Result<T, WhatsAppError> {
        let response = request.bearer_auth(token).send().await.map_err(transport)?;
        let status = response.status();
        let body = response.bytes().await.map_err(transport)?;
        if status.is_success() {
            return serde_json::from_slice(&body).map_err(|err| {
                CallError::Interrupted(format!(
                    "WhatsApp answered {status} with an unreadable body: {err}"
                ))
            });
        }
        #[derive(Deserialize)]
        struct Envelope {
            error: Body,
        }
        #[derive(Deserialize)]
        struct Body {
            #[serde(default)]
            code: i64,
            #[serde(default)]
            error_subcode: Option<i64>,
            #[serde(default)]
            message: String,
            #[serde(default)]
            error_data: Option<Data>,
        }
        #[derive(Deserialize)]
        struct Data {
            #[serde(default)]
            details: Option<String>,
        }
        match serde_json::from_slice::<Envelope>(&body) {
            Ok(Envelope { error }) => Err(CallError::Refused(ApiError {
                status: status.as_u16(),
                code: error.code,
                subcode: error.error_subcode,
                message: error.message,
                details: error.error_data.and_then(|data| data.details),
            })),
            // A gateway's page, not Graph's envelope: whether Meta acted on it is unknown.
            Err(_) if status.is_server_error() => Err(CallError::Interrupted(format!(
                "WhatsApp answered HTTP {status} without an error body"
            ))),
            Err(_) => Err(CallError::Refused(ApiError {
                status: status.as_u16(),
                code: 0,
                subcode: None,
                message: format!("HTTP {status} without an error body"),
                details: None,
            })),
        }
    }

    /// `GET /{phone_number_id}`: the number, if this token may use it.
    pub async fn phone_number(
        &self,
        token: &str,
        phone_number_id: &str,
    ) -> Result<PhoneNumber, WhatsAppError> {
        let request = self.http.get(format!("{}/{phone_number_id}", self.base));
        self.call(request, token).await
    }

    /// `POST /{phone_number_id}/messages` with a text message to `to` (a `wa_id`). Returns the
    /// message's `wamid`, which statuses refer to.
    pub async fn send_text(
        &self,
        token: &str,
        phone_number_id: &str,
        to: &str,
        text: &str,
    ) -> Result<String, WhatsAppError> {
        let body = json!({
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "to": to,
            "type": "text",
            "text": { "preview_url": false, "body": text },
        });
        let request = self
            .http
            .post(format!("{}/{phone_number_id}/messages", self.base))
            .json(&body);
        let sent: SendResponse = self.call(request, token).await?;
        sent.messages
            .into_iter()
            .next()
            .map(|message| message.id)
            .ok_or_else(|| CallError::Interrupted("WhatsApp answered without a message id".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(status: u16, code: i64) -> ApiError {
        ApiError {
            status,
            code,
            subcode: None,
            message: String::new(),
            details: None,
        }
    }

    #[test]
    fn error_codes_are_classified_as_metas_table_says() {
        assert_eq!(error(400, 131_047).verdict(), Verdict::OutsideWindow);
        assert_eq!(error(429, 130_429).verdict(), Verdict::Throughput);
        assert_eq!(error(400, 131_056).verdict(), Verdict::PairRate);
        assert_eq!(error(400, 131_026).verdict(), Verdict::Undeliverable);
        assert_eq!(error(401, 190).verdict(), Verdict::Unauthorized);
        assert_eq!(error(403, 200).verdict(), Verdict::Unauthorized);
        assert_eq!(error(500, 131_000).verdict(), Verdict::Transient);
        assert_eq!(error(503, 0).verdict(), Verdict::Transient);
        assert_eq!(error(400, 100).verdict(), Verdict::Refused);
    }
}
