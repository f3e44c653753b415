//! Polling WB: unanswered questions and reviews by page, buyer chats by their event stream.

use chrono::{DateTime, Duration, Utc};
use otklik_db::accounts::Account;
use otklik_db::channels::Channel;
use otklik_db::conversations::NewInbound;
use otklik_db::sync;
use serde_json::json;

use super::PollError;
use crate::Context;
use crate::inbound::record;
use crate::marketplaces::wb::{Feedback, ProductDetails, Question, SENDER_CLIENT, WbClient};

const PAGE: u32 = 100;
/// WB serves at most `take + skip` = 10 000 of a list.
const LIST_CAP: u32 = 10_000;
/// WB expects a question answered within this long of being asked.
const ANSWER_WINDOW: Duration = Duration::days(10);
/// Event pages one poll reads; the rest waits for the next poll.
const MAX_EVENT_PAGES: usize = 50;
/// Where the chat stream's `next` is kept between polls (`sync_cursors.resource`).
const EVENTS_CURSOR: &str = "chat_events";

/// The product a question or review is about, for the assistant's lookup.
fn product(details: &ProductDetails) -> serde_json::Value {
    json!([{
        "kind": "product",
        "article": details.nm_id,
        "name": details.product_name,
        "vendor_code": details.supplier_article,
    }])
}

/// The two public lists: each question or review is its own conversation.
#[derive(Debug, Clone, Copy)]
pub enum PublicList {
    Questions,
    Feedbacks,
}

/// A question or review as the inbox records it.
struct Post {
    id: String,
    /// `question:{id}` or `feedback:{id}`: no shopper identity comes with them.
    customer: String,
    author: String,
    body: String,
    attachments: serde_json::Value,
    due: Option<DateTime<Utc>>,
}

impl Post {
    fn question(question: &Question) -> Self {
        Self {
            id: question.id.clone(),
            customer: format!("question:{}", question.id),
            author: String::new(),
            body: question.text.clone(),
            attachments: product(&question.product_details),
            due: question.created_date.map(|at| at + ANSWER_WINDOW),
        }
    }

    fn feedback(feedback: &Feedback) -> Self {
        let body = [
            (None, feedback.text.as_str()),
            (Some("Достоинства"), feedback.pros.as_str()),
            (Some("Недостатки"), feedback.cons.as_str()),
        ]
        .into_iter()
        .filter(|(_, text)| !text.trim().is_empty())
        .map(|(label, text)| match label {
            Some(label) => format!("{label}: {}", text.trim()),
            None => text.trim().to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n");
        let mut attachments = product(&feedback.product_details);
        if let (Some(stars), Some(list)) = (feedback.product_valuation, attachments.as_array_mut())
        {
            list.push(json!({ "kind": "rating", "stars": stars }));
        }
        Self {
            id: feedback.id.clone(),
            customer: format!("feedback:{}", feedback.id),
            author: feedback.user_name.clone().unwrap_or_default(),
            body,
            attachments,
            due: None,
        }
    }
}

/// Records every unanswered question or review, page by page.
pub async fn public(
    ctx: &Context,
    wb: &WbClient,
    channel: &Channel,
    list: PublicList,
) -> Result<usize, PollError> {
    let mut recorded = 0;
    let mut skip = 0;
    loop {
        let posts: Vec<Post> = match list {
            PublicList::Questions => (wb.unanswered_questions(skip, PAGE).await?.questions.iter())
                .map(Post::question)
                .collect(),
            PublicList::Feedbacks => (wb.unanswered_feedbacks(skip, PAGE).await?.feedbacks.iter())
                .map(Post::feedback)
                .collect(),
        };
        for post in &posts {
            let message = NewInbound {
                channel_id: channel.id,
                customer_external_id: &post.customer,
                customer_name: &post.author,
                customer_username: None,
                chat_id: &post.id,
                external_id: &post.id,
                body: &post.body,
                attachments: post.attachments.clone(),
                reply_token: None,
                reply_due_at: post.due,
            };
            recorded += usize::from(record(ctx, channel, &message).await?);
        }
        skip += PAGE;
        if posts.len() < PAGE as usize || skip + PAGE > LIST_CAP {
            return Ok(recorded);
        }
    }
}

/// Reads the chat event stream from the saved `next`; saves the new `next` after each page's
/// messages are recorded.
pub async fn chat(
    ctx: &Context,
    wb: &WbClient,
    account: &Account,
    channel: &Channel,
) -> Result<usize, PollError> {
    let scope = channel.scope();
    let mut next = {
        let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
        sync::cursor(&mut conn, scope, account.id, EVENTS_CURSOR)
            .await?
            .and_then(|cursor| cursor.as_i64())
    };
    let mut recorded = 0;
    for _ in 0..MAX_EVENT_PAGES {
        let page = wb.chat_events(next).await?;
        for event in page.events.iter().filter(|e| e.sender == SENDER_CLIENT) {
            let message = event.message.as_ref();
            let text = message.and_then(|m| m.text.as_deref()).unwrap_or("");
            let attachments = message.and_then(|m| m.attachments.clone()).map_or_else(
                || json!([]),
                |a| json!([{ "kind": "wb_chat", "content": a }]),
            );
            let inbound = NewInbound {
                channel_id: channel.id,
                customer_external_id: &event.chat_id,
                customer_name: event.client_name.as_deref().unwrap_or(""),
                customer_username: None,
                chat_id: &event.chat_id,
                external_id: &event.event_id,
                body: text,
                attachments,
                reply_token: event.reply_sign.as_deref(),
                reply_due_at: None,
            };
            recorded += usize::from(record(ctx, channel, &inbound).await?);
        }
        // An empty page echoes the request's `next`, or 0 (which WB refuses as a cursor).
        let advanced = page.next.filter(|n| *n > 0 && Some(*n) != next);
        if let Some(new_next) = advanced {
            let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
            sync::set_cursor(
                &mut conn,
                scope,
                account.id,
                EVENTS_CURSOR,
                &json!(new_next),
            )
            .await?;
            next = Some(new_next);
        }
        if page.total_events == 0 || page.events.is_empty() || advanced.is_none() {
            break;
        }
    }
    Ok(recorded)
}
