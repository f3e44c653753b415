//! Shoppers' return claims (returns-api, `marketplaces.md` §3.12): the last 14 days' claims,
//! and the archive of decided ones, paged by `offset`. Times are Moscow time without an offset.

use chrono::NaiveDateTime;
use reqwest::Method;
use serde::Deserialize;

use super::{Family, WbClient};
use crate::marketplaces::error::MarketplaceError;
use crate::marketplaces::wire::opt_id_string;

/// The most claims one request returns.
pub const CLAIMS_PAGE: u32 = 200;

#[derive(Debug, Clone, Deserialize)]
pub struct Claim {
    pub id: String,
    #[serde(default)]
    pub srid: Option<String>,
    #[serde(default, deserialize_with = "opt_id_string")]
    pub nm_id: Option<String>,
    #[serde(default)]
    pub imt_name: Option<String>,
    /// 0 under review, 1 rejected, 2 approved.
    #[serde(default)]
    pub status: Option<i64>,
    /// What happens to the item (0, 1, 2, 5, 8, 10).
    #[serde(default)]
    pub status_ex: Option<i64>,
    #[serde(default)]
    pub claim_type: Option<i64>,
    #[serde(default)]
    pub user_comment: Option<String>,
    /// WB's answer to the shopper, in Russian.
    #[serde(default)]
    pub wb_comment: Option<String>,
    #[serde(default)]
    pub dt: Option<NaiveDateTime>,
    #[serde(default)]
    pub dt_update: Option<NaiveDateTime>,
    #[serde(default)]
    pub order_dt: Option<NaiveDateTime>,
    /// Roubles.
    #[serde(default)]
    pub price: Option<f64>,
    #[serde(default)]
    pub actions: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Claims {
    #[serde(default)]
    claims: Vec<Claim>,
}

impl WbClient {
    /// One page of claims: open ones of the last 14 days, or the archive.
    pub async fn claims(&self, archive: bool, offset: u32) -> Result<Vec<Claim>, MarketplaceError> {
        let call = self.call(Family::Returns, "wb GET /api/v1/claims");
        let query = [
            ("is_archive", archive.to_string()),
            ("limit", CLAIMS_PAGE.to_string()),
            ("offset", offset.to_string()),
        ];
        let page: Claims = self
            .transport
            .json(&call, || {
                self.request(Family::Returns, Method::GET, "/api/v1/claims")
                    .query(&query)
            })
            .await?;
        Ok(page.claims)
    }
}
