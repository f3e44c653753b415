//! All-channel orders from the statistics API, including those shipped from WB's own
//! warehouses (FBW), which no other API lists (`marketplaces.md` §3.5). Times are Moscow time
//! without an offset; one request a minute.

use chrono::NaiveDateTime;
use reqwest::Method;
use serde::Deserialize;

use super::{Family, WbClient};
use crate::marketplaces::error::MarketplaceError;
use crate::marketplaces::wire::opt_id_string;

/// The warehouse type of orders shipped from WB's warehouses.
pub const WB_WAREHOUSE: &str = "Склад WB";

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatisticsOrder {
    pub srid: String,
    #[serde(default)]
    pub date: Option<NaiveDateTime>,
    pub last_change_date: NaiveDateTime,
    #[serde(default)]
    pub warehouse_name: Option<String>,
    #[serde(default)]
    pub warehouse_type: Option<String>,
    #[serde(default)]
    pub region_name: Option<String>,
    #[serde(default)]
    pub supplier_article: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub nm_id: Option<String>,
    #[serde(default)]
    pub tech_size: Option<String>,
    /// Roubles, with kopecks as a fraction.
    #[serde(default)]
    pub price_with_disc: Option<f64>,
    #[serde(default)]
    pub is_cancel: bool,
    #[serde(default)]
    pub g_number: Option<String>,
}

impl WbClient {
    /// Rows changed at or after `since` (Moscow time), oldest change first, up to the API's cap;
    /// the next call starts at the last row's `lastChangeDate`.
    pub async fn statistics_orders(
        &self,
        since: NaiveDateTime,
    ) -> Result<Vec<StatisticsOrder>, MarketplaceError> {
        let call = self.call(Family::Statistics, "wb GET /api/v1/supplier/orders");
        let date_from = since.format("%Y-%m-%dT%H:%M:%S").to_string();
        self.transport
            .json(&call, || {
                self.request(Family::Statistics, Method::GET, "/api/v1/supplier/orders")
                    .query(&[("dateFrom", date_from.as_str()), ("flag", "0")])
            })
            .await
    }
}
