//! Conversations as the inbox lists them: views, counters and search.

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Bool, Nullable, SmallInt, Text, Timestamptz};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::{
    Author, ChannelId, ChannelKind, ConversationId, ConversationMode, CustomerId, DeliveryStatus,
    Direction, UserId, WithdrawReason,
};
use serde::Deserialize;

use crate::{DbError, TenantScope};

/// One slice of the inbox. Apart from `All`, no conversation is in two views, so the counters
/// add up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum View {
    /// Handed off and not taken yet, or an assistant's draft waits for approval.
    Waiting,
    /// Handled by the asking user.
    Mine,
    /// The assistant answers and nothing waits for people.
    Bot,
    Closed,
    #[default]
    All,
}

impl View {
    /// The view as SQL over `conversations c` left-joined to `drafted d`; `$2` is the asking
    /// user. Fixed strings only: nothing from a request is spliced into SQL.
    fn condition(self) -> &'static str {
        match self {
            View::Waiting => {
                "(c.mode = 'waiting_operator' OR (c.mode = 'bot' AND d.conversation_id IS NOT NULL))"
            }
            View::Mine => "(c.mode = 'operator' AND c.assignee_id = $2)",
            View::Bot => "(c.mode = 'bot' AND d.conversation_id IS NULL)",
            View::Closed => "(c.mode = 'closed')",
            View::All => "TRUE",
        }
    }
}

/// Conversations of the tenant with an assistant's draft awaiting approval (few at a time).
const DRAFTED: &str = "WITH drafted AS (
    SELECT DISTINCT conversation_id FROM messages
     WHERE tenant_id = $1 AND delivery_status = 'draft')";

const SUMMARY: &str = "
SELECT c.id, c.channel_id, ch.kind AS channel_kind, ch.name AS channel_name,
       c.customer_id, cu.display_name AS customer_name, cu.username AS customer_username,
       c.mode, c.assignee_id, c.handoff_reason, c.handoff_summary, c.handoff_at, c.reply_due_at,
       c.last_message_at, c.created_at, c.closed_at,
       d.conversation_id IS NOT NULL AS has_draft,
       last.direction AS last_direction, last.author AS last_author,
       left(last.body, 200) AS last_preview, last.delivery_status AS last_delivery_status,
       last.delivery_error AS last_delivery_error, last.meta->>'origin' AS last_origin,
       last.created_at AS last_created_at,
       -- A review's stars, from its first message (only review channels carry them).
       CASE WHEN ch.kind IN ('wb_feedbacks', 'ozon_reviews') THEN (
            SELECT (a->>'stars')::smallint FROM messages f
              CROSS JOIN LATERAL jsonb_array_elements(
                   CASE jsonb_typeof(f.attachments) WHEN 'array' THEN f.attachments ELSE '[]' END) a
             WHERE f.conversation_id = c.id AND f.direction = 'inbound' AND a->>'kind' = 'rating'
               AND a->>'stars' ~ '^[1-5]$'
             ORDER BY f.id LIMIT 1) END AS rating
  FROM conversations c
  JOIN channels ch ON ch.id = c.channel_id
  JOIN customers cu ON cu.id = c.customer_id
  LEFT JOIN drafted d ON d.conversation_id = c.id
  LEFT JOIN LATERAL (
       SELECT m.direction, m.author, m.body, m.delivery_status, m.delivery_error, m.meta,
              m.created_at FROM messages m
        WHERE m.conversation_id = c.id AND m.delivery_status IS DISTINCT FROM 'draft'
        ORDER BY m.id DESC LIMIT 1) last ON TRUE";

/// A conversation as the inbox shows it.
#[derive(Debug, Clone, QueryableByName)]
pub struct Summary {
    #[diesel(sql_type = BigInt)]
    pub id: ConversationId,
    #[diesel(sql_type = BigInt)]
    pub channel_id: ChannelId,
    #[diesel(sql_type = Text)]
    pub channel_kind: ChannelKind,
    #[diesel(sql_type = Text)]
    pub channel_name: String,
    #[diesel(sql_type = BigInt)]
    pub customer_id: CustomerId,
    #[diesel(sql_type = Text)]
    pub customer_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub customer_username: Option<String>,
    #[diesel(sql_type = Text)]
    pub mode: ConversationMode,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub assignee_id: Option<UserId>,
    #[diesel(sql_type = Nullable<Text>)]
    pub handoff_reason: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub handoff_summary: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub handoff_at: Option<DateTime<Utc>>,
    /// The marketplace's answer deadline (WB questions and feedbacks).
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub reply_due_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Timestamptz)]
    pub last_message_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub closed_at: Option<DateTime<Utc>>,
    /// An assistant's draft waits for an operator's approval.
    #[diesel(sql_type = Bool)]
    pub has_draft: bool,
    /// The latest message other than a draft.
    #[diesel(sql_type = Nullable<Text>)]
    pub last_direction: Option<Direction>,
    #[diesel(sql_type = Nullable<Text>)]
    pub last_author: Option<Author>,
    /// Its first 200 characters.
    #[diesel(sql_type = Nullable<Text>)]
    pub last_preview: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    pub last_delivery_status: Option<DeliveryStatus>,
    /// Why it failed or was withdrawn.
    #[diesel(sql_type = Nullable<Text>)]
    pub last_delivery_error: Option<String>,
    /// `marketplace` when the seller wrote it in the marketplace's cabinet.
    #[diesel(sql_type = Nullable<Text>)]
    pub last_origin: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_created_at: Option<DateTime<Utc>>,
    /// A review's stars, 1 to 5.
    #[diesel(sql_type = Nullable<SmallInt>)]
    pub rating: Option<i16>,
}

impl Summary {
    /// Why the conversation needs nothing more from us, for operators: the seller answered
    /// (or closed it) in the marketplace's own cabinet, so our answer was withdrawn or never
    /// drafted.
    pub fn marketplace_note(&self) -> Option<String> {
        if self.last_delivery_status == Some(DeliveryStatus::Withdrawn) {
            return self.last_delivery_error.clone();
        }
        let marketplace = self.channel_kind.marketplace()?;
        (self.last_origin.as_deref() == Some(crate::marketplace_inbox::ORIGIN_MARKETPLACE))
            .then(|| WithdrawReason::AnsweredAtMarketplace.text(marketplace))
    }

    /// People owe the shopper something: a handoff nobody took, no operator's answer since the
    /// shopper (or the assistant's handoff) spoke last, or a draft to approve.
    pub fn awaiting_reply(&self) -> bool {
        self.has_draft
            || self.mode == ConversationMode::WaitingOperator
            || (self.mode == ConversationMode::Operator
                && self.last_author != Some(Author::Operator))
    }
}

/// What the list asks for.
#[derive(Debug, Clone)]
pub struct ListFilter<'a> {
    pub view: View,
    /// Who asks: `Mine` means theirs.
    pub viewer: UserId,
    pub channel: Option<ChannelId>,
    /// Words to find in the conversation's messages (web-search syntax, Russian stemming).
    pub search: Option<&'a str>,
    /// Start after this `(last_message_at, id)`, from the previous page.
    pub after: Option<(DateTime<Utc>, ConversationId)>,
    /// Rows to read.
    pub limit: i64,
}

/// Conversations by last activity, newest first, ties broken by id.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    filter: &ListFilter<'_>,
) -> Result<Vec<Summary>, DbError> {
    let Some(words) = filter.search else {
        return summaries(conn, scope, filter, Search::None).await;
    };
    // Rare words (names, order numbers) are found whole by the index at once.
    let rare = from_index(conn, scope, words).await?;
    if rare.examined < RARE_MATCHES {
        return summaries(conn, scope, filter, Search::Ids(&rare.hits)).await;
    }
    // Common ones fill a page from the newest conversations.
    let walk = walk_newest(conn, scope, filter, words).await?;
    if walk.examined < SEARCH_WINDOW || walk.hits.len() as i64 >= filter.limit {
        return summaries(conn, scope, filter, Search::Ids(&walk.hits)).await;
    }
    summaries(conn, scope, filter, Search::Index(words)).await
}

/// Up to this many matching messages, the index's answer is taken whole.
const RARE_MATCHES: i64 = 2000;
/// How many of the view's newest conversations a search reads message by message before it
/// takes every match from the index instead.
const SEARCH_WINDOW: i64 = 300;

/// Which conversations a search keeps.
enum Search<'a> {
    None,
    /// Already found; the view, channel and cursor still apply.
    Ids(&'a [i64]),
    /// Every match, through `conversations_matching`, which reads the index as the table's
    /// owner: row-level security would otherwise keep PostgreSQL from using it (`@@` is not
    /// leakproof), while the function itself only reads the current tenant's messages.
    Index(&'a str),
}

async fn summaries(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    filter: &ListFilter<'_>,
    search: Search<'_>,
) -> Result<Vec<Summary>, DbError> {
    let (condition, argument) = match search {
        Search::None => ("$4::text IS NULL", None),
        Search::Ids(ids) => (
            "c.id = ANY($4::bigint[])",
            Some(format!(
                "{{{}}}",
                ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
            )),
        ),
        Search::Index(words) => (
            "c.id IN (SELECT conversation_id FROM conversations_matching($1, $4, NULL))",
            Some(words.to_owned()),
        ),
    };
    let sql = format!(
        "{DRAFTED} {SUMMARY}
          WHERE c.tenant_id = $1 AND {view}
            AND ($3::bigint IS NULL OR c.channel_id = $3)
            AND {condition}
            AND ($5::timestamptz IS NULL OR (c.last_message_at, c.id) < ($5, $6))
          ORDER BY c.last_message_at DESC, c.id DESC
          LIMIT $7",
        view = filter.view.condition(),
    );
    Ok(diesel::sql_query(sql)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<BigInt, _>(filter.viewer)
        .bind::<Nullable<BigInt>, _>(filter.channel)
        .bind::<Nullable<Text>, _>(argument)
        .bind::<Nullable<Timestamptz>, _>(filter.after.map(|(at, _)| at))
        .bind::<Nullable<BigInt>, _>(filter.after.map(|(_, id)| id))
        .bind::<BigInt, _>(filter.limit)
        .load(conn)
        .await?)
}

/// How many rows a search step read, and the conversations it found.
#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = BigInt)]
    examined: i64,
    #[diesel(sql_type = diesel::sql_types::Array<BigInt>)]
    hits: Vec<i64>,
}

/// The conversations of up to [`RARE_MATCHES`] matching messages, from the index.
async fn from_index(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    words: &str,
) -> Result<Found, DbError> {
    Ok(diesel::sql_query(format!(
        "WITH found AS (SELECT conversation_id FROM conversations_matching($1, $2, {RARE_MATCHES}))
         SELECT (SELECT count(*) FROM found) AS examined,
                COALESCE((SELECT array_agg(DISTINCT conversation_id) FROM found), '{{}}') AS hits"
    ))
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Text, _>(words)
    .get_result(conn)
    .await?)
}

/// The view's newest [`SEARCH_WINDOW`] conversations after the cursor, and those of them whose
/// messages match, newest first.
async fn walk_newest(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    filter: &ListFilter<'_>,
    words: &str,
) -> Result<Found, DbError> {
    let sql = format!(
        "{DRAFTED},
         newest AS (
            SELECT c.id, c.last_message_at FROM conversations c
              LEFT JOIN drafted d ON d.conversation_id = c.id
             WHERE c.tenant_id = $1 AND {view}
               AND ($3::bigint IS NULL OR c.channel_id = $3)
               AND ($5::timestamptz IS NULL OR (c.last_message_at, c.id) < ($5, $6))
             ORDER BY c.last_message_at DESC, c.id DESC
             LIMIT {SEARCH_WINDOW}),
         hits AS (
            SELECT n.id FROM newest n
             WHERE EXISTS (
                   SELECT 1 FROM messages m
                    WHERE m.conversation_id = n.id AND m.tenant_id = $1
                      AND m.body_search @@ websearch_to_tsquery('russian', $4))
             ORDER BY n.last_message_at DESC, n.id DESC
             LIMIT $7)
         SELECT (SELECT count(*) FROM newest) AS examined,
                COALESCE((SELECT array_agg(id) FROM hits), '{{}}') AS hits",
        view = filter.view.condition(),
    );
    Ok(diesel::sql_query(sql)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<BigInt, _>(filter.viewer)
        .bind::<Nullable<BigInt>, _>(filter.channel)
        .bind::<Text, _>(words)
        .bind::<Nullable<Timestamptz>, _>(filter.after.map(|(at, _)| at))
        .bind::<Nullable<BigInt>, _>(filter.after.map(|(_, id)| id))
        .bind::<BigInt, _>(filter.limit)
        .get_result(conn)
        .await?)
}

/// One conversation of the tenant.
pub async fn get(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: ConversationId,
) -> Result<Option<Summary>, DbError> {
    Ok(diesel::sql_query(format!(
        "{DRAFTED} {SUMMARY} WHERE c.tenant_id = $1 AND c.id = $2"
    ))
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(id)
    .get_result(conn)
    .await
    .optional()?)
}

/// How many conversations each view holds for `viewer`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName, serde::Serialize)]
pub struct Counters {
    #[diesel(sql_type = BigInt)]
    pub waiting: i64,
    #[diesel(sql_type = BigInt)]
    pub mine: i64,
    #[diesel(sql_type = BigInt)]
    pub bot: i64,
    #[diesel(sql_type = BigInt)]
    pub closed: i64,
}

/// Each view's count from the index on `(tenant_id, mode, …)` rather than from every row:
/// drafts are few, and move bot conversations to «waiting».
pub async fn counters(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    viewer: UserId,
) -> Result<Counters, DbError> {
    let sql = format!(
        "{DRAFTED},
         modes AS (
            SELECT count(*) FILTER (WHERE mode = 'waiting_operator') AS waiting,
                   count(*) FILTER (WHERE mode = 'bot') AS bot,
                   count(*) FILTER (WHERE mode = 'closed') AS closed
              FROM conversations WHERE tenant_id = $1),
         drafted_bot AS (
            SELECT count(*) AS n FROM conversations c JOIN drafted d ON d.conversation_id = c.id
             WHERE c.tenant_id = $1 AND c.mode = 'bot')
         SELECT m.waiting + b.n AS waiting,
                (SELECT count(*) FROM conversations c
                  WHERE c.tenant_id = $1 AND {mine}) AS mine,
                m.bot - b.n AS bot,
                m.closed AS closed
           FROM modes m, drafted_bot b",
        mine = View::Mine.condition(),
    );
    Ok(diesel::sql_query(sql)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<BigInt, _>(viewer)
        .get_result(conn)
        .await?)
}
