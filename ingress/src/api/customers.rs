//! Shoppers: `/api/v1/customers`.
//!
//! | method | path | permission |
//! |---|---|---|
//! | GET | `/api/v1/customers?q=&limit=&cursor=` | read_conversations |
//! | GET | `/api/v1/customers/{id}` | read_conversations |
//!
//! The list runs by when the shopper was last seen, newest first; `q` matches the name or the
//! handle. One customer comes with their conversations, the synced marketplace orders their
//! conversations name (attached to a marketplace chat, or a number the assistant read in their
//! words) with status, items and returns, and the products they asked about. Another tenant's
//! customer answers 404.

use std::collections::HashMap;

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use otklik_db::customers_admin::{self, CustomerRow, OrderRow, ProductRow};
use otklik_db::returns::Return;
use serde::Deserialize;
use serde_json::{Value, json};

use super::auth::Principal;
use super::page::{Page, PageQuery};
use super::params::{ApiPath, ApiQuery, search_text};
use super::permissions::Permission;
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/customers", get(list))
        .route("/api/v1/customers/{id}", get(show))
}

fn customer_view(c: &CustomerRow) -> Value {
    json!({
        "id": c.id,
        "name": c.display_name,
        "username": c.username,
        "channel": {"id": c.channel_id, "kind": c.channel_kind, "name": c.channel_name},
        "conversation_count": c.conversations,
        "created_at": c.created_at,
        "last_seen_at": c.last_seen_at,
    })
}

fn product_view(p: &ProductRow) -> Value {
    json!({
        "article": p.external_id,
        "vendor_code": p.vendor_code,
        "title": p.title,
        "brand": p.brand,
        "marketplace": p.marketplace,
        "price_minor": p.price_minor,
        "currency": p.currency,
        "stock": p.stock,
    })
}

fn return_view(r: &Return) -> Value {
    json!({
        "id": r.external_id,
        "product_name": r.product_name,
        "status": r.status,
        "substatus": r.substatus,
        "status_text": r.status_text,
        "reason": r.reason,
        "amount_minor": r.amount_minor,
        "currency": r.currency,
        "opened_at": r.opened_at,
        "changed_at": r.changed_at,
    })
}

/// The article an order item names (a string or a number, as the marketplaces send it).
fn item_article(item: &Value) -> Option<String> {
    match item.get("article")? {
        Value::String(article) => Some(article.clone()),
        Value::Number(article) => Some(article.to_string()),
        _ => None,
    }
}

fn order_view(o: &OrderRow, titles: &HashMap<String, String>, returns: &[Return]) -> Value {
    let names = customers_admin::order_names(o);
    let items: Vec<Value> = o
        .items
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|item| {
            let mut item = item.clone();
            let title = item_article(&item).and_then(|a| titles.get(&a).cloned());
            if let (Some(object), Some(title)) = (item.as_object_mut(), title) {
                object.entry("title").or_insert(json!(title));
            }
            item
        })
        .collect();
    json!({
        "id": o.id,
        "number": o.external_id,
        "marketplace": o.marketplace,
        "status": o.status,
        "substatus": o.substatus,
        "items": items,
        "total_minor": o.total_minor,
        "currency": o.currency,
        "pickup_point": o.details.get("pickup_point"),
        "storage_until": o.details.get("storage_until"),
        "delivery_date": o.details.get("delivery_date"),
        "placed_at": o.placed_at,
        "changed_at": o.changed_at,
        "mentioned_at": o.mentioned_at,
        "returns": returns
            .iter()
            .filter(|r| names.contains(&r.order_ref.as_str()))
            .map(return_view)
            .collect::<Vec<_>>(),
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// Part of the name or the handle, at most 200 characters.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Rows per page, 1 to 100; 50 when absent.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// The previous page's `next_cursor`.
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/customers", tag = "customers",
    summary = "Shoppers, last seen first", description = "Role: any (read_conversations).", security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "Items are customers: `{id, name, username, channel: {id, kind, name}, conversation_count, created_at, last_seen_at}`", body = Page<Value>),
        (status = 400, description = "A bad parameter, `limit` or `cursor`", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 422, description = "The search text is too long", body = crate::error::ErrorEnvelope),
    ))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(params): ApiQuery<ListQuery>,
) -> Result<Json<Page<Value>>, ApiError> {
    principal.require(Permission::ReadConversations)?;
    let search = search_text(params.q.as_deref())?;
    let page = PageQuery {
        limit: params.limit,
        cursor: params.cursor,
    };
    let limit = page.limit()?;
    let after = page.after::<(DateTime<Utc>, i64)>()?;
    let mut conn = state.db_for(&principal).await?;
    let rows = customers_admin::list(&mut conn, principal.tenant, search, after, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |c| (c.last_seen_at, c.id));
    Ok(Json(Page {
        items: page.items.iter().map(customer_view).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers",
    summary = "One shopper with their conversations, orders, returns and products", description = "Role: any (read_conversations). Orders are the shop's synced orders the shopper's conversations name: attached to a marketplace chat or question, or a number the assistant read in their messages.", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The customer's id")),
    responses(
        (status = 200, description = "`{id, name, username, channel, conversation_count, created_at, last_seen_at, conversations: [{id, mode, assignee_id, last_message_at, created_at, closed_at}], orders: [{id, number, marketplace, status, substatus, items: [{article, quantity, title?}], total_minor, currency, pickup_point, storage_until, delivery_date, placed_at, changed_at, mentioned_at, returns: [{id, product_name, status, substatus, status_text, reason, amount_minor, currency, opened_at, changed_at}]}], products: [{article, vendor_code, title, brand, marketplace, price_minor, currency, stock}]}`", body = Object),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such customer in this shop", body = crate::error::ErrorEnvelope),
    ))]
pub async fn show(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Permission::ReadConversations)?;
    let scope = principal.tenant;
    let mut conn = state.db_for(&principal).await?;
    let customer = customers_admin::get(&mut conn, scope, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    let conversations = customers_admin::conversations(&mut conn, scope, id).await?;
    let orders = customers_admin::orders(&mut conn, scope, id).await?;
    let returns = customers_admin::returns_of(&mut conn, scope, &orders).await?;
    let products = customers_admin::products_asked(&mut conn, scope, id).await?;
    let mut articles: Vec<String> = orders
        .iter()
        .filter_map(|o| o.items.as_array())
        .flatten()
        .filter_map(item_article)
        .collect();
    articles.sort();
    articles.dedup();
    let titles: HashMap<String, String> = customers_admin::products(&mut conn, scope, &articles)
        .await?
        .into_iter()
        .map(|p| (p.external_id, p.title))
        .collect();
    let mut view = customer_view(&customer);
    view["conversations"] = conversations
        .iter()
        .map(|c| {
            json!({
                "id": c.id,
                "mode": c.mode,
                "assignee_id": c.assignee_id,
                "last_message_at": c.last_message_at,
                "created_at": c.created_at,
                "closed_at": c.closed_at,
            })
        })
        .collect();
    view["orders"] = orders
        .iter()
        .map(|o| order_view(o, &titles, &returns))
        .collect();
    view["products"] = products.iter().map(product_view).collect();
    Ok(Json(view))
}
