//! What the marketplaces' own channels need beyond the messengers': the seller answers in the
//! marketplace's cabinet as well as through us, so a line the seller wrote there is recorded as
//! an outbound message written elsewhere, which answers the shopper's earlier messages and
//! withdraws our pending answer with the reason; waiting questions, reviews and chats are
//! re-checked at the marketplace in turn; and a chat's context (its product and order) is
//! carried to every message of the conversation.

use chrono::{DateTime, Utc};
use diesel::OptionalExtension;
use diesel::QueryableByName;
use diesel::sql_types::{Array, BigInt, Bool, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_schema::{
    AccountId, ChannelId, ConversationId, ConversationMode, MessageId, WithdrawReason,
};
use serde_json::json;

use crate::{DbError, TenantScope};

/// `meta.origin` of a line the seller wrote in the marketplace's cabinet.
pub const ORIGIN_MARKETPLACE: &str = "marketplace";

/// A message the seller wrote at the marketplace (a WB chat event from `seller`, an Ozon chat
/// message from `Seller`, the answer a question or review got there).
#[derive(Debug, Clone)]
pub struct SellerLine<'a> {
    pub channel_id: ChannelId,
    /// The shopper's identity at the channel, as their messages were recorded.
    pub customer_external_id: &'a str,
    /// The marketplace's id for the line: recording it twice records it once.
    pub external_id: &'a str,
    pub body: &'a str,
    /// When the marketplace says it was written.
    pub written_at: Option<DateTime<Utc>>,
    /// What our own send recorded as the sent message's id, when the marketplace echoes our
    /// messages back with something to recognise them by (WB chats: `{chatID}:{addTimestamp}`).
    pub echo_of: Option<&'a str>,
}

/// What recording a seller's line did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SellerLineOutcome {
    /// A new line written elsewhere; the shopper's earlier messages are answered, and these
    /// answers of ours were withdrawn.
    Recorded {
        conversation_id: ConversationId,
        message_id: MessageId,
        withdrawn: Vec<MessageId>,
    },
    /// Our own message, echoed back by the marketplace; now linked to its id there.
    Ours,
    /// Recorded before.
    Known,
    /// No open conversation with this shopper: nothing to answer.
    NoConversation,
}

#[derive(QueryableByName)]
struct Open {
    #[diesel(sql_type = BigInt)]
    id: ConversationId,
}

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: MessageId,
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = Bool)]
    found: bool,
}

/// The open conversation of the shopper at the channel, locked for the transaction (turns
/// lock it first too, so the two never deadlock).
async fn lock_open(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    channel: ChannelId,
    customer: &str,
) -> Result<Option<ConversationId>, DbError> {
    Ok(diesel::sql_query(
        "SELECT c.id FROM conversations c JOIN customers cu ON cu.id = c.customer_id
          WHERE cu.channel_id = $1 AND cu.external_id = $2 AND c.tenant_id = $3
            AND c.mode <> 'closed'
          FOR UPDATE OF c",
    )
    .bind::<BigInt, _>(channel)
    .bind::<Text, _>(customer)
    .bind::<BigInt, _>(scope.tenant_id())
    .get_result::<Open>(conn)
    .await
    .optional()?
    .map(|open| open.id))
}

/// Withdraws the assistant's drafts and queued answers of the conversation (people's own
/// replies stay), with the reason for operators. Its own statement, so it sees a draft a
/// turn committed while this transaction waited for the conversation.
async fn withdraw_pending(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    conversation: ConversationId,
    reason: WithdrawReason,
    text: &str,
) -> Result<Vec<MessageId>, DbError> {
    let withdrawn = diesel::sql_query(
        "UPDATE messages
            SET delivery_status = 'withdrawn', delivery_error = $3,
                meta = meta || jsonb_build_object('withdrawn', $4::text)
          WHERE conversation_id = $1 AND tenant_id = $2 AND author = 'bot'
            AND delivery_status IN ('draft', 'pending')
         RETURNING id",
    )
    .bind::<BigInt, _>(conversation)
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Text, _>(text)
    .bind::<Text, _>(reason.as_str())
    .load::<Id>(conn)
    .await?;
    Ok(withdrawn.into_iter().map(|row| row.id).collect())
}

/// Records what the seller wrote at the marketplace, unless it is our own message coming
/// back. A new line answers the shopper's messages before it and withdraws the assistant's
/// pending answers (`reason_text` for operators); with `close`, the conversation is closed too
/// (a question or review has nothing left to answer). Idempotent on the line's id.
pub async fn record_seller_line(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    line: &SellerLine<'_>,
    reason_text: &str,
    close: bool,
) -> Result<SellerLineOutcome, DbError> {
    let key = format!("marketplace:{}:{}", line.channel_id, line.external_id);
    conn.transaction::<_, DbError, _>(async |conn| {
        let Some(conversation) =
            lock_open(conn, scope, line.channel_id, line.customer_external_id).await?
        else {
            return Ok(SellerLineOutcome::NoConversation);
        };
        let known = diesel::sql_query(
            "SELECT EXISTS (
                 SELECT 1 FROM messages
                  WHERE tenant_id = $1 AND idempotency_key = $2
                 UNION ALL
                 SELECT 1 FROM messages
                  WHERE conversation_id = $3 AND direction = 'outbound'
                    AND meta->>'marketplace_id' = $4) AS found",
        )
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<Text, _>(&key)
        .bind::<BigInt, _>(conversation)
        .bind::<Text, _>(line.external_id)
        .get_result::<Found>(conn)
        .await?
        .found;
        if known {
            return Ok(SellerLineOutcome::Known);
        }
        // Ours if we sent it: the id our send recorded, else the same text not yet linked.
        let ours = diesel::sql_query(
            "UPDATE messages SET meta = meta || jsonb_build_object('marketplace_id', $3::text)
              WHERE id = (
                    SELECT id FROM messages
                     WHERE conversation_id = $1 AND tenant_id = $2 AND direction = 'outbound'
                       AND delivery_status IN ('sent', 'sending')
                       AND NOT meta ? 'marketplace_id'
                       AND (external_id = $4 OR btrim(body) = btrim($5))
                     ORDER BY external_id IS NOT DISTINCT FROM $4 DESC, id
                     LIMIT 1)
             RETURNING id",
        )
        .bind::<BigInt, _>(conversation)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<Text, _>(line.external_id)
        .bind::<Nullable<Text>, _>(line.echo_of)
        .bind::<Text, _>(line.body)
        .get_result::<Id>(conn)
        .await
        .optional()?;
        if ours.is_some() {
            return Ok(SellerLineOutcome::Ours);
        }
        let message = diesel::sql_query(
            "INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author, body,
                                   external_id, delivery_status, idempotency_key, meta, sent_at)
             VALUES ($1, $2, $3, 'outbound', 'operator', $4, $5, 'sent', $6,
                     jsonb_build_object('origin', $7::text), coalesce($8, now()))
             RETURNING id",
        )
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<BigInt, _>(conversation)
        .bind::<BigInt, _>(line.channel_id)
        .bind::<Text, _>(line.body)
        .bind::<Text, _>(line.external_id)
        .bind::<Text, _>(&key)
        .bind::<Text, _>(ORIGIN_MARKETPLACE)
        .bind::<Nullable<Timestamptz>, _>(line.written_at)
        .get_result::<Id>(conn)
        .await?
        .id;
        diesel::sql_query(
            "UPDATE messages SET answered_at = now()
              WHERE conversation_id = $1 AND tenant_id = $2 AND direction = 'inbound'
                AND answered_at IS NULL AND id < $3",
        )
        .bind::<BigInt, _>(conversation)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<BigInt, _>(message)
        .execute(conn)
        .await?;
        let withdrawn = withdraw_pending(
            conn,
            scope,
            conversation,
            WithdrawReason::AnsweredAtMarketplace,
            reason_text,
        )
        .await?;
        touch(conn, scope, conversation, close).await?;
        Ok(SellerLineOutcome::Recorded {
            conversation_id: conversation,
            message_id: message,
            withdrawn,
        })
    })
    .await
}

/// The marketplace says a question or review is dealt with but shows no answer to record
/// (rejected, marked processed; `reason`), or has it no more: withdraws the assistant's pending
/// answers with `reason_text` and closes the conversation. Returns what was withdrawn; `None`
/// without an open conversation.
pub async fn closed_at_marketplace(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    channel: ChannelId,
    customer: &str,
    reason: WithdrawReason,
    reason_text: &str,
) -> Result<Option<Vec<MessageId>>, DbError> {
    conn.transaction::<_, DbError, _>(async |conn| {
        let Some(conversation) = lock_open(conn, scope, channel, customer).await? else {
            return Ok(None);
        };
        diesel::sql_query(
            "UPDATE messages SET answered_at = now()
              WHERE conversation_id = $1 AND tenant_id = $2 AND direction = 'inbound'
                AND answered_at IS NULL",
        )
        .bind::<BigInt, _>(conversation)
        .bind::<BigInt, _>(scope.tenant_id())
        .execute(conn)
        .await?;
        let withdrawn = withdraw_pending(conn, scope, conversation, reason, reason_text).await?;
        touch(conn, scope, conversation, true).await?;
        Ok(Some(withdrawn))
    })
    .await
}

async fn touch(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    conversation: ConversationId,
    close: bool,
) -> Result<(), DbError> {
    diesel::sql_query(
        "UPDATE conversations
            SET last_message_at = now(), answer_checked_at = now(),
                mode = CASE WHEN $3 THEN 'closed' ELSE mode END,
                closed_at = CASE WHEN $3 THEN now() ELSE closed_at END,
                turn_lease_until = CASE WHEN $3 THEN NULL ELSE turn_lease_until END
          WHERE id = $1 AND tenant_id = $2",
    )
    .bind::<BigInt, _>(conversation)
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Bool, _>(close)
    .execute(conn)
    .await?;
    Ok(())
}

/// A conversation whose answer may have come at the marketplace instead.
#[derive(Debug, Clone, QueryableByName)]
pub struct Awaiting {
    #[diesel(sql_type = BigInt)]
    pub conversation_id: ConversationId,
    /// The marketplace's id of the question, review or chat.
    #[diesel(sql_type = Text)]
    pub external_chat_id: String,
    #[diesel(sql_type = Text)]
    pub customer_external_id: String,
    #[diesel(sql_type = Text)]
    pub mode: ConversationMode,
}

/// Up to `limit` open conversations of the channel waiting for an answer of ours — a draft
/// to approve, or people to answer — least recently checked first. A public question or
/// review we already answered is not waiting (`public`); a chat goes on. Reads the drafts'
/// and the modes' indexes, so the cost follows the open work, not the history.
pub async fn awaiting(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    channel: ChannelId,
    public: bool,
    limit: i64,
) -> Result<Vec<Awaiting>, DbError> {
    Ok(diesel::sql_query(
        "WITH candidates AS (
              SELECT conversation_id AS id FROM messages
               WHERE tenant_id = $1 AND channel_id = $2 AND delivery_status = 'draft'
              UNION
              SELECT id FROM conversations
               WHERE tenant_id = $1 AND channel_id = $2
                 AND mode IN ('waiting_operator', 'operator'))
         SELECT c.id AS conversation_id, c.external_chat_id, cu.external_id AS customer_external_id,
                c.mode
           FROM conversations c
           JOIN candidates USING (id)
           JOIN customers cu ON cu.id = c.customer_id
          WHERE c.tenant_id = $1 AND c.mode <> 'closed'
            AND (NOT $3 OR NOT EXISTS (
                 SELECT 1 FROM messages s
                  WHERE s.conversation_id = c.id AND s.direction = 'outbound'
                    AND s.delivery_status IN ('sent', 'sending')))
          ORDER BY c.answer_checked_at NULLS FIRST, c.id
          LIMIT $4",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(channel)
    .bind::<Bool, _>(public)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}

/// Notes that these conversations were checked at the marketplace just now.
pub async fn checked(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    conversations: &[ConversationId],
) -> Result<(), DbError> {
    diesel::sql_query(
        "UPDATE conversations SET answer_checked_at = now()
          WHERE tenant_id = $1 AND id = ANY($2)",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Array<BigInt>, _>(conversations)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(QueryableByName)]
struct Context {
    #[diesel(sql_type = Jsonb)]
    attachments: serde_json::Value,
}

/// The product and order the shopper's conversation at the channel is about, as its latest
/// message that named them recorded them (`[]` when none did): a WB chat names them only in its
/// first event, and later messages carry them on.
pub async fn context(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    channel: ChannelId,
    customer: &str,
) -> Result<serde_json::Value, DbError> {
    let found = diesel::sql_query(
        "SELECT COALESCE(jsonb_agg(a) FILTER (WHERE a->>'kind' IN ('product', 'order')), '[]')
                AS attachments
           FROM (SELECT m.attachments FROM conversations c
                   JOIN customers cu ON cu.id = c.customer_id
                   JOIN messages m ON m.conversation_id = c.id
                  WHERE cu.channel_id = $1 AND cu.external_id = $2 AND c.tenant_id = $3
                    AND c.mode <> 'closed' AND m.direction = 'inbound'
                    AND m.attachments @> '[{\"kind\": \"order\"}]'
                  ORDER BY m.id DESC LIMIT 1) latest,
                jsonb_array_elements(latest.attachments) a",
    )
    .bind::<BigInt, _>(channel)
    .bind::<Text, _>(customer)
    .bind::<BigInt, _>(scope.tenant_id())
    .get_result::<Context>(conn)
    .await
    .optional()?;
    Ok(found.map_or_else(|| json!([]), |row| row.attachments))
}

#[derive(QueryableByName)]
struct OrderNumber {
    #[diesel(sql_type = Text)]
    external_id: String,
}

/// The synced order a WB chat's `goodCard.rid` names: the FBS order keeping that `rid`, or the
/// FBW order stored under it.
pub async fn order_by_rid(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
    rid: &str,
) -> Result<Option<String>, DbError> {
    Ok(diesel::sql_query(
        "SELECT external_id FROM orders
          WHERE tenant_id = $1 AND account_id = $2
            AND ((details ? 'rid' AND details->>'rid' = $3) OR external_id = $3)
          ORDER BY (external_id = $3), id
          LIMIT 1",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(account)
    .bind::<Text, _>(rid)
    .get_result::<OrderNumber>(conn)
    .await
    .optional()?
    .map(|row| row.external_id))
}

/// The synced posting an Ozon chat's `context.order_number` names: the order's posting with
/// this SKU if it has several, else its first. Ozon posting numbers are the order number plus
/// `-N`, read here as a range of the account's unique index.
pub async fn posting_by_order_number(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
    order_number: &str,
    sku: Option<&str>,
) -> Result<Option<String>, DbError> {
    Ok(diesel::sql_query(
        "SELECT external_id FROM orders
          WHERE tenant_id = $1 AND account_id = $2
            AND external_id >= $3 || '-' AND external_id < $3 || '.'
          ORDER BY ($4::text IS NOT NULL AND items @> jsonb_build_array(
                        jsonb_build_object('article', $4::text))) DESC, external_id
          LIMIT 1",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(account)
    .bind::<Text, _>(order_number)
    .bind::<Nullable<Text>, _>(sku)
    .get_result::<OrderNumber>(conn)
    .await
    .optional()?
    .map(|row| row.external_id))
}
