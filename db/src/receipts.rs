//! What a provider later says about a message we sent (WhatsApp's status webhooks): it reached
//! the shopper's phone, they read it, or it failed after all. Receipts only move forward
//! (`delivered` < `read`; a `read` may come without a `delivered`), so redelivered or
//! reordered statuses change nothing; a failure after `sent` makes the message `failed` and
//! hands its conversation to people, as a failed send does.

use diesel::sql_types::{BigInt, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::{ChannelId, ConversationId, HandoffReason, MessageId};

use crate::{DbError, TenantScope};

/// A provider's word on a sent message.
#[derive(Debug, Clone, Copy)]
pub enum Receipt<'a> {
    /// On the shopper's phone; kept as `meta.receipt = "delivered"`.
    Delivered,
    /// Seen by the shopper; kept as `meta.receipt = "read"`.
    Read,
    /// Not delivered after all: `reason` is what operators read, on the message and in front
    /// of the handoff summary; `code` the provider's error code (`meta.error_code`).
    Failed { code: Option<i64>, reason: &'a str },
}

/// What a receipt changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub message_id: MessageId,
    pub conversation_id: ConversationId,
    /// The conversation went to people because the message failed.
    pub handed_off: bool,
}

#[derive(diesel::QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    id: MessageId,
    #[diesel(sql_type = BigInt)]
    conversation_id: ConversationId,
    #[diesel(sql_type = BigInt)]
    handed_off: i64,
}

/// Applies a receipt to the outbound message `external_id` of `channel`. `None` when nothing
/// changed: no such sent message (yet), or it already has this receipt or a later one.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    channel: ChannelId,
    external_id: &str,
    receipt: Receipt<'_>,
) -> Result<Option<Applied>, DbError> {
    let found = match receipt {
        Receipt::Delivered | Receipt::Read => {
            let (value, earlier): (&str, Vec<String>) = match receipt {
                Receipt::Delivered => ("delivered", Vec::new()),
                _ => ("read", vec!["delivered".to_owned()]),
            };
            diesel::sql_query(
                "UPDATE messages SET meta = jsonb_set(meta, '{receipt}', to_jsonb($4::text))
                  WHERE tenant_id = $1 AND channel_id = $2 AND external_id = $3
                    AND direction = 'outbound' AND delivery_status = 'sent'
                    AND (meta ->> 'receipt' IS NULL OR meta ->> 'receipt' = ANY($5))
              RETURNING id, conversation_id, 0::bigint AS handed_off",
            )
            .bind::<BigInt, _>(scope.tenant_id())
            .bind::<BigInt, _>(channel)
            .bind::<Text, _>(external_id)
            .bind::<Text, _>(value)
            .bind::<diesel::sql_types::Array<Text>, _>(earlier)
            .get_result::<Row>(conn)
            .await
        }
        Receipt::Failed { code, reason } => {
            diesel::sql_query(
                "WITH done AS (
                     UPDATE messages
                        SET delivery_status = 'failed', delivery_error = $4,
                            meta = meta || jsonb_strip_nulls(jsonb_build_object('error_code', $5::bigint))
                      WHERE tenant_id = $1 AND channel_id = $2 AND external_id = $3
                        AND direction = 'outbound' AND delivery_status = 'sent'
                  RETURNING id, conversation_id),
                 handoff AS (
                     UPDATE conversations c
                        SET mode = 'waiting_operator', handoff_reason = $6, handoff_at = now(),
                            handoff_summary = $4 || coalesce(' ' || c.handoff_summary, '')
                       FROM done
                      WHERE c.id = done.conversation_id AND c.tenant_id = $1
                        AND c.mode IN ('bot', 'waiting_operator')
                  RETURNING c.id)
                 SELECT done.id, done.conversation_id,
                        (SELECT count(*) FROM handoff) AS handed_off
                   FROM done",
            )
            .bind::<BigInt, _>(scope.tenant_id())
            .bind::<BigInt, _>(channel)
            .bind::<Text, _>(external_id)
            .bind::<Text, _>(reason)
            .bind::<Nullable<BigInt>, _>(code)
            .bind::<Text, _>(HandoffReason::DeliveryFailed)
            .get_result::<Row>(conn)
            .await
        }
    };
    match found {
        Ok(row) => Ok(Some(Applied {
            message_id: row.id,
            conversation_id: row.conversation_id,
            handed_off: row.handed_off > 0,
        })),
        Err(diesel::result::Error::NotFound) => Ok(None),
        Err(err) => Err(err.into()),
    }
}
