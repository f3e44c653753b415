//! Marketplace shopper channels: WB questions, reviews and buyer chats and Ozon buyer chats
//! have no webhooks, so the sync pool polls them (every minute, from the scheduler) and records
//! what shoppers wrote like any other inbound message. Recording is idempotent on the
//! marketplace's own ids, and a stream cursor is saved only after its events are recorded, so
//! a repeated or interrupted poll records nothing twice and loses nothing.

mod ozon;
mod wb;

use std::sync::Arc;

use apalis::prelude::{BoxDynError, Data};
use otklik_db::{TenantScope, accounts, channels};
use otklik_jobs::PollInbox;
use otklik_schema::ChannelKind;

use crate::Context;
use crate::marketplaces::{Client, MarketplaceError};

pub async fn handle(job: PollInbox, ctx: Data<Arc<Context>>) -> Result<(), BoxDynError> {
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
    Record(#[from] crate::inbound::RecordError),
}

impl PollError {
    fn needs_seller(&self) -> bool {
        matches!(self, Self::Marketplace(err) if err.needs_seller())
    }
}

/// Polls every enabled shopper channel of the account once; returns how many new shopper
/// messages it recorded.
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
        recorded += match (&client, channel.kind) {
            (Client::Wb(wb), ChannelKind::WbQuestions) => {
                wb::public(ctx, wb, channel, wb::PublicList::Questions).await?
            }
            (Client::Wb(wb), ChannelKind::WbFeedbacks) => {
                wb::public(ctx, wb, channel, wb::PublicList::Feedbacks).await?
            }
            (Client::Wb(wb), ChannelKind::WbChat) => wb::chat(ctx, wb, &account, channel).await?,
            (Client::Ozon(ozon), ChannelKind::OzonChat) => ozon::chats(ctx, ozon, channel).await?,
            (_, kind) => {
                tracing::warn!(channel.id = %channel.id, %kind, account.id = %account.id,
                    "channel does not match its account's marketplace; skipped");
                0
            }
        };
    }
    Ok(recorded)
}
