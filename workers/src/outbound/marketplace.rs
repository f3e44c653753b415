//! Publishing answers on the marketplaces: WB questions and reviews (public, one edit
//! allowed), WB buyer chats (with the chat's reply signature), Ozon chats (Premium Plus or
//! Pro only), Ozon questions (Premium Plus or Pro) and reviews («Управление отзывами» or
//! Premium Pro). Every text passes the marketplaces' rules first, whoever wrote it. A question
//! or review is read before its first answer goes out: one the seller already answered in the
//! marketplace's cabinet gets no second answer from us — ours is withdrawn and theirs recorded.

use apalis::prelude::BoxDynError;
use otklik_db::marketplace_inbox::SellerLine;
use otklik_db::messages::{Delivery, Outcome};
use otklik_db::{TenantScope, accounts};
use otklik_schema::{ChannelKind, Marketplace, WithdrawReason};

use super::{backoff, finish, reschedule};
use crate::Context;
use crate::assistant::guardrails;
use crate::inbox::{post_customer, seller_line};
use crate::marketplaces::{Client, MarketplaceError};

/// Sends after which WB refuses a question's or review's answer: the answer and one edit.
const WB_WRITES: i64 = 2;

pub async fn send(
    ctx: &Context,
    scope: TenantScope,
    delivery: &Delivery,
) -> Result<(), BoxDynError> {
    if let Some(breach) = guardrails::marketplace_breach(&delivery.body) {
        let reason = format!("not published: {breach}, which the marketplace forbids");
        return finish(
            ctx,
            scope,
            delivery,
            Outcome::Undeliverable { reason: &reason },
        )
        .await;
    }
    let account = match delivery.account_id {
        Some(id) => {
            let mut conn = ctx.db.get().await?;
            accounts::get(&mut conn, scope, id).await?
        }
        None => None,
    };
    let Some(account) = account else {
        let reason = "the channel's marketplace account is gone";
        return finish(ctx, scope, delivery, Outcome::Failed { reason }).await;
    };
    let sent = match ctx.syncer.marketplaces.client(&account) {
        Ok(client) => publish(&client, delivery).await,
        Err(err) => Err(err),
    };
    match sent {
        Ok(Published::Sent(external_id)) => {
            finish(
                ctx,
                scope,
                delivery,
                Outcome::Sent {
                    external_id: &external_id,
                },
            )
            .await
        }
        Ok(Published::Refused(reason)) => {
            finish(
                ctx,
                scope,
                delivery,
                Outcome::Undeliverable { reason: &reason },
            )
            .await
        }
        Ok(Published::AnsweredElsewhere(answer)) => {
            withdraw(ctx, scope, delivery, answer.as_ref()).await
        }
        Err(err @ (MarketplaceError::Exhausted { .. } | MarketplaceError::Limiter(_))) => {
            tracing::warn!(message.id = %delivery.id, error = %err, "marketplace unreachable; will retry");
            let reason = err.to_string();
            reschedule(ctx, scope, delivery, backoff(delivery.attempts), &reason).await
        }
        Err(err) => {
            tracing::warn!(message.id = %delivery.id, error = %err, "marketplace refused an answer");
            let reason = match (&err, delivery.channel_kind) {
                (MarketplaceError::Unauthorized { .. }, ChannelKind::OzonChat) => format!(
                    "{err} (answering Ozon chats needs the seller's Premium Plus or Premium Pro)"
                ),
                (MarketplaceError::Unauthorized { .. }, ChannelKind::OzonQuestions) => format!(
                    "{err} (answering Ozon questions needs the seller's Premium Plus or Premium Pro)"
                ),
                (MarketplaceError::Unauthorized { .. }, ChannelKind::OzonReviews) => format!(
                    "{err} (answering Ozon reviews needs the seller's «Управление отзывами» or Premium Pro)"
                ),
                _ => err.to_string(),
            };
            let outcome = if err.needs_seller() {
                Outcome::Undeliverable { reason: &reason }
            } else {
                Outcome::Failed { reason: &reason }
            };
            finish(ctx, scope, delivery, outcome).await
        }
    }
}

enum Published {
    /// The marketplace took it; its id for the answer, where it gives one.
    Sent(String),
    /// Not sent, and sending again cannot help.
    Refused(String),
    /// Not sent: the seller had already answered (their answer, when the marketplace shows
    /// it) or closed it in the marketplace's cabinet.
    AnsweredElsewhere(Option<Answer>),
}

/// The seller's answer as the marketplace shows it.
struct Answer {
    id: String,
    text: String,
    at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Withdraws our answer, records the seller's (which closes the question or review), and tells
/// operators.
async fn withdraw(
    ctx: &Context,
    scope: TenantScope,
    delivery: &Delivery,
    answer: Option<&Answer>,
) -> Result<(), BoxDynError> {
    let marketplace = delivery
        .channel_kind
        .marketplace()
        .unwrap_or(Marketplace::Wb);
    let why = match answer {
        Some(_) => WithdrawReason::AnsweredAtMarketplace,
        None => WithdrawReason::ClosedAtMarketplace,
    };
    let reason = why.text(marketplace);
    finish(ctx, scope, delivery, Outcome::Withdrawn { reason: &reason }).await?;
    let customer = post_customer(delivery.channel_kind, &delivery.chat_id);
    match answer {
        Some(answer) => {
            let line = SellerLine {
                channel_id: delivery.channel_id,
                customer_external_id: &customer,
                external_id: &answer.id,
                body: &answer.text,
                written_at: answer.at,
                echo_of: None,
            };
            seller_line(ctx, scope, delivery.channel_kind, &line, true).await?;
        }
        None => {
            let mut conn = ctx.db.get().await?;
            otklik_db::marketplace_inbox::closed_at_marketplace(
                &mut conn,
                scope,
                delivery.channel_id,
                &customer,
                why,
                &reason,
            )
            .await?;
        }
    }
    tracing::info!(message.id = %delivery.id, "answer withdrawn: the seller answered at the marketplace");
    Ok(())
}

async fn publish(client: &Client, delivery: &Delivery) -> Result<Published, MarketplaceError> {
    let text = delivery.body.as_str();
    let target = delivery.chat_id.as_str();
    match (client, delivery.channel_kind) {
        (Client::Wb(_), ChannelKind::WbQuestions | ChannelKind::WbFeedbacks)
            if delivery.sent_before >= WB_WRITES =>
        {
            Ok(Published::Refused(
                "WB allows an answer and one edit; this would be a second edit".into(),
            ))
        }
        (Client::Wb(wb), ChannelKind::WbQuestions) => {
            if delivery.sent_before == 0 {
                let question = wb.question(target).await?;
                if let Some(answer) = question.answer.filter(|a| !a.text.trim().is_empty()) {
                    return Ok(answered(format!("{target}:answer"), answer.text, None));
                }
                if question.state.as_deref() == Some("none") {
                    return Ok(Published::AnsweredElsewhere(None));
                }
            }
            wb.answer_question(target, text).await?;
            Ok(Published::Sent(target.to_owned()))
        }
        (Client::Wb(wb), ChannelKind::WbFeedbacks) => {
            if delivery.sent_before == 0
                && let Some(answer) =
                    (wb.feedback(target).await?.answer).filter(|a| !a.text.trim().is_empty())
            {
                return Ok(answered(format!("{target}:answer"), answer.text, None));
            }
            wb.answer_feedback(target, text, delivery.sent_before > 0)
                .await?;
            Ok(Published::Sent(target.to_owned()))
        }
        (Client::Wb(wb), ChannelKind::WbChat) => {
            let sign = match &delivery.reply_token {
                Some(sign) => Some(sign.clone()),
                None => wb
                    .chats()
                    .await?
                    .into_iter()
                    .find(|chat| chat.chat_id == target)
                    .and_then(|chat| chat.reply_sign),
            };
            match sign {
                Some(sign) => Ok(Published::Sent(wb.send_chat_message(&sign, text).await?)),
                None => Ok(Published::Refused(format!(
                    "WB gives no reply signature for chat {target}"
                ))),
            }
        }
        (Client::Ozon(ozon), ChannelKind::OzonChat) => {
            ozon.send_chat_message(target, text).await?;
            Ok(Published::Sent(format!("{target}:{}", delivery.id)))
        }
        (Client::Ozon(ozon), ChannelKind::OzonQuestions) => {
            let question = ozon.question(target).await?;
            let sku = question.sku.clone().unwrap_or_default();
            if question.processed() && delivery.sent_before == 0 {
                let newest = ozon
                    .question_answers(target, &sku)
                    .await?
                    .into_iter()
                    .last();
                return Ok(match newest {
                    Some(a) => answered(a.id, a.text, a.published_at),
                    None => Published::AnsweredElsewhere(None),
                });
            }
            Ok(Published::Sent(
                ozon.answer_question(target, &sku, text).await?,
            ))
        }
        (Client::Ozon(ozon), ChannelKind::OzonReviews) => {
            if delivery.sent_before == 0 && ozon.review(target).await?.processed() {
                let comments = ozon.review_comments(target).await?;
                return Ok(match comments.into_iter().rfind(|c| c.is_owner) {
                    Some(c) => answered(c.id, c.text, c.published_at),
                    None => Published::AnsweredElsewhere(None),
                });
            }
            Ok(Published::Sent(ozon.comment_review(target, text).await?))
        }
        (_, kind) => Ok(Published::Refused(format!(
            "a {kind} channel cannot answer through this account's marketplace"
        ))),
    }
}

fn answered(id: String, text: String, at: Option<chrono::DateTime<chrono::Utc>>) -> Published {
    Published::AnsweredElsewhere(Some(Answer { id, text, at }))
}
