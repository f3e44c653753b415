//! Shoppers' ratings of a closed conversation (CSAT): asked once, kept once, credited to whoever
//! resolved it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::ratings;
use otklik_schema::{ChannelId, ConversationId, Resolver, TenantId};

use crate::{DbError, TenantScope};

/// One to five stars; anything else is not a rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Stars(u8);

impl Stars {
    pub fn new(stars: u8) -> Option<Self> {
        (1..=5).contains(&stars).then_some(Self(stars))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = ratings, check_for_backend(diesel::pg::Pg))]
pub struct Rating {
    pub conversation_id: ConversationId,
    pub channel_id: ChannelId,
    pub stars: i16,
    pub resolved_by: Resolver,
    /// The recognised intent's label (`intents.md`) of the request that was resolved.
    pub intent: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What a rating is given for.
pub struct Rated<'a> {
    pub conversation_id: ConversationId,
    pub channel_id: ChannelId,
    pub resolved_by: Resolver,
    pub intent: Option<&'a str>,
}

/// Keeps the conversation's rating. Returns `false` when it already had one: the first answer
/// stands, so a repeated press (or a redelivered job) changes nothing.
pub async fn record(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    rated: &Rated<'_>,
    stars: Stars,
) -> Result<bool, DbError> {
    let inserted = diesel::insert_into(ratings::table)
        .values((
            ratings::tenant_id.eq(scope.tenant_id()),
            ratings::conversation_id.eq(rated.conversation_id),
            ratings::channel_id.eq(rated.channel_id),
            ratings::stars.eq(i16::from(stars.get())),
            ratings::resolved_by.eq(rated.resolved_by),
            ratings::intent.eq(rated.intent),
        ))
        .on_conflict(ratings::conversation_id)
        .do_nothing()
        .execute(conn)
        .await?;
    Ok(inserted == 1)
}

/// The conversation's rating, if the shopper gave one.
pub async fn of_conversation(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    conversation_id: ConversationId,
) -> Result<Option<Rating>, DbError> {
    Ok(ratings::table
        .filter(ratings::tenant_id.eq(scope.tenant_id()))
        .filter(ratings::conversation_id.eq(conversation_id))
        .select(Rating::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// A web-chat visitor's latest conversation, as far as rating it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WebchatTarget {
    /// The visitor has never written on this channel.
    NoConversation,
    /// Nothing was answered yet: there is nothing to rate.
    Unanswered,
    /// Answered: a rating would be kept for `conversation_id` in `tenant`.
    Answered {
        tenant: TenantScope,
        conversation_id: ConversationId,
        resolved_by: Resolver,
        intent: Option<String>,
    },
}

#[derive(QueryableByName)]
struct TargetRow {
    #[diesel(sql_type = BigInt)]
    tenant_id: TenantId,
    #[diesel(sql_type = BigInt)]
    conversation_id: ConversationId,
    #[diesel(sql_type = Bool)]
    answered: bool,
    #[diesel(sql_type = Bool)]
    by_operator: bool,
    #[diesel(sql_type = Nullable<Text>)]
    intent: Option<String>,
}

/// The visitor's latest conversation on a web-chat channel, and who answered in it: a person
/// when an operator's reply reached the visitor, otherwise the assistant. Only replies the
/// visitor could see (sent) count. Reads by key: the visitor's customer row, its conversations,
/// and that one conversation's messages.
pub async fn webchat_target(
    conn: &mut AsyncPgConnection,
    channel_id: ChannelId,
    visitor: &str,
) -> Result<WebchatTarget, DbError> {
    let row = diesel::sql_query(
        "SELECT c.tenant_id, c.id AS conversation_id,
                EXISTS (SELECT 1 FROM messages m
                         WHERE m.conversation_id = c.id AND m.direction = 'outbound'
                           AND m.author IN ('bot', 'operator') AND m.delivery_status = 'sent')
                    AS answered,
                EXISTS (SELECT 1 FROM messages m
                         WHERE m.conversation_id = c.id AND m.direction = 'outbound'
                           AND m.author = 'operator' AND m.delivery_status = 'sent')
                    AS by_operator,
                (SELECT x.intent FROM conversation_metrics x WHERE x.conversation_id = c.id)
                    AS intent
           FROM customers k
           JOIN channels ch ON ch.id = k.channel_id AND ch.kind = 'webchat'
           JOIN conversations c ON c.customer_id = k.id
          WHERE k.channel_id = $1 AND k.external_id = $2
          ORDER BY c.id DESC
          LIMIT 1",
    )
    .bind::<BigInt, _>(channel_id)
    .bind::<Text, _>(visitor)
    .get_result::<TargetRow>(conn)
    .await
    .optional()?;
    Ok(match row {
        None => WebchatTarget::NoConversation,
        Some(row) if !row.answered => WebchatTarget::Unanswered,
        Some(row) => WebchatTarget::Answered {
            // Read from our own rows, found by the channel the visitor wrote to.
            tenant: TenantScope::trusted(row.tenant_id),
            conversation_id: row.conversation_id,
            resolved_by: if row.by_operator {
                Resolver::Operator
            } else {
                Resolver::Bot
            },
            intent: row.intent,
        },
    })
}
