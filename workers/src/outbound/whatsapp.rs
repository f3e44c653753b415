//! Sending through the WhatsApp Cloud API (`POST /{phone_number_id}/messages`) in the shared
//! delivery path, under the number's throughput (80 messages a second by default) shared by
//! every worker. A free-form reply goes only within 24 hours of the shopper's last message (the
//! customer service window); outside it the reply is not sent and operators read why. Meta's
//! error codes decide the rest: 131047 is the closed window, 130429 the number's throughput
//! (every send through it waits), 131056 the pair rate to this shopper, 131026 a shopper who
//! cannot be written to.

use std::time::Duration;

use apalis::prelude::BoxDynError;
use chrono::Utc;
use otklik_db::TenantScope;
use otklik_db::messages::Delivery;
use otklik_messengers::CallError;
use otklik_messengers::whatsapp::{self, ApiError, Verdict, WhatsAppError};

use super::messenger::{next_slot, split, turn};
use super::{Sent, backoff};
use crate::Context;

/// The WhatsApp channel in the shared delivery path.
pub struct Whatsapp;

/// What operators read when WhatsApp refuses or fails a message for `verdict`.
pub(crate) fn for_people(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::OutsideWindow => {
            "Ответ не доставлен: покупатель писал больше 24 часов назад, а после этого WhatsApp \
             разрешает писать ему только одобренными шаблонами сообщений. Ответить можно будет, \
             когда покупатель напишет снова, — или свяжитесь с ним другим способом."
        }
        Verdict::Undeliverable => {
            "WhatsApp не может доставить сообщение этому покупателю: номер не зарегистрирован в \
             WhatsApp, приложение устарело или покупатель не принял условия WhatsApp."
        }
        Verdict::Unauthorized => {
            "WhatsApp не принимает ключ доступа этого номера — подключите канал заново с \
             действующим ключом."
        }
        Verdict::Throughput | Verdict::PairRate => {
            "WhatsApp не доставил сообщение: слишком много сообщений за короткое время."
        }
        Verdict::Transient | Verdict::Refused => "WhatsApp не смог доставить сообщение.",
    }
}

impl super::Channel for Whatsapp {
    /// The rate is waited for in `send`, right before the call: a moment reserved before the
    /// claim could pass while the claim is written.
    async fn wait(&self, _: &Context, _: &Delivery) -> Result<Option<Duration>, BoxDynError> {
        Ok(None)
    }

    async fn send(&self, ctx: &Context, _: TenantScope, delivery: &Delivery) -> Sent {
        let open = otklik_db::sealed::Vault::open(&ctx.vault, &delivery.credentials);
        let credentials = match open {
            Ok(open) => open,
            Err(err) => return Sent::Rejected(format!("the channel's credentials: {err}")),
        };
        let (Some(token), Some(number)) = (
            credentials["bot_token"].as_str(),
            credentials["phone_number_id"].as_str(),
        ) else {
            return Sent::Rejected("the channel has no access token or phone number id".into());
        };
        if !within_window(delivery) {
            return Sent::NotAllowed(for_people(Verdict::OutsideWindow).to_owned());
        }
        if let Err(later) = turn(ctx, delivery).await {
            return later;
        }
        let parts = split(&delivery.body, whatsapp::TEXT_LIMIT, |text| {
            text.chars().count()
        });
        let mut first_id: Option<String> = None;
        for (i, part) in parts.iter().enumerate() {
            if i > 0 && !next_slot(ctx, delivery).await {
                return Sent::Rejected(
                    "only the first part of a long reply was sent: the number's rate stayed full"
                        .into(),
                );
            }
            let result = ctx
                .whatsapp
                .send_text(token, number, &delivery.chat_id, part)
                .await;
            let number_wide =
                matches!(&result, Err(CallError::Refused(e)) if e.verdict() == Verdict::Throughput);
            match (classify(result, delivery.attempts), first_id.is_some()) {
                (Sent::Ok { external_id }, _) => {
                    first_id.get_or_insert(external_id);
                }
                // Some of it reached the shopper: repeating the delivery would repeat that part.
                (failed, true) => {
                    return Sent::Rejected(format!(
                        "only part of a long reply was sent: {}",
                        super::reason_of(&failed)
                    ));
                }
                (Sent::RetryAfter(wait), false) => {
                    if number_wide {
                        tracing::info!(channel.id = %delivery.channel_id, wait_ms = wait.as_millis() as u64,
                            "WhatsApp throughput reached; the number's sends wait");
                        if let Err(err) = ctx
                            .pace
                            .freeze(delivery.channel_kind, delivery.channel_id, wait)
                            .await
                        {
                            tracing::warn!(channel.id = %delivery.channel_id, error = %err, "could not pause the number's sends");
                        }
                    }
                    return Sent::RetryAfter(wait);
                }
                (other, false) => return other,
            }
        }
        Sent::Ok {
            external_id: first_id.unwrap_or_default(),
        }
    }
}

/// Whether a free-form message may still go: the shopper wrote within the last 24 hours.
fn within_window(delivery: &Delivery) -> bool {
    delivery.last_inbound_at.is_some_and(|last| {
        (Utc::now() - last)
            .to_std()
            .map_or(true, |age| age < whatsapp::SERVICE_WINDOW)
    })
}

/// How one call ended, in the shared path's terms.
fn classify(result: Result<String, WhatsAppError>, attempts: i32) -> Sent {
    match result {
        Ok(wamid) => Sent::Ok { external_id: wamid },
        Err(CallError::Refused(error)) => refused(&error, attempts),
        Err(CallError::Unreachable(err)) => Sent::Failed(err.to_string()),
        // It may have arrived: tried again by default, as for every channel.
        Err(CallError::Interrupted(reason)) => Sent::Unknown(reason),
    }
}

fn refused(error: &ApiError, attempts: i32) -> Sent {
    let verdict = error.verdict();
    match verdict {
        Verdict::OutsideWindow => Sent::NotAllowed(for_people(verdict).to_owned()),
        // The number's throughput: Meta lets sends through again "within your allowed level",
        // which a pause of a second or so restores.
        Verdict::Throughput => Sent::RetryAfter(backoff(attempts).max(Duration::from_secs(1))),
        // The pair rate: Meta's guidance is 4^n seconds.
        Verdict::PairRate => {
            let exponent = u32::try_from(attempts.saturating_sub(1))
                .unwrap_or(0)
                .min(4);
            Sent::RetryAfter(Duration::from_secs(4_u64.pow(exponent)))
        }
        Verdict::Undeliverable => Sent::Undeliverable(for_people(verdict).to_owned()),
        Verdict::Unauthorized => Sent::Rejected(for_people(verdict).to_owned()),
        Verdict::Transient => Sent::Failed(error.to_string()),
        Verdict::Refused => Sent::Rejected(error.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(status: u16, code: i64) -> ApiError {
        ApiError {
            status,
            code,
            subcode: None,
            message: "x".into(),
            details: None,
        }
    }

    #[test]
    fn error_codes_decide_what_happens_to_the_delivery() {
        assert!(
            matches!(refused(&error(400, 131_047), 1), Sent::NotAllowed(why) if why.contains("24 часов"))
        );
        assert!(
            matches!(refused(&error(429, 130_429), 1), Sent::RetryAfter(wait) if wait >= Duration::from_secs(1))
        );
        assert!(
            matches!(refused(&error(400, 131_056), 3), Sent::RetryAfter(wait) if wait == Duration::from_secs(16))
        );
        assert!(matches!(
            refused(&error(400, 131_026), 1),
            Sent::Undeliverable(_)
        ));
        assert!(
            matches!(refused(&error(401, 190), 1), Sent::Rejected(why) if why.contains("ключ"))
        );
        assert!(matches!(refused(&error(500, 131_000), 1), Sent::Failed(_)));
        assert!(matches!(refused(&error(400, 100), 1), Sent::Rejected(_)));
    }
}
