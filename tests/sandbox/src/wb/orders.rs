//! FBS assembly orders (marketplace API): new orders, the paged history without statuses,
//! and statuses by id — the three calls of WB's incremental order sync.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::Response;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::{AppState, incorrect_body, incorrect_parameter, json_response, service_error, utc};
use crate::seller::{SELLER_WAREHOUSES, SellerData, WbOrder};

/// WB serves at most this window per history request.
const MAX_WINDOW: Duration = Duration::days(30);
const MAX_IDS: usize = 1000;
const RUB: u32 = 643;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OrderOptions {
    #[serde(rename = "isB2B")]
    is_b2b: bool,
}

/// Fields only `/api/v3/orders/new` sends.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NewOrderFields {
    sale_price: u64,
    final_price: u64,
    converted_final_price: u64,
    required_meta: [&'static str; 0],
    optional_meta: [&'static str; 0],
    is_pickup_point_shipment_allowed: bool,
}

/// An assembly order (`Order` / `OrderNew` of 03-orders-fbs.yaml); prices ×100.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct OrderJson<'a> {
    address: Option<()>,
    scan_price: Option<u32>,
    delivery_type: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    supply_id: Option<String>,
    order_uid: String,
    article: &'a str,
    color_code: &'static str,
    rid: String,
    created_at: String,
    offices: [&'static str; 1],
    skus: [String; 1],
    id: u64,
    warehouse_id: u64,
    office_id: u64,
    nm_id: u64,
    chrt_id: u64,
    price: u64,
    converted_price: u64,
    currency_code: u32,
    converted_currency_code: u32,
    cargo_type: u8,
    cross_border_type: u8,
    comment: &'static str,
    is_zero_order: bool,
    options: OrderOptions,
    #[serde(flatten)]
    new: Option<NewOrderFields>,
}

fn order_json<'a>(data: &'a SellerData, order: &WbOrder, new: bool) -> Option<OrderJson<'a>> {
    let product = data.products.get(order.product)?;
    let card = product.wb.as_ref()?;
    let size = product.sizes.get(order.size)?;
    let warehouse = &SELLER_WAREHOUSES[0];
    let sale_price = u64::from(product.sale_price()) * 100;
    let price = sale_price * u64::from(100 - order.spp) / 100;
    Some(OrderJson {
        address: None,
        scan_price: None,
        delivery_type: "fbs",
        // Orders join a supply when assembly starts; supplies are cut per day here.
        supply_id: (order.life.status() != "new").then(|| {
            format!(
                "WB-GI-{}",
                10_000_000 + order.life.created_at.timestamp() / 86_400
            )
        }),
        order_uid: order.order_uid(),
        article: &product.vendor_code,
        color_code: "",
        rid: order.srid(),
        created_at: utc(order.life.created_at),
        offices: [warehouse.office],
        skus: [size.barcode.to_string()],
        id: order.id,
        warehouse_id: warehouse.id,
        office_id: warehouse.office_id,
        nm_id: card.nm_id,
        chrt_id: size.chrt_id,
        price,
        converted_price: price,
        currency_code: RUB,
        converted_currency_code: RUB,
        cargo_type: warehouse.cargo_type,
        cross_border_type: 0,
        comment: "",
        is_zero_order: false,
        options: OrderOptions { is_b2b: false },
        new: new.then_some(NewOrderFields {
            sale_price,
            final_price: price,
            converted_final_price: price,
            required_meta: [],
            optional_meta: [],
            is_pickup_point_shipment_allowed: true,
        }),
    })
}

#[derive(Serialize)]
struct Orders<'a> {
    orders: Vec<OrderJson<'a>>,
}

/// `GET /api/v3/orders/new`: every FBS order still waiting for the seller.
pub(super) async fn new_orders(State(app): AppState) -> Response {
    let data = app.seller.read();
    let orders = data
        .wb_fbs
        .iter()
        .filter(|order| {
            order.life.status() == "new" && !matches!(order.life.substatus(), "declined_by_client")
        })
        .filter_map(|order| order_json(&data, order, true))
        .collect();
    json_response(&Orders { orders })
}

#[derive(Serialize)]
struct OrdersPage<'a> {
    next: u64,
    orders: Vec<OrderJson<'a>>,
}

fn unix_param(query: &HashMap<String, String>, name: &str) -> Result<Option<DateTime<Utc>>, ()> {
    match query.get(name) {
        None => Ok(None),
        Some(value) => value
            .parse::<i64>()
            .ok()
            .and_then(|seconds| DateTime::from_timestamp(seconds, 0))
            .map(Some)
            .ok_or(()),
    }
}

/// `GET /api/v3/orders?limit&next&dateFrom&dateTo`: FBS orders created in the window
/// (at most 30 days), by id; `next` is the last id served, 0 on an empty page.
pub(super) async fn orders(State(app): AppState, uri: Uri) -> Response {
    let Ok(Query(query)) = Query::<HashMap<String, String>>::try_from_uri(&uri) else {
        return incorrect_parameter();
    };
    let limit = query
        .get("limit")
        .and_then(|value| value.parse::<usize>().ok());
    let next = query
        .get("next")
        .and_then(|value| value.parse::<u64>().ok());
    let (Some(limit @ 1..=1000), Some(next)) = (limit, next) else {
        return incorrect_parameter();
    };
    let now = Utc::now();
    let (Ok(from), Ok(to)) = (unix_param(&query, "dateFrom"), unix_param(&query, "dateTo")) else {
        return incorrect_parameter();
    };
    let to = to.unwrap_or(now);
    let from = from.unwrap_or(to - MAX_WINDOW);
    if from > to || to - from > MAX_WINDOW {
        return incorrect_parameter();
    }
    let data = app.seller.read();
    let start = data.wb_fbs.partition_point(|order| order.id <= next);
    let orders: Vec<OrderJson<'_>> = data.wb_fbs[start..]
        .iter()
        .filter(|order| (from..=to).contains(&order.life.created_at))
        .filter_map(|order| order_json(&data, order, false))
        .take(limit)
        .collect();
    let next = orders.last().map_or(0, |order| order.id);
    json_response(&OrdersPage { next, orders })
}

#[derive(Deserialize)]
struct StatusRequest {
    orders: Vec<u64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Status<'a> {
    id: u64,
    supplier_status: &'a str,
    wb_status: &'a str,
    is_cancellable: bool,
}

#[derive(Serialize)]
struct Statuses<'a> {
    orders: Vec<Status<'a>>,
}

/// `POST /api/v3/orders/status` with 1..1000 ids; unknown ids are left out.
pub(super) async fn statuses(State(app): AppState, body: Bytes) -> Response {
    let Ok(request) = serde_json::from_slice::<StatusRequest>(&body) else {
        return incorrect_body();
    };
    if request.orders.is_empty() || request.orders.len() > MAX_IDS {
        return service_error(
            StatusCode::BAD_REQUEST,
            "IncorrectRequest",
            "Переданы некорректные данные",
        );
    }
    let data = app.seller.read();
    let orders = request
        .orders
        .iter()
        .filter_map(|&id| data.wb_fbs_by_id(id))
        .map(|order| {
            let (status, wb_status) = (order.life.status(), order.life.substatus());
            Status {
                id: order.id,
                supplier_status: app.faults.status(status),
                wb_status: app.faults.status(wb_status),
                is_cancellable: matches!(status, "new" | "confirm") && wb_status == "waiting",
            }
        })
        .collect();
    json_response(&Statuses { orders })
}
