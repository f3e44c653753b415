//! Analytics read from the rollups the database keeps as events happen (migration
//! `2026-12-08-100001_analytics`, definitions in `docs/metrics.md`): one outcome row per
//! conversation and counters per tenant × day × channel. A report reads the rows of its date
//! range through indexes, never the messages themselves.

use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Double, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::{ChannelId, ConversationId, HandoffReason};

use crate::{DbError, TenantScope};

/// Handoff reasons that mean the bot did not know the answer: knowledge gaps.
pub const GAP_REASONS: &[HandoffReason] = &[
    HandoffReason::NoKnowledge,
    HandoffReason::NotInCard,
    HandoffReason::NotUnderstood,
    HandoffReason::ModelTransfer,
];

/// A report's days, inclusive, in the tenant's time zone, and optionally one channel.
#[derive(Debug, Clone, Copy)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub channel: Option<ChannelId>,
}

/// Conversation figures of a period: for the whole shop (`channel_id` empty) or one channel.
#[derive(Debug, Clone, Default, QueryableByName, serde::Serialize)]
pub struct Figures {
    #[diesel(sql_type = Nullable<BigInt>)]
    pub channel_id: Option<ChannelId>,
    /// Conversations whose shopper wrote first in the period.
    #[diesel(sql_type = BigInt)]
    pub conversations: i64,
    /// Conversations the bot answered at least once.
    #[diesel(sql_type = BigInt)]
    pub bot_involved: i64,
    /// Conversations with a real request (not only greetings or thanks).
    #[diesel(sql_type = BigInt)]
    pub requests: i64,
    /// Requests whose outcome is decided (not `bot_pending`): the automation rate's base.
    #[diesel(sql_type = BigInt)]
    pub decided: i64,
    #[diesel(sql_type = BigInt)]
    pub bot_resolved: i64,
    /// Bot-only conversations still inside their 24 hours.
    #[diesel(sql_type = BigInt)]
    pub bot_pending: i64,
    #[diesel(sql_type = BigInt)]
    pub not_resolved: i64,
    #[diesel(sql_type = BigInt)]
    pub handed_off: i64,
    /// People answered without a handoff (an operator took over).
    #[diesel(sql_type = BigInt)]
    pub operator: i64,
    #[diesel(sql_type = BigInt)]
    pub unanswered: i64,
    #[diesel(sql_type = BigInt)]
    pub greeting_only: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub first_response_p50: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub first_response_p90: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub resolution_p50: Option<f64>,
    #[diesel(sql_type = Nullable<Double>)]
    pub resolution_p90: Option<f64>,
    #[diesel(sql_type = BigInt)]
    pub rated: i64,
    /// Ratings of 4 or 5.
    #[diesel(sql_type = BigInt)]
    pub satisfied: i64,
    #[diesel(sql_type = Nullable<Double>)]
    pub average_stars: Option<f64>,
}

impl Figures {
    /// Resolved by the bot out of the decided requests, 0–1; `None` with nothing decided.
    pub fn automation_rate(&self) -> Option<f64> {
        ratio(self.bot_resolved, self.decided)
    }

    /// Conversations the bot answered out of all.
    pub fn involvement(&self) -> Option<f64> {
        ratio(self.bot_involved, self.conversations)
    }

    /// Requests handed to people out of all requests.
    pub fn handoff_rate(&self) -> Option<f64> {
        ratio(self.handed_off, self.requests)
    }

    /// Ratings of 4–5 out of all ratings.
    pub fn csat(&self) -> Option<f64> {
        ratio(self.satisfied, self.rated)
    }
}

fn ratio(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// The rows of the period with their outcome as of now; `$1` tenant, `$2`/`$3` days, `$4`
/// channel.
const PERIOD_ROWS: &str = "
    WITH bounds AS (
        SELECT ($2::date)::timestamp AT TIME ZONE t.timezone AS lo,
               ($3::date + 1)::timestamp AT TIME ZONE t.timezone AS hi
          FROM tenants t WHERE t.id = $1),
    x AS (
        SELECT cm.*, analytics_outcome(cm, now()) AS outcome
          FROM conversation_metrics cm, bounds
         WHERE cm.tenant_id = $1 AND cm.started_at >= bounds.lo AND cm.started_at < bounds.hi
           AND ($4::bigint IS NULL OR cm.channel_id = $4))";

/// The period's figures: the shop's first (`channel_id` empty), then each channel's.
pub async fn figures(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    period: Period,
) -> Result<Vec<Figures>, DbError> {
    let query = format!(
        "{PERIOD_ROWS}
        SELECT channel_id,
               count(*) AS conversations,
               count(*) FILTER (WHERE request_answers + small_talk_answers > 0) AS bot_involved,
               count(*) FILTER (WHERE outcome <> 'greeting_only') AS requests,
               count(*) FILTER (WHERE outcome NOT IN ('greeting_only', 'bot_pending')) AS decided,
               count(*) FILTER (WHERE outcome = 'bot_resolved') AS bot_resolved,
               count(*) FILTER (WHERE outcome = 'bot_pending') AS bot_pending,
               count(*) FILTER (WHERE outcome = 'not_resolved') AS not_resolved,
               count(*) FILTER (WHERE outcome = 'handed_off') AS handed_off,
               count(*) FILTER (WHERE outcome = 'operator') AS operator,
               count(*) FILTER (WHERE outcome = 'unanswered') AS unanswered,
               count(*) FILTER (WHERE outcome = 'greeting_only') AS greeting_only,
               percentile_disc(0.5) WITHIN GROUP (ORDER BY first_response) AS first_response_p50,
               percentile_disc(0.9) WITHIN GROUP (ORDER BY first_response) AS first_response_p90,
               percentile_disc(0.5) WITHIN GROUP (ORDER BY resolution) AS resolution_p50,
               percentile_disc(0.9) WITHIN GROUP (ORDER BY resolution) AS resolution_p90,
               count(stars) AS rated,
               count(*) FILTER (WHERE stars >= 4) AS satisfied,
               avg(stars)::float8 AS average_stars
          FROM (SELECT x.*,
                       CASE WHEN first_response_at >= started_at
                            THEN extract(epoch FROM first_response_at - started_at)::float8
                       END AS first_response,
                       CASE WHEN outcome = 'bot_resolved'
                                THEN extract(epoch FROM last_answer_at - started_at)::float8
                            WHEN outcome IN ('handed_off', 'operator') AND closed_at IS NOT NULL
                                THEN extract(epoch FROM closed_at - started_at)::float8
                       END AS resolution
                  FROM x) y
         GROUP BY GROUPING SETS ((), (channel_id))
         ORDER BY channel_id NULLS FIRST"
    );
    Ok(diesel::sql_query(query)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<Date, _>(period.from)
        .bind::<Date, _>(period.to)
        .bind::<Nullable<BigInt>, _>(period.channel)
        .load::<Figures>(conn)
        .await?)
}

/// Messages by author in the period, from the daily counters: the shop's first, then each
/// channel's.
#[derive(Debug, Clone, QueryableByName, serde::Serialize)]
pub struct MessageCounts {
    #[diesel(sql_type = Nullable<BigInt>)]
    pub channel_id: Option<ChannelId>,
    #[diesel(sql_type = BigInt)]
    pub shopper: i64,
    #[diesel(sql_type = BigInt)]
    pub bot: i64,
    #[diesel(sql_type = BigInt)]
    pub operator: i64,
}

pub async fn messages(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    period: Period,
) -> Result<Vec<MessageCounts>, DbError> {
    Ok(diesel::sql_query(
        "SELECT channel_id, coalesce(sum(shopper_messages), 0)::int8 AS shopper,
                coalesce(sum(bot_messages), 0)::int8 AS bot,
                coalesce(sum(operator_messages), 0)::int8 AS operator
           FROM analytics_daily
          WHERE tenant_id = $1 AND day BETWEEN $2 AND $3
            AND ($4::bigint IS NULL OR channel_id = $4)
          GROUP BY GROUPING SETS ((), (channel_id))
          ORDER BY channel_id NULLS FIRST",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Date, _>(period.from)
    .bind::<Date, _>(period.to)
    .bind::<Nullable<BigInt>, _>(period.channel)
    .load::<MessageCounts>(conn)
    .await?)
}

/// How many conversations of the period were handed off for one reason.
#[derive(Debug, Clone, QueryableByName, serde::Serialize)]
pub struct ReasonCount {
    #[diesel(sql_type = Text)]
    pub reason: String,
    #[diesel(sql_type = BigInt)]
    pub conversations: i64,
}

/// Handoff reasons of the period, most frequent first.
pub async fn handoff_reasons(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    period: Period,
) -> Result<Vec<ReasonCount>, DbError> {
    let query = format!(
        "{PERIOD_ROWS}
        SELECT handoff_reason AS reason, count(*) AS conversations FROM x
         WHERE handoff_reason IS NOT NULL
         GROUP BY handoff_reason ORDER BY conversations DESC, reason"
    );
    Ok(diesel::sql_query(query)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<Date, _>(period.from)
        .bind::<Date, _>(period.to)
        .bind::<Nullable<BigInt>, _>(period.channel)
        .load::<ReasonCount>(conn)
        .await?)
}

/// Questions the bot could not answer, grouped by handoff reason and the request's intent.
#[derive(Debug, Clone, QueryableByName, serde::Serialize)]
pub struct Gap {
    #[diesel(sql_type = Text)]
    pub reason: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub intent: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub conversations: i64,
    /// The latest questions of the group, newest first, at most three.
    #[diesel(sql_type = Array<Text>)]
    pub examples: Vec<String>,
    /// Their conversations, in the same order.
    #[diesel(sql_type = Array<BigInt>)]
    pub example_conversations: Vec<i64>,
}

pub async fn gaps(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    period: Period,
    limit: i64,
) -> Result<Vec<Gap>, DbError> {
    let query = format!(
        "{PERIOD_ROWS}
        SELECT handoff_reason AS reason, intent, count(*) AS conversations,
               coalesce((array_agg(handoff_question ORDER BY handoff_at DESC, conversation_id DESC)
                   FILTER (WHERE handoff_question IS NOT NULL))[1:3], '{{}}') AS examples,
               coalesce((array_agg(conversation_id ORDER BY handoff_at DESC, conversation_id DESC)
                   FILTER (WHERE handoff_question IS NOT NULL))[1:3], '{{}}') AS example_conversations
          FROM x
         WHERE handoff_reason = ANY($5)
         GROUP BY handoff_reason, intent
         ORDER BY conversations DESC, reason, intent NULLS LAST
         LIMIT $6"
    );
    Ok(diesel::sql_query(query)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<Date, _>(period.from)
        .bind::<Date, _>(period.to)
        .bind::<Nullable<BigInt>, _>(period.channel)
        .bind::<Array<Text>, _>(GAP_REASONS)
        .bind::<BigInt, _>(limit)
        .load::<Gap>(conn)
        .await?)
}

/// One conversation of the period with its metrics, for the CSV export.
#[derive(Debug, Clone, QueryableByName)]
pub struct ConversationRow {
    #[diesel(sql_type = BigInt)]
    pub conversation_id: ConversationId,
    #[diesel(sql_type = BigInt)]
    pub channel_id: ChannelId,
    #[diesel(sql_type = Timestamptz)]
    pub started_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub outcome: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub intent: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub handoff_reason: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub first_response_seconds: Option<i64>,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub shopper_messages: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub bot_messages: i32,
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub operator_messages: i32,
    #[diesel(sql_type = Nullable<diesel::sql_types::SmallInt>)]
    pub stars: Option<i16>,
}

/// The period's conversations in the order they started, `limit` at most.
pub async fn conversations(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    period: Period,
    limit: i64,
) -> Result<Vec<ConversationRow>, DbError> {
    let query = format!(
        "{PERIOD_ROWS}
        SELECT conversation_id, channel_id, started_at, outcome, intent, handoff_reason,
               CASE WHEN first_response_at >= started_at
                    THEN extract(epoch FROM first_response_at - started_at)::int8
               END AS first_response_seconds,
               shopper_messages, bot_messages, operator_messages, stars
          FROM x ORDER BY started_at, conversation_id LIMIT $5"
    );
    Ok(diesel::sql_query(query)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<Date, _>(period.from)
        .bind::<Date, _>(period.to)
        .bind::<Nullable<BigInt>, _>(period.channel)
        .bind::<BigInt, _>(limit)
        .load::<ConversationRow>(conn)
        .await?)
}

/// The tenant's today, in its time zone.
pub async fn today(conn: &mut AsyncPgConnection, scope: TenantScope) -> Result<NaiveDate, DbError> {
    #[derive(QueryableByName)]
    struct Today {
        #[diesel(sql_type = Date)]
        day: NaiveDate,
    }
    Ok(diesel::sql_query(
        "SELECT (now() AT TIME ZONE timezone)::date AS day FROM tenants WHERE id = $1",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .get_result::<Today>(conn)
    .await?
    .day)
}

/// Recomputes the tenant's rollups from its messages, conversations and ratings, in one
/// transaction. Returns how many messages were replayed.
pub async fn rebuild(conn: &mut AsyncPgConnection, scope: TenantScope) -> Result<i64, DbError> {
    #[derive(QueryableByName)]
    struct Replayed {
        #[diesel(sql_type = BigInt)]
        replayed: i64,
    }
    Ok(
        diesel::sql_query("SELECT analytics_rebuild($1) AS replayed")
            .bind::<BigInt, _>(scope.tenant_id())
            .get_result::<Replayed>(conn)
            .await?
            .replayed,
    )
}

/// The tenants to rebuild: the one with `slug`, or all.
pub async fn tenants(
    conn: &mut AsyncPgConnection,
    slug: Option<&str>,
) -> Result<Vec<TenantScope>, DbError> {
    use otklik_schema::schema::tenants;
    let mut query = tenants::table
        .select(tenants::id)
        .order(tenants::id)
        .into_boxed();
    if let Some(slug) = slug {
        query = query.filter(tenants::slug.eq(slug));
    }
    let ids: Vec<otklik_schema::TenantId> = query.load(conn).await?;
    Ok(ids.into_iter().map(TenantScope::trusted).collect())
}
