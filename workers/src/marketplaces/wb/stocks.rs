//! Stock on the seller's own warehouses, by size (`chrtId`; barcodes are no longer accepted),
//! up to 1000 sizes a request (`marketplaces.md` §3.8).

use reqwest::Method;
use serde::Deserialize;

use super::{Family, WbClient};
use crate::marketplaces::error::MarketplaceError;
use crate::marketplaces::wire::id_string;

pub const STOCKS_BATCH: usize = 1000;

#[derive(Debug, Clone, Deserialize)]
pub struct Warehouse {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Stock {
    #[serde(deserialize_with = "id_string")]
    pub chrt_id: String,
    #[serde(default)]
    pub amount: i64,
}

#[derive(Debug, Deserialize)]
struct Stocks {
    #[serde(default)]
    stocks: Vec<Stock>,
}

impl WbClient {
    pub async fn warehouses(&self) -> Result<Vec<Warehouse>, MarketplaceError> {
        let call = self.call(Family::Marketplace, "wb GET /api/v3/warehouses");
        self.transport
            .json(&call, || {
                self.request(Family::Marketplace, Method::GET, "/api/v3/warehouses")
            })
            .await
    }

    /// Stock of up to [`STOCKS_BATCH`] sizes at one warehouse.
    pub async fn stocks(
        &self,
        warehouse: &str,
        chrt_ids: &[String],
    ) -> Result<Vec<Stock>, MarketplaceError> {
        let ids: Vec<i64> = chrt_ids.iter().filter_map(|id| id.parse().ok()).collect();
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let call = self.call(Family::Marketplace, "wb POST /api/v3/stocks/{warehouseId}");
        let path = format!("/api/v3/stocks/{warehouse}");
        let body = serde_json::json!({ "chrtIds": ids });
        let stocks: Stocks = self
            .transport
            .json(&call, || {
                self.request(Family::Marketplace, Method::POST, &path)
                    .json(&body)
            })
            .await?;
        Ok(stocks.stocks)
    }
}
