//! After a sync: one message to each conversation whose shopper proved an order theirs, when
//! that order shipped, reached the pickup point or was cancelled, or its return was decided or
//! refunded (`assistant::order_news`).
//! Never on marketplace channels, whose rules leave the first word to the shopper; at night in
//! the shop's time zone the message waits until morning.

use std::time::Duration;

use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;
use otklik_db::order_news::Addressed;
use otklik_db::{AsyncPgConnection, DbError, TenantScope, order_news, tenants};
use otklik_jobs::{Deliver, EnqueueError};
use otklik_schema::AccountId;
use otklik_schema::ChannelKind;

use crate::Context;
use crate::assistant::{self, Settings};

/// Local hours when nobody is written to first: from 21:00 to 09:00.
const QUIET_FROM: u32 = 21;
const QUIET_UNTIL: u32 = 9;

#[derive(Debug, thiserror::Error)]
pub enum NewsError {
    #[error(transparent)]
    Database(#[from] DbError),
    #[error(transparent)]
    Queue(#[from] EnqueueError),
}

/// How long a message written at `now` waits for the morning in `zone`.
fn until_morning(now: DateTime<Utc>, zone: Tz) -> Duration {
    let local = now.with_timezone(&zone);
    let hour = local.hour();
    let hours = if hour >= QUIET_FROM {
        24 - hour + QUIET_UNTIL
    } else if hour < QUIET_UNTIL {
        QUIET_UNTIL - hour
    } else {
        return Duration::ZERO;
    };
    let past = u64::from(local.minute()) * 60 + u64::from(local.second());
    Duration::from_secs((u64::from(hours) * 3600).saturating_sub(past))
}

/// Posts and enqueues the news of the account's status changes recorded since `since`;
/// returns how many messages were posted. Posting is keyed, so a sync that runs twice tells
/// nobody twice.
pub async fn announce(
    ctx: &Context,
    scope: TenantScope,
    account: AccountId,
    since: DateTime<Utc>,
) -> Result<usize, NewsError> {
    let mut conn = ctx.db.get().await.map_err(DbError::from)?;
    let tenant = tenants::get(&mut conn, scope).await?;
    // A shop whose people answer everything does not want the assistant writing first.
    if tenant.operator_only || !Settings::of(&tenant).order_news {
        return Ok(0);
    }
    let zone = tenant.timezone.parse::<Tz>().unwrap_or(Tz::Europe__Moscow);
    let teller = Teller { ctx, scope, zone };
    let mut posted = 0;
    for news in order_news::since(&mut conn, scope, account, since).await? {
        let Some(announcement) = assistant::order_news::announce(&news) else {
            continue;
        };
        let to = Addressed {
            conversation_id: news.conversation_id,
            channel_id: news.channel_id,
            order: news.order.id,
        };
        let key = format!(
            "order-news:{}:{}:{}",
            news.conversation_id, news.order.id, announcement.stage
        );
        let text = &announcement.text;
        posted += usize::from(
            teller
                .tell(&mut conn, news.channel_kind, to, text, &key)
                .await?,
        );
    }
    for news in order_news::returns_since(&mut conn, scope, account, since).await? {
        let Some(announcement) = assistant::order_news::announce_return(&news) else {
            continue;
        };
        let to = Addressed {
            conversation_id: news.conversation_id,
            channel_id: news.channel_id,
            order: news.order_id,
        };
        let key = format!(
            "return-news:{}:{}:{}",
            news.conversation_id, news.found.external_id, announcement.stage
        );
        let text = &announcement.text;
        posted += usize::from(
            teller
                .tell(&mut conn, news.channel_kind, to, text, &key)
                .await?,
        );
    }
    Ok(posted)
}

/// Posts one piece of news and enqueues its delivery, in the morning when it is night in the
/// shop's zone.
struct Teller<'a> {
    ctx: &'a Context,
    scope: TenantScope,
    zone: Tz,
}

impl Teller<'_> {
    /// Whether a message was posted: never on marketplace channels, whose rules leave the first
    /// word to the shopper, and once per key.
    async fn tell(
        &self,
        conn: &mut AsyncPgConnection,
        channel: ChannelKind,
        to: Addressed,
        text: &str,
        key: &str,
    ) -> Result<bool, NewsError> {
        if channel.is_marketplace() {
            return Ok(false);
        }
        let Some(message_id) = order_news::post(conn, self.scope, to, text, key).await? else {
            return Ok(false);
        };
        let job = Deliver {
            tenant_id: self.scope.tenant_id(),
            message_id,
        };
        let wait = until_morning(Utc::now(), self.zone);
        if wait.is_zero() {
            self.ctx.queues.push_delivery(job).await?;
        } else {
            self.ctx.queues.push_delivery_later(job, wait).await?;
        }
        tracing::info!(conversation.id = %to.conversation_id, order.id = to.order, key, "order news posted");
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn news_waits_for_the_morning_in_the_shops_zone() {
        let moscow = Tz::Europe__Moscow;
        // 12:00 Moscow is 09:00 UTC: sent now.
        let noon = Utc
            .with_ymd_and_hms(2026, 12, 7, 9, 0, 0)
            .single()
            .expect("a time");
        assert_eq!(until_morning(noon, moscow), Duration::ZERO);
        // 23:30 Moscow: nine and a half hours to 09:00.
        let late = Utc
            .with_ymd_and_hms(2026, 12, 7, 20, 30, 0)
            .single()
            .expect("a time");
        assert_eq!(
            until_morning(late, moscow),
            Duration::from_secs(9 * 3600 + 1800)
        );
        // 06:00 Moscow: three hours.
        let early = Utc
            .with_ymd_and_hms(2026, 12, 7, 3, 0, 0)
            .single()
            .expect("a time");
        assert_eq!(until_morning(early, moscow), Duration::from_secs(3 * 3600));
    }
}
