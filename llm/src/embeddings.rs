//! Text embeddings from an OpenAI-compatible `POST {base_url}/embeddings` (OpenAI, vLLM,
//! Ollama, Yandex's compatible endpoint), for knowledge retrieval by meaning. One call is one
//! request, like the chat providers; the caller decides what a failure costs (retrieval falls
//! back to full-text search).

use std::time::Duration;

use http::header::{AUTHORIZATION, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use serde_json::json;

use crate::error::{LlmError, send};

#[derive(Debug, Clone)]
pub struct EmbeddingSettings {
    /// Up to and including the version segment, as for chat: `https://api.openai.com/v1`.
    pub base_url: String,
    pub api_key: SecretString,
    /// `text-embedding-3-small`, `bge-m3`, …; stored with each vector, so changing it
    /// re-embeds the knowledge base.
    pub model: String,
    pub timeout: Duration,
}

pub struct Embedder {
    http: reqwest::Client,
    url: String,
    authorization: HeaderValue,
    model: String,
}

impl std::fmt::Debug for Embedder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Embedder")
            .field("url", &self.url)
            .field("model", &self.model)
            .finish_non_exhaustive()
    }
}

/// Vectors in input order, and what the provider billed.
#[derive(Debug, Clone, PartialEq)]
pub struct Embeddings {
    pub vectors: Vec<Vec<f32>>,
    pub prompt_tokens: u32,
}

#[derive(Deserialize)]
struct Response {
    data: Vec<Item>,
    #[serde(default)]
    usage: Option<ResponseUsage>,
}

#[derive(Deserialize)]
struct Item {
    index: usize,
    embedding: Vec<f32>,
}

#[derive(Deserialize)]
struct ResponseUsage {
    #[serde(default)]
    prompt_tokens: u32,
}

impl Embedder {
    pub fn new(settings: &EmbeddingSettings) -> Result<Self, LlmError> {
        let url = format!("{}/embeddings", settings.base_url.trim_end_matches('/'));
        reqwest::Url::parse(&url)
            .map_err(|err| LlmError::Config(format!("embeddings URL `{url}`: {err}")))?;
        let mut authorization =
            HeaderValue::from_str(&format!("Bearer {}", settings.api_key.expose_secret()))
                .map_err(|_| LlmError::Config("embeddings API key is not a valid header".into()))?;
        authorization.set_sensitive(true);
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .build()
            .map_err(|err| LlmError::Config(format!("HTTP client for {url}: {err}")))?;
        Ok(Self {
            http,
            url,
            authorization,
            model: settings.model.clone(),
        })
    }

    pub fn model(&self) -> &str {
        &self.model
    }

    /// Embeds `inputs` in one request. A reply that does not hold exactly one vector of one
    /// dimension per input is a [`LlmError::Decode`].
    pub async fn embed(&self, inputs: &[String]) -> Result<Embeddings, LlmError> {
        let endpoint = format!("POST {}", self.url);
        if inputs.is_empty() {
            return Ok(Embeddings {
                vectors: Vec::new(),
                prompt_tokens: 0,
            });
        }
        let request = self
            .http
            .post(&self.url)
            .header(AUTHORIZATION, self.authorization.clone())
            .json(&json!({ "model": self.model, "input": inputs, "encoding_format": "float" }));
        let body = send(&endpoint, request).await?;
        let decoded: Response = serde_json::from_slice(&body)
            .map_err(|err| LlmError::Decode(format!("{endpoint}: {err}")))?;
        let mut items = decoded.data;
        items.sort_by_key(|item| item.index);
        let dimension = items.first().map_or(0, |item| item.embedding.len());
        let complete = items.len() == inputs.len()
            && items.iter().enumerate().all(|(i, item)| item.index == i)
            && dimension > 0
            && items.iter().all(|item| item.embedding.len() == dimension);
        if !complete {
            return Err(LlmError::Decode(format!(
                "{endpoint}: expected {} vectors of one dimension, got {}",
                inputs.len(),
                items.len()
            )));
        }
        Ok(Embeddings {
            vectors: items.into_iter().map(|item| item.embedding).collect(),
            prompt_tokens: decoded.usage.map_or(0, |usage| usage.prompt_tokens),
        })
    }
}

/// Cosine similarity; 0 for vectors of different lengths or zero length.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() || a.is_empty() {
        return 0.0;
    }
    let (mut dot, mut norm_a, mut norm_b) = (0.0_f32, 0.0_f32, 0.0_f32);
    for (x, y) in a.iter().zip(b) {
        dot += x * y;
        norm_a += x * x;
        norm_b += y * y;
    }
    let norm = norm_a.sqrt() * norm_b.sqrt();
    if norm == 0.0 { 0.0 } else { dot / norm }
}

#[cfg(test)]
mod tests {
    use super::cosine;

    #[test]
    fn cosine_is_one_for_parallel_and_zero_for_mismatched_vectors() {
        assert!((cosine(&[1.0, 2.0], &[2.0, 4.0]) - 1.0).abs() < 1e-6);
        assert!(cosine(&[1.0, 0.0], &[0.0, 1.0]).abs() < 1e-6);
        assert_eq!(cosine(&[1.0], &[1.0, 2.0]), 0.0);
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 2.0]), 0.0);
    }
}
