//! Publishing answers on the marketplaces: WB questions and reviews (public, one edit
//! allowed), WB buyer chats (with the chat's reply signature) and Ozon chats (Premium Plus or
//! Pro only). Every text passes the marketplaces' rules first, whoever wrote it.

use apalis::prelude::BoxDynError;
use otklik_db::messages::{Delivery, Outcome};
use otklik_db::{TenantScope, accounts};
use otklik_schema::ChannelKind;

use super::{backoff, finish, reschedule};
use crate::Context;
use crate::assistant::guardrails;
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
            wb.answer_question(target, text).await?;
            Ok(Published::Sent(target.to_owned()))
        }
        (Client::Wb(wb), ChannelKind::WbFeedbacks) => {
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
        (_, kind) => Ok(Published::Refused(format!(
            "a {kind} channel cannot answer through this account's marketplace"
        ))),
    }
}
