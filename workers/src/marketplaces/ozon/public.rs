//! Product questions (the seller's Premium Plus or Pro) and reviews («Управление отзывами» or
//! Premium Pro): the unprocessed ones page by page, one by id to see whether the seller dealt
//! with it elsewhere, and answering (`marketplaces.md` §9.8). Without the subscription Ozon
//! answers 403 `not available with existing subscription`.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::OzonClient;
use crate::marketplaces::error::MarketplaceError;
use crate::marketplaces::wire::{id_string, opt_id_string};

/// Questions a page (Ozon's maximum).
const QUESTIONS_PAGE: u32 = 100;
/// Reviews a page (Ozon takes 20..100).
const REVIEWS_PAGE: u32 = 100;
/// Comments read of one review (Ozon's maximum a page; a review has a few).
const COMMENTS_PAGE: u32 = 100;

/// `status` of a question or review the seller dealt with.
const PROCESSED: &str = "processed";

#[derive(Debug, Clone, Deserialize)]
pub struct OzonQuestion {
    pub id: String,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub sku: Option<String>,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub author_name: Option<String>,
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    /// `NEW`, `VIEWED`, `PROCESSED`; kept raw.
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub answers_count: Option<i64>,
}

impl OzonQuestion {
    pub fn processed(&self) -> bool {
        self.status.eq_ignore_ascii_case(PROCESSED)
    }
}

#[derive(Debug, Deserialize)]
pub struct QuestionsPage {
    #[serde(default)]
    pub questions: Vec<OzonQuestion>,
    #[serde(default)]
    pub last_id: String,
    #[serde(default)]
    pub has_next: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct QuestionAnswer {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(default)]
    pub text: String,
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
struct Answers {
    #[serde(default)]
    answers: Vec<QuestionAnswer>,
}

#[derive(Debug, Deserialize)]
struct AnswerId {
    #[serde(deserialize_with = "id_string")]
    answer_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OzonReview {
    pub id: String,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub sku: Option<String>,
    #[serde(default)]
    pub text: String,
    /// Stars, 1 to 5.
    #[serde(default)]
    pub rating: Option<i64>,
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub photos_amount: Option<i64>,
}

impl OzonReview {
    pub fn processed(&self) -> bool {
        self.status.eq_ignore_ascii_case(PROCESSED)
    }
}

#[derive(Debug, Deserialize)]
pub struct ReviewsPage {
    #[serde(default)]
    pub reviews: Vec<OzonReview>,
    #[serde(default)]
    pub last_id: String,
    #[serde(default)]
    pub has_next: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReviewComment {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(default)]
    pub text: String,
    /// Written by the seller (otherwise another shopper).
    #[serde(default)]
    pub is_owner: bool,
    #[serde(default)]
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Deserialize)]
struct Comments {
    #[serde(default)]
    comments: Vec<ReviewComment>,
}

#[derive(Debug, Deserialize)]
struct CommentId {
    #[serde(deserialize_with = "id_string")]
    comment_id: String,
}

/// The statuses of what still waits for the seller, as the lists are asked for them: questions
/// have `UNPROCESSED`; reviews (v2) only `NEW` and `VIEWED`, one at a time.
pub const UNPROCESSED_QUESTIONS: &str = "UNPROCESSED";
pub const UNPROCESSED_REVIEWS: [&str; 2] = ["NEW", "VIEWED"];

impl OzonClient {
    /// A page of questions in `status`, oldest first, after `last_id` (`""` from the start).
    pub async fn questions(
        &self,
        status: &str,
        last_id: &str,
    ) -> Result<QuestionsPage, MarketplaceError> {
        let body = serde_json::json!({
            "filter": { "status": status },
            "last_id": last_id,
            "limit": QUESTIONS_PAGE,
            "sort_dir": "ASC",
        });
        self.json("ozon POST /v1/question/list", "/v1/question/list", body)
            .await
    }

    pub async fn question(&self, id: &str) -> Result<OzonQuestion, MarketplaceError> {
        let body = serde_json::json!({ "question_id": id });
        self.json("ozon POST /v1/question/info", "/v1/question/info", body)
            .await
    }

    /// Every answer under the question, the seller's and other shoppers', oldest first.
    pub async fn question_answers(
        &self,
        id: &str,
        sku: &str,
    ) -> Result<Vec<QuestionAnswer>, MarketplaceError> {
        let body = serde_json::json!({ "question_id": id, "sku": sku_number(sku), "last_id": "" });
        let answers: Answers = self
            .json(
                "ozon POST /v1/question/answer/list",
                "/v1/question/answer/list",
                body,
            )
            .await?;
        Ok(answers.answers)
    }

    /// Publishes an answer (2..3000 characters); returns its id.
    pub async fn answer_question(
        &self,
        id: &str,
        sku: &str,
        text: &str,
    ) -> Result<String, MarketplaceError> {
        let body = serde_json::json!({ "question_id": id, "sku": sku_number(sku), "text": text });
        let created: AnswerId = self
            .json(
                "ozon POST /v1/question/answer/create",
                "/v1/question/answer/create",
                body,
            )
            .await?;
        Ok(created.answer_id)
    }

    /// A page of reviews in `status` (`NEW` or `VIEWED`), oldest first, after `last_id`.
    pub async fn reviews(
        &self,
        status: &str,
        last_id: &str,
    ) -> Result<ReviewsPage, MarketplaceError> {
        let body = serde_json::json!({
            "filters": { "status": status, "order_status": "ALL" },
            "last_id": last_id,
            "limit": REVIEWS_PAGE,
            "sort_dir": "ASC",
        });
        self.json("ozon POST /v2/review/list", "/v2/review/list", body)
            .await
    }

    pub async fn review(&self, id: &str) -> Result<OzonReview, MarketplaceError> {
        let body = serde_json::json!({ "review_id": id });
        self.json("ozon POST /v2/review/info", "/v2/review/info", body)
            .await
    }

    /// The review's published comments, oldest first.
    pub async fn review_comments(&self, id: &str) -> Result<Vec<ReviewComment>, MarketplaceError> {
        let body =
            serde_json::json!({ "review_id": id, "limit": COMMENTS_PAGE, "sort_dir": "ASC" });
        let comments: Comments = self
            .json(
                "ozon POST /v1/review/comment/list",
                "/v1/review/comment/list",
                body,
            )
            .await?;
        Ok(comments.comments)
    }

    /// Comments on a review as the seller and marks it processed; returns the comment's id.
    pub async fn comment_review(&self, id: &str, text: &str) -> Result<String, MarketplaceError> {
        let body = serde_json::json!({
            "review_id": id, "text": text, "mark_review_as_processed": true,
        });
        let created: CommentId = self
            .json(
                "ozon POST /v1/review/comment/create",
                "/v1/review/comment/create",
                body,
            )
            .await?;
        Ok(created.comment_id)
    }
}

/// Ozon takes an SKU as a number; one that is not is sent as it is (and refused there).
fn sku_number(sku: &str) -> serde_json::Value {
    sku.trim()
        .parse::<u64>()
        .map_or_else(|_| serde_json::json!(sku), |n| serde_json::json!(n))
}
