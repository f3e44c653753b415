//! Confirming a person's e-mail address: the single-use links e-mailed after sign-up (stored
//! hashed, valid 48 hours), and what confirming does — the person is verified, and a shop that
//! waited for its owner goes live: the channels held off meanwhile are switched on.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::{channels, email_verifications, tenants, users};
use otklik_schema::{ChannelId, Role, TenantId, UserId};

use crate::users::User;
use crate::{DbError, TenantScope};

/// Stores a link's token hash for the person, valid until `expires_at`.
pub async fn store(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    user: UserId,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<(), DbError> {
    diesel::insert_into(email_verifications::table)
        .values((
            email_verifications::tenant_id.eq(scope.tenant_id()),
            email_verifications::user_id.eq(user),
            email_verifications::token_hash.eq(token_hash),
            email_verifications::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The person, if they may still sign in and have not confirmed their address: who a
/// confirmation mail is for.
pub async fn unverified(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    user: UserId,
) -> Result<Option<User>, DbError> {
    Ok(users::table
        .filter(users::tenant_id.eq(scope.tenant_id()))
        .filter(users::id.eq(user))
        .filter(users::disabled_at.is_null())
        .filter(users::email_verified_at.is_null())
        .select(User::as_select())
        .first(conn)
        .await
        .optional()?)
}

/// Whether the person has confirmed their address (`false` for no such person).
pub async fn is_verified(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    user: UserId,
) -> Result<bool, DbError> {
    Ok(users::table
        .filter(users::tenant_id.eq(scope.tenant_id()))
        .filter(users::id.eq(user))
        .select(users::email_verified_at)
        .first::<Option<DateTime<Utc>>>(conn)
        .await
        .optional()?
        .flatten()
        .is_some())
}

/// What a link is, read without using it (the page that asks to confirm) or after trying to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// The link can confirm: unused and in time.
    Usable,
    /// This use confirmed the address; the shop's channels switched on by it.
    Confirmed {
        tenant: TenantId,
        switched_on: Vec<ChannelId>,
    },
    /// Used already, or the address was confirmed by another link.
    Used,
    /// Not used, but past its 48 hours.
    Expired,
    /// No such link: mistyped or made up.
    Unknown,
}

/// A stored link as [`look`] judges it.
#[derive(Queryable)]
struct Stored {
    used_at: Option<DateTime<Utc>>,
    expires_at: DateTime<Utc>,
    /// When the person's address was confirmed, by this link or another.
    verified_at: Option<DateTime<Utc>>,
}

/// What a link is, without using it.
pub async fn look(conn: &mut AsyncPgConnection, token_hash: &str) -> Result<Link, DbError> {
    let found: Option<Stored> = email_verifications::table
        .inner_join(
            users::table.on(users::id
                .eq(email_verifications::user_id)
                .and(users::tenant_id.eq(email_verifications::tenant_id))),
        )
        .filter(email_verifications::token_hash.eq(token_hash))
        .select((
            email_verifications::used_at,
            email_verifications::expires_at,
            users::email_verified_at,
        ))
        .first(conn)
        .await
        .optional()?;
    Ok(match found {
        None => Link::Unknown,
        Some(link) if link.used_at.is_some() || link.verified_at.is_some() => Link::Used,
        Some(link) if link.expires_at <= Utc::now() => Link::Expired,
        Some(_) => Link::Usable,
    })
}

/// Uses a link once: the person's address is confirmed, their other links are void, and if they
/// are an admin of a shop that waited for its owner, the shop goes live — the channels held off
/// meanwhile are switched on (their ids answered, for caches to forget). A link that cannot
/// confirm changes nothing and says why.
pub async fn confirm(conn: &mut AsyncPgConnection, token_hash: &str) -> Result<Link, DbError> {
    use diesel::sql_types::BigInt;
    let outcome = conn
        .transaction::<_, DbError, _>(async |conn| {
            let owner: Option<(TenantId, UserId)> = diesel::update(
                email_verifications::table
                    .filter(email_verifications::token_hash.eq(token_hash))
                    .filter(email_verifications::used_at.is_null())
                    .filter(email_verifications::expires_at.gt(diesel::dsl::now)),
            )
            .set(email_verifications::used_at.eq(diesel::dsl::now))
            .returning((email_verifications::tenant_id, email_verifications::user_id))
            .get_result(conn)
            .await
            .optional()?;
            let Some((tenant, user)) = owner else {
                return Ok(None);
            };
            let role: Option<Role> = diesel::update(
                users::table
                    .filter(users::tenant_id.eq(tenant))
                    .filter(users::id.eq(user))
                    .filter(users::disabled_at.is_null()),
            )
            .set(users::email_verified_at.eq(diesel::dsl::now))
            .returning(users::role)
            .get_result(conn)
            .await
            .optional()?;
            // A disabled account confirms nothing; its link is spent all the same.
            let Some(role) = role else {
                return Ok(Some(Link::Used));
            };
            diesel::sql_query(
                "UPDATE email_verifications SET used_at = now()
                  WHERE tenant_id = $1 AND user_id = $2 AND used_at IS NULL",
            )
            .bind::<BigInt, _>(tenant)
            .bind::<BigInt, _>(user)
            .execute(conn)
            .await?;
            let mut switched_on = Vec::new();
            if role == Role::Admin {
                // The row lock taken here orders this against a channel being connected at the
                // same moment (`channels::create` share-locks the row first).
                let went_live = diesel::update(
                    tenants::table
                        .filter(tenants::id.eq(tenant))
                        .filter(tenants::awaiting_verification),
                )
                .set(tenants::awaiting_verification.eq(false))
                .execute(conn)
                .await?
                    == 1;
                if went_live {
                    switched_on = diesel::update(
                        channels::table
                            .filter(channels::tenant_id.eq(tenant))
                            .filter(channels::awaiting_verification),
                    )
                    .set((
                        channels::enabled.eq(true),
                        channels::awaiting_verification.eq(false),
                    ))
                    .returning(channels::id)
                    .get_results(conn)
                    .await?;
                }
            }
            crate::audit::record(
                conn,
                TenantScope::trusted(tenant),
                user,
                "user.verify_email",
                "user",
                Some(&user.0.to_string()),
                serde_json::json!({"channels_switched_on": switched_on.len()}),
            )
            .await?;
            Ok(Some(Link::Confirmed {
                tenant,
                switched_on,
            }))
        })
        .await?;
    match outcome {
        Some(link) => Ok(link),
        None => look(conn, token_hash).await,
    }
}
