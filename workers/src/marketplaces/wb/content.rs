//! Product cards, walked newest-changed first with WB's `updatedAt` + `nmID` cursor
//! (`marketplaces.md` §3.7). 100 cards a page at most.

use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::{Family, WbClient};
use crate::marketplaces::error::MarketplaceError;
use crate::marketplaces::wire::{id_string, opt_id_string};

pub const CARDS_PAGE: u32 = 100;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Card {
    #[serde(rename = "nmID", deserialize_with = "id_string")]
    pub nm_id: String,
    #[serde(default)]
    pub vendor_code: String,
    #[serde(default)]
    pub brand: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub subject_name: Option<String>,
    /// Values are strings, numbers or arrays depending on the characteristic.
    #[serde(default)]
    pub characteristics: Vec<Characteristic>,
    #[serde(default)]
    pub sizes: Vec<CardSize>,
    #[serde(default)]
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Characteristic {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub value: serde_json::Value,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CardSize {
    #[serde(rename = "chrtID", default, deserialize_with = "opt_id_string")]
    pub chrt_id: Option<String>,
    #[serde(default)]
    pub tech_size: Option<String>,
    #[serde(default)]
    pub wb_size: Option<String>,
}

/// Where the next page starts: the last card of this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardsCursor {
    #[serde(rename = "updatedAt")]
    pub updated_at: String,
    #[serde(rename = "nmID")]
    pub nm_id: i64,
}

#[derive(Debug, Deserialize)]
struct Page {
    #[serde(default)]
    cards: Vec<Card>,
    #[serde(default)]
    cursor: Option<ResponseCursor>,
}

#[derive(Debug, Deserialize)]
struct ResponseCursor {
    #[serde(rename = "updatedAt", default)]
    updated_at: Option<String>,
    #[serde(rename = "nmID", default)]
    nm_id: Option<i64>,
    #[serde(default)]
    total: u32,
}

#[derive(Debug)]
pub struct CardsPage {
    pub cards: Vec<Card>,
    /// `None` on the last page.
    pub next: Option<CardsCursor>,
}

impl WbClient {
    pub async fn cards_page(
        &self,
        after: Option<&CardsCursor>,
    ) -> Result<CardsPage, MarketplaceError> {
        let call = self.call(Family::Content, "wb POST /content/v2/get/cards/list");
        let mut cursor = serde_json::json!({ "limit": CARDS_PAGE });
        if let Some(after) = after {
            cursor["updatedAt"] = after.updated_at.clone().into();
            cursor["nmID"] = after.nm_id.into();
        }
        let body = serde_json::json!({
            "settings": {
                "sort": {"ascending": false},
                "filter": {"withPhoto": -1},
                "cursor": cursor,
            }
        });
        let page: Page = self
            .transport
            .json(&call, || {
                self.request(Family::Content, Method::POST, "/content/v2/get/cards/list")
                    .query(&[("locale", "ru")])
                    .json(&body)
            })
            .await?;
        let next = match page.cursor {
            Some(ResponseCursor {
                updated_at: Some(updated_at),
                nm_id: Some(nm_id),
                total,
            }) if total >= CARDS_PAGE && !page.cards.is_empty() => {
                Some(CardsCursor { updated_at, nm_id })
            }
            _ => None,
        };
        Ok(CardsPage {
            cards: page.cards,
            next,
        })
    }
}
