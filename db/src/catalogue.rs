//! A seller's shop as synced from the marketplaces: products and orders. The syncs write them
//! in batches; the assistant reads them one at a time.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::{marketplace_accounts, orders, products};
use otklik_schema::{AccountId, Marketplace};

use crate::{DbError, TenantScope};

/// A product card. `attributes` holds `characteristics` (name → value), `sizes`
/// (`[{"size", "stock"}]`), `colors`, and `size_chart` (`[{"size", "height", "chest", …}]`
/// with `"min-max"` ranges).
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = products, check_for_backend(diesel::pg::Pg))]
pub struct Product {
    pub id: i64,
    pub external_id: String,
    pub vendor_code: String,
    pub title: String,
    pub brand: String,
    pub price_minor: Option<i64>,
    pub currency: String,
    pub stock: Option<i32>,
    pub attributes: serde_json::Value,
}

/// A product by its marketplace article (nmID / SKU) or the seller's vendor code.
pub async fn find_product(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    article: &str,
) -> Result<Option<Product>, DbError> {
    Ok(products::table
        .filter(products::tenant_id.eq(scope.tenant_id()))
        .filter(
            products::external_id
                .eq(article)
                .or(products::vendor_code.eq(article)),
        )
        .select(Product::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Up to `limit` products whose title holds any of `stems` (lower case, no wildcards): the
/// candidates when a shopper names a product by its kind («футболка») instead of its article.
pub async fn products_titled(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    stems: &[String],
    limit: i64,
) -> Result<Vec<Product>, DbError> {
    let mut named: Box<
        dyn BoxableExpression<products::table, diesel::pg::Pg, SqlType = diesel::sql_types::Bool>,
    > = Box::new(diesel::dsl::sql::<diesel::sql_types::Bool>("false"));
    for stem in stems {
        named = Box::new(named.or(products::title.ilike(format!("%{stem}%"))));
    }
    Ok(products::table
        .filter(products::tenant_id.eq(scope.tenant_id()))
        .filter(named)
        .select(Product::as_select())
        .order(products::id)
        .limit(limit)
        .load(conn)
        .await?)
}

/// An order or posting as last synced, with the marketplace it came from.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = orders, check_for_backend(diesel::pg::Pg))]
pub struct Order {
    pub id: i64,
    pub external_id: String,
    pub status: String,
    pub substatus: Option<String>,
    pub items: serde_json::Value,
    pub total_minor: Option<i64>,
    pub currency: String,
    /// Marketplace extras the assistant uses: `pickup_point`, `storage_until`, `delivery_date`.
    pub details: serde_json::Value,
    pub placed_at: Option<DateTime<Utc>>,
    pub changed_at: Option<DateTime<Utc>>,
}

/// The order with this WB order id or Ozon posting number, and its marketplace.
pub async fn find_order(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    external_id: &str,
) -> Result<Option<(Order, Marketplace)>, DbError> {
    Ok(orders::table
        .inner_join(
            marketplace_accounts::table.on(marketplace_accounts::id
                .eq(orders::account_id)
                .and(marketplace_accounts::tenant_id.eq(orders::tenant_id))),
        )
        .filter(orders::tenant_id.eq(scope.tenant_id()))
        .filter(orders::external_id.eq(external_id))
        .select((Order::as_select(), marketplace_accounts::marketplace))
        .first(conn)
        .await
        .optional()?)
}

/// The WB order whose `rid` (kept in its details) a buyer chat names.
pub async fn find_order_by_rid(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    rid: &str,
) -> Result<Option<(Order, Marketplace)>, DbError> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Text};
    Ok(orders::table
        .inner_join(
            marketplace_accounts::table.on(marketplace_accounts::id
                .eq(orders::account_id)
                .and(marketplace_accounts::tenant_id.eq(orders::tenant_id))),
        )
        .filter(orders::tenant_id.eq(scope.tenant_id()))
        .filter(sql::<Bool>("orders.details->>'rid' = ").bind::<Text, _>(rid))
        .select((Order::as_select(), marketplace_accounts::marketplace))
        .first(conn)
        .await
        .optional()?)
}

/// An order as a sync read it, ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncedOrder {
    pub external_id: String,
    pub status: String,
    pub substatus: Option<String>,
    pub items: serde_json::Value,
    pub total_minor: Option<i64>,
    pub currency: String,
    /// Merged into what is stored, so facts from another source (the FBS list's pickup office,
    /// statistics' region) survive each other's syncs.
    pub details: serde_json::Value,
    pub placed_at: Option<DateTime<Utc>>,
    /// When the marketplace says the status changed, or when the sync saw the change.
    pub changed_at: DateTime<Utc>,
    /// The status is final: the order will not be polled again.
    pub settled: bool,
}

/// Ends a statement whose `written` CTE returns the orders it changed (`id, status,
/// substatus, changed_at`): their statuses join the history, and the counts are returned as
/// [`Written`].
const RECORD_HISTORY: &str = ",
     history AS (
       INSERT INTO order_status_history (tenant_id, order_id, status, substatus, changed_at)
       SELECT $1, id, status, substatus, changed_at FROM written
       ON CONFLICT DO NOTHING
       RETURNING 1
     )
     SELECT (SELECT count(*) FROM written) AS rows,
            (SELECT count(*) FROM history) AS transitions";

/// What a batch write changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, QueryableByName)]
pub struct Written {
    /// Rows inserted or changed (identical rows are not rewritten).
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub rows: i64,
    /// Status changes appended to the history.
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub transitions: i64,
}

/// Writes a page of orders in one statement and appends their status changes to the history.
/// Later copies of an order in the batch win. `changed_at` moves only when the status does.
pub async fn upsert_orders(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
    batch: &[SyncedOrder],
) -> Result<Written, DbError> {
    use diesel::sql_types::{Array, BigInt, Bool, Jsonb, Nullable, Text, Timestamptz};

    let batch = last_per_key(batch, |order| order.external_id.as_str());
    if batch.is_empty() {
        return Ok(Written::default());
    }
    let column = |f: fn(&SyncedOrder) -> String| batch.iter().map(|o| f(o)).collect::<Vec<_>>();
    Ok(diesel::sql_query(
        "WITH input AS (
           SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::jsonb[], $7::int8[],
                                $8::text[], $9::jsonb[], $10::timestamptz[], $11::timestamptz[],
                                $12::bool[])
             AS t(external_id, status, substatus, items, total_minor, currency, details,
                  placed_at, changed_at, settled)
         ), written AS (
           INSERT INTO orders AS o (tenant_id, account_id, external_id, status, substatus, items,
                                    total_minor, currency, details, placed_at, changed_at, settled)
           SELECT $1, $2, external_id, status, substatus, items, total_minor, currency, details,
                  placed_at, changed_at, settled
             FROM input
           ON CONFLICT (account_id, external_id) DO UPDATE SET
             status = excluded.status,
             substatus = excluded.substatus,
             items = excluded.items,
             total_minor = excluded.total_minor,
             currency = excluded.currency,
             details = o.details || excluded.details,
             placed_at = coalesce(excluded.placed_at, o.placed_at),
             changed_at = CASE WHEN (o.status, o.substatus)
                                    IS DISTINCT FROM (excluded.status, excluded.substatus)
                               THEN excluded.changed_at ELSE o.changed_at END,
             settled = excluded.settled,
             synced_at = now()
           WHERE (o.status, o.substatus, o.items, o.total_minor, o.currency, o.details, o.settled)
                 IS DISTINCT FROM (excluded.status, excluded.substatus, excluded.items,
                                   excluded.total_minor, excluded.currency,
                                   o.details || excluded.details, excluded.settled)
           RETURNING id, status, substatus, changed_at
         )"
        .to_owned()
            + RECORD_HISTORY,
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(account)
    .bind::<Array<Text>, _>(column(|o| o.external_id.clone()))
    .bind::<Array<Text>, _>(column(|o| o.status.clone()))
    .bind::<Array<Nullable<Text>>, _>(
        batch
            .iter()
            .map(|o| o.substatus.clone())
            .collect::<Vec<_>>(),
    )
    .bind::<Array<Jsonb>, _>(batch.iter().map(|o| o.items.clone()).collect::<Vec<_>>())
    .bind::<Array<Nullable<BigInt>>, _>(batch.iter().map(|o| o.total_minor).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(column(|o| o.currency.clone()))
    .bind::<Array<Jsonb>, _>(batch.iter().map(|o| o.details.clone()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Timestamptz>>, _>(batch.iter().map(|o| o.placed_at).collect::<Vec<_>>())
    .bind::<Array<Timestamptz>, _>(batch.iter().map(|o| o.changed_at).collect::<Vec<_>>())
    .bind::<Array<Bool>, _>(batch.iter().map(|o| o.settled).collect::<Vec<_>>())
    .get_result(conn)
    .await?)
}

/// A product as a sync read it. `attributes` is merged into what is stored, so what a seller
/// added by hand (a size chart) survives syncs.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncedProduct {
    pub external_id: String,
    pub vendor_code: String,
    pub title: String,
    pub brand: String,
    pub price_minor: Option<i64>,
    pub currency: String,
    pub stock: Option<i32>,
    pub attributes: serde_json::Value,
}

/// Writes a page of products in one statement; returns how many were inserted or changed.
pub async fn upsert_products(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
    batch: &[SyncedProduct],
) -> Result<usize, DbError> {
    use diesel::sql_types::{Array, BigInt, Integer, Jsonb, Nullable, Text};

    let batch = last_per_key(batch, |product| product.external_id.as_str());
    if batch.is_empty() {
        return Ok(0);
    }
    let column = |f: fn(&SyncedProduct) -> String| batch.iter().map(|p| f(p)).collect::<Vec<_>>();
    Ok(diesel::sql_query(
        "INSERT INTO products AS p (tenant_id, account_id, external_id, vendor_code, title, brand,
                                    price_minor, currency, stock, attributes)
         SELECT $1, $2, t.* FROM unnest($3::text[], $4::text[], $5::text[], $6::text[],
                                       $7::int8[], $8::text[], $9::int4[], $10::jsonb[]) AS t
         ON CONFLICT (account_id, external_id) DO UPDATE SET
           vendor_code = excluded.vendor_code,
           title = excluded.title,
           brand = excluded.brand,
           price_minor = excluded.price_minor,
           currency = excluded.currency,
           stock = excluded.stock,
           attributes = p.attributes || excluded.attributes,
           updated_at = now()
         WHERE (p.vendor_code, p.title, p.brand, p.price_minor, p.currency, p.stock, p.attributes)
               IS DISTINCT FROM (excluded.vendor_code, excluded.title, excluded.brand,
                                 excluded.price_minor, excluded.currency, excluded.stock,
                                 p.attributes || excluded.attributes)",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(account)
    .bind::<Array<Text>, _>(column(|p| p.external_id.clone()))
    .bind::<Array<Text>, _>(column(|p| p.vendor_code.clone()))
    .bind::<Array<Text>, _>(column(|p| p.title.clone()))
    .bind::<Array<Text>, _>(column(|p| p.brand.clone()))
    .bind::<Array<Nullable<BigInt>>, _>(batch.iter().map(|p| p.price_minor).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(column(|p| p.currency.clone()))
    .bind::<Array<Nullable<Integer>>, _>(batch.iter().map(|p| p.stock).collect::<Vec<_>>())
    .bind::<Array<Jsonb>, _>(
        batch
            .iter()
            .map(|p| p.attributes.clone())
            .collect::<Vec<_>>(),
    )
    .execute(conn)
    .await?)
}

/// A product's stock as the stock endpoints report it, apart from its card.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncedStock {
    pub external_id: String,
    pub stock: i32,
    /// Merged into the stored attributes (`sizes` with their stock).
    pub attributes: serde_json::Value,
}

/// Updates stocks of known products; products not stored yet are skipped (their card sync
/// brings them with stock). Returns how many changed.
pub async fn update_stocks(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
    batch: &[SyncedStock],
) -> Result<usize, DbError> {
    use diesel::sql_types::{Array, BigInt, Integer, Jsonb, Text};

    let batch = last_per_key(batch, |stock| stock.external_id.as_str());
    if batch.is_empty() {
        return Ok(0);
    }
    Ok(diesel::sql_query(
        "UPDATE products AS p
            SET stock = t.stock, attributes = p.attributes || t.attributes, updated_at = now()
           FROM unnest($3::text[], $4::int4[], $5::jsonb[]) AS t(external_id, stock, attributes)
          WHERE p.tenant_id = $1 AND p.account_id = $2 AND p.external_id = t.external_id
            AND (p.stock, p.attributes) IS DISTINCT FROM (t.stock, p.attributes || t.attributes)",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(account)
    .bind::<Array<Text>, _>(
        batch
            .iter()
            .map(|s| s.external_id.clone())
            .collect::<Vec<_>>(),
    )
    .bind::<Array<Integer>, _>(batch.iter().map(|s| s.stock).collect::<Vec<_>>())
    .bind::<Array<Jsonb>, _>(
        batch
            .iter()
            .map(|s| s.attributes.clone())
            .collect::<Vec<_>>(),
    )
    .execute(conn)
    .await?)
}

/// The batch without earlier copies of a key: one statement cannot update a row twice.
pub(crate) fn last_per_key<T>(batch: &[T], key: impl Fn(&T) -> &str) -> Vec<&T> {
    let mut seen = std::collections::HashSet::with_capacity(batch.len());
    let mut kept: Vec<&T> = batch
        .iter()
        .rev()
        .filter(|item| seen.insert(key(item)))
        .collect();
    kept.reverse();
    kept
}

/// Ids of the account's orders whose status can still change, with the fulfilment kind in
/// `details.fulfilment` equal to `fulfilment`: what WB's status endpoint is polled for.
pub async fn open_orders(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
    fulfilment: &str,
) -> Result<Vec<String>, DbError> {
    Ok(orders::table
        .filter(orders::tenant_id.eq(scope.tenant_id()))
        .filter(orders::account_id.eq(account))
        .filter(orders::settled.eq(false))
        .filter(fulfilment_is(fulfilment))
        .order(orders::external_id)
        .select(orders::external_id)
        .load(conn)
        .await?)
}

/// Each product's stored attributes, for merging stock by size into them.
pub async fn product_attributes(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
) -> Result<Vec<(String, serde_json::Value)>, DbError> {
    Ok(products::table
        .filter(products::tenant_id.eq(scope.tenant_id()))
        .filter(products::account_id.eq(account))
        .order(products::external_id)
        .select((products::external_id, products::attributes))
        .load(conn)
        .await?)
}

/// How many orders and products are stored for the account: the consistency check's counts.
pub async fn counts(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
) -> Result<(i64, i64), DbError> {
    let orders = orders::table
        .filter(orders::tenant_id.eq(scope.tenant_id()))
        .filter(orders::account_id.eq(account))
        .count()
        .get_result(conn)
        .await?;
    let products = products::table
        .filter(products::tenant_id.eq(scope.tenant_id()))
        .filter(products::account_id.eq(account))
        .count()
        .get_result(conn)
        .await?;
    Ok((orders, products))
}

/// A random sample of the account's orders of one fulfilment kind with their stored status:
/// what the consistency check compares with the marketplace.
pub async fn sample_orders(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
    fulfilment: &str,
    size: i64,
) -> Result<Vec<(String, String, Option<String>)>, DbError> {
    Ok(orders::table
        .filter(orders::tenant_id.eq(scope.tenant_id()))
        .filter(orders::account_id.eq(account))
        .filter(fulfilment_is(fulfilment))
        .order(diesel::dsl::sql::<diesel::sql_types::Double>("random()"))
        .limit(size)
        .select((orders::external_id, orders::status, orders::substatus))
        .load(conn)
        .await?)
}

/// Orders of one fulfilment kind (`details.fulfilment`: `fbs`, `fbw`, `fbo`).
fn fulfilment_is(
    fulfilment: &str,
) -> diesel::dsl::Eq<
    diesel::dsl::RetrieveAsTextJson<orders::details, &'static str, diesel::sql_types::Text>,
    String,
> {
    orders::details
        .retrieve_as_text("fulfilment")
        .eq(fulfilment.to_owned())
}

/// A status read on its own (WB's status endpoint), for an order already stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncedStatus {
    pub external_id: String,
    pub status: String,
    pub substatus: Option<String>,
    pub settled: bool,
}

/// Sets the statuses of stored orders, stamps changes with `seen_at` and appends them to the
/// history. Returns rows changed and transitions recorded.
pub async fn update_statuses(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
    batch: &[SyncedStatus],
    seen_at: DateTime<Utc>,
) -> Result<Written, DbError> {
    use diesel::sql_types::{Array, BigInt, Bool, Nullable, Text, Timestamptz};

    let batch = last_per_key(batch, |status| status.external_id.as_str());
    if batch.is_empty() {
        return Ok(Written::default());
    }
    Ok(diesel::sql_query(
        "WITH input AS (
           SELECT * FROM unnest($3::text[], $4::text[], $5::text[], $6::bool[])
             AS t(external_id, status, substatus, settled)
         ), written AS (
           UPDATE orders AS o
              SET status = t.status, substatus = t.substatus, settled = t.settled,
                  changed_at = CASE WHEN (o.status, o.substatus)
                                         IS DISTINCT FROM (t.status, t.substatus)
                                    THEN $7 ELSE o.changed_at END,
                  synced_at = now()
             FROM input AS t
            WHERE o.tenant_id = $1 AND o.account_id = $2 AND o.external_id = t.external_id
              AND (o.status, o.substatus, o.settled)
                  IS DISTINCT FROM (t.status, t.substatus, t.settled)
           RETURNING o.id, o.status, o.substatus, o.changed_at
         )"
        .to_owned()
            + RECORD_HISTORY,
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(account)
    .bind::<Array<Text>, _>(
        batch
            .iter()
            .map(|s| s.external_id.clone())
            .collect::<Vec<_>>(),
    )
    .bind::<Array<Text>, _>(batch.iter().map(|s| s.status.clone()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Text>>, _>(
        batch
            .iter()
            .map(|s| s.substatus.clone())
            .collect::<Vec<_>>(),
    )
    .bind::<Array<Bool>, _>(batch.iter().map(|s| s.settled).collect::<Vec<_>>())
    .bind::<Timestamptz, _>(seen_at)
    .get_result(conn)
    .await?)
}
