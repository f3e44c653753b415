//! The ai pool: one turn of a conversation at a time.
//!
//! The queue gives no ordering and may run a job twice, so a turn first takes the
//! conversation's lease; a second turn for the same conversation finds it busy and is retried
//! later. A turn answers every unanswered shopper message at once, records the reply and the
//! answered messages in one transaction, then enqueues every pending delivery of the
//! conversation — which also re-enqueues a reply whose delivery a crashed run never enqueued.

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{BoxDynError, Data};
use otklik_db::conversations::{self, Conversation, TurnLease, TurnResult};
use otklik_db::{TenantScope, tenants};
use otklik_jobs::{ConversationTurn, Deliver};
use otklik_schema::{Author, ConversationMode, MessageId};

use crate::Context;
use crate::assistant::{self, TurnInput};

/// Longest a turn may hold its conversation; a crashed turn frees it after this.
const LEASE: Duration = Duration::from_secs(60);

/// How soon a turn that found its conversation busy tries again.
const BUSY_RETRY: Duration = Duration::from_secs(2);

pub async fn handle(job: ConversationTurn, ctx: Data<Arc<Context>>) -> Result<(), BoxDynError> {
    let scope = TenantScope::trusted(job.tenant_id);
    let (conversation, tenant, messages) =
        {
            let mut conn = ctx.db.get().await?;
            let conversation =
                match conversations::acquire_turn(&mut conn, scope, job.conversation_id, LEASE)
                    .await?
                {
                    TurnLease::Acquired(conversation) => conversation,
                    TurnLease::Busy => {
                        ctx.queues.push_turn_later(job, BUSY_RETRY).await?;
                        return Ok(());
                    }
                    TurnLease::Missing => return Ok(()),
                };
            let tenant = tenants::get(&mut conn, scope).await?;
            let messages = conversations::unanswered(&mut conn, scope, conversation.id).await?;
            (conversation, tenant, messages)
        };

    let answered: Vec<MessageId> = messages.iter().map(|m| m.id).collect();
    let decision = if messages.is_empty() || conversation.mode != ConversationMode::Bot {
        // Nothing new, or people are answering: the messages are theirs to read.
        None
    } else {
        let input = TurnInput {
            tenant: &tenant,
            conversation: &conversation,
            messages: &messages,
        };
        match assistant::for_tenant(&tenant).decide(&input).await {
            Ok(decision) => Some(decision),
            Err(err) => {
                release(&ctx, scope, &conversation).await;
                return Err(err.into());
            }
        }
    };

    let result = TurnResult {
        answered: &answered,
        reply: decision.as_ref().and_then(|d| d.reply.as_deref()),
        author: Author::Bot,
        mode: decision
            .as_ref()
            .filter(|d| d.handoff)
            .map(|_| ConversationMode::WaitingOperator),
    };
    let pending = {
        let mut conn = ctx.db.get().await?;
        conversations::finish_turn(&mut conn, scope, &conversation, result).await?
    };
    for message_id in pending {
        ctx.queues
            .push_delivery(Deliver {
                tenant_id: scope.tenant_id(),
                message_id,
            })
            .await?;
    }
    Ok(())
}

async fn release(ctx: &Context, scope: TenantScope, conversation: &Conversation) {
    let released = async {
        let mut conn = ctx.db.get().await?;
        conversations::release_turn(&mut conn, scope, conversation.id).await
    };
    if let Err(err) = released.await {
        tracing::warn!(conversation.id = %conversation.id, error = %err, "could not release a turn; it expires by itself");
    }
}
