//! Publishing answers on the marketplaces: WB questions and reviews (public, one edit
//! allowed), WB buyer chats (with the chat's reply signature) and Ozon chats (Premium Plus or
//! Pro only). Every text passes the marketplaces' rules first, whoever wrote it.

use std::time::Duration;

use apalis::prelude::BoxDynError;
use otklik_db::messages::Delivery;
use otklik_db::{TenantScope, accounts};
use otklik_schema::ChannelKind;

use super::Sent;
use crate::Context;
use crate::assistant::guardrails;
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

    async fn send(&self, ctx: &Context, scope: TenantScope, delivery: &Delivery) -> Sent {
        if let Some(breach) = guardrails::marketplace_breach(&delivery.body) {
            return Sent::Undeliverable(format!(
                "not published: {breach}, which the marketplace forbids"
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
            return Sent::Rejected("the channel's marketplace account is gone".into());
        };
        let sent = match ctx.syncer.marketplaces.client(&account) {
            Ok(client) => publish(&client, delivery).await,
            Err(err) => Err(err),
        };
        match sent {
            Ok(Published::Sent(external_id)) => Sent::Ok { external_id },
            Ok(Published::Refused(reason)) => Sent::Undeliverable(reason),
            Err(err @ (MarketplaceError::Exhausted { .. } | MarketplaceError::Limiter(_))) => {
                tracing::warn!(message.id = %delivery.id, error = %err, "marketplace unreachable; will retry");
                Sent::Failed(err.to_string())
            }
            Err(err) => {
                tracing::warn!(message.id = %delivery.id, error = %err, "marketplace refused an answer");
                let reason = match (&err, delivery.channel_kind) {
                    (MarketplaceError::Unauthorized { .. }, ChannelKind::OzonChat) => format!(
                        "{err} (answering Ozon chats needs the seller's Premium Plus or Premium Pro)"
                    ),
                    _ => err.to_string(),
                };
                if err.needs_seller() {
                    Sent::Undeliverable(reason)
                } else {
                    Sent::Rejected(reason)
                }
            }
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
