//! One conversation's timeline: messages, drafts and notes in one order.

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Bool, Jsonb, Nullable, Text, Timestamptz};
use diesel::{ExpressionMethods, QueryDsl, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::conversations;
use otklik_schema::{Author, ConversationId, DeliveryStatus, Direction, MessageId, UserId};
use serde::Deserialize;
use serde_json::Value;

use crate::{DbError, TenantScope};

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

pub(super) async fn entry(
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
