//! Merchants' people: signing up (a tenant and its first admin), signing in with lockout after
//! repeated failures, and reading who someone is.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::{tenants, users};
use otklik_schema::{Locale, Role, TenantId, UserId};

use crate::{DbError, TenantScope};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = users, check_for_backend(diesel::pg::Pg))]
pub struct User {
    pub id: UserId,
    pub tenant_id: TenantId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// The language they read the dashboard in.
    pub locale: Locale,
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
    /// When the person accepted the terms and consented to the processing of their personal
    /// data; sign-up refuses without both, so the moment is always known.
    pub consented_at: DateTime<Utc>,
    /// Whether the address counts as confirmed at once: an installation that sends no e-mail
    /// cannot ask for a confirmation, and its shops would otherwise never go live.
    pub confirmed: bool,
}

/// Creates the tenant and its first admin in one transaction. Unless `confirmed`, the admin's
/// address is not yet confirmed, and the shop waits for it before going live (see
/// [`crate::email_verifications`]).
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
                tenants::awaiting_verification.eq(!merchant.confirmed),
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
                users::terms_accepted_at.eq(merchant.consented_at),
                users::personal_data_consent_at.eq(merchant.consented_at),
                users::email_verified_at.eq(merchant.confirmed.then_some(merchant.consented_at)),
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

/// Takes one sign-in attempt for the account before its password is checked: `false` when it
/// is locked. Counted first and atomically (the row is locked while it changes), so guesses sent
/// at once cannot all pass the check together: the `limit`-th attempt in a row locks the account
/// until `until`, and a success resets the count ([`record_success`]). The count of an account
/// whose lock has run out starts again.
pub async fn claim_attempt(
    conn: &mut AsyncPgConnection,
    user: UserId,
    limit: i32,
    until: DateTime<Utc>,
) -> Result<bool, DbError> {
    use diesel::sql_types::{BigInt, Integer, Timestamptz};
    let claimed = diesel::sql_query(
        "UPDATE users
            SET failed_logins = CASE WHEN locked_until IS NOT NULL THEN 1
                                     ELSE failed_logins + 1 END,
                locked_until = CASE WHEN (CASE WHEN locked_until IS NOT NULL THEN 1
                                               ELSE failed_logins + 1 END) >= $2
                                    THEN $3 END
          WHERE id = $1 AND (locked_until IS NULL OR locked_until <= now())",
    )
    .bind::<BigInt, _>(user)
    .bind::<Integer, _>(limit)
    .bind::<Timestamptz, _>(until)
    .execute(conn)
    .await?;
    Ok(claimed == 1)
}

/// The attempt [`claim_attempt`] took was the right password: the count starts again.
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

/// The people a conversation can be handed to: active admins and operators, by name. A shop's
/// plan bounds its seats, so the list is short.
pub async fn assignees(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
) -> Result<Vec<User>, DbError> {
    const MAX: i64 = 500;
    Ok(users::table
        .filter(users::tenant_id.eq(scope.tenant_id()))
        .filter(users::disabled_at.is_null())
        .filter(users::role.eq_any([Role::Admin, Role::Operator]))
        .order((users::display_name, users::id))
        .limit(MAX)
        .select(User::as_select())
        .load(conn)
        .await?)
}

/// Changes someone's role or access; `None` when the tenant has no such user. Disabling ends
/// their sessions; a new role or disabling refuses their access tokens signed before (see
/// [`session_state`]).
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
                                  WHEN $4 THEN coalesce(disabled_at, now()) END,
               tokens_valid_after = CASE
                   WHEN ($3 IS NOT NULL AND $3 <> role) OR $4 THEN now()
                   ELSE tokens_valid_after END
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

/// Uses a reset token once: sets the new password, clears the lockout, ends every session
/// (access tokens included), voids the account's other reset links and revokes the API keys it
/// made — whoever held the old password may have made some. `false` when the token is unknown,
/// used or expired.
pub async fn reset_password(
    conn: &mut AsyncPgConnection,
    token_hash: &str,
    password_hash: &str,
) -> Result<bool, DbError> {
    use otklik_schema::schema::password_resets;
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
        end_sessions(conn, tenant, user).await?;
        diesel::sql_query(
            "UPDATE api_keys SET revoked_at = now()
              WHERE tenant_id = $1 AND created_by = $2 AND revoked_at IS NULL",
        )
        .bind::<diesel::sql_types::BigInt, _>(tenant)
        .bind::<diesel::sql_types::BigInt, _>(user)
        .execute(conn)
        .await?;
        Ok(true)
    })
    .await
}

/// Ends every session of the user: refresh tokens revoked, access tokens signed until now
/// refused, and reset links not yet used voided.
async fn end_sessions(
    conn: &mut AsyncPgConnection,
    tenant: TenantId,
    user: UserId,
) -> Result<(), diesel::result::Error> {
    use diesel::sql_types::BigInt;
    diesel::sql_query(
        "UPDATE refresh_tokens SET revoked_at = now()
          WHERE tenant_id = $1 AND user_id = $2 AND revoked_at IS NULL",
    )
    .bind::<BigInt, _>(tenant)
    .bind::<BigInt, _>(user)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "UPDATE password_resets SET used_at = now()
          WHERE tenant_id = $1 AND user_id = $2 AND used_at IS NULL",
    )
    .bind::<BigInt, _>(tenant)
    .bind::<BigInt, _>(user)
    .execute(conn)
    .await?;
    diesel::sql_query(
        "UPDATE users SET tokens_valid_after = now()
          WHERE tenant_id = $1 AND id = $2",
    )
    .bind::<BigInt, _>(tenant)
    .bind::<BigInt, _>(user)
    .execute(conn)
    .await?;
    Ok(())
}

/// The signed-in user's password hash, to check the current password before changing it.
pub async fn password_hash(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    user: UserId,
) -> Result<Option<String>, DbError> {
    Ok(users::table
        .filter(users::tenant_id.eq(scope.tenant_id()))
        .filter(users::id.eq(user))
        .filter(users::disabled_at.is_null())
        .select(users::password_hash)
        .first::<Option<String>>(conn)
        .await
        .optional()?
        .flatten())
}

/// Sets a new password the user chose while signed in: every session ends (the caller opens a
/// new one for the person changing it) and unused reset links are voided.
pub async fn change_password(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    user: UserId,
    password_hash: &str,
) -> Result<(), DbError> {
    conn.transaction::<_, DbError, _>(async |conn| {
        diesel::update(
            users::table
                .filter(users::tenant_id.eq(scope.tenant_id()))
                .filter(users::id.eq(user)),
        )
        .set((
            users::password_hash.eq(password_hash),
            users::failed_logins.eq(0),
            users::locked_until.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await?;
        end_sessions(conn, scope.tenant_id(), user).await?;
        crate::audit::record(
            conn,
            scope,
            user,
            "user.change_password",
            "user",
            Some(&user.0.to_string()),
            serde_json::json!({}),
        )
        .await?;
        Ok(())
    })
    .await
}

/// What a person may change of their own profile; a `None` stays as it is.
#[derive(Debug, Default, AsChangeset)]
#[diesel(table_name = users)]
pub struct ProfileChange<'a> {
    pub display_name: Option<&'a str>,
    pub locale: Option<Locale>,
}

/// Changes the signed-in user's own profile; `None` when the account is disabled. Nothing to
/// change reads the user as they are.
pub async fn update_profile(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    user: UserId,
    change: ProfileChange<'_>,
) -> Result<Option<User>, DbError> {
    let mine = users::table
        .filter(users::tenant_id.eq(scope.tenant_id()))
        .filter(users::id.eq(user))
        .filter(users::disabled_at.is_null());
    if change.display_name.is_none() && change.locale.is_none() {
        return Ok(mine
            .select(User::as_select())
            .first(conn)
            .await
            .optional()?);
    }
    Ok(diesel::update(mine)
        .set(change)
        .returning(User::as_returning())
        .get_result(conn)
        .await
        .optional()?)
}

/// What decides whether a user's access tokens still hold: their account is enabled, and tokens
/// signed before `tokens_valid_after` are refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionState {
    pub active: bool,
    pub tokens_valid_after: Option<DateTime<Utc>>,
}

/// The user's [`SessionState`]; `None` when there is no such user.
pub async fn session_state(
    conn: &mut AsyncPgConnection,
    user: UserId,
) -> Result<Option<SessionState>, DbError> {
    Ok(users::table
        .find(user)
        .select((users::disabled_at, users::tokens_valid_after))
        .first::<(Option<DateTime<Utc>>, Option<DateTime<Utc>>)>(conn)
        .await
        .optional()?
        .map(|(disabled_at, tokens_valid_after)| SessionState {
            active: disabled_at.is_none(),
            tokens_valid_after,
        }))
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
