//! OpenAI Chat Completions through async-openai. The same code talks to OpenAI, YandexGPT's
//! OpenAI-compatible endpoint, vLLM and Ollama: only the base URL, model and key differ.
//!
//! async-openai sends through a tower service. Its default one retries 429/5xx three times
//! with its own backoff and honours any `Retry-After`, however long; that would multiply the
//! chain's budget and hide attempts from it. We install our own service instead, which sends
//! exactly one request and turns every non-2xx answer into an [`LlmError`] while the status and
//! headers are still at hand (async-openai's error type keeps neither `Retry-After` nor the
//! 429 kind). It also checks the body decodes before async-openai does, because async-openai
//! logs an undecodable body in full and the body is the model's reply about a shopper.

use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use async_openai::Client;
use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use async_openai::types::chat::{
    ChatCompletionMessageToolCall, ChatCompletionMessageToolCalls,
    ChatCompletionRequestAssistantMessage, ChatCompletionRequestAssistantMessageContent,
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestSystemMessageContent, ChatCompletionRequestToolMessage,
    ChatCompletionRequestToolMessageContent, ChatCompletionRequestUserMessage,
    ChatCompletionRequestUserMessageContent, ChatCompletionTool, ChatCompletionToolChoiceOption,
    ChatCompletionTools, CreateChatCompletionRequest, CreateChatCompletionResponse, FinishReason,
    FunctionCall, FunctionObject, ToolChoiceOptions,
};
use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};

use crate::chain::ProviderPolicy;
use crate::error::{INSUFFICIENT_QUOTA, LlmError, classify, from_http_failure, transport};
use crate::provider::Provider;
use crate::types::{ChatMessage, ChatRequest, Completion, ProviderKind, ToolCall, Usage};

/// Where and how to reach an OpenAI-compatible server.
#[derive(Debug, Clone)]
pub struct OpenAiSettings {
    /// Up to and including the version segment: `https://api.openai.com/v1`,
    /// `https://llm.api.cloud.yandex.net/v1`, `http://localhost:11434/v1`.
    pub base_url: String,
    pub api_key: SecretString,
    /// `gpt-4o-mini`; for YandexGPT's compatible endpoint `gpt://<folder>/yandexgpt/latest`.
    pub model: String,
    /// Whole-request HTTP timeout (connect + send + read the reply).
    pub timeout: Duration,
    /// Retries the chain may spend on this provider per turn; see [`ProviderPolicy`].
    pub max_retries: u32,
}

impl OpenAiSettings {
    /// The chain policy these settings imply, with default breaker settings.
    pub fn policy(&self) -> ProviderPolicy {
        ProviderPolicy {
            timeout: self.timeout,
            max_retries: self.max_retries,
            ..ProviderPolicy::default()
        }
    }
}

pub struct OpenAiProvider {
    client: Client<OpenAIConfig>,
    model: String,
    endpoint: Arc<str>,
}

impl std::fmt::Debug for OpenAiProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenAiProvider")
            .field("model", &self.model)
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl OpenAiProvider {
    pub fn new(settings: &OpenAiSettings) -> Result<Self, LlmError> {
        let base_url = settings.base_url.trim_end_matches('/');
        reqwest_013::Url::parse(base_url)
            .map_err(|err| LlmError::Config(format!("OpenAI base URL `{base_url}`: {err}")))?;
        // async-openai builds this header with `.parse().unwrap()` on every request; a key with
        // a stray newline from a secrets file must fail here, not panic mid-turn.
        http::HeaderValue::from_str(&format!("Bearer {}", settings.api_key.expose_secret()))
            .map_err(|_| LlmError::Config("OpenAI API key is not a valid header value".into()))?;
        let http = reqwest_013::Client::builder()
            .tls_backend_preconfigured(crate::tls::client_config()?)
            .timeout(settings.timeout)
            .build()
            .map_err(|err| LlmError::Config(format!("HTTP client for {base_url}: {err}")))?;
        // `OpenAIConfig::new()` reads OPENAI_* variables from the environment; every field it
        // would take from there is overwritten so settings are the only source.
        let config = OpenAIConfig::new()
            .with_api_base(base_url)
            .with_api_key(settings.api_key.expose_secret())
            .with_org_id("")
            .with_project_id("");
        let endpoint: Arc<str> = format!("POST {base_url}/chat/completions").into();
        let transport = Transport {
            http: http.clone(),
            endpoint: endpoint.clone(),
        };
        Ok(Self {
            client: Client::build(http, config).with_http_service(transport),
            model: settings.model.clone(),
            endpoint,
        })
    }

    async fn call(&self, req: &ChatRequest) -> Result<Completion, LlmError> {
        let request = to_request(&self.model, req);
        let response = self
            .client
            .chat()
            .create(request)
            .await
            .map_err(|err| from_openai_error(&self.endpoint, err))?;
        into_completion(&self.endpoint, response)
    }
}

impl Provider for OpenAiProvider {
    fn kind(&self) -> ProviderKind {
        ProviderKind::OpenAi
    }

    fn complete<'a>(&'a self, req: &'a ChatRequest) -> BoxFuture<'a, Result<Completion, LlmError>> {
        Box::pin(self.call(req))
    }
}

/// The tower service async-openai sends through: one request, no retries (see module docs).
#[derive(Clone)]
struct Transport {
    http: reqwest_013::Client,
    endpoint: Arc<str>,
}

impl tower::Service<HttpRequestFactory> for Transport {
    type Response = reqwest_013::Response;
    type Error = OpenAIError;
    type Future = BoxFuture<'static, Result<reqwest_013::Response, OpenAIError>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), OpenAIError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, factory: HttpRequestFactory) -> Self::Future {
        let this = self.clone();
        Box::pin(async move {
            this.send(factory)
                .await
                .map_err(|err| OpenAIError::Boxed(Box::new(err)))
        })
    }
}

impl Transport {
    async fn send(&self, factory: HttpRequestFactory) -> Result<reqwest_013::Response, LlmError> {
        let request = factory
            .build()
            .await
            .map_err(|err| LlmError::InvalidRequest(format!("{}: {err}", self.endpoint)))?;
        let response = self
            .http
            .execute(request)
            .await
            .map_err(|err| transport(&self.endpoint, err.is_timeout(), &err))?;
        let status = response.status();
        let headers = response.headers().clone();
        if let Some(request_id) = headers.get("x-request-id").and_then(|v| v.to_str().ok()) {
            tracing::debug!(%request_id, status = status.as_u16(), "{}", self.endpoint);
        }
        let body = response
            .bytes()
            .await
            .map_err(|err| transport(&self.endpoint, err.is_timeout(), &err))?;
        if !status.is_success() {
            return Err(from_http_failure(status.as_u16(), &headers, &body));
        }
        decode_body(&self.endpoint, &body)?;
        let mut checked = http::Response::new(body);
        *checked.status_mut() = status;
        *checked.headers_mut() = headers;
        Ok(reqwest_013::Response::from(checked))
    }
}

fn from_openai_error(endpoint: &str, err: OpenAIError) -> LlmError {
    match err {
        OpenAIError::Boxed(inner) => match inner.downcast::<LlmError>() {
            Ok(err) => *err,
            Err(other) => LlmError::Transport(format!("{endpoint}: {other}")),
        },
        OpenAIError::Reqwest(err) => transport(endpoint, err.is_timeout(), &err),
        // Never format the whole error: its Display carries the body.
        OpenAIError::JSONDeserialize(err, _body) => LlmError::Decode(format!("{endpoint}: {err}")),
        OpenAIError::InvalidArgument(message) => {
            LlmError::InvalidRequest(format!("{endpoint}: {message}"))
        }
        // Unreachable while `Transport` answers every failure itself; classified anyway.
        OpenAIError::ApiError(api) => {
            let error = &api.api_error;
            let quota = [&error.r#type, &error.code]
                .iter()
                .any(|field| field.as_deref() == Some(INSUFFICIENT_QUOTA));
            classify(api.status_code.as_u16(), &error.message, quota, None)
        }
        other => LlmError::Transport(format!("{endpoint}: {other}")),
    }
}

fn decode_body(endpoint: &str, body: &[u8]) -> Result<CreateChatCompletionResponse, LlmError> {
    serde_json::from_slice(body).map_err(|err| LlmError::Decode(format!("{endpoint}: {err}")))
}

fn to_request(model: &str, req: &ChatRequest) -> CreateChatCompletionRequest {
    let mut messages = Vec::with_capacity(req.messages.len() + 1);
    if !req.system.is_empty() {
        messages.push(ChatCompletionRequestMessage::System(
            ChatCompletionRequestSystemMessage {
                content: ChatCompletionRequestSystemMessageContent::Text(req.system.clone()),
                name: None,
            },
        ));
    }
    messages.extend(req.messages.iter().map(to_message));
    let tools: Vec<_> = req
        .tools
        .iter()
        .map(|tool| {
            ChatCompletionTools::Function(ChatCompletionTool {
                function: FunctionObject {
                    name: tool.name.clone(),
                    description: Some(tool.description.clone()),
                    parameters: Some(tool.parameters.clone()),
                    strict: None,
                },
            })
        })
        .collect();
    let has_tools = !tools.is_empty();
    #[expect(
        deprecated,
        reason = "`max_completion_tokens` is OpenAI-only; Ollama, vLLM and YandexGPT's \
                  compatible endpoint read `max_tokens`, which OpenAI chat models still accept"
    )]
    CreateChatCompletionRequest {
        model: model.to_owned(),
        messages,
        max_tokens: Some(req.max_tokens),
        temperature: Some(req.temperature),
        tool_choice: has_tools.then_some(ChatCompletionToolChoiceOption::Mode(
            ToolChoiceOptions::Auto,
        )),
        tools: has_tools.then_some(tools),
        ..CreateChatCompletionRequest::default()
    }
}

fn to_message(message: &ChatMessage) -> ChatCompletionRequestMessage {
    match message {
        ChatMessage::User(text) => {
            ChatCompletionRequestMessage::User(ChatCompletionRequestUserMessage {
                content: ChatCompletionRequestUserMessageContent::Text(text.clone()),
                name: None,
            })
        }
        ChatMessage::Assistant { text, tool_calls } => {
            let tool_calls = tool_calls
                .iter()
                .map(|call| {
                    ChatCompletionMessageToolCalls::Function(ChatCompletionMessageToolCall {
                        id: call.id.clone(),
                        function: FunctionCall {
                            name: call.name.clone(),
                            arguments: call.arguments.to_string(),
                        },
                    })
                })
                .collect::<Vec<_>>();
            ChatCompletionRequestMessage::Assistant(ChatCompletionRequestAssistantMessage {
                content: text
                    .clone()
                    .map(ChatCompletionRequestAssistantMessageContent::Text),
                tool_calls: (!tool_calls.is_empty()).then_some(tool_calls),
                ..ChatCompletionRequestAssistantMessage::default()
            })
        }
        ChatMessage::Tool { call_id, content } => {
            ChatCompletionRequestMessage::Tool(ChatCompletionRequestToolMessage {
                content: ChatCompletionRequestToolMessageContent::Text(content.clone()),
                tool_call_id: call_id.clone(),
            })
        }
    }
}

fn into_completion(
    endpoint: &str,
    response: CreateChatCompletionResponse,
) -> Result<Completion, LlmError> {
    let decode = |what: &str| LlmError::Decode(format!("{endpoint}: {what}"));
    let usage = response
        .usage
        .ok_or_else(|| decode("no `usage` in the reply"))?;
    let choice = response
        .choices
        .into_iter()
        .next()
        .ok_or_else(|| decode("no choices in the reply"))?;
    if choice.finish_reason == Some(FinishReason::ContentFilter) {
        return Err(LlmError::ContentFiltered(ProviderKind::OpenAi));
    }
    let tool_calls = choice
        .message
        .tool_calls
        .unwrap_or_default()
        .into_iter()
        .map(|call| match call {
            ChatCompletionMessageToolCalls::Function(call) => {
                ToolCall::from_json_arguments(call.id, call.function.name, &call.function.arguments)
                    .map_err(|err| LlmError::invalid_arguments(endpoint, &err))
            }
            ChatCompletionMessageToolCalls::Custom(call) => Err(decode(&format!(
                "a call of custom tool `{}`, which was never offered",
                call.custom_tool.name
            ))),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let text = choice
        .message
        .content
        .filter(|text| !text.trim().is_empty());
    if text.is_none() && tool_calls.is_empty() {
        if choice.message.refusal.is_some() {
            return Err(LlmError::ContentFiltered(ProviderKind::OpenAi));
        }
        return Err(decode("neither text nor tool calls in the reply"));
    }
    Ok(Completion {
        text,
        tool_calls,
        usage: Usage {
            prompt_tokens: usage.prompt_tokens,
            completion_tokens: usage.completion_tokens,
        },
        model: response.model,
        provider: ProviderKind::OpenAi,
        truncated: choice.finish_reason == Some(FinishReason::Length),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::types::ToolSpec;

    const ENDPOINT: &str = "POST http://fake/v1/chat/completions";

    fn decode(body: serde_json::Value) -> Result<Completion, LlmError> {
        let body = serde_json::to_vec(&body).map_err(|err| LlmError::Decode(err.to_string()))?;
        into_completion(ENDPOINT, decode_body(ENDPOINT, &body)?)
    }

    fn reply(message: serde_json::Value, finish_reason: &str) -> serde_json::Value {
        json!({
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-mini",
            "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
            "usage": {"prompt_tokens": 85, "completion_tokens": 18, "total_tokens": 103}
        })
    }

    #[test]
    fn a_text_reply_keeps_usage_and_model() {
        let completion = decode(reply(
            json!({"role": "assistant", "content": "Заказ в пути"}),
            "stop",
        ));
        let completion = completion.expect("decodes");
        assert_eq!(completion.text.as_deref(), Some("Заказ в пути"));
        assert_eq!(
            completion.usage,
            Usage {
                prompt_tokens: 85,
                completion_tokens: 18
            }
        );
        assert_eq!(completion.model, "gpt-4o-mini");
        assert!(!completion.truncated);
    }

    #[test]
    fn tool_call_arguments_are_parsed_from_their_string() {
        let completion = decode(reply(
            json!({"role": "assistant", "content": null, "tool_calls": [{
                "id": "call_abc123", "type": "function",
                "function": {"name": "get_order", "arguments": "{\"order_id\":\"42\"}"}}]}),
            "tool_calls",
        ))
        .expect("decodes");
        assert_eq!(completion.text, None);
        assert_eq!(completion.tool_calls.len(), 1);
        assert_eq!(completion.tool_calls[0].id, "call_abc123");
        assert_eq!(
            completion.tool_calls[0].arguments,
            json!({"order_id": "42"})
        );
    }

    #[test]
    fn malformed_tool_arguments_are_a_decode_error() {
        for arguments in ["{\"order_id\":", "[\"42\"]", "42"] {
            let err = decode(reply(
                json!({"role": "assistant", "tool_calls": [{
                    "id": "call_1", "type": "function",
                    "function": {"name": "get_order", "arguments": arguments}}]}),
                "tool_calls",
            ))
            .expect_err("refused");
            assert!(
                matches!(&err, LlmError::Decode(message) if message.contains("get_order") && message.contains(ENDPOINT)),
                "{err:?}"
            );
        }
    }

    #[test]
    fn odd_bodies_are_decode_errors() {
        let mut no_usage = reply(json!({"role": "assistant", "content": "hi"}), "stop");
        no_usage.as_object_mut().map(|body| body.remove("usage"));
        let unknown_finish = reply(json!({"role": "assistant", "content": "hi"}), "eos");
        let no_choices = json!({"id": "x", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [], "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}});
        let empty = reply(json!({"role": "assistant", "content": "  "}), "stop");
        for body in [
            no_usage,
            unknown_finish,
            no_choices,
            empty,
            json!([1, 2]),
            json!("text"),
        ] {
            let err = decode(body).expect_err("refused");
            assert!(matches!(err, LlmError::Decode(_)), "{err:?}");
        }
        let not_json = decode_body(ENDPOINT, b"<html>502 Bad Gateway</html>").expect_err("refused");
        assert!(
            matches!(&not_json, LlmError::Decode(message) if message.starts_with(ENDPOINT)),
            "{not_json:?}"
        );
    }

    #[test]
    fn filtered_and_truncated_replies_are_flagged() {
        let filtered = decode(reply(
            json!({"role": "assistant", "content": null}),
            "content_filter",
        ));
        assert!(matches!(
            filtered,
            Err(LlmError::ContentFiltered(ProviderKind::OpenAi))
        ));
        let refused = decode(reply(
            json!({"role": "assistant", "content": null, "refusal": "no"}),
            "stop",
        ));
        assert!(matches!(
            refused,
            Err(LlmError::ContentFiltered(ProviderKind::OpenAi))
        ));
        let truncated = decode(reply(
            json!({"role": "assistant", "content": "Заказ"}),
            "length",
        ));
        assert!(truncated.expect("decodes").truncated);
    }

    #[test]
    fn a_key_that_cannot_be_a_header_is_refused_up_front() {
        let settings = OpenAiSettings {
            base_url: "http://127.0.0.1:9/v1".into(),
            api_key: SecretString::from("sk-test\n"),
            model: "m".into(),
            timeout: Duration::from_secs(1),
            max_retries: 0,
        };
        assert!(matches!(
            OpenAiProvider::new(&settings),
            Err(LlmError::Config(_))
        ));
    }

    #[test]
    fn the_request_carries_tools_and_the_tool_round_trip() {
        let req = ChatRequest {
            system: "Ты — агент поддержки.".into(),
            messages: vec![
                ChatMessage::User("Где заказ 42?".into()),
                ChatMessage::Assistant {
                    text: None,
                    tool_calls: vec![ToolCall {
                        id: "call_1".into(),
                        name: "get_order".into(),
                        arguments: json!({"order_id": "42"}),
                    }],
                },
                ChatMessage::Tool {
                    call_id: "call_1".into(),
                    content: "{\"status\":\"shipped\"}".into(),
                },
            ],
            tools: vec![ToolSpec {
                name: "get_order".into(),
                description: "Order status".into(),
                parameters: json!({"type": "object", "properties": {"order_id": {"type": "string"}}}),
            }],
            max_tokens: 200,
            temperature: 0.3,
        };
        let body = serde_json::to_value(to_request("gpt-4o-mini", &req)).expect("serializes");
        assert_eq!(body["model"], "gpt-4o-mini");
        assert_eq!(body["max_tokens"], 200);
        assert_eq!(body["tool_choice"], "auto");
        assert_eq!(body["tools"][0]["type"], "function");
        assert_eq!(body["tools"][0]["function"]["name"], "get_order");
        assert_eq!(body["messages"][0]["role"], "system");
        assert_eq!(body["messages"][2]["tool_calls"][0]["id"], "call_1");
        assert_eq!(
            body["messages"][2]["tool_calls"][0]["function"]["arguments"],
            "{\"order_id\":\"42\"}"
        );
        assert_eq!(body["messages"][3]["role"], "tool");
        assert_eq!(body["messages"][3]["tool_call_id"], "call_1");

        let plain = serde_json::to_value(to_request(
            "m",
            &ChatRequest {
                tools: Vec::new(),
                ..req
            },
        ))
        .expect("serializes");
        assert!(plain.get("tools").is_none() && plain.get("tool_choice").is_none());
    }
}
