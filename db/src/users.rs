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

/// A person as the admin's user list shows them.
#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct Member {
    #[diesel(embed)]
    pub user: User,
    pub disabled_at: Option<DateTime<Utc>>,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// The tenant's people by id, after `after`, at most `limit`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Member>, DbError> {
    Ok(users::table
        .filter(users::tenant_id.eq(scope.tenant_id()))
        .filter(users::id.gt(after.unwrap_or(0)))
        .order(users::id)
        .limit(limit)
        .select(Member::as_select())
        .load(conn)
        .await?)
}

/// Changes someone's role or access; `None` when the tenant has no such user. Disabling ends
/// their sessions.
pub async fn update_member(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    user: UserId,
    role: Option<Role>,
    disabled: Option<bool>,
) -> Result<Option<Member>, DbError> {
    use diesel::sql_types::{BigInt, Bool, Nullable, Text};
    conn.transaction::<_, DbError, _>(async |conn| {
        let changed = diesel::sql_query(
            "UPDATE users SET
               role = coalesce($3, role),
               disabled_at = CASE WHEN $4 IS NULL THEN disabled_at
                                  WHEN $4 THEN coalesce(disabled_at, now()) END
             WHERE tenant_id = $1 AND id = $2",
        )
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<BigInt, _>(user)
        .bind::<Nullable<Text>, _>(role.map(Role::as_str))
        .bind::<Nullable<Bool>, _>(disabled)
        .execute(conn)
        .await?;
        if changed == 0 {
            return Ok(None);
        }
        if disabled == Some(true) {
            diesel::sql_query(
                "UPDATE refresh_tokens SET revoked_at = now()
                  WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL",
            )
            .bind::<BigInt, _>(scope.tenant_id())
            .bind::<BigInt, _>(user)
            .execute(conn)
            .await?;
        }
        let details = serde_json::json!({"role": role.map(Role::as_str), "disabled": disabled});
        crate::audit::record(
            conn,
            scope,
            actor,
            "user.update",
            "user",
            Some(&user.0.to_string()),
            details,
        )
        .await?;
        Ok(users::table
            .filter(users::tenant_id.eq(scope.tenant_id()))
            .filter(users::id.eq(user))
            .select(Member::as_select())
            .first(conn)
            .await
            .optional()?)
    })
    .await
}

/// Stores a reset token's hash for the user, valid until `expires_at`.
pub async fn store_reset(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    user: UserId,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), DbError> {
    use otklik_schema::schema::password_resets;
    diesel::insert_into(password_resets::table)
        .values((
            password_resets::tenant_id.eq(scope.tenant_id()),
            password_resets::user_id.eq(user),
            password_resets::token_hash.eq(token_hash),
            password_resets::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Uses a reset token once: sets the new password, clears the lockout and ends every session.
/// `false` when the token is unknown, used or expired.
pub async fn reset_password(
    conn: &mut AsyncPgConnection,
    token_hash: &str,
    password_hash: &str,
) -> Result<bool, DbError> {
    use otklik_schema::schema::{password_resets, refresh_tokens};
    conn.transaction::<_, DbError, _>(async |conn| {
        let owner: Option<(TenantId, UserId)> = diesel::update(
            password_resets::table
                .filter(password_resets::token_hash.eq(token_hash))
                .filter(password_resets::used_at.is_null())
                .filter(password_resets::expires_at.gt(diesel::dsl::now)),
        )
        .set(password_resets::used_at.eq(diesel::dsl::now))
        .returning((password_resets::tenant_id, password_resets::user_id))
        .get_result(conn)
        .await
        .optional()?;
        let Some((tenant, user)) = owner else {
            return Ok(false);
        };
        diesel::update(
            users::table
                .filter(users::tenant_id.eq(tenant))
                .filter(users::id.eq(user)),
        )
        .set((
            users::password_hash.eq(password_hash),
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await?;
        diesel::update(
            refresh_tokens::table
                .filter(refresh_tokens::user_id.eq(user))
                .filter(refresh_tokens::revoked_at.is_null()),
        )
        .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
        Ok(true)
    })
    .await
}

/// Adds an admin with this e-mail to the tenant unless the address is taken: for seeding.
pub async fn ensure_admin(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    email: &str,
    display_name: &str,
    password_hash: &str,
) -> Result<(), DbError> {
    use diesel::sql_types::{BigInt, Text};
    diesel::sql_query(
        "INSERT INTO users (tenant_id, email, display_name, role, password_hash)
         VALUES ($1, $2, $3, 'admin', $4)
         ON CONFLICT ((lower(email))) DO NOTHING",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Text, _>(email)
    .bind::<Text, _>(display_name)
    .bind::<Text, _>(password_hash)
    .execute(conn)
    .await?;
    Ok(())
}
