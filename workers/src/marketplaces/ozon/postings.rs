//! Postings (one shipment of an order): FBS/rFBS from the seller's warehouse, with a filter on
//! when their status changed, and FBO from Ozon's, by creation window only (`marketplaces.md`
//! §9.1–9.3). Cursor pages of up to 100.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{MaybeWrapped, OzonClient};
use crate::marketplaces::error::MarketplaceError;
use crate::marketplaces::wire::{Price, int, opt_id_string};

pub const POSTINGS_PAGE: u32 = 100;

#[derive(Debug, Clone, Deserialize)]
pub struct Posting {
    pub posting_number: String,
    #[serde(default)]
    pub order_number: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub substatus: Option<String>,
    #[serde(default)]
    pub created_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub in_process_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub tracking_number: Option<String>,
    #[serde(default)]
    pub analytics_data: Option<Analytics>,
    #[serde(default)]
    pub cancellation: Option<Cancellation>,
    #[serde(default)]
    pub products: Vec<PostingProduct>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Analytics {
    #[serde(default)]
    pub city: Option<String>,
    #[serde(default)]
    pub delivery_type: Option<String>,
    #[serde(default)]
    pub warehouse_name: Option<String>,
    #[serde(default)]
    pub client_delivery_date_end: Option<DateTime<Utc>>,
    #[serde(default)]
    pub delivery_date_end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Cancellation {
    #[serde(default)]
    pub cancel_reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PostingProduct {
    #[serde(default, deserialize_with = "opt_id_string")]
    pub sku: Option<String>,
    #[serde(default)]
    pub offer_id: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default = "one", deserialize_with = "int")]
    pub quantity: i64,
    #[serde(default)]
    pub price: Option<Price>,
    /// Older shapes give the currency beside a string price.
    #[serde(default)]
    pub currency_code: Option<String>,
}

fn one() -> i64 {
    1
}

#[derive(Debug, Deserialize)]
pub struct PostingsPage {
    pub postings: Vec<Posting>,
    #[serde(default)]
    pub has_next: bool,
    /// Empty in older shapes, which page by offset.
    #[serde(default)]
    pub cursor: String,
}

/// Which postings a list asks for: created in `[since, to]` (at most a year), and for FBS
/// optionally only those whose status changed in `changed`.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub since: DateTime<Utc>,
    pub to: DateTime<Utc>,
    pub changed: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

fn rfc3339(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl Window {
    fn filter(&self) -> serde_json::Value {
        let mut filter = serde_json::json!({"since": rfc3339(self.since), "to": rfc3339(self.to)});
        if let Some((from, to)) = self.changed {
            filter["last_changed_status_date"] =
                serde_json::json!({"from": rfc3339(from), "to": rfc3339(to)});
        }
        filter
    }
}

/// A posting list in any shape Ozon has answered with: current (bare, with a cursor), v3
/// (`{"result":{"postings","has_next"}}`) or v2 (`{"result":[…]}`). A body in none of them is
/// an error, not an empty page.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum PostingsBody {
    Listed { result: Vec<Posting> },
    Wrapped { result: PostingsPage },
    Bare(PostingsPage),
}

impl OzonClient {
    pub async fn fbs_postings(
        &self,
        window: &Window,
        cursor: &str,
    ) -> Result<PostingsPage, MarketplaceError> {
        let endpoint = "ozon POST /v4/posting/fbs/list";
        self.postings(endpoint, "/v4/posting/fbs/list", window.filter(), cursor)
            .await
    }

    pub async fn fbo_postings(
        &self,
        window: &Window,
        cursor: &str,
    ) -> Result<PostingsPage, MarketplaceError> {
        let filter = serde_json::json!({"since": rfc3339(window.since), "to": rfc3339(window.to)});
        let endpoint = "ozon POST /v3/posting/fbo/list";
        self.postings(endpoint, "/v3/posting/fbo/list", filter, cursor)
            .await
    }

    async fn postings(
        &self,
        endpoint: &'static str,
        path: &str,
        filter: serde_json::Value,
        cursor: &str,
    ) -> Result<PostingsPage, MarketplaceError> {
        let body = serde_json::json!({
            "filter": filter,
            "limit": POSTINGS_PAGE,
            "cursor": cursor,
            "sort_dir": "ASC",
            "with": {"analytics_data": true, "financial_data": false},
        });
        Ok(match self.json(endpoint, path, body).await? {
            PostingsBody::Listed { result } => PostingsPage {
                has_next: false,
                cursor: String::new(),
                postings: result,
            },
            PostingsBody::Wrapped { result } | PostingsBody::Bare(result) => result,
        })
    }

    /// One FBS posting by number, fresher than the last sync (the assistant's lookups).
    pub async fn fbs_posting(&self, posting_number: &str) -> Result<Posting, MarketplaceError> {
        let body =
            serde_json::json!({"posting_number": posting_number, "with": {"analytics_data": true}});
        let posting: MaybeWrapped<Posting> = self
            .json("ozon POST /v3/posting/fbs/get", "/v3/posting/fbs/get", body)
            .await?;
        Ok(posting.into_inner())
    }
}
