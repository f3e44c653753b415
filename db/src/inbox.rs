//! The operator inbox: what people see of conversations, and what they do with them.
//!
//! Reads: conversations by last activity in views that split the open work (waiting for
//! people, mine, with the assistant, closed), with full-text search over messages; and one
//! conversation's timeline — messages with their delivery status, the assistant's drafts and
//! private notes in one order (notes take their ids from the messages' sequence).
//!
//! Changes: take over, assign, return to the assistant, close, reply, note, approve a draft.
//! Each runs in one transaction together with its audit-log row, with the conversation locked,
//! and is scoped to the tenant: another tenant's id finds nothing and changes nothing. A change
//! that would change nothing (taking over what is already yours, closing what is closed) is
//! neither made nor recorded. Replies and approved drafts become `pending` messages with an
//! idempotency key; the caller enqueues their delivery like a turn's reply.

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Bool, Jsonb, Nullable, SmallInt, Text, Timestamptz};
use diesel::{ExpressionMethods, OptionalExtension, QueryDsl, QueryableByName};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::{conversations, users};
use otklik_schema::{
    Author, ChannelId, ChannelKind, ConversationId, ConversationMode, CustomerId, DeliveryStatus,
    Direction, MessageId, Role, UserId, WithdrawReason,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{DbError, TenantScope};

/// Why an inbox change was refused.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("no such conversation")]
    ConversationNotFound,
    #[error("no such message in this conversation")]
    MessageNotFound,
    #[error("the conversation is closed")]
    Closed,
    #[error("the message is not a draft awaiting approval")]
    NotADraft,
    /// The same idempotency key came with another conversation or text.
    #[error("this idempotency key was already used for a different request")]
    KeyReused,
    #[error("no active user with this id in the shop")]
    NoSuchUser,
    #[error("viewers cannot handle conversations")]
    ViewerCannotHandle,
    #[error(transparent)]
    Database(#[from] DbError),
}

impl From<diesel::result::Error> for InboxError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Database(err.into())
    }
}

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

/// Which way the timeline reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Order {
    /// Latest first: what a chat view loads first, scrolling back page by page.
    #[default]
    Newest,
    Oldest,
}

impl Order {
    fn sql(self) -> (&'static str, &'static str) {
        match self {
            Order::Newest => ("<", "DESC"),
            Order::Oldest => (">", "ASC"),
        }
    }
}

/// One line of a conversation's timeline: a message either way, or a private note.
#[derive(Debug, Clone, QueryableByName)]
pub struct Entry {
    /// Messages and notes share one id sequence, so ids order the timeline.
    #[diesel(sql_type = BigInt)]
    pub id: MessageId,
    #[diesel(sql_type = Bool)]
    pub is_note: bool,
    /// `None` for a note.
    #[diesel(sql_type = Nullable<Text>)]
    pub direction: Option<Direction>,
    #[diesel(sql_type = Text)]
    pub author: Author,
    /// The operator who wrote a reply or a note.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub author_user_id: Option<UserId>,
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Jsonb)]
    pub attachments: Value,
    /// Outbound messages only; `draft` awaits an operator's approval.
    #[diesel(sql_type = Nullable<Text>)]
    pub delivery_status: Option<DeliveryStatus>,
    #[diesel(sql_type = Nullable<Text>)]
    pub delivery_error: Option<String>,
    /// How a reply came about (intent, responder, articles), who approved a draft.
    #[diesel(sql_type = Jsonb)]
    pub meta: Value,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub sent_at: Option<DateTime<Utc>>,
}

/// The timeline of tenant `$1`'s conversation `$2`: up to `$4` entries whose id compares
/// with `$3` by `compare` (all when `$3` is null), sorted by id in `direction`.
fn timeline_sql(compare: &str, direction: &str) -> String {
    format!(
        "(SELECT m.id, FALSE AS is_note, m.direction, m.author, m.author_user_id, m.body,
                 m.attachments, m.delivery_status, m.delivery_error, m.meta, m.created_at, m.sent_at
            FROM messages m
           WHERE m.tenant_id = $1 AND m.conversation_id = $2
             AND ($3::bigint IS NULL OR m.id {compare} $3)
           ORDER BY m.id {direction} LIMIT $4)
         UNION ALL
         (SELECT n.id, TRUE, NULL::text, 'operator'::text, n.author_user_id, n.body,
                 '[]'::jsonb, NULL::text, NULL::text, '{{}}'::jsonb, n.created_at, NULL::timestamptz
            FROM conversation_notes n
           WHERE n.tenant_id = $1 AND n.conversation_id = $2
             AND ($3::bigint IS NULL OR n.id {compare} $3)
           ORDER BY n.id {direction} LIMIT $4)
         ORDER BY id {direction} LIMIT $4"
    )
}

/// A page of the timeline, `None` when the tenant has no such conversation.
pub async fn timeline(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: ConversationId,
    order: Order,
    after: Option<MessageId>,
    limit: i64,
) -> Result<Option<Vec<Entry>>, DbError> {
    if !exists(conn, scope, id).await? {
        return Ok(None);
    }
    let (compare, direction) = order.sql();
    let entries = diesel::sql_query(timeline_sql(compare, direction))
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<BigInt, _>(id)
        .bind::<Nullable<BigInt>, _>(after)
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await?;
    Ok(Some(entries))
}

async fn entry(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    conversation: ConversationId,
    id: MessageId,
) -> Result<Entry, DbError> {
    Ok(diesel::sql_query(timeline_sql("=", "ASC"))
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<BigInt, _>(conversation)
        .bind::<Nullable<BigInt>, _>(Some(id))
        .bind::<BigInt, _>(1_i64)
        .get_result(conn)
        .await?)
}

async fn exists(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: ConversationId,
) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        conversations::table
            .filter(conversations::id.eq(id))
            .filter(conversations::tenant_id.eq(scope.tenant_id())),
    ))
    .get_result(conn)
    .await?)
}

/// Who handles a conversation, read under a row lock for the rest of the transaction.
#[derive(Debug, Clone, Copy, QueryableByName)]
struct Handling {
    #[diesel(sql_type = Text)]
    mode: ConversationMode,
    #[diesel(sql_type = Nullable<BigInt>)]
    assignee_id: Option<UserId>,
}

async fn lock(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: ConversationId,
) -> Result<Handling, InboxError> {
    diesel::sql_query(
        "SELECT mode, assignee_id FROM conversations WHERE id = $1 AND tenant_id = $2 FOR UPDATE",
    )
    .bind::<BigInt, _>(id)
    .bind::<BigInt, _>(scope.tenant_id())
    .get_result(conn)
    .await
    .optional()?
    .ok_or(InboxError::ConversationNotFound)
}

async fn audit(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    action: &str,
    id: ConversationId,
    details: Value,
) -> Result<(), DbError> {
    Ok(crate::audit::record(
        conn,
        scope,
        actor,
        action,
        "conversation",
        Some(&id.to_string()),
        details,
    )
    .await?)
}

/// Who answers a conversation from now on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transition {
    /// The acting user answers; the assistant stays silent.
    TakeOver,
    /// This user of the tenant answers; the assistant stays silent.
    Assign(UserId),
    /// The assistant answers again, with a fresh memory; the handoff is over.
    ReturnToBot,
    Close,
}

impl Transition {
    /// The audit-log action, also the name of the live event.
    pub fn action(self) -> &'static str {
        match self {
            Transition::TakeOver => "conversation.take_over",
            Transition::Assign(_) => "conversation.assign",
            Transition::ReturnToBot => "conversation.return_to_bot",
            Transition::Close => "conversation.close",
        }
    }

    /// The handling after the transition, or `None` when it is already so.
    fn apply(self, now: Handling, actor: UserId) -> Result<Option<Handling>, InboxError> {
        let closed = now.mode == ConversationMode::Closed;
        let to = match self {
            Transition::Close if closed => return Ok(None),
            _ if closed => return Err(InboxError::Closed),
            Transition::TakeOver => (ConversationMode::Operator, Some(actor)),
            Transition::Assign(user) => (ConversationMode::Operator, Some(user)),
            Transition::ReturnToBot => (ConversationMode::Bot, None),
            Transition::Close => (ConversationMode::Closed, now.assignee_id),
        };
        Ok((to != (now.mode, now.assignee_id)).then_some(Handling {
            mode: to.0,
            assignee_id: to.1,
        }))
    }
}

/// Changes who answers a conversation. Returns whether anything changed.
pub async fn transition(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    id: ConversationId,
    transition: Transition,
) -> Result<bool, InboxError> {
    conn.transaction::<_, InboxError, _>(async |conn| {
        let now = lock(conn, scope, id).await?;
        if let Transition::Assign(user) = transition {
            check_assignee(conn, scope, user).await?;
        }
        let Some(to) = transition.apply(now, actor)? else {
            return Ok(false);
        };
        let sql = match transition {
            Transition::TakeOver | Transition::Assign(_) => {
                "UPDATE conversations SET mode = 'operator', assignee_id = $3
                  WHERE id = $1 AND tenant_id = $2"
            }
            Transition::ReturnToBot => {
                "UPDATE conversations
                    SET mode = 'bot', assignee_id = $3, assistant_state = '{}'::jsonb,
                        handoff_reason = NULL, handoff_summary = NULL, handoff_at = NULL
                  WHERE id = $1 AND tenant_id = $2"
            }
            Transition::Close => {
                "UPDATE conversations SET mode = 'closed', closed_at = now(), assignee_id = $3
                  WHERE id = $1 AND tenant_id = $2"
            }
        };
        diesel::sql_query(sql)
            .bind::<BigInt, _>(id)
            .bind::<BigInt, _>(scope.tenant_id())
            .bind::<Nullable<BigInt>, _>(to.assignee_id)
            .execute(conn)
            .await?;
        let details = json!({
            "from": {"mode": now.mode, "assignee_id": now.assignee_id},
            "to": {"mode": to.mode, "assignee_id": to.assignee_id},
        });
        audit(conn, scope, actor, transition.action(), id, details).await?;
        Ok(true)
    })
    .await
}

/// Only an active admin or operator of the tenant can be given a conversation.
async fn check_assignee(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    user: UserId,
) -> Result<(), InboxError> {
    let role = users::table
        .filter(users::tenant_id.eq(scope.tenant_id()))
        .filter(users::id.eq(user))
        .filter(users::disabled_at.is_null())
        .select(users::role)
        .first::<Role>(conn)
        .await
        .optional()?;
    match role {
        None => Err(InboxError::NoSuchUser),
        Some(Role::Viewer) => Err(InboxError::ViewerCannotHandle),
        Some(Role::Admin | Role::Operator) => Ok(()),
    }
}

/// A reply, note or approved draft, and whether an earlier request had already made it.
#[derive(Debug, Clone)]
pub struct Posted {
    pub entry: Entry,
    /// The same request came before (same idempotency key); nothing new was recorded.
    pub replayed: bool,
}

/// Idempotency keys of people's requests, apart from the ones turns derive (`reply-to:…`) and
/// from other users' keys.
fn stored_key(actor: UserId, key: &str) -> String {
    format!("operator:{actor}:{key}")
}

#[derive(QueryableByName)]
struct Earlier {
    #[diesel(sql_type = BigInt)]
    id: MessageId,
    #[diesel(sql_type = BigInt)]
    conversation_id: ConversationId,
    #[diesel(sql_type = Text)]
    body: String,
}

impl Earlier {
    /// The earlier request's result if it was this request, else the key was misused.
    fn replay(self, id: ConversationId, text: &str) -> Result<MessageId, InboxError> {
        if self.conversation_id == id && self.body == text {
            Ok(self.id)
        } else {
            Err(InboxError::KeyReused)
        }
    }
}

#[derive(QueryableByName)]
struct Inserted {
    #[diesel(sql_type = BigInt)]
    id: MessageId,
}

/// An operator's reply: a `pending` message the caller enqueues. Replying takes the
/// conversation over if people were not answering yet (and gives it to the replier if nobody
/// had it), so the assistant does not answer alongside. The same `key` again returns the first
/// reply without recording another.
pub async fn reply(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    id: ConversationId,
    text: &str,
    key: &str,
) -> Result<Posted, InboxError> {
    let key = stored_key(actor, key);
    conn.transaction::<_, InboxError, _>(async |conn| {
        let now = lock(conn, scope, id).await?;
        let earlier = diesel::sql_query(
            "SELECT id, conversation_id, body FROM messages
              WHERE tenant_id = $1 AND idempotency_key = $2 AND author = 'operator'",
        )
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<Text, _>(&key)
        .get_result::<Earlier>(conn)
        .await
        .optional()?;
        if let Some(earlier) = earlier {
            let message = earlier.replay(id, text)?;
            return Ok(Posted {
                entry: entry(conn, scope, id, message).await?,
                replayed: true,
            });
        }
        if now.mode == ConversationMode::Closed {
            return Err(InboxError::Closed);
        }
        let message = diesel::sql_query(
            "INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author,
                                   author_user_id, body, delivery_status, idempotency_key)
             SELECT tenant_id, id, channel_id, 'outbound', 'operator', $3, $4, 'pending', $5
               FROM conversations WHERE id = $1 AND tenant_id = $2
             RETURNING id",
        )
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<BigInt, _>(actor)
        .bind::<Text, _>(text)
        .bind::<Text, _>(&key)
        .get_result::<Inserted>(conn)
        .await?
        .id;
        diesel::sql_query(
            "UPDATE conversations
                SET mode = 'operator', assignee_id = coalesce(assignee_id, $3),
                    last_message_at = now()
              WHERE id = $1 AND tenant_id = $2",
        )
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<BigInt, _>(actor)
        .execute(conn)
        .await?;
        let took_over = now.mode != ConversationMode::Operator;
        let details = json!({"message_id": message, "took_over": took_over});
        audit(conn, scope, actor, "conversation.reply", id, details).await?;
        Ok(Posted {
            entry: entry(conn, scope, id, message).await?,
            replayed: false,
        })
    })
    .await
}

/// A private note for colleagues: never delivered, never shown to the assistant. Allowed on
/// closed conversations too. The same `key` again returns the first note.
pub async fn note(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    id: ConversationId,
    text: &str,
    key: &str,
) -> Result<Posted, InboxError> {
    let key = stored_key(actor, key);
    conn.transaction::<_, InboxError, _>(async |conn| {
        lock(conn, scope, id).await?;
        let earlier = diesel::sql_query(
            "SELECT id, conversation_id, body FROM conversation_notes
              WHERE tenant_id = $1 AND idempotency_key = $2",
        )
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<Text, _>(&key)
        .get_result::<Earlier>(conn)
        .await
        .optional()?;
        if let Some(earlier) = earlier {
            let note = earlier.replay(id, text)?;
            return Ok(Posted {
                entry: entry(conn, scope, id, note).await?,
                replayed: true,
            });
        }
        let note = diesel::sql_query(
            "INSERT INTO conversation_notes (tenant_id, conversation_id, author_user_id, body,
                                             idempotency_key)
             VALUES ($2, $1, $3, $4, $5)
             RETURNING id",
        )
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<BigInt, _>(actor)
        .bind::<Text, _>(text)
        .bind::<Text, _>(&key)
        .get_result::<Inserted>(conn)
        .await?
        .id;
        audit(
            conn,
            scope,
            actor,
            "conversation.note",
            id,
            json!({"note_id": note}),
        )
        .await?;
        Ok(Posted {
            entry: entry(conn, scope, id, note).await?,
            replayed: false,
        })
    })
    .await
}

#[derive(QueryableByName)]
struct DraftState {
    #[diesel(sql_type = Nullable<Text>)]
    delivery_status: Option<DeliveryStatus>,
    /// Set when an operator approved it.
    #[diesel(sql_type = Bool)]
    approved: bool,
}

/// Publishes an assistant's draft of this conversation, with the operator's edit if any, as a
/// `pending` message the caller enqueues. Approving it again returns it as it is (a retried
/// request); a message that never was a draft is refused. Like
/// [`crate::messages::approve_draft`], but scoped to the conversation, recorded and audited.
pub async fn approve_draft(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    id: ConversationId,
    message: MessageId,
    edited: Option<&str>,
) -> Result<Posted, InboxError> {
    conn.transaction::<_, InboxError, _>(async |conn| {
        let now = lock(conn, scope, id).await?;
        let state = diesel::sql_query(
            "SELECT delivery_status, meta ? 'approved_by' AS approved FROM messages
              WHERE id = $1 AND conversation_id = $2 AND tenant_id = $3 FOR UPDATE",
        )
        .bind::<BigInt, _>(message)
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(scope.tenant_id())
        .get_result::<DraftState>(conn)
        .await
        .optional()?
        .ok_or(InboxError::MessageNotFound)?;
        if state.delivery_status != Some(DeliveryStatus::Draft) {
            return if state.approved {
                Ok(Posted {
                    entry: entry(conn, scope, id, message).await?,
                    replayed: true,
                })
            } else {
                Err(InboxError::NotADraft)
            };
        }
        if now.mode == ConversationMode::Closed {
            return Err(InboxError::Closed);
        }
        // The old body is read in the statement: `RETURNING` alone sees only the new one.
        let changed = diesel::sql_query(
            "WITH old AS (SELECT body FROM messages WHERE id = $1 AND tenant_id = $3)
             UPDATE messages m
                SET delivery_status = 'pending', body = coalesce($4, old.body),
                    meta = m.meta || jsonb_build_object(
                        'approved_by', $5::bigint,
                        'edited', coalesce($4 <> old.body, FALSE))
               FROM old
              WHERE m.id = $1 AND m.conversation_id = $2 AND m.tenant_id = $3
             RETURNING coalesce($4 <> old.body, FALSE) AS changed",
        )
        .bind::<BigInt, _>(message)
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<Nullable<Text>, _>(edited)
        .bind::<BigInt, _>(actor)
        .get_result::<Changed>(conn)
        .await?
        .changed;
        diesel::sql_query(
            "UPDATE conversations SET last_message_at = now() WHERE id = $1 AND tenant_id = $2",
        )
        .bind::<BigInt, _>(id)
        .bind::<BigInt, _>(scope.tenant_id())
        .execute(conn)
        .await?;
        let details = json!({"message_id": message, "edited": changed});
        audit(
            conn,
            scope,
            actor,
            "conversation.approve_draft",
            id,
            details,
        )
        .await?;
        Ok(Posted {
            entry: entry(conn, scope, id, message).await?,
            replayed: false,
        })
    })
    .await
}

#[derive(QueryableByName)]
struct Changed {
    #[diesel(sql_type = Bool)]
    changed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    const ME: UserId = UserId(1);
    const COLLEAGUE: UserId = UserId(2);

    fn at(mode: ConversationMode, assignee_id: Option<UserId>) -> Handling {
        Handling { mode, assignee_id }
    }

    fn to(transition: Transition, now: Handling) -> Option<(ConversationMode, Option<UserId>)> {
        transition
            .apply(now, ME)
            .ok()
            .flatten()
            .map(|h| (h.mode, h.assignee_id))
    }

    #[test]
    fn people_take_over_and_hand_back() {
        use ConversationMode::*;
        let waiting = at(WaitingOperator, None);
        assert_eq!(
            to(Transition::TakeOver, waiting),
            Some((Operator, Some(ME)))
        );
        assert_eq!(
            to(Transition::Assign(COLLEAGUE), at(Operator, Some(ME))),
            Some((Operator, Some(COLLEAGUE)))
        );
        assert_eq!(
            to(Transition::ReturnToBot, at(Operator, Some(ME))),
            Some((Bot, None))
        );
        assert_eq!(
            to(Transition::Close, at(Operator, Some(ME))),
            Some((Closed, Some(ME)))
        );
    }

    #[test]
    fn a_repeated_change_changes_nothing_and_a_closed_conversation_stays_closed() {
        use ConversationMode::*;
        assert!(matches!(
            Transition::TakeOver.apply(at(Operator, Some(ME)), ME),
            Ok(None)
        ));
        assert!(matches!(
            Transition::ReturnToBot.apply(at(Bot, None), ME),
            Ok(None)
        ));
        assert!(matches!(
            Transition::Close.apply(at(Closed, None), ME),
            Ok(None)
        ));
        for transition in [
            Transition::TakeOver,
            Transition::Assign(COLLEAGUE),
            Transition::ReturnToBot,
        ] {
            assert!(matches!(
                transition.apply(at(Closed, None), ME),
                Err(InboxError::Closed)
            ));
        }
    }
}
