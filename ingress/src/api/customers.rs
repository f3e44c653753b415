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
use otklik_schema::{ConversationId, ConversationMode, CustomerId, Marketplace, UserId};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::Principal;
use super::conversations::ChannelRef;
use super::page::{Page, PageQuery};
use super::params::{ApiPath, ApiQuery, search_text};
use super::permissions::Permission;
use crate::{ApiError, AppState};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/customers", get(list))
        .route("/api/v1/customers/{id}", get(show))
}

/// A shopper as known at one channel.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerView {
    id: CustomerId,
    name: String,
    #[schema(required = true)]
    username: Option<String>,
    channel: ChannelRef,
    conversation_count: i64,
    created_at: DateTime<Utc>,
    last_seen_at: DateTime<Utc>,
}

impl From<&CustomerRow> for CustomerView {
    fn from(c: &CustomerRow) -> Self {
        Self {
            id: c.id,
            name: c.display_name.clone(),
            username: c.username.clone(),
            channel: ChannelRef {
                id: c.channel_id,
                kind: c.channel_kind,
                name: c.channel_name.clone(),
            },
            conversation_count: c.conversations,
            created_at: c.created_at,
            last_seen_at: c.last_seen_at,
        }
    }
}

/// One shopper with their conversations, orders (with returns) and the products they asked
/// about.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerCard {
    #[serde(flatten)]
    customer: CustomerView,
    conversations: Vec<CustomerConversation>,
    orders: Vec<OrderView>,
    products: Vec<ProductView>,
}

/// One of a shopper's conversations.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerConversation {
    id: ConversationId,
    mode: ConversationMode,
    #[schema(required = true)]
    assignee_id: Option<UserId>,
    last_message_at: DateTime<Utc>,
    created_at: DateTime<Utc>,
    #[schema(required = true)]
    closed_at: Option<DateTime<Utc>>,
}

/// A product of the shop's catalogue.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ProductView {
    article: String,
    vendor_code: String,
    title: String,
    brand: String,
    marketplace: Marketplace,
    #[schema(required = true)]
    price_minor: Option<i64>,
    currency: String,
    #[schema(required = true)]
    stock: Option<i32>,
}

impl From<&ProductRow> for ProductView {
    fn from(p: &ProductRow) -> Self {
        Self {
            article: p.external_id.clone(),
            vendor_code: p.vendor_code.clone(),
            title: p.title.clone(),
            brand: p.brand.clone(),
            marketplace: p.marketplace,
            price_minor: p.price_minor,
            currency: p.currency.clone(),
            stock: p.stock,
        }
    }
}

/// A return of an order, as the marketplace reports it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReturnView {
    /// The marketplace's id of the return.
    id: String,
    #[schema(required = true)]
    product_name: Option<String>,
    status: String,
    #[schema(required = true)]
    substatus: Option<String>,
    #[schema(required = true)]
    status_text: Option<String>,
    #[schema(required = true)]
    reason: Option<String>,
    #[schema(required = true)]
    amount_minor: Option<i64>,
    currency: String,
    #[schema(required = true)]
    opened_at: Option<DateTime<Utc>>,
    changed_at: DateTime<Utc>,
}

impl From<&Return> for ReturnView {
    fn from(r: &Return) -> Self {
        Self {
            id: r.external_id.clone(),
            product_name: r.product_name.clone(),
            status: r.status.clone(),
            substatus: r.substatus.clone(),
            status_text: r.status_text.clone(),
            reason: r.reason.clone(),
            amount_minor: r.amount_minor,
            currency: r.currency.clone(),
            opened_at: r.opened_at,
            changed_at: r.changed_at,
        }
    }
}

/// A synced order one of the shopper's conversations names.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    id: i64,
    /// The marketplace's order number.
    number: String,
    marketplace: Marketplace,
    status: String,
    #[schema(required = true)]
    substatus: Option<String>,
    /// The order's items as the marketplace gave them (`{article, quantity, …}`), with the
    /// catalogue's `title` where the article is known.
    items: Vec<Value>,
    #[schema(required = true)]
    total_minor: Option<i64>,
    currency: String,
    #[schema(required = true)]
    pickup_point: Option<Value>,
    #[schema(required = true)]
    storage_until: Option<Value>,
    #[schema(required = true)]
    delivery_date: Option<Value>,
    #[schema(required = true)]
    placed_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    changed_at: Option<DateTime<Utc>>,
    /// When a conversation last named it.
    mentioned_at: DateTime<Utc>,
    returns: Vec<ReturnView>,
}

/// The article an order item names (a string or a number, as the marketplaces send it).
fn item_article(item: &Value) -> Option<String> {
    match item.get("article")? {
        Value::String(article) => Some(article.clone()),
        Value::Number(article) => Some(article.to_string()),
        _ => None,
    }
}

fn order_view(o: &OrderRow, titles: &HashMap<String, String>, returns: &[Return]) -> OrderView {
    let names = customers_admin::order_names(o);
    let items = o
        .items
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .map(|item| {
            let mut item = item.clone();
            let title = item_article(&item).and_then(|a| titles.get(&a).cloned());
            if let (Some(object), Some(title)) = (item.as_object_mut(), title) {
                object.entry("title").or_insert(Value::String(title));
            }
            item
        })
        .collect();
    let detail = |key: &str| o.details.get(key).cloned();
    OrderView {
        id: o.id,
        number: o.external_id.clone(),
        marketplace: o.marketplace,
        status: o.status.clone(),
        substatus: o.substatus.clone(),
        items,
        total_minor: o.total_minor,
        currency: o.currency.clone(),
        pickup_point: detail("pickup_point"),
        storage_until: detail("storage_until"),
        delivery_date: detail("delivery_date"),
        placed_at: o.placed_at,
        changed_at: o.changed_at,
        mentioned_at: o.mentioned_at,
        returns: returns
            .iter()
            .filter(|r| names.contains(&r.order_ref.as_str()))
            .map(ReturnView::from)
            .collect(),
    }
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
        (status = 200, description = "A page of customers", body = Page<CustomerView>),
        (status = 400, description = "A bad parameter, `limit` or `cursor`", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 422, description = "The search text is too long", body = crate::error::ErrorEnvelope),
    ))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(params): ApiQuery<ListQuery>,
) -> Result<Json<Page<CustomerView>>, ApiError> {
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
        items: page.items.iter().map(CustomerView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(get, path = "/api/v1/customers/{id}", tag = "customers",
    summary = "One shopper with their conversations, orders, returns and products", description = "Role: any (read_conversations). Orders are the shop's synced orders the shopper's conversations name: attached to a marketplace chat or question, or a number the assistant read in their messages.", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The customer's id")),
    responses(
        (status = 200, description = "The customer", body = CustomerCard),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such customer in this shop", body = crate::error::ErrorEnvelope),
    ))]
pub async fn show(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<CustomerCard>, ApiError> {
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
    Ok(Json(CustomerCard {
        customer: CustomerView::from(&customer),
        conversations: conversations
            .iter()
            .map(|c| CustomerConversation {
                id: c.id,
                mode: c.mode,
                assignee_id: c.assignee_id,
                last_message_at: c.last_message_at,
                created_at: c.created_at,
                closed_at: c.closed_at,
            })
            .collect(),
        orders: orders
            .iter()
            .map(|o| order_view(o, &titles, &returns))
            .collect(),
        products: products.iter().map(ProductView::from).collect(),
    }))
}
