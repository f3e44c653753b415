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
use otklik_db::conversations::{self, Conversation, HandoffNote, TurnLease, TurnResult};
use otklik_db::{TenantScope, channels, tenants};
use otklik_jobs::{ConversationTurn, Deliver, OperatorEvent};
use otklik_schema::{
    Author, ChannelKind, ConversationId, ConversationMode, HandoffReason, MessageId,
};

use crate::assistant::{self, TurnInput};
use crate::billing;
use crate::metrics::TurnOutcome;
use crate::{Context, job_span};

/// How long a turn holds its conversation unless it renews the lease; a crashed turn frees it
/// after this. Kept short (a crash must not block a shopper for long) and renewed every
/// `LEASE / 3` while the turn runs, so a slow model call keeps it.
const LEASE: Duration = Duration::from_secs(12);

/// How soon a turn that found its conversation busy tries again.
const BUSY_RETRY: Duration = Duration::from_secs(2);

/// Messages of context the assistant reads; it trims them further to its own budget.
const HISTORY: i64 = 20;

/// What one turn did.
#[derive(Debug)]
pub enum Taken {
    /// Another turn holds the conversation: try again shortly.
    Busy,
    /// The conversation is gone.
    Missing,
    Done(Turned),
}

/// A finished turn: what was decided and what is left to deliver.
#[derive(Debug, Default)]
pub struct Turned {
    pub reply: Option<String>,
    /// The reply is held for an operator's approval.
    pub draft: bool,
    /// Why people took over, when they did.
    pub handoff: Option<HandoffReason>,
    /// The assistant's memory after the turn.
    pub state: Option<serde_json::Value>,
    /// Deliveries of the conversation still to enqueue.
    pub pending: Vec<MessageId>,
}

impl Turned {
    /// What the turn came to, as the metrics count it.
    fn outcome(&self) -> TurnOutcome {
        if self.handoff.is_some() {
            TurnOutcome::Handoff
        } else if self.draft {
            TurnOutcome::Draft
        } else if self.reply.is_some() {
            TurnOutcome::Reply
        } else {
            TurnOutcome::Nothing
        }
    }
}

pub async fn handle(job: ConversationTurn, ctx: Data<Arc<Context>>) -> Result<(), BoxDynError> {
    let scope = TenantScope::trusted(job.tenant_id);
    job_span::record_tenant(job.tenant_id);
    job_span::record_conversation(job.conversation_id);
    let started = std::time::Instant::now();
    let turned = match take(&ctx, scope, job.conversation_id).await? {
        Taken::Done(turned) => {
            ctx.metrics
                .turn_finished(turned.outcome(), started.elapsed());
            turned
        }
        Taken::Missing => return Ok(()),
        Taken::Busy => {
            ctx.queues.push_turn_later(job, BUSY_RETRY).await?;
            return Ok(());
        }
    };
    for message_id in turned.pending {
        ctx.queues
            .push_delivery(Deliver {
                tenant_id: scope.tenant_id(),
                message_id,
            })
            .await?;
    }
    Ok(())
}

/// Takes one turn of the conversation: reads what the shopper wrote, lets the tenant's
/// assistant decide, records the decision, and tells operators. Enqueueing the deliveries is
/// the caller's.
pub async fn take(
    ctx: &Arc<Context>,
    scope: TenantScope,
    conversation_id: ConversationId,
) -> Result<Taken, BoxDynError> {
    let (conversation, tenant, standing, messages, history, channel_kind, customer_name) = {
        let mut conn = ctx.db.get().await?;
        let conversation =
            match conversations::acquire_turn(&mut conn, scope, conversation_id, LEASE).await? {
                TurnLease::Acquired(conversation) => conversation,
                TurnLease::Busy => return Ok(Taken::Busy),
                TurnLease::Missing => return Ok(Taken::Missing),
            };
        let tenant = tenants::get(&mut conn, scope).await?;
        let standing = billing::standing(&mut conn, &ctx.billing, scope).await?;
        let messages = conversations::unanswered(&mut conn, scope, conversation.id).await?;
        let history = conversations::recent(&mut conn, scope, conversation.id, HISTORY).await?;
        let channel_kind = channels::find(&mut conn, conversation.channel_id)
            .await?
            .map_or(ChannelKind::Webchat, |channel| channel.kind);
        // Only a review is answered by its author's name.
        let customer_name = if channel_kind.is_review() {
            conversations::customer_name(&mut conn, scope, conversation.customer_id).await?
        } else {
            String::new()
        };
        (
            conversation,
            tenant,
            standing,
            messages,
            history,
            channel_kind,
            customer_name,
        )
    };

    // Renewed while the turn runs (also when it fails or panics, the guard stops the renewal);
    // a crash leaves it to run out.
    let _renewal = Renewal(tokio::spawn(renew_lease(
        Arc::clone(ctx),
        scope,
        conversation.id,
    )));
    async {
        let answered: Vec<MessageId> = messages.iter().map(|m| m.id).collect();
        let decision = if messages.is_empty() || conversation.mode != ConversationMode::Bot {
            // Nothing new, or people are answering: the messages are theirs to read.
            None
        } else {
            let input = TurnInput {
                tenant: &tenant,
                conversation: &conversation,
                channel_kind,
                messages: &messages,
                history: &history,
                customer_name: &customer_name,
            };
            match assistant::for_tenant(&tenant, standing, &ctx.answering)
                .decide(&input)
                .await
            {
                Ok(decision) => Some(decision),
                Err(err) => {
                    release(ctx, scope, &conversation).await;
                    return Err(err.into());
                }
            }
        };

        let handoff = decision.as_ref().and_then(|d| d.handoff.as_ref());
        // A public answer («передаю вопрос специалисту») helps no one on a product page: a handed
        // off question waits for the operator's answer instead.
        let reply = decision
            .as_ref()
            .and_then(|d| d.reply.as_deref())
            .filter(|_| !(handoff.is_some() && channel_kind.is_public()));
        let draft = reply.is_some()
            && channel_kind.is_marketplace()
            && !assistant::Settings::of(&tenant).marketplace_auto_publish;
        let result = TurnResult {
            answered: &answered,
            reply,
            draft,
            author: Author::Bot,
            meta: decision
                .as_ref()
                .map_or_else(|| serde_json::json!({}), |d| d.meta.clone()),
            mode: handoff.map(|_| ConversationMode::WaitingOperator),
            state: decision.as_ref().and_then(|d| d.state.as_ref()),
            handoff: handoff.map(|h| HandoffNote {
                reason: h.reason,
                summary: &h.summary,
            }),
            usage: decision.as_ref().map_or(&[], |d| d.usage.as_slice()),
        };
        let pending = {
            let mut conn = ctx.db.get().await?;
            conversations::finish_turn(&mut conn, scope, &conversation, result).await?
        };
        if let Some(handoff) = handoff {
            let event = OperatorEvent::Handoff {
                conversation_id: conversation.id,
                reason: handoff.reason,
                summary: handoff.summary.clone(),
                reply_due_at: conversation.reply_due_at,
            };
            ctx.tell_operators(scope, &event, "a handoff").await;
        } else if draft {
            let event = OperatorEvent::Draft {
                conversation_id: conversation.id,
                reply_due_at: conversation.reply_due_at,
            };
            ctx.tell_operators(scope, &event, "a draft").await;
        }
        Ok(Taken::Done(Turned {
            reply: reply.map(str::to_owned),
            draft,
            handoff: handoff.map(|h| h.reason),
            state: decision.as_ref().and_then(|d| d.state.clone()),
            pending,
        }))
    }
    .await
}

/// Stops renewing a turn's lease when the turn ends, however it ends.
struct Renewal(tokio::task::JoinHandle<()>);

impl Drop for Renewal {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Keeps the turn's lease while it runs.
async fn renew_lease(ctx: Arc<Context>, scope: TenantScope, id: ConversationId) {
    loop {
        tokio::time::sleep(LEASE / 3).await;
        let renewed = async {
            let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
            conversations::renew_turn(&mut conn, scope, id, LEASE).await
        };
        if let Err(err) = renewed.await {
            tracing::warn!(conversation.id = %id, error = %err, "could not renew a turn's lease");
        }
    }
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
