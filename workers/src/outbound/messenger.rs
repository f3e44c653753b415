//! What MAX and VK deliveries share: a moment reserved within the bot's or community's rate
//! (slept for when it is near, rescheduled when it is not), and long replies cut into messages
//! the provider takes.

use std::time::Duration;

use otklik_db::TenantScope;
use otklik_db::messages::{Choice, Delivery};

use super::{MAX_INLINE_WAIT, Sent};
use crate::Context;

/// Sleeps until the delivery's reserved moment within the bot's or community's rate. Called
/// right before the request, after the claim, so nothing comes between the moment and the call;
/// `Err` (the claim is given back, the delivery rescheduled) when no moment is near.
pub(super) async fn turn(ctx: &Context, delivery: &Delivery) -> Result<(), Sent> {
    match ctx
        .pace
        .until_turn(delivery.channel_kind, delivery.channel_id, MAX_INLINE_WAIT)
        .await
    {
        Ok(None) => Ok(()),
        Ok(Some(wait)) => Err(Sent::RetryAfter(wait)),
        Err(err) => {
            tracing::warn!(message.id = %delivery.id, error = %err, "rate limiter unavailable");
            Err(Sent::RetryAfter(Duration::from_secs(1)))
        }
    }
}

/// The choices the message offers as buttons.
pub(super) fn choices(delivery: &Delivery) -> Vec<Choice> {
    delivery.choices()
}

/// The shopper stopped the bot (or denied the community's messages): nothing more is sent to
/// this conversation until they start it again. Best effort: the send is already refused.
pub(super) async fn stopped(ctx: &Context, scope: TenantScope, delivery: &Delivery) {
    let marked = async {
        let mut conn = ctx.db.get().await.map_err(otklik_db::DbError::from)?;
        otklik_db::shopper_events::stop_conversation(&mut conn, scope, delivery.conversation_id)
            .await
    };
    if let Err(err) = marked.await {
        tracing::warn!(message.id = %delivery.id, error = %err, "could not mark the shopper as stopped");
    }
}

/// Waits for a further call of the same delivery (the second part of a long reply).
pub(super) async fn next_slot(ctx: &Context, delivery: &Delivery) -> bool {
    ctx.pace
        .wait(
            delivery.channel_kind,
            delivery.channel_id,
            Duration::from_secs(30),
        )
        .await
}

/// `text` in parts whose `measure` is at most `limit`, cut at a paragraph, line, sentence or
/// word end where one is near enough, so no part stops mid-word.
pub(super) fn split(text: &str, limit: usize, measure: impl Fn(&str) -> usize) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = text.trim();
    while measure(rest) > limit {
        let chars: Vec<(usize, char)> = rest.char_indices().collect();
        // The longest prefix that fits, in characters (the measure grows with the prefix).
        let end_of = |n: usize| chars.get(n).map_or(rest.len(), |(i, _)| *i);
        let (mut low, mut high) = (0, chars.len());
        while low < high {
            let mid = (low + high).div_ceil(2);
            if measure(&rest[..end_of(mid)]) <= limit {
                low = mid;
            } else {
                high = mid - 1;
            }
        }
        let fit = low;
        let hard_end = end_of(fit.max(1));
        let head = &rest[..hard_end];
        let cut = ["\n\n", "\n", ". ", "! ", "? ", " "]
            .iter()
            .filter_map(|sep| head.rfind(sep).map(|i| i + sep.len()))
            .find(|&i| i > head.len() / 2)
            .unwrap_or(hard_end);
        parts.push(rest[..cut].trim_end().to_owned());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() || parts.is_empty() {
        parts.push(rest.to_owned());
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(text: &str) -> usize {
        text.chars().count()
    }

    #[test]
    fn short_text_is_one_part() {
        assert_eq!(split("Здравствуйте!", 100, chars), vec!["Здравствуйте!"]);
    }

    #[test]
    fn long_text_is_cut_at_sentence_ends_within_the_limit() {
        let sentence = "Заказ уже в пункте выдачи. ";
        let text = sentence.repeat(20);
        let parts = split(&text, 100, chars);
        assert!(parts.len() > 1);
        for part in &parts {
            assert!(chars(part) <= 100, "{part}");
            assert!(part.ends_with('.'), "cut at a sentence end: {part}");
        }
        assert_eq!(parts.join(" "), text.trim());
    }

    #[test]
    fn the_measure_decides_what_fits() {
        // Each `*` costs two when escaped.
        let escaped = |text: &str| text.chars().map(|c| if c == '*' { 2 } else { 1 }).sum();
        let parts = split(&"*".repeat(30), 10, escaped);
        assert!(parts.iter().all(|part| escaped(part) <= 10));
        assert_eq!(parts.concat(), "*".repeat(30));
    }
}
