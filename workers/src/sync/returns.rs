//! Shoppers' returns: WB claims (the last 14 days, open and decided) and Ozon returns by the
//! time their visible status changed. Both are small next to orders, so they are read whole on
//! WB and from a watermark on Ozon.

use chrono::{DateTime, Duration, Utc};
use otklik_db::returns::SyncedReturn;
use otklik_db::sync::Page;
use otklik_schema::SyncKind;
use serde_json::json;

use super::SyncError;
use super::pages::Pages;
use crate::marketplaces::ozon::{OzonClient, OzonReturn};
use crate::marketplaces::wb::{CLAIMS_PAGE, Claim, WbClient, moscow_time};

const WB_CLAIMS: &str = "wb_claims";
const OZON_RETURNS: &str = "ozon_returns";
/// How far back a full sync (or the first one) reads Ozon returns.
const OZON_HISTORY_DAYS: i64 = 90;
/// Changes are re-read this far before the last run's end, against clock skew and late writes.
const OVERLAP_MINUTES: i64 = 30;

/// WB's decision on a claim; an unknown code is kept as the number.
fn wb_decision(code: Option<i64>) -> String {
    match code {
        Some(0) => "pending".into(),
        Some(1) => "rejected".into(),
        Some(2) => "approved".into(),
        Some(other) => other.to_string(),
        None => "unknown".into(),
    }
}

/// What happens to the item (`status_ex`); an unknown code is kept as the number.
fn wb_item_outcome(code: i64) -> String {
    match code {
        0 => "under_review".into(),
        1 => "kept_rejected".into(),
        2 => "disposed".into(),
        5 => "kept_approved".into(),
        8 => "back_to_sale".into(),
        10 => "returning_to_seller".into(),
        other => other.to_string(),
    }
}

fn claim_row(claim: &Claim, now: DateTime<Utc>) -> SyncedReturn {
    let opened_at = claim.dt.map(moscow_time);
    SyncedReturn {
        external_id: claim.id.clone(),
        order_ref: claim.srid.clone().unwrap_or_default(),
        article: claim.nm_id.clone(),
        product_name: claim.imt_name.clone(),
        status: wb_decision(claim.status),
        substatus: claim.status_ex.map(wb_item_outcome),
        status_text: claim
            .wb_comment
            .clone()
            .filter(|text| !text.trim().is_empty()),
        reason: claim
            .user_comment
            .clone()
            .filter(|text| !text.trim().is_empty()),
        amount_minor: claim.price.map(|rub| (rub * 100.0).round() as i64),
        currency: "RUB".into(),
        details: json!({
            "claim_type": claim.claim_type, "actions": claim.actions,
            "ordered_at": claim.order_dt.map(moscow_time),
        }),
        opened_at,
        changed_at: claim
            .dt_update
            .map(moscow_time)
            .or(opened_at)
            .unwrap_or(now),
    }
}

/// Every WB claim WB still lists: the open ones, then the decided ones.
pub(super) async fn wb(client: &WbClient, pages: &Pages<'_>) -> Result<(), SyncError> {
    let now = Utc::now();
    for archive in [false, true] {
        let mut offset = 0;
        loop {
            let claims = client.claims(archive, offset).await?;
            let rows: Vec<SyncedReturn> = claims.iter().map(|c| claim_row(c, now)).collect();
            pages
                .store(
                    WB_CLAIMS,
                    claims.len(),
                    Page {
                        returns: &rows,
                        ..Page::default()
                    },
                )
                .await?;
            if claims.len() < CLAIMS_PAGE as usize {
                break;
            }
            offset += CLAIMS_PAGE;
        }
    }
    Ok(())
}

fn ozon_row(item: &OzonReturn, now: DateTime<Utc>) -> SyncedReturn {
    let status = item.visual.as_ref().and_then(|v| v.status.as_ref());
    let product = item.product.as_ref();
    let price = product.and_then(|p| p.price.as_ref());
    SyncedReturn {
        external_id: item.id.clone(),
        order_ref: item.posting_number.clone().unwrap_or_default(),
        article: product.and_then(|p| p.sku.clone()),
        product_name: product.and_then(|p| p.name.clone()),
        status: status
            .and_then(|s| s.sys_name.clone())
            .unwrap_or_else(|| "Unknown".into()),
        substatus: item.kind.clone(),
        status_text: status.and_then(|s| s.display_name.clone()),
        reason: item.return_reason_name.clone(),
        amount_minor: price.and_then(|p| p.minor()),
        currency: price
            .and_then(|p| p.currency_code.clone())
            .filter(|c| c.len() == 3)
            .unwrap_or_else(|| "RUB".into()),
        details: json!({
            "order_number": item.order_number, "schema": item.schema,
            "offer_id": product.and_then(|p| p.offer_id.clone()),
            "compensation": item.compensation_status.as_ref()
                .and_then(|c| c.status.as_ref()).and_then(|s| s.display_name.clone()),
            "final_moment": item.logistic.as_ref().and_then(|l| l.final_moment),
        }),
        opened_at: item.logistic.as_ref().and_then(|l| l.return_date),
        changed_at: item
            .visual
            .as_ref()
            .and_then(|v| v.change_moment)
            .unwrap_or(now),
    }
}

/// Ozon returns whose status changed since the last run (a full run: in the last 90 days).
/// The watermark moves only with the page that finishes the window.
pub(super) async fn ozon(
    client: &OzonClient,
    pages: &Pages<'_>,
    kind: SyncKind,
) -> Result<(), SyncError> {
    let now = Utc::now();
    let watermark = match kind {
        SyncKind::Full => None,
        SyncKind::Incremental => pages.cursor(OZON_RETURNS).await?,
    };
    let from = watermark
        .and_then(|c| c["until"].as_i64())
        .and_then(|ts| DateTime::from_timestamp(ts, 0))
        .map(|until| until - Duration::minutes(OVERLAP_MINUTES))
        .unwrap_or(now - Duration::days(OZON_HISTORY_DAYS));
    let finished = json!({"until": now.timestamp()});
    let mut last_id = 0;
    loop {
        let page = client.returns(from, now, last_id).await?;
        let rows: Vec<SyncedReturn> = page.returns.iter().map(|r| ozon_row(r, now)).collect();
        let next = page
            .returns
            .last()
            .and_then(|r| r.id.parse::<i64>().ok())
            .filter(|&id| id > last_id);
        let done = !page.has_next || next.is_none();
        pages
            .store(
                OZON_RETURNS,
                rows.len(),
                Page {
                    returns: &rows,
                    cursor: done.then_some((OZON_RETURNS, Some(&finished))),
                    ..Page::default()
                },
            )
            .await?;
        match next {
            Some(id) if !done => last_id = id,
            _ => return Ok(()),
        }
    }
}
