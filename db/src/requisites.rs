//! A shop's legal requisites, as its closing documents name the customer. Checked before they
//! get here (`otklik_billing::requisites`); one row per shop, replaced whole.

use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_schema::UserId;
use otklik_schema::schema::billing_requisites;

use crate::{DbError, TenantScope};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = billing_requisites, check_for_backend(diesel::pg::Pg))]
pub struct Requisites {
    pub legal_name: String,
    pub inn: String,
    pub kpp: Option<String>,
    pub ogrn: String,
    pub address: String,
}

/// The shop's requisites, if it gave them.
pub async fn get(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
) -> Result<Option<Requisites>, DbError> {
    Ok(billing_requisites::table
        .find(scope.tenant_id())
        .select(Requisites::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Replaces the shop's requisites (audit-logged as `actor`'s).
pub async fn put(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    requisites: &Requisites,
) -> Result<(), DbError> {
    conn.transaction::<_, DbError, _>(async |conn| {
        let values = (
            billing_requisites::legal_name.eq(&requisites.legal_name),
            billing_requisites::inn.eq(&requisites.inn),
            billing_requisites::kpp.eq(&requisites.kpp),
            billing_requisites::ogrn.eq(&requisites.ogrn),
            billing_requisites::address.eq(&requisites.address),
            billing_requisites::updated_at.eq(diesel::dsl::now),
        );
        diesel::insert_into(billing_requisites::table)
            .values((billing_requisites::tenant_id.eq(scope.tenant_id()), values))
            .on_conflict(billing_requisites::tenant_id)
            .do_update()
            .set(values)
            .execute(conn)
            .await?;
        crate::audit::record(
            conn,
            scope,
            actor,
            "billing.requisites",
            "tenant",
            Some(&scope.tenant_id().0.to_string()),
            serde_json::json!({"inn": requisites.inn}),
        )
        .await?;
        Ok(())
    })
    .await
}
