//! Finding the knowledge a question needs: PostgreSQL full-text and trigram search always, and
//! similarity of meaning when an embeddings provider is configured. The two rankings are fused
//! by reciprocal rank, which needs no calibration between their very different scores.

use std::collections::HashMap;

use otklik_config::{Config, Cost, Price};
use otklik_db::knowledge::{self, ArticleVector, Hit};
use otklik_db::{AsyncPgConnection, DbError, TenantScope};
use otklik_llm::{Embedder, EmbeddingSettings, LlmError, cosine};
use secrecy::SecretString;

/// Text hits below this score are noise.
const MIN_TEXT_SCORE: f32 = 0.05;
/// The usual constant of reciprocal rank fusion: ranks past the first few count little.
const FUSION_K: f32 = 60.0;
/// Articles embedded in one request when some have no vector yet (new or edited ones).
const EMBED_BATCH: usize = 32;
/// Longest article text sent for embedding; the start of an article says what it is about.
const MAX_EMBEDDED_CHARS: i32 = 6000;

pub struct Retrieval {
    meaning: Option<Meaning>,
}

struct Meaning {
    embedder: Embedder,
    price: Price,
    /// Below this cosine an article is unrelated; the scale differs between models.
    min_similarity: f32,
}

/// Articles for a question, best first, and the embedding tokens finding them cost.
#[derive(Debug, Default)]
pub struct Found {
    pub hits: Vec<Hit>,
    pub embedding_tokens: u32,
}

impl Retrieval {
    /// Text search only, unless an embeddings provider is configured.
    pub fn from_config(config: &Config) -> Result<Self, LlmError> {
        let Some(base_url) = &config.embeddings_base_url else {
            return Ok(Self { meaning: None });
        };
        let embedder = Embedder::new(&EmbeddingSettings {
            base_url: base_url.clone(),
            // Local servers take any key.
            api_key: config
                .embeddings_api_key
                .clone()
                .unwrap_or_else(|| SecretString::from("none")),
            model: config.embeddings_model.clone(),
            timeout: config.llm_timeout(),
        })?;
        Ok(Self {
            meaning: Some(Meaning {
                embedder,
                price: config.embeddings_price.clone(),
                min_similarity: config.embeddings_min_similarity,
            }),
        })
    }

    /// The embeddings model and what `tokens` of it cost; `None` without embeddings.
    pub fn bill(&self, tokens: u32) -> Option<(&str, Cost)> {
        self.meaning.as_ref().map(|meaning| {
            (
                meaning.embedder.model(),
                meaning.price.cost(u64::from(tokens), 0),
            )
        })
    }

    pub async fn search(
        &self,
        conn: &mut AsyncPgConnection,
        scope: TenantScope,
        query: &str,
        limit: usize,
    ) -> Result<Found, DbError> {
        let wide = i64::try_from(limit * 2).unwrap_or(i64::MAX);
        let mut by_text: Vec<Hit> = knowledge::search(conn, scope, query, wide)
            .await?
            .into_iter()
            .filter(|hit| hit.score >= MIN_TEXT_SCORE)
            .collect();
        let Some(meaning) = &self.meaning else {
            by_text.truncate(limit);
            return Ok(Found {
                hits: by_text,
                embedding_tokens: 0,
            });
        };
        let (by_meaning, embedding_tokens) = match meaning.rank(conn, scope, query).await {
            Ok(ranked) => ranked,
            Err(Unavailable::Database(err)) => return Err(err),
            Err(Unavailable::Provider(err)) => {
                tracing::warn!(error = %err, "embeddings unavailable; knowledge found by text only");
                (Vec::new(), 0)
            }
        };
        let text_ids: Vec<i64> = by_text.iter().map(|hit| hit.article_id).collect();
        let fused = fuse(&text_ids, &by_meaning, limit);
        let missing: Vec<i64> = fused
            .iter()
            .map(|(id, _)| *id)
            .filter(|id| !text_ids.contains(id))
            .collect();
        let mut pool: HashMap<i64, Hit> = by_text
            .into_iter()
            .chain(knowledge::current(conn, scope, &missing).await?)
            .map(|hit| (hit.article_id, hit))
            .collect();
        let hits = fused
            .into_iter()
            .filter_map(|(id, score)| {
                pool.remove(&id).map(|mut hit| {
                    hit.score = score;
                    hit
                })
            })
            .collect();
        Ok(Found {
            hits,
            embedding_tokens,
        })
    }
}

enum Unavailable {
    Provider(LlmError),
    Database(DbError),
}

impl Meaning {
    /// Article ids by similarity to `query`, above the threshold, best first. Articles without
    /// a vector for the current version are embedded in the same request as the question.
    async fn rank(
        &self,
        conn: &mut AsyncPgConnection,
        scope: TenantScope,
        query: &str,
    ) -> Result<(Vec<i64>, u32), Unavailable> {
        let model = self.embedder.model();
        let mut articles = knowledge::vectors(conn, scope, model, MAX_EMBEDDED_CHARS)
            .await
            .map_err(Unavailable::Database)?;
        let mut stale: Vec<&mut ArticleVector> = articles
            .iter_mut()
            .filter(|article| article.embedding.is_none() && article.text.is_some())
            .take(EMBED_BATCH)
            .collect();
        let mut inputs = vec![query.to_owned()];
        inputs.extend(stale.iter_mut().filter_map(|article| article.text.take()));
        let embedded = self
            .embedder
            .embed(&inputs)
            .await
            .map_err(Unavailable::Provider)?;
        let mut vectors = embedded.vectors.into_iter();
        let question = vectors.next().unwrap_or_default();
        for (article, vector) in stale.into_iter().zip(vectors) {
            knowledge::store_embedding(
                conn,
                scope,
                article.article_id,
                article.version,
                model,
                &vector,
            )
            .await
            .map_err(Unavailable::Database)?;
            article.embedding = Some(vector);
        }
        let mut ranked: Vec<(i64, f32)> = articles
            .iter()
            .filter_map(|article| {
                let vector = article.embedding.as_deref()?;
                Some((article.article_id, cosine(&question, vector)))
            })
            .filter(|(_, similarity)| *similarity >= self.min_similarity)
            .collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        Ok((
            ranked.into_iter().map(|(id, _)| id).collect(),
            embedded.prompt_tokens,
        ))
    }
}

/// Reciprocal rank fusion of two rankings of article ids: the best `limit`, with scores.
fn fuse(by_text: &[i64], by_meaning: &[i64], limit: usize) -> Vec<(i64, f32)> {
    let mut scores: Vec<(i64, f32)> = Vec::new();
    for ranking in [by_text, by_meaning] {
        for (rank, id) in ranking.iter().enumerate() {
            let score = 1.0 / (FUSION_K + rank as f32 + 1.0);
            match scores.iter_mut().find(|(known, _)| known == id) {
                Some((_, total)) => *total += score,
                None => scores.push((*id, score)),
            }
        }
    }
    scores.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scores.truncate(limit);
    scores
}

#[cfg(test)]
mod tests {
    use super::fuse;

    #[test]
    fn agreement_ranks_first_and_meaning_alone_still_counts() {
        let fused = fuse(&[1, 2], &[3, 2], 3);
        let ids: Vec<i64> = fused.iter().map(|(id, _)| *id).collect();
        assert_eq!(ids, [2, 1, 3], "found by both beats first by one");
        assert_eq!(
            fuse(&[], &[7], 3).len(),
            1,
            "a hit by meaning alone is kept"
        );
        assert_eq!(fuse(&[1, 2, 3], &[], 2).len(), 2);
    }
}
