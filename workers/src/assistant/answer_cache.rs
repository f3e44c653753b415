//! Model answers to repeated policy questions, kept in Redis. The key holds everything the
//! answer depends on — tenant, knowledge version, instructions, intent and the normalised
//! question — so editing an article or the persona retires old answers by itself.

use otklik_nlu::Intent;
use otklik_schema::TenantId;
use redis::AsyncCommands;
use redis::aio::ConnectionManager;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub struct AnswerCache {
    redis: ConnectionManager,
    namespace: String,
    ttl_secs: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cached {
    pub text: String,
    pub articles: Vec<i64>,
    pub provider: String,
}

/// What identifies an answer.
pub struct Question<'a> {
    pub tenant: TenantId,
    pub knowledge_version: i64,
    pub instructions: &'a str,
    pub intent: Intent,
    pub text: &'a str,
}

/// Lower case, `ё` as `е`, letters and digits only, single spaces: the same question typed
/// differently is one key, while numbers («через 20 дней») still tell questions apart.
pub fn normalise(text: &str) -> String {
    let folded: String = text
        .to_lowercase()
        .chars()
        .map(|c| match c {
            'ё' => 'е',
            c if c.is_alphanumeric() => c,
            _ => ' ',
        })
        .collect();
    folded.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl AnswerCache {
    pub fn new(redis: ConnectionManager, namespace: &str, ttl_secs: u64) -> Self {
        Self {
            redis,
            namespace: namespace.to_owned(),
            ttl_secs,
        }
    }

    fn key(&self, question: &Question<'_>) -> String {
        let mut digest = Sha256::new();
        digest.update(question.knowledge_version.to_be_bytes());
        digest.update(question.instructions.as_bytes());
        digest.update([0]);
        digest.update(question.intent.as_str().as_bytes());
        digest.update([0]);
        digest.update(normalise(question.text).as_bytes());
        format!(
            "{}:answers:{}:{}",
            self.namespace,
            question.tenant,
            hex::encode(digest.finalize())
        )
    }

    /// A miss when Redis fails: the cache only ever saves a model call.
    pub async fn get(&self, question: &Question<'_>) -> Option<Cached> {
        let mut redis = self.redis.clone();
        let found: Result<Option<String>, _> = redis.get(self.key(question)).await;
        match found {
            Ok(found) => found.and_then(|json| serde_json::from_str(&json).ok()),
            Err(err) => {
                tracing::warn!(error = %err, "answer cache unavailable");
                None
            }
        }
    }

    pub async fn put(&self, question: &Question<'_>, answer: &Cached) {
        let Ok(json) = serde_json::to_string(answer) else {
            return;
        };
        let mut redis = self.redis.clone();
        let stored: Result<(), _> = redis.set_ex(self.key(question), json, self.ttl_secs).await;
        if let Err(err) = stored {
            tracing::warn!(error = %err, "could not cache an answer");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::normalise;

    #[test]
    fn questions_typed_differently_are_one_key() {
        assert_eq!(
            normalise("Как ВЕРНУТЬ товар?!  Ещё можно?"),
            normalise("как вернуть товар, еще можно")
        );
        assert_ne!(
            normalise("вернуть через 20 дней"),
            normalise("вернуть через 30 дней")
        );
    }
}
