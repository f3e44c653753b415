//! The audit log of admin actions: one writer for every change the admin API makes, and the
//! shop's reading of it.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::UserId;

use crate::{DbError, TenantScope};

/// Records an admin action, usually in the transaction that made the change (so its error is
/// diesel's, which every transaction here can take).
pub async fn record(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    action: &str,
    target_type: &str,
    target_id: Option<&str>,
    details: serde_json::Value,
) -> Result<(), diesel::result::Error> {
    diesel::sql_query(
        "INSERT INTO audit_log (tenant_id, actor_user_id, action, target_type, target_id, details)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(actor)
    .bind::<Text, _>(action)
    .bind::<Text, _>(target_type)
    .bind::<Nullable<Text>, _>(target_id)
    .bind::<Jsonb, _>(details)
    .execute(conn)
    .await?;
    Ok(())
}

/// One row of a shop's audit log.
#[derive(Debug, Clone, PartialEq, QueryableByName)]
pub struct Entry {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub actor_user_id: Option<i64>,
    #[diesel(sql_type = Text)]
    pub action: String,
    #[diesel(sql_type = Text)]
    pub target_type: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub target_id: Option<String>,
    #[diesel(sql_type = Jsonb)]
    pub details: serde_json::Value,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    /// The API key the action was made with, if it was.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub api_key_id: Option<i64>,
}

/// The tenant's audit log, newest first, after the entry `after` if given, only `action` if
/// given.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    action: Option<&str>,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Entry>, DbError> {
    Ok(diesel::sql_query(
        "SELECT id, actor_user_id, action, target_type, target_id, details, created_at, api_key_id
           FROM audit_log
          WHERE tenant_id = $1
            AND ($2::text IS NULL OR action = $2)
            AND ($3::bigint IS NULL OR id < $3)
          ORDER BY id DESC
          LIMIT $4",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Nullable<Text>, _>(action)
    .bind::<Nullable<BigInt>, _>(after)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}
