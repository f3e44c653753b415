//! Shoppers' ratings of a closed conversation (CSAT): asked once, kept once, credited to whoever
//! resolved it.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::ratings;
use otklik_schema::{ChannelId, ConversationId, Resolver};

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
