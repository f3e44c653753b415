//! YandexGPT's native API (`foundationModels/v1/completion`), called with plain reqwest.
//!
//! The native protocol differs from OpenAI's where it matters: token counts are strings, tool
//! calls carry no ids and parsed (not stringified) arguments, tool results are matched to calls
//! by function name, and the reply states why it ended (`ALTERNATIVE_STATUS_*`).

use std::collections::HashMap;
use std::time::Duration;

use futures::future::BoxFuture;
use reqwest::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};
use serde_json::{Value, json};

use crate::chain::ProviderPolicy;
use crate::error::{LlmError, send};
use crate::provider::Provider;
use crate::types::{ChatMessage, ChatRequest, Completion, ProviderKind, ToolCall, Usage};

/// How requests authenticate.
#[derive(Debug, Clone)]
pub enum YandexAuth {
    /// A service account's API key: `Authorization: Api-Key …`. Does not expire.
    ApiKey(SecretString),
    /// An IAM token: `Authorization: Bearer …`. Lives at most 12 hours; rebuild the provider
    /// with a fresh one.
    IamToken(SecretString),
}

#[derive(Debug, Clone)]
pub struct YandexGptSettings {
    /// `https://llm.api.cloud.yandex.net`, without the `/foundationModels/…` path.
    pub base_url: String,
    pub auth: YandexAuth,
    /// The folder billed for the calls; it goes into the model URI.
    pub folder_id: String,
    /// `yandexgpt/latest`, `yandexgpt-lite/latest`, … (turned into `gpt://<folder>/<model>`),
    /// or a full `gpt://…` / `ds://…` URI used as is.
    pub model: String,
    /// Also send `x-folder-id`. Only user-account IAM tokens need it; Yandex asks service
    /// accounts not to send it (their own folder is used).
    pub send_folder_header: bool,
    /// Whole-request HTTP timeout.
    pub timeout: Duration,
    /// Retries the chain may spend on this provider per turn; see [`ProviderPolicy`].
    pub max_retries: u32,
}

impl YandexGptSettings {
    /// The model URI requests name.
    pub fn model_uri(&self) -> String {
        if self.model.contains("://") {
            self.model.clone()
        } else {
            format!("gpt://{}/{}", self.folder_id, self.model)
        }
    }

    /// The chain policy these settings imply, with default breaker settings.
    pub fn policy(&self) -> ProviderPolicy {
        ProviderPolicy {
            timeout: self.timeout,
            max_retries: self.max_retries,
            ..ProviderPolicy::default()
        }
    }
}

pub struct YandexGptProvider {
    http: reqwest::Client,
    url: String,
    endpoint: String,
    authorization: HeaderValue,
    folder_header: Option<HeaderValue>,
    model_uri: String,
}

impl std::fmt::Debug for YandexGptProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("YandexGptProvider")
            .field("endpoint", &self.endpoint)
            .field("model_uri", &self.model_uri)
            .finish_non_exhaustive()
    }
}

impl YandexGptProvider {
    pub fn new(settings: &YandexGptSettings) -> Result<Self, LlmError> {
        let url = format!(
            "{}/foundationModels/v1/completion",
            settings.base_url.trim_end_matches('/')
        );
        reqwest::Url::parse(&url)
            .map_err(|err| LlmError::Config(format!("YandexGPT URL `{url}`: {err}")))?;
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .build()
            .map_err(|err| LlmError::Config(format!("HTTP client for {url}: {err}")))?;
        let (scheme, secret) = match &settings.auth {
            YandexAuth::ApiKey(key) => ("Api-Key", key),
            YandexAuth::IamToken(token) => ("Bearer", token),
        };
        let mut authorization =
            HeaderValue::from_str(&format!("{scheme} {}", secret.expose_secret())).map_err(
                |_| LlmError::Config("YandexGPT credential is not a valid header".into()),
            )?;
        authorization.set_sensitive(true);
        let folder_header = settings
            .send_folder_header
            .then(|| HeaderValue::from_str(&settings.folder_id))
            .transpose()
            .map_err(|_| LlmError::Config("YandexGPT folder id is not a valid header".into()))?;
        Ok(Self {
            http,
            endpoint: format!("POST {url}"),
            url,
            authorization,
            folder_header,
            model_uri: settings.model_uri(),
        })
    }

    async fn call(&self, req: &ChatRequest) -> Result<Completion, LlmError> {
        let body = to_body(&self.model_uri, req)?;
        let mut request = self
            .http
            .post(&self.url)
            .header(AUTHORIZATION, self.authorization.clone())
            // Yandex logs prompts unless told not to; ours hold shoppers' personal data.
            .header("x-data-logging-enabled", "false")
            .json(&body);
        if let Some(folder) = &self.folder_header {
            request = request.header("x-folder-id", folder.clone());
        }
        let bytes = send(&self.endpoint, request).await?;
        decode(&self.endpoint, &self.model_uri, &bytes)
    }
}

impl Provider for YandexGptProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::YandexGpt
    }

    fn complete<'a>(&'a self, req: &'a ChatRequest) -> BoxFuture<'a, Result<Completion, LlmError>> {
        Box::pin(self.call(req))
    }
}

fn to_body(model_uri: &str, req: &ChatRequest) -> Result<Value, LlmError> {
    let mut messages = Vec::with_capacity(req.messages.len() + 1);
    if !req.system.is_empty() {
        messages.push(json!({"role": "system", "text": req.system}));
    }
    // Tool results are matched to calls by name, so remember which name each call id had.
    let mut names: HashMap<&str, &str> = HashMap::new();
    let mut results = Vec::new();
    for message in &req.messages {
        if !matches!(message, ChatMessage::Tool { .. }) {
            flush_results(&mut results, &mut messages);
        }
        match message {
            ChatMessage::User(text) => messages.push(json!({"role": "user", "text": text})),
            ChatMessage::Assistant { text, tool_calls } => {
                if let Some(text) = text.as_deref().filter(|text| !text.is_empty()) {
                    messages.push(json!({"role": "assistant", "text": text}));
                }
                if !tool_calls.is_empty() {
                    let calls: Vec<_> = tool_calls
                        .iter()
                        .map(|call| {
                            names.insert(&call.id, &call.name);
                            json!({"functionCall": {"name": call.name, "arguments": call.arguments}})
                        })
                        .collect();
                    messages
                        .push(json!({"role": "assistant", "toolCallList": {"toolCalls": calls}}));
                }
            }
            ChatMessage::Tool { call_id, content } => {
                let name = names.get(call_id.as_str()).ok_or_else(|| {
                    LlmError::InvalidRequest(format!(
                        "a tool result answers call `{call_id}`, which no earlier assistant message made"
                    ))
                })?;
                results.push(json!({"functionResult": {"name": name, "content": content}}));
            }
        }
    }
    flush_results(&mut results, &mut messages);

    let mut body = json!({
        "modelUri": model_uri,
        "completionOptions": {
            "stream": false,
            "temperature": req.temperature,
            // int64 in Yandex's JSON mapping, so a string.
            "maxTokens": req.max_tokens.to_string(),
        },
        "messages": messages,
    });
    if !req.tools.is_empty() {
        body["tools"] = req
            .tools
            .iter()
            .map(|tool| {
                json!({"function": {
                    "name": tool.name,
                    "description": tool.description,
                    "parameters": tool.parameters,
                }})
            })
            .collect();
    }
    Ok(body)
}

/// Results of parallel calls travel together in one message, as the calls did.
fn flush_results(results: &mut Vec<Value>, messages: &mut Vec<Value>) {
    if !results.is_empty() {
        let results = std::mem::take(results);
        messages.push(json!({"role": "assistant", "toolResultList": {"toolResults": results}}));
    }
}

#[derive(Deserialize)]
struct Envelope {
    result: ResultBody,
}

#[derive(Deserialize)]
struct ResultBody {
    alternatives: Vec<Alternative>,
    usage: Option<UsageBody>,
}

#[derive(Deserialize)]
struct Alternative {
    message: MessageBody,
    status: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageBody {
    text: Option<String>,
    tool_call_list: Option<ToolCallList>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ToolCallList {
    tool_calls: Vec<ToolCallBody>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ToolCallBody {
    function_call: FunctionCallBody,
}

#[derive(Deserialize)]
struct FunctionCallBody {
    name: String,
    #[serde(default)]
    arguments: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct UsageBody {
    #[serde(deserialize_with = "token_count")]
    input_text_tokens: u32,
    #[serde(deserialize_with = "token_count")]
    completion_tokens: u32,
}

/// int64 fields arrive as strings; a number is accepted too, in case the mapping changes.
fn token_count<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Number(u32),
        Text(String),
    }
    match Raw::deserialize(deserializer)? {
        Raw::Number(count) => Ok(count),
        Raw::Text(text) => text
            .parse()
            .map_err(|_| D::Error::custom(format!("token count `{text}` is not a number"))),
    }
}

fn decode(endpoint: &str, model_uri: &str, body: &[u8]) -> Result<Completion, LlmError> {
    let decode_error = |what: String| LlmError::Decode(format!("{endpoint}: {what}"));
    let envelope: Envelope =
        serde_json::from_slice(body).map_err(|err| decode_error(err.to_string()))?;
    let usage = envelope
        .result
        .usage
        .ok_or_else(|| decode_error("no `usage` in the reply".into()))?;
    let alternative = envelope
        .result
        .alternatives
        .into_iter()
        .next()
        .ok_or_else(|| decode_error("no alternatives in the reply".into()))?;
    let truncated = match alternative.status.as_str() {
        "ALTERNATIVE_STATUS_FINAL" | "ALTERNATIVE_STATUS_TOOL_CALLS" => false,
        "ALTERNATIVE_STATUS_TRUNCATED_FINAL" => true,
        "ALTERNATIVE_STATUS_CONTENT_FILTER" => {
            return Err(LlmError::ContentFiltered(ProviderKind::YandexGpt));
        }
        other => return Err(decode_error(format!("unexpected status `{other}`"))),
    };
    let tool_calls = alternative
        .message
        .tool_call_list
        .map(|list| list.tool_calls)
        .unwrap_or_default()
        .into_iter()
        .map(|call| {
            // The native API has no call ids; make one so results can be matched back.
            let id = format!("yagpt-{:016x}", rand::random::<u64>());
            let FunctionCallBody { name, arguments } = call.function_call;
            ToolCall::from_value(id, name, arguments)
                .map_err(|err| LlmError::invalid_arguments(endpoint, &err))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let text = alternative
        .message
        .text
        .filter(|text| !text.trim().is_empty());
    if text.is_none() && tool_calls.is_empty() {
        return Err(decode_error(format!(
            "neither text nor tool calls with status `{}`",
            alternative.status
        )));
    }
    Ok(Completion {
        text,
        tool_calls,
        usage: Usage {
            prompt_tokens: usage.input_text_tokens,
            completion_tokens: usage.completion_tokens,
        },
        model: model_uri.to_owned(),
        provider: ProviderKind::YandexGpt,
        truncated,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::types::ToolSpec;

    const ENDPOINT: &str = "POST http://fake/foundationModels/v1/completion";
    const MODEL: &str = "gpt://b1g/yandexgpt/latest";

    fn decode_json(body: Value) -> Result<Completion, LlmError> {
        let body = serde_json::to_vec(&body).map_err(|err| LlmError::Decode(err.to_string()))?;
        decode(ENDPOINT, MODEL, &body)
    }

    fn reply(message: Value, status: &str) -> Value {
        json!({"result": {
            "alternatives": [{"message": message, "status": status}],
            "usage": {"inputTextTokens": "27", "completionTokens": "18", "totalTokens": "45"},
            "modelVersion": "09.02.2025"
        }})
    }

    #[test]
    fn a_final_reply_reads_string_token_counts() {
        let completion = decode_json(reply(
            json!({"role": "assistant", "text": "Заказ #42 передан в доставку."}),
            "ALTERNATIVE_STATUS_FINAL",
        ))
        .expect("decodes");
        assert_eq!(
            completion.text.as_deref(),
            Some("Заказ #42 передан в доставку.")
        );
        assert_eq!(
            completion.usage,
            Usage {
                prompt_tokens: 27,
                completion_tokens: 18
            }
        );
        assert_eq!(completion.model, MODEL);
        assert!(!completion.truncated);
    }

    #[test]
    fn tool_calls_get_ids_and_object_arguments() {
        let completion = decode_json(reply(
            json!({"role": "assistant", "toolCallList": {"toolCalls": [
                {"functionCall": {"name": "get_order", "arguments": {"order_id": "42"}}},
                {"functionCall": {"name": "list_orders"}}
            ]}}),
            "ALTERNATIVE_STATUS_TOOL_CALLS",
        ))
        .expect("decodes");
        assert_eq!(completion.tool_calls.len(), 2);
        assert_eq!(
            completion.tool_calls[0].arguments,
            json!({"order_id": "42"})
        );
        assert_eq!(completion.tool_calls[1].arguments, json!({}));
        assert_ne!(completion.tool_calls[0].id, completion.tool_calls[1].id);
    }

    #[test]
    fn statuses_other_than_final_are_flagged_or_refused() {
        let truncated = decode_json(reply(
            json!({"role": "assistant", "text": "Заказ"}),
            "ALTERNATIVE_STATUS_TRUNCATED_FINAL",
        ));
        assert!(truncated.expect("decodes").truncated);

        let filtered = decode_json(reply(
            json!({"role": "assistant", "text": "..."}),
            "ALTERNATIVE_STATUS_CONTENT_FILTER",
        ));
        assert!(matches!(
            filtered,
            Err(LlmError::ContentFiltered(ProviderKind::YandexGpt))
        ));

        for status in ["ALTERNATIVE_STATUS_PARTIAL", "SOMETHING_NEW"] {
            let err = decode_json(reply(json!({"role": "assistant", "text": "x"}), status))
                .expect_err("refused");
            assert!(
                matches!(&err, LlmError::Decode(message) if message.contains(status)),
                "{err:?}"
            );
        }
    }

    #[test]
    fn odd_bodies_are_decode_errors() {
        let mut no_usage = reply(json!({"text": "hi"}), "ALTERNATIVE_STATUS_FINAL");
        if let Some(result) = no_usage["result"].as_object_mut() {
            result.remove("usage");
        }
        let mut bad_count = reply(json!({"text": "hi"}), "ALTERNATIVE_STATUS_FINAL");
        bad_count["result"]["usage"]["inputTextTokens"] = json!("many");
        let bad_arguments = reply(
            json!({"toolCallList": {"toolCalls": [{"functionCall": {"name": "get_order", "arguments": "{\"order_id\""}}]}}),
            "ALTERNATIVE_STATUS_TOOL_CALLS",
        );
        let empty = reply(
            json!({"role": "assistant", "text": ""}),
            "ALTERNATIVE_STATUS_FINAL",
        );
        let no_alternatives = json!({"result": {"alternatives": [], "usage": {"inputTextTokens": "1", "completionTokens": "1"}}});
        for body in [
            no_usage,
            bad_count,
            bad_arguments,
            empty,
            no_alternatives,
            json!({"error": "x"}),
        ] {
            let err = decode_json(body).expect_err("refused");
            assert!(
                matches!(&err, LlmError::Decode(message) if message.starts_with(ENDPOINT)),
                "{err:?}"
            );
        }
        assert!(decode(ENDPOINT, MODEL, b"\xff\xfe").is_err());
    }

    fn conversation() -> ChatRequest {
        ChatRequest {
            system: "Ты — агент поддержки.".into(),
            messages: vec![
                ChatMessage::User("Где заказы 42 и 43?".into()),
                ChatMessage::Assistant {
                    text: None,
                    tool_calls: vec![
                        ToolCall {
                            id: "a".into(),
                            name: "get_order".into(),
                            arguments: json!({"order_id": "42"}),
                        },
                        ToolCall {
                            id: "b".into(),
                            name: "get_order".into(),
                            arguments: json!({"order_id": "43"}),
                        },
                    ],
                },
                ChatMessage::Tool {
                    call_id: "a".into(),
                    content: "shipped".into(),
                },
                ChatMessage::Tool {
                    call_id: "b".into(),
                    content: "packed".into(),
                },
            ],
            tools: vec![ToolSpec {
                name: "get_order".into(),
                description: "Order status".into(),
                parameters: json!({"type": "object"}),
            }],
            max_tokens: 500,
            temperature: 0.3,
        }
    }

    #[test]
    fn the_request_uses_the_native_shapes() {
        let body = to_body(MODEL, &conversation()).expect("expressible");
        assert_eq!(body["modelUri"], MODEL);
        assert_eq!(body["completionOptions"]["maxTokens"], "500");
        assert_eq!(body["tools"][0]["function"]["name"], "get_order");
        let messages = body["messages"].as_array().expect("messages");
        assert_eq!(messages.len(), 4, "{messages:?}");
        assert_eq!(messages[0]["role"], "system");
        assert_eq!(
            messages[2]["toolCallList"]["toolCalls"][1]["functionCall"]["arguments"],
            json!({"order_id": "43"})
        );
        let results = &messages[3]["toolResultList"]["toolResults"];
        assert_eq!(
            results[0]["functionResult"],
            json!({"name": "get_order", "content": "shipped"})
        );
        assert_eq!(results[1]["functionResult"]["content"], "packed");
    }

    #[test]
    fn a_result_for_an_unknown_call_is_refused() {
        let mut req = conversation();
        req.messages.push(ChatMessage::Tool {
            call_id: "zzz".into(),
            content: "?".into(),
        });
        assert!(matches!(
            to_body(MODEL, &req),
            Err(LlmError::InvalidRequest(_))
        ));
    }

    #[test]
    fn the_model_uri_is_built_from_the_folder_unless_given_whole() {
        let mut settings = YandexGptSettings {
            base_url: "https://llm.api.cloud.yandex.net".into(),
            auth: YandexAuth::ApiKey(SecretString::from("k")),
            folder_id: "b1g".into(),
            model: "yandexgpt-lite/latest".into(),
            send_folder_header: false,
            timeout: Duration::from_secs(5),
            max_retries: 0,
        };
        assert_eq!(settings.model_uri(), "gpt://b1g/yandexgpt-lite/latest");
        settings.model = "ds://bt1abc".into();
        assert_eq!(settings.model_uri(), "ds://bt1abc");
    }
}
