//! What a shopper does at a messenger besides writing: stopping and starting the bot, denying
//! and allowing a community's messages, editing or removing a message, deleting the dialog —
//! and the greeting a started bot sends before anyone has written.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::{ChannelId, ConversationId, MessageId};

use crate::{DbError, TenantScope};

/// Marks the shopper as having stopped the channel `at`: nothing is sent to them until they
/// start it or write again. Returns whether a known shopper was marked.
pub async fn stop(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    channel_id: ChannelId,
    customer_external_id: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbError> {
    let updated = diesel::sql_query(
        "UPDATE customers SET stopped_at = $4
          WHERE tenant_id = $1 AND channel_id = $2 AND external_id = $3
            AND (stopped_at IS NULL OR stopped_at < $4)",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(channel_id)
    .bind::<Text, _>(customer_external_id)
    .bind::<Timestamptz, _>(at)
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// Marks the shopper of a conversation as unreachable: the channel refused a send to them.
pub async fn stop_conversation(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    conversation_id: ConversationId,
) -> Result<(), DbError> {
    diesel::sql_query(
        "UPDATE customers SET stopped_at = now()
          WHERE tenant_id = $1 AND stopped_at IS NULL
            AND id = (SELECT customer_id FROM conversations WHERE tenant_id = $1 AND id = $2)",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(conversation_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// The shopper is reachable again (started the bot, allowed messages, wrote). Returns whether
/// they had been stopped.
pub async fn resume(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    channel_id: ChannelId,
    customer_external_id: &str,
) -> Result<bool, DbError> {
    let updated = diesel::sql_query(
        "UPDATE customers SET stopped_at = NULL
          WHERE tenant_id = $1 AND channel_id = $2 AND external_id = $3
            AND stopped_at IS NOT NULL",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(channel_id)
    .bind::<Text, _>(customer_external_id)
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// A shopper message that an edit or removal changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct Changed {
    #[diesel(sql_type = BigInt)]
    pub conversation_id: ConversationId,
    #[diesel(sql_type = BigInt)]
    pub message_id: MessageId,
}

/// The shopper edited a message: its text is replaced, the first version kept in
/// `meta.original_body`. A turn that has not read it yet reads the new text. `None` when the
/// message was never taken in.
pub async fn edit_inbound(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    channel_id: ChannelId,
    external_id: &str,
    body: &str,
) -> Result<Option<Changed>, DbError> {
    Ok(diesel::sql_query(
        "UPDATE messages
            SET meta = meta || jsonb_build_object(
                    'edited_at', now(),
                    'original_body', coalesce(meta -> 'original_body', to_jsonb(body))),
                body = $4
          WHERE tenant_id = $1 AND channel_id = $2 AND external_id = $3
            AND direction = 'inbound' AND body IS DISTINCT FROM $4
      RETURNING conversation_id, id AS message_id",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(channel_id)
    .bind::<Text, _>(external_id)
    .bind::<Text, _>(body)
    .get_result::<Changed>(conn)
    .await
    .optional()?)
}

/// The shopper removed a message: it stays for operators, marked `meta.removed_at`, and the
/// assistant no longer answers it. `None` when the message was never taken in.
pub async fn remove_inbound(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    channel_id: ChannelId,
    external_id: &str,
) -> Result<Option<Changed>, DbError> {
    Ok(diesel::sql_query(
        "UPDATE messages
            SET meta = meta || jsonb_build_object('removed_at', now()),
                answered_at = coalesce(answered_at, now())
          WHERE tenant_id = $1 AND channel_id = $2 AND external_id = $3
            AND direction = 'inbound' AND NOT meta ? 'removed_at'
      RETURNING conversation_id, id AS message_id",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(channel_id)
    .bind::<Text, _>(external_id)
    .get_result::<Changed>(conn)
    .await
    .optional()?)
}

/// The shopper deleted the dialog: a conversation the assistant was holding with them is
/// closed, so their next message starts afresh. One that people handle stays open for them.
pub async fn close_bot_conversation(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    channel_id: ChannelId,
    customer_external_id: &str,
) -> Result<Option<ConversationId>, DbError> {
    #[derive(QueryableByName)]
    struct Closed {
        #[diesel(sql_type = BigInt)]
        id: ConversationId,
    }
    Ok(diesel::sql_query(
        "UPDATE conversations SET mode = 'closed', closed_at = now()
          WHERE tenant_id = $1 AND mode = 'bot'
            AND customer_id = (SELECT id FROM customers
                                WHERE tenant_id = $1 AND channel_id = $2 AND external_id = $3)
      RETURNING id",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(channel_id)
    .bind::<Text, _>(customer_external_id)
    .get_result::<Closed>(conn)
    .await
    .optional()?
    .map(|closed| closed.id))
}

/// A greeting to a shopper who started the bot.
#[derive(Debug, Clone, Copy)]
pub struct Greeting<'a> {
    pub channel_id: ChannelId,
    pub customer_external_id: &'a str,
    pub customer_name: &'a str,
    pub customer_username: Option<&'a str>,
    /// Where it goes (the dialog's chat id).
    pub chat_id: &'a str,
    pub text: &'a str,
    /// Unique per start: the same start redelivered greets once.
    pub key: &'a str,
}

/// Records the greeting as the bot's reply to send, opening the shopper's conversation and
/// clearing any earlier stop. Returns the message to deliver; `None` when people handle the
/// conversation (they greet in their own words) or it was sent already.
pub async fn greet(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    greeting: &Greeting<'_>,
) -> Result<Option<MessageId>, DbError> {
    #[derive(QueryableByName)]
    struct Pending {
        #[diesel(sql_type = BigInt)]
        id: MessageId,
    }
    let key = format!("greeting:{}:{}", greeting.channel_id, greeting.key);
    Ok(diesel::sql_query(
        "WITH customer AS (
             INSERT INTO customers (tenant_id, channel_id, external_id, display_name, username)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (channel_id, external_id) DO UPDATE
                 SET last_seen_at = now(), display_name = EXCLUDED.display_name,
                     username = EXCLUDED.username, stopped_at = NULL
             RETURNING id),
         conversation AS (
             INSERT INTO conversations (tenant_id, channel_id, customer_id, external_chat_id)
             SELECT $1, $2, customer.id, $6 FROM customer
             ON CONFLICT (customer_id) WHERE mode <> 'closed' DO UPDATE
                 SET external_chat_id = EXCLUDED.external_chat_id, last_message_at = now()
             RETURNING id, mode),
         greeting AS (
             INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author, body,
                                   delivery_status, idempotency_key, meta)
             SELECT $1, conversation.id, $2, 'outbound', 'bot', $7, 'pending', $8,
                    '{\"greeting\": true}'::jsonb
               FROM conversation WHERE conversation.mode = 'bot'
             ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
             RETURNING id)
         SELECT id FROM greeting
         UNION ALL
         SELECT id FROM messages
          WHERE tenant_id = $1 AND idempotency_key = $8 AND delivery_status = 'pending'
            AND NOT EXISTS (SELECT 1 FROM greeting)",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(greeting.channel_id)
    .bind::<Text, _>(greeting.customer_external_id)
    .bind::<Text, _>(greeting.customer_name)
    .bind::<diesel::sql_types::Nullable<Text>, _>(greeting.customer_username)
    .bind::<Text, _>(greeting.chat_id)
    .bind::<Text, _>(greeting.text)
    .bind::<Text, _>(&key)
    .get_result::<Pending>(conn)
    .await
    .optional()?
    .map(|pending| pending.id))
}
