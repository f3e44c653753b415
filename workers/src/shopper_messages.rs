//! A shopper's message taken in, wherever it came from (a messenger's webhook, a marketplace
//! chat or question polled): stored once, the assistant's turn scheduled, operators told.

use otklik_db::channels::Channel;
use otklik_db::conversations::{self, NewInbound, Recorded};
use otklik_jobs::{ConversationTurn, OperatorEvent};

use crate::Context;

/// Why a shopper's message could not be taken in; the job is retried.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    #[error(transparent)]
    Database(#[from] otklik_db::DbError),
    #[error("could not schedule the assistant: {0}")]
    Queue(#[from] otklik_jobs::EnqueueError),
}

/// Records the message and schedules a turn; returns whether the message was new. On a
/// redelivered event the message exists already; the turn is scheduled again if it is still
/// unanswered, since the first run may have died between the two steps.
pub(crate) async fn record(
    ctx: &Context,
    channel: &Channel,
    message: &NewInbound<'_>,
) -> Result<bool, RecordError> {
    let recorded = store(ctx, channel, message).await?;
    if recorded.unanswered {
        let turn = ConversationTurn {
            tenant_id: channel.tenant_id,
            conversation_id: recorded.conversation_id,
        };
        let because = recorded.message_id.map_or_else(
            || format!("redelivered-{}", message.external_id),
            |id| id.to_string(),
        );
        ctx.queues.push_turn(turn, because).await?;
    }
    Ok(recorded.message_id.is_some())
}

/// Records the message with no turn: someone else answers it (the seller at the marketplace,
/// whose answer follows in the same page). Returns whether the message was new.
pub(crate) async fn record_unanswered(
    ctx: &Context,
    channel: &Channel,
    message: &NewInbound<'_>,
) -> Result<bool, RecordError> {
    Ok(store(ctx, channel, message).await?.message_id.is_some())
}

async fn store(
    ctx: &Context,
    channel: &Channel,
    message: &NewInbound<'_>,
) -> Result<Recorded, RecordError> {
    let scope = channel.scope();
    let recorded = {
        let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
        conversations::record_inbound(&mut conn, scope, message).await?
    };
    if let Some(message_id) = recorded.message_id {
        let event = OperatorEvent::Message {
            conversation_id: recorded.conversation_id,
            message_id,
            action: None,
            message: None,
        };
        ctx.tell_operators(scope, &event, "a shopper message").await;
    }
    Ok(recorded)
}
