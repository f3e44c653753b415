//! Provider-neutral request and reply shapes, so the assistant code never depends on one vendor's
//! wire format and a turn can move from one provider to another mid-conversation.

use std::fmt;
use std::str::FromStr;

use serde_json::{Map, Value};

/// One model call: the whole conversation so far plus the tools the model may call.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatRequest {
    pub system: String,
    pub messages: Vec<ChatMessage>,
    pub tools: Vec<ToolSpec>,
    pub max_tokens: u32,
    pub temperature: f32,
}

/// A turn of the conversation. `Tool` answers a [`ToolCall`] by its id, as OpenAI requires;
/// providers without call ids (YandexGPT) resolve the id to the tool name from the history.
#[derive(Debug, Clone, PartialEq)]
pub enum ChatMessage {
    User(String),
    Assistant {
        text: Option<String>,
        tool_calls: Vec<ToolCall>,
    },
    Tool {
        call_id: String,
        content: String,
    },
}

/// A function the model may call; `parameters` is a JSON Schema object.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolSpec {
    pub name: String,
    pub description: String,
    pub parameters: Value,
}

/// A call the model asked for. `arguments` is always a JSON object: a reply whose arguments are
/// not one is refused with [`crate::LlmError::Decode`] before it reaches the caller.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolCall {
    pub id: String,
    pub name: String,
    pub arguments: Value,
}

impl ToolCall {
    /// Parses arguments sent as a JSON string (OpenAI's wire format). Models do produce
    /// truncated or non-object JSON here; that is the caller's `Err`, never a panic.
    pub fn from_json_arguments(
        id: String,
        name: String,
        arguments: &str,
    ) -> Result<Self, InvalidArguments> {
        let value: Value = if arguments.trim().is_empty() {
            Value::Object(Map::new())
        } else {
            serde_json::from_str(arguments).map_err(|err| InvalidArguments {
                tool: name.clone(),
                reason: format!("not JSON (line {} column {})", err.line(), err.column()),
            })?
        };
        Self::from_value(id, name, value)
    }

    /// Accepts arguments that arrive already parsed (YandexGPT's wire format).
    pub fn from_value(
        id: String,
        name: String,
        arguments: Value,
    ) -> Result<Self, InvalidArguments> {
        match arguments {
            Value::Object(_) => Ok(Self {
                id,
                name,
                arguments,
            }),
            Value::Null => Ok(Self {
                id,
                name,
                arguments: Value::Object(Map::new()),
            }),
            other => Err(InvalidArguments {
                reason: format!("expected a JSON object, got {}", json_kind(&other)),
                tool: name,
            }),
        }
    }
}

/// Why a tool call's arguments were refused; names the tool, never echoes the arguments
/// (they may carry a shopper's personal data).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("arguments of tool `{tool}` are invalid: {reason}")]
pub struct InvalidArguments {
    pub tool: String,
    pub reason: String,
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Token counts as the provider billed them; the caller's cost accounting reads these.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    pub prompt_tokens: u32,
    pub completion_tokens: u32,
}

/// The model's answer: text, tool calls, or both.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub text: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    pub usage: Usage,
    pub model: String,
    pub provider: ProviderKind,
    /// The reply stopped at `max_tokens`: the text is cut mid-thought and may need a human.
    pub truncated: bool,
}

/// Which wire protocol a provider speaks. YandexGPT's OpenAI-compatible endpoint, vLLM and
/// Ollama are all `OpenAi`: only the base URL, model and key differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProviderKind {
    OpenAi,
    YandexGpt,
}

impl ProviderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenAi => "openai",
            Self::YandexGpt => "yandexgpt",
        }
    }
}

impl fmt::Display for ProviderKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A provider name in settings that is not one we speak.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown LLM provider `{0}` (expected `openai` or `yandexgpt`)")]
pub struct UnknownProvider(pub String);

impl FromStr for ProviderKind {
    type Err = UnknownProvider;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "openai" => Ok(Self::OpenAi),
            "yandexgpt" => Ok(Self::YandexGpt),
            _ => Err(UnknownProvider(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn provider_kind_round_trips_through_its_name() {
        for kind in [ProviderKind::OpenAi, ProviderKind::YandexGpt] {
            assert_eq!(kind.to_string().parse::<ProviderKind>(), Ok(kind));
        }
        assert_eq!(" OpenAI ".parse::<ProviderKind>(), Ok(ProviderKind::OpenAi));
        assert!("gigachat".parse::<ProviderKind>().is_err());
    }

    #[test]
    fn string_arguments_must_be_a_json_object() {
        let ok = ToolCall::from_json_arguments("c1".into(), "get_order".into(), r#"{"id":"42"}"#);
        assert_eq!(ok.map(|call| call.arguments), Ok(json!({"id": "42"})));

        let empty = ToolCall::from_json_arguments("c1".into(), "list".into(), "  ");
        assert_eq!(empty.map(|call| call.arguments), Ok(json!({})));

        let truncated =
            ToolCall::from_json_arguments("c1".into(), "get_order".into(), r#"{"id":"4"#);
        let err = truncated.expect_err("truncated JSON is refused");
        assert_eq!(err.tool, "get_order");
        assert!(!err.reason.contains("\"4"), "never echoes arguments: {err}");

        let array = ToolCall::from_json_arguments("c1".into(), "get_order".into(), "[1,2]");
        assert!(array.is_err());
        let string = ToolCall::from_json_arguments("c1".into(), "get_order".into(), r#""42""#);
        assert!(string.is_err());
    }

    #[test]
    fn parsed_arguments_must_be_an_object_or_absent() {
        let null = ToolCall::from_value("c".into(), "t".into(), Value::Null);
        assert_eq!(null.map(|call| call.arguments), Ok(json!({})));
        assert!(ToolCall::from_value("c".into(), "t".into(), json!(7)).is_err());
    }
}
