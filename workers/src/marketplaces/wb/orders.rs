//! FBS assembly orders: the new ones, the history in 30-day windows with a `next` cursor, and
//! statuses in batches of up to 1000 ids (`marketplaces.md` §3.1–3.3).

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::Deserialize;

use super::{Family, WbClient};
use crate::marketplaces::error::MarketplaceError;
use crate::marketplaces::wire::{id_string, opt_id_string};

/// Most ids one status request may carry.
pub const STATUS_BATCH: usize = 1000;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FbsOrder {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    /// The cross-API order key (`srid` in statistics, chats and claims).
    #[serde(default)]
    pub rid: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub nm_id: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub chrt_id: Option<String>,
    #[serde(default)]
    pub article: Option<String>,
    /// Kopecks in the order's currency.
    #[serde(default)]
    pub price: Option<i64>,
    /// Kopecks in roubles.
    #[serde(default)]
    pub converted_price: Option<i64>,
    #[serde(default)]
    pub offices: Vec<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub warehouse_id: Option<String>,
    #[serde(default)]
    pub supply_id: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Orders {
    #[serde(default)]
    orders: Vec<FbsOrder>,
}

#[derive(Debug, Deserialize)]
pub struct OrdersPage {
    #[serde(default)]
    pub next: i64,
    #[serde(default)]
    pub orders: Vec<FbsOrder>,
}

/// An order's two statuses: the seller's side and WB logistics. Kept as WB's strings: values
/// outside the documented sets have been seen and must survive.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct FbsStatus {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(default)]
    pub supplier_status: Option<String>,
    #[serde(default)]
    pub wb_status: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Statuses {
    #[serde(default)]
    orders: Vec<FbsStatus>,
}

impl WbClient {
    /// Every assembly order still waiting for the seller.
    pub async fn new_orders(&self) -> Result<Vec<FbsOrder>, MarketplaceError> {
        let call = self.call(Family::Marketplace, "wb GET /api/v3/orders/new");
        let page: Orders = self
            .transport
            .json(&call, || {
                self.request(Family::Marketplace, Method::GET, "/api/v3/orders/new")
            })
            .await?;
        Ok(page.orders)
    }

    /// One page of orders created in `[from, to]` (at most 30 days), after the `next` cursor.
    pub async fn orders_page(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        next: i64,
        limit: u32,
    ) -> Result<OrdersPage, MarketplaceError> {
        let call = self.call(Family::Marketplace, "wb GET /api/v3/orders");
        self.transport
            .json(&call, || {
                self.request(Family::Marketplace, Method::GET, "/api/v3/orders")
                    .query(&[
                        ("limit", limit.to_string()),
                        ("next", next.to_string()),
                        ("dateFrom", from.timestamp().to_string()),
                        ("dateTo", to.timestamp().to_string()),
                    ])
            })
            .await
    }

    /// Current statuses of up to [`STATUS_BATCH`] orders.
    pub async fn statuses(&self, ids: &[String]) -> Result<Vec<FbsStatus>, MarketplaceError> {
        let numeric: Vec<i64> = ids.iter().filter_map(|id| id.parse().ok()).collect();
        if numeric.is_empty() {
            return Ok(Vec::new());
        }
        let call = self.call(Family::Marketplace, "wb POST /api/v3/orders/status");
        let body = serde_json::json!({ "orders": numeric });
        let statuses: Statuses = self
            .transport
            .json(&call, || {
                self.request(Family::Marketplace, Method::POST, "/api/v3/orders/status")
                    .json(&body)
            })
            .await?;
        Ok(statuses.orders)
    }
}
