//! The outbound pool: deliver one message under the channel's limits and record the outcome.

pub mod limits;
mod marketplace;
mod max;
mod messenger;
pub mod pace;
pub mod telegram;
mod vk;
mod webchat;

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{BoxDynError, Data};
use otklik_db::TenantScope;
use otklik_db::messages::{self, Claim, Delivery, Outcome};
use otklik_jobs::Deliver;
use otklik_schema::{ChannelKind, MessageId};

use crate::Context;
use telegram::Sent;

/// Waits up to this long are slept through; longer ones are rescheduled so the worker slot is
/// free for other chats.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(1);
/// Attempts after which an unreachable provider means giving up.
const MAX_ATTEMPTS: i32 = 20;

/// How soon to look again at a message another worker is sending.
const IN_FLIGHT_RECHECK: Duration = Duration::from_secs(2);

pub async fn handle(job: Deliver, ctx: Data<Arc<Context>>) -> Result<(), BoxDynError> {
    let scope = TenantScope::trusted(job.tenant_id);
    let claim = {
        let mut conn = ctx.db.get().await?;
        messages::claim(&mut conn, scope, job.message_id).await?
    };
    let delivery = match claim {
        Claim::Claimed(delivery) => delivery,
        Claim::Missing | Claim::Done(_) => return Ok(()),
        Claim::InFlight { .. } => {
            let mut conn = ctx.db.get().await?;
            if messages::fail_interrupted(&mut conn, scope, job.message_id, ctx.interrupted_after())
                .await?
            {
                tracing::warn!(message.id = %job.message_id,
                    "a send was interrupted by a crash; marked failed instead of risking a duplicate");
            } else {
                ctx.queues
                    .push_delivery_later(job, IN_FLIGHT_RECHECK)
                    .await?;
            }
            return Ok(());
        }
    };
    match delivery.channel_kind {
        ChannelKind::Telegram => send_telegram(&ctx, scope, &delivery).await,
        ChannelKind::Max => max::send(&ctx, scope, &delivery).await,
        ChannelKind::Vk => vk::send(&ctx, scope, &delivery).await,
        ChannelKind::Webchat => {
            // Recorded before it is pushed: a page that subscribes after the push reads its
            // history next, and must find the reply there.
            finish(
                &ctx,
                scope,
                &delivery,
                Outcome::Sent {
                    external_id: &delivery.id.to_string(),
                },
            )
            .await?;
            if let Err(err) =
                webchat::publish(&ctx.redis, &ctx.config.redis_namespace, &delivery).await
            {
                tracing::warn!(message.id = %delivery.id, error = %err,
                    "could not push a web-chat reply; the page reads it from the history when it reconnects");
            }
            Ok(())
        }
        kind if kind.is_marketplace() => marketplace::send(&ctx, scope, &delivery).await,
        kind => {
            let reason = format!("sending to {kind} channels is not supported yet");
            finish(&ctx, scope, &delivery, Outcome::Failed { reason: &reason }).await
        }
    }
}

async fn send_telegram(
    ctx: &Context,
    scope: TenantScope,
    delivery: &Delivery,
) -> Result<(), BoxDynError> {
    let Some(token) = delivery.bot_token() else {
        return finish(
            ctx,
            scope,
            delivery,
            Outcome::Failed {
                reason: "the channel has no bot token",
            },
        )
        .await;
    };
    loop {
        match ctx
            .limiter
            .telegram(delivery.channel_id, &delivery.chat_id)
            .await
        {
            Ok(None) => break,
            Ok(Some(wait)) if wait <= MAX_INLINE_WAIT => tokio::time::sleep(wait).await,
            Ok(Some(wait)) => {
                return reschedule(ctx, scope, delivery, wait, "waiting for the rate limit").await;
            }
            Err(err) => {
                tracing::warn!(message.id = %delivery.id, error = %err, "rate limiter unavailable");
                return reschedule(
                    ctx,
                    scope,
                    delivery,
                    backoff(delivery.attempts),
                    "rate limiter unavailable",
                )
                .await;
            }
        }
    }
    match ctx
        .telegram
        .send(
            delivery.channel_id,
            token,
            &delivery.chat_id,
            &delivery.body,
        )
        .await
    {
        Sent::Ok { message_id } => {
            finish(
                ctx,
                scope,
                delivery,
                Outcome::Sent {
                    external_id: &message_id,
                },
            )
            .await
        }
        Sent::RetryAfter(wait) => {
            tracing::info!(channel.id = %delivery.channel_id, retry_after_ms = wait.as_millis() as u64,
                "Telegram asked to slow down");
            ctx.limiter
                .freeze_telegram(delivery.channel_id, wait)
                .await?;
            reschedule(ctx, scope, delivery, wait, "Telegram asked to retry later").await
        }
        Sent::Unreachable(reason) if delivery.attempts < MAX_ATTEMPTS => {
            reschedule(ctx, scope, delivery, backoff(delivery.attempts), &reason).await
        }
        Sent::Unreachable(reason) | Sent::Failed(reason) => {
            tracing::warn!(message.id = %delivery.id, reason = %reason, "delivery failed");
            finish(ctx, scope, delivery, Outcome::Failed { reason: &reason }).await
        }
        Sent::Undeliverable(reason) => {
            finish(
                ctx,
                scope,
                delivery,
                Outcome::Undeliverable { reason: &reason },
            )
            .await
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ApproveError {
    #[error(transparent)]
    Database(#[from] otklik_db::DbError),
    #[error("could not enqueue the delivery: {0}")]
    Queue(#[from] otklik_jobs::EnqueueError),
}

/// An operator approves a draft, edited or as it is, and it goes out like any reply (the
/// marketplace rules are checked on sending). Returns `false` when it was not a draft of the
/// tenant, or was approved already.
pub async fn approve_draft(
    ctx: &Context,
    scope: TenantScope,
    message_id: MessageId,
    edited: Option<&str>,
) -> Result<bool, ApproveError> {
    let approved = {
        let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
        messages::approve_draft(&mut conn, scope, message_id, edited).await?
    };
    if approved {
        let job = Deliver {
            tenant_id: scope.tenant_id(),
            message_id,
        };
        ctx.queues.push_delivery(job).await?;
    }
    Ok(approved)
}

/// Puts the message back to `pending` and enqueues a copy of the job to run after `wait`.
async fn reschedule(
    ctx: &Context,
    scope: TenantScope,
    delivery: &Delivery,
    wait: Duration,
    reason: &str,
) -> Result<(), BoxDynError> {
    finish(ctx, scope, delivery, Outcome::Retry { reason }).await?;
    let job = Deliver {
        tenant_id: scope.tenant_id(),
        message_id: delivery.id,
    };
    ctx.queues.push_delivery_later(job, wait).await?;
    Ok(())
}

/// Exponential back-off for an unreachable provider: 1 s, 2 s, 4 s … capped at 5 minutes.
fn backoff(attempts: i32) -> Duration {
    Duration::from_secs(1_u64 << attempts.clamp(0, 8)).min(Duration::from_secs(300))
}

async fn finish(
    ctx: &Context,
    scope: TenantScope,
    delivery: &Delivery,
    outcome: Outcome<'_>,
) -> Result<(), BoxDynError> {
    let status = outcome.status();
    let recorded = {
        let mut conn = ctx.db.get().await?;
        messages::finish(&mut conn, scope, delivery.id, outcome).await?
    };
    if recorded {
        let event = serde_json::json!({
            "type": "delivery",
            "conversation_id": delivery.conversation_id,
            "message_id": delivery.id,
            "status": status,
        });
        // A lost event only delays the tick until the next read.
        ctx.tell_operators(scope, &event, "a delivery").await;
    } else {
        tracing::warn!(message.id = %delivery.id, "delivery outcome not recorded: the message was no longer sending");
    }
    Ok(())
}
