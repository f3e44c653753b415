//! Quick replies: a shop's ready-made answers that operators insert into the reply box. Each
//! change runs in one transaction with its audit-log row; everything is scoped to the tenant, so
//! another tenant's id finds nothing and changes nothing.

use chrono::{DateTime, Utc};
use diesel::QueryableByName;
use diesel::result::{DatabaseErrorKind, Error};
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_schema::UserId;
use serde::Serialize;
use serde_json::{Value, json};

use crate::{DbError, TenantScope};

/// Why a quick-reply change was refused.
#[derive(Debug, thiserror::Error)]
pub enum QuickReplyError {
    #[error("no such quick reply")]
    NotFound,
    #[error("another quick reply already uses this shortcut")]
    ShortcutTaken,
    #[error(transparent)]
    Database(#[from] DbError),
}

impl From<Error> for QuickReplyError {
    fn from(err: Error) -> Self {
        match err {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => Self::ShortcutTaken,
            Error::NotFound => Self::NotFound,
            err => Self::Database(err.into()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, QueryableByName)]
pub struct QuickReply {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub text: String,
    #[diesel(sql_type = Nullable<Text>)]
    pub shortcut: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub created_by: Option<i64>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, title, text, shortcut, created_by, created_at, updated_at";

/// A quick reply's fields, checked by the caller.
#[derive(Debug, Clone, Default)]
pub struct Fields {
    pub title: Option<String>,
    pub text: Option<String>,
    /// `Some(None)` clears the shortcut.
    pub shortcut: Option<Option<String>>,
}

/// The tenant's quick replies by id, after `after`, at most `limit`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<QuickReply>, DbError> {
    Ok(diesel::sql_query(format!(
        "SELECT {COLUMNS} FROM quick_replies WHERE tenant_id = $1 AND id > $2 ORDER BY id LIMIT $3"
    ))
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(after.unwrap_or(0))
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}

async fn audit(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    action: &str,
    id: i64,
    details: Value,
) -> Result<(), Error> {
    crate::audit::record(
        conn,
        scope,
        actor,
        action,
        "quick_reply",
        Some(&id.to_string()),
        details,
    )
    .await
}

pub async fn create(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    title: &str,
    text: &str,
    shortcut: Option<&str>,
) -> Result<QuickReply, QuickReplyError> {
    let (title, text, shortcut) = (
        title.to_owned(),
        text.to_owned(),
        shortcut.map(str::to_owned),
    );
    conn.transaction::<_, Error, _>(async |conn| {
        let reply: QuickReply = diesel::sql_query(format!(
            "INSERT INTO quick_replies (tenant_id, title, text, shortcut, created_by)
                 VALUES ($1, $2, $3, $4, $5) RETURNING {COLUMNS}"
        ))
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<Text, _>(&title)
        .bind::<Text, _>(&text)
        .bind::<Nullable<Text>, _>(&shortcut)
        .bind::<BigInt, _>(actor)
        .get_result(conn)
        .await?;
        let details = json!({"title": reply.title, "shortcut": reply.shortcut});
        audit(conn, scope, actor, "quick_reply.create", reply.id, details).await?;
        Ok(reply)
    })
    .await
    .map_err(Into::into)
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    id: i64,
    fields: Fields,
) -> Result<QuickReply, QuickReplyError> {
    conn.transaction::<_, Error, _>(async |conn| {
        let clear_shortcut = matches!(fields.shortcut, Some(None));
        let shortcut = fields.shortcut.clone().flatten();
        let reply: QuickReply = diesel::sql_query(format!(
            "UPDATE quick_replies
                    SET title = coalesce($3, title), text = coalesce($4, text),
                        shortcut = CASE WHEN $6 THEN NULL ELSE coalesce($5, shortcut) END,
                        updated_at = now()
                  WHERE tenant_id = $1 AND id = $2 RETURNING {COLUMNS}"
        ))
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<BigInt, _>(id)
        .bind::<Nullable<Text>, _>(&fields.title)
        .bind::<Nullable<Text>, _>(&fields.text)
        .bind::<Nullable<Text>, _>(&shortcut)
        .bind::<diesel::sql_types::Bool, _>(clear_shortcut)
        .get_result(conn)
        .await?;
        let details = json!({
            "title": fields.title.is_some(),
            "text": fields.text.is_some(),
            "shortcut": fields.shortcut.is_some(),
        });
        audit(conn, scope, actor, "quick_reply.update", reply.id, details).await?;
        Ok(reply)
    })
    .await
    .map_err(Into::into)
}

pub async fn delete(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    id: i64,
) -> Result<(), QuickReplyError> {
    conn.transaction::<_, Error, _>(async |conn| {
        let deleted =
            diesel::sql_query("DELETE FROM quick_replies WHERE tenant_id = $1 AND id = $2")
                .bind::<BigInt, _>(scope.tenant_id())
                .bind::<BigInt, _>(id)
                .execute(conn)
                .await?;
        if deleted == 0 {
            return Err(Error::NotFound);
        }
        audit(conn, scope, actor, "quick_reply.delete", id, json!({})).await
    })
    .await
    .map_err(Into::into)
}
