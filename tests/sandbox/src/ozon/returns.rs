//! `POST /v1/returns/list`: FBO and FBS returns by `last_id`, up to 500 a page, filtered by at
//! most one time range (`visual_status_change_moment` or `logistic_return_date`) and posting
//! numbers (≤ 50). Ids go out as strings, as the spec's example has them.

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{AppState, RpcError, bad_request, parse, timestamp};
use crate::seller::{Marketplace, Return, SellerData};

const MAX_LIMIT: i64 = 500;
const MAX_POSTINGS: usize = 50;

#[derive(Deserialize)]
struct Range {
    time_from: DateTime<Utc>,
    time_to: DateTime<Utc>,
}

impl Range {
    fn contains(&self, time: DateTime<Utc>) -> bool {
        self.time_from <= time && time <= self.time_to
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Filter {
    visual_status_change_moment: Option<Range>,
    logistic_return_date: Option<Range>,
    storage_tariffication_start_date: Option<Range>,
    posting_numbers: Vec<String>,
}

#[derive(Deserialize)]
struct ListRequest {
    #[serde(default)]
    filter: Filter,
    limit: Option<i64>,
    #[serde(default)]
    last_id: i64,
}

fn return_json(data: &SellerData, item: &Return) -> Value {
    let (status_id, sys_name, display_name) = item.stage.ozon();
    let product = data.products.get(item.product);
    let ozon = product.and_then(|p| p.ozon.as_ref());
    let order_number = item
        .order_ref
        .rsplit_once('-')
        .map_or("", |(order, _)| order);
    let returned = item.stage.decided().then(|| timestamp(item.changed_at));
    json!({
        "exemplars": [{"id": (item.id * 1_000_003).to_string()}],
        "id": item.id.to_string(),
        "company_id": "3058",
        "return_reason_name": item.reason,
        "type": "ClientReturn",
        "schema": "Fbs",
        "order_id": (item.id + 23_000_000_000).to_string(),
        "order_number": order_number,
        "posting_number": item.order_ref,
        "product": {
            "sku": ozon.map_or(0, |o| o.sku).to_string(),
            "offer_id": product.map(|p| p.vendor_code.as_str()),
            "name": product.map(|p| p.title.as_str()),
            "price": {"currency_code": "RUB", "price": item.price.to_string()},
            "quantity": 1,
        },
        "visual": {
            "status": {"id": status_id, "display_name": display_name, "sys_name": sys_name},
            "change_moment": timestamp(item.changed_at),
        },
        "logistic": {"return_date": returned, "final_moment": null, "barcode": format!("ii{}", item.id)},
        "place": null,
        "additional_info": {"is_opened": false, "is_super_econom": false},
        "source_id": item.id.to_string(),
        "clearing_id": null,
        "return_clearing_id": null,
        "compensation_status": null,
    })
}

pub(super) async fn list(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    let request: ListRequest = parse(&body)?;
    let limit = request
        .limit
        .ok_or_else(|| bad_request("invalid request: limit is required"))?;
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(bad_request(
            "invalid ListReturnsRequest.Limit: value must be inside range [1, 500]",
        ));
    }
    let filter = &request.filter;
    let ranges = [
        filter.visual_status_change_moment.is_some(),
        filter.logistic_return_date.is_some(),
        filter.storage_tariffication_start_date.is_some(),
    ];
    if ranges.iter().filter(|&&set| set).count() > 1 {
        return Err(bad_request("only one of the date filters can be set"));
    }
    if filter.posting_numbers.len() > MAX_POSTINGS {
        return Err(bad_request("invalid request: at most 50 posting numbers"));
    }
    let data = app.seller.read();
    let matching: Vec<&Return> = data
        .returns
        .iter()
        .filter(|r| {
            r.market == Marketplace::Ozon && r.id > u64::try_from(request.last_id).unwrap_or(0)
        })
        .filter(|r| {
            filter
                .visual_status_change_moment
                .as_ref()
                .is_none_or(|range| range.contains(r.changed_at))
        })
        .filter(|r| {
            filter
                .logistic_return_date
                .as_ref()
                .is_none_or(|range| r.stage.decided() && range.contains(r.changed_at))
        })
        .filter(|r| {
            filter.posting_numbers.is_empty() || filter.posting_numbers.contains(&r.order_ref)
        })
        .collect();
    let limit = usize::try_from(limit).unwrap_or(1);
    let has_next = matching.len() > limit;
    let returns: Vec<Value> = matching
        .into_iter()
        .take(limit)
        .map(|item| return_json(&data, item))
        .collect();
    Ok(axum::Json(json!({"returns": returns, "has_next": has_next})).into_response())
}
