//! What each sync run did, and where each resource's sync stopped. A cursor is written in the
//! same transaction as the rows it covers, so a crash resumes exactly after committed data.

use diesel::prelude::*;
use diesel::upsert::excluded;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::{sync_cursors, sync_runs};
use otklik_schema::{AccountId, SyncKind, SyncRunId};

use crate::{DbError, TenantScope};

pub async fn start_run(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
    kind: SyncKind,
) -> Result<SyncRunId, DbError> {
    Ok(diesel::insert_into(sync_runs::table)
        .values((
            sync_runs::tenant_id.eq(scope.tenant_id()),
            sync_runs::account_id.eq(account),
            sync_runs::kind.eq(kind),
        ))
        .returning(sync_runs::id)
        .get_result(conn)
        .await?)
}

/// How a run ended.
#[derive(Debug, Clone)]
pub struct RunOutcome<'a> {
    pub pages: i32,
    pub rows: i32,
    pub error: Option<&'a str>,
    pub details: serde_json::Value,
}

pub async fn finish_run(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    run: SyncRunId,
    outcome: &RunOutcome<'_>,
) -> Result<(), DbError> {
    diesel::update(
        sync_runs::table
            .filter(sync_runs::tenant_id.eq(scope.tenant_id()))
            .filter(sync_runs::id.eq(run)),
    )
    .set((
        sync_runs::status.eq(if outcome.error.is_some() {
            "failed"
        } else {
            "succeeded"
        }),
        sync_runs::pages.eq(outcome.pages),
        sync_runs::rows.eq(outcome.rows),
        sync_runs::error.eq(outcome.error),
        sync_runs::details.eq(&outcome.details),
        sync_runs::finished_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

/// A recorded run, for operators and tests.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = sync_runs, check_for_backend(diesel::pg::Pg))]
pub struct Run {
    pub id: SyncRunId,
    pub kind: SyncKind,
    pub status: String,
    pub pages: i32,
    pub rows: i32,
    pub error: Option<String>,
    pub details: serde_json::Value,
}

/// The account's runs, newest first.
pub async fn runs(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
) -> Result<Vec<Run>, DbError> {
    Ok(sync_runs::table
        .filter(sync_runs::tenant_id.eq(scope.tenant_id()))
        .filter(sync_runs::account_id.eq(account))
        .order(sync_runs::id.desc())
        .select(Run::as_select())
        .load(conn)
        .await?)
}

pub async fn cursor(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
    resource: &str,
) -> Result<Option<serde_json::Value>, DbError> {
    Ok(sync_cursors::table
        .filter(sync_cursors::tenant_id.eq(scope.tenant_id()))
        .filter(sync_cursors::account_id.eq(account))
        .filter(sync_cursors::resource.eq(resource))
        .select(sync_cursors::cursor)
        .first(conn)
        .await
        .optional()?)
}

/// Writes a cursor; call it inside the transaction that stored the rows it covers.
pub async fn set_cursor(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
    resource: &str,
    cursor: &serde_json::Value,
) -> Result<(), DbError> {
    diesel::insert_into(sync_cursors::table)
        .values((
            sync_cursors::tenant_id.eq(scope.tenant_id()),
            sync_cursors::account_id.eq(account),
            sync_cursors::resource.eq(resource),
            sync_cursors::cursor.eq(cursor),
        ))
        .on_conflict((sync_cursors::account_id, sync_cursors::resource))
        .do_update()
        .set((
            sync_cursors::cursor.eq(excluded(sync_cursors::cursor)),
            sync_cursors::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets a cursor once the pass it tracked is complete.
pub async fn clear_cursor(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
    resource: &str,
) -> Result<(), DbError> {
    diesel::delete(
        sync_cursors::table
            .filter(sync_cursors::tenant_id.eq(scope.tenant_id()))
            .filter(sync_cursors::account_id.eq(account))
            .filter(sync_cursors::resource.eq(resource)),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// One page of a sync, stored with the cursor that follows it in one transaction: a crash
/// before the commit re-reads the page, a crash after it resumes at the next one.
#[derive(Debug, Clone, Default)]
pub struct Page<'a> {
    pub orders: &'a [crate::catalogue::SyncedOrder],
    pub statuses: &'a [crate::catalogue::SyncedStatus],
    pub products: &'a [crate::catalogue::SyncedProduct],
    pub stocks: &'a [crate::catalogue::SyncedStock],
    pub returns: &'a [crate::returns::SyncedReturn],
    /// `(resource, cursor)`; `None` as the cursor clears it (the pass is complete).
    pub cursor: Option<(&'a str, Option<&'a serde_json::Value>)>,
}

/// What storing a page changed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stored {
    pub rows: usize,
    pub transitions: usize,
}

pub async fn store_page(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    account: AccountId,
    page: Page<'_>,
    seen_at: chrono::DateTime<chrono::Utc>,
) -> Result<Stored, DbError> {
    use diesel_async::AsyncConnection;

    use crate::catalogue;

    conn.transaction::<_, DbError, _>(async move |conn| {
        let orders = catalogue::upsert_orders(conn, scope, account, page.orders).await?;
        let statuses =
            catalogue::update_statuses(conn, scope, account, page.statuses, seen_at).await?;
        let products = catalogue::upsert_products(conn, scope, account, page.products).await?;
        let stocks = catalogue::update_stocks(conn, scope, account, page.stocks).await?;
        let returns = crate::returns::upsert(conn, scope, account, page.returns).await?;
        match page.cursor {
            Some((resource, Some(cursor))) => {
                set_cursor(conn, scope, account, resource, cursor).await?
            }
            Some((resource, None)) => clear_cursor(conn, scope, account, resource).await?,
            None => {}
        }
        let count = |n: i64| usize::try_from(n).unwrap_or(0);
        Ok(Stored {
            rows: count(orders.rows) + count(statuses.rows) + products + stocks + returns,
            transitions: count(orders.transitions) + count(statuses.transitions),
        })
    })
    .await
}
