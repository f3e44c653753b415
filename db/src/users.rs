//! Merchants' people: signing up (a tenant and its first admin), signing in with lockout after
//! repeated failures, and reading who someone is.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::{tenants, users};
use otklik_schema::{Role, TenantId, UserId};

use crate::{DbError, TenantScope};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
}

#[derive(Debug, thiserror::Error)]
pub enum SignupError {
    #[error("this e-mail is already registered")]
    EmailTaken,
    #[error("this shop address is taken")]
    SlugTaken,
    #[error(transparent)]
    Database(#[from] DbError),
}

impl From<diesel::result::Error> for SignupError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Database(err.into())
    }
}

/// What sign-up creates.
pub struct NewMerchant<'a> {
    pub shop_name: &'a str,
    pub slug: &'a str,
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
}

/// Creates the tenant and its first admin in one transaction.
pub async fn sign_up(
    conn: &mut AsyncPgConnection,
    merchant: &NewMerchant<'_>,
) -> Result<User, SignupError> {
    use diesel::result::{DatabaseErrorKind, Error};
    conn.transaction::<_, SignupError, _>(async |conn| {
        let tenant = diesel::insert_into(tenants::table)
            .values((
                tenants::name.eq(merchant.shop_name),
                tenants::slug.eq(merchant.slug),
            ))
            .returning(tenants::id)
            .get_result::<TenantId>(conn)
            .await
            .map_err(|err| match err {
                Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                    SignupError::SlugTaken
                }
                other => DbError::from(other).into(),
            })?;
        diesel::insert_into(users::table)
            .values((
                users::tenant_id.eq(tenant),
                users::email.eq(merchant.email),
                users::display_name.eq(merchant.display_name),
                users::role.eq(Role::Admin),
                users::password_hash.eq(merchant.password_hash),
            ))
            .returning(User::as_returning())
            .get_result(conn)
            .await
            .map_err(|err| match err {
                Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                    SignupError::EmailTaken
                }
                other => DbError::from(other).into(),
            })
    })
    .await
}

/// What sign-in needs to decide.
#[derive(Debug, Clone, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct Credentials {
    #[diesel(embed)]
    pub user: User,
    pub password_hash: Option<String>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub locked_until: Option<DateTime<Utc>>,
}

/// The account signing in with this e-mail (case-insensitive), from any tenant: e-mails are
/// unique across tenants.
pub async fn credentials(
    conn: &mut AsyncPgConnection,
    email: &str,
) -> Result<Option<Credentials>, DbError> {
    Ok(users::table
        .filter(
            diesel::dsl::sql::<diesel::sql_types::Bool>("lower(email) = lower(")
                .bind::<diesel::sql_types::Text, _>(email)
                .sql(")"),
        )
        .select(Credentials::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Counts a failed sign-in; the `limit`-th failure in a row locks the account until `until`.
/// Returns when it is locked until, if it is.
pub async fn record_failure(
    conn: &mut AsyncPgConnection,
    user: UserId,
    limit: i32,
    until: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbError> {
    Ok(diesel::update(users::table.find(user))
        .set((
            users::failed_logins.eq(users::failed_logins + 1),
            users::locked_until.eq(diesel::dsl::sql::<
                diesel::sql_types::Nullable<diesel::sql_types::Timestamptz>,
            >("CASE WHEN failed_logins + 1 >= ")
            .bind::<diesel::sql_types::Integer, _>(limit)
            .sql(" THEN ")
            .bind::<diesel::sql_types::Timestamptz, _>(until)
            .sql(" ELSE locked_until END")),
        ))
        .returning(users::locked_until)
        .get_result(conn)
        .await?)
}

pub async fn record_success(conn: &mut AsyncPgConnection, user: UserId) -> Result<(), DbError> {
    diesel::update(users::table.find(user))
        .set((
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<DateTime<Utc>>),
            users::last_login_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A user of the tenant who may still sign in.
pub async fn active(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    user: UserId,
) -> Result<Option<User>, DbError> {
    Ok(users::table
        .filter(users::tenant_id.eq(scope.tenant_id()))
        .filter(users::id.eq(user))
        .filter(users::disabled_at.is_null())
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?)
}
