//! API keys for a shop's servers, and the shop's audit log as the admin API reads it.
//!
//! A key is stored as the SHA-256 of its secret with a short visible prefix; it acts with its
//! role in its tenant on behalf of the admin who made it, until revoked (or that admin is
//! disabled). Creating and revoking are audit-logged in the same transaction.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::api_keys;
use otklik_schema::{Role, TenantId, UserId};

use crate::{DbError, TenantScope};

/// A key as its tenant's admins see it: never the secret.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = api_keys, check_for_backend(diesel::pg::Pg))]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    pub role: Role,
    pub prefix: String,
    pub created_by: UserId,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A live key, found by its secret's hash: who it acts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, QueryableByName)]
pub struct KeyHolder {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub tenant_id: TenantId,
    /// The key's role, or its maker's if that is now less: a demoted admin's keys follow.
    #[diesel(sql_type = Text)]
    pub role: Role,
    #[diesel(sql_type = BigInt)]
    pub created_by: UserId,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub last_used_at: Option<DateTime<Utc>>,
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    name: &str,
    role: Role,
    prefix: &str,
    secret_hash: &str,
) -> Result<ApiKey, DbError> {
    conn.transaction::<_, DbError, _>(async |conn| {
        let key = diesel::insert_into(api_keys::table)
            .values((
                api_keys::tenant_id.eq(scope.tenant_id()),
                api_keys::name.eq(name),
                api_keys::role.eq(role),
                api_keys::prefix.eq(prefix),
                api_keys::secret_hash.eq(secret_hash),
                api_keys::created_by.eq(actor),
            ))
            .returning(ApiKey::as_returning())
            .get_result(conn)
            .await?;
        audit(
            conn,
            scope,
            actor,
            "api_key.create",
            key.id,
            serde_json::json!({"name": key.name, "role": key.role.as_str(), "prefix": key.prefix}),
        )
        .await?;
        Ok(key)
    })
    .await
}

async fn audit(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    action: &str,
    key: i64,
    details: serde_json::Value,
) -> Result<(), DbError> {
    Ok(crate::audit::record(
        conn,
        scope,
        actor,
        action,
        "api_key",
        Some(&key.to_string()),
        details,
    )
    .await?)
}

/// The tenant's keys, revoked ones too, newest first, after the key `after` if given.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<ApiKey>, DbError> {
    let mut query = api_keys::table
        .filter(api_keys::tenant_id.eq(scope.tenant_id()))
        .order(api_keys::id.desc())
        .limit(limit)
        .select(ApiKey::as_select())
        .into_boxed();
    if let Some(after) = after {
        query = query.filter(api_keys::id.lt(after));
    }
    Ok(query.load(conn).await?)
}

/// Revokes a key of the tenant; `false` when the tenant has no key with this id. Revoking a
/// revoked key again changes nothing.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    id: i64,
) -> Result<bool, DbError> {
    conn.transaction::<_, DbError, _>(async |conn| {
        let revoked: Option<ApiKey> = diesel::update(
            api_keys::table
                .filter(api_keys::tenant_id.eq(scope.tenant_id()))
                .filter(api_keys::id.eq(id))
                .filter(api_keys::revoked_at.is_null()),
        )
        .set(api_keys::revoked_at.eq(diesel::dsl::now))
        .returning(ApiKey::as_returning())
        .get_result(conn)
        .await
        .optional()?;
        if let Some(key) = revoked {
            audit(
                conn,
                scope,
                actor,
                "api_key.revoke",
                id,
                serde_json::json!({"name": key.name, "prefix": key.prefix}),
            )
            .await?;
            return Ok(true);
        }
        let exists: i64 = api_keys::table
            .filter(api_keys::tenant_id.eq(scope.tenant_id()))
            .filter(api_keys::id.eq(id))
            .count()
            .get_result(conn)
            .await?;
        Ok(exists > 0)
    })
    .await
}

/// The live key with this secret hash: not revoked, and its maker still has access. It acts
/// with the lesser of its own role and its maker's.
pub async fn holder(
    conn: &mut AsyncPgConnection,
    secret_hash: &str,
) -> Result<Option<KeyHolder>, DbError> {
    Ok(diesel::sql_query(
        "SELECT k.id, k.tenant_id, k.created_by, k.last_used_at,
                CASE WHEN 'viewer' IN (k.role, u.role) THEN 'viewer'
                     WHEN 'operator' IN (k.role, u.role) THEN 'operator'
                     ELSE 'admin' END AS role
           FROM api_keys k
           JOIN users u ON u.tenant_id = k.tenant_id AND u.id = k.created_by
          WHERE k.secret_hash = $1 AND k.revoked_at IS NULL AND u.disabled_at IS NULL",
    )
    .bind::<Text, _>(secret_hash)
    .get_result(conn)
    .await
    .optional()?)
}

/// Records a use of the key, at most once a minute per key.
pub async fn touch(conn: &mut AsyncPgConnection, id: i64) -> Result<(), DbError> {
    diesel::sql_query(
        "UPDATE api_keys SET last_used_at = now()
          WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')",
    )
    .bind::<BigInt, _>(id)
    .execute(conn)
    .await?;
    Ok(())
}
