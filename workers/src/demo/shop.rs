//! A shop as data: products, orders, returns and knowledge articles in one JSON document
//! (`shop.json` is the demo shop). The demo, the conversation tests and `workers eval` seed the
//! same document, so the demo shows what is measured. Dates are relative (`{"days": 5}`), so a
//! shop seeded today reads as fresh as one seeded last month.

use chrono::{DateTime, Duration, Utc};
use otklik_db::catalogue::{self, SyncedOrder, SyncedProduct};
use otklik_db::returns::{self, SyncedReturn};
use otklik_db::{AsyncPgConnection, DbError, TenantScope, knowledge};
use otklik_schema::{AccountId, Marketplace};
use serde::Deserialize;
use serde_json::{Map, Value};

#[derive(Debug, thiserror::Error)]
pub enum ShopError {
    #[error("could not read the shop file: {0}")]
    Read(#[from] std::io::Error),
    #[error("the shop file is not a shop: {0}")]
    Parse(#[from] serde_json::Error),
    #[error(transparent)]
    Database(#[from] DbError),
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shop {
    #[serde(default)]
    pub products: Vec<Product>,
    #[serde(default)]
    pub orders: Vec<Order>,
    #[serde(default)]
    pub returns: Vec<Return>,
    #[serde(default)]
    pub articles: Vec<Article>,
    /// `tenants.settings.assistant` for the shop, when it has its own.
    #[serde(default)]
    pub assistant: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Product {
    pub marketplace: Marketplace,
    pub article: String,
    pub vendor_code: String,
    pub title: String,
    pub brand: String,
    /// Roubles.
    pub price: Option<i64>,
    pub stock: Option<i32>,
    #[serde(default)]
    pub attributes: Value,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Order {
    pub marketplace: Marketplace,
    pub id: String,
    pub status: String,
    pub substatus: Option<String>,
    pub items: Value,
    /// Roubles.
    pub total: Option<i64>,
    #[serde(default)]
    pub details: Map<String, Value>,
    #[serde(default = "four")]
    pub placed_days_ago: i64,
}

fn four() -> i64 {
    4
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Return {
    pub marketplace: Marketplace,
    pub id: String,
    /// The order's number, or a WB order's rid.
    pub order: String,
    pub article: Option<String>,
    pub product: Option<String>,
    pub status: String,
    pub substatus: Option<String>,
    pub status_text: Option<String>,
    pub reason: Option<String>,
    /// Roubles.
    pub amount: Option<i64>,
    pub opened_days_ago: i64,
    pub changed_days_ago: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Article {
    pub title: String,
    pub category: String,
    pub body: String,
    #[serde(default = "approved")]
    pub approved: bool,
}

fn approved() -> bool {
    true
}

/// `{"days": N}` in order details becomes the date N days from now (`YYYY-MM-DD`).
fn dated(details: &Map<String, Value>, now: DateTime<Utc>) -> Value {
    Value::Object(
        details
            .iter()
            .map(|(name, value)| {
                let value = match value.get("days").and_then(Value::as_i64) {
                    Some(days) => {
                        Value::String((now + Duration::days(days)).format("%Y-%m-%d").to_string())
                    }
                    None => value.clone(),
                };
                (name.clone(), value)
            })
            .collect(),
    )
}

impl Shop {
    /// The demo shop. Its document is part of the binary; a malformed one fails the unit tests.
    pub fn demo() -> Shop {
        serde_json::from_str(include_str!("shop.json"))
            .unwrap_or_else(|e| panic!("the demo shop document: {e}"))
    }

    pub fn from_file(path: &std::path::Path) -> Result<Shop, ShopError> {
        Ok(serde_json::from_str(&std::fs::read_to_string(path)?)?)
    }

    /// Writes the shop into the tenant's accounts (`account` names the account of each
    /// marketplace); orders and returns only when `with_orders` (a sandbox's sync brings them
    /// otherwise).
    pub async fn store(
        &self,
        conn: &mut AsyncPgConnection,
        scope: TenantScope,
        account: impl Fn(Marketplace) -> AccountId,
        with_orders: bool,
    ) -> Result<(), DbError> {
        let now = Utc::now();
        for product in &self.products {
            let synced = SyncedProduct {
                external_id: product.article.clone(),
                vendor_code: product.vendor_code.clone(),
                title: product.title.clone(),
                brand: product.brand.clone(),
                price_minor: product.price.map(|p| p * 100),
                currency: "RUB".into(),
                stock: product.stock,
                attributes: product.attributes.clone(),
            };
            catalogue::upsert_products(conn, scope, account(product.marketplace), &[synced])
                .await?;
        }
        if with_orders {
            for order in &self.orders {
                let synced = SyncedOrder {
                    external_id: order.id.clone(),
                    status: order.status.clone(),
                    substatus: order.substatus.clone(),
                    items: order.items.clone(),
                    total_minor: order.total.map(|t| t * 100),
                    currency: "RUB".into(),
                    details: dated(&order.details, now),
                    placed_at: Some(now - Duration::days(order.placed_days_ago)),
                    changed_at: now - Duration::hours(6),
                    settled: false,
                };
                catalogue::upsert_orders(conn, scope, account(order.marketplace), &[synced])
                    .await?;
            }
            for found in &self.returns {
                let synced = SyncedReturn {
                    external_id: found.id.clone(),
                    order_ref: found.order.clone(),
                    article: found.article.clone(),
                    product_name: found.product.clone(),
                    status: found.status.clone(),
                    substatus: found.substatus.clone(),
                    status_text: found.status_text.clone(),
                    reason: found.reason.clone(),
                    amount_minor: found.amount.map(|a| a * 100),
                    currency: "RUB".into(),
                    details: Value::Object(Map::new()),
                    opened_at: Some(now - Duration::days(found.opened_days_ago)),
                    changed_at: now - Duration::days(found.changed_days_ago),
                };
                returns::upsert(conn, scope, account(found.marketplace), &[synced]).await?;
            }
        }
        for article in &self.articles {
            knowledge::create_article(
                conn,
                scope,
                &article.title,
                &article.category,
                &article.body,
                article.approved,
            )
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_shop_document_reads() {
        let shop = Shop::demo();
        assert!(shop.products.len() >= 5);
        assert!(shop.orders.iter().any(|o| o.id == "1456789012"));
        assert!(shop.articles.iter().any(|a| !a.approved));
    }
}
