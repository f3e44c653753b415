//! Product questions: shoppers ask on the product page, the seller's answer is public. The
//! first answer publishes; WB allows one edit within 60 days (`marketplaces.md` §3.9).

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;

use super::envelope::Envelope;
use super::{Family, WbClient};
use crate::marketplaces::error::MarketplaceError;
use crate::marketplaces::wire::opt_id_string;

/// The product a question or feedback is about.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ProductDetails {
    #[serde(default, deserialize_with = "opt_id_string")]
    pub nm_id: Option<String>,
    #[serde(default)]
    pub product_name: Option<String>,
    #[serde(default)]
    pub supplier_article: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Question {
    pub id: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub created_date: Option<DateTime<Utc>>,
    /// `suppliersPortalSynch` new, `wbRu` answered, `none` rejected; kept raw.
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub answer: Option<AnswerText>,
    #[serde(default)]
    pub product_details: ProductDetails,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AnswerText {
    #[serde(default)]
    pub text: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QuestionsPage {
    #[serde(default)]
    pub questions: Vec<Question>,
}

impl WbClient {
    /// Unanswered questions, oldest first, `take` after `skip` (WB caps `take + skip` at 10 000).
    pub async fn unanswered_questions(
        &self,
        skip: u32,
        take: u32,
    ) -> Result<QuestionsPage, MarketplaceError> {
        self.unanswered("wb GET /api/v1/questions", "/api/v1/questions", skip, take)
            .await
    }

    /// A page of unanswered questions or reviews: both lists page the same way.
    pub(super) async fn unanswered<T: DeserializeOwned>(
        &self,
        endpoint: &'static str,
        path: &'static str,
        skip: u32,
        take: u32,
    ) -> Result<T, MarketplaceError> {
        let call = self.call(Family::Feedbacks, endpoint);
        let envelope: Envelope<T> = self
            .transport
            .json(&call, || {
                self.request(Family::Feedbacks, Method::GET, path).query(&[
                    ("isAnswered", "false".to_owned()),
                    ("take", take.to_string()),
                    ("skip", skip.to_string()),
                    ("order", "dateAsc".to_owned()),
                ])
            })
            .await?;
        envelope.into_data(endpoint)
    }

    /// Publishes an answer, or replaces the published one (WB allows that once).
    pub async fn answer_question(&self, id: &str, text: &str) -> Result<(), MarketplaceError> {
        const ENDPOINT: &str = "wb PATCH /api/v1/questions";
        let call = self.call(Family::Feedbacks, ENDPOINT);
        let body = serde_json::json!({ "id": id, "answer": { "text": text }, "state": "wbRu" });
        let answer = self
            .transport
            .send(&call, || {
                self.request(Family::Feedbacks, Method::PATCH, "/api/v1/questions")
                    .json(&body)
            })
            .await?;
        empty_or_envelope(&answer, ENDPOINT)
    }

    pub async fn question(&self, id: &str) -> Result<Question, MarketplaceError> {
        const ENDPOINT: &str = "wb GET /api/v1/question";
        let call = self.call(Family::Feedbacks, ENDPOINT);
        let envelope: Envelope<Question> = self
            .transport
            .json(&call, || {
                self.request(Family::Feedbacks, Method::GET, "/api/v1/question")
                    .query(&[("id", id)])
            })
            .await?;
        envelope.into_data(ENDPOINT)
    }
}

/// A write's answer: nothing (204), or an envelope that may still report an error.
pub(super) fn empty_or_envelope(
    body: &[u8],
    endpoint: &'static str,
) -> Result<(), MarketplaceError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(());
    }
    serde_json::from_slice::<Envelope<serde_json::Value>>(body)
        .map_err(|err| MarketplaceError::Malformed {
            endpoint,
            detail: err.to_string(),
        })?
        .into_result(endpoint)
}
