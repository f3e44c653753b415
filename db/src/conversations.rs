//! Conversations: recording what shoppers write, and the one-turn-at-a-time lease.

use std::time::Duration;

use chrono::{DateTime, Utc};

use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::{conversations, customers, messages};
use otklik_schema::{
    Author, ChannelId, ConversationId, ConversationMode, CustomerId, Direction, HandoffReason,
    MessageId,
};

use crate::statement::PlanOnce;
use crate::{DbError, TenantScope};

/// A shopper's message as the channel reported it.
#[derive(Debug, Clone)]
pub struct NewInbound<'a> {
    pub channel_id: ChannelId,
    /// The shopper's identity at the channel.
    pub customer_external_id: &'a str,
    pub customer_name: &'a str,
    pub customer_username: Option<&'a str>,
    /// Where replies go (Telegram chat id, web-chat visitor).
    pub chat_id: &'a str,
    /// The channel's id for this message: recording the same id twice records it once.
    pub external_id: &'a str,
    pub body: &'a str,
    pub attachments: serde_json::Value,
    /// What the channel needs besides the chat id to answer (WB buyer chats: `replySign`).
    pub reply_token: Option<&'a str>,
    /// The marketplace's deadline for an answer.
    pub reply_due_at: Option<DateTime<Utc>>,
}

/// What recording an inbound message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recorded {
    pub conversation_id: ConversationId,
    /// `None` when the message had been recorded before.
    pub message_id: Option<MessageId>,
    /// Whether a turn still has to look at this message.
    pub unanswered: bool,
}

#[derive(QueryableByName)]
struct RecordedRow {
    #[diesel(sql_type = BigInt)]
    conversation_id: ConversationId,
    #[diesel(sql_type = Nullable<BigInt>)]
    message_id: Option<MessageId>,
    #[diesel(sql_type = Bool)]
    unanswered: bool,
}

/// Records a shopper's message, creating the customer and opening a conversation as needed, in
/// one statement. Idempotent on the channel's message id.
pub async fn record_inbound(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    msg: &NewInbound<'_>,
) -> Result<Recorded, DbError> {
    let row = diesel::sql_query(
        "WITH customer AS (
             INSERT INTO customers (tenant_id, channel_id, external_id, display_name, username)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (channel_id, external_id) DO UPDATE
                 SET last_seen_at = now(), display_name = EXCLUDED.display_name,
                     username = EXCLUDED.username
             RETURNING id),
         conversation AS (
             INSERT INTO conversations (tenant_id, channel_id, customer_id, external_chat_id,
                                        reply_token, reply_due_at)
             SELECT $1, $2, customer.id, $6, $10, $11 FROM customer
             ON CONFLICT (customer_id) WHERE mode <> 'closed' DO UPDATE
                 -- A message seen before (a marketplace poll reads the same page every minute)
                 -- does not move the conversation up the list.
                 SET last_message_at = CASE
                         WHEN EXISTS (SELECT 1 FROM messages m
                                      WHERE m.channel_id = $2 AND m.external_id = $7
                                        AND m.direction = 'inbound')
                         THEN conversations.last_message_at ELSE now() END,
                     external_chat_id = EXCLUDED.external_chat_id,
                     reply_token = coalesce(EXCLUDED.reply_token, conversations.reply_token),
                     reply_due_at = coalesce(EXCLUDED.reply_due_at, conversations.reply_due_at)
             RETURNING id),
         inserted AS (
             INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author,
                                   external_id, body, attachments)
             SELECT $1, conversation.id, $2, 'inbound', 'shopper', $7, $8, $9 FROM conversation
             ON CONFLICT (channel_id, external_id) WHERE direction = 'inbound' DO NOTHING
             RETURNING id, conversation_id)
         SELECT inserted.conversation_id, inserted.id AS message_id, TRUE AS unanswered FROM inserted
         UNION ALL
         SELECT m.conversation_id, NULL, m.answered_at IS NULL FROM messages m
         WHERE m.channel_id = $2 AND m.external_id = $7 AND m.direction = 'inbound'
           AND NOT EXISTS (SELECT 1 FROM inserted)",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(msg.channel_id)
    .bind::<Text, _>(msg.customer_external_id)
    .bind::<Text, _>(msg.customer_name)
    .bind::<Nullable<Text>, _>(msg.customer_username)
    .bind::<Text, _>(msg.chat_id)
    .bind::<Text, _>(msg.external_id)
    .bind::<Text, _>(msg.body)
    .bind::<Jsonb, _>(&msg.attachments)
    .bind::<Nullable<Text>, _>(msg.reply_token)
    .bind::<Nullable<Timestamptz>, _>(msg.reply_due_at)
    .prepared()
    .get_result::<RecordedRow>(conn)
    .await?;
    Ok(Recorded {
        conversation_id: row.conversation_id,
        message_id: row.message_id,
        unanswered: row.unanswered,
    })
}

/// The conversation as a turn sees it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = conversations, check_for_backend(diesel::pg::Pg))]
pub struct Conversation {
    pub id: ConversationId,
    pub channel_id: ChannelId,
    pub customer_id: CustomerId,
    pub external_chat_id: String,
    pub mode: ConversationMode,
    /// What the assistant remembers between turns (its own JSON document).
    pub assistant_state: serde_json::Value,
    /// The marketplace's deadline for an answer.
    pub reply_due_at: Option<DateTime<Utc>>,
}

/// The outcome of asking for a conversation's turn.
#[derive(Debug)]
pub enum TurnLease {
    /// This caller holds the turn until it finishes or the lease runs out.
    Acquired(Conversation),
    /// Another turn is running; try again later.
    Busy,
    /// No such conversation for this tenant.
    Missing,
}

/// Takes the conversation's turn for `lease`, so two workers never answer it at once. A lease
/// rather than a lock: a crashed worker's turn frees itself.
pub async fn acquire_turn(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: ConversationId,
    lease: Duration,
) -> Result<TurnLease, DbError> {
    let lease_ms = lease.as_millis();
    let free = sql::<Bool>("(turn_lease_until IS NULL OR turn_lease_until < now())");
    let acquired = diesel::update(conversations::table)
        .filter(conversations::id.eq(id))
        .filter(conversations::tenant_id.eq(scope.tenant_id()))
        .filter(free)
        .set(
            conversations::turn_lease_until.eq(sql::<Nullable<Timestamptz>>(&format!(
                "now() + interval '{lease_ms} milliseconds'"
            ))),
        )
        .returning(Conversation::as_returning())
        // Its text is the same on every call: the lease is a constant of the caller.
        .prepared()
        .get_result(conn)
        .await
        .optional()?;
    if let Some(conversation) = acquired {
        return Ok(TurnLease::Acquired(conversation));
    }
    let exists = diesel::select(diesel::dsl::exists(
        conversations::table
            .filter(conversations::id.eq(id))
            .filter(conversations::tenant_id.eq(scope.tenant_id())),
    ))
    .get_result::<bool>(conn)
    .await?;
    Ok(if exists {
        TurnLease::Busy
    } else {
        TurnLease::Missing
    })
}

/// Extends a running turn's lease to `lease` from now, while the turn still holds it. A short
/// lease, renewed while the turn runs, frees a crashed worker's conversation soon.
pub async fn renew_turn(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: ConversationId,
    lease: Duration,
) -> Result<bool, DbError> {
    let lease_ms = lease.as_millis();
    let renewed = diesel::update(conversations::table)
        .filter(conversations::id.eq(id))
        .filter(conversations::tenant_id.eq(scope.tenant_id()))
        .filter(conversations::turn_lease_until.is_not_null())
        .set(
            conversations::turn_lease_until.eq(sql::<Nullable<Timestamptz>>(&format!(
                "now() + interval '{lease_ms} milliseconds'"
            ))),
        )
        .execute(conn)
        .await?;
    Ok(renewed == 1)
}

/// Gives the turn back without a reply (nothing to answer, or the assistant failed).
pub async fn release_turn(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: ConversationId,
) -> Result<(), DbError> {
    diesel::update(conversations::table)
        .filter(conversations::id.eq(id))
        .filter(conversations::tenant_id.eq(scope.tenant_id()))
        .set(conversations::turn_lease_until.eq(None::<DateTime<Utc>>))
        .execute(conn)
        .await?;
    Ok(())
}

/// A shopper message a turn has not yet taken into account.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = messages, check_for_backend(diesel::pg::Pg))]
pub struct Unanswered {
    pub id: MessageId,
    pub body: String,
    pub attachments: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// The name the channel gave the conversation's shopper (a review's author), or empty.
pub async fn customer_name(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    customer: CustomerId,
) -> Result<String, DbError> {
    Ok(customers::table
        .filter(customers::id.eq(customer))
        .filter(customers::tenant_id.eq(scope.tenant_id()))
        .select(customers::display_name)
        .first(conn)
        .await
        .optional()?
        .unwrap_or_default())
}

/// The shopper's messages since the last turn, oldest first.
pub async fn unanswered(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: ConversationId,
) -> Result<Vec<Unanswered>, DbError> {
    Ok(messages::table
        .filter(messages::conversation_id.eq(id))
        .filter(messages::tenant_id.eq(scope.tenant_id()))
        .filter(messages::direction.eq(Direction::Inbound))
        .filter(messages::answered_at.is_null())
        .order(messages::id)
        .select(Unanswered::as_select())
        .load(conn)
        .await?)
}

/// The conversation's latest `limit` messages, oldest first: context for the assistant and
/// the handoff summary.
pub async fn recent(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: ConversationId,
    limit: i64,
) -> Result<Vec<crate::messages::Line>, DbError> {
    let mut lines = messages::table
        .filter(messages::conversation_id.eq(id))
        .filter(messages::tenant_id.eq(scope.tenant_id()))
        .order(messages::id.desc())
        .limit(limit)
        .select(crate::messages::Line::as_select())
        .load(conn)
        .await?;
    lines.reverse();
    Ok(lines)
}

/// Why people were asked to take over, and what they should know.
#[derive(Debug, Clone, Copy)]
pub struct HandoffNote<'a> {
    pub reason: HandoffReason,
    pub summary: &'a str,
}

/// A usage event recorded with the turn, once per idempotency key.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Usage {
    pub kind: &'static str,
    pub quantity: i64,
    pub key: String,
    pub details: serde_json::Value,
}

/// What a turn decided.
#[derive(Debug, Clone)]
pub struct TurnResult<'a> {
    /// The shopper messages this turn answered.
    pub answered: &'a [MessageId],
    /// The reply to send, if any.
    pub reply: Option<&'a str>,
    /// Hold the reply as a draft for an operator instead of sending it.
    pub draft: bool,
    pub author: Author,
    /// How the reply came about: intent, responder, articles used.
    pub meta: serde_json::Value,
    /// A new mode, e.g. `WaitingOperator` on a handoff.
    pub mode: Option<ConversationMode>,
    /// The assistant's memory after this turn; unchanged when `None`.
    pub state: Option<&'a serde_json::Value>,
    pub handoff: Option<HandoffNote<'a>>,
    pub usage: &'a [Usage],
}

/// Records a turn in one statement (one implicit transaction): the reply (queued as
/// `pending`, or held as a `draft`), the answered messages, the new mode and assistant state, the handoff note,
/// usage events, and the end of the lease. Returns every delivery of the conversation still
/// to enqueue — the new reply and any an earlier, crashed turn recorded but never enqueued.
///
/// The reply's idempotency key is derived from the last answered message, so a turn that runs
/// twice records one reply (and usage keys are the caller's, derived the same way). No reply
/// is written when the messages were answered meanwhile (the seller answered them at the
/// marketplace while the turn ran).
pub async fn finish_turn(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    conversation: &Conversation,
    result: TurnResult<'_>,
) -> Result<Vec<MessageId>, DbError> {
    #[derive(QueryableByName)]
    struct Pending {
        #[diesel(sql_type = BigInt)]
        id: MessageId,
    }
    let reply = result.answered.last().and(result.reply);
    let idempotency_key = result
        .answered
        .last()
        .map(|last| format!("reply-to:{last}"));
    let usage = serde_json::to_value(result.usage).unwrap_or_else(|_| serde_json::json!([]));
    // The conversation row is locked first, then its messages, as recording a line the
    // seller wrote at the marketplace does: that line answers the messages, and a reply is
    // written only for messages this statement found still unanswered.
    let pending = diesel::sql_query(
        "WITH conversation AS (
             UPDATE conversations
             -- People may have taken over while the turn ran: their choice stands.
             SET mode = CASE WHEN mode = $15 THEN $8 ELSE mode END,
                 turn_lease_until = NULL, last_message_at = now(),
                 assistant_state = coalesce($10, assistant_state),
                 handoff_reason = coalesce($11, handoff_reason),
                 handoff_summary = coalesce($12, handoff_summary),
                 handoff_at = CASE WHEN $11 IS NULL THEN handoff_at ELSE now() END
             WHERE id = $2 AND tenant_id = $1
             RETURNING id),
         answered AS (
             UPDATE messages SET answered_at = now()
             WHERE tenant_id = $1 AND id = ANY($7) AND answered_at IS NULL
               AND EXISTS (SELECT 1 FROM conversation)
             RETURNING id),
         reply AS (
             INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author, body,
                                   delivery_status, idempotency_key, meta)
             SELECT $1, $2, $3, 'outbound', $4, $5,
                    CASE WHEN $14 THEN 'draft' ELSE 'pending' END, $6, $9
             WHERE $5 IS NOT NULL AND EXISTS (SELECT 1 FROM answered)
             ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
             RETURNING id),
         usage AS (
             INSERT INTO usage_events (tenant_id, kind, quantity, conversation_id, idempotency_key,
                                       details)
             SELECT $1, u.kind, u.quantity, $2, u.key, coalesce(u.details, '{}'::jsonb)
             FROM jsonb_to_recordset($13) AS u(kind text, quantity bigint, key text, details jsonb)
             WHERE EXISTS (SELECT 1 FROM answered)
             ON CONFLICT (tenant_id, idempotency_key) DO NOTHING)
         SELECT id FROM reply WHERE NOT $14
         UNION
         SELECT id FROM messages
         WHERE conversation_id = $2 AND tenant_id = $1 AND delivery_status = 'pending'
         ORDER BY id",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(conversation.id)
    .bind::<BigInt, _>(conversation.channel_id)
    .bind::<Text, _>(result.author)
    .bind::<Nullable<Text>, _>(reply)
    .bind::<Nullable<Text>, _>(idempotency_key)
    .bind::<Array<BigInt>, _>(result.answered)
    .bind::<Text, _>(result.mode.unwrap_or(conversation.mode))
    .bind::<Jsonb, _>(&result.meta)
    .bind::<Nullable<Jsonb>, _>(result.state)
    .bind::<Nullable<Text>, _>(result.handoff.map(|h| h.reason))
    .bind::<Nullable<Text>, _>(result.handoff.map(|h| h.summary))
    .bind::<Jsonb, _>(&usage)
    .bind::<Bool, _>(result.draft)
    .bind::<Text, _>(conversation.mode)
    .prepared()
    .load::<Pending>(conn)
    .await?;
    Ok(pending.into_iter().map(|row| row.id).collect())
}

/// Gives a conversation back to the assistant after people handled it, with a fresh memory.
pub async fn return_to_bot(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: ConversationId,
) -> Result<bool, DbError> {
    let updated = diesel::update(conversations::table)
        .filter(conversations::id.eq(id))
        .filter(conversations::tenant_id.eq(scope.tenant_id()))
        .filter(conversations::mode.ne(ConversationMode::Closed))
        .set((
            conversations::mode.eq(ConversationMode::Bot),
            conversations::assistant_state.eq(serde_json::json!({})),
        ))
        .execute(conn)
        .await?;
    Ok(updated == 1)
}
