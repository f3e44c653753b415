//! Order news: when a sync records a new status for an order a shopper has proved theirs in a
//! conversation, that conversation may be told. Found from the sync's own history rows (an
//! index on when they were recorded) and the conversations' verified orders (a GIN index), so
//! the cost follows the changes, not the shop's size.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::{marketplace_accounts, orders};
use otklik_schema::{
    AccountId, Author, ChannelId, ChannelKind, ConversationId, Marketplace, MessageId,
};

use crate::catalogue::Order;
use crate::{DbError, TenantScope};

/// A status change a conversation may hear of.
#[derive(Debug, Clone)]
pub struct News {
    pub conversation_id: ConversationId,
    pub channel_id: ChannelId,
    pub channel_kind: ChannelKind,
    /// The assistant's memory of the conversation: the shopper's language.
    pub state: serde_json::Value,
    pub order: Order,
    pub marketplace: Marketplace,
    /// The status before this one, when the history has it.
    pub previous: Option<(String, Option<String>)>,
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    conversation_id: ConversationId,
    #[diesel(sql_type = BigInt)]
    channel_id: ChannelId,
    #[diesel(sql_type = Text)]
    channel_kind: ChannelKind,
    #[diesel(sql_type = Jsonb)]
    state: serde_json::Value,
    #[diesel(sql_type = BigInt)]
    order_id: i64,
    #[diesel(sql_type = Nullable<Text>)]
    previous_status: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    previous_substatus: Option<String>,
}

/// The account's orders whose current status was recorded since `since`, each with every
/// conversation that proved it theirs and has not spoken since the change, and whose shopper
/// has not stopped the bot.
pub async fn since(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
    since: DateTime<Utc>,
) -> Result<Vec<News>, DbError> {
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT c.id AS conversation_id, c.channel_id, ch.kind AS channel_kind,
                c.assistant_state AS state, o.id AS order_id,
                prev.status AS previous_status, prev.substatus AS previous_substatus
         FROM order_status_history h
         JOIN orders o ON o.tenant_id = h.tenant_id AND o.id = h.order_id
         JOIN conversations c
           ON c.tenant_id = h.tenant_id
          AND c.assistant_state -> 'verified_orders' @> jsonb_build_array(o.external_id)
         JOIN channels ch ON ch.tenant_id = c.tenant_id AND ch.id = c.channel_id
         JOIN customers cu ON cu.tenant_id = c.tenant_id AND cu.id = c.customer_id
         LEFT JOIN LATERAL (
             SELECT p.status, p.substatus FROM order_status_history p
             WHERE p.order_id = h.order_id AND p.changed_at < h.changed_at
             ORDER BY p.changed_at DESC LIMIT 1) prev ON true
         WHERE h.tenant_id = $1 AND o.account_id = $2 AND h.recorded_at >= $3
           AND h.status = o.status AND h.substatus IS NOT DISTINCT FROM o.substatus
           AND h.changed_at > c.last_message_at
           AND cu.stopped_at IS NULL
         ORDER BY h.id
         LIMIT 1000",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(account)
    .bind::<Timestamptz, _>(since)
    .load(conn)
    .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.order_id).collect();
    let found: std::collections::HashMap<i64, (Order, Marketplace)> = orders::table
        .inner_join(
            marketplace_accounts::table.on(marketplace_accounts::id
                .eq(orders::account_id)
                .and(marketplace_accounts::tenant_id.eq(orders::tenant_id))),
        )
        .filter(orders::tenant_id.eq(scope.tenant_id()))
        .filter(orders::id.eq_any(&ids))
        .select((Order::as_select(), marketplace_accounts::marketplace))
        .load::<(Order, Marketplace)>(conn)
        .await?
        .into_iter()
        .map(|found| (found.0.id, found))
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let (order, marketplace) = found.get(&row.order_id)?.clone();
            Some(News {
                conversation_id: row.conversation_id,
                channel_id: row.channel_id,
                channel_kind: row.channel_kind,
                state: row.state,
                order,
                marketplace,
                previous: row
                    .previous_status
                    .map(|status| (status, row.previous_substatus)),
            })
        })
        .collect())
}

/// Records the assistant's message in the conversation, to be delivered like any reply. The
/// key makes it once per conversation, order and news: `None` when it was recorded before.
pub async fn post(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    news: &News,
    body: &str,
    key: &str,
) -> Result<Option<MessageId>, DbError> {
    #[derive(QueryableByName)]
    struct Posted {
        #[diesel(sql_type = BigInt)]
        id: MessageId,
    }
    let posted: Option<Posted> = diesel::sql_query(
        "WITH posted AS (
             INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author, body,
                                   delivery_status, idempotency_key, meta)
             VALUES ($1, $2, $3, 'outbound', $4, $5, 'pending', $6,
                     jsonb_build_object('order_news', $7::bigint))
             ON CONFLICT (tenant_id, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
             RETURNING id),
         touched AS (
             UPDATE conversations SET last_message_at = now()
             WHERE tenant_id = $1 AND id = $2 AND EXISTS (SELECT 1 FROM posted))
         SELECT id FROM posted",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(news.conversation_id)
    .bind::<BigInt, _>(news.channel_id)
    .bind::<Text, _>(Author::Bot)
    .bind::<Text, _>(body)
    .bind::<Text, _>(key)
    .bind::<BigInt, _>(news.order.id)
    .get_result(conn)
    .await
    .optional()?;
    Ok(posted.map(|p| p.id))
}
