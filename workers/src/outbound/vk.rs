//! Sending VK community messages (`messages.send`), under the community's 20 calls a second, in
//! the shared delivery path. Each message carries a `random_id` derived from the delivery, so
//! VK itself refuses to send it twice: a send whose outcome is unknown is simply tried again.

use std::time::Duration;

use apalis::prelude::BoxDynError;
use otklik_db::TenantScope;
use otklik_db::messages::Delivery;
use otklik_messengers::vk::{self, Verdict, VkError};
use otklik_messengers::{CallError, Choice};
use otklik_schema::MessageId;

use super::messenger::{choices, next_slot, split, stopped, turn};
use super::{Sent, backoff};
use crate::Context;

/// The VK channel in the shared delivery path.
pub struct Vk;

/// The `random_id` of one part of a delivery.
fn random_id(message: MessageId, part: usize) -> i64 {
    vk::random_id(&format!("message:{message}:{part}"))
}

impl super::Channel for Vk {
    /// The rate is waited for in `send`, right before the call: a moment reserved before the
    /// claim could pass while the claim is written.
    async fn wait(&self, _: &Context, _: &Delivery) -> Result<Option<Duration>, BoxDynError> {
        Ok(None)
    }

    async fn send(&self, ctx: &Context, scope: TenantScope, delivery: &Delivery) -> Sent {
        let Some(token) = delivery.bot_token(&ctx.vault) else {
            return Sent::Rejected("the channel has no community token".into());
        };
        let Ok(peer_id) = delivery.chat_id.parse::<i64>() else {
            return Sent::Undeliverable(format!("`{}` is not a VK peer", delivery.chat_id));
        };
        if delivery.recipient_stopped {
            return Sent::Undeliverable(
                "the shopper does not allow the community's messages".into(),
            );
        }
        if let Err(later) = turn(ctx, delivery).await {
            return later;
        }
        let offered = choices(delivery);
        let buttons: Vec<Choice<'_>> = offered
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
                return Sent::Rejected(
                    "only the first part of a long reply was sent: the community's rate stayed full"
                        .into(),
                );
            }
            let under = if i + 1 == parts.len() {
                &buttons[..]
            } else {
                &[]
            };
            let result = ctx
                .vk
                .send(&token, peer_id, random_id(delivery.id, i), part, under)
                .await;
            // Parts already sent are not sent again on a retry: their random_id is spent.
            match classify(result, delivery.attempts) {
                (Sent::Ok { external_id }, _) => {
                    first_id.get_or_insert(external_id);
                }
                (Sent::RetryAfter(wait), community_wide) => {
                    if community_wide {
                        tracing::info!(channel.id = %delivery.channel_id, wait_ms = wait.as_millis() as u64,
                            "VK asked to slow down");
                        if let Err(err) = ctx
                            .pace
                            .freeze(delivery.channel_kind, delivery.channel_id, wait)
                            .await
                        {
                            tracing::warn!(channel.id = %delivery.channel_id, error = %err, "could not pause the community's sends");
                        }
                    }
                    return Sent::RetryAfter(wait);
                }
                (Sent::Undeliverable(reason), _) => {
                    stopped(ctx, scope, delivery).await;
                    return Sent::Undeliverable(reason);
                }
                (other, _) => return other,
            }
        }
        Sent::Ok {
            external_id: first_id.unwrap_or_default(),
        }
    }
}

/// How one call ended, and whether a wait holds for the whole community.
fn classify(result: Result<i64, VkError>, attempts: i32) -> (Sent, bool) {
    match result {
        Ok(id) => (
            Sent::Ok {
                external_id: id.to_string(),
            },
            false,
        ),
        Err(CallError::Refused(error)) => match error.verdict() {
            // 6 and 29 are about the community as a whole; 9 and 10 about this call.
            Verdict::Wait(wait) => {
                let community_wide = matches!(error.code, 6 | 29);
                let wait = if community_wide {
                    wait
                } else {
                    wait.max(backoff(attempts))
                };
                (Sent::RetryAfter(wait), community_wide)
            }
            Verdict::Unreachable => (Sent::Undeliverable(error.to_string()), false),
            Verdict::Refused if error.is_auth() => (
                Sent::Rejected(format!(
                    "VK no longer accepts the community's token: {error}"
                )),
                false,
            ),
            Verdict::Refused => (Sent::Rejected(error.to_string()), false),
        },
        Err(CallError::Unreachable(err)) => (Sent::Failed(err.to_string()), false),
        // VK drops a repeated random_id, so trying again cannot send it twice.
        Err(CallError::Interrupted(reason)) => (Sent::Failed(reason), false),
    }
}
