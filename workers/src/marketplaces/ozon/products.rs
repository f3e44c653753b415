//! The catalogue: product ids by `last_id` pages of up to 1000, their details in batches of up
//! to 1000, and FBS/FBO stock by cursor (`marketplaces.md` §9.5–9.6).

use serde::Deserialize;

use super::{MaybeWrapped, OzonClient};
use crate::marketplaces::error::MarketplaceError;
use crate::marketplaces::wire::{Price, id_string, int, opt_id_string};

pub const PRODUCTS_PAGE: u32 = 1000;

#[derive(Debug, Deserialize)]
pub struct ProductListPage {
    #[serde(default)]
    pub items: Vec<ListedProduct>,
    #[serde(default)]
    pub last_id: String,
}

#[derive(Debug, Deserialize)]
pub struct ListedProduct {
    #[serde(deserialize_with = "id_string")]
    pub product_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ProductInfo {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(default)]
    pub offer_id: String,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub sku: Option<String>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub price: Option<Price>,
    #[serde(default)]
    pub currency_code: Option<String>,
    #[serde(default)]
    pub barcodes: Vec<String>,
    #[serde(default)]
    pub is_archived: bool,
}

#[derive(Debug, Deserialize)]
struct InfoList {
    #[serde(default)]
    items: Vec<ProductInfo>,
}

#[derive(Debug, Deserialize)]
pub struct StocksPage {
    #[serde(default)]
    pub cursor: String,
    #[serde(default)]
    pub items: Vec<StockItem>,
}

#[derive(Debug, Deserialize)]
pub struct StockItem {
    #[serde(deserialize_with = "id_string")]
    pub product_id: String,
    #[serde(default)]
    pub stocks: Vec<WarehouseStock>,
}

#[derive(Debug, Deserialize)]
pub struct WarehouseStock {
    #[serde(default, deserialize_with = "int")]
    pub present: i64,
    #[serde(default, deserialize_with = "int")]
    pub reserved: i64,
}

impl StockItem {
    /// What a shopper can buy now, over all warehouses.
    pub fn available(&self) -> i64 {
        self.stocks
            .iter()
            .map(|s| (s.present - s.reserved).max(0))
            .sum()
    }
}

impl OzonClient {
    pub async fn product_ids(&self, last_id: &str) -> Result<ProductListPage, MarketplaceError> {
        let body = serde_json::json!({"filter": {"visibility": "ALL"}, "last_id": last_id, "limit": PRODUCTS_PAGE});
        let page: MaybeWrapped<ProductListPage> = self
            .json("ozon POST /v3/product/list", "/v3/product/list", body)
            .await?;
        Ok(page.into_inner())
    }

    pub async fn product_info(
        &self,
        product_ids: &[String],
    ) -> Result<Vec<ProductInfo>, MarketplaceError> {
        if product_ids.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<i64> = product_ids
            .iter()
            .filter_map(|id| id.parse().ok())
            .collect();
        let body = serde_json::json!({ "product_id": ids });
        let info: MaybeWrapped<InfoList> = self
            .json(
                "ozon POST /v3/product/info/list",
                "/v3/product/info/list",
                body,
            )
            .await?;
        Ok(info.into_inner().items)
    }

    pub async fn stocks(&self, cursor: &str) -> Result<StocksPage, MarketplaceError> {
        let body = serde_json::json!({"filter": {"visibility": "ALL"}, "limit": PRODUCTS_PAGE, "cursor": cursor});
        let page: MaybeWrapped<StocksPage> = self
            .json(
                "ozon POST /v4/product/info/stocks",
                "/v4/product/info/stocks",
                body,
            )
            .await?;
        Ok(page.into_inner())
    }
}
