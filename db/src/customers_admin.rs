//! Shoppers as the operator dashboard shows them: a searchable list, and one customer with
//! their conversations, the marketplace orders we can tie to them and the products they asked
//! about.
//!
//! Shoppers write from a messenger or a marketplace chat, not from a marketplace account, so an
//! order is tied to a customer only by what their conversations name: an order attached to a
//! marketplace chat or question (`messages.attachments` `{"kind": "order", "number"}`), an
//! order number the assistant read in their words (`messages.meta->'entities'->'order_id'` of
//! its replies, kept after the conversation's memory is cleared) or the order its memory holds
//! (`conversations.assistant_state->>'order_id'`). Only numbers that match a synced order of
//! the shop count, so a mistyped number ties nothing. Products the same way, by article.
//! Everything is scoped to the tenant: another tenant's customer finds nothing.

use chrono::{DateTime, Utc};
use diesel::sql_types::{BigInt, Jsonb, Nullable, Text, Timestamptz};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::{
    ChannelId, ChannelKind, ConversationId, ConversationMode, CustomerId, Marketplace, UserId,
};

use crate::returns::{self, Return};
use crate::{DbError, TenantScope};

/// A customer as the list shows them.
#[derive(Debug, Clone, QueryableByName)]
pub struct CustomerRow {
    #[diesel(sql_type = BigInt)]
    pub id: CustomerId,
    #[diesel(sql_type = Text)]
    pub display_name: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub username: Option<String>,
    #[diesel(sql_type = BigInt)]
    pub channel_id: ChannelId,
    #[diesel(sql_type = Text)]
    pub channel_kind: ChannelKind,
    #[diesel(sql_type = Text)]
    pub channel_name: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub last_seen_at: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    pub conversations: i64,
}

const CUSTOMER: &str = "
SELECT cu.id, cu.display_name, cu.username, cu.channel_id, ch.kind AS channel_kind,
       ch.name AS channel_name, cu.created_at, cu.last_seen_at,
       (SELECT count(*) FROM conversations c
         WHERE c.tenant_id = cu.tenant_id AND c.customer_id = cu.id) AS conversations
  FROM customers cu
  JOIN channels ch ON ch.id = cu.channel_id AND ch.tenant_id = cu.tenant_id";

/// `text` as a literal `ILIKE` pattern matching it anywhere.
fn contains(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// The tenant's customers, last seen first, after the cursor `(last_seen_at, id)`; `search`
/// matches the name or the handle anywhere, ignoring case.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    search: Option<&str>,
    after: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> Result<Vec<CustomerRow>, DbError> {
    Ok(diesel::sql_query(format!(
        "{CUSTOMER}
          WHERE cu.tenant_id = $1
            AND ($2::text IS NULL OR cu.display_name ILIKE $2 OR cu.username ILIKE $2)
            AND ($3::timestamptz IS NULL OR (cu.last_seen_at, cu.id) < ($3, $4))
          ORDER BY cu.last_seen_at DESC, cu.id DESC
          LIMIT $5"
    ))
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Nullable<Text>, _>(search.map(contains))
    .bind::<Nullable<Timestamptz>, _>(after.map(|(at, _)| at))
    .bind::<BigInt, _>(after.map_or(0, |(_, id)| id))
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}

pub async fn get(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: i64,
) -> Result<Option<CustomerRow>, DbError> {
    Ok(
        diesel::sql_query(format!("{CUSTOMER} WHERE cu.tenant_id = $1 AND cu.id = $2"))
            .bind::<BigInt, _>(scope.tenant_id())
            .bind::<BigInt, _>(id)
            .get_result(conn)
            .await
            .optional()?,
    )
}

/// One of the customer's conversations.
#[derive(Debug, Clone, QueryableByName)]
pub struct ConversationRow {
    #[diesel(sql_type = BigInt)]
    pub id: ConversationId,
    #[diesel(sql_type = Text)]
    pub mode: ConversationMode,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub assignee_id: Option<UserId>,
    #[diesel(sql_type = Timestamptz)]
    pub last_message_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub closed_at: Option<DateTime<Utc>>,
}

pub async fn conversations(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    customer: i64,
) -> Result<Vec<ConversationRow>, DbError> {
    Ok(diesel::sql_query(
        "SELECT id, mode, assignee_id, last_message_at, created_at, closed_at FROM conversations
          WHERE tenant_id = $1 AND customer_id = $2
          ORDER BY last_message_at DESC, id DESC LIMIT 100",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(customer)
    .load(conn)
    .await?)
}

/// What the customer's conversations name (`$3` is `order` or `product`, `$4` the
/// attachment's key, `$5` the assistant's entity and memory key), with when it was named.
const MENTIONED: &str = "
WITH theirs AS (
    SELECT id, assistant_state, last_message_at FROM conversations
     WHERE tenant_id = $1 AND customer_id = $2),
mentioned AS (
    SELECT a ->> $4 AS ref, m.created_at AS at
      FROM messages m JOIN theirs t ON t.id = m.conversation_id,
           jsonb_array_elements(m.attachments) a
     WHERE m.tenant_id = $1 AND jsonb_typeof(a) = 'object' AND a ->> 'kind' = $3
    UNION ALL
    SELECT e #>> '{}', m.created_at
      FROM messages m JOIN theirs t ON t.id = m.conversation_id,
           jsonb_array_elements(CASE WHEN jsonb_typeof(m.meta -> 'entities' -> $5) = 'array'
                                     THEN m.meta -> 'entities' -> $5 ELSE '[]'::jsonb END) e
     WHERE m.tenant_id = $1 AND m.author = 'bot'
    UNION ALL
    SELECT t.assistant_state ->> $5, t.last_message_at FROM theirs t
     WHERE jsonb_typeof(t.assistant_state) = 'object')";

/// A synced order tied to the customer.
#[derive(Debug, Clone, QueryableByName)]
pub struct OrderRow {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub external_id: String,
    #[diesel(sql_type = Text)]
    pub marketplace: Marketplace,
    #[diesel(sql_type = Text)]
    pub status: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub substatus: Option<String>,
    #[diesel(sql_type = Jsonb)]
    pub items: serde_json::Value,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub total_minor: Option<i64>,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = Jsonb)]
    pub details: serde_json::Value,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub placed_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub changed_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Timestamptz)]
    pub mentioned_at: DateTime<Utc>,
}

/// The customer's orders, last mentioned first.
pub async fn orders(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    customer: i64,
) -> Result<Vec<OrderRow>, DbError> {
    Ok(diesel::sql_query(format!(
        "{MENTIONED}
         SELECT o.id, o.external_id, ma.marketplace, o.status, o.substatus, o.items,
                o.total_minor, o.currency, o.details, o.placed_at, o.changed_at,
                max(x.at) AS mentioned_at
           FROM orders o
           JOIN marketplace_accounts ma ON ma.id = o.account_id AND ma.tenant_id = o.tenant_id
           JOIN mentioned x ON x.ref = o.external_id
          WHERE o.tenant_id = $1
          GROUP BY o.id, ma.marketplace
          ORDER BY mentioned_at DESC, o.id DESC LIMIT 50"
    ))
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(customer)
    .bind::<Text, _>("order")
    .bind::<Text, _>("number")
    .bind::<Text, _>("order_id")
    .load(conn)
    .await?)
}

/// The returns of these orders, known by any of their names (a WB FBS order's id and rid).
pub async fn returns_of(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    orders: &[OrderRow],
) -> Result<Vec<Return>, DbError> {
    let names: Vec<&str> = orders.iter().flat_map(order_names).collect();
    if names.is_empty() {
        return Ok(Vec::new());
    }
    returns::for_order(conn, scope, &names).await
}

/// The names returns give the order: its own id, and a WB FBS order's rid.
pub fn order_names(order: &OrderRow) -> Vec<&str> {
    let rid = order.details.get("rid").and_then(serde_json::Value::as_str);
    [Some(order.external_id.as_str()), rid]
        .into_iter()
        .flatten()
        .collect()
}

/// A product of the shop's catalogue.
#[derive(Debug, Clone, QueryableByName)]
pub struct ProductRow {
    #[diesel(sql_type = Text)]
    pub external_id: String,
    #[diesel(sql_type = Text)]
    pub vendor_code: String,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub brand: String,
    #[diesel(sql_type = Text)]
    pub marketplace: Marketplace,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub price_minor: Option<i64>,
    #[diesel(sql_type = Text)]
    pub currency: String,
    #[diesel(sql_type = Nullable<diesel::sql_types::Integer>)]
    pub stock: Option<i32>,
}

const PRODUCT: &str = "p.external_id, p.vendor_code, p.title, p.brand, ma.marketplace,
       p.price_minor, p.currency, p.stock";

/// The products the customer asked about, last asked first.
pub async fn products_asked(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    customer: i64,
) -> Result<Vec<ProductRow>, DbError> {
    Ok(diesel::sql_query(format!(
        "{MENTIONED}
         SELECT {PRODUCT} FROM products p
           JOIN marketplace_accounts ma ON ma.id = p.account_id AND ma.tenant_id = p.tenant_id
           JOIN mentioned x ON x.ref = p.external_id OR x.ref = p.vendor_code
          WHERE p.tenant_id = $1
          GROUP BY p.id, ma.marketplace
          ORDER BY max(x.at) DESC, p.id DESC LIMIT 50"
    ))
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(customer)
    .bind::<Text, _>("product")
    .bind::<Text, _>("article")
    .bind::<Text, _>("article")
    .load(conn)
    .await?)
}

/// The shop's products with these articles, to name an order's items.
pub async fn products(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    articles: &[String],
) -> Result<Vec<ProductRow>, DbError> {
    if articles.is_empty() {
        return Ok(Vec::new());
    }
    Ok(diesel::sql_query(format!(
        "SELECT {PRODUCT} FROM products p
           JOIN marketplace_accounts ma ON ma.id = p.account_id AND ma.tenant_id = p.tenant_id
          WHERE p.tenant_id = $1 AND p.external_id = ANY($2)"
    ))
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<diesel::sql_types::Array<Text>, _>(articles)
    .load(conn)
    .await?)
}
