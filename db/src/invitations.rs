//! Invitations to join a shop: created by an admin, accepted once by the invited person.

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::{invitations, users};
use otklik_schema::{Role, TenantId, UserId};

use crate::users::User;
use crate::{DbError, TenantScope};

#[derive(Debug, Clone, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = invitations, check_for_backend(diesel::pg::Pg))]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum InviteError {
    #[error("someone with this e-mail already has an account")]
    AlreadyUser,
    #[error(transparent)]
    Database(#[from] DbError),
}

impl From<diesel::result::Error> for InviteError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Database(err.into())
    }
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    invited_by: UserId,
    email: &str,
    role: Role,
    token_hash: &str,
    expires_at: DateTime<Utc>,
) -> Result<Invitation, InviteError> {
    conn.transaction::<_, InviteError, _>(async |conn| {
        let taken: i64 = users::table
            .filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>("lower(email) = lower(")
                    .bind::<Text, _>(email)
                    .sql(")"),
            )
            .count()
            .get_result(conn)
            .await?;
        if taken > 0 {
            return Err(InviteError::AlreadyUser);
        }
        let invitation = diesel::insert_into(invitations::table)
            .values((
                invitations::tenant_id.eq(scope.tenant_id()),
                invitations::email.eq(email),
                invitations::role.eq(role),
                invitations::token_hash.eq(token_hash),
                invitations::invited_by.eq(invited_by),
                invitations::expires_at.eq(expires_at),
            ))
            .returning(Invitation::as_returning())
            .get_result(conn)
            .await?;
        audit(conn, scope, invited_by, "invitation.create", invitation.id).await?;
        Ok(invitation)
    })
    .await
}

async fn audit(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    action: &str,
    invitation: i64,
) -> Result<(), DbError> {
    let id = invitation.to_string();
    Ok(crate::audit::record(
        conn,
        scope,
        actor,
        action,
        "invitation",
        Some(&id),
        serde_json::json!({}),
    )
    .await?)
}

/// Invitations not yet accepted, revoked or expired, newest first.
pub async fn pending(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
) -> Result<Vec<Invitation>, DbError> {
    Ok(invitations::table
        .filter(invitations::tenant_id.eq(scope.tenant_id()))
        .filter(invitations::accepted_at.is_null())
        .filter(invitations::revoked_at.is_null())
        .filter(invitations::expires_at.gt(diesel::dsl::now))
        .order(invitations::created_at.desc())
        .select(Invitation::as_select())
        .load(conn)
        .await?)
}

/// Revokes a pending invitation of the tenant; `false` when there is none with this id.
pub async fn revoke(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    id: i64,
) -> Result<bool, DbError> {
    conn.transaction::<_, DbError, _>(async |conn| {
        let changed = diesel::update(
            invitations::table
                .filter(invitations::tenant_id.eq(scope.tenant_id()))
                .filter(invitations::id.eq(id))
                .filter(invitations::accepted_at.is_null())
                .filter(invitations::revoked_at.is_null()),
        )
        .set(invitations::revoked_at.eq(diesel::dsl::now))
        .execute(conn)
        .await?;
        if changed == 1 {
            audit(conn, scope, actor, "invitation.revoke", id).await?;
        }
        Ok(changed == 1)
    })
    .await
}

#[derive(Debug, thiserror::Error)]
pub enum AcceptError {
    #[error("the invitation is unknown, used, revoked or expired")]
    Invalid,
    #[error("someone with this e-mail already has an account")]
    AlreadyUser,
    #[error(transparent)]
    Database(#[from] DbError),
}

impl From<diesel::result::Error> for AcceptError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Database(err.into())
    }
}

/// Uses the invitation once: the person joins its shop with its role.
pub async fn accept(
    conn: &mut AsyncPgConnection,
    token_hash: &str,
    display_name: &str,
    password_hash: &str,
) -> Result<User, AcceptError> {
    use diesel::result::{DatabaseErrorKind, Error};
    conn.transaction::<_, AcceptError, _>(async |conn| {
        // Either token works: the one answered to the admin, or the one in the e-mail.
        let either_token = diesel::dsl::sql::<diesel::sql_types::Bool>("(token_hash = ")
            .bind::<Text, _>(token_hash)
            .sql(" OR mail_token_hash = ")
            .bind::<Text, _>(token_hash)
            .sql(")");
        let found: Option<(i64, TenantId, String, Role)> = diesel::update(
            invitations::table
                .filter(either_token)
                .filter(invitations::accepted_at.is_null())
                .filter(invitations::revoked_at.is_null())
                .filter(invitations::expires_at.gt(diesel::dsl::now)),
        )
        .set(invitations::accepted_at.eq(diesel::dsl::now))
        .returning((
            invitations::id,
            invitations::tenant_id,
            invitations::email,
            invitations::role,
        ))
        .get_result(conn)
        .await
        .optional()?;
        let Some((_, tenant, email, role)) = found else {
            return Err(AcceptError::Invalid);
        };
        diesel::insert_into(users::table)
            .values((
                users::tenant_id.eq(tenant),
                users::email.eq(&email),
                users::display_name.eq(display_name),
                users::role.eq(role),
                users::password_hash.eq(password_hash),
            ))
            .returning(User::as_returning())
            .get_result(conn)
            .await
            .map_err(|err| match err {
                Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => {
                    AcceptError::AlreadyUser
                }
                other => DbError::from(other).into(),
            })
    })
    .await
}

/// What the invitation e-mail says: who invited whom to which shop, with which role, until when.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName)]
pub struct InvitationMail {
    #[diesel(sql_type = Text)]
    pub email: String,
    #[diesel(sql_type = Text)]
    pub role: Role,
    #[diesel(sql_type = Timestamptz)]
    pub expires_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub shop: String,
    /// The inviter's name, or their e-mail when they gave no name; empty if they left.
    #[diesel(sql_type = Text)]
    pub invited_by: String,
}

/// Claims the e-mail of a pending invitation for sending, with the hash of the token the mail
/// carries: `None` when it was claimed before (a retried job sends nothing), or the invitation
/// is no longer pending. If sending then fails, [`release_mail`] lets a retry claim it again.
pub async fn claim_mail(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: i64,
    mail_token_hash: &str,
) -> Result<Option<InvitationMail>, DbError> {
    Ok(diesel::sql_query(
        "UPDATE invitations i SET mailed_at = now(), mail_token_hash = $3
           FROM tenants t
          WHERE t.id = i.tenant_id AND i.tenant_id = $1 AND i.id = $2
            AND i.mailed_at IS NULL AND i.accepted_at IS NULL AND i.revoked_at IS NULL
            AND i.expires_at > now()
         RETURNING i.email, i.role, i.expires_at, t.name AS shop,
                   COALESCE((SELECT COALESCE(NULLIF(u.display_name, ''), u.email) FROM users u
                              WHERE u.tenant_id = i.tenant_id AND u.id = i.invited_by), '')
                       AS invited_by",
    )
    .bind::<BigInt, _>(scope.tenant_id().0)
    .bind::<BigInt, _>(id)
    .bind::<Text, _>(mail_token_hash)
    .get_result(conn)
    .await
    .optional()?)
}

/// Undoes [`claim_mail`] after the e-mail could not be sent; its token stops working.
pub async fn release_mail(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: i64,
) -> Result<(), DbError> {
    diesel::sql_query(
        "UPDATE invitations SET mailed_at = NULL, mail_token_hash = NULL
          WHERE tenant_id = $1 AND id = $2 AND accepted_at IS NULL",
    )
    .bind::<BigInt, _>(scope.tenant_id().0)
    .bind::<BigInt, _>(id)
    .execute(conn)
    .await?;
    Ok(())
}
