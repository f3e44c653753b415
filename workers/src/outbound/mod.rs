//! The outbound pool: deliver one message under the channel's limits and record the outcome.
//!
//! Every channel goes through one path (`deliver`): read the message; wait for the channel's
//! rate limits; claim it immediately before the request leaves; send; record the outcome. A
//! channel module implements [`Channel`] — how long to wait, and the send itself — and says how
//! the send ended in the shared [`Sent`] terms; retries, budgets and the handoff of a reply that
//! cannot be delivered are decided here, once. The web chat records before it publishes.

pub mod limits;
mod marketplace;
mod max;
mod messenger;
pub mod pace;
pub mod telegram;
mod vk;
mod webchat;
pub(crate) mod whatsapp;

use std::sync::Arc;
use std::time::Duration;

use apalis::prelude::{BoxDynError, Data};
use otklik_db::TenantScope;
use otklik_db::messages::{self, Delivery, Finished, Outcome, Recorded, ToSend};
use otklik_jobs::{Deliver, OperatorEvent};
use otklik_schema::{ChannelKind, MessageId};
use rand::Rng;

use crate::metrics::DeliveryOutcome;
use crate::{Context, job_span};

/// Waits up to this long are slept through; longer ones are rescheduled so the worker slot is
/// free for other chats.
const MAX_INLINE_WAIT: Duration = Duration::from_secs(1);
/// Requests after which a provider that keeps failing (or never answers) means giving up and
/// handing the conversation to people: with the back-off below, about four minutes.
const MAX_ATTEMPTS: i32 = 10;
/// Longest pause between two tries of one send.
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// How long recording a send's outcome keeps trying while PostgreSQL is away: a sent reply whose
/// `sent` was never written would be sent again.
const RECORD_PATIENCE: Duration = Duration::from_secs(60);

/// How a send ended, in the terms the shared delivery path acts on.
#[derive(Debug)]
pub enum Sent {
    Ok {
        external_id: String,
    },
    /// The provider asked to wait (429 `retry_after`); the channel stopped its own sends.
    RetryAfter(Duration),
    /// Not delivered, and safe to try again: the provider could not be reached or failed.
    Failed(String),
    /// The request left but no answer came (a timeout, a broken response): it may have arrived.
    /// Tried again by default — a rare duplicate is better than silence.
    Unknown(String),
    /// It can never be delivered this way (the shopper blocked the bot, the marketplace's rules).
    Undeliverable(String),
    /// The provider refused this message for good.
    Rejected(String),
    /// Not sent after all: the seller had already answered at the marketplace (why, for people).
    Withdrawn(String),
    /// The channel's rules forbid this message now (WhatsApp's 24-hour window has closed): not
    /// sent, and people take over. The reason is written for operators, in Russian.
    NotAllowed(String),
}

/// A channel the shared path delivers to.
pub(crate) trait Channel {
    /// How long this send must wait for the channel's limits before it may leave (`None`: now).
    /// Takes the slot when it answers `None`.
    async fn wait(
        &self,
        ctx: &Context,
        delivery: &Delivery,
    ) -> Result<Option<Duration>, BoxDynError>;

    /// Makes the provider request. Called only after the message was claimed.
    async fn send(&self, ctx: &Context, scope: TenantScope, delivery: &Delivery) -> Sent;

    /// Whether this channel words its refusals (`Undeliverable`, `Rejected`) for operators, in
    /// Russian; otherwise they are the provider's words, kept for support only.
    fn words_refusals(&self) -> bool {
        false
    }
}

pub async fn handle(job: Deliver, ctx: Data<Arc<Context>>) -> Result<(), BoxDynError> {
    let scope = TenantScope::trusted(job.tenant_id);
    job_span::record_tenant(job.tenant_id);
    let stale = ctx.interrupted_after();
    let found = {
        let mut conn = ctx.db.get().await?;
        messages::to_send(&mut conn, scope, job.message_id, stale).await?
    };
    let delivery = match found {
        ToSend::Ready(delivery) => {
            job_span::record_conversation(delivery.conversation_id);
            *delivery
        }
        ToSend::Missing | ToSend::Done(_) => return Ok(()),
        ToSend::InFlight { since } => {
            // Look again once the claim is stale: by then its sender has finished or died.
            let age = (chrono::Utc::now() - since).to_std().unwrap_or_default();
            let wait = stale.saturating_sub(age) + Duration::from_millis(500);
            ctx.queues.push_delivery_later(job, wait).await?;
            return Ok(());
        }
    };
    if delivery.was_interrupted() {
        tracing::warn!(message.id = %delivery.id,
            "a send was interrupted by a crash; sending again (it may arrive twice)");
    }
    match delivery.channel_kind {
        ChannelKind::Webchat => webchat::deliver(&ctx, scope, &delivery).await,
        ChannelKind::Telegram => deliver(&ctx, scope, &delivery, &telegram::Telegram).await,
        ChannelKind::Max => deliver(&ctx, scope, &delivery, &max::Max).await,
        ChannelKind::Vk => deliver(&ctx, scope, &delivery, &vk::Vk).await,
        ChannelKind::Whatsapp => deliver(&ctx, scope, &delivery, &whatsapp::Whatsapp).await,
        kind if kind.is_marketplace() => {
            deliver(&ctx, scope, &delivery, &marketplace::Marketplace).await
        }
        kind => deliver(&ctx, scope, &delivery, &Unsupported(kind)).await,
    }
}

/// Why a send did not go, for the note people read.
fn reason_of(sent: &Sent) -> String {
    match sent {
        Sent::Ok { .. } => "sent".to_owned(),
        Sent::RetryAfter(wait) => format!("the provider asked to wait {} s", wait.as_secs()),
        Sent::Failed(reason)
        | Sent::Unknown(reason)
        | Sent::Undeliverable(reason)
        | Sent::Rejected(reason)
        | Sent::Withdrawn(reason)
        | Sent::NotAllowed(reason) => reason.clone(),
    }
}

/// The shared path: limits, claim, send, outcome.
async fn deliver(
    ctx: &Context,
    scope: TenantScope,
    delivery: &Delivery,
    channel: &impl Channel,
) -> Result<(), BoxDynError> {
    loop {
        match channel.wait(ctx, delivery).await {
            Ok(None) => break,
            Ok(Some(wait)) if wait <= MAX_INLINE_WAIT => tokio::time::sleep(wait).await,
            Ok(Some(wait)) => return later(ctx, scope, delivery.id, wait).await,
            Err(err) => {
                tracing::warn!(message.id = %delivery.id, error = %err, "rate limiter unavailable");
                return later(ctx, scope, delivery.id, jitter(Duration::from_secs(1))).await;
            }
        }
    }
    let attempt = {
        let mut conn = ctx.db.get().await?;
        messages::claim(&mut conn, scope, delivery.id, ctx.interrupted_after()).await?
    };
    let Some(attempt) = attempt else {
        // Another worker claimed or finished it meanwhile.
        return Ok(());
    };
    let sent = channel.send(ctx, scope, delivery).await;
    let (outcome, again) = match &sent {
        Sent::Ok { external_id } => (Outcome::Sent { external_id }, None),
        Sent::RetryAfter(wait) => (
            Outcome::Wait {
                reason: "the provider asked to retry later",
            },
            Some(*wait + jitter(Duration::from_millis(250))),
        ),
        Sent::Failed(reason) | Sent::Unknown(reason) if attempt < MAX_ATTEMPTS => {
            tracing::info!(message.id = %delivery.id, attempt, reason = %reason, "send failed; will retry");
            (Outcome::Retry { reason }, Some(backoff(attempt)))
        }
        Sent::Failed(reason) | Sent::Unknown(reason) | Sent::Rejected(reason) => {
            tracing::warn!(message.id = %delivery.id, attempt, reason = %reason, "delivery failed; handing off");
            (Outcome::Failed { reason }, None)
        }
        Sent::Undeliverable(reason) => {
            tracing::warn!(message.id = %delivery.id, reason = %reason, "undeliverable; handing off");
            (Outcome::Undeliverable { reason }, None)
        }
        Sent::Withdrawn(reason) => (Outcome::Withdrawn { reason }, None),
        Sent::NotAllowed(reason) => {
            tracing::info!(message.id = %delivery.id, reason = %reason, "not allowed by the channel; handing off");
            (Outcome::Failed { reason }, None)
        }
    };
    let explained = match &sent {
        Sent::NotAllowed(reason) => Some(reason.as_str()),
        Sent::Undeliverable(reason) | Sent::Rejected(reason) if channel.words_refusals() => {
            Some(reason.as_str())
        }
        _ => None,
    };
    record(ctx, scope, delivery, outcome, attempt, explained).await?;
    if let Some(wait) = again {
        ctx.queues
            .push_delivery_later(job_of(scope, delivery.id), wait)
            .await?;
    }
    Ok(())
}

/// A channel kind nothing can send to yet: people answer there.
struct Unsupported(ChannelKind);

impl Channel for Unsupported {
    async fn wait(&self, _: &Context, _: &Delivery) -> Result<Option<Duration>, BoxDynError> {
        Ok(None)
    }

    async fn send(&self, _: &Context, _: TenantScope, _: &Delivery) -> Sent {
        Sent::Rejected(format!(
            "sending to {} channels is not supported yet",
            self.0
        ))
    }
}

fn job_of(scope: TenantScope, message_id: MessageId) -> Deliver {
    Deliver {
        tenant_id: scope.tenant_id(),
        message_id,
    }
}

/// How the operations metrics count an outcome.
fn counted(outcome: &Outcome<'_>) -> DeliveryOutcome {
    match outcome {
        Outcome::Sent { .. } => DeliveryOutcome::Sent,
        Outcome::Retry { .. } | Outcome::Wait { .. } => DeliveryOutcome::Retried,
        Outcome::Failed { .. } | Outcome::Undeliverable { .. } => DeliveryOutcome::Failed,
        Outcome::Withdrawn { .. } => DeliveryOutcome::Withdrawn,
    }
}

/// Tries the (still pending) message again after `wait`.
async fn later(
    ctx: &Context,
    scope: TenantScope,
    message_id: MessageId,
    wait: Duration,
) -> Result<(), BoxDynError> {
    ctx.queues
        .push_delivery_later(job_of(scope, message_id), wait)
        .await?;
    Ok(())
}

/// Exponential back-off for a failing provider, with jitter so a storm's retries spread out:
/// about 1 s, 2 s, 4 s … up to a minute.
fn backoff(attempt: i32) -> Duration {
    let exponent = u32::try_from(attempt.saturating_sub(1)).unwrap_or(0).min(6);
    jitter(Duration::from_secs(1_u64 << exponent).min(MAX_BACKOFF))
}

/// Between half and all of `wait`, at random.
fn jitter(wait: Duration) -> Duration {
    let ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX).max(2);
    Duration::from_millis(rand::rng().random_range(ms / 2..=ms))
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

/// Why a send did not go, in the words operators read beside its tick; `None` once it went.
/// `explained` when the channel said why in words for people. The provider's own words stay in
/// the message's `meta.provider_error` and the logs, for support.
fn for_people(outcome: &Outcome<'_>, attempts: i32, explained: Option<&str>) -> Option<String> {
    let why = match (outcome, explained) {
        (Outcome::Sent { .. }, _) => return None,
        (Outcome::Withdrawn { reason }, _) => (*reason).to_owned(),
        (Outcome::Retry { .. }, _) => {
            "Канал не ответил вовремя, отправим ещё раз автоматически.".to_owned()
        }
        (Outcome::Wait { .. }, _) => {
            "Канал попросил подождать, ответ уйдёт через несколько секунд.".to_owned()
        }
        (_, Some(explained)) => explained.to_owned(),
        (Outcome::Undeliverable { .. }, None) => {
            "Ответ не доставлен: канал его не принимает (например, покупатель заблокировал бота или ответ нарушает правила площадки)."
                .to_owned()
        }
        _ if attempts >= MAX_ATTEMPTS => {
            format!("Ответ не удалось доставить покупателю: канал не отвечал ({attempts} попыток).")
        }
        _ => "Ответ не доставлен: канал отказался его принять.".to_owned(),
    };
    Some(why)
}

/// What operators read first in a conversation whose reply could not be delivered: why, then
/// the reply itself.
fn handoff_note(why: &str, body: &str) -> String {
    let quoted: String = body.chars().take(300).collect();
    let ellipsis = if quoted.len() < body.len() { "…" } else { "" };
    format!("{why} Текст ответа: «{quoted}{ellipsis}»")
}

/// Records a send's outcome, tells operators, and keeps trying while PostgreSQL is away (a
/// restart takes seconds): an unrecorded `sent` would mean sending the reply again.
async fn record(
    ctx: &Context,
    scope: TenantScope,
    delivery: &Delivery,
    outcome: Outcome<'_>,
    attempts: i32,
    explained: Option<&str>,
) -> Result<(), BoxDynError> {
    ctx.metrics
        .delivery(delivery.channel_kind, counted(&outcome));
    let status = outcome.status();
    let shown = for_people(&outcome, attempts, explained);
    let note = match &shown {
        Some(why) if outcome.is_final_failure() => handoff_note(why, &delivery.body),
        _ => String::new(),
    };
    let started = tokio::time::Instant::now();
    let mut pause = Duration::from_millis(250);
    let finished = loop {
        let attempt = async {
            let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
            let recorded = Recorded {
                outcome: outcome.clone(),
                for_people: shown.as_deref(),
                note: &note,
            };
            messages::finish(&mut conn, scope, delivery.id, recorded).await
        };
        match attempt.await {
            Ok(finished) => break finished,
            Err(err) if started.elapsed() < RECORD_PATIENCE => {
                tracing::warn!(message.id = %delivery.id, error = %err, "could not record a send's outcome; trying again");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(Duration::from_secs(5));
            }
            Err(err) => return Err(err.into()),
        }
    };
    let Finished {
        recorded,
        handed_off,
    } = finished;
    if !recorded {
        tracing::warn!(message.id = %delivery.id, "delivery outcome not recorded: the message was no longer sending");
        return Ok(());
    }
    let event = OperatorEvent::Delivery {
        conversation_id: delivery.conversation_id,
        message_id: delivery.id,
        status,
        receipt: None,
    };
    // A lost event only delays the tick until the next read.
    ctx.tell_operators(scope, &event, "a delivery").await;
    if handed_off {
        let event = OperatorEvent::Handoff {
            conversation_id: delivery.conversation_id,
            reason: otklik_schema::HandoffReason::DeliveryFailed,
            summary: note,
            reply_due_at: None,
        };
        ctx.tell_operators(scope, &event, "a failed delivery").await;
    }
    Ok(())
}
