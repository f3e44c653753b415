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
use otklik_schema::ChannelId;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Principal;
use super::params::ApiQuery;
use super::permissions::Permission;
use super::problems::Problem;
use crate::error::FieldError;
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
    /// The last day, inclusive; today when absent.
    #[param(value_type = Option<String>, format = Date)]
    to: Option<NaiveDate>,
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
    let from = query
        .from
        .or_else(|| to.checked_sub_days(Days::new(DEFAULT_DAYS - 1)))
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

fn share(value: Option<f64>) -> Value {
    value.map_or(Value::Null, |v| json!((v * 10_000.0).round() / 10_000.0))
}

fn seconds(value: Option<f64>) -> Value {
    value.map_or(Value::Null, |v| json!(v.round() as i64))
}

fn figures_view(f: &Figures) -> Value {
    json!({
        "conversations": f.conversations,
        "bot_involved": f.bot_involved,
        "involvement": share(f.involvement()),
        "requests": f.requests,
        "decided": f.decided,
        "bot_resolved": f.bot_resolved,
        "bot_pending": f.bot_pending,
        "automation_rate": share(f.automation_rate()),
        "outcomes": {
            "bot_resolved": f.bot_resolved,
            "bot_pending": f.bot_pending,
            "not_resolved": f.not_resolved,
            "handed_off": f.handed_off,
            "operator": f.operator,
            "unanswered": f.unanswered,
            "greeting_only": f.greeting_only,
        },
        "handed_off": f.handed_off,
        "handoff_rate": share(f.handoff_rate()),
        "first_response_seconds": {"p50": seconds(f.first_response_p50), "p90": seconds(f.first_response_p90)},
        "resolution_seconds": {"p50": seconds(f.resolution_p50), "p90": seconds(f.resolution_p90)},
        "csat": {
            "rated": f.rated,
            "satisfied": f.satisfied,
            "score": share(f.csat()),
            "average_stars": f.average_stars.map(|v| (v * 100.0).round() / 100.0),
        },
    })
}

fn messages_view(m: Option<&MessageCounts>) -> Value {
    json!({
        "shopper": m.map_or(0, |m| m.shopper),
        "bot": m.map_or(0, |m| m.bot),
        "operator": m.map_or(0, |m| m.operator),
    })
}

#[utoipa::path(get, path = "/api/v1/analytics/summary", tag = "analytics",
    summary = "Automation rate, response times, CSAT and handoffs of a period",
    description = "Role: any (read_conversations). Conversations count in the period their shopper \
        first wrote in; definitions in docs/metrics.md. Shares are 0–1 (null when there is \
        nothing to divide by), times in seconds. `channels` repeats the figures per channel.",
    security(("bearer" = [])),
    params(PeriodQuery),
    responses(
        (status = 200, description = "`{from, to, channel, conversations, bot_involved, involvement, requests, decided, bot_resolved, bot_pending, automation_rate, outcomes: {bot_resolved, bot_pending, not_resolved, handed_off, operator, unanswered, greeting_only}, handed_off, handoff_rate, handoff_reasons: [{reason, conversations}], first_response_seconds: {p50, p90}, resolution_seconds: {p50, p90}, csat: {rated, satisfied, score, average_stars}, messages: {shopper, bot, operator}, channels: [{channel: {id, kind, name}, …the same figures…, messages}]}`", body = Object),
        (status = 400, description = "A malformed parameter (a date not `YYYY-MM-DD`, a channel not a number)", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 422, description = "`from` after `to`, or a period over 366 days", body = crate::error::ErrorEnvelope),
    ))]
pub async fn summary(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Permission::ReadConversations)?;
    let scope = principal.tenant;
    let mut conn = state.db_for(&principal).await?;
    let period = period(&mut conn, &principal, &query).await?;
    let figures = analytics::figures(&mut conn, scope, period).await?;
    let messages = analytics::messages(&mut conn, scope, period).await?;
    let reasons = analytics::handoff_reasons(&mut conn, scope, period).await?;
    let known = channels::list(&mut conn, scope).await?;
    let total = figures.iter().find(|f| f.channel_id.is_none());
    let mut view = total.map_or_else(|| figures_view(&Figures::default()), figures_view);
    view["from"] = json!(period.from);
    view["to"] = json!(period.to);
    view["channel"] = json!(period.channel);
    view["handoff_reasons"] = json!(reasons);
    view["messages"] = messages_view(messages.iter().find(|m| m.channel_id.is_none()));
    let mut by_channel: Vec<Option<ChannelId>> = figures
        .iter()
        .map(|f| f.channel_id)
        .chain(messages.iter().map(|m| m.channel_id))
        .filter(Option::is_some)
        .collect();
    by_channel.sort();
    by_channel.dedup();
    view["channels"] = by_channel
        .into_iter()
        .flatten()
        .map(|id| {
            let mut row = figures
                .iter()
                .find(|f| f.channel_id == Some(id))
                .map_or_else(|| figures_view(&Figures::default()), figures_view);
            let channel = known.iter().find(|c| c.id == id);
            row["channel"] = json!({
                "id": id,
                "kind": channel.map(|c| c.kind),
                "name": channel.map(|c| c.name.as_str()),
            });
            row["messages"] = messages_view(messages.iter().find(|m| m.channel_id == Some(id)));
            row
        })
        .collect();
    Ok(Json(view))
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
        (status = 200, description = "`{from, to, items: [{reason, intent, conversations, examples: [{conversation_id, question}]}]}`", body = Object),
        (status = 400, description = "A malformed parameter", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 422, description = "`from` after `to`, or a period over 366 days", body = crate::error::ErrorEnvelope),
    ))]
pub async fn gaps(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(query): ApiQuery<PeriodQuery>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Permission::ReadConversations)?;
    let mut conn = state.db_for(&principal).await?;
    let period = period(&mut conn, &principal, &query).await?;
    let gaps = analytics::gaps(&mut conn, principal.tenant, period, GAP_GROUPS).await?;
    let items: Vec<Value> = gaps
        .iter()
        .map(|g| {
            json!({
                "reason": g.reason,
                "intent": g.intent,
                "conversations": g.conversations,
                "examples": g.examples.iter().zip(&g.example_conversations)
                    .map(|(question, id)| json!({"conversation_id": id, "question": question}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    Ok(Json(
        json!({"from": period.from, "to": period.to, "items": items}),
    ))
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
