//! The knowledge editor behind the admin API: articles are written as draft versions and go
//! live only when a version is approved, so the assistant (which reads through
//! [`crate::knowledge`]) never quotes unreviewed text. Every write locks its article, so two
//! editors cannot both write "version 3", and records who did it in the audit log in the same
//! transaction.

use chrono::{DateTime, Utc};
use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::pg::{Pg, PgValue};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_schema::UserId;
use otklik_schema::schema::{knowledge_article_versions, knowledge_articles};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::{DbError, TenantScope};

/// Where an article stands. Only `approved` articles are quoted, at their live version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, FromSqlRow)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Never approved: only drafts so far.
    Draft,
    Approved,
    /// Withdrawn from the assistant; approving a version brings it back.
    Archived,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Approved => "approved",
            Self::Archived => "archived",
        }
    }
}

/// A status the database holds but this code does not know: a schema and code out of step.
#[derive(Debug, thiserror::Error)]
#[error("unknown knowledge article status {0:?}")]
pub struct UnknownStatus(String);

impl FromSql<Text, Pg> for Status {
    fn from_sql(bytes: PgValue<'_>) -> diesel::deserialize::Result<Self> {
        match <String as FromSql<Text, Pg>>::from_sql(bytes)?.as_str() {
            "draft" => Ok(Self::Draft),
            "approved" => Ok(Self::Approved),
            "archived" => Ok(Self::Archived),
            other => Err(UnknownStatus(other.to_owned()).into()),
        }
    }
}

/// An article as the editor lists it.
#[derive(Debug, Clone, QueryableByName)]
pub struct Article {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// The live version's title; the newest draft's while none was approved.
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Array<Text>)]
    pub tags: Vec<String>,
    #[diesel(sql_type = Text)]
    pub status: Status,
    /// The version the assistant quotes; `None` unless the article is approved.
    #[diesel(sql_type = Nullable<Integer>)]
    pub live_version: Option<i32>,
    #[diesel(sql_type = Integer)]
    pub latest_version: i32,
    /// The newest version when it still awaits approval.
    #[diesel(sql_type = Nullable<Integer>)]
    pub draft_version: Option<i32>,
    /// Bot replies that quoted the article.
    #[diesel(sql_type = BigInt)]
    pub usage_count: i64,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    /// The last change of the article or its newest version.
    #[diesel(sql_type = Timestamptz)]
    pub updated_at: DateTime<Utc>,
}

/// One version of an article.
#[derive(Debug, Clone, QueryableByName)]
pub struct Version {
    #[diesel(sql_type = Integer)]
    pub version: i32,
    #[diesel(sql_type = Text)]
    pub title: String,
    /// `live`, `approved` (once, not now) or `draft`.
    #[diesel(sql_type = Text)]
    pub status: String,
    /// In a version list, only the live and the newest version carry their text.
    #[diesel(sql_type = Nullable<Text>)]
    pub body: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    pub author_user_id: Option<i64>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub approved_at: Option<DateTime<Utc>>,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
}

/// An article with its versions, newest first.
#[derive(Debug, Clone)]
pub struct Detail {
    pub article: Article,
    pub versions: Vec<Version>,
}

/// Which articles a list shows; `None` means any.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    pub status: Option<Status>,
    pub category: Option<&'a str>,
    pub tag: Option<&'a str>,
    /// Words of the live or newest version (Russian full-text), or part of its title.
    pub text: Option<&'a str>,
}

/// A new article's first version and its labels, already checked by the caller.
#[derive(Debug, Clone, Copy)]
pub struct Draft<'a> {
    pub title: &'a str,
    pub body: &'a str,
    pub category: &'a str,
    pub tags: &'a [String],
}

/// What an edit changes; `None` keeps the current value.
#[derive(Debug, Clone, Copy, Default)]
pub struct Revision<'a> {
    pub title: Option<&'a str>,
    pub body: Option<&'a str>,
    pub category: Option<&'a str>,
    pub tags: Option<&'a [String]>,
}

/// The list columns of `a`, with `l` the article's newest version; `$1` is the tenant.
const ARTICLE_COLUMNS: &str = "
    SELECT a.id, a.title, a.category, a.tags, a.status,
           CASE WHEN a.status = 'approved' THEN a.current_version END AS live_version,
           l.version AS latest_version,
           CASE WHEN l.approved_at IS NULL THEN l.version END AS draft_version,
           a.created_at, greatest(a.updated_at, l.created_at) AS updated_at
      FROM knowledge_articles a
     CROSS JOIN LATERAL (
           SELECT v.version, v.approved_at, v.created_at FROM knowledge_article_versions v
            WHERE v.article_id = a.id ORDER BY v.version DESC LIMIT 1) l
     WHERE a.tenant_id = $1";

/// Adds the usage count to the rows of `page`, after the limit so only listed articles are
/// counted.
const WITH_USAGE: &str = "
    SELECT page.*,
           (SELECT count(*) FROM messages m
             WHERE m.tenant_id = $1 AND m.author = 'bot'
               AND m.meta -> 'articles' @> jsonb_build_array(page.id)) AS usage_count
      FROM page ORDER BY page.id DESC";

/// A page of the tenant's articles, newest first, after the article `after`.
pub async fn list(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    filter: &Filter<'_>,
    after: Option<i64>,
    limit: i64,
) -> Result<Vec<Article>, DbError> {
    let sql = format!(
        "WITH page AS ({ARTICLE_COLUMNS}
           AND ($2::text IS NULL OR a.status = $2)
           AND ($3::text IS NULL OR a.category = $3)
           AND ($4::text IS NULL OR $4 = ANY (a.tags))
           AND ($5::text IS NULL OR EXISTS (
                SELECT 1 FROM knowledge_article_versions v
                 WHERE v.article_id = a.id AND v.version IN (l.version, a.current_version)
                   AND (to_tsvector('russian', v.title || ' ' || v.body)
                            @@ plainto_tsquery('russian', $5)
                        OR strpos(lower(v.title), lower($5)) > 0)))
           AND ($6::bigint IS NULL OR a.id < $6)
         ORDER BY a.id DESC LIMIT $7)
         {WITH_USAGE}"
    );
    Ok(diesel::sql_query(sql)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<Nullable<Text>, _>(filter.status.map(Status::as_str))
        .bind::<Nullable<Text>, _>(filter.category)
        .bind::<Nullable<Text>, _>(filter.tag)
        .bind::<Nullable<Text>, _>(filter.text)
        .bind::<Nullable<BigInt>, _>(after)
        .bind::<BigInt, _>(limit)
        .load(conn)
        .await?)
}

/// The article with its versions; `None` when the tenant has no such article.
pub async fn detail(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: i64,
) -> Result<Option<Detail>, DbError> {
    let sql = format!("WITH page AS ({ARTICLE_COLUMNS} AND a.id = $2) {WITH_USAGE}");
    let article: Option<Article> = diesel::sql_query(sql)
        .bind::<BigInt, _>(scope.tenant_id())
        .bind::<BigInt, _>(id)
        .get_result(conn)
        .await
        .optional()?;
    let Some(article) = article else {
        return Ok(None);
    };
    let versions = diesel::sql_query(
        "SELECT v.version, v.title, v.author_user_id, v.approved_at, v.created_at,
                CASE WHEN a.status = 'approved' AND v.version = a.current_version THEN 'live'
                     WHEN v.approved_at IS NOT NULL THEN 'approved' ELSE 'draft' END AS status,
                CASE WHEN v.version = a.current_version OR v.version = max(v.version) OVER ()
                     THEN v.body END AS body
           FROM knowledge_article_versions v
           JOIN knowledge_articles a ON a.id = v.article_id AND a.tenant_id = v.tenant_id
          WHERE a.tenant_id = $1 AND a.id = $2
          ORDER BY v.version DESC",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(id)
    .load(conn)
    .await?;
    Ok(Some(Detail { article, versions }))
}

/// One version with its text; `None` when the tenant has no such article or version.
pub async fn version(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: i64,
    version: i32,
) -> Result<Option<Version>, DbError> {
    Ok(diesel::sql_query(
        "SELECT v.version, v.title, v.body, v.author_user_id, v.approved_at, v.created_at,
                CASE WHEN a.status = 'approved' AND v.version = a.current_version THEN 'live'
                     WHEN v.approved_at IS NOT NULL THEN 'approved' ELSE 'draft' END AS status
           FROM knowledge_article_versions v
           JOIN knowledge_articles a ON a.id = v.article_id AND a.tenant_id = v.tenant_id
          WHERE a.tenant_id = $1 AND a.id = $2 AND v.version = $3",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<BigInt, _>(id)
    .bind::<Integer, _>(version)
    .get_result(conn)
    .await
    .optional()?)
}

/// Creates a draft article (version 1).
pub async fn create(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    draft: &Draft<'_>,
) -> Result<Detail, DbError> {
    conn.transaction::<_, DbError, _>(async |conn| {
        let id = insert_draft(conn, scope, actor, draft).await?;
        audit(
            conn,
            scope,
            actor,
            "knowledge.article.create",
            Some(id),
            json!({"title": draft.title, "category": draft.category, "tags": draft.tags}),
        )
        .await?;
        found(detail(conn, scope, id).await?)
    })
    .await
}

/// Creates a draft article for each of `drafts`, all or none, and returns their ids in order.
pub async fn import(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    format: &str,
    drafts: &[Draft<'_>],
) -> Result<Vec<i64>, DbError> {
    conn.transaction::<_, DbError, _>(async |conn| {
        let mut ids = Vec::with_capacity(drafts.len());
        for draft in drafts {
            ids.push(insert_draft(conn, scope, actor, draft).await?);
        }
        audit(
            conn,
            scope,
            actor,
            "knowledge.import",
            None,
            json!({"format": format, "articles": ids}),
        )
        .await?;
        Ok(ids)
    })
    .await
}

/// Edits an article: a new title or body becomes a new draft version (an approved version is
/// never changed in place); category and tags change on the article itself, since the
/// assistant does not quote them. `None` when the tenant has no such article.
pub async fn revise(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    id: i64,
    revision: &Revision<'_>,
) -> Result<Option<Detail>, DbError> {
    conn.transaction::<_, DbError, _>(async |conn| {
        let Some(locked) = lock(conn, scope, id).await? else {
            return Ok(None);
        };
        let (latest, title, body): (i32, String, String) = knowledge_article_versions::table
            .filter(knowledge_article_versions::article_id.eq(id))
            .order(knowledge_article_versions::version.desc())
            .select((
                knowledge_article_versions::version,
                knowledge_article_versions::title,
                knowledge_article_versions::body,
            ))
            .first(conn)
            .await?;
        let mut changed = Vec::new();
        let new_title = revision.title.unwrap_or(&title);
        let new_body = revision.body.unwrap_or(&body);
        let mut new_version = None;
        if new_title != title || new_body != body {
            let version = latest + 1;
            insert_version(conn, scope, actor, id, version, new_title, new_body).await?;
            new_version = Some(version);
            changed.extend(
                [("title", new_title != title), ("body", new_body != body)]
                    .into_iter()
                    .filter_map(|(field, differs)| differs.then_some(field)),
            );
        }
        let category = revision.category.filter(|c| *c != locked.category);
        let tags = revision.tags.filter(|t| *t != locked.tags.as_slice());
        changed.extend(category.map(|_| "category"));
        changed.extend(tags.map(|_| "tags"));
        // Until a version is approved, the list shows the newest draft's title.
        let never_live = locked.status == Status::Draft || locked.current_version.is_none();
        let list_title = new_version.and(never_live.then_some(new_title));
        if category.is_some() || tags.is_some() || list_title.is_some() {
            diesel::sql_query(
                "UPDATE knowledge_articles SET
                   category = coalesce($3, category), tags = coalesce($4, tags),
                   title = coalesce($5, title), updated_at = now()
                 WHERE tenant_id = $1 AND id = $2",
            )
            .bind::<BigInt, _>(scope.tenant_id())
            .bind::<BigInt, _>(id)
            .bind::<Nullable<Text>, _>(category)
            .bind::<Nullable<Array<Text>>, _>(tags)
            .bind::<Nullable<Text>, _>(list_title)
            .execute(conn)
            .await?;
        }
        if !changed.is_empty() {
            audit(
                conn,
                scope,
                actor,
                "knowledge.article.revise",
                Some(id),
                json!({"version": new_version, "changed": changed}),
            )
            .await?;
        }
        detail(conn, scope, id).await
    })
    .await
}

/// Makes `version` the live one: the assistant quotes it from now on, and the knowledge
/// version the answer cache is keyed by changes with `current_version` and `updated_at`.
/// Approving an older version rolls back; approving any version of an archived article
/// restores it. `None` when the tenant has no such article or version.
pub async fn approve(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    id: i64,
    version: i32,
) -> Result<Option<Detail>, DbError> {
    conn.transaction::<_, DbError, _>(async |conn| {
        let Some(locked) = lock(conn, scope, id).await? else {
            return Ok(None);
        };
        let title: Option<String> = diesel::update(
            knowledge_article_versions::table
                .filter(knowledge_article_versions::tenant_id.eq(scope.tenant_id()))
                .filter(knowledge_article_versions::article_id.eq(id))
                .filter(knowledge_article_versions::version.eq(version)),
        )
        .set(
            knowledge_article_versions::approved_at.eq(diesel::dsl::sql::<Nullable<Timestamptz>>(
                "coalesce(approved_at, now())",
            )),
        )
        .returning(knowledge_article_versions::title)
        .get_result(conn)
        .await
        .optional()?;
        let Some(title) = title else {
            return Ok(None);
        };
        let live = (locked.status == Status::Approved)
            .then_some(locked.current_version)
            .flatten();
        if live != Some(version) {
            diesel::update(
                knowledge_articles::table
                    .filter(knowledge_articles::tenant_id.eq(scope.tenant_id()))
                    .filter(knowledge_articles::id.eq(id)),
            )
            .set((
                knowledge_articles::current_version.eq(version),
                knowledge_articles::title.eq(&title),
                knowledge_articles::status.eq(Status::Approved.as_str()),
                knowledge_articles::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
            audit(
                conn,
                scope,
                actor,
                "knowledge.article.approve",
                Some(id),
                json!({"version": version, "previous_live_version": live}),
            )
            .await?;
        }
        detail(conn, scope, id).await
    })
    .await
}

/// Withdraws the article from the assistant; its versions stay for the record. `None` when
/// the tenant has no such article.
pub async fn archive(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    id: i64,
) -> Result<Option<Detail>, DbError> {
    conn.transaction::<_, DbError, _>(async |conn| {
        let Some(locked) = lock(conn, scope, id).await? else {
            return Ok(None);
        };
        if locked.status != Status::Archived {
            diesel::update(
                knowledge_articles::table
                    .filter(knowledge_articles::tenant_id.eq(scope.tenant_id()))
                    .filter(knowledge_articles::id.eq(id)),
            )
            .set((
                knowledge_articles::status.eq(Status::Archived.as_str()),
                knowledge_articles::updated_at.eq(diesel::dsl::now),
            ))
            .execute(conn)
            .await?;
            audit(
                conn,
                scope,
                actor,
                "knowledge.article.archive",
                Some(id),
                json!({"previous_status": locked.status}),
            )
            .await?;
        }
        detail(conn, scope, id).await
    })
    .await
}

/// The article row as a write found it, locked until the transaction ends.
#[derive(Queryable)]
struct Locked {
    status: Status,
    current_version: Option<i32>,
    category: String,
    tags: Vec<String>,
}

async fn lock(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    id: i64,
) -> Result<Option<Locked>, DbError> {
    Ok(knowledge_articles::table
        .filter(knowledge_articles::tenant_id.eq(scope.tenant_id()))
        .filter(knowledge_articles::id.eq(id))
        .select((
            knowledge_articles::status,
            knowledge_articles::current_version,
            knowledge_articles::category,
            knowledge_articles::tags,
        ))
        .for_update()
        .first(conn)
        .await
        .optional()?)
}

async fn insert_draft(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    draft: &Draft<'_>,
) -> Result<i64, DbError> {
    let id: i64 = diesel::insert_into(knowledge_articles::table)
        .values((
            knowledge_articles::tenant_id.eq(scope.tenant_id()),
            knowledge_articles::title.eq(draft.title),
            knowledge_articles::category.eq(draft.category),
            knowledge_articles::tags.eq(draft.tags),
            knowledge_articles::status.eq(Status::Draft.as_str()),
        ))
        .returning(knowledge_articles::id)
        .get_result(conn)
        .await?;
    insert_version(conn, scope, actor, id, 1, draft.title, draft.body).await?;
    Ok(id)
}

async fn insert_version(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    id: i64,
    version: i32,
    title: &str,
    body: &str,
) -> Result<(), DbError> {
    diesel::insert_into(knowledge_article_versions::table)
        .values((
            knowledge_article_versions::tenant_id.eq(scope.tenant_id()),
            knowledge_article_versions::article_id.eq(id),
            knowledge_article_versions::version.eq(version),
            knowledge_article_versions::title.eq(title),
            knowledge_article_versions::body.eq(body),
            knowledge_article_versions::author_user_id.eq(actor.0),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

async fn audit(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    actor: UserId,
    action: &str,
    article: Option<i64>,
    details: Value,
) -> Result<(), DbError> {
    let article = article.map(|id| id.to_string());
    Ok(crate::audit::record(
        conn,
        scope,
        actor,
        action,
        "knowledge_article",
        article.as_deref(),
        details,
    )
    .await?)
}

/// A row this transaction just wrote is there to read.
fn found(detail: Option<Detail>) -> Result<Detail, DbError> {
    detail.ok_or(DbError::Query(diesel::result::Error::NotFound))
}
