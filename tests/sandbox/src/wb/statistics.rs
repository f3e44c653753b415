//! `GET /api/v1/supplier/orders`: every WB order (FBS from the seller's warehouse and FBW from
//! WB's) as statistics rows in Moscow time, paged by `lastChangeDate` — the only source of FBW
//! orders.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use serde::Serialize;
use serde_json::{Value, json};

use super::{AppState, MOSCOW, json_response};
use crate::seller::{CITIES, SELLER_WAREHOUSES, SellerData, WB_WAREHOUSES, WbOrder};

const NOT_CANCELLED: &str = "0001-01-01T00:00:00";

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Row<'a> {
    date: String,
    last_change_date: String,
    warehouse_name: &'a str,
    warehouse_type: &'static str,
    country_name: &'static str,
    oblast_okrug_name: &'static str,
    region_name: &'static str,
    supplier_article: &'a str,
    nm_id: u64,
    barcode: String,
    category: &'static str,
    subject: &'static str,
    brand: &'static str,
    tech_size: &'static str,
    #[serde(rename = "incomeID")]
    income_id: u64,
    is_supply: bool,
    is_realization: bool,
    total_price: u32,
    discount_percent: u32,
    spp: u32,
    finished_price: u32,
    price_with_disc: u32,
    is_cancel: bool,
    cancel_date: String,
    sticker: String,
    g_number: String,
    srid: String,
}

fn moscow(time: DateTime<Utc>) -> String {
    time.with_timezone(&MOSCOW)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

fn row<'a>(data: &'a SellerData, order: &WbOrder) -> Option<Row<'a>> {
    let product = data.products.get(order.product)?;
    let card = product.wb.as_ref()?;
    let size = product.sizes.get(order.size)?;
    let city = CITIES.get(order.city)?;
    let (warehouse_name, warehouse_type) = if order.fbw {
        (*WB_WAREHOUSES.get(order.warehouse)?, "Склад WB")
    } else {
        (SELLER_WAREHOUSES[0].name, "Склад продавца")
    };
    let cancelled = order.is_cancelled();
    let price_with_disc = product.sale_price();
    Some(Row {
        date: moscow(order.life.created_at),
        last_change_date: moscow(order.life.changed_at),
        warehouse_name,
        warehouse_type,
        country_name: "Россия",
        oblast_okrug_name: city.okrug,
        region_name: city.region,
        supplier_article: &product.vendor_code,
        nm_id: card.nm_id,
        barcode: size.barcode.to_string(),
        category: product.category.parent,
        subject: product.category.subject,
        brand: product.brand,
        tech_size: size.tech,
        income_id: if order.fbw {
            50_000_000 + (order.key % 9_000_000) as u64
        } else {
            0
        },
        is_supply: false,
        is_realization: true,
        total_price: product.price,
        discount_percent: product.discount,
        spp: order.spp,
        finished_price: price_with_disc * (100 - order.spp) / 100,
        price_with_disc,
        is_cancel: cancelled,
        cancel_date: if cancelled {
            format!(
                "{}T00:00:00",
                order
                    .life
                    .changed_at
                    .with_timezone(&MOSCOW)
                    .format("%Y-%m-%d")
            )
        } else {
            NOT_CANCELLED.to_owned()
        },
        sticker: order.sticker(),
        g_number: order.g_number(),
        srid: order.srid(),
    })
}

fn error(errors: Value) -> Response {
    (
        StatusCode::BAD_REQUEST,
        axum::Json(json!({ "errors": errors })),
    )
        .into_response()
}

/// `dateFrom` as WB reads it: a date or a date-time in Moscow time; an explicit offset is
/// honoured.
fn parse_date_from(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.with_timezone(&Utc));
    }
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M"))
        .ok()
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%Y-%m-%d")
                .ok()
                .and_then(|date| date.and_hms_opt(0, 0, 0))
        })?;
    MOSCOW
        .from_local_datetime(&naive)
        .single()
        .map(|time| time.with_timezone(&Utc))
}

/// `flag=0`: rows with `lastChangeDate >= dateFrom`, oldest change first, at most `page_cap`
/// (the next call starts at the last row's `lastChangeDate`, so boundary rows repeat as on
/// WB); `flag=1`: every row whose `date` falls on `dateFrom`'s Moscow day.
pub(super) async fn orders(State(app): AppState, uri: Uri) -> Response {
    let query = Query::<HashMap<String, String>>::try_from_uri(&uri)
        .map(|Query(query)| query)
        .unwrap_or_default();
    let Some(date_from) = query.get("dateFrom").filter(|value| !value.is_empty()) else {
        return error(json!(["dateFrom: field required"]));
    };
    let Some(from) = parse_date_from(date_from) else {
        return error(json!("dateFrom: Value not validated"));
    };
    let by_day = match query.get("flag").map(String::as_str) {
        None | Some("" | "0") => false,
        Some("1") => true,
        Some(_) => return error(json!("flag: Value not validated")),
    };
    let data = app.seller.read();
    let all = data.wb_fbs.iter().chain(&data.wb_fbw);
    let mut orders: Vec<&WbOrder> = if by_day {
        let day = from.with_timezone(&MOSCOW).date_naive();
        all.filter(|order| order.life.created_at.with_timezone(&MOSCOW).date_naive() == day)
            .collect()
    } else {
        all.filter(|order| order.life.changed_at >= from).collect()
    };
    if by_day {
        orders.sort_by_key(|order| (order.life.created_at, order.fbw, order.id));
    } else {
        orders.sort_by_key(|order| (order.life.changed_at, order.fbw, order.id));
        orders.truncate(app.options.page_cap);
    }
    let rows: Vec<Row<'_>> = orders
        .into_iter()
        .filter_map(|order| row(&data, order))
        .collect();
    json_response(&rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_from_is_moscow_time() {
        let expected = DateTime::from_timestamp(1_561_064_399, 0);
        assert_eq!(parse_date_from("2019-06-20T23:59:59"), expected);
        assert_eq!(parse_date_from("2019-06-20T20:59:59Z"), expected);
        assert_eq!(
            parse_date_from("2019-06-20"),
            DateTime::from_timestamp(1_560_978_000, 0)
        );
        assert!(parse_date_from("2019-06-20T00:00:00.12345").is_some());
        assert_eq!(parse_date_from("yesterday"), None);
    }
}
