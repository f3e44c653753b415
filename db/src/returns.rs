//! Shoppers' returns as the marketplaces report them: written by the syncs in batches, read by
//! the assistant for the order a shopper asks about.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::AccountId;
use otklik_schema::schema::returns;

use crate::{DbError, TenantScope};

/// A return as a sync read it, ready to be stored.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncedReturn {
    pub external_id: String,
    /// WB srid / Ozon posting number.
    pub order_ref: String,
    pub article: Option<String>,
    pub product_name: Option<String>,
    pub status: String,
    pub substatus: Option<String>,
    pub status_text: Option<String>,
    pub reason: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: String,
    pub details: serde_json::Value,
    pub opened_at: Option<DateTime<Utc>>,
    pub changed_at: DateTime<Utc>,
}

/// A stored return, as the assistant explains it.
#[derive(Debug, Clone, PartialEq, Queryable, Selectable)]
#[diesel(table_name = returns, check_for_backend(diesel::pg::Pg))]
pub struct Return {
    pub external_id: String,
    pub order_ref: String,
    pub product_name: Option<String>,
    pub status: String,
    pub substatus: Option<String>,
    pub status_text: Option<String>,
    pub reason: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: String,
    pub opened_at: Option<DateTime<Utc>>,
    pub changed_at: DateTime<Utc>,
}

/// Writes a page of returns in one statement; returns how many were inserted or changed.
pub async fn upsert(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
    batch: &[SyncedReturn],
) -> Result<usize, DbError> {
    use diesel::sql_types::{Array, BigInt, Jsonb, Nullable, Text, Timestamptz};

    let batch = crate::catalogue::last_per_key(batch, |r| r.external_id.as_str());
    if batch.is_empty() {
        return Ok(0);
    }
    let text =
        |f: fn(&SyncedReturn) -> &str| batch.iter().map(|r| f(r).to_owned()).collect::<Vec<_>>();
    let optional = |f: fn(&SyncedReturn) -> &Option<String>| {
        batch.iter().map(|r| f(r).clone()).collect::<Vec<_>>()
    };
    Ok(diesel::sql_query(
        "INSERT INTO returns AS r (tenant_id, account_id, external_id, order_ref, article,
                                   product_name, status, substatus, status_text, reason,
                                   amount_minor, currency, details, opened_at, changed_at)
         SELECT $1, $2, t.* FROM unnest($3::text[], $4::text[], $5::text[], $6::text[],
                                       $7::text[], $8::text[], $9::text[], $10::text[],
                                       $11::int8[], $12::text[], $13::jsonb[],
                                       $14::timestamptz[], $15::timestamptz[]) AS t
         ON CONFLICT (account_id, external_id) DO UPDATE SET
           order_ref = excluded.order_ref,
           article = excluded.article,
           product_name = excluded.product_name,
           status = excluded.status,
           substatus = excluded.substatus,
           status_text = excluded.status_text,
           reason = excluded.reason,
           amount_minor = excluded.amount_minor,
           currency = excluded.currency,
           details = excluded.details,
           opened_at = coalesce(excluded.opened_at, r.opened_at),
           changed_at = excluded.changed_at,
           synced_at = now()
         WHERE (r.order_ref, r.article, r.product_name, r.status, r.substatus, r.status_text,
                r.reason, r.amount_minor, r.currency, r.details, r.changed_at)
               IS DISTINCT FROM (excluded.order_ref, excluded.article, excluded.product_name,
                                 excluded.status, excluded.substatus, excluded.status_text,
                                 excluded.reason, excluded.amount_minor, excluded.currency,
                                 excluded.details, excluded.changed_at)",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(account)
    .bind::<Array<Text>, _>(text(|r| &r.external_id))
    .bind::<Array<Text>, _>(text(|r| &r.order_ref))
    .bind::<Array<Nullable<Text>>, _>(optional(|r| &r.article))
    .bind::<Array<Nullable<Text>>, _>(optional(|r| &r.product_name))
    .bind::<Array<Text>, _>(text(|r| &r.status))
    .bind::<Array<Nullable<Text>>, _>(optional(|r| &r.substatus))
    .bind::<Array<Nullable<Text>>, _>(optional(|r| &r.status_text))
    .bind::<Array<Nullable<Text>>, _>(optional(|r| &r.reason))
    .bind::<Array<Nullable<BigInt>>, _>(batch.iter().map(|r| r.amount_minor).collect::<Vec<_>>())
    .bind::<Array<Text>, _>(text(|r| &r.currency))
    .bind::<Array<Jsonb>, _>(batch.iter().map(|r| r.details.clone()).collect::<Vec<_>>())
    .bind::<Array<Nullable<Timestamptz>>, _>(batch.iter().map(|r| r.opened_at).collect::<Vec<_>>())
    .bind::<Array<Timestamptz>, _>(batch.iter().map(|r| r.changed_at).collect::<Vec<_>>())
    .execute(conn)
    .await?)
}

/// The returns of an order, known by any of the names the marketplace gives it (a WB FBS
/// order's id and rid), newest change first.
pub async fn for_order(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    order_refs: &[&str],
) -> Result<Vec<Return>, DbError> {
    Ok(returns::table
        .filter(returns::tenant_id.eq(scope.tenant_id()))
        .filter(returns::order_ref.eq_any(order_refs))
        .order(returns::changed_at.desc())
        .select(Return::as_select())
        .load(conn)
        .await?)
}

/// How many returns are stored for the account: part of the consistency check.
pub async fn count(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
) -> Result<i64, DbError> {
    Ok(returns::table
        .filter(returns::tenant_id.eq(scope.tenant_id()))
        .filter(returns::account_id.eq(account))
        .count()
        .get_result(conn)
        .await?)
}
