//! `POST /content/v2/get/cards/list`: product cards with WB's cursor pagination
//! (`updatedAt` + `nmID` of the last card; the walk ends when `total` < `limit`).

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AppState, json_response};
use crate::seller::Product;

const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 100;

#[derive(Deserialize, Default)]
#[serde(default)]
struct CardsRequest {
    settings: Settings,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Settings {
    sort: Sort,
    filter: Filter,
    cursor: Cursor,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Sort {
    ascending: bool,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Filter {
    text_search: String,
    brands: Vec<String>,
    #[serde(rename = "objectIDs")]
    object_ids: Vec<u32>,
    #[serde(rename = "imtID")]
    imt_id: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(default, rename_all = "camelCase")]
struct Cursor {
    limit: Option<usize>,
    updated_at: Option<String>,
    #[serde(rename = "nmID")]
    nm_id: Option<u64>,
}

/// The content API's error body.
fn error(text: &str) -> Response {
    let body = json!({"data": null, "error": true, "errorText": text, "additionalErrors": null});
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl Filter {
    fn matches(&self, product: &Product, nm_id: u64, imt_id: u64) -> bool {
        let text = self.text_search.trim();
        let text_matches = text.is_empty()
            || nm_id.to_string() == text
            || product
                .vendor_code
                .to_lowercase()
                .contains(&text.to_lowercase())
            || product
                .sizes
                .iter()
                .any(|size| size.barcode.to_string() == text);
        text_matches
            && (self.brands.is_empty() || self.brands.iter().any(|brand| brand == product.brand))
            && (self.object_ids.is_empty()
                || self.object_ids.contains(&product.category.subject_id))
            && self.imt_id.is_none_or(|wanted| wanted == imt_id)
    }
}

fn card(product: &Product, nm_id: u64, imt_id: u64, uuid: u128) -> Value {
    let basket = (nm_id / 100_000) % 30 + 1;
    let folder = format!(
        "https://basket-{basket:02}.wbbasket.ru/vol{}/part{}/{nm_id}/images",
        nm_id / 100_000,
        nm_id / 1000
    );
    let photos: Vec<Value> = (1..=3)
        .map(|n| {
            json!({
                "big": format!("{folder}/big/{n}.webp"),
                "c246x328": format!("{folder}/c246x328/{n}.webp"),
                "c516x688": format!("{folder}/c516x688/{n}.webp"),
                "square": format!("{folder}/square/{n}.webp"),
                "tm": format!("{folder}/tm/{n}.webp"),
            })
        })
        .collect();
    let hex = format!("{uuid:032x}");
    let (length, width, height, weight) = product.category.package;
    json!({
        "nmID": nm_id,
        "imtID": imt_id,
        "nmUUID": format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..]),
        "subjectID": product.category.subject_id,
        "subjectName": product.category.subject,
        "vendorCode": product.vendor_code,
        "brand": product.brand,
        "title": product.title,
        "description": product.description(),
        "needKiz": false,
        "kizMarked": false,
        "photos": photos,
        "dimensions": {
            "length": length,
            "width": width,
            "height": height,
            "weightBrutto": weight,
            "isValid": true,
        },
        "characteristics": [
            {"id": 14_177_449, "name": "Цвет", "value": [product.color]},
            {"id": 14_177_451, "name": "Страна производства", "value": ["Россия"]},
        ],
        "sizes": product.sizes.iter().map(|size| json!({
            "chrtID": size.chrt_id,
            "techSize": size.tech,
            "wbSize": size.wb_size,
            "skus": [size.barcode.to_string()],
        })).collect::<Vec<_>>(),
        "tags": [],
        "createdAt": timestamp(product.created_at),
        "updatedAt": timestamp(product.updated_at),
    })
}

/// Cards sorted by (`updatedAt`, `nmID`), descending unless `sort.ascending`; a page starts
/// strictly after the request's cursor. `cursor.total` is the number of cards in this page.
pub(super) async fn cards(State(app): AppState, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<CardsRequest>(&body) else {
        return error("Request body can not be decoded");
    };
    let Settings {
        sort,
        filter,
        cursor,
    } = request.settings;
    let limit = cursor.limit.unwrap_or(DEFAULT_LIMIT);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return error("Invalid cursor limit: must be from 1 to 100");
    }
    let after = match (&cursor.updated_at, cursor.nm_id) {
        (Some(updated_at), Some(nm_id)) if nm_id > 0 => {
            match DateTime::parse_from_rfc3339(updated_at) {
                Ok(time) => Some((time.with_timezone(&Utc), nm_id)),
                Err(_) => return error("Invalid cursor updatedAt"),
            }
        }
        _ => None,
    };
    let data = app.seller.read();
    let mut cards: Vec<(DateTime<Utc>, u64, &Product)> = data
        .products
        .iter()
        .filter_map(|product| {
            let card = product.wb.as_ref()?;
            filter.matches(product, card.nm_id, card.imt_id).then_some((
                product.updated_at,
                card.nm_id,
                product,
            ))
        })
        .collect();
    cards.sort_by_key(|&(updated_at, nm_id, _)| (updated_at, nm_id));
    if !sort.ascending {
        cards.reverse();
    }
    let page: Vec<Value> = cards
        .iter()
        .filter(|&&(updated_at, nm_id, _)| match after {
            None => true,
            Some(key) if sort.ascending => (updated_at, nm_id) > key,
            Some(key) => (updated_at, nm_id) < key,
        })
        .take(limit)
        .filter_map(|&(_, _, product)| {
            let wb = product.wb.as_ref()?;
            Some(card(product, wb.nm_id, wb.imt_id, wb.uuid))
        })
        .collect();
    let last = page.last();
    let cursor = json!({
        "updatedAt": last.map_or_else(
            || cursor.updated_at.clone().map_or(Value::Null, Value::String),
            |card| card["updatedAt"].clone(),
        ),
        "nmID": last.map_or(cursor.nm_id.unwrap_or(0), |card| card["nmID"].as_u64().unwrap_or(0)),
        "total": page.len(),
    });
    json_response(&json!({"cards": page, "cursor": cursor}))
}
