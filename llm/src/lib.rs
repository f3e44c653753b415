#![doc = include_str!("../README.md")]

mod breaker;
mod chain;
mod embeddings;
mod error;
mod openai;
mod provider;
mod tls;
mod types;
mod yandexgpt;

pub use breaker::{BreakerSettings, BreakerState, CircuitBreaker, Clock, Permit, SystemClock};
pub use chain::{Chain, ChainBuilder, ChainSettings, ProviderPolicy};
pub use embeddings::{Embedder, EmbeddingSettings, Embeddings, cosine};
pub use error::LlmError;
pub use openai::{OpenAiProvider, OpenAiSettings};
pub use provider::Provider;
pub use types::{
    ChatMessage, ChatRequest, Completion, InvalidArguments, ProviderKind, ToolCall, ToolSpec,
    UnknownProvider, Usage,
};
pub use yandexgpt::{YandexAuth, YandexGptProvider, YandexGptSettings};
