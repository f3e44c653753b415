//! Product reviews. An answer is public; WB allows one edit within 60 days. WB does not check
//! the review id on answer (a wrong id also gets 204), so a sent answer is confirmed by reading
//! the review back (`marketplaces.md` §3.10).

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;

use super::envelope::Envelope;
use super::questions::{AnswerText, ProductDetails, empty_or_envelope};
use super::{Family, WbClient};
use crate::marketplaces::error::MarketplaceError;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Feedback {
    pub id: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub pros: String,
    #[serde(default)]
    pub cons: String,
    /// Stars, 1 to 5.
    #[serde(default)]
    pub product_valuation: Option<i64>,
    #[serde(default)]
    pub created_date: Option<DateTime<Utc>>,
    #[serde(default)]
    pub user_name: Option<String>,
    #[serde(default)]
    pub answer: Option<AnswerText>,
    #[serde(default)]
    pub product_details: ProductDetails,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FeedbacksPage {
    #[serde(default)]
    pub feedbacks: Vec<Feedback>,
}

impl WbClient {
    /// Unanswered reviews, oldest first.
    pub async fn unanswered_feedbacks(
        &self,
        skip: u32,
        take: u32,
    ) -> Result<FeedbacksPage, MarketplaceError> {
        self.unanswered("wb GET /api/v1/feedbacks", "/api/v1/feedbacks", skip, take)
            .await
    }

    /// Answers a review (`edit`: replaces the published answer) and reads it back, since WB
    /// answers success even for a review that does not exist.
    pub async fn answer_feedback(
        &self,
        id: &str,
        text: &str,
        edit: bool,
    ) -> Result<(), MarketplaceError> {
        const ENDPOINT: &str = "wb POST /api/v1/feedbacks/answer";
        let call = self.call(Family::Feedbacks, ENDPOINT);
        let body = serde_json::json!({ "id": id, "text": text });
        let method = if edit { Method::PATCH } else { Method::POST };
        let answer = self
            .transport
            .send(&call, || {
                self.request(
                    Family::Feedbacks,
                    method.clone(),
                    "/api/v1/feedbacks/answer",
                )
                .json(&body)
            })
            .await?;
        empty_or_envelope(&answer, ENDPOINT)?;
        let published = self.feedback(id).await?;
        match published.answer {
            Some(answer) if answer.text == text => Ok(()),
            _ => Err(MarketplaceError::Rejected {
                endpoint: ENDPOINT,
                status: 204,
                message: format!("review {id} does not show the answer after sending it"),
            }),
        }
    }

    pub async fn feedback(&self, id: &str) -> Result<Feedback, MarketplaceError> {
        const ENDPOINT: &str = "wb GET /api/v1/feedback";
        let call = self.call(Family::Feedbacks, ENDPOINT);
        let envelope: Envelope<Feedback> = self
            .transport
            .json(&call, || {
                self.request(Family::Feedbacks, Method::GET, "/api/v1/feedback")
                    .query(&[("id", id)])
            })
            .await?;
        envelope.into_data(ENDPOINT)
    }
}
