//! Polling WB: unanswered questions and reviews by page and the waiting ones by id, buyer
//! chats by their event stream (the seller's messages included).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use otklik_db::accounts::Account;
use otklik_db::channels::Channel;
use otklik_db::conversations::NewInbound;
use otklik_db::marketplace_inbox::{self, SellerLine};
use otklik_db::sync;
use otklik_schema::ChannelKind;
use serde_json::{Value, json};

use super::answers::{self, Verdict};
use super::{PollError, record_shopper};
use crate::Context;
use crate::marketplaces::MarketplaceError;
use crate::marketplaces::wb::{
    ChatEvent, Feedback, GoodCard, ProductDetails, Question, SENDER_CLIENT, SENDER_SELLER, WbClient,
};

const PAGE: u32 = 100;
/// WB serves at most `take + skip` = 10 000 of a list.
const LIST_CAP: u32 = 10_000;
/// WB expects a question answered within this long of being asked.
const ANSWER_WINDOW: Duration = Duration::days(10);
/// Event pages one poll reads; the rest waits for the next poll.
const MAX_EVENT_PAGES: usize = 50;
/// Where the chat stream's `next` is kept between polls (`sync_cursors.resource`).
const EVENTS_CURSOR: &str = "chat_events";
/// `state` of a question the seller rejected (hid) in the cabinet.
const REJECTED: &str = "none";

/// The product a question or review is about, for the assistant's lookup.
fn product(details: &ProductDetails) -> Value {
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
    attachments: Value,
    due: Option<DateTime<Utc>>,
}

impl Post {
    fn question(question: &Question) -> Self {
        Self {
            id: question.id.clone(),
            customer: answers::post_customer(ChannelKind::WbQuestions, &question.id),
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
            customer: answers::post_customer(ChannelKind::WbFeedbacks, &feedback.id),
            author: feedback.user_name.clone().unwrap_or_default(),
            body,
            attachments,
            due: None,
        }
    }
}

/// Records every unanswered question or review, page by page, then re-checks the waiting ones
/// by id.
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
            recorded += usize::from(record_shopper(ctx, channel, &message, true).await?);
        }
        skip += PAGE;
        if posts.len() < PAGE as usize || skip + PAGE > LIST_CAP {
            break;
        }
    }
    recheck(ctx, wb, channel, list).await?;
    Ok(recorded)
}

/// Asks WB about the waiting questions or reviews by id, a bounded number per poll.
async fn recheck(
    ctx: &Context,
    wb: &WbClient,
    channel: &Channel,
    list: PublicList,
) -> Result<(), PollError> {
    let due = answers::due(ctx, channel).await?;
    let mut checked = Vec::with_capacity(due.len());
    for waiting in &due {
        let id = &waiting.external_chat_id;
        let answer = match list {
            PublicList::Questions => wb.question(id).await.map(|q| {
                let answer = q.answer.map(|a| a.text).filter(|t| !t.trim().is_empty());
                let rejected = q.state.as_deref() == Some(REJECTED);
                (answer, rejected)
            }),
            PublicList::Feedbacks => wb.feedback(id).await.map(|f| {
                let answer = f.answer.map(|a| a.text).filter(|t| !t.trim().is_empty());
                (answer, false)
            }),
        };
        let verdict = match answer {
            Ok((Some(text), _)) => Verdict::Answered {
                id: format!("{id}:answer"),
                text,
                at: None,
            },
            Ok((None, true)) => Verdict::Closed,
            Ok((None, false)) => Verdict::Waiting,
            // WB no longer knows it (deleted by the shopper or by WB): nothing to answer.
            Err(MarketplaceError::Rejected { status: 422, .. }) => Verdict::Gone,
            Err(err) => return Err(err.into()),
        };
        answers::settle(ctx, channel, waiting, verdict).await?;
        checked.push(waiting.conversation_id);
    }
    answers::checked(ctx, channel, &checked).await
}

/// What a chat's first event says it is about, as attachments.
async fn good_card_attachments(
    ctx: &Context,
    account: &Account,
    card: &GoodCard,
) -> Result<Vec<Value>, PollError> {
    let mut attachments = Vec::new();
    if let Some(nm_id) = &card.nm_id {
        attachments.push(json!({ "kind": "product", "article": nm_id, "size": card.size }));
    }
    if let Some(rid) = card.rid.as_deref().filter(|rid| !rid.is_empty()) {
        let number = {
            let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
            marketplace_inbox::order_by_rid(&mut conn, account.scope(), account.id, rid).await?
        };
        let mut order = json!({ "kind": "order", "rid": rid });
        if let (Some(number), Some(fields)) = (number, order.as_object_mut()) {
            fields.insert("number".into(), json!(number));
        }
        attachments.push(order);
    }
    Ok(attachments)
}

/// What a shopper's chat event carries: the chat's product and order (from its first event, or
/// carried on from the conversation), then the files they attached.
async fn chat_attachments(
    ctx: &Context,
    account: &Account,
    channel: &Channel,
    event: &ChatEvent,
    known: &mut HashMap<String, Vec<Value>>,
) -> Result<Value, PollError> {
    let attached = event.message.as_ref().and_then(|m| m.attachments.as_ref());
    let context = match attached.and_then(|a| a.good_card.as_ref()) {
        Some(card) => good_card_attachments(ctx, account, card).await?,
        None => match known.get(&event.chat_id) {
            Some(context) => context.clone(),
            None => {
                let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
                let stored = marketplace_inbox::context(
                    &mut conn,
                    channel.scope(),
                    channel.id,
                    &event.chat_id,
                )
                .await?;
                stored.as_array().cloned().unwrap_or_default()
            }
        },
    };
    known.insert(event.chat_id.clone(), context.clone());
    let mut attachments = context;
    if let Some(attached) = attached {
        for image in &attached.images {
            attachments.push(json!({ "kind": "image", "url": image.url }));
        }
        for file in &attached.files {
            attachments.push(json!({ "kind": "file", "name": file.name, "url": file.url }));
        }
    }
    Ok(Value::Array(attachments))
}

/// Reads the chat event stream from the saved `next`; saves the new `next` after each page's
/// messages are recorded. The seller's messages (sent here, by another tool or typed in WB's
/// cabinet) come in the stream too: ours are recognised, the others recorded as written
/// elsewhere, and a shopper message the seller answered in the same page schedules no turn.
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
    let mut known = HashMap::new();
    for _ in 0..MAX_EVENT_PAGES {
        let page = wb.chat_events(next).await?;
        // Each chat's last seller message in the page: shopper messages before it are answered.
        let answered_up_to: HashMap<&str, usize> = page
            .events
            .iter()
            .enumerate()
            .filter(|(_, e)| e.sender == SENDER_SELLER)
            .map(|(index, e)| (e.chat_id.as_str(), index))
            .collect();
        let mut held = Vec::new();
        for (index, event) in page.events.iter().enumerate() {
            let text = event
                .message
                .as_ref()
                .and_then(|m| m.text.as_deref())
                .unwrap_or("");
            if event.sender == SENDER_SELLER {
                let echo = event
                    .add_timestamp
                    .map(|at| format!("{}:{at}", event.chat_id));
                let line = SellerLine {
                    channel_id: channel.id,
                    customer_external_id: &event.chat_id,
                    external_id: &event.event_id,
                    body: text,
                    written_at: event
                        .add_timestamp
                        .and_then(DateTime::from_timestamp_millis),
                    echo_of: echo.as_deref(),
                };
                answers::seller_line(ctx, channel.scope(), channel.kind, &line, false).await?;
                continue;
            }
            if event.sender != SENDER_CLIENT {
                continue;
            }
            let attachments = chat_attachments(ctx, account, channel, event, &mut known).await?;
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
            let answered_later = answered_up_to
                .get(event.chat_id.as_str())
                .is_some_and(|&last| last > index);
            recorded += usize::from(record_shopper(ctx, channel, &inbound, !answered_later).await?);
            if answered_later {
                held.push(inbound);
            }
        }
        // A later seller message that turned out to be our own answered nothing new: what is
        // still unanswered gets its turn after all.
        for message in &held {
            record_shopper(ctx, channel, message, true).await?;
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
