//! Publishing answers on the marketplaces: WB questions and reviews (public, one edit
//! allowed), WB buyer chats (with the chat's reply signature), Ozon chats (Premium Plus or
//! Pro only), Ozon questions (Premium Plus or Pro) and reviews («Управление отзывами» or
//! Premium Pro). Every text passes the marketplaces' rules first, whoever wrote it. A question
//! or review is read before its first answer goes out: one the seller already answered in the
//! marketplace's cabinet gets no second answer from us — ours is withdrawn and theirs recorded.

use std::time::Duration;

use apalis::prelude::BoxDynError;
use otklik_db::marketplace_inbox::SellerLine;
use otklik_db::messages::Delivery;
use otklik_db::{TenantScope, accounts};
use otklik_schema::{ChannelKind, Marketplace as Market, WithdrawReason};

use super::Sent;
use crate::Context;
use crate::assistant::guardrails;
use crate::marketplace_inbox::{post_customer, seller_line};
use crate::marketplaces::{Client, MarketplaceError};

/// Sends after which WB refuses a question's or review's answer: the answer and one edit.
const WB_WRITES: i64 = 2;

/// The marketplaces in the shared delivery path. Their clients keep to the marketplaces' limits
/// themselves (and retry within them), so nothing is waited for before the claim.
pub struct Marketplace;

impl super::Channel for Marketplace {
    async fn wait(&self, _: &Context, _: &Delivery) -> Result<Option<Duration>, BoxDynError> {
        Ok(None)
    }

    fn words_refusals(&self) -> bool {
        true
    }

    async fn send(&self, ctx: &Context, scope: TenantScope, delivery: &Delivery) -> Sent {
        if let Some(breach) = guardrails::marketplace_breach(&delivery.body) {
            return Sent::Undeliverable(format!(
                "Ответ не опубликован: {breach}, а площадка это запрещает. Уберите это из текста и отправьте снова."
            ));
        }
        let account = match delivery.account_id {
            Some(id) => {
                let found = async {
                    let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
                    accounts::get(&mut conn, scope, id).await
                };
                match found.await {
                    Ok(account) => account,
                    Err(err) => return Sent::Failed(format!("could not read the account: {err}")),
                }
            }
            None => None,
        };
        let Some(account) = account else {
            return Sent::Rejected(
                "Кабинет площадки, через который отвечает этот канал, отключён.".into(),
            );
        };
        let sent = match ctx.syncer.marketplaces.client(&account) {
            Ok(client) => publish(&client, delivery).await,
            Err(err) => Err(err),
        };
        match sent {
            Ok(Published::Sent(external_id)) => Sent::Ok { external_id },
            Ok(Published::Refused(reason)) => Sent::Undeliverable(reason),
            Ok(Published::AnsweredElsewhere(answer)) => {
                match withdraw(ctx, scope, delivery, answer.as_ref()).await {
                    Ok(reason) => Sent::Withdrawn(reason),
                    Err(err) => Sent::Failed(format!("could not withdraw the answer: {err}")),
                }
            }
            Err(err @ (MarketplaceError::Exhausted { .. } | MarketplaceError::Limiter(_))) => {
                tracing::warn!(message.id = %delivery.id, error = %err, "marketplace unreachable; will retry");
                Sent::Failed(err.to_string())
            }
            Err(err) => {
                tracing::warn!(message.id = %delivery.id, error = %err, "marketplace refused an answer");
                let reason = refusal(&err, delivery.channel_kind);
                if err.needs_seller() {
                    Sent::Undeliverable(reason)
                } else {
                    Sent::Rejected(reason)
                }
            }
        }
    }
}

/// Why the marketplace refused an answer, in words for operators: what the seller can do about
/// it. The marketplace's own words go to the log.
fn refusal(err: &MarketplaceError, kind: ChannelKind) -> String {
    let market = kind.marketplace().unwrap_or(Market::Wb).name();
    match (err, kind) {
        (MarketplaceError::Unauthorized { .. }, ChannelKind::OzonChat) => {
            "Ozon не принял ответ: писать в чаты Ozon можно только с подпиской Premium Plus или Premium Pro.".to_owned()
        }
        (MarketplaceError::Unauthorized { .. }, ChannelKind::OzonQuestions) => {
            "Ozon не принял ответ: отвечать на вопросы покупателей можно только с подпиской Premium Plus или Premium Pro.".to_owned()
        }
        (MarketplaceError::Unauthorized { .. }, ChannelKind::OzonReviews) => {
            "Ozon не принял ответ: отвечать на отзывы можно только с подпиской «Управление отзывами» или Premium Pro.".to_owned()
        }
        (MarketplaceError::Unauthorized { .. } | MarketplaceError::Credentials(_), _) => format!(
            "{market} не принял ключ доступа: обновите его в разделе «Площадки» и отправьте ответ снова."
        ),
        _ => format!("{market} не принял ответ. Проверьте текст и опубликуйте его в кабинете {market}."),
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

/// Records the seller's answer (which closes the question or review) so ours is withdrawn;
/// returns why, for the operator.
async fn withdraw(
    ctx: &Context,
    scope: TenantScope,
    delivery: &Delivery,
    answer: Option<&Answer>,
) -> Result<String, BoxDynError> {
    let marketplace = delivery.channel_kind.marketplace().unwrap_or(Market::Wb);
    let why = match answer {
        Some(_) => WithdrawReason::AnsweredAtMarketplace,
        None => WithdrawReason::ClosedAtMarketplace,
    };
    let reason = why.text(marketplace);
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
    Ok(reason)
}

async fn publish(client: &Client, delivery: &Delivery) -> Result<Published, MarketplaceError> {
    let text = delivery.body.as_str();
    let target = delivery.chat_id.as_str();
    match (client, delivery.channel_kind) {
        (Client::Wb(_), ChannelKind::WbQuestions | ChannelKind::WbFeedbacks)
            if delivery.sent_before >= WB_WRITES =>
        {
            Ok(Published::Refused(
                "WB разрешает ответить и один раз исправить ответ: вторую правку площадка не примет."
                    .into(),
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
                None => Ok(Published::Refused(
                    "WB не дал подписи для ответа в этот чат: ответьте покупателю в кабинете WB."
                        .into(),
                )),
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
        _ => Ok(Published::Refused(
            "Через подключённый кабинет площадки в этот канал ответить нельзя.".into(),
        )),
    }
}

fn answered(id: String, text: String, at: Option<chrono::DateTime<chrono::Utc>>) -> Published {
    Published::AnsweredElsewhere(Some(Answer { id, text, at }))
}
