//! Sending VK community messages (`messages.send`), under the community's 20 calls a second.
//! Each message carries a `random_id` derived from the delivery, so VK itself refuses to send
//! it twice: unlike other channels, a send whose outcome is unknown is simply tried again.

use std::time::Duration;

use apalis::prelude::BoxDynError;
use otklik_db::TenantScope;
use otklik_db::messages::{Delivery, Outcome};
use otklik_messengers::vk::{self, Verdict, VkError};
use otklik_messengers::{CallError, Choice};
use otklik_schema::MessageId;

use super::messenger::{next_slot, slot, split};
use super::{MAX_ATTEMPTS, backoff, finish, reschedule};
use crate::Context;

enum Sent {
    Ok(i64),
    /// Try the whole delivery again after this long; `true` when nothing may go through the
    /// community meanwhile (VK said too many requests, or the method's quota is spent).
    Later(Duration, String, bool),
    Undeliverable(String),
    Failed(String),
}

/// The `random_id` of one part of a delivery.
fn random_id(message: MessageId, part: usize) -> i64 {
    vk::random_id(&format!("message:{message}:{part}"))
}

pub(super) async fn send(
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
                reason: "the channel has no community token",
            },
        )
        .await;
    };
    let Ok(peer_id) = delivery.chat_id.parse::<i64>() else {
        let reason = format!("`{}` is not a VK peer", delivery.chat_id);
        return finish(
            ctx,
            scope,
            delivery,
            Outcome::Undeliverable { reason: &reason },
        )
        .await;
    };
    if delivery.recipient_stopped {
        let reason = "the shopper does not allow the community's messages";
        return finish(ctx, scope, delivery, Outcome::Undeliverable { reason }).await;
    }
    if !slot(ctx, scope, delivery).await? {
        return Ok(());
    }
    let offered = delivery.choices();
    let choices: Vec<Choice<'_>> = offered
        .iter()
        .map(|c| Choice {
            label: &c.label,
            payload: &c.payload,
        })
        .collect();
    let parts = split(&delivery.body, vk::TEXT_LIMIT, |text| text.chars().count());
    let mut first_id = None;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 && !next_slot(ctx, delivery).await {
            let reason =
                "only the first part of a long reply was sent: the community's rate stayed full";
            return finish(ctx, scope, delivery, Outcome::Failed { reason }).await;
        }
        let buttons = if i + 1 == parts.len() {
            &choices[..]
        } else {
            &[]
        };
        let result = ctx
            .vk
            .send(token, peer_id, random_id(delivery.id, i), part, buttons)
            .await;
        match classify(result, delivery.attempts) {
            Sent::Ok(id) => {
                first_id.get_or_insert(id);
            }
            // Parts already sent are not sent again on the retry: their random_id is spent.
            Sent::Later(wait, reason, freeze) => {
                if freeze {
                    tracing::info!(channel.id = %delivery.channel_id, wait_ms = wait.as_millis() as u64,
                        "VK asked to slow down");
                    ctx.pace
                        .freeze(delivery.channel_kind, delivery.channel_id, wait)
                        .await?;
                }
                return reschedule(ctx, scope, delivery, wait, &reason).await;
            }
            Sent::Undeliverable(reason) => {
                let mut conn = ctx.db.get().await?;
                otklik_db::shopper_events::stop_conversation(
                    &mut conn,
                    scope,
                    delivery.conversation_id,
                )
                .await?;
                return finish(
                    ctx,
                    scope,
                    delivery,
                    Outcome::Undeliverable { reason: &reason },
                )
                .await;
            }
            Sent::Failed(reason) => {
                tracing::warn!(message.id = %delivery.id, reason = %reason, "VK delivery failed");
                return finish(ctx, scope, delivery, Outcome::Failed { reason: &reason }).await;
            }
        }
    }
    let external_id = first_id.map(|id| id.to_string()).unwrap_or_default();
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

fn classify(result: Result<i64, VkError>, attempts: i32) -> Sent {
    let retry = |wait: Duration, reason: String, freeze: bool| {
        if attempts < MAX_ATTEMPTS {
            Sent::Later(wait, reason, freeze)
        } else {
            Sent::Failed(format!("gave up after {attempts} attempts: {reason}"))
        }
    };
    match result {
        Ok(id) => Sent::Ok(id),
        Err(CallError::Refused(error)) => match error.verdict() {
            // 6 and 29 are about the community as a whole; 9 and 10 about this call.
            Verdict::Wait(wait) => {
                let community_wide = matches!(error.code, 6 | 29);
                let wait = if community_wide {
                    wait
                } else {
                    wait.max(backoff(attempts))
                };
                retry(wait, error.to_string(), community_wide)
            }
            Verdict::Unreachable => Sent::Undeliverable(error.to_string()),
            Verdict::Refused if error.is_auth() => Sent::Failed(format!(
                "VK no longer accepts the community's token: {error}"
            )),
            Verdict::Refused => Sent::Failed(error.to_string()),
        },
        Err(CallError::Unreachable(err)) => retry(backoff(attempts), err.to_string(), false),
        // VK drops a repeated random_id, so trying again cannot send it twice.
        Err(CallError::Interrupted(reason)) => retry(backoff(attempts), reason, false),
    }
}
