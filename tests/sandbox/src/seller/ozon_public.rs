//! Ozon product questions and reviews: generated with the catalogue (older ones mostly
//! processed by the seller), added by tests while the sandbox runs, and answered through the
//! API or — as a seller does in Ozon's own cabinet — behind the API's back.

use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::rngs::StdRng;

use super::phrases::{FEEDBACK_ANSWERS, name, seller_answer, stars};
use super::{Seller, SellerData, popular};
use crate::voices;

/// `status` of a question or review nobody looked at, looked at, or answered.
pub(crate) const NEW: &str = "NEW";
pub(crate) const VIEWED: &str = "VIEWED";
pub(crate) const PROCESSED: &str = "PROCESSED";

/// The seller's name on answers.
const SELLER_NAME: &str = "Продавец";

/// A UUID whose first 48 bits are the time in milliseconds (version 7), as Ozon's question and
/// review ids are: they sort in time order.
fn uuid7(rng: &mut StdRng, at: DateTime<Utc>) -> String {
    let ms = u64::try_from(at.timestamp_millis()).unwrap_or(0) & 0xFFFF_FFFF_FFFF;
    let random: u128 = rng.random();
    let variant = 0x8000 | ((random >> 64) as u16 & 0x3FFF);
    format!(
        "{:08x}-{:04x}-7{:03x}-{:04x}-{:012x}",
        ms >> 16,
        ms & 0xFFFF,
        (random >> 100) as u16 & 0x0FFF,
        variant,
        random as u64 & 0xFFFF_FFFF_FFFF
    )
}

/// An answer under a question, or a comment under a review.
pub(crate) struct Reply {
    pub(crate) id: String,
    pub(crate) text: String,
    pub(crate) author_name: String,
    pub(crate) at: DateTime<Utc>,
    /// Written by the seller (through the API or in the cabinet); otherwise another shopper.
    pub(crate) by_seller: bool,
}

pub(crate) struct OzonQuestion {
    pub(crate) id: String,
    pub(crate) sku: u64,
    pub(crate) text: String,
    pub(crate) author_name: String,
    pub(crate) published_at: DateTime<Utc>,
    pub(crate) status: &'static str,
    pub(crate) answers: Vec<Reply>,
}

pub(crate) struct OzonReview {
    pub(crate) id: String,
    pub(crate) sku: u64,
    pub(crate) text: String,
    pub(crate) rating: u8,
    pub(crate) published_at: DateTime<Utc>,
    pub(crate) status: &'static str,
    /// `DELIVERED` or `CANCELLED`.
    pub(crate) order_status: &'static str,
    pub(crate) photos: u32,
    pub(crate) comments: Vec<Reply>,
}

/// An Ozon question as tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxOzonQuestion {
    pub id: String,
    pub sku: i64,
    pub text: String,
    /// `NEW`, `VIEWED` or `PROCESSED`.
    pub status: String,
    /// The seller's answers, oldest first.
    pub answers: Vec<String>,
}

/// An Ozon review as tests see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxOzonReview {
    pub id: String,
    pub sku: i64,
    pub text: String,
    pub rating: u8,
    pub status: String,
    /// The seller's comments, oldest first.
    pub comments: Vec<String>,
}

/// What writing an answer or comment did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answered {
    /// The new answer's or comment's id.
    Done(String),
    Unknown,
    /// An answer's `sku` is not the question's.
    WrongSku,
}

impl SellerData {
    fn sku(&self, product: usize) -> u64 {
        self.products
            .get(product)
            .and_then(|product| product.ozon.as_ref())
            .map_or(0, |item| item.sku)
    }

    pub(super) fn generate_ozon_question(
        &mut self,
        listed: &[usize],
        now: DateTime<Utc>,
        history: i64,
    ) {
        let Some(product) = popular(&mut self.rng, listed) else {
            return;
        };
        let sku = self.sku(product);
        let (kind, subject) = self.kind_of(product);
        let Some(voice) = self.fresh_question(&voices::card_questions(kind, subject)) else {
            return;
        };
        let rng = &mut self.rng;
        let age = rng.random_range(0..history);
        let published_at =
            now - Duration::seconds(age) - Duration::milliseconds(rng.random_range(0..1000));
        let processed = rng.random_bool(if age > 2 * 86_400 { 0.85 } else { 0.3 });
        let mut answers = Vec::new();
        if rng.random_bool(0.1) {
            let at = (published_at + Duration::hours(rng.random_range(1..48))).min(now);
            answers.push(Reply {
                id: uuid7(rng, at),
                text: "Брала такой же, мне всё подошло.".to_owned(),
                author_name: name(rng).to_owned(),
                at,
                by_seller: false,
            });
        }
        if processed {
            let at = (published_at + Duration::seconds(rng.random_range(600..86_400))).min(now);
            answers.push(Reply {
                id: uuid7(rng, at),
                text: seller_answer(voice.asks).to_owned(),
                author_name: SELLER_NAME.to_owned(),
                at,
                by_seller: true,
            });
        }
        let question = OzonQuestion {
            id: uuid7(rng, published_at),
            sku,
            text: voice.text.clone(),
            author_name: if rng.random_bool(0.5) {
                "Пользователь OZON".to_owned()
            } else {
                name(rng).to_owned()
            },
            published_at,
            status: if processed {
                PROCESSED
            } else if rng.random_bool(0.3) {
                VIEWED
            } else {
                NEW
            },
            answers,
        };
        self.shoppers.ozon_questions.push(question);
    }

    pub(super) fn generate_ozon_review(
        &mut self,
        listed: &[usize],
        now: DateTime<Utc>,
        history: i64,
    ) {
        let Some(product) = popular(&mut self.rng, listed) else {
            return;
        };
        let sku = self.sku(product);
        let (kind, subject) = self.kind_of(product);
        let rating = stars(&mut self.rng);
        let Some(voice) = self.fresh_review(&voices::reviews_for(rating, kind, subject)) else {
            return;
        };
        let rng = &mut self.rng;
        let age = rng.random_range(0..history);
        let published_at =
            now - Duration::seconds(age) - Duration::milliseconds(rng.random_range(0..1000));
        let processed = rng.random_bool(if age > 3 * 86_400 { 0.8 } else { 0.2 });
        let mut comments = Vec::new();
        if processed {
            let at = (published_at + Duration::seconds(rng.random_range(600..86_400))).min(now);
            comments.push(Reply {
                id: uuid7(rng, at),
                text: FEEDBACK_ANSWERS[usize::from(rating >= 4)].to_owned(),
                author_name: SELLER_NAME.to_owned(),
                at,
                by_seller: true,
            });
        }
        // Ozon reviews have no pros and cons; shoppers who fill them on WB write them in.
        let text = match (voice.pros.is_empty(), voice.cons.is_empty()) {
            (true, true) => voice.text.clone(),
            _ if rng.random_bool(0.5) => voice.text.clone(),
            _ => [
                voice.text.clone(),
                format!("Достоинства: {}", voice.pros),
                format!("Недостатки: {}", voice.cons),
            ]
            .into_iter()
            .filter(|line| !line.ends_with(": "))
            .collect::<Vec<_>>()
            .join("\n"),
        };
        let review = OzonReview {
            id: uuid7(rng, published_at),
            sku,
            text,
            rating,
            published_at,
            status: if processed {
                PROCESSED
            } else if rng.random_bool(0.3) {
                VIEWED
            } else {
                NEW
            },
            order_status: if rng.random_bool(0.97) {
                "DELIVERED"
            } else {
                "CANCELLED"
            },
            photos: if rng.random_bool(0.25) {
                rng.random_range(1..5)
            } else {
                0
            },
            comments,
        };
        self.shoppers.ozon_reviews.push(review);
    }

    /// A new question on `sku`, asked now; returns its id.
    pub(crate) fn add_ozon_question(
        &mut self,
        id: Option<&str>,
        sku: u64,
        text: &str,
        at: DateTime<Utc>,
    ) -> String {
        let id = id.map_or_else(|| uuid7(&mut self.rng, at), str::to_owned);
        let author = name(&mut self.rng).to_owned();
        self.shoppers.ozon_questions.push(OzonQuestion {
            id: id.clone(),
            sku,
            text: text.to_owned(),
            author_name: author,
            published_at: at,
            status: NEW,
            answers: Vec::new(),
        });
        id
    }

    /// A new review of `sku`, left now; returns its id.
    pub(crate) fn add_ozon_review(
        &mut self,
        id: Option<&str>,
        sku: u64,
        text: &str,
        rating: u8,
        at: DateTime<Utc>,
    ) -> String {
        let id = id.map_or_else(|| uuid7(&mut self.rng, at), str::to_owned);
        self.shoppers.ozon_reviews.push(OzonReview {
            id: id.clone(),
            sku,
            text: text.to_owned(),
            rating: rating.clamp(1, 5),
            published_at: at,
            status: NEW,
            order_status: "DELIVERED",
            photos: 0,
            comments: Vec::new(),
        });
        id
    }

    /// The seller answers a question (through the API, or in the cabinet): the answer is
    /// published and the question processed.
    pub(crate) fn answer_ozon_question(
        &mut self,
        id: &str,
        sku: Option<u64>,
        text: &str,
        now: DateTime<Utc>,
    ) -> Answered {
        let answer_id = uuid7(&mut self.rng, now);
        let Some(question) = self.shoppers.ozon_questions.iter_mut().find(|q| q.id == id) else {
            return Answered::Unknown;
        };
        if sku.is_some_and(|sku| sku != question.sku) {
            return Answered::WrongSku;
        }
        question.answers.push(Reply {
            id: answer_id.clone(),
            text: text.to_owned(),
            author_name: SELLER_NAME.to_owned(),
            at: now,
            by_seller: true,
        });
        question.status = PROCESSED;
        Answered::Done(answer_id)
    }

    /// The seller comments on a review; `processed` also marks it processed.
    pub(crate) fn comment_ozon_review(
        &mut self,
        id: &str,
        text: &str,
        processed: bool,
        now: DateTime<Utc>,
    ) -> Answered {
        let comment_id = uuid7(&mut self.rng, now);
        let Some(review) = self.shoppers.ozon_reviews.iter_mut().find(|r| r.id == id) else {
            return Answered::Unknown;
        };
        review.comments.push(Reply {
            id: comment_id.clone(),
            text: text.to_owned(),
            author_name: SELLER_NAME.to_owned(),
            at: now,
            by_seller: true,
        });
        if processed {
            review.status = PROCESSED;
        }
        Answered::Done(comment_id)
    }

    pub(crate) fn ozon_question_index(&self, id: &str) -> Option<usize> {
        self.shoppers.ozon_questions.iter().position(|q| q.id == id)
    }

    pub(crate) fn ozon_review_index(&self, id: &str) -> Option<usize> {
        self.shoppers.ozon_reviews.iter().position(|r| r.id == id)
    }
}

impl Seller {
    pub(crate) fn ask_ozon_question(&self, sku: u64, text: &str) -> String {
        self.write().add_ozon_question(None, sku, text, Utc::now())
    }

    pub(crate) fn leave_ozon_review(&self, sku: u64, text: &str, rating: u8) -> String {
        self.write()
            .add_ozon_review(None, sku, text, rating, Utc::now())
    }

    pub(crate) fn ozon_questions(&self) -> Vec<SandboxOzonQuestion> {
        let data = self.read();
        data.shoppers
            .ozon_questions
            .iter()
            .map(|q| SandboxOzonQuestion {
                id: q.id.clone(),
                sku: i64::try_from(q.sku).unwrap_or(i64::MAX),
                text: q.text.clone(),
                status: q.status.to_owned(),
                answers: q
                    .answers
                    .iter()
                    .filter(|a| a.by_seller)
                    .map(|a| a.text.clone())
                    .collect(),
            })
            .collect()
    }

    pub(crate) fn ozon_reviews(&self) -> Vec<SandboxOzonReview> {
        let data = self.read();
        data.shoppers
            .ozon_reviews
            .iter()
            .map(|r| SandboxOzonReview {
                id: r.id.clone(),
                sku: i64::try_from(r.sku).unwrap_or(i64::MAX),
                text: r.text.clone(),
                rating: r.rating,
                status: r.status.to_owned(),
                comments: r
                    .comments
                    .iter()
                    .filter(|c| c.by_seller)
                    .map(|c| c.text.clone())
                    .collect(),
            })
            .collect()
    }
}
