use std::ops::{Deref, DerefMut};
use std::time::Duration;

use diesel::sql_types::Text;
use diesel_async::pooled_connection::deadpool::{Object, Pool};
use diesel_async::pooled_connection::{
    AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use futures::FutureExt;

use crate::{DbError, TenantScope};

/// The PostgreSQL pool every process shares between its tasks.
pub type DbPool = Pool<AsyncPgConnection>;

/// A connection checked out of a [`DbPool`]; it goes back when dropped.
pub type PooledConnection = Object<AsyncPgConnection>;

/// The role row-level security restricts (migration `row_level_security`).
pub const TENANT_ROLE: &str = "otklik_tenant";

/// Builds a pool that fails fast when exhausted instead of queueing requests forever.
pub fn build_pool(
    database_url: &str,
    max_size: usize,
    wait_timeout: Duration,
) -> Result<DbPool, DbError> {
    pool_with(
        database_url,
        max_size,
        wait_timeout,
        ManagerConfig::default(),
    )
}

fn pool_with(
    database_url: &str,
    max_size: usize,
    wait_timeout: Duration,
    mut config: ManagerConfig<AsyncPgConnection>,
) -> Result<DbPool, DbError> {
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

/// Connections under row-level security, for code that acts for one tenant on a request's
/// behalf (the admin API): every connection is switched to [`TENANT_ROLE`] when it opens, and
/// every checkout names its tenant before handing the connection out, so a query that forgot
/// its tenant filter still sees only that tenant's rows. A second wall behind query scoping.
#[derive(Clone)]
pub struct TenantPool(DbPool);

impl TenantPool {
    pub fn build(
        database_url: &str,
        max_size: usize,
        wait_timeout: Duration,
    ) -> Result<Self, DbError> {
        let mut config = ManagerConfig::default();
        config.custom_setup = Box::new(|url| {
            async move {
                let mut conn = AsyncPgConnection::establish(url).await?;
                conn.batch_execute(&format!("SET ROLE {TENANT_ROLE}"))
                    .await
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                Ok(conn)
            }
            .boxed()
        });
        Ok(Self(pool_with(
            database_url,
            max_size,
            wait_timeout,
            config,
        )?))
    }

    /// A connection that sees and writes only `scope`'s rows. The tenant is a session setting,
    /// replaced at every checkout: a connection never leaves the pool without it.
    pub async fn get(&self, scope: TenantScope) -> Result<TenantConn, DbError> {
        let mut conn = self.0.get().await?;
        diesel::sql_query("SELECT set_config('otklik.tenant_id', $1, false)")
            .bind::<Text, _>(scope.tenant_id().0.to_string())
            .execute(&mut conn)
            .await?;
        Ok(TenantConn(conn))
    }
}

/// A pooled connection scoped to one tenant by row-level security; see [`TenantPool`].
pub struct TenantConn(Object<AsyncPgConnection>);

impl Deref for TenantConn {
    type Target = AsyncPgConnection;

    fn deref(&self) -> &AsyncPgConnection {
        &self.0
    }
}

impl DerefMut for TenantConn {
    fn deref_mut(&mut self) -> &mut AsyncPgConnection {
        &mut self.0
    }
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
