//! Marketplace shopper channels: WB questions, reviews and buyer chats and Ozon buyer chats,
//! questions and reviews have no webhooks, so the sync pool polls them (every minute, from the
//! scheduler) and records what shoppers wrote like any other inbound message. Recording is
//! idempotent on the marketplace's own ids, and a stream cursor is saved only after its events
//! are recorded, so a repeated or interrupted poll records nothing twice and loses nothing.
//!
//! The seller also answers in the marketplace's own cabinet. What they write there is recorded
//! as what it is — an outbound line written elsewhere (`author` `operator` without a user,
//! `delivery_status` `sent`, `meta.origin` `marketplace`, keyed `marketplace:{channel}:{id}`)
//! — which answers the shopper's earlier messages, so no turn drafts an answer to them; an
//! answer of ours still waiting (a draft, or approved and queued) is withdrawn
//! (`delivery_status` `withdrawn`, the reason for operators in `delivery_error`, its code in
//! `meta.withdrawn`). A question or review answered there is closed. Our own messages coming
//! back from the marketplace are recognised and not recorded twice. Waiting questions, reviews
//! and Ozon chats (a draft to approve, or people to answer) are re-checked by id, a bounded
//! number per channel and poll, least recently checked first.
//!
//! # What a recorded shopper message carries (`messages.attachments`)
//!
//! Articles, order numbers and stars come as the marketplace gives them; ids are strings.
//!
//! | channel | attachments |
//! |---|---|
//! | `wb_questions` | `{"kind":"product","article":"<nmID>","name","vendor_code"}` |
//! | `wb_feedbacks` | the product as above, `{"kind":"rating","stars":N}` |
//! | `wb_chat` | `{"kind":"product","article":"<goodCard.nmID>","size":"<goodCard.size>"}`, `{"kind":"order","rid":"<goodCard.rid>","number":"<the synced order's id>"}` (`number` only when the order is synced: the FBS assembly order keeping that `rid`, or the FBW order stored under it), then `{"kind":"image","url"}` / `{"kind":"file","name","url"}` for what the shopper attached |
//! | `ozon_chat` | `{"kind":"order","order_number":"<context.order_number>","number":"<posting number>"}` (`number`: the synced posting of that order with the SKU, else the order number), `{"kind":"product","article":"<context.sku>"}` |
//! | `ozon_questions` | `{"kind":"product","article":"<sku>"}` |
//! | `ozon_reviews` | `{"kind":"product","article":"<sku>"}`, `{"kind":"rating","stars":N}` |
//!
//! WB names a chat's product and order only in its first event; the chat's later messages
//! carry the conversation's product and order on, so every message of a chat names them.

mod answers;
mod ozon;
mod ozon_public;
mod wb;

use std::sync::Arc;

use apalis::prelude::{BoxDynError, Data};
use otklik_db::channels::Channel;
use otklik_db::conversations::NewInbound;
use otklik_db::{TenantScope, accounts, channels};
use otklik_jobs::PollInbox;
use otklik_schema::ChannelKind;

use crate::Context;
use crate::marketplaces::{Client, MarketplaceError};
use crate::shopper_messages;

pub(crate) use answers::{post_customer, seller_line};

pub async fn handle(job: PollInbox, ctx: Data<Arc<Context>>) -> Result<(), BoxDynError> {
    crate::job_span::record_tenant(job.tenant_id);
    match poll(&ctx, job).await {
        Ok(_) => Ok(()),
        Err(err) if err.needs_seller() => {
            // The account's syncs report this to the seller; polling again cannot help.
            tracing::warn!(account.id = %job.account_id, error = %err, "marketplace channels not polled");
            Ok(())
        }
        Err(err) => Err(err.into()),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PollError {
    #[error(transparent)]
    Marketplace(#[from] MarketplaceError),
    #[error(transparent)]
    Database(#[from] otklik_db::DbError),
    #[error(transparent)]
    Record(#[from] shopper_messages::RecordError),
}

impl PollError {
    fn needs_seller(&self) -> bool {
        matches!(self, Self::Marketplace(err) if err.needs_seller())
    }
}

/// Polls every enabled shopper channel of the account once; returns how many new shopper
/// messages it recorded. A channel the seller's token or subscription no longer covers is
/// skipped (and logged); the others are polled.
pub async fn poll(ctx: &Context, job: PollInbox) -> Result<usize, PollError> {
    let scope = TenantScope::trusted(job.tenant_id);
    let (account, channels) = {
        let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
        let account = accounts::get(&mut conn, scope, job.account_id).await?;
        let channels = channels::for_account(&mut conn, scope, job.account_id).await?;
        (account, channels)
    };
    let Some(account) = account.filter(|account| account.enabled) else {
        return Ok(0);
    };
    let client = ctx.syncer.marketplaces.client(&account)?;
    let mut recorded = 0;
    for channel in &channels {
        let polled = match (&client, channel.kind) {
            (Client::Wb(wb), ChannelKind::WbQuestions) => {
                wb::public(ctx, wb, channel, wb::PublicList::Questions).await
            }
            (Client::Wb(wb), ChannelKind::WbFeedbacks) => {
                wb::public(ctx, wb, channel, wb::PublicList::Feedbacks).await
            }
            (Client::Wb(wb), ChannelKind::WbChat) => wb::chat(ctx, wb, &account, channel).await,
            (Client::Ozon(ozon), ChannelKind::OzonChat) => {
                ozon::chats(ctx, ozon, &account, channel).await
            }
            (Client::Ozon(ozon), ChannelKind::OzonQuestions) => {
                ozon_public::questions(ctx, ozon, channel).await
            }
            (Client::Ozon(ozon), ChannelKind::OzonReviews) => {
                ozon_public::reviews(ctx, ozon, channel).await
            }
            (_, kind) => {
                tracing::warn!(channel.id = %channel.id, %kind, account.id = %account.id,
                    "channel does not match its account's marketplace; skipped");
                Ok(0)
            }
        };
        match polled {
            Ok(new) => recorded += new,
            Err(err) if err.needs_seller() => {
                tracing::warn!(channel.id = %channel.id, kind = %channel.kind, error = %err,
                    "shopper channel not polled: the seller's access does not cover it");
            }
            Err(err) => return Err(err),
        }
    }
    Ok(recorded)
}

/// Records a shopper's message. Without `turn`, no turn is scheduled: the seller's answer at
/// the marketplace follows in the same page, and will mark it answered.
async fn record_shopper(
    ctx: &Context,
    channel: &Channel,
    message: &NewInbound<'_>,
    turn: bool,
) -> Result<bool, PollError> {
    Ok(if turn {
        shopper_messages::record(ctx, channel, message).await?
    } else {
        shopper_messages::record_unanswered(ctx, channel, message).await?
    })
}
