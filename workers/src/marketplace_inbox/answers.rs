//! The seller's own answers at the marketplace: recording a line they wrote there, and
//! settling a waiting question, review or chat the marketplace says is answered or closed.

use chrono::{DateTime, Utc};
use otklik_db::TenantScope;
use otklik_db::channels::Channel;
use otklik_db::marketplace_inbox::{self, Awaiting, SellerLine, SellerLineOutcome};
use otklik_jobs::OperatorEvent;
use otklik_schema::{ChannelKind, ConversationId, Marketplace, WithdrawReason};

use super::PollError;
use crate::Context;

/// Waiting conversations re-checked at the marketplace per channel and poll: each costs a
/// request under the marketplace's limits, shared with listing and publishing.
pub(super) const RECHECK_BUDGET: i64 = 10;

/// What the marketplace says about a waiting question, review or chat.
pub(super) enum Verdict {
    /// Nothing new.
    Waiting,
    /// The seller answered there.
    Answered {
        id: String,
        text: String,
        at: Option<DateTime<Utc>>,
    },
    /// Dealt with there without an answer to show (rejected, marked processed).
    Closed,
    /// The marketplace has it no more.
    Gone,
}

fn marketplace(kind: ChannelKind) -> Marketplace {
    kind.marketplace().unwrap_or(Marketplace::Wb)
}

/// The customer a public question or review is recorded under: no shopper identity comes
/// with them, so each is its own customer and conversation.
pub(crate) fn post_customer(kind: ChannelKind, id: &str) -> String {
    let what = match kind {
        ChannelKind::WbFeedbacks => "feedback",
        ChannelKind::OzonReviews => "review",
        _ => "question",
    };
    format!("{what}:{id}")
}

/// Records a line the seller wrote at the marketplace (see [`marketplace_inbox::record_seller_line`])
/// and tells operators what changed.
pub(crate) async fn seller_line(
    ctx: &Context,
    scope: TenantScope,
    kind: ChannelKind,
    line: &SellerLine<'_>,
    close: bool,
) -> Result<SellerLineOutcome, otklik_db::DbError> {
    let reason = WithdrawReason::AnsweredAtMarketplace.text(marketplace(kind));
    let outcome = {
        let mut conn = ctx.db.get().await?;
        marketplace_inbox::record_seller_line(&mut conn, scope, line, &reason, close).await?
    };
    if let SellerLineOutcome::Recorded {
        conversation_id,
        message_id,
        withdrawn,
    } = &outcome
    {
        tracing::info!(channel.id = %line.channel_id, conversation.id = %conversation_id,
            withdrawn = withdrawn.len(), "the seller answered at the marketplace");
        let event = OperatorEvent::AnsweredAtMarketplace {
            conversation_id: *conversation_id,
            message_id: Some(*message_id),
            withdrawn: withdrawn.clone(),
            reason,
        };
        ctx.tell_operators(scope, &event, "an answer given at the marketplace")
            .await;
    }
    Ok(outcome)
}

/// The channel's waiting conversations due for a re-check.
pub(super) async fn due(ctx: &Context, channel: &Channel) -> Result<Vec<Awaiting>, PollError> {
    let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
    Ok(marketplace_inbox::awaiting(
        &mut conn,
        channel.scope(),
        channel.id,
        channel.kind.is_public(),
        RECHECK_BUDGET,
    )
    .await?)
}

/// Acts on what the marketplace said about a waiting question or review: an answer is
/// recorded and closes it, a closing without one withdraws ours and closes it.
pub(super) async fn settle(
    ctx: &Context,
    channel: &Channel,
    waiting: &Awaiting,
    verdict: Verdict,
) -> Result<(), PollError> {
    match verdict {
        Verdict::Waiting => Ok(()),
        Verdict::Answered { id, text, at } => {
            let line = SellerLine {
                channel_id: channel.id,
                customer_external_id: &waiting.customer_external_id,
                external_id: &id,
                body: &text,
                written_at: at,
                echo_of: Some(&waiting.external_chat_id),
            };
            seller_line(ctx, channel.scope(), channel.kind, &line, true).await?;
            Ok(())
        }
        Verdict::Closed => close(ctx, channel, waiting, WithdrawReason::ClosedAtMarketplace).await,
        Verdict::Gone => close(ctx, channel, waiting, WithdrawReason::GoneFromMarketplace).await,
    }
}

/// Withdraws our pending answers to a question or review settled without an answer to record,
/// and closes it.
async fn close(
    ctx: &Context,
    channel: &Channel,
    waiting: &Awaiting,
    why: WithdrawReason,
) -> Result<(), PollError> {
    let scope = channel.scope();
    let reason = why.text(marketplace(channel.kind));
    let withdrawn = {
        let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
        marketplace_inbox::closed_at_marketplace(
            &mut conn,
            scope,
            channel.id,
            &waiting.customer_external_id,
            why,
            &reason,
        )
        .await?
    };
    if let Some(withdrawn) = withdrawn {
        let event = OperatorEvent::AnsweredAtMarketplace {
            conversation_id: waiting.conversation_id,
            message_id: None,
            withdrawn,
            reason,
        };
        ctx.tell_operators(scope, &event, "a question closed at the marketplace")
            .await;
    }
    Ok(())
}

/// Notes the re-checks done.
pub(super) async fn checked(
    ctx: &Context,
    channel: &Channel,
    conversations: &[ConversationId],
) -> Result<(), PollError> {
    if conversations.is_empty() {
        return Ok(());
    }
    let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
    marketplace_inbox::checked(&mut conn, channel.scope(), conversations).await?;
    Ok(())
}
