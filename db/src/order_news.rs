//! Order news: when a sync records a new status for an order a shopper has proved theirs in a
//! conversation, or a change of that order's return, that conversation may be told. Found from
//! the sync's own history rows and the returns it changed (indexes on when they were recorded)
//! and the conversations' verified orders (a GIN index), so the cost follows the changes, not
//! the shop's size.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::{marketplace_accounts, orders, returns};
use otklik_schema::{
    AccountId, Author, ChannelId, ChannelKind, ConversationId, Marketplace, MessageId,
};

use crate::catalogue::Order;
use crate::returns::Return;
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

/// A change of a return a conversation may hear of.
#[derive(Debug, Clone)]
pub struct ReturnNews {
    pub conversation_id: ConversationId,
    pub channel_id: ChannelId,
    pub channel_kind: ChannelKind,
    /// The assistant's memory of the conversation: the shopper's language.
    pub state: serde_json::Value,
    /// The order's id and its number as the shopper proved it theirs.
    pub order_id: i64,
    pub order_external_id: String,
    pub found: Return,
    pub marketplace: Marketplace,
}

#[derive(QueryableByName)]
struct ReturnRow {
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
    #[diesel(sql_type = Text)]
    order_external_id: String,
    #[diesel(sql_type = BigInt)]
    return_id: i64,
    #[diesel(sql_type = Text)]
    marketplace: Marketplace,
}

/// The account's returns a sync changed since `since`, each with every conversation that
/// proved the return's order theirs and has not spoken since the change, and whose shopper has
/// not stopped the bot. A WB return names its order by the order's `rid`.
pub async fn returns_since(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
    since: DateTime<Utc>,
) -> Result<Vec<ReturnNews>, DbError> {
    let rows: Vec<ReturnRow> = diesel::sql_query(
        "SELECT c.id AS conversation_id, c.channel_id, ch.kind AS channel_kind,
                c.assistant_state AS state, o.id AS order_id,
                o.external_id AS order_external_id, r.id AS return_id, a.marketplace
         FROM returns r
         JOIN marketplace_accounts a ON a.tenant_id = r.tenant_id AND a.id = r.account_id
         JOIN orders o
           ON o.tenant_id = r.tenant_id AND o.account_id = r.account_id
          AND (o.external_id = r.order_ref OR (o.details ? 'rid' AND o.details ->> 'rid' = r.order_ref))
         JOIN conversations c
           ON c.tenant_id = r.tenant_id
          AND c.assistant_state -> 'verified_orders' @> jsonb_build_array(o.external_id)
         JOIN channels ch ON ch.tenant_id = c.tenant_id AND ch.id = c.channel_id
         JOIN customers cu ON cu.tenant_id = c.tenant_id AND cu.id = c.customer_id
         WHERE r.tenant_id = $1 AND r.account_id = $2 AND r.synced_at >= $3
           AND r.changed_at > c.last_message_at
           AND cu.stopped_at IS NULL
         ORDER BY r.id
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
    let ids: Vec<i64> = rows.iter().map(|r| r.return_id).collect();
    let found: std::collections::HashMap<i64, Return> = returns::table
        .filter(returns::tenant_id.eq(scope.tenant_id()))
        .filter(returns::id.eq_any(&ids))
        .select((returns::id, Return::as_select()))
        .load::<(i64, Return)>(conn)
        .await?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            Some(ReturnNews {
                found: found.get(&row.return_id)?.clone(),
                conversation_id: row.conversation_id,
                channel_id: row.channel_id,
                channel_kind: row.channel_kind,
                state: row.state,
                order_id: row.order_id,
                order_external_id: row.order_external_id,
                marketplace: row.marketplace,
            })
        })
        .collect())
}

/// Where a piece of news goes, and the order it is about (its id, kept in the message's meta).
#[derive(Debug, Clone, Copy)]
pub struct Addressed {
    pub conversation_id: ConversationId,
    pub channel_id: ChannelId,
    pub order: i64,
}

/// Records the assistant's message in the conversation, to be delivered like any reply. The
/// key makes it once per conversation, order and news: `None` when it was recorded before.
pub async fn post(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    to: Addressed,
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
    .bind::<BigInt, _>(to.conversation_id)
    .bind::<BigInt, _>(to.channel_id)
    .bind::<Text, _>(Author::Bot)
    .bind::<Text, _>(body)
    .bind::<Text, _>(key)
    .bind::<BigInt, _>(to.order)
    .get_result(conn)
    .await
    .optional()?;
    Ok(posted.map(|p| p.id))
}
