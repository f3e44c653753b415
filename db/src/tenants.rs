//! Merchants and their settings.

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::tenants;
use otklik_schema::{TenantId, UserId};

use crate::{DbError, TenantScope};

/// The settings that workers consult on every turn.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = tenants, check_for_backend(diesel::pg::Pg))]
pub struct Tenant {
    pub id: TenantId,
    pub name: String,
    pub slug: String,
    pub operator_only: bool,
    pub timezone: String,
    /// Assistant persona, policies and working hours; see `otklik_workers::assistant::Settings`.
    pub settings: serde_json::Value,
    /// Made by sign-up and waiting for its owner to confirm their address: not live yet, its
    /// channels held off.
    pub awaiting_verification: bool,
}

/// Creates a tenant and returns the scope to fill it with.
pub async fn create(
    conn: &mut AsyncPgConnection,
    name: &str,
    slug: &str,
) -> Result<TenantScope, DbError> {
    let id = diesel::insert_into(tenants::table)
        .values((tenants::name.eq(name), tenants::slug.eq(slug)))
        .returning(tenants::id)
        .get_result::<TenantId>(conn)
        .await?;
    Ok(TenantScope::trusted(id))
}

/// Finds a tenant by its slug, for seeding and tools.
pub async fn find_by_slug(
    conn: &mut AsyncPgConnection,
    slug: &str,
) -> Result<Option<TenantScope>, DbError> {
    let id = tenants::table
        .filter(tenants::slug.eq(slug))
        .select(tenants::id)
        .first::<TenantId>(conn)
        .await
        .optional()?;
    Ok(id.map(TenantScope::trusted))
}

pub async fn get(conn: &mut AsyncPgConnection, scope: TenantScope) -> Result<Tenant, DbError> {
    Ok(tenants::table
        .find(scope.tenant_id())
        .select(Tenant::as_select())
        .first(conn)
        .await?)
}

/// The tenant, locked until the caller's transaction ends: for changes computed from what is
/// stored.
pub async fn lock(conn: &mut AsyncPgConnection, scope: TenantScope) -> Result<Tenant, DbError> {
    Ok(tenants::table
        .find(scope.tenant_id())
        .select(Tenant::as_select())
        .for_update()
        .first(conn)
        .await?)
}

/// Keeps every conversation with people (or lets the assistant answer again).
pub async fn set_operator_only(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    on: bool,
) -> Result<(), DbError> {
    diesel::update(tenants::table.find(scope.tenant_id()))
        .set((
            tenants::operator_only.eq(on),
            tenants::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets the assistant's settings of a tenant being seeded (the demo, an evaluation's shop):
/// no person acts, so nothing is audited.
pub async fn seed_assistant_settings(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    assistant: &serde_json::Value,
) -> Result<(), DbError> {
    use diesel::sql_types::{BigInt, Jsonb};
    diesel::sql_query(
        "UPDATE tenants SET settings = jsonb_set(settings, '{assistant}', $2) WHERE id = $1",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Jsonb, _>(assistant)
    .execute(conn)
    .await?;
    Ok(())
}

/// Changes the tenant's settings and records who did it, in one transaction: `operator_only`
/// when given, and `assistant` keys merged over the stored ones.
pub async fn update_settings(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    operator_only: Option<bool>,
    assistant: &serde_json::Value,
) -> Result<Tenant, DbError> {
    use diesel::sql_types::{BigInt, Bool, Jsonb, Nullable};
    use diesel_async::AsyncConnection;
    conn.transaction::<_, DbError, _>(async |conn| {
        diesel::sql_query(
            "UPDATE tenants SET
               operator_only = coalesce($2, operator_only),
               settings = jsonb_set(settings, '{assistant}',
                                    coalesce(settings->'assistant', '{}'::jsonb) || $3),
               updated_at = now()
             WHERE id = $1",
        )
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<Nullable<Bool>, _>(operator_only)
        .bind::<Jsonb, _>(assistant)
        .execute(conn)
        .await?;
        let details = serde_json::json!({"operator_only": operator_only, "assistant": assistant});
        crate::audit::record(
            conn,
            scope,
            actor,
            "settings.update",
            "tenant",
            None,
            details,
        )
        .await?;
        get(conn, scope).await
    })
    .await
}
