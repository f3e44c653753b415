//! Sending through the MAX Bot API (`POST /messages`), under the bot's 30 calls a second, in the
//! shared delivery path: a long reply goes as several messages, the buttons under the last.

use std::time::Duration;

use apalis::prelude::BoxDynError;
use otklik_db::TenantScope;
use otklik_db::messages::Delivery;
use otklik_messengers::max::{self, MaxError, Recipient, markdown};
use otklik_messengers::{CallError, Choice};

use super::messenger::{choices, next_slot, split, stopped, turn};
use super::{Sent, backoff};
use crate::Context;

/// The MAX channel in the shared delivery path.
pub struct Max;

impl super::Channel for Max {
    /// The rate is waited for in `send`, right before the call: a moment reserved before the
    /// claim could pass while the claim is written.
    async fn wait(&self, _: &Context, _: &Delivery) -> Result<Option<Duration>, BoxDynError> {
        Ok(None)
    }

    async fn send(&self, ctx: &Context, scope: TenantScope, delivery: &Delivery) -> Sent {
        let Some(token) = delivery.bot_token(&ctx.vault) else {
            return Sent::Rejected("the channel has no bot token".into());
        };
        let Some(to) = Recipient::parse(&delivery.chat_id) else {
            return Sent::Undeliverable(format!("`{}` is not a MAX chat", delivery.chat_id));
        };
        if delivery.recipient_stopped {
            return Sent::Undeliverable("the shopper stopped the bot".into());
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
        let parts = split(&delivery.body, max::TEXT_LIMIT, |text| {
            markdown::escape(text).chars().count()
        });
        let mut first_mid: Option<String> = None;
        for (i, part) in parts.iter().enumerate() {
            if i > 0 && !next_slot(ctx, delivery).await {
                return Sent::Rejected(
                    "only the first part of a long reply was sent: the bot's rate stayed full"
                        .into(),
                );
            }
            // The buttons go under the last part, where the shopper reads last.
            let under = if i + 1 == parts.len() {
                &buttons[..]
            } else {
                &[]
            };
            let sent = classify(
                ctx.max.send(&token, to, part, under).await,
                delivery.attempts,
            );
            match (sent, first_mid.is_some()) {
                (Sent::Ok { external_id }, _) => {
                    first_mid.get_or_insert(external_id);
                }
                // Some of it reached the shopper: repeating the delivery would repeat that part.
                (failed, true) => {
                    return Sent::Rejected(format!(
                        "only part of a long reply was sent: {}",
                        super::reason_of(&failed)
                    ));
                }
                (Sent::RetryAfter(wait), false) => {
                    tracing::info!(channel.id = %delivery.channel_id, wait_ms = wait.as_millis() as u64,
                        "MAX asked to slow down");
                    if let Err(err) = ctx
                        .pace
                        .freeze(delivery.channel_kind, delivery.channel_id, wait)
                        .await
                    {
                        tracing::warn!(channel.id = %delivery.channel_id, error = %err, "could not pause the bot's sends");
                    }
                    return Sent::RetryAfter(wait);
                }
                (Sent::Undeliverable(reason), false) => {
                    stopped(ctx, scope, delivery).await;
                    return Sent::Undeliverable(reason);
                }
                (other, false) => return other,
            }
        }
        Sent::Ok {
            external_id: first_mid.unwrap_or_default(),
        }
    }
}

fn classify(result: Result<String, MaxError>, attempts: i32) -> Sent {
    match result {
        Ok(mid) => Sent::Ok { external_id: mid },
        Err(CallError::Refused(refusal)) if refusal.is_rate_limit() => {
            // The vendor's client backs off 1 s, 2 s, 4 s when MAX gives no Retry-After.
            Sent::RetryAfter(
                refusal
                    .retry_after
                    .unwrap_or_else(|| backoff(attempts.saturating_sub(1))),
            )
        }
        Err(CallError::Refused(refusal)) if refusal.is_attachment_not_ready() => {
            Sent::Failed("an attachment was not ready yet".into())
        }
        Err(CallError::Refused(refusal)) if refusal.is_unauthorized() => {
            Sent::Rejected("MAX no longer accepts the bot's token".into())
        }
        Err(CallError::Refused(refusal)) if refusal.is_undeliverable() => {
            Sent::Undeliverable(format!("MAX refused: {} {}", refusal.code, refusal.message))
        }
        Err(CallError::Refused(refusal)) if refusal.is_transient() => {
            Sent::Failed(format!("MAX was unavailable ({})", refusal.status))
        }
        Err(CallError::Refused(refusal)) => Sent::Rejected(refusal.to_string()),
        Err(CallError::Unreachable(err)) => Sent::Failed(err.to_string()),
        // It may have arrived: tried again by default, as for every channel.
        Err(CallError::Interrupted(reason)) => Sent::Unknown(reason),
    }
}
