//! The Ozon recipe (`marketplaces.md` §10): FBS postings by status-change window, FBO
//! postings by a sliding creation window (Ozon has no change filter for them), and the
//! catalogue with stock, and returns. Passes run side by side; Ozon's limit is one per seller.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use otklik_db::catalogue::{SyncedOrder, SyncedProduct, SyncedStock};
use otklik_db::sync::Page;
use otklik_schema::SyncKind;
use serde_json::{Value, json};

use super::SyncError;
use super::pages::Pages;
use crate::marketplaces::ozon::{OzonClient, Posting, PostingsPage, ProductInfo, Window};

/// Ozon answers at most a year per request.
const YEAR_DAYS: i64 = 364;
/// How far back a full sync reads postings.
const HISTORY_DAYS: i64 = 90;
/// FBO postings can change for this long after they are created.
const FBO_RESCAN_DAYS: i64 = 45;
/// Changes are re-read this far before the last run's end, against clock skew and late writes.
const OVERLAP_MINUTES: i64 = 30;
const INFO_BATCH: usize = 1000;
const CONSISTENCY_SAMPLE: i64 = 20;

const FBS_WATERMARK: &str = "ozon_fbs";
const FBS_FULL: &str = "ozon_fbs_full";
const PRODUCTS_FULL: &str = "ozon_products_full";

pub(super) async fn sync(
    client: &OzonClient,
    pages: &Pages<'_>,
    kind: SyncKind,
) -> Result<Option<Value>, SyncError> {
    tokio::try_join!(
        fbs(client, pages, kind),
        fbo(client, pages, kind),
        products(client, pages, kind),
        super::returns::ozon(client, pages, kind)
    )?;
    if kind == SyncKind::Incremental {
        return Ok(None);
    }
    consistency(client, pages).await.map(Some)
}

fn settled(status: &str) -> bool {
    matches!(
        status,
        "delivered" | "cancelled" | "cancelled_from_split_pending"
    )
}

fn posting_row(posting: &Posting, fulfilment: &str, now: DateTime<Utc>) -> SyncedOrder {
    let items: Vec<Value> = posting
        .products
        .iter()
        .map(|p| json!({"article": p.sku, "vendor_code": p.offer_id, "name": p.name, "quantity": p.quantity}))
        .collect();
    let total = posting
        .products
        .iter()
        .map(|p| {
            p.price
                .as_ref()
                .and_then(|price| price.minor())
                .map(|minor| minor * p.quantity)
        })
        .sum::<Option<i64>>();
    let currency = posting
        .products
        .iter()
        .find_map(|p| {
            p.price
                .as_ref()
                .and_then(|price| price.currency())
                .or(p.currency_code.as_deref())
        })
        .filter(|c| c.len() == 3 && c.chars().all(|ch| ch.is_ascii_uppercase()))
        .unwrap_or("RUB");
    let analytics = posting.analytics_data.clone().unwrap_or_default();
    SyncedOrder {
        external_id: posting.posting_number.clone(),
        status: posting.status.clone(),
        substatus: posting.substatus.clone().filter(|s| !s.is_empty()),
        items: Value::Array(items),
        total_minor: total,
        currency: currency.into(),
        details: json!({
            "fulfilment": fulfilment,
            "order_number": posting.order_number,
            "city": analytics.city,
            "warehouse": analytics.warehouse_name,
            "delivery_type": analytics.delivery_type,
            "delivery_date": analytics.client_delivery_date_end.or(analytics.delivery_date_end)
                .map(|d| d.format("%Y-%m-%d").to_string()),
            "tracking_number": posting.tracking_number.clone().filter(|t| !t.is_empty()),
            "cancel_reason": posting.cancellation.as_ref().and_then(|c| c.cancel_reason.clone()).filter(|r| !r.is_empty()),
        }),
        placed_at: posting.created_at.or(posting.in_process_at),
        changed_at: now,
        settled: settled(&posting.status),
    }
}

/// Walks one list to its end, storing every page; `resume` names a cursor to persist.
async fn walk<F, Fut>(
    pages: &Pages<'_>,
    resource: &str,
    fulfilment: &str,
    resume: Option<&str>,
    mut cursor: String,
    fetch: F,
) -> Result<(), SyncError>
where
    F: Fn(String) -> Fut,
    Fut: Future<Output = Result<PostingsPage, crate::marketplaces::MarketplaceError>>,
{
    loop {
        let page = fetch(cursor.clone()).await?;
        let now = Utc::now();
        let rows: Vec<SyncedOrder> = page
            .postings
            .iter()
            .map(|p| posting_row(p, fulfilment, now))
            .collect();
        let more = page.has_next && !page.cursor.is_empty() && page.cursor != cursor;
        let saved = json!({"cursor": page.cursor});
        let persisted = resume.map(|name| (name, more.then_some(&saved)));
        pages
            .store(
                resource,
                rows.len(),
                Page {
                    orders: &rows,
                    cursor: persisted,
                    ..Page::default()
                },
            )
            .await?;
        if !more {
            return Ok(());
        }
        cursor = page.cursor;
    }
}

async fn fbs(client: &OzonClient, pages: &Pages<'_>, kind: SyncKind) -> Result<(), SyncError> {
    let now = Utc::now();
    let since = now
        - Duration::days(match kind {
            SyncKind::Full => HISTORY_DAYS,
            SyncKind::Incremental => YEAR_DAYS,
        });
    match kind {
        SyncKind::Full => {
            let resume = pages.cursor(FBS_FULL).await?;
            let cursor = resume
                .and_then(|c| c["cursor"].as_str().map(str::to_owned))
                .unwrap_or_default();
            let window = Window {
                since,
                to: now,
                changed: None,
            };
            walk(
                pages,
                "ozon_fbs",
                "fbs",
                Some(FBS_FULL),
                cursor,
                |c| async move { client.fbs_postings(&window, &c).await },
            )
            .await?;
        }
        SyncKind::Incremental => {
            let from = pages
                .cursor(FBS_WATERMARK)
                .await?
                .and_then(|c| {
                    c["to"]
                        .as_str()
                        .and_then(|t| t.parse::<DateTime<Utc>>().ok())
                })
                .map_or(now - Duration::days(1), |to| {
                    to - Duration::minutes(OVERLAP_MINUTES)
                });
            let window = Window {
                since,
                to: now,
                changed: Some((from, now)),
            };
            walk(
                pages,
                "ozon_fbs",
                "fbs",
                None,
                String::new(),
                |c| async move { client.fbs_postings(&window, &c).await },
            )
            .await?;
        }
    }
    let mark = json!({"to": now.to_rfc3339()});
    pages
        .store(
            FBS_WATERMARK,
            0,
            Page {
                cursor: Some((FBS_WATERMARK, Some(&mark))),
                ..Page::default()
            },
        )
        .await?;
    Ok(())
}

async fn fbo(client: &OzonClient, pages: &Pages<'_>, kind: SyncKind) -> Result<(), SyncError> {
    let now = Utc::now();
    let days = match kind {
        SyncKind::Full => HISTORY_DAYS,
        SyncKind::Incremental => FBO_RESCAN_DAYS,
    };
    let window = Window {
        since: now - Duration::days(days),
        to: now,
        changed: None,
    };
    walk(
        pages,
        "ozon_fbo",
        "fbo",
        None,
        String::new(),
        |c| async move { client.fbo_postings(&window, &c).await },
    )
    .await
}

fn product_row(info: &ProductInfo) -> Option<SyncedProduct> {
    // Shoppers see the SKU; a product without one is not on sale yet.
    let sku = info.sku.clone().filter(|s| !s.is_empty() && s != "0")?;
    Some(SyncedProduct {
        external_id: sku,
        vendor_code: info.offer_id.clone(),
        title: info.name.clone(),
        brand: String::new(),
        price_minor: info.price.as_ref().and_then(|p| p.minor()),
        currency: info
            .currency_code
            .clone()
            .filter(|c| c.len() == 3)
            .unwrap_or_else(|| "RUB".into()),
        stock: None,
        attributes: json!({"product_id": info.id, "barcodes": info.barcodes, "archived": info.is_archived}),
    })
}

async fn products(client: &OzonClient, pages: &Pages<'_>, kind: SyncKind) -> Result<(), SyncError> {
    let mut skus: HashMap<String, String> = HashMap::new();
    let mut last_id = match kind {
        SyncKind::Full => pages
            .cursor(PRODUCTS_FULL)
            .await?
            .and_then(|c| c["last_id"].as_str().map(str::to_owned))
            .unwrap_or_default(),
        SyncKind::Incremental => String::new(),
    };
    loop {
        let page = client.product_ids(&last_id).await?;
        let ids: Vec<String> = page.items.iter().map(|p| p.product_id.clone()).collect();
        let mut rows = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(INFO_BATCH) {
            for info in client.product_info(chunk).await? {
                if let Some(row) = product_row(&info) {
                    skus.insert(info.id.clone(), row.external_id.clone());
                    rows.push(row);
                }
            }
        }
        let more = !ids.is_empty() && !page.last_id.is_empty() && page.last_id != last_id;
        let saved = json!({"last_id": page.last_id});
        let cursor = (kind == SyncKind::Full).then_some((PRODUCTS_FULL, more.then_some(&saved)));
        pages
            .store(
                "ozon_products",
                ids.len(),
                Page {
                    products: &rows,
                    cursor,
                    ..Page::default()
                },
            )
            .await?;
        if !more {
            break;
        }
        last_id = page.last_id;
    }
    let mut cursor = String::new();
    loop {
        let page = client.stocks(&cursor).await?;
        let rows: Vec<SyncedStock> = page
            .items
            .iter()
            .filter_map(|item| {
                let sku = skus.get(&item.product_id)?;
                Some(SyncedStock {
                    external_id: sku.clone(),
                    stock: i32::try_from(item.available()).unwrap_or(i32::MAX),
                    attributes: json!({}),
                })
            })
            .collect();
        pages
            .store(
                "ozon_stocks",
                page.items.len(),
                Page {
                    stocks: &rows,
                    ..Page::default()
                },
            )
            .await?;
        if page.items.is_empty() || page.cursor.is_empty() || page.cursor == cursor {
            return Ok(());
        }
        cursor = page.cursor;
    }
}

/// After a full sync: the counts, and a random sample of FBS postings re-read one by one.
async fn consistency(client: &OzonClient, pages: &Pages<'_>) -> Result<Value, SyncError> {
    let sample = pages.sample_orders("fbs", CONSISTENCY_SAMPLE).await?;
    let mut mismatched = Vec::new();
    for (number, status, substatus) in &sample {
        let live = client.fbs_posting(number).await?;
        let live_substatus = live.substatus.filter(|s| !s.is_empty());
        if &live.status != status || &live_substatus != substatus {
            mismatched.push(number.clone());
        }
    }
    Ok(pages.consistency(sample.len(), &mismatched).await?)
}
