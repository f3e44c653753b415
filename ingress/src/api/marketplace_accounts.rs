//! The seller's WB and Ozon accounts: `/api/v1/marketplace-accounts`.
//!
//! | method | path | permission |
//! |---|---|---|
//! | GET | `/api/v1/marketplace-accounts?limit=&cursor=` | read_settings |
//! | GET | `/api/v1/marketplace-accounts/{id}` | read_settings |
//! | POST | `/api/v1/marketplace-accounts` `{"marketplace", "name", "credentials"}` | manage_channels |
//! | PATCH | `/api/v1/marketplace-accounts/{id}` `{"name"?, "credentials"?}` | manage_channels |
//! | DELETE | `/api/v1/marketplace-accounts/{id}` | manage_channels |
//!
//! The ingress only stores and enqueues: the credentials are checked by the sync pool (which has
//! the marketplace clients and the shared rate limiter) with the same checks as `workers
//! connect`, so a new or re-keyed account answers 202 as `checking` and becomes `connected` or
//! `rejected` with the report's `problems` and `notes`. Deleting disconnects: syncs and polls
//! stop, synced data stays, and new credentials connect it again. Credentials are write-only:
//! never answered, logged or audit-logged. Another tenant's id answers 404.

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use otklik_db::accounts::{self, Overview};
use otklik_db::{DbError, TenantScope};
use otklik_jobs::CheckAccount;
use otklik_schema::{AccountId, Connection, Marketplace, SyncHealth};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::auth::Principal;
use super::body::JsonBody;
use super::page::{Page, PageQuery};
use super::params::{ApiPath, ApiQuery};
use super::permissions::Permission;
use crate::error::FieldError;
use crate::problems::Problem;
use crate::{ApiError, AppState};

const MAX_NAME_CHARS: usize = 100;
/// Far longer than any real WB token or Ozon key; only stops junk.
const MAX_SECRET_CHARS: usize = 4096;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/marketplace-accounts", get(list).post(connect))
        .route(
            "/api/v1/marketplace-accounts/{id}",
            get(show).patch(update).delete(disconnect),
        )
}

/// A marketplace account: everything but the credentials.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AccountView {
    id: AccountId,
    marketplace: Marketplace,
    name: String,
    status: Connection,
    /// The last check's report: what the seller must fix (Russian).
    problems: Vec<String>,
    /// The last check's report: what the seller should know (Russian).
    notes: Vec<String>,
    #[schema(required = true)]
    checked_at: Option<DateTime<Utc>>,
    #[schema(required = true)]
    credentials_expire_at: Option<DateTime<Utc>>,
    sync_status: SyncHealth,
    /// The last failed sync's reason.
    #[schema(required = true)]
    last_error: Option<String>,
    #[schema(required = true)]
    last_synced_at: Option<DateTime<Utc>>,
    /// Failed syncs in a row.
    failures: i32,
    created_at: DateTime<Utc>,
}

impl From<Overview> for AccountView {
    fn from(account: Overview) -> Self {
        Self {
            id: account.id,
            marketplace: account.marketplace,
            name: account.name,
            status: account.status,
            problems: account.problems,
            notes: account.notes,
            checked_at: account.checked_at,
            credentials_expire_at: account.credentials_expire_at,
            sync_status: account.sync_status,
            last_error: account.last_error,
            last_synced_at: account.last_synced_at,
            failures: account.failures,
            created_at: account.created_at,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/marketplace-accounts", tag = "marketplace-accounts",
    summary = "The shop's marketplace accounts, oldest first", description = "Role: any (read_settings).",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, description = "A page of accounts; never the credentials", body = Page<AccountView>),
        (status = 400, description = "A bad parameter, `limit` or `cursor`", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
    ))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(page): ApiQuery<PageQuery>,
) -> Result<Json<Page<AccountView>>, ApiError> {
    principal.require(Permission::ReadSettings)?;
    let limit = page.limit()?;
    let after = page.after::<AccountId>()?;
    let mut conn = state.db_for(&principal).await?;
    let rows = accounts::list(&mut conn, principal.tenant, after, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |a| a.id);
    Ok(Json(Page {
        items: page.items.into_iter().map(AccountView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(get, path = "/api/v1/marketplace-accounts/{id}", tag = "marketplace-accounts",
    summary = "One marketplace account with its check report and sync health",
    description = "Role: any (read_settings).", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The account's id")),
    responses(
        (status = 200, description = "The account", body = AccountView),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such account in this shop", body = crate::error::ErrorEnvelope),
    ))]
pub async fn show(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<AccountId>,
) -> Result<Json<AccountView>, ApiError> {
    principal.require(Permission::ReadSettings)?;
    let mut conn = state.db_for(&principal).await?;
    Ok(Json(found(&mut conn, principal.tenant, id).await?.into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    #[schema(value_type = Marketplace)]
    marketplace: String,
    /// 1 to 100 characters, as the seller calls the shop.
    name: String,
    /// `{"token"}` for WB; `{"client_id", "api_key"}` for Ozon. Write-only.
    #[schema(value_type = Object)]
    credentials: Value,
}
super::auth::redacted_debug!(NewAccount { marketplace, name } hides credentials);

#[utoipa::path(post, path = "/api/v1/marketplace-accounts", tag = "marketplace-accounts",
    summary = "Connect a WB or Ozon account",
    description = "Role: admin (manage_channels). Audit-logged. The account is stored as \
        `checking` and its credentials are checked in the background with the same checks as \
        `workers connect`; it then becomes `connected` (and syncs) or `rejected` with \
        `problems` to fix. The dashboards hear `{type: \"marketplace_account\", action: \
        \"checked\"}` when the check is done.",
    security(("bearer" = [])),
    request_body = NewAccount,
    responses(
        (status = 202, description = "The account, `checking`", body = AccountView),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 422, description = "An unknown marketplace, a bad name, or credentials of the wrong shape", body = crate::error::ErrorEnvelope),
    ))]
pub async fn connect(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(body): JsonBody<NewAccount>,
) -> Result<(StatusCode, Json<AccountView>), ApiError> {
    principal.require(Permission::ManageChannels)?;
    let mut fields = Vec::new();
    let marketplace = match body.marketplace.trim() {
        "wb" => Some(Marketplace::Wb),
        "ozon" => Some(Marketplace::Ozon),
        _ => {
            fields.push(FieldError::new(
                "marketplace",
                Problem::NotOneOf {
                    allowed: vec!["wb", "ozon"],
                },
            ));
            None
        }
    };
    let name = name_field(&mut fields, &body.name);
    let credentials = marketplace.map(|m| credentials_field(&mut fields, m, &body.credentials));
    let (Some(marketplace), Some(credentials), true) =
        (marketplace, credentials, fields.is_empty())
    else {
        return Err(ApiError::Validation(fields));
    };
    let account = {
        let mut conn = state.db_for(&principal).await?;
        accounts::create_for_check(
            &mut conn,
            principal.tenant,
            marketplace,
            &name,
            &state.vault().seal(&credentials),
        )
        .await?
    };
    let checked = check(&state, principal.tenant, account.id, 1).await;
    let mut conn = state.db_for(&principal).await?;
    if let Err(err) = checked {
        accounts::discard(&mut conn, principal.tenant, account.id).await?;
        return Err(err);
    }
    audit(
        &mut conn,
        &principal,
        "marketplace_account.connect",
        account.id,
        json!({ "marketplace": marketplace, "name": name }),
    )
    .await?;
    Ok((StatusCode::ACCEPTED, Json(account.into())))
}

/// Only the fields sent change.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountPatch {
    /// 1 to 100 characters.
    name: Option<String>,
    /// New credentials of the account's marketplace, checked again. Write-only.
    #[schema(value_type = Option<Object>)]
    credentials: Option<Value>,
}
super::auth::redacted_debug!(AccountPatch { name } hides credentials);

#[utoipa::path(patch, path = "/api/v1/marketplace-accounts/{id}", tag = "marketplace-accounts",
    summary = "Rename an account or replace its credentials",
    description = "Role: admin (manage_channels). Audit-logged. New credentials are checked \
        like a new account's: the account is `checking` (and does not sync) until they are, \
        also when it was rejected or disconnected.",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The account's id")),
    request_body = AccountPatch,
    responses(
        (status = 200, description = "Renamed: the account", body = AccountView),
        (status = 202, description = "New credentials taken: the account, `checking`", body = AccountView),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such account in this shop", body = crate::error::ErrorEnvelope),
        (status = 422, description = "A bad name, credentials of the wrong shape, or nothing to change", body = crate::error::ErrorEnvelope),
    ))]
pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<AccountId>,
    JsonBody(body): JsonBody<AccountPatch>,
) -> Result<(StatusCode, Json<AccountView>), ApiError> {
    principal.require(Permission::ManageChannels)?;
    let mut conn = state.db_for(&principal).await?;
    let account = found(&mut conn, principal.tenant, id).await?;
    let mut fields = Vec::new();
    let name = body.name.map(|name| name_field(&mut fields, &name));
    let credentials = body
        .credentials
        .map(|c| credentials_field(&mut fields, account.marketplace, &c));
    if name.is_none() && credentials.is_none() {
        fields.push(FieldError::new(
            "name",
            Problem::NothingToChange {
                fields: vec!["name", "credentials"],
            },
        ));
    }
    if !fields.is_empty() {
        return Err(ApiError::Validation(fields));
    }
    if let Some(name) = &name {
        accounts::rename(&mut conn, principal.tenant, id, name).await?;
    }
    let generation = match &credentials {
        Some(credentials) => {
            let sealed = state.vault().seal(credentials);
            accounts::replace_for_check(&mut conn, principal.tenant, id, &sealed).await?
        }
        None => None,
    };
    drop(conn);
    if let Some(generation) = generation {
        // A failure leaves the account `checking`; repeating the request asks again.
        check(&state, principal.tenant, id, generation).await?;
    }
    let changed = json!({ "name": name, "credentials_replaced": generation.is_some() });
    let mut conn = state.db_for(&principal).await?;
    audit(
        &mut conn,
        &principal,
        "marketplace_account.update",
        id,
        changed,
    )
    .await?;
    let account = found(&mut conn, principal.tenant, id).await?;
    let status = if generation.is_some() {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(account.into())))
}

#[utoipa::path(delete, path = "/api/v1/marketplace-accounts/{id}", tag = "marketplace-accounts",
    summary = "Disconnect an account (its synced data stays)",
    description = "Role: admin (manage_channels). Audit-logged. Syncs and marketplace chat \
        polls stop; orders, products and conversations stay.",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The account's id")),
    responses(
        (status = 204, description = "Disconnected"),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such account in this shop", body = crate::error::ErrorEnvelope),
    ))]
pub async fn disconnect(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<AccountId>,
) -> Result<StatusCode, ApiError> {
    principal.require(Permission::ManageChannels)?;
    let mut conn = state.db_for(&principal).await?;
    if !accounts::disconnect(&mut conn, principal.tenant, id).await? {
        return Err(ApiError::NotFound);
    }
    audit(
        &mut conn,
        &principal,
        "marketplace_account.disconnect",
        id,
        json!({}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn found(
    conn: &mut otklik_db::AsyncPgConnection,
    scope: TenantScope,
    id: AccountId,
) -> Result<Overview, ApiError> {
    accounts::overview(conn, scope, id)
        .await?
        .ok_or(ApiError::NotFound)
}

fn name_field(fields: &mut Vec<FieldError>, name: &str) -> String {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        fields.push(FieldError::new(
            "name",
            Problem::LengthOutOfRange {
                min: 1,
                max: MAX_NAME_CHARS,
            },
        ));
    }
    name.to_owned()
}

/// The credentials in the shape the workers read, trimmed; field errors name what is wrong
/// without echoing any of it.
fn credentials_field(
    fields: &mut Vec<FieldError>,
    marketplace: Marketplace,
    credentials: &Value,
) -> Value {
    let Some(given) = credentials.as_object() else {
        fields.push(FieldError::new("credentials", Problem::NotObject));
        return Value::Null;
    };
    let expected: &[(&'static str, &'static str)] = match marketplace {
        Marketplace::Wb => &[("credentials.token", "token")],
        Marketplace::Ozon => &[
            ("credentials.client_id", "client_id"),
            ("credentials.api_key", "api_key"),
        ],
    };
    if given
        .keys()
        .any(|key| !expected.iter().any(|(_, name)| name == key))
    {
        fields.push(FieldError::new(
            "credentials",
            Problem::UnexpectedKeys {
                expected: expected.iter().map(|(_, name)| *name).collect(),
            },
        ));
    }
    let mut stored = Map::new();
    for (field, name) in expected {
        let value = match given.get(*name) {
            Some(Value::String(text)) => text.trim().to_owned(),
            // Ozon shows the Client-Id as a number; it is text on the wire.
            Some(Value::Number(number)) if *name == "client_id" => number.to_string(),
            _ => String::new(),
        };
        if value.is_empty() || value.chars().count() > MAX_SECRET_CHARS {
            fields.push(FieldError::new(
                field,
                Problem::LengthOutOfRange {
                    min: 1,
                    max: MAX_SECRET_CHARS,
                },
            ));
        }
        stored.insert((*name).to_owned(), Value::String(value));
    }
    Value::Object(stored)
}

/// Enqueues the check of the account's credentials of `generation`, waiting no longer than for a
/// webhook.
async fn check(
    state: &AppState,
    scope: TenantScope,
    account: AccountId,
    generation: i32,
) -> Result<(), ApiError> {
    let job = CheckAccount {
        tenant_id: scope.tenant_id(),
        account_id: account,
        generation,
    };
    let what = format!("the credentials check of account {account}");
    crate::hooks::enqueue_in_time(state, &what, state.queues().push_check(job)).await
}

async fn audit(
    conn: &mut otklik_db::AsyncPgConnection,
    principal: &Principal,
    action: &str,
    account: AccountId,
    details: Value,
) -> Result<(), ApiError> {
    let target = account.to_string();
    otklik_db::audit::record(
        conn,
        principal.tenant,
        principal.user,
        action,
        "marketplace_account",
        Some(&target),
        details,
    )
    .await
    .map_err(DbError::from)?;
    Ok(())
}
