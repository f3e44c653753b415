//! Analytics: `/api/v1/analytics/*`, read from the rollups the database keeps as events happen
//! (definitions in `docs/metrics.md`).
//!
//! | method | path | permission |
//! |---|---|---|
//! | GET | `/api/v1/analytics/summary?from=&to=&channel=` | read_conversations |
//! | GET | `/api/v1/analytics/gaps?from=&to=&channel=` | read_conversations |
//! | GET | `/api/v1/analytics/conversations.csv?from=&to=&channel=` | read_conversations |
//!
//! `from` and `to` are days (`YYYY-MM-DD`, inclusive) in the shop's time zone; without them
//! the last 30 days up to today. A period ends no earlier than it starts and spans at most
//! 366 days.

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{Days, NaiveDate};
use otklik_db::analytics::{self, Figures, MessageCounts, Period};
use otklik_db::channels;
use otklik_schema::{ChannelId, ChannelKind, ConversationId};
use serde::{Deserialize, Serialize};

use super::auth::Principal;
use super::params::ApiQuery;
use super::permissions::Permission;
use crate::error::FieldError;
use crate::problems::Problem;
use crate::{ApiError, AppState};

/// The longest period one report covers.
const MAX_DAYS: i64 = 366;
/// The default period: this many days up to today.
const DEFAULT_DAYS: u64 = 30;
/// Knowledge-gap groups in one answer.
const GAP_GROUPS: i64 = 50;
/// Rows in one CSV export.
const CSV_ROWS: i64 = 100_000;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/analytics/summary", get(summary))
        .route("/api/v1/analytics/gaps", get(gaps))
        .route(
            "/api/v1/analytics/conversations.csv",
            get(conversations_csv),
        )
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// The first day, `YYYY-MM-DD`, in the shop's time zone; 29 days before `to` when absent.
    #[param(value_type = Option<String>, format = Date)]
    from: Option<NaiveDate>,
    /// The last day, inclusive; today in the shop's time zone when absent.
    #[param(value_type = Option<String>, format = Date)]
    to: Option<NaiveDate>,
    /// Instead of `from`: this many days up to `to`. The dashboard sends this, so "the last 7
    /// days" ends on the shop's today, whatever the browser's clock and zone say.
    #[param(minimum = 1, maximum = 366)]
    days: Option<u32>,
    /// Only this channel's conversations.
    channel: Option<i64>,
}

async fn period(
    conn: &mut otklik_db::AsyncPgConnection,
    principal: &Principal,
    query: &PeriodQuery,
) -> Result<Period, ApiError> {
    let to = match query.to {
        Some(to) => to,
        None => analytics::today(conn, principal.tenant).await?,
    };
    let span = match (query.from, query.days) {
        (Some(_), Some(_)) | (None, Some(0)) => {
            return Err(ApiError::Validation(vec![FieldError::new(
                "days",
                Problem::InvalidPeriod { max_days: MAX_DAYS },
            )]));
        }
        (_, Some(days)) => u64::from(days),
        (_, None) => DEFAULT_DAYS,
    };
    let from = query
        .from
        .or_else(|| to.checked_sub_days(Days::new(span - 1)))
        .unwrap_or(to);
    let days = (to - from).num_days() + 1;
    if !(1..=MAX_DAYS).contains(&days) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "from",
            Problem::InvalidPeriod { max_days: MAX_DAYS },
        )]));
    }
    Ok(Period {
        from,
        to,
        channel: query.channel.map(ChannelId),
    })
}

/// A share rounded to four places.
fn share(value: Option<f64>) -> Option<f64> {
    value.map(|v| (v * 10_000.0).round() / 10_000.0)
}

/// Whole seconds.
fn seconds(value: Option<f64>) -> Option<i64> {
    value.map(|v| v.round() as i64)
}

/// A period's figures, for the shop or one channel. Shares are 0–1, `null` when there is
/// nothing to divide by; definitions in docs/metrics.md.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct FiguresView {
    conversations: i64,
    bot_involved: i64,
    #[schema(required = true)]
    involvement: Option<f64>,
    requests: i64,
    decided: i64,
    bot_resolved: i64,
    bot_pending: i64,
    #[schema(required = true)]
    automation_rate: Option<f64>,
    outcomes: Outcomes,
    handed_off: i64,
    #[schema(required = true)]
    handoff_rate: Option<f64>,
    first_response_seconds: Percentiles,
    resolution_seconds: Percentiles,
    csat: Csat,
}

/// Conversations by how they ended.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Outcomes {
    bot_resolved: i64,
    bot_pending: i64,
    not_resolved: i64,
    handed_off: i64,
    operator: i64,
    unanswered: i64,
    greeting_only: i64,
}

/// Seconds at the median and the 90th percentile; `null` without data.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Percentiles {
    #[schema(required = true)]
    p50: Option<i64>,
    #[schema(required = true)]
    p90: Option<i64>,
}

/// Shoppers' ratings.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Csat {
    rated: i64,
    /// Ratings of 4 or 5.
    satisfied: i64,
    #[schema(required = true)]
    score: Option<f64>,
    #[schema(required = true)]
    average_stars: Option<f64>,
}

/// Messages of the period by who wrote them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MessageFigures {
    shopper: i64,
    bot: i64,
    operator: i64,
}

/// How many conversations were handed off for a reason.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReasonFigure {
    reason: String,
    conversations: i64,
}

/// The channel a row of figures is about; `kind` and `name` are `null` for a channel no
/// longer known.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportChannel {
    id: ChannelId,
    #[schema(required = true)]
    kind: Option<ChannelKind>,
    #[schema(required = true)]
    name: Option<String>,
}

/// One channel's figures.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChannelFigures {
    channel: ReportChannel,
    #[serde(flatten)]
    figures: FiguresView,
    messages: MessageFigures,
}

/// A period's figures for the shop, with the same per channel.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AnalyticsSummary {
    from: NaiveDate,
    to: NaiveDate,
    /// The channel asked for, if any.
    #[schema(required = true)]
    channel: Option<ChannelId>,
    #[serde(flatten)]
    figures: FiguresView,
    handoff_reasons: Vec<ReasonFigure>,
    messages: MessageFigures,
    channels: Vec<ChannelFigures>,
}

fn figures_view(f: &Figures) -> FiguresView {
    FiguresView {
        conversations: f.conversations,
        bot_involved: f.bot_involved,
        involvement: share(f.involvement()),
        requests: f.requests,
        decided: f.decided,
        bot_resolved: f.bot_resolved,
        bot_pending: f.bot_pending,
        automation_rate: share(f.automation_rate()),
        outcomes: Outcomes {
            bot_resolved: f.bot_resolved,
            bot_pending: f.bot_pending,
            not_resolved: f.not_resolved,
            handed_off: f.handed_off,
            operator: f.operator,
            unanswered: f.unanswered,
            greeting_only: f.greeting_only,
        },
        handed_off: f.handed_off,
        handoff_rate: share(f.handoff_rate()),
        first_response_seconds: Percentiles {
            p50: seconds(f.first_response_p50),
            p90: seconds(f.first_response_p90),
        },
        resolution_seconds: Percentiles {
            p50: seconds(f.resolution_p50),
            p90: seconds(f.resolution_p90),
        },
        csat: Csat {
            rated: f.rated,
            satisfied: f.satisfied,
            score: share(f.csat()),
            average_stars: f.average_stars.map(|v| (v * 100.0).round() / 100.0),
        },
    }
}

fn messages_view(m: Option<&MessageCounts>) -> MessageFigures {
    MessageFigures {
        shopper: m.map_or(0, |m| m.shopper),
        bot: m.map_or(0, |m| m.bot),
        operator: m.map_or(0, |m| m.operator),
    }
}

/// Questions the bot could not answer, grouped.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GapReport {
    from: NaiveDate,
    to: NaiveDate,
    items: Vec<GapGroup>,
}

/// Conversations handed off for one reason and intent, with the latest questions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GapGroup {
    reason: String,
    #[schema(required = true)]
    intent: Option<String>,
    conversations: i64,
    examples: Vec<GapExample>,
}

/// A question the bot could not answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GapExample {
    conversation_id: ConversationId,
    question: String,
}

#[utoipa::path(get, path = "/api/v1/analytics/summary", tag = "analytics",
    summary = "Automation rate, response times, CSAT and handoffs of a period",
    description = "Role: any (read_conversations). Conversations count in the period their shopper \
        first wrote in; definitions in docs/metrics.md. Shares are 0–1 (null when there is \
        nothing to divide by), times in seconds. `channels` repeats the figures per channel.",
    security(("bearer" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "The figures", body = AnalyticsSummary),
        (status = 400, description = "A malformed parameter (a date not `YYYY-MM-DD`, a channel not a number)", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 422, description = "`from` after `to`, or a period over 366 days", body = crate::error::ErrorEnvelope),
    ))]
pub async fn summary(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> Result<Json<AnalyticsSummary>, ApiError> {
    principal.require(Permission::ReadConversations)?;
    let scope = principal.tenant;
    let mut conn = state.db_for(&principal).await?;
    let period = period(&mut conn, &principal, &query).await?;
    let figures = analytics::figures(&mut conn, scope, period).await?;
    let messages = analytics::messages(&mut conn, scope, period).await?;
    let reasons = analytics::handoff_reasons(&mut conn, scope, period).await?;
    let known = channels::list(&mut conn, scope).await?;
    let figures_of = |channel: Option<ChannelId>| {
        figures
            .iter()
            .find(|f| f.channel_id == channel)
            .map_or_else(|| figures_view(&Figures::default()), figures_view)
    };
    let messages_of = |channel: Option<ChannelId>| {
        messages_view(messages.iter().find(|m| m.channel_id == channel))
    };
    let mut by_channel: Vec<ChannelId> = figures
        .iter()
        .map(|f| f.channel_id)
        .chain(messages.iter().map(|m| m.channel_id))
        .flatten()
        .collect();
    by_channel.sort();
    by_channel.dedup();
    let channels = by_channel
        .into_iter()
        .map(|id| {
            let channel = known.iter().find(|c| c.id == id);
            ChannelFigures {
                channel: ReportChannel {
                    id,
                    kind: channel.map(|c| c.kind),
                    name: channel.map(|c| c.name.clone()),
                },
                figures: figures_of(Some(id)),
                messages: messages_of(Some(id)),
            }
        })
        .collect();
    Ok(Json(AnalyticsSummary {
        from: period.from,
        to: period.to,
        channel: period.channel,
        figures: figures_of(None),
        handoff_reasons: reasons
            .into_iter()
            .map(|r| ReasonFigure {
                reason: r.reason,
                conversations: r.conversations,
            })
            .collect(),
        messages: messages_of(None),
        channels,
    }))
}

#[utoipa::path(get, path = "/api/v1/analytics/gaps", tag = "analytics",
    summary = "Questions the bot could not answer, grouped",
    description = "Role: any (read_conversations). Conversations of the period handed to people \
        because the knowledge base or the product card had no answer, the question was not \
        understood, or the model decided people should answer (reasons `no_knowledge`, \
        `not_in_card`, `not_understood`, `model_transfer`), grouped by reason and the request's \
        intent, largest group first, with the latest three questions of each.",
    security(("bearer" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "The groups, largest first", body = GapReport),
        (status = 400, description = "A malformed parameter", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 422, description = "`from` after `to`, or a period over 366 days", body = crate::error::ErrorEnvelope),
    ))]
pub async fn gaps(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> Result<Json<GapReport>, ApiError> {
    principal.require(Permission::ReadConversations)?;
    let mut conn = state.db_for(&principal).await?;
    let period = period(&mut conn, &principal, &query).await?;
    let gaps = analytics::gaps(&mut conn, principal.tenant, period, GAP_GROUPS).await?;
    let items = gaps
        .into_iter()
        .map(|g| GapGroup {
            examples: g
                .examples
                .into_iter()
                .zip(g.example_conversations)
                .map(|(question, id)| GapExample {
                    conversation_id: ConversationId(id),
                    question,
                })
                .collect(),
            reason: g.reason,
            intent: g.intent,
            conversations: g.conversations,
        })
        .collect();
    Ok(Json(GapReport {
        from: period.from,
        to: period.to,
        items,
    }))
}

/// One CSV field, quoted when it must be; a leading `=`, `+`, `-` or `@` is defused so a
/// spreadsheet does not run a shopper's text as a formula.
fn csv_field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

#[utoipa::path(get, path = "/api/v1/analytics/conversations.csv", tag = "analytics",
    summary = "The period's conversations with their metrics, as CSV",
    description = "Role: any (read_conversations). One row per conversation, in the order they \
        started, at most 100 000: `conversation_id, channel_id, channel, started_at, outcome, \
        intent, handoff_reason, first_response_seconds, shopper_messages, bot_messages, \
        operator_messages, stars`. UTF-8 with a byte-order mark, so spreadsheets read the \
        Cyrillic right.",
    security(("bearer" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "CSV", content_type = "text/csv", body = String),
        (status = 400, description = "A malformed parameter", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 422, description = "`from` after `to`, or a period over 366 days", body = crate::error::ErrorEnvelope),
    ))]
pub async fn conversations_csv(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> Result<impl IntoResponse, ApiError> {
    principal.require(Permission::ReadConversations)?;
    let scope = principal.tenant;
    let mut conn = state.db_for(&principal).await?;
    let period = period(&mut conn, &principal, &query).await?;
    let rows = analytics::conversations(&mut conn, scope, period, CSV_ROWS).await?;
    let known = channels::list(&mut conn, scope).await?;
    let mut out = String::from(
        "\u{feff}conversation_id,channel_id,channel,started_at,outcome,intent,handoff_reason,\
         first_response_seconds,shopper_messages,bot_messages,operator_messages,stars\r\n",
    );
    for row in &rows {
        let channel = known
            .iter()
            .find(|c| c.id == row.channel_id)
            .map_or("", |c| c.name.as_str());
        let fields = [
            row.conversation_id.to_string(),
            row.channel_id.to_string(),
            csv_field(channel),
            row.started_at.to_rfc3339(),
            row.outcome.clone(),
            row.intent.clone().unwrap_or_default(),
            row.handoff_reason.clone().unwrap_or_default(),
            row.first_response_seconds
                .map(|s| s.to_string())
                .unwrap_or_default(),
            row.shopper_messages.to_string(),
            row.bot_messages.to_string(),
            row.operator_messages.to_string(),
            row.stars.map(|s| s.to_string()).unwrap_or_default(),
        ];
        out.push_str(&fields.join(","));
        out.push_str("\r\n");
    }
    let name = format!(
        "attachment; filename=\"conversations-{}-{}.csv\"",
        period.from, period.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (header::CONTENT_DISPOSITION, name),
        ],
        out,
    ))
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(csv_field("Чат, WB"), "\"Чат, WB\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=SUM(A1)"), "'=SUM(A1)");
        assert_eq!(csv_field("Telegram"), "Telegram");
    }
}
