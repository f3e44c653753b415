use std::time::Duration;

use diesel_async::pooled_connection::deadpool::Pool;
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::DbError;

/// The PostgreSQL pool every process shares between its tasks.
pub type DbPool = Pool<AsyncPgConnection>;

/// Builds a pool that fails fast when exhausted instead of queueing requests forever.
pub fn build_pool(
    database_url: &str,
    max_size: usize,
    wait_timeout: Duration,
) -> Result<DbPool, DbError> {
    let mut config = ManagerConfig::default();
    // The default runs `SELECT 1` on every checkout: a round trip per query batch for a check
    // the next real query makes anyway (a dead connection fails it, and is then dropped).
    config.recycling_method = RecyclingMethod::Fast;
    let manager =
        AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(database_url, config);
    Ok(Pool::builder(manager)
        .max_size(max_size)
        .wait_timeout(Some(wait_timeout))
        .create_timeout(Some(Duration::from_secs(5)))
        // Timeouts need a runtime; without it building the pool fails.
        .runtime(deadpool_runtime::Runtime::Tokio1)
        .build()?)
}

/// Round-trips `SELECT 1`, for readiness checks.
pub async fn ping(pool: &DbPool) -> Result<(), DbError> {
    let mut conn = pool.get().await?;
    diesel::sql_query("SELECT 1").execute(&mut conn).await?;
    Ok(())
}

/// One connection outside the pool, for short-lived tools.
pub async fn connect(database_url: &str) -> Result<AsyncPgConnection, DbError> {
    Ok(AsyncPgConnection::establish(database_url).await?)
}
