//! FBS and FBO postings: the v4 FBS list (with the `last_changed_status_date` filter of
//! incremental sync), the v3 FBO list (creation window only), and FBS posting by number.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{AppState, OzonApp, RpcError, bad_request, parse, timestamp};
use crate::seller::{
    CITIES, Cancellation, DEFAULT_CANCELLATION, OZON_DELIVERY_METHOD, OZON_FBO_WAREHOUSES,
    OZON_FBS_WAREHOUSE, OZON_FBS_WAREHOUSE_ID, PAYMENT_TYPES, Posting, SellerData,
    parse_posting_number,
};

/// Ozon refuses windows longer than a year with `PERIOD_IS_TOO_LONG`.
const MAX_PERIOD: Duration = Duration::days(365);
const MAX_LIMIT: i64 = 100;
/// The retired v3 list allowed 1000 per page.
const LEGACY_MAX_LIMIT: i64 = 1000;

#[derive(Deserialize, Default)]
#[serde(default)]
struct Period {
    from: Option<String>,
    to: Option<String>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListFilter {
    since: Option<String>,
    to: Option<String>,
    last_changed_status_date: Option<Period>,
    statuses: Vec<String>,
    /// v3 spelling of `statuses`.
    status: String,
    order_numbers: Vec<String>,
    posting_numbers: Vec<String>,
}

#[derive(Deserialize, Default, Clone, Copy)]
#[serde(default)]
struct With {
    analytics_data: bool,
    financial_data: bool,
    barcodes: bool,
    related_postings: bool,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListRequest {
    filter: ListFilter,
    limit: i64,
    cursor: String,
    sort_dir: String,
    /// v3 spelling of `sort_dir`.
    dir: String,
    /// v3 paging, honoured so legacy-shaped clients can page.
    offset: usize,
    with: With,
}

/// How product prices and the envelope look.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// `{"amount":"2490.00","currency":"RUB"}`.
    Current,
    /// `"2490.000000"` plus `currency_code`.
    Legacy,
    /// `"2490.0000"` plus `currency_code` (`/v3/posting/fbs/get`).
    Get,
}

/// Sort key of the posting lists.
type Key = (DateTime<Utc>, u64);

fn key(posting: &Posting) -> Key {
    (posting.in_process_at(), posting.id)
}

fn encode_cursor(fbo: bool, ascending: bool, key: Key) -> String {
    let (table, dir) = (
        if fbo { "p" } else { "osp" },
        if ascending { "asc" } else { "desc" },
    );
    let fields = json!({"fields": [
        {"name": format!("{table}.in_process_at"), "dir": dir, "val": timestamp(key.0)},
        {"name": format!("{table}.id"), "dir": dir, "val": key.1.to_string()},
    ]});
    STANDARD.encode(fields.to_string())
}

fn decode_cursor(cursor: &str) -> Option<Key> {
    let bytes = STANDARD.decode(cursor).ok()?;
    let value: Value = serde_json::from_slice(&bytes).ok()?;
    let fields = value.get("fields")?.as_array()?;
    let time = fields.first()?.get("val")?.as_str()?;
    let id = fields.get(1)?.get("val")?.as_str()?.parse().ok()?;
    let time = DateTime::parse_from_rfc3339(time).ok()?.with_timezone(&Utc);
    Some((time, id))
}

fn parse_time(text: Option<&str>, name: &str) -> Result<Option<DateTime<Utc>>, RpcError> {
    text.filter(|text| !text.is_empty())
        .map(|text| {
            DateTime::parse_from_rfc3339(text)
                .map(|time| time.with_timezone(&Utc))
                .map_err(|_| bad_request(&format!("invalid request: {name}: invalid date-time")))
        })
        .transpose()
}

fn money(amount: u32, shape: Shape) -> (Value, Option<&'static str>) {
    match shape {
        Shape::Current => (
            json!({"amount": format!("{amount}.00"), "currency": "RUB"}),
            None,
        ),
        Shape::Legacy => (json!(format!("{amount}.000000")), Some("RUB")),
        Shape::Get => (json!(format!("{amount}.0000")), Some("RUB")),
    }
}

fn object(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn cancellation(posting: &Posting) -> Option<&'static Cancellation> {
    (posting.life.status() == "cancelled").then(|| {
        posting
            .life
            .track
            .cancellation
            .unwrap_or(DEFAULT_CANCELLATION)
    })
}

/// A posting in the shape of the v4 FBS / v3 FBO list, or of `/v3/posting/fbs/get`.
fn posting_json(
    app: &OzonApp,
    data: &SellerData,
    posting: &Posting,
    shape: Shape,
    with: With,
) -> Option<Value> {
    let product = data.products.get(posting.product)?;
    let item = product.ozon.as_ref()?;
    let city = CITIES.get(posting.city)?;
    let life = &posting.life;
    let (status, substatus) = (life.status(), life.substatus());
    let price = product.sale_price();
    let (price_value, currency_code) = money(price, shape);
    let mut line = object(json!({
        "sku": item.sku,
        "offer_id": product.vendor_code,
        "name": product.title,
        "quantity": posting.quantity,
        "price": price_value,
        "is_marketplace_buyout": false,
    }));
    if let Some(currency) = currency_code {
        line.insert("currency_code".to_owned(), json!(currency));
    }
    if posting.fbo {
        line.insert("digital_codes".to_owned(), json!([]));
    } else {
        line.insert("imei".to_owned(), json!([]));
        line.insert("is_blr_traceable".to_owned(), json!(false));
    }
    let created = life.created_at;
    let warehouse = OZON_FBO_WAREHOUSES.get(posting.warehouse)?;
    let analytics = with.analytics_data.then(|| {
        let mut analytics = object(json!({
            "city": city.name,
            "delivery_type": "PVZ",
            "client_delivery_date_begin": timestamp(created + Duration::days(3)),
            "client_delivery_date_end": timestamp(created + Duration::days(5)),
            "is_premium": posting.id.is_multiple_of(4),
            "is_legal": false,
            "payment_type_group_name": PAYMENT_TYPES[posting.id as usize % PAYMENT_TYPES.len()],
        }));
        let extra = if posting.fbo {
            json!({"warehouse_id": warehouse.0, "warehouse_name": warehouse.1})
        } else {
            json!({
                "delivery_date_begin": timestamp(created + Duration::days(3)),
                "delivery_date_end": timestamp(created + Duration::days(5)),
                "region": city.region,
                "tpl_provider": "Доставка Ozon",
                "tpl_provider_id": 24,
                "warehouse": OZON_FBS_WAREHOUSE,
                "warehouse_id": OZON_FBS_WAREHOUSE_ID,
            })
        };
        analytics.extend(object(extra));
        Value::Object(analytics)
    });
    let financial = with.financial_data.then(|| {
        let old_price = product.price;
        json!({
            "cluster_from": if posting.fbo { warehouse.1 } else { "Москва" },
            "cluster_to": city.name,
            "products": [{
                "actions": [],
                "commission": {"amount": price * 15 / 100, "currency": "RUB", "percent": 15},
                "customer_price": {"amount": format!("{price}.00"), "currency": "RUB"},
                "old_price": old_price,
                "payout": price - price * 15 / 100,
                "price": price,
                "product_id": item.sku,
                "quantity": posting.quantity,
                "total_discount_percent": product.discount,
                "total_discount_value": old_price - price,
            }],
        })
    });
    let cancelled = cancellation(posting);
    let mut json = object(json!({
        "posting_number": posting.posting_number(),
        "order_id": posting.order_id,
        "order_number": posting.order_number(),
        "status": app.faults.status(status),
        "substatus": app.faults.status(substatus),
        "in_process_at": timestamp(posting.in_process_at()),
        "products": [line],
        "analytics_data": analytics,
        "financial_data": financial,
        "legal_info": null,
        "external_order": {"is_external": false, "platform_name": ""},
    }));
    if posting.fbo {
        json.extend(object(json!({
            "created_at": timestamp(created),
            "cancel_reason_id": cancelled.map_or(0, |reason| reason.reason_id),
            "cancellation": cancelled.map(|reason| json!({
                "cancel_reason": reason.reason,
                "cancellation_initiator": reason.initiator,
                "cancellation_type": reason.kind,
            })),
            "additional_data": [],
        })));
        return Some(Value::Object(json));
    }
    let delivering = matches!(status, "delivering" | "delivered")
        .then(|| timestamp((created + Duration::hours(36)).min(life.changed_at)));
    let actions: &[&str] = match status {
        "awaiting_packaging" => &["pack", "cancel"],
        "awaiting_deliver" => &["ship", "cancel"],
        _ => &[],
    };
    let barcode = format!("{}{:06}", posting.order_id % 1_000_000_000, posting.part);
    json.extend(object(json!({
        "delivery_schema": "fbs",
        "shipment_date": timestamp(created + Duration::days(1)),
        "shipment_date_without_delay": timestamp(created + Duration::days(1)),
        "delivering_date": delivering,
        "tracking_number": "",
        "tpl_integration_type": "ozon",
        "delivery_method": {
            "id": OZON_FBS_WAREHOUSE_ID,
            "name": OZON_DELIVERY_METHOD,
            "tpl_provider": "Доставка Ozon",
            "tpl_provider_id": 24,
            "warehouse": OZON_FBS_WAREHOUSE,
            "warehouse_id": OZON_FBS_WAREHOUSE_ID,
        },
        "cancellation": {
            "cancel_reason_id": cancelled.map_or(0, |reason| reason.reason_id),
            "cancel_reason": cancelled.map_or("", |reason| reason.reason),
            "cancellation_type": cancelled.map_or("", |reason| reason.kind),
            "cancellation_initiator": cancelled.map_or("", |reason| reason.initiator),
            "cancelled_after_ship": cancelled.is_some_and(|reason| reason.after_ship),
            "affect_cancellation_rating": cancelled.is_some_and(|reason| reason.affects_rating),
        },
        "customer": null,
        "addressee": null,
        "barcodes": with.barcodes.then(|| json!({"lower_barcode": barcode, "upper_barcode": barcode})),
        "available_actions": actions,
        "is_express": false,
        "is_multibox": false,
        "multi_box_qty": 1,
        "parent_posting_number": "",
        "is_presortable": true,
        "is_click_and_collect": false,
        "pickup_code_verified_at": null,
        "requirements": {
            "products_requiring_change_country": [],
            "products_requiring_country": [],
            "products_requiring_gtd": [],
            "products_requiring_imei": [],
            "products_requiring_jw_uin": [],
            "products_requiring_mandatory_mark": [],
            "products_requiring_rnpt": [],
        },
        "optional": {"products_with_possible_mandatory_mark": []},
    })));
    if shape == Shape::Get {
        let previous = life
            .step
            .checked_sub(1)
            .and_then(|step| life.track.stages.get(step))
            .map_or("", |stage| stage.substatus);
        json.extend(object(json!({
            "previous_substatus": app.faults.status(previous),
            "provider_status": "",
            "delivery_price": "",
            "fact_delivery_date": (status == "delivered").then(|| timestamp(life.changed_at)),
            "courier": null,
            "related_postings": with.related_postings.then(|| json!({"related_posting_numbers": []})),
            "product_exemplars": null,
            "additional_data": [],
        })));
    }
    Some(Value::Object(json))
}

/// A time range whose ends may be open.
type Range = (Option<DateTime<Utc>>, Option<DateTime<Utc>>);

/// A validated list request.
struct Query {
    since: DateTime<Utc>,
    to: DateTime<Utc>,
    changed: Option<Range>,
    statuses: Vec<String>,
    ascending: bool,
    after: Option<Key>,
    limit: usize,
}

fn validate(request: &ListRequest, legacy: bool, fbo: bool) -> Result<Query, RpcError> {
    let filter = &request.filter;
    let since = parse_time(filter.since.as_deref(), "filter.since")?;
    let to = parse_time(filter.to.as_deref(), "filter.to")?;
    let (Some(since), Some(to)) = (since, to) else {
        return Err(bad_request(
            "invalid request: filter.since and filter.to are required",
        ));
    };
    if since > to {
        return Err(bad_request("filter.since must not be after filter.to"));
    }
    if to - since > MAX_PERIOD {
        return Err(bad_request("PERIOD_IS_TOO_LONG"));
    }
    let max = if legacy { LEGACY_MAX_LIMIT } else { MAX_LIMIT };
    if !(1..=max).contains(&request.limit) {
        return Err(bad_request(&format!(
            "invalid request: limit must be from 1 to {max}"
        )));
    }
    let changed = match (&filter.last_changed_status_date, fbo) {
        (Some(period), false) => Some((
            parse_time(period.from.as_deref(), "last_changed_status_date.from")?,
            parse_time(period.to.as_deref(), "last_changed_status_date.to")?,
        )),
        _ => None,
    };
    let direction = if request.sort_dir.is_empty() {
        &request.dir
    } else {
        &request.sort_dir
    };
    let ascending = match direction.to_ascii_uppercase().as_str() {
        "" | "ASC" => true,
        "DESC" => false,
        _ => return Err(bad_request("invalid request: sort_dir must be ASC or DESC")),
    };
    let after = if request.cursor.is_empty() {
        None
    } else {
        Some(decode_cursor(&request.cursor).ok_or_else(|| bad_request("invalid cursor"))?)
    };
    let mut statuses = filter.statuses.clone();
    if !filter.status.is_empty() {
        statuses.push(filter.status.clone());
    }
    Ok(Query {
        since,
        to,
        changed,
        statuses,
        ascending,
        after,
        limit: request.limit as usize,
    })
}

impl Query {
    fn matches(&self, filter: &ListFilter, posting: &Posting) -> bool {
        let life = &posting.life;
        let changed_ok = self.changed.is_none_or(|(from, to)| {
            from.is_none_or(|from| life.changed_at >= from)
                && to.is_none_or(|to| life.changed_at <= to)
        });
        changed_ok
            && (self.statuses.is_empty()
                || self.statuses.iter().any(|status| status == life.status()))
            && (filter.order_numbers.is_empty()
                || filter.order_numbers.contains(&posting.order_number()))
            && (filter.posting_numbers.is_empty()
                || filter.posting_numbers.contains(&posting.posting_number()))
    }
}

/// One page of a posting list: those in the window after the cursor, plus whether more exist.
fn page<'a>(
    postings: &'a [Posting],
    query: &Query,
    filter: &ListFilter,
    offset: usize,
) -> (Vec<&'a Posting>, bool) {
    let low = postings.partition_point(|posting| posting.in_process_at() < query.since);
    let high = postings.partition_point(|posting| posting.in_process_at() <= query.to);
    let window = &postings[low..high.max(low)];
    let candidates: Box<dyn Iterator<Item = &Posting>> = match (query.after, query.ascending) {
        (None, true) => Box::new(window.iter()),
        (None, false) => Box::new(window.iter().rev()),
        (Some(after), true) => {
            let start = window.partition_point(|posting| key(posting) <= after);
            Box::new(window[start..].iter())
        }
        (Some(after), false) => {
            let end = window.partition_point(|posting| key(posting) < after);
            Box::new(window[..end].iter().rev())
        }
    };
    let mut found: Vec<&Posting> = candidates
        .filter(|posting| query.matches(filter, posting))
        .skip(offset)
        .take(query.limit + 1)
        .collect();
    let has_next = found.len() > query.limit;
    found.truncate(query.limit);
    (found, has_next)
}

fn list(app: &OzonApp, body: &[u8], fbo: bool) -> Result<Response, RpcError> {
    let request: ListRequest = parse(body)?;
    let legacy = app.options.legacy_shapes;
    let query = validate(&request, legacy, fbo)?;
    let data = app.seller.read();
    let all = if fbo { &data.ozon_fbo } else { &data.ozon_fbs };
    let (found, has_next) = page(all, &query, &request.filter, request.offset);
    let shape = if legacy {
        Shape::Legacy
    } else {
        Shape::Current
    };
    let postings: Vec<Value> = found
        .iter()
        .filter_map(|posting| posting_json(app, &data, posting, shape, request.with))
        .collect();
    let body = match (legacy, fbo) {
        (true, false) => json!({"result": {"postings": postings, "has_next": has_next}}),
        (true, true) => json!({ "result": postings }),
        (false, _) => json!({
            "cursor": found
                .last()
                .map_or_else(String::new, |posting| encode_cursor(fbo, query.ascending, key(posting))),
            "has_next": has_next,
            "postings": postings,
        }),
    };
    Ok(axum::Json(body).into_response())
}

/// `POST /v4/posting/fbs/list`: `filter.since`/`filter.to` (by `in_process_at`, at most a
/// year) are required; `last_changed_status_date`, `statuses`, `order_numbers` narrow it;
/// `limit` 1..100; the opaque `cursor` continues after the last posting of the previous page,
/// in `sort_dir` order; stop when `has_next` is false.
pub(super) async fn fbs_list(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    list(&app, &body, false)
}

/// `POST /v3/posting/fbo/list`: like the FBS list but by creation window only.
pub(super) async fn fbo_list(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    list(&app, &body, true)
}

#[derive(Deserialize)]
struct GetRequest {
    posting_number: String,
    #[serde(default)]
    with: With,
}

/// `POST /v3/posting/fbs/get` → `{"result":{…}}` (prices as strings, as v3 still has them).
pub(super) async fn fbs_get(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    let request: GetRequest = parse(&body)?;
    let data = app.seller.read();
    let posting = parse_posting_number(request.posting_number.trim()).and_then(|number| {
        data.ozon_fbs
            .iter()
            .find(|posting| (posting.customer, posting.seq, posting.part) == number)
    });
    match posting.and_then(|posting| posting_json(&app, &data, posting, Shape::Get, request.with)) {
        Some(result) => Ok(axum::Json(json!({ "result": result })).into_response()),
        None => Err(RpcError::new(StatusCode::NOT_FOUND, 5, "Posting not found")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let time = DateTime::from_timestamp(1_767_000_000, 0).unwrap_or_default();
        let cursor = encode_cursor(false, true, (time, 42));
        assert_eq!(decode_cursor(&cursor), Some((time, 42)));
        assert_eq!(decode_cursor("bm9wZQ=="), None);
    }
}
