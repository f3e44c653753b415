//! Sellers' marketplace accounts and who is syncing them. A sync holds a lease on its account,
//! so two workers (or a worker and `workers sync` by hand) never sync one account at once, and a
//! crashed sync frees the account when its lease runs out.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::marketplace_accounts;
use otklik_schema::{AccountId, Marketplace, TenantId};

use crate::{DbError, TenantScope};

/// An account as a sync needs it. `credentials` is secret: never log or return it.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = marketplace_accounts, check_for_backend(diesel::pg::Pg))]
pub struct Account {
    pub id: AccountId,
    pub tenant_id: TenantId,
    pub marketplace: Marketplace,
    pub name: String,
    pub credentials: serde_json::Value,
    pub enabled: bool,
    pub sync_status: String,
    pub last_error: Option<String>,
    pub last_synced_at: Option<DateTime<Utc>>,
    pub failures: i32,
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
    credentials: &serde_json::Value,
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
    credentials: &serde_json::Value,
) -> Result<bool, DbError> {
    let updated = diesel::update(
        marketplace_accounts::table
            .filter(marketplace_accounts::tenant_id.eq(scope.tenant_id()))
            .filter(marketplace_accounts::id.eq(id)),
    )
    .set((
        marketplace_accounts::credentials.eq(credentials),
        marketplace_accounts::failures.eq(0),
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
        marketplace_accounts::sync_status.eq("running"),
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
                    marketplace_accounts::sync_status.eq("idle"),
                    marketplace_accounts::last_error.eq(None::<String>),
                    marketplace_accounts::last_synced_at.eq(diesel::dsl::now),
                    marketplace_accounts::failures.eq(0),
                ))
                .execute(conn)
                .await?
        }
        Some(reason) => {
            diesel::update(target)
                .set((
                    lease,
                    marketplace_accounts::sync_status.eq("failing"),
                    marketplace_accounts::last_error.eq(reason),
                    marketplace_accounts::failures.eq(marketplace_accounts::failures + 1),
                ))
                .execute(conn)
                .await?
        }
    };
    Ok(())
}
