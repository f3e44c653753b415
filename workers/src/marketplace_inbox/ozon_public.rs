//! Polling Ozon's product questions and reviews: the unprocessed ones page by page, then the
//! waiting ones by id, to see whether the seller answered them in Ozon's cabinet.

use otklik_db::channels::Channel;
use otklik_db::conversations::NewInbound;
use serde_json::{Value, json};

use super::answers::{self, Verdict};
use super::{PollError, record_shopper};
use crate::Context;
use crate::marketplaces::MarketplaceError;
use crate::marketplaces::ozon::{
    OzonClient, OzonQuestion, OzonReview, UNPROCESSED_QUESTIONS, UNPROCESSED_REVIEWS,
};

/// Pages one list reads per poll (100 items each).
const MAX_PAGES: usize = 100;

fn product(sku: Option<&str>) -> Vec<Value> {
    sku.map(|sku| json!({ "kind": "product", "article": sku }))
        .into_iter()
        .collect()
}

/// Records a question or review as its own conversation.
async fn record_post(
    ctx: &Context,
    channel: &Channel,
    customer: &str,
    author: &str,
    id: &str,
    body: &str,
    attachments: Vec<Value>,
) -> Result<bool, PollError> {
    let message = NewInbound {
        channel_id: channel.id,
        customer_external_id: customer,
        customer_name: author,
        customer_username: None,
        chat_id: id,
        external_id: id,
        body,
        attachments: Value::Array(attachments),
        reply_token: None,
        reply_due_at: None,
    };
    record_shopper(ctx, channel, &message, true).await
}

async fn record_question(
    ctx: &Context,
    channel: &Channel,
    question: &OzonQuestion,
) -> Result<bool, PollError> {
    let author = question.author_name.as_deref().unwrap_or("");
    let customer = answers::post_customer(channel.kind, &question.id);
    let attachments = product(question.sku.as_deref());
    record_post(
        ctx,
        channel,
        &customer,
        author,
        &question.id,
        &question.text,
        attachments,
    )
    .await
}

async fn record_review(
    ctx: &Context,
    channel: &Channel,
    review: &OzonReview,
) -> Result<bool, PollError> {
    let customer = answers::post_customer(channel.kind, &review.id);
    let mut attachments = product(review.sku.as_deref());
    if let Some(stars) = review.rating {
        attachments.push(json!({ "kind": "rating", "stars": stars }));
    }
    record_post(
        ctx,
        channel,
        &customer,
        "",
        &review.id,
        &review.text,
        attachments,
    )
    .await
}

/// Unprocessed questions, then the waiting ones by id.
pub async fn questions(
    ctx: &Context,
    ozon: &OzonClient,
    channel: &Channel,
) -> Result<usize, PollError> {
    let mut recorded = 0;
    let mut last_id = String::new();
    for _ in 0..MAX_PAGES {
        let page = ozon.questions(UNPROCESSED_QUESTIONS, &last_id).await?;
        for question in &page.questions {
            recorded += usize::from(record_question(ctx, channel, question).await?);
        }
        if !page.has_next || page.last_id.is_empty() || page.last_id == last_id {
            break;
        }
        last_id = page.last_id;
    }
    let due = answers::due(ctx, channel).await?;
    let mut checked = Vec::with_capacity(due.len());
    for waiting in &due {
        let id = &waiting.external_chat_id;
        let verdict = match ozon.question(id).await {
            Ok(question) if question.processed() => {
                // Ozon does not say who wrote an answer; the newest is taken as the seller's,
                // who processed the question.
                let sku = question.sku.clone().unwrap_or_default();
                let mut answers = ozon.question_answers(id, &sku).await?;
                match answers.pop() {
                    Some(answer) => Verdict::Answered {
                        id: answer.id,
                        text: answer.text,
                        at: answer.published_at,
                    },
                    None => Verdict::Closed,
                }
            }
            Ok(_) => Verdict::Waiting,
            Err(MarketplaceError::Rejected { status: 404, .. }) => Verdict::Gone,
            Err(err) => return Err(err.into()),
        };
        answers::settle(ctx, channel, waiting, verdict).await?;
        checked.push(waiting.conversation_id);
    }
    answers::checked(ctx, channel, &checked).await?;
    Ok(recorded)
}

/// New and viewed reviews, then the waiting ones by id.
pub async fn reviews(
    ctx: &Context,
    ozon: &OzonClient,
    channel: &Channel,
) -> Result<usize, PollError> {
    let mut recorded = 0;
    for status in UNPROCESSED_REVIEWS {
        let mut last_id = String::new();
        for _ in 0..MAX_PAGES {
            let page = ozon.reviews(status, &last_id).await?;
            for review in &page.reviews {
                recorded += usize::from(record_review(ctx, channel, review).await?);
            }
            if !page.has_next || page.last_id.is_empty() || page.last_id == last_id {
                break;
            }
            last_id = page.last_id;
        }
    }
    let due = answers::due(ctx, channel).await?;
    let mut checked = Vec::with_capacity(due.len());
    for waiting in &due {
        let id = &waiting.external_chat_id;
        let verdict = match ozon.review(id).await {
            Ok(review) if review.processed() => {
                let comments = ozon.review_comments(id).await?;
                match comments.into_iter().rfind(|c| c.is_owner) {
                    Some(comment) => Verdict::Answered {
                        id: comment.id,
                        text: comment.text,
                        at: comment.published_at,
                    },
                    None => Verdict::Closed,
                }
            }
            Ok(_) => Verdict::Waiting,
            Err(MarketplaceError::Rejected { status: 404, .. }) => Verdict::Gone,
            Err(err) => return Err(err.into()),
        };
        answers::settle(ctx, channel, waiting, verdict).await?;
        checked.push(waiting.conversation_id);
    }
    answers::checked(ctx, channel, &checked).await?;
    Ok(recorded)
}
