use diesel::sql_types::BigInt;
use diesel_async::{AsyncConnection, AsyncMigrationHarness, AsyncPgConnection, RunQueryDsl};
use diesel_migrations::MigrationHarness;

use crate::DbError;

/// Serialises concurrent `workers migrate` runs (diesel takes no lock of its own).
const MIGRATION_LOCK: i64 = 0x6f74_6b6c_696b; // "otklik"

/// Applies pending migrations and returns the versions applied.
///
/// Runs on its own connection so the session-level advisory lock is released with it. Needs a
/// multi-threaded runtime: the harness blocks in place.
pub async fn run_migrations(database_url: &str) -> Result<Vec<String>, DbError> {
    let mut conn = AsyncPgConnection::establish(database_url).await?;
    diesel::sql_query("SELECT pg_advisory_lock($1)")
        .bind::<BigInt, _>(MIGRATION_LOCK)
        .execute(&mut conn)
        .await?;
    let mut harness = AsyncMigrationHarness::new(conn);
    let applied = harness
        .run_pending_migrations(otklik_schema::MIGRATIONS)
        .map_err(|err| DbError::Migration(err.to_string()))?
        .iter()
        .map(ToString::to_string)
        .collect();
    Ok(applied)
}
