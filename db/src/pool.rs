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

/// The role row-level security restricts (migration `row_level_security`). The admin API logs
/// in as it (`OTKLIK_TENANT_DATABASE_URL`); it is no member of the service's role, so nothing
/// it runs can switch back to a role the policies do not restrict.
pub const TENANT_ROLE: &str = "otklik_tenant";
/// How the ingress's pool of unauthenticated reads names itself to PostgreSQL
/// (`pg_stat_activity.application_name`).
pub const PUBLIC_POOL_NAME: &str = "otklik-public";

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

/// A small pool of its own for unauthenticated reads (web-chat history, channel and API-key
/// lookups, readiness), so a flood of them waits for these connections and never for the ones
/// sign-in and the admin API use. Its connections carry [`PUBLIC_POOL_NAME`].
pub fn build_public_pool(
    database_url: &str,
    max_size: usize,
    wait_timeout: Duration,
) -> Result<DbPool, DbError> {
    let mut config = ManagerConfig::default();
    config.custom_setup = Box::new(|url| {
        async move {
            let mut conn = AsyncPgConnection::establish(url).await?;
            conn.batch_execute(&format!("SET application_name = '{PUBLIC_POOL_NAME}'"))
                .await
                .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
            Ok(conn)
        }
        .boxed()
    });
    pool_with(database_url, max_size, wait_timeout, config)
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
/// behalf (the admin API): they log in as [`TENANT_ROLE`] (`tenant_database_url`, never the
/// service's own login), and every checkout names its tenant before handing the connection out,
/// so a query that forgot its tenant filter still sees only that tenant's rows. A second wall
/// behind query scoping. Policies are forced and `current_tenant_id()` refuses to run without
/// a tenant, so a connection that somehow lost its setting reads nothing.
#[derive(Clone)]
pub struct TenantPool(DbPool);

impl TenantPool {
    /// `tenant_database_url` must log in as [`TENANT_ROLE`]; a connection that turns out to be
    /// anyone else is refused, so a misconfiguration cannot quietly lift the wall.
    pub fn build(
        tenant_database_url: &str,
        max_size: usize,
        wait_timeout: Duration,
    ) -> Result<Self, DbError> {
        let mut config = ManagerConfig::default();
        config.custom_setup = Box::new(|url| {
            async move {
                let mut conn = AsyncPgConnection::establish(url).await?;
                #[derive(diesel::QueryableByName)]
                struct Who {
                    #[diesel(sql_type = Text)]
                    name: String,
                }
                let who = diesel::sql_query("SELECT session_user::TEXT AS name")
                    .get_result::<Who>(&mut conn)
                    .await
                    .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
                if who.name != TENANT_ROLE {
                    return Err(diesel::ConnectionError::BadConnection(format!(
                        "the tenant pool must log in as {TENANT_ROLE}, not {} \
                         (OTKLIK_TENANT_DATABASE_URL)",
                        who.name
                    )));
                }
                Ok(conn)
            }
            .boxed()
        });
        Ok(Self(pool_with(
            tenant_database_url,
            max_size,
            wait_timeout,
            config,
        )?))
    }

    /// A connection that sees and writes only `scope`'s rows. The tenant is a session setting,
    /// replaced at every checkout: a connection never leaves the pool without it.
    pub async fn get(&self, scope: TenantScope) -> Result<TenantConn, DbError> {
        self.get_as(scope, None).await
    }

    /// [`get`](Self::get) for a request made with an API key: the audit log records the key
    /// (`audit_log.api_key_id`) of every row written on this checkout.
    pub async fn get_as(
        &self,
        scope: TenantScope,
        api_key: Option<i64>,
    ) -> Result<TenantConn, DbError> {
        let mut conn = self.0.get().await?;
        diesel::sql_query(
            "SELECT set_config('otklik.tenant_id', $1, false), \
                    set_config('otklik.api_key_id', $2, false)",
        )
        .bind::<Text, _>(scope.tenant_id().0.to_string())
        .bind::<Text, _>(api_key.map(|key| key.to_string()).unwrap_or_default())
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
