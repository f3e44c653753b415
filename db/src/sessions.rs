//! Refresh tokens: stored as hashes, used once each. Using one hands out its successor in the
//! same family; using one a second time means it was copied, so the whole family is revoked.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::refresh_tokens;
use otklik_schema::{TenantId, UserId};

use crate::{DbError, TenantScope};

pub struct NewRefresh<'a> {
    pub user: UserId,
    pub token_hash: &'a str,
    pub family: &'a str,
    pub expires_at: DateTime<Utc>,
}

pub async fn store(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    token: &NewRefresh<'_>,
) -> Result<(), DbError> {
    diesel::insert_into(refresh_tokens::table)
        .values((
            refresh_tokens::tenant_id.eq(scope.tenant_id()),
            refresh_tokens::user_id.eq(token.user),
            refresh_tokens::token_hash.eq(token.token_hash),
            refresh_tokens::family.eq(token.family),
            refresh_tokens::expires_at.eq(token.expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// What presenting a refresh token finds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Use {
    /// Valid: it is now used; issue its successor in `family`.
    Fresh {
        tenant: TenantId,
        user: UserId,
        family: String,
        /// The used token's end, which its successor keeps: a session lives at most
        /// `REFRESH_TTL` from its sign-in however often it is refreshed.
        expires_at: DateTime<Utc>,
    },
    /// Used before (or its family revoked): the family is revoked now.
    Replayed,
    /// Unknown or expired.
    Invalid,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = refresh_tokens, check_for_backend(diesel::pg::Pg))]
struct Presented {
    tenant_id: TenantId,
    user_id: UserId,
    family: String,
    expires_at: DateTime<Utc>,
    used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

/// Marks the token used, atomically: of two concurrent uses only one is `Fresh`.
pub async fn use_token(conn: &mut AsyncPgConnection, token_hash: &str) -> Result<Use, DbError> {
    conn.transaction::<_, DbError, _>(async |conn| {
        let found: Option<Presented> = refresh_tokens::table
            .filter(refresh_tokens::token_hash.eq(token_hash))
            .select(Presented::as_select())
            .for_update()
            .first(conn)
            .await
            .optional()?;
        let Some(Presented {
            tenant_id: tenant,
            user_id: user,
            family,
            expires_at,
            used_at,
            revoked_at,
        }) = found
        else {
            return Ok(Use::Invalid);
        };
        if used_at.is_some() || revoked_at.is_some() {
            revoke_family(conn, &family).await?;
            return Ok(Use::Replayed);
        }
        if expires_at <= Utc::now() {
            return Ok(Use::Invalid);
        }
        diesel::update(refresh_tokens::table.filter(refresh_tokens::token_hash.eq(token_hash)))
            .set(refresh_tokens::used_at.eq(diesel::dsl::now))
            .execute(conn)
            .await?;
        Ok(Use::Fresh {
            tenant,
            user,
            family,
            expires_at,
        })
    })
    .await
}

async fn revoke_family(conn: &mut AsyncPgConnection, family: &str) -> Result<(), DbError> {
    diesel::update(
        refresh_tokens::table
            .filter(refresh_tokens::family.eq(family))
            .filter(refresh_tokens::revoked_at.is_null()),
    )
    .set(refresh_tokens::revoked_at.eq(diesel::dsl::now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Signs out the session the token belongs to (its whole family).
pub async fn revoke(conn: &mut AsyncPgConnection, token_hash: &str) -> Result<(), DbError> {
    let family: Option<String> = refresh_tokens::table
        .filter(refresh_tokens::token_hash.eq(token_hash))
        .select(refresh_tokens::family)
        .first(conn)
        .await
        .optional()?;
    if let Some(family) = family {
        revoke_family(conn, &family).await?;
    }
    Ok(())
}
