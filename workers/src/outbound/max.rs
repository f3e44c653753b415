//! Sending through the MAX Bot API (`POST /messages`), under the bot's 30 calls a second.

use std::time::Duration;

use apalis::prelude::BoxDynError;
use otklik_db::TenantScope;
use otklik_db::messages::{Delivery, Outcome};
use otklik_messengers::max::{self, MaxError, Recipient, markdown};
use otklik_messengers::{CallError, Choice};

use super::messenger::{next_slot, slot, split};
use super::{MAX_ATTEMPTS, backoff, finish, reschedule};
use crate::Context;

/// How a part of the reply ended.
enum Sent {
    Ok(String),
    /// Try the whole delivery again after this long; `true` when nothing may go through the
    /// bot meanwhile (MAX said too many requests).
    Later(Duration, String, bool),
    Undeliverable(String),
    Failed(String),
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
                reason: "the channel has no bot token",
            },
        )
        .await;
    };
    let Some(to) = Recipient::parse(&delivery.chat_id) else {
        let reason = format!("`{}` is not a MAX chat", delivery.chat_id);
        return finish(
            ctx,
            scope,
            delivery,
            Outcome::Undeliverable { reason: &reason },
        )
        .await;
    };
    if delivery.recipient_stopped {
        let reason = "the shopper stopped the bot";
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
    let parts = split(&delivery.body, max::TEXT_LIMIT, |text| {
        markdown::escape(text).chars().count()
    });
    let mut first_mid = None;
    for (i, part) in parts.iter().enumerate() {
        if i > 0 && !next_slot(ctx, delivery).await {
            let reason = "only the first part of a long reply was sent: the bot's rate stayed full";
            return finish(ctx, scope, delivery, Outcome::Failed { reason }).await;
        }
        // The buttons go under the last part, where the shopper reads last.
        let buttons = if i + 1 == parts.len() {
            &choices[..]
        } else {
            &[]
        };
        let sent = classify(
            ctx.max.send(token, to, part, buttons).await,
            delivery.attempts,
        );
        match (sent, first_mid.is_some()) {
            (Sent::Ok(mid), _) => {
                first_mid.get_or_insert(mid);
            }
            // Some of it reached the shopper: repeating the delivery would repeat that part.
            (
                Sent::Later(_, reason, _) | Sent::Undeliverable(reason) | Sent::Failed(reason),
                true,
            ) => {
                let reason = format!("only part of a long reply was sent: {reason}");
                return finish(ctx, scope, delivery, Outcome::Failed { reason: &reason }).await;
            }
            (Sent::Later(wait, reason, freeze), false) => {
                if freeze {
                    tracing::info!(channel.id = %delivery.channel_id, wait_ms = wait.as_millis() as u64,
                        "MAX asked to slow down");
                    ctx.pace
                        .freeze(delivery.channel_kind, delivery.channel_id, wait)
                        .await?;
                }
                return reschedule(ctx, scope, delivery, wait, &reason).await;
            }
            (Sent::Undeliverable(reason), false) => {
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
            (Sent::Failed(reason), false) => {
                tracing::warn!(message.id = %delivery.id, reason = %reason, "MAX delivery failed");
                return finish(ctx, scope, delivery, Outcome::Failed { reason: &reason }).await;
            }
        }
    }
    let external_id = first_mid.unwrap_or_default();
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

fn classify(result: Result<String, MaxError>, attempts: i32) -> Sent {
    let retry = |wait: Duration, reason: String| {
        if attempts < MAX_ATTEMPTS {
            Sent::Later(wait, reason, false)
        } else {
            Sent::Failed(format!("gave up after {attempts} attempts: {reason}"))
        }
    };
    match result {
        Ok(mid) => Sent::Ok(mid),
        Err(CallError::Refused(refusal)) if refusal.is_rate_limit() => {
            // The vendor's client backs off 1 s, 2 s, 4 s when MAX gives no Retry-After.
            let wait = refusal.retry_after.unwrap_or_else(|| backoff(attempts - 1));
            match retry(wait, "MAX asked to slow down".into()) {
                Sent::Later(wait, reason, _) => Sent::Later(wait, reason, true),
                gave_up => gave_up,
            }
        }
        Err(CallError::Refused(refusal)) if refusal.is_attachment_not_ready() => retry(
            Duration::from_secs(1),
            "an attachment was not ready yet".into(),
        ),
        Err(CallError::Refused(refusal)) if refusal.is_unauthorized() => {
            Sent::Failed("MAX no longer accepts the bot's token".into())
        }
        Err(CallError::Refused(refusal)) if refusal.is_undeliverable() => {
            Sent::Undeliverable(format!("MAX refused: {} {}", refusal.code, refusal.message))
        }
        Err(CallError::Refused(refusal)) if refusal.is_transient() => retry(
            backoff(attempts),
            format!("MAX was unavailable ({})", refusal.status),
        ),
        Err(CallError::Refused(refusal)) => Sent::Failed(refusal.to_string()),
        Err(CallError::Unreachable(err)) => retry(backoff(attempts), err.to_string()),
        // It may have arrived: a second send could repeat it.
        Err(CallError::Interrupted(reason)) => Sent::Failed(reason),
    }
}
