//! The Wildberries recipe (`marketplaces.md` §4). Four passes run side by side, each under
//! its own API family's limit: FBS orders with their statuses (marketplace API), FBW orders
//! (statistics API), cards with stock (content + marketplace APIs), and return claims.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDateTime, Utc};
use chrono_tz::Europe::Moscow;
use otklik_db::catalogue::{SyncedOrder, SyncedProduct, SyncedStatus, SyncedStock};
use otklik_db::sync::Page;
use otklik_schema::SyncKind;
use serde_json::{Value, json};

use super::SyncError;
use super::pages::Pages;
use crate::marketplaces::wb::{
    Card, CardsCursor, FbsOrder, FbsStatus, STATUS_BATCH, STOCKS_BATCH, StatisticsOrder,
    WB_WAREHOUSE, WbClient, moscow_time,
};

/// How far back a full sync reads: WB keeps statistics 90 days and FBS lists older orders only
/// in its archive.
const HISTORY_DAYS: i64 = 90;
/// The longest window `/api/v3/orders` accepts.
const WINDOW_DAYS: i64 = 30;
/// An incremental sync re-lists orders created this recently (new ones, and any a previous run
/// missed).
const RECENT_DAYS: i64 = 2;
const ORDERS_PAGE: u32 = 1000;
const CONSISTENCY_SAMPLE: i64 = 50;
/// Products whose stock one stored page of the stock pass updates (a few sizes each, so a
/// page takes one or two stock requests per warehouse).
const PRODUCTS_PER_STOCK_PAGE: usize = 250;

const FBS_FULL: &str = "wb_fbs_full";
const STATISTICS: &str = "wb_statistics";
const CARDS_FULL: &str = "wb_cards_full";
const CARDS_WATERMARK: &str = "wb_cards";

pub(super) async fn sync(
    client: &WbClient,
    pages: &Pages<'_>,
    kind: SyncKind,
) -> Result<Option<Value>, SyncError> {
    let ((), fbw_read, (), ()) = tokio::try_join!(
        fbs_orders(client, pages, kind),
        fbw_orders(client, pages, kind),
        products(client, pages, kind),
        super::returns::wb(client, pages),
    )?;
    if kind == SyncKind::Incremental {
        return Ok(None);
    }
    consistency(client, pages, fbw_read).await.map(Some)
}

/// WB statuses that never change again.
fn settled(supplier: &str, wb: Option<&str>) -> bool {
    supplier == "cancel"
        || matches!(
            wb,
            Some(
                "sold"
                    | "canceled"
                    | "canceled_by_client"
                    | "declined_by_client"
                    | "defect"
                    | "canceled_by_carrier"
                    | "canceled_by_missed_call"
            )
        )
}

/// A status as stored: an order WB gives no seller status for yet is `new`.
fn synced(status: FbsStatus) -> SyncedStatus {
    let supplier = status.supplier_status.unwrap_or_else(|| "new".into());
    SyncedStatus {
        settled: settled(&supplier, status.wb_status.as_deref()),
        external_id: status.id,
        status: supplier,
        substatus: status.wb_status,
    }
}

/// Current statuses of these orders, by id, in as few requests as WB allows.
async fn live_statuses(
    client: &WbClient,
    ids: &[String],
) -> Result<HashMap<String, SyncedStatus>, SyncError> {
    let mut statuses = HashMap::with_capacity(ids.len());
    for chunk in ids.chunks(STATUS_BATCH) {
        for status in client.statuses(chunk).await? {
            statuses.insert(status.id.clone(), synced(status));
        }
    }
    Ok(statuses)
}

fn fbs_row(order: &FbsOrder, status: Option<&SyncedStatus>, now: DateTime<Utc>) -> SyncedOrder {
    let new = || {
        synced(FbsStatus {
            id: order.id.clone(),
            supplier_status: None,
            wb_status: None,
        })
    };
    let status = status.cloned().unwrap_or_else(new);
    SyncedOrder {
        external_id: order.id.clone(),
        settled: status.settled,
        status: status.status,
        substatus: status.substatus,
        items: json!([{
            "article": order.nm_id, "vendor_code": order.article, "chrt_id": order.chrt_id, "quantity": 1
        }]),
        total_minor: order.converted_price.or(order.price),
        currency: "RUB".into(),
        details: json!({
            "fulfilment": "fbs", "rid": order.rid, "offices": order.offices,
            "warehouse_id": order.warehouse_id, "supply_id": order.supply_id,
        }),
        placed_at: order.created_at,
        changed_at: now,
    }
}

/// Lists of orders come without statuses: each page is completed with one status request.
async fn with_statuses(
    client: &WbClient,
    orders: &[FbsOrder],
) -> Result<Vec<SyncedOrder>, SyncError> {
    let ids: Vec<String> = orders.iter().map(|o| o.id.clone()).collect();
    let statuses = live_statuses(client, &ids).await?;
    let now = Utc::now();
    Ok(orders
        .iter()
        .map(|o| fbs_row(o, statuses.get(&o.id), now))
        .collect())
}

async fn fbs_orders(client: &WbClient, pages: &Pages<'_>, kind: SyncKind) -> Result<(), SyncError> {
    let now = Utc::now();
    match kind {
        SyncKind::Full => {
            let resume = pages.cursor(FBS_FULL).await?;
            let mut from = resume
                .as_ref()
                .and_then(|c| c["from"].as_i64())
                .and_then(|ts| DateTime::from_timestamp(ts, 0))
                .unwrap_or(now - Duration::days(HISTORY_DAYS));
            let mut next = resume
                .as_ref()
                .and_then(|c| c["next"].as_i64())
                .unwrap_or(0);
            while from < now {
                let to = (from + Duration::days(WINDOW_DAYS)).min(now);
                let page = client.orders_page(from, to, next, ORDERS_PAGE).await?;
                let done = page.orders.is_empty() || page.next == 0 || page.next == next;
                if done {
                    (from, next) = (to, 0);
                } else {
                    next = page.next;
                }
                let rows = with_statuses(client, &page.orders).await?;
                let cursor = json!({"from": from.timestamp(), "next": next});
                let cursor = (from < now).then_some(&cursor);
                pages
                    .store(
                        FBS_FULL,
                        rows.len(),
                        Page {
                            orders: &rows,
                            cursor: Some((FBS_FULL, cursor)),
                            ..Page::default()
                        },
                    )
                    .await?;
            }
        }
        SyncKind::Incremental => {
            let fresh = client.new_orders().await?;
            let rows = with_statuses(client, &fresh).await?;
            pages
                .store(
                    "wb_fbs_new",
                    rows.len(),
                    Page {
                        orders: &rows,
                        ..Page::default()
                    },
                )
                .await?;
            let mut next = 0;
            loop {
                let page = client
                    .orders_page(now - Duration::days(RECENT_DAYS), now, next, ORDERS_PAGE)
                    .await?;
                let rows = with_statuses(client, &page.orders).await?;
                pages
                    .store(
                        "wb_fbs_recent",
                        rows.len(),
                        Page {
                            orders: &rows,
                            ..Page::default()
                        },
                    )
                    .await?;
                if page.orders.is_empty() || page.next == 0 || page.next == next {
                    break;
                }
                next = page.next;
            }
        }
    }
    // Orders still on their way change status without appearing in any list: ask for them.
    let open = pages.open_orders("fbs").await?;
    for chunk in open.chunks(STATUS_BATCH) {
        let statuses: Vec<SyncedStatus> =
            live_statuses(client, chunk).await?.into_values().collect();
        pages
            .store(
                "wb_fbs_statuses",
                statuses.len(),
                Page {
                    statuses: &statuses,
                    ..Page::default()
                },
            )
            .await?;
    }
    Ok(())
}

fn fbw_row(row: &StatisticsOrder) -> SyncedOrder {
    SyncedOrder {
        external_id: row.srid.clone(),
        status: "fbw".into(),
        substatus: row.is_cancel.then(|| "canceled".into()),
        items: json!([{
            "article": row.nm_id, "vendor_code": row.supplier_article, "size": row.tech_size, "quantity": 1
        }]),
        total_minor: row.price_with_disc.map(|rub| (rub * 100.0).round() as i64),
        currency: "RUB".into(),
        details: json!({
            "fulfilment": "fbw", "warehouse": row.warehouse_name, "region": row.region_name, "g_number": row.g_number,
        }),
        placed_at: row.date.map(moscow_time),
        changed_at: moscow_time(row.last_change_date),
        settled: row.is_cancel,
    }
}

/// Orders from WB's warehouses, only the statistics API knows. Paged by `lastChangeDate`
/// (inclusive), so a page whose newest change is where it started is the last. Returns how
/// many distinct FBW orders were read.
async fn fbw_orders(
    client: &WbClient,
    pages: &Pages<'_>,
    kind: SyncKind,
) -> Result<usize, SyncError> {
    let start = Utc::now().with_timezone(&Moscow).naive_local() - Duration::days(HISTORY_DAYS);
    let stored = match kind {
        SyncKind::Full => None,
        SyncKind::Incremental => pages.cursor(STATISTICS).await?,
    };
    let mut since = stored
        .and_then(|c| {
            c["since"]
                .as_str()
                .and_then(|s| s.parse::<NaiveDateTime>().ok())
        })
        .unwrap_or(start);
    let mut seen = std::collections::HashSet::new();
    loop {
        let rows = client.statistics_orders(since).await?;
        let newest = rows
            .iter()
            .map(|r| r.last_change_date)
            .max()
            .unwrap_or(since);
        let orders: Vec<SyncedOrder> = rows
            .iter()
            .filter(|r| r.warehouse_type.as_deref() == Some(WB_WAREHOUSE))
            .map(fbw_row)
            .collect();
        seen.extend(orders.iter().map(|o| o.external_id.clone()));
        let cursor = json!({"since": newest.format("%Y-%m-%dT%H:%M:%S").to_string()});
        pages
            .store(
                STATISTICS,
                rows.len(),
                Page {
                    orders: &orders,
                    cursor: Some((STATISTICS, Some(&cursor))),
                    ..Page::default()
                },
            )
            .await?;
        if newest <= since {
            return Ok(seen.len());
        }
        since = newest;
    }
}

fn characteristic_text(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        Value::Array(items) => items
            .iter()
            .map(characteristic_text)
            .collect::<Vec<_>>()
            .join(", "),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// A card's sizes: `chrtId` (when WB gave one) and the size's name.
type Sizes = Vec<(Option<String>, String)>;

/// Stock by size (`chrtId`) over the seller's warehouses.
async fn stock_by_size(
    client: &WbClient,
    warehouses: &[String],
    chrt_ids: &[String],
) -> Result<HashMap<String, i64>, SyncError> {
    let mut stock = HashMap::new();
    for warehouse in warehouses {
        for chunk in chrt_ids.chunks(STOCKS_BATCH) {
            for row in client.stocks(warehouse, chunk).await? {
                *stock.entry(row.chrt_id).or_insert(0) += row.amount.max(0);
            }
        }
    }
    Ok(stock)
}

/// `[{"size","chrt_id","stock"}]` and the total, as the assistant reads sizes.
fn sizes_with_stock(sizes: &Sizes, stock: &HashMap<String, i64>) -> (Value, i32) {
    let mut total = 0i64;
    let rows: Vec<Value> = sizes
        .iter()
        .map(|(chrt, size)| {
            let amount = chrt
                .as_ref()
                .and_then(|c| stock.get(c))
                .copied()
                .unwrap_or(0);
            total += amount;
            json!({"size": size, "chrt_id": chrt, "stock": amount})
        })
        .collect();
    (Value::Array(rows), i32::try_from(total).unwrap_or(i32::MAX))
}

fn card_sizes(card: &Card) -> Sizes {
    card.sizes
        .iter()
        .map(|s| {
            let name = s
                .wb_size
                .clone()
                .filter(|w| !w.is_empty())
                .or_else(|| s.tech_size.clone())
                .unwrap_or_default();
            (s.chrt_id.clone(), name)
        })
        .collect()
}

fn product_row(card: &Card, stock: &HashMap<String, i64>) -> SyncedProduct {
    let (sizes, total) = sizes_with_stock(&card_sizes(card), stock);
    let characteristics: serde_json::Map<String, Value> = card
        .characteristics
        .iter()
        .filter(|c| !c.name.is_empty())
        .map(|c| (c.name.clone(), Value::String(characteristic_text(&c.value))))
        .collect();
    SyncedProduct {
        external_id: card.nm_id.clone(),
        vendor_code: card.vendor_code.clone(),
        title: card.title.clone(),
        brand: card.brand.clone(),
        price_minor: None,
        currency: "RUB".into(),
        stock: Some(total),
        attributes: json!({
            "characteristics": characteristics, "sizes": sizes, "subject": card.subject_name,
        }),
    }
}

async fn products(client: &WbClient, pages: &Pages<'_>, kind: SyncKind) -> Result<(), SyncError> {
    let warehouses: Vec<String> = client
        .warehouses()
        .await?
        .into_iter()
        .map(|w| w.id)
        .collect();
    let watermark = pages.cursor(CARDS_WATERMARK).await?.and_then(|c| {
        c["updated_at"]
            .as_str()
            .and_then(|t| t.parse::<DateTime<Utc>>().ok())
    });
    let mut after: Option<CardsCursor> = match kind {
        SyncKind::Full => pages
            .cursor(CARDS_FULL)
            .await?
            .and_then(|c| serde_json::from_value(c).ok()),
        SyncKind::Incremental => None,
    };
    let mut newest = watermark;
    loop {
        let page = client.cards_page(after.as_ref()).await?;
        // Newest first: an incremental walk stops at the first card it already has.
        let cards: Vec<&Card> = page
            .cards
            .iter()
            .take_while(|card| {
                kind == SyncKind::Full
                    || watermark.is_none_or(|w| card.updated_at.is_none_or(|u| u > w))
            })
            .collect();
        let reached_known = cards.len() < page.cards.len();
        newest = newest.max(cards.iter().filter_map(|c| c.updated_at).max());
        let chrt_ids: Vec<String> = cards
            .iter()
            .flat_map(|c| c.sizes.iter().filter_map(|s| s.chrt_id.clone()))
            .collect();
        let stock = stock_by_size(client, &warehouses, &chrt_ids).await?;
        let rows: Vec<SyncedProduct> = cards.iter().map(|card| product_row(card, &stock)).collect();
        let next = if reached_known { None } else { page.next };
        let resume = next.as_ref().and_then(|n| serde_json::to_value(n).ok());
        let cursor = (kind == SyncKind::Full).then_some((CARDS_FULL, resume.as_ref()));
        pages
            .store(
                "wb_cards",
                page.cards.len(),
                Page {
                    products: &rows,
                    cursor,
                    ..Page::default()
                },
            )
            .await?;
        match next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    if let Some(newest) = newest {
        let mark = json!({"updated_at": newest.to_rfc3339()});
        pages
            .store(
                CARDS_WATERMARK,
                0,
                Page {
                    cursor: Some((CARDS_WATERMARK, Some(&mark))),
                    ..Page::default()
                },
            )
            .await?;
    }
    if kind == SyncKind::Incremental {
        stocks(client, pages, &warehouses).await?;
    }
    Ok(())
}

/// Stock changes without the card changing: every stored product's sizes are re-read.
async fn stocks(
    client: &WbClient,
    pages: &Pages<'_>,
    warehouses: &[String],
) -> Result<(), SyncError> {
    let products = pages.product_attributes().await?;
    for chunk in products.chunks(PRODUCTS_PER_STOCK_PAGE) {
        let sized: Vec<(&String, Sizes)> = chunk
            .iter()
            .map(|(id, attributes)| {
                let sizes = attributes["sizes"]
                    .as_array()
                    .map(|sizes| {
                        sizes
                            .iter()
                            .map(|s| {
                                (
                                    s["chrt_id"].as_str().map(str::to_owned),
                                    s["size"].as_str().unwrap_or("").to_owned(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (id, sizes)
            })
            .collect();
        let chrt_ids: Vec<String> = sized
            .iter()
            .flat_map(|(_, sizes)| sizes.iter().filter_map(|(c, _)| c.clone()))
            .collect();
        let stock = stock_by_size(client, warehouses, &chrt_ids).await?;
        let rows: Vec<SyncedStock> = sized
            .iter()
            .filter(|(_, sizes)| sizes.iter().any(|(chrt, _)| chrt.is_some()))
            .map(|(id, sizes)| {
                let (sizes, total) = sizes_with_stock(sizes, &stock);
                SyncedStock {
                    external_id: (*id).clone(),
                    stock: total,
                    attributes: json!({"sizes": sizes}),
                }
            })
            .collect();
        pages
            .store(
                "wb_stocks",
                rows.len(),
                Page {
                    stocks: &rows,
                    ..Page::default()
                },
            )
            .await?;
    }
    Ok(())
}

/// After a full sync: the counts, and a random sample of FBS orders whose stored status is
/// After a full sync: the counts, and a random sample of FBS orders whose stored status is
/// compared with what WB says now.
async fn consistency(
    client: &WbClient,
    pages: &Pages<'_>,
    fbw_read: usize,
) -> Result<Value, SyncError> {
    let sample = pages.sample_orders("fbs", CONSISTENCY_SAMPLE).await?;
    let ids: Vec<String> = sample.iter().map(|(id, _, _)| id.clone()).collect();
    let live = live_statuses(client, &ids).await?;
    let mismatched: Vec<String> = sample
        .iter()
        .filter(|(id, status, substatus)| {
            live.get(id)
                .is_none_or(|s| &s.status != status || &s.substatus != substatus)
        })
        .map(|(id, _, _)| id.clone())
        .collect();
    let mut report = pages.consistency(sample.len(), &mismatched).await?;
    report["fbw_orders_read"] = fbw_read.into();
    Ok(report)
}
