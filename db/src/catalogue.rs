//! What the assistant reads about a seller's shop: marketplace accounts, products and orders.
//! The marketplace syncs write these tables; the writers here serve seeding and tests.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::{marketplace_accounts, order_status_history, orders, products};

use crate::{DbError, TenantScope};

/// A marketplace account's id.
pub type AccountId = i64;

pub async fn create_account(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    marketplace: &str,
    name: &str,
) -> Result<AccountId, DbError> {
    Ok(diesel::insert_into(marketplace_accounts::table)
        .values((
            marketplace_accounts::tenant_id.eq(scope.tenant_id()),
            marketplace_accounts::marketplace.eq(marketplace),
            marketplace_accounts::name.eq(name),
        ))
        .returning(marketplace_accounts::id)
        .get_result(conn)
        .await?)
}

/// The first account of a marketplace, for seeding.
pub async fn find_account(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    marketplace: &str,
) -> Result<Option<AccountId>, DbError> {
    Ok(marketplace_accounts::table
        .filter(marketplace_accounts::tenant_id.eq(scope.tenant_id()))
        .filter(marketplace_accounts::marketplace.eq(marketplace))
        .order(marketplace_accounts::id)
        .select(marketplace_accounts::id)
        .first(conn)
        .await
        .optional()?)
}

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

#[derive(Debug, Clone)]
pub struct NewProduct<'a> {
    pub account_id: AccountId,
    pub external_id: &'a str,
    pub vendor_code: &'a str,
    pub title: &'a str,
    pub brand: &'a str,
    pub price_minor: Option<i64>,
    pub stock: Option<i32>,
    pub attributes: serde_json::Value,
}

pub async fn upsert_product(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    product: &NewProduct<'_>,
) -> Result<(), DbError> {
    let values = (
        products::tenant_id.eq(scope.tenant_id()),
        products::account_id.eq(product.account_id),
        products::external_id.eq(product.external_id),
        products::vendor_code.eq(product.vendor_code),
        products::title.eq(product.title),
        products::brand.eq(product.brand),
        products::price_minor.eq(product.price_minor),
        products::stock.eq(product.stock),
        products::attributes.eq(&product.attributes),
    );
    diesel::insert_into(products::table)
        .values(values)
        .on_conflict((products::account_id, products::external_id))
        .do_update()
        .set((values, products::updated_at.eq(diesel::dsl::now)))
        .execute(conn)
        .await?;
    Ok(())
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

#[derive(Debug, Clone)]
pub struct NewOrder<'a> {
    pub account_id: AccountId,
    pub external_id: &'a str,
    pub status: &'a str,
    pub substatus: Option<&'a str>,
    pub items: serde_json::Value,
    pub total_minor: Option<i64>,
    pub details: serde_json::Value,
    pub placed_at: Option<DateTime<Utc>>,
    pub changed_at: DateTime<Utc>,
}

/// Writes an order and appends its status to the history (once per status and time).
pub async fn upsert_order(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    order: &NewOrder<'_>,
) -> Result<i64, DbError> {
    let values = (
        orders::tenant_id.eq(scope.tenant_id()),
        orders::account_id.eq(order.account_id),
        orders::external_id.eq(order.external_id),
        orders::status.eq(order.status),
        orders::substatus.eq(order.substatus),
        orders::items.eq(&order.items),
        orders::total_minor.eq(order.total_minor),
        orders::details.eq(&order.details),
        orders::placed_at.eq(order.placed_at),
        orders::changed_at.eq(order.changed_at),
    );
    let id: i64 = diesel::insert_into(orders::table)
        .values(values)
        .on_conflict((orders::account_id, orders::external_id))
        .do_update()
        .set((values, orders::synced_at.eq(diesel::dsl::now)))
        .returning(orders::id)
        .get_result(conn)
        .await?;
    diesel::insert_into(order_status_history::table)
        .values((
            order_status_history::tenant_id.eq(scope.tenant_id()),
            order_status_history::order_id.eq(id),
            order_status_history::status.eq(order.status),
            order_status_history::substatus.eq(order.substatus),
            order_status_history::changed_at.eq(order.changed_at),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(id)
}

/// The order with this WB order id or Ozon posting number, and its marketplace.
pub async fn find_order(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    external_id: &str,
) -> Result<Option<(Order, String)>, DbError> {
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
