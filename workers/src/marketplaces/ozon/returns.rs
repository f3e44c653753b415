//! FBO and FBS returns (`/v1/returns/list`, `marketplaces.md` §9.9): up to 500 a page by
//! `last_id`, filtered by one time range — when the return's visible status last changed.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::json;

use super::OzonClient;
use crate::marketplaces::error::MarketplaceError;
use crate::marketplaces::wire::{id_string, minor_units, opt_id_string};

pub const RETURNS_PAGE: u32 = 500;

#[derive(Debug, Deserialize)]
pub struct ReturnsPage {
    #[serde(default)]
    pub returns: Vec<OzonReturn>,
    #[serde(default)]
    pub has_next: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OzonReturn {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    #[serde(default)]
    pub posting_number: Option<String>,
    #[serde(default)]
    pub order_number: Option<String>,
    /// `Cancellation`, `FullReturn`, `PartialReturn`, `ClientReturn`, … kept as sent.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
    #[serde(default)]
    pub schema: Option<String>,
    #[serde(default)]
    pub return_reason_name: Option<String>,
    #[serde(default)]
    pub product: Option<ReturnedProduct>,
    #[serde(default)]
    pub visual: Option<Visual>,
    #[serde(default)]
    pub logistic: Option<Logistic>,
    #[serde(default)]
    pub compensation_status: Option<Visual>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReturnedProduct {
    #[serde(default, deserialize_with = "opt_id_string")]
    pub sku: Option<String>,
    #[serde(default)]
    pub offer_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub price: Option<ReturnPrice>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ReturnPrice {
    #[serde(default)]
    pub currency_code: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub price: Option<String>,
}

impl ReturnPrice {
    pub fn minor(&self) -> Option<i64> {
        self.price.as_deref().and_then(minor_units)
    }
}

/// A status as Ozon shows it to sellers: `sys_name` for code, `display_name` in Russian.
#[derive(Debug, Clone, Deserialize)]
pub struct Visual {
    #[serde(default)]
    pub status: Option<VisualStatus>,
    #[serde(default)]
    pub change_moment: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct VisualStatus {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub sys_name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Logistic {
    #[serde(default)]
    pub return_date: Option<DateTime<Utc>>,
    #[serde(default)]
    pub final_moment: Option<DateTime<Utc>>,
}

impl OzonClient {
    /// Returns whose visible status changed in `[from, to]`, after `last_id`.
    pub async fn returns(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        last_id: i64,
    ) -> Result<ReturnsPage, MarketplaceError> {
        let body = json!({
            "filter": {"visual_status_change_moment": {"time_from": from, "time_to": to}},
            "limit": RETURNS_PAGE,
            "last_id": last_id,
        });
        self.json("ozon POST /v1/returns/list", "/v1/returns/list", body)
            .await
    }
}
