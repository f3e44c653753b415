//! The Ozon catalogue: the product list (opaque `last_id`), details by id, and FBS/FBO stock
//! (opaque `cursor`). Pages go in `product_id` order; both walks end with an empty page whose
//! `last_id` / `cursor` is `""`.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AppState, RpcError, bad_request, numeric_ids, parse, timestamp};
use crate::seller::{OZON_FBS_WAREHOUSE_ID, OzonItem, Product, SellerData};

const MAX_LIMIT: i64 = 1000;

fn reply(body: Value) -> Response {
    axum::Json(body).into_response()
}
const MAX_IDS: usize = 1000;

#[derive(Deserialize, Default)]
#[serde(default)]
struct ProductFilter {
    offer_id: Vec<Value>,
    product_id: Vec<Value>,
}

impl ProductFilter {
    /// The filter as (offer ids, product ids).
    fn read(&self) -> Result<(Vec<String>, Vec<u64>), RpcError> {
        let offers = self
            .offer_id
            .iter()
            .map(|value| match value {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            })
            .collect();
        Ok((offers, numeric_ids(&self.product_id)?))
    }
}

/// Products listed on Ozon matching a filter, in `product_id` order.
fn listed<'a>(
    data: &'a SellerData,
    offers: &[String],
    product_ids: &[u64],
) -> Vec<(&'a Product, &'a OzonItem)> {
    let mut items: Vec<(&Product, &OzonItem)> = data
        .products
        .iter()
        .filter_map(|product| Some((product, product.ozon.as_ref()?)))
        .filter(|(product, item)| {
            (offers.is_empty() || offers.contains(&product.vendor_code))
                && (product_ids.is_empty() || product_ids.contains(&item.product_id))
        })
        .collect();
    items.sort_by_key(|(_, item)| item.product_id);
    items
}

fn check_limit(limit: i64) -> Result<usize, RpcError> {
    if (1..=MAX_LIMIT).contains(&limit) {
        Ok(limit as usize)
    } else {
        Err(bad_request("invalid request: limit must be from 1 to 1000"))
    }
}

/// Items after `after` (a `product_id`), at most `limit`.
fn after<'a>(
    items: &'a [(&'a Product, &'a OzonItem)],
    after: Option<u64>,
    limit: usize,
) -> &'a [(&'a Product, &'a OzonItem)] {
    let start = after.map_or(0, |after| {
        items.partition_point(|(_, item)| item.product_id <= after)
    });
    let end = (start + limit).min(items.len());
    &items[start..end]
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListRequest {
    filter: ProductFilter,
    last_id: String,
    limit: i64,
}

/// `last_id` as Ozon writes it: base64 of `[product_id,product_id]`.
fn encode_last_id(product_id: u64) -> String {
    STANDARD.encode(format!("[{product_id},{product_id}]"))
}

fn decode_last_id(text: &str) -> Option<u64> {
    let bytes = STANDARD.decode(text).ok()?;
    let ids: Vec<u64> = serde_json::from_slice(&bytes).ok()?;
    ids.first().copied()
}

/// `POST /v3/product/list` → `{"result":{"items","total","last_id"}}`; `total` counts every
/// product matching the filter.
pub(super) async fn list(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    let request: ListRequest = parse(&body)?;
    let limit = check_limit(request.limit)?;
    let (offers, product_ids) = request.filter.read()?;
    let last = resume_after(&request.last_id, decode_last_id, "invalid last_id")?;
    let data = app.seller.read();
    let items = listed(&data, &offers, &product_ids);
    let page = after(&items, last, limit);
    let json: Vec<Value> = page
        .iter()
        .map(|(product, item)| {
            json!({
                "product_id": item.product_id,
                "offer_id": product.vendor_code,
                "has_fbo_stocks": item.fbo_stock > 0,
                "has_fbs_stocks": product.fbs_stock() > 0,
                "archived": false,
                "is_discounted": false,
                "quants": [],
            })
        })
        .collect();
    Ok(reply(json!({"result": {
        "items": json,
        "total": items.len(),
        "last_id": page.last().map_or_else(String::new, |(_, item)| encode_last_id(item.product_id)),
    }})))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct InfoRequest {
    offer_id: Vec<Value>,
    product_id: Vec<Value>,
    sku: Vec<Value>,
}

fn info(product: &Product, item: &OzonItem) -> Value {
    let price = product.sale_price();
    let fbs = product.fbs_stock();
    let barcode = product
        .sizes
        .first()
        .map_or_else(String::new, |size| size.barcode.to_string());
    let image = format!(
        "https://cdn1.ozone.ru/s3/multimedia-{}/{}.jpg",
        item.sku % 10,
        item.sku
    );
    json!({
        "id": item.product_id,
        "offer_id": product.vendor_code,
        "sku": item.sku,
        "name": product.title,
        "barcodes": [barcode],
        "description_category_id": product.category.ozon_category_id,
        "type_id": product.category.ozon_type_id,
        "primary_image": [image],
        "images": [image],
        "images360": [],
        "color_image": [],
        "price": format!("{price}.00"),
        "old_price": format!("{}.00", product.price),
        "min_price": format!("{}.00", price * 95 / 100),
        "currency_code": "RUB",
        "vat": "0.2",
        "statuses": {
            "is_created": true,
            "moderate_status": "approved",
            "status": "price_sent",
            "status_description": "",
            "status_failed": "",
            "status_name": "Продается",
            "status_tooltip": "",
            "status_updated_at": timestamp(product.updated_at),
            "validation_status": "success",
        },
        "stocks": {
            "has_stock": fbs + item.fbo_stock > 0,
            "stocks": [
                {"source": "fbs", "sku": item.sku, "present": fbs, "reserved": item.reserved},
                {"source": "fbo", "sku": item.sku, "present": item.fbo_stock, "reserved": 0},
            ],
        },
        "sources": [{
            "created_at": timestamp(product.created_at),
            "quant_code": "",
            "shipment_type": "SHIPMENT_TYPE_GENERAL",
            "sku": item.sku,
            "source": "SDS",
        }],
        "visibility_details": {"has_price": true, "has_stock": fbs + item.fbo_stock > 0},
        "is_archived": false,
        "is_autoarchived": false,
        "is_discounted": false,
        "is_kgt": false,
        "is_prepayment_allowed": true,
        "is_super": false,
        "has_discounted_fbo_item": false,
        "discounted_fbo_stocks": 0,
        "commissions": [],
        "errors": [],
        "promotions": [],
        "model_info": {"model_id": item.product_id, "count": 1},
        "volume_weight": product.category.package.3,
        "created_at": timestamp(product.created_at),
        "updated_at": timestamp(product.updated_at),
    })
}

/// `POST /v3/product/info/list` with `offer_id`, `product_id` or `sku` (≤ 1000 ids in
/// total) → `{"items":[…]}`; unknown ids are left out.
pub(super) async fn info_list(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    let request: InfoRequest = parse(&body)?;
    let total = request.offer_id.len() + request.product_id.len() + request.sku.len();
    if total > MAX_IDS {
        return Err(bad_request(
            "invalid request: at most 1000 identifiers in total",
        ));
    }
    let offers = ProductFilter {
        offer_id: request.offer_id,
        product_id: request.product_id,
    };
    let (offers, product_ids) = offers.read()?;
    let skus = numeric_ids(&request.sku)?;
    let data = app.seller.read();
    let items: Vec<Value> = data
        .products
        .iter()
        .filter_map(|product| Some((product, product.ozon.as_ref()?)))
        .filter(|(product, item)| {
            offers.contains(&product.vendor_code)
                || product_ids.contains(&item.product_id)
                || skus.contains(&item.sku)
        })
        .map(|(product, item)| info(product, item))
        .collect();
    Ok(reply(json!({ "items": items })))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct StocksRequest {
    filter: ProductFilter,
    limit: i64,
    cursor: String,
}

fn encode_cursor(product_id: u64) -> String {
    STANDARD.encode(json!({ "product_id": product_id }).to_string())
}

/// The product a page token names (none for an empty token, the first page), or 400.
fn resume_after(
    token: &str,
    decode: fn(&str) -> Option<u64>,
    invalid: &'static str,
) -> Result<Option<u64>, RpcError> {
    if token.is_empty() {
        return Ok(None);
    }
    decode(token).map(Some).ok_or_else(|| bad_request(invalid))
}

fn decode_cursor(text: &str) -> Option<u64> {
    let bytes = STANDARD.decode(text).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    value.get("product_id")?.as_u64()
}

/// `POST /v4/product/info/stocks` → `{"cursor","total","items"}`: FBS and FBO stock rows per
/// product; `total` counts every product matching the filter.
pub(super) async fn stocks(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    let request: StocksRequest = parse(&body)?;
    let limit = check_limit(request.limit)?;
    let (offers, product_ids) = request.filter.read()?;
    let last = resume_after(&request.cursor, decode_cursor, "invalid cursor")?;
    let data = app.seller.read();
    let items = listed(&data, &offers, &product_ids);
    let page = after(&items, last, limit);
    let json: Vec<Value> = page
        .iter()
        .map(|(product, item)| {
            json!({
                "product_id": item.product_id,
                "offer_id": product.vendor_code,
                "stocks": [
                    {
                        "type": "fbs",
                        "sku": item.sku,
                        "present": product.fbs_stock(),
                        "reserved": item.reserved,
                        "shipment_type": "SHIPMENT_TYPE_GENERAL",
                        "warehouse_ids": [OZON_FBS_WAREHOUSE_ID],
                    },
                    {
                        "type": "fbo",
                        "sku": item.sku,
                        "present": item.fbo_stock,
                        "reserved": 0,
                        "shipment_type": "SHIPMENT_TYPE_GENERAL",
                        "warehouse_ids": [],
                    },
                ],
            })
        })
        .collect();
    Ok(reply(json!({
        "cursor": page.last().map_or_else(String::new, |(_, item)| encode_cursor(item.product_id)),
        "total": items.len(),
        "items": json,
    })))
}
