//! returns-api: `GET /api/v1/claims`, the last 14 days' claims, open (`is_archive=false`) or
//! decided (`true`), newest first, paged by `limit` (≤ 200) and `offset`.

use std::collections::HashMap;

use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::{AppState, MOSCOW, request_id};
use crate::seller::{Marketplace, Return, SellerData, WB_CLAIM_DAYS};

const MAX_LIMIT: usize = 200;

/// The 400 of this API: `application/problem+json` with `title`, `detail`, `requestId`.
fn invalid_query(detail: &str) -> Response {
    let body =
        json!({"title": "Invalid query params", "detail": detail, "requestId": request_id()});
    (
        StatusCode::BAD_REQUEST,
        [(axum::http::header::CONTENT_TYPE, "application/problem+json")],
        body.to_string(),
    )
        .into_response()
}

/// Moscow time without an offset, with microseconds, as this API writes it.
fn moscow(time: DateTime<Utc>) -> String {
    time.with_timezone(&MOSCOW)
        .format("%Y-%m-%dT%H:%M:%S%.6f")
        .to_string()
}

fn claim_json(data: &SellerData, claim: &Return) -> Value {
    let (status, status_ex, comment) = claim.stage.wb();
    let product = data.products.get(claim.product);
    let nm_id = product
        .and_then(|p| p.wb.as_ref())
        .map_or(0, |card| card.nm_id);
    let actions: &[&str] = if claim.stage.decided() {
        &[]
    } else {
        &["approve1", "approve2", "autorefund1", "rejectcustom"]
    };
    json!({
        "id": claim.wb_id(),
        "claim_type": 1,
        "status": status,
        "status_ex": status_ex,
        "nm_id": nm_id,
        "user_comment": claim.reason,
        "wb_comment": comment,
        "dt": moscow(claim.opened_at),
        "imt_name": product.map(|p| p.title.as_str()),
        "order_dt": moscow(claim.opened_at - Duration::days(5)),
        "dt_update": moscow(claim.changed_at),
        "photos": [format!("//photos.wbstatic.net/claim/{}/1.webp", claim.wb_id())],
        "video_paths": [],
        "actions": actions,
        "price": claim.price,
        "currency_code": "643",
        "srid": claim.order_ref,
    })
}

pub(super) async fn claims(State(app): AppState, uri: Uri) -> Response {
    let query = Query::<HashMap<String, String>>::try_from_uri(&uri)
        .map(|Query(query)| query)
        .unwrap_or_default();
    let archive = match query.get("is_archive").map(String::as_str) {
        Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return invalid_query(&format!(
                "Failed to deserialize query string: is_archive: provided string was not `true` or `false`: {other}"
            ));
        }
        None => {
            return invalid_query("Failed to deserialize query string: missing field `is_archive`");
        }
    };
    let number = |name: &str, default: usize| match query.get(name) {
        Some(text) => text.parse::<usize>().map_err(|_| {
            format!("Failed to deserialize query string: {name}: invalid digit found in string")
        }),
        None => Ok(default),
    };
    let (limit, offset) = match (number("limit", 50), number("offset", 0)) {
        (Ok(limit), Ok(offset)) => (limit, offset),
        (Err(detail), _) | (_, Err(detail)) => return invalid_query(&detail),
    };
    if limit == 0 || limit > MAX_LIMIT {
        return invalid_query("limit: must be between 1 and 200");
    }
    let since = Utc::now() - Duration::days(WB_CLAIM_DAYS);
    let data = app.seller.read();
    let mut matching: Vec<&Return> = data
        .returns
        .iter()
        .filter(|r| r.market == Marketplace::Wb && r.opened_at >= since)
        .filter(|r| r.stage.decided() == archive)
        .filter(|r| query.get("id").is_none_or(|id| *id == r.wb_id()))
        .collect();
    matching.sort_by_key(|r| std::cmp::Reverse((r.opened_at, r.id)));
    let total = matching.len();
    let page: Vec<Value> = matching
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|claim| claim_json(&data, claim))
        .collect();
    axum::Json(json!({"claims": page, "total": total})).into_response()
}
