//! Sellers' marketplace accounts, whether they are connected, and who is syncing them. A sync
//! holds a lease on its account, so two workers (or a worker and `workers sync` by hand) never
//! sync one account at once, and a crashed sync frees the account when its lease runs out.
//!
//! Connecting from the admin API goes `checking` → `connected` or `rejected` (a worker checks the
//! credentials); `disconnected` stops syncs and polls and keeps what was synced. `enabled`, the
//! switch the scheduler and polls read, is true exactly while an account is `connected`.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::marketplace_accounts;
use otklik_schema::{AccountId, Connection, Marketplace, SyncHealth, TenantId};

use crate::sealed::Sealed;
use crate::{DbError, TenantScope};

/// An account as a sync needs it. `credentials` is secret: never log or return it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = marketplace_accounts, check_for_backend(diesel::pg::Pg))]
pub struct Account {
    pub id: AccountId,
    pub tenant_id: TenantId,
    pub marketplace: Marketplace,
    pub name: String,
    pub credentials: Sealed,
    pub enabled: bool,
    pub sync_status: SyncHealth,
    pub last_error: Option<String>,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub failures: i32,
    pub status: Connection,
    pub check_generation: i32,
}

/// An account as the admin API shows it: everything but the credentials, which are not even read.
#[derive(Debug, Clone, Queryable, Selectable, serde::Serialize)]
#[diesel(table_name = marketplace_accounts, check_for_backend(diesel::pg::Pg))]
pub struct Overview {
    pub id: AccountId,
    pub marketplace: Marketplace,
    pub name: String,
    pub status: Connection,
    /// The last check's report: what the seller must fix, and should know (Russian).
    pub problems: Vec<String>,
    pub notes: Vec<String>,
    pub checked_at: Option<DateTime<Utc>>,
    pub credentials_expire_at: Option<DateTime<Utc>>,
    /// Sync health, with the last failure's reason.
    pub sync_status: SyncHealth,
    pub last_error: Option<String>,
    pub last_synced_at: Option<DateTime<Utc>>,
    /// Failed syncs in a row.
    pub failures: i32,
    pub created_at: DateTime<Utc>,
}

/// What a credentials check concluded.
#[derive(Debug, Clone, Default)]
pub struct CheckResult {
    pub problems: Vec<String>,
    pub notes: Vec<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

impl Account {
    pub fn scope(&self) -> TenantScope {
        TenantScope::trusted(self.tenant_id)
    }
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    marketplace: Marketplace,
    name: &str,
    credentials: &Sealed,
) -> Result<AccountId, DbError> {
    Ok(diesel::insert_into(marketplace_accounts::table)
        .values((
            marketplace_accounts::tenant_id.eq(scope.tenant_id()),
            marketplace_accounts::marketplace.eq(marketplace),
            marketplace_accounts::name.eq(name),
            marketplace_accounts::credentials.eq(credentials),
        ))
        .returning(marketplace_accounts::id)
        .get_result(conn)
        .await?)
}

/// Replaces an account's credentials (a renewed token) and clears its failure streak.
pub async fn set_credentials(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: AccountId,
    credentials: &Sealed,
) -> Result<bool, DbError> {
    let updated = diesel::update(
        marketplace_accounts::table
            .filter(marketplace_accounts::tenant_id.eq(scope.tenant_id()))
            .filter(marketplace_accounts::id.eq(id)),
    )
    .set((
        marketplace_accounts::credentials.eq(credentials),
        marketplace_accounts::failures.eq(0),
        marketplace_accounts::failing_since.eq(None::<DateTime<Utc>>),
    ))
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

pub async fn get(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: AccountId,
) -> Result<Option<Account>, DbError> {
    Ok(marketplace_accounts::table
        .filter(marketplace_accounts::tenant_id.eq(scope.tenant_id()))
        .filter(marketplace_accounts::id.eq(id))
        .select(Account::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// The first account of a marketplace, for seeding.
pub async fn first(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    marketplace: Marketplace,
) -> Result<Option<AccountId>, DbError> {
    Ok(marketplace_accounts::table
        .filter(marketplace_accounts::tenant_id.eq(scope.tenant_id()))
        .filter(marketplace_accounts::marketplace.eq(marketplace))
        .order(marketplace_accounts::id)
        .select(marketplace_accounts::id)
        .first(conn)
        .await
        .optional()?)
}

/// An account by id alone, for operators' tools (`workers sync --account`), not for requests.
pub async fn find(conn: &mut AsyncPgConnection, id: AccountId) -> Result<Option<Account>, DbError> {
    Ok(marketplace_accounts::table
        .find(id)
        .select(Account::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Every enabled account of every tenant: what the scheduler enqueues syncs for.
pub async fn list_enabled(
    conn: &mut AsyncPgConnection,
) -> Result<Vec<(TenantId, AccountId)>, DbError> {
    Ok(marketplace_accounts::table
        .filter(marketplace_accounts::enabled)
        .order(marketplace_accounts::id)
        .select((marketplace_accounts::tenant_id, marketplace_accounts::id))
        .load(conn)
        .await?)
}

/// Takes the account for a sync until `until`, unless another sync holds it.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: AccountId,
    until: DateTime<Utc>,
) -> Result<bool, DbError> {
    let claimed = diesel::update(
        marketplace_accounts::table
            .filter(marketplace_accounts::tenant_id.eq(scope.tenant_id()))
            .filter(marketplace_accounts::id.eq(id))
            .filter(
                marketplace_accounts::sync_lease_until
                    .is_null()
                    .or(marketplace_accounts::sync_lease_until.lt(diesel::dsl::now)),
            ),
    )
    .set((
        marketplace_accounts::sync_lease_until.eq(until),
        marketplace_accounts::sync_status.eq(SyncHealth::Running),
    ))
    .execute(conn)
    .await?;
    Ok(claimed == 1)
}

/// Extends a held lease: a long full sync keeps its account while it makes progress.
pub async fn renew(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: AccountId,
    until: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::update(
        marketplace_accounts::table
            .filter(marketplace_accounts::tenant_id.eq(scope.tenant_id()))
            .filter(marketplace_accounts::id.eq(id)),
    )
    .set(marketplace_accounts::sync_lease_until.eq(until))
    .execute(conn)
    .await?;
    Ok(())
}

/// Frees the account after a sync: idle and healthy, or failing with a reason a person can act
/// on. A failure keeps everything synced so far.
pub async fn release(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: AccountId,
    failure: Option<&str>,
) -> Result<(), DbError> {
    let target = marketplace_accounts::table
        .filter(marketplace_accounts::tenant_id.eq(scope.tenant_id()))
        .filter(marketplace_accounts::id.eq(id));
    let lease = marketplace_accounts::sync_lease_until.eq(None::<DateTime<Utc>>);
    match failure {
        None => {
            diesel::update(target)
                .set((
                    lease,
                    marketplace_accounts::sync_status.eq(SyncHealth::Idle),
                    marketplace_accounts::last_error.eq(None::<String>),
                    marketplace_accounts::last_synced_at.eq(diesel::dsl::now),
                    marketplace_accounts::failures.eq(0),
                    marketplace_accounts::failing_since.eq(None::<DateTime<Utc>>),
                ))
                .execute(conn)
                .await?
        }
        Some(reason) => {
            diesel::update(target)
                .set((
                    lease,
                    marketplace_accounts::sync_status.eq(SyncHealth::Failing),
                    marketplace_accounts::last_error.eq(reason),
                    marketplace_accounts::failures.eq(marketplace_accounts::failures + 1),
                    // The streak's start, for the failing-sync alert (once per streak).
                    marketplace_accounts::failing_since.eq(diesel::dsl::sql::<
                        diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
                    >(
                        "coalesce(failing_since, now())"
                    )),
                ))
                .execute(conn)
                .await?
        }
    };
    Ok(())
}

/// The tenant's accounts by id, after `after`, at most `limit`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    after: Option<AccountId>,
    limit: i64,
) -> Result<Vec<Overview>, DbError> {
    let mut query = marketplace_accounts::table
        .filter(marketplace_accounts::tenant_id.eq(scope.tenant_id()))
        .order(marketplace_accounts::id)
        .limit(limit)
        .select(Overview::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(marketplace_accounts::id.gt(after));
    }
    Ok(query.load(conn).await?)
}

pub async fn overview(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: AccountId,
) -> Result<Option<Overview>, DbError> {
    Ok(marketplace_accounts::table
        .filter(marketplace_accounts::tenant_id.eq(scope.tenant_id()))
        .filter(marketplace_accounts::id.eq(id))
        .select(Overview::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Stores an account whose credentials are still to be checked (generation 1); nothing syncs it
/// until a check connects it.
pub async fn create_for_check(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    marketplace: Marketplace,
    name: &str,
    credentials: &Sealed,
) -> Result<Overview, DbError> {
    Ok(diesel::insert_into(marketplace_accounts::table)
        .values((
            marketplace_accounts::tenant_id.eq(scope.tenant_id()),
            marketplace_accounts::marketplace.eq(marketplace),
            marketplace_accounts::name.eq(name),
            marketplace_accounts::credentials.eq(credentials),
            marketplace_accounts::enabled.eq(false),
            marketplace_accounts::status.eq(Connection::Checking),
            marketplace_accounts::check_generation.eq(1),
        ))
        .returning(Overview::as_returning())
        .get_result(conn)
        .await?)
}

pub async fn rename(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: AccountId,
    name: &str,
) -> Result<bool, DbError> {
    let updated = diesel::update(
        marketplace_accounts::table
            .filter(marketplace_accounts::tenant_id.eq(scope.tenant_id()))
            .filter(marketplace_accounts::id.eq(id)),
    )
    .set(marketplace_accounts::name.eq(name))
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// Takes new credentials for a check: the account stops syncing until the check connects it
/// again, and any check still running for the old ones no longer counts. Returns the new
/// generation, `None` for no such account.
pub async fn replace_for_check(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: AccountId,
    credentials: &Sealed,
) -> Result<Option<i32>, DbError> {
    Ok(diesel::update(
        marketplace_accounts::table
            .filter(marketplace_accounts::tenant_id.eq(scope.tenant_id()))
            .filter(marketplace_accounts::id.eq(id)),
    )
    .set((
        marketplace_accounts::credentials.eq(credentials),
        marketplace_accounts::enabled.eq(false),
        marketplace_accounts::status.eq(Connection::Checking),
        marketplace_accounts::problems.eq(Vec::<String>::new()),
        marketplace_accounts::notes.eq(Vec::<String>::new()),
        marketplace_accounts::credentials_expire_at.eq(None::<DateTime<Utc>>),
        marketplace_accounts::failures.eq(0),
        marketplace_accounts::failing_since.eq(None::<DateTime<Utc>>),
        marketplace_accounts::check_generation.eq(marketplace_accounts::check_generation + 1),
    ))
    .returning(marketplace_accounts::check_generation)
    .get_result(conn)
    .await
    .optional()?)
}

/// Stops syncs and polls of the account and voids any check in flight; synced data stays.
pub async fn disconnect(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: AccountId,
) -> Result<bool, DbError> {
    use diesel_async::AsyncConnection;
    conn.transaction::<_, DbError, _>(async |conn| {
        let updated = diesel::update(
            marketplace_accounts::table
                .filter(marketplace_accounts::tenant_id.eq(scope.tenant_id()))
                .filter(marketplace_accounts::id.eq(id)),
        )
        .set((
            marketplace_accounts::enabled.eq(false),
            marketplace_accounts::status.eq(Connection::Disconnected),
            marketplace_accounts::check_generation.eq(marketplace_accounts::check_generation + 1),
        ))
        .execute(conn)
        .await?;
        // Its shopper channels go quiet with it; connecting it again opens them.
        crate::channels::close_for_account(conn, scope, id).await?;
        Ok(updated == 1)
    })
    .await
}

/// Records a check of generation `generation`: connected when it found no problems, rejected
/// otherwise. Changes nothing (and returns `false`) when the account is no longer waiting for
/// that check, so a repeated or overtaken check is harmless.
pub async fn record_check(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: AccountId,
    generation: i32,
    result: &CheckResult,
) -> Result<bool, DbError> {
    let connected = result.problems.is_empty();
    let updated = diesel::update(
        marketplace_accounts::table
            .filter(marketplace_accounts::tenant_id.eq(scope.tenant_id()))
            .filter(marketplace_accounts::id.eq(id))
            .filter(marketplace_accounts::status.eq(Connection::Checking))
            .filter(marketplace_accounts::check_generation.eq(generation)),
    )
    .set((
        marketplace_accounts::enabled.eq(connected),
        marketplace_accounts::status.eq(if connected {
            Connection::Connected
        } else {
            Connection::Rejected
        }),
        marketplace_accounts::problems.eq(&result.problems),
        marketplace_accounts::notes.eq(&result.notes),
        marketplace_accounts::credentials_expire_at.eq(result.expires_at),
        marketplace_accounts::checked_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    Ok(updated == 1)
}

/// Removes an account that never got past `checking` (its check could not even be enqueued), so
/// a retried request does not leave a second one behind.
pub async fn discard(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: AccountId,
) -> Result<(), DbError> {
    diesel::delete(
        marketplace_accounts::table
            .filter(marketplace_accounts::tenant_id.eq(scope.tenant_id()))
            .filter(marketplace_accounts::id.eq(id))
            .filter(marketplace_accounts::status.eq(Connection::Checking))
            .filter(marketplace_accounts::last_synced_at.is_null()),
    )
    .execute(conn)
    .await?;
    Ok(())
}
