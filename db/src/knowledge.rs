//! The seller's knowledge base as the assistant reads it: approved, current article versions,
//! found by Russian full-text search and trigram similarity ranked together.

use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Float4, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use otklik_schema::schema::{knowledge_article_versions, knowledge_articles, knowledge_embeddings};

use crate::{DbError, TenantScope};

/// The articles the assistant may quote: approved, at their current approved version, of the
/// tenant bound as `$1` (aliases `a` for the article, `v` for the version).
/// A literal argument adds to the FROM list.
macro_rules! current_approved {
    ($($from:literal)?) => {
        concat!(
            " FROM knowledge_articles a
              JOIN knowledge_article_versions v
                ON v.article_id = a.id AND v.tenant_id = a.tenant_id AND v.version = a.current_version ",
            $($from,)?
            " WHERE a.tenant_id = $1 AND a.status = 'approved' AND v.approved_at IS NOT NULL "
        )
    };
}

/// One article that matched a question.
#[derive(Debug, Clone, QueryableByName)]
pub struct Hit {
    #[diesel(sql_type = BigInt)]
    pub article_id: i64,
    #[diesel(sql_type = Integer)]
    pub version: i32,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub category: String,
    #[diesel(sql_type = Text)]
    pub body: String,
    #[diesel(sql_type = Float4)]
    pub score: f32,
}

/// Approved articles ranked for `question`. The full-text part is an OR over the question's
/// lexemes (a shopper's question never holds every word of an article); trigram similarity
/// of the title and the question catches typos and word forms the stemmer misses.
pub async fn search(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    question: &str,
    limit: i64,
) -> Result<Vec<Hit>, DbError> {
    Ok(diesel::sql_query(
        concat!(
            "WITH q AS (
                 SELECT nullif(replace(plainto_tsquery('russian', $2)::text, ' & ', ' | '), '')::tsquery AS ts)
             SELECT a.id AS article_id, v.version, a.title, a.category, v.body,
                    (coalesce(ts_rank(setweight(to_tsvector('russian', a.title), 'A')
                                      || to_tsvector('russian', v.body), q.ts), 0)
                     + 0.5 * word_similarity(a.title, $2))::real AS score",
            current_approved!("CROSS JOIN q"),
            "AND ((q.ts IS NOT NULL AND to_tsvector('russian', a.title || ' ' || v.body) @@ q.ts)
                  OR word_similarity(a.title, $2) > 0.3)
             ORDER BY score DESC, a.id
             LIMIT $3"
        ),
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Text, _>(question)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?)
}

/// Changes whenever an approved article changes: part of the answer-cache key, so a cached
/// answer never outlives the policy it quoted.
pub async fn version(conn: &mut AsyncPgConnection, scope: TenantScope) -> Result<i64, DbError> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        version: i64,
    }
    let row: Row = diesel::sql_query(
        "SELECT coalesce(sum(a.id * 1000003 + a.current_version + extract(epoch FROM a.updated_at)::bigint), 0)::bigint AS version
         FROM knowledge_articles a WHERE a.tenant_id = $1 AND a.status = 'approved'",
    )
    .bind::<BigInt, _>(scope.tenant_id())
    .get_result(conn)
    .await?;
    Ok(row.version)
}

/// Creates an article with its first version, approved or as a draft, for seeding; the admin
/// API writes through [`crate::knowledge_admin`], which also records who did it.
pub async fn create_article(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    title: &str,
    category: &str,
    body: &str,
    approved: bool,
) -> Result<i64, DbError> {
    let id: i64 = diesel::insert_into(knowledge_articles::table)
        .values((
            knowledge_articles::tenant_id.eq(scope.tenant_id()),
            knowledge_articles::title.eq(title),
            knowledge_articles::category.eq(category),
            knowledge_articles::status.eq(if approved { "approved" } else { "draft" }),
            knowledge_articles::current_version.eq(approved.then_some(1)),
        ))
        .returning(knowledge_articles::id)
        .get_result(conn)
        .await?;
    diesel::insert_into(knowledge_article_versions::table)
        .values((
            knowledge_article_versions::tenant_id.eq(scope.tenant_id()),
            knowledge_article_versions::article_id.eq(id),
            knowledge_article_versions::version.eq(1),
            knowledge_article_versions::title.eq(title),
            knowledge_article_versions::body.eq(body),
            knowledge_article_versions::approved_at.eq(approved.then(chrono::Utc::now)),
        ))
        .execute(conn)
        .await?;
    Ok(id)
}

/// A quotable article and its vector under one embeddings model.
#[derive(Debug, Clone, QueryableByName)]
pub struct ArticleVector {
    #[diesel(sql_type = BigInt)]
    pub article_id: i64,
    #[diesel(sql_type = Integer)]
    pub version: i32,
    /// `None` when the current version has no vector for the model yet.
    #[diesel(sql_type = Nullable<Array<Float4>>)]
    pub embedding: Option<Vec<f32>>,
    /// Title and body, at most `max_chars`, for articles still to embed; `None` otherwise.
    #[diesel(sql_type = Nullable<Text>)]
    pub text: Option<String>,
}

/// Every quotable article with its vector for `model`, in one read: those without one come
/// with their text so the caller can embed them.
pub async fn vectors(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    model: &str,
    max_chars: i32,
) -> Result<Vec<ArticleVector>, DbError> {
    Ok(diesel::sql_query(concat!(
        "SELECT a.id AS article_id, v.version, e.embedding,
                CASE WHEN e.embedding IS NULL THEN left(a.title || E'\n' || v.body, $3) END AS text",
        current_approved!(
            "LEFT JOIN knowledge_embeddings e
               ON e.article_id = a.id AND e.version = v.version AND e.model = $2"
        ),
        "ORDER BY a.id"
    ))
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Text, _>(model)
    .bind::<Integer, _>(max_chars)
    .load(conn)
    .await?)
}

/// Stores an article version's vector, replacing the one of an older version.
pub async fn store_embedding(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    article_id: i64,
    version: i32,
    model: &str,
    embedding: &[f32],
) -> Result<(), DbError> {
    use diesel::upsert::excluded;
    diesel::insert_into(knowledge_embeddings::table)
        .values((
            knowledge_embeddings::tenant_id.eq(scope.tenant_id()),
            knowledge_embeddings::article_id.eq(article_id),
            knowledge_embeddings::version.eq(version),
            knowledge_embeddings::model.eq(model),
            knowledge_embeddings::embedding.eq(embedding),
        ))
        .on_conflict((
            knowledge_embeddings::article_id,
            knowledge_embeddings::model,
        ))
        .do_update()
        .set((
            knowledge_embeddings::version.eq(excluded(knowledge_embeddings::version)),
            knowledge_embeddings::embedding.eq(excluded(knowledge_embeddings::embedding)),
            knowledge_embeddings::created_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The quotable articles among `ids`, for hits found by meaning alone.
pub async fn current(
    conn: &mut AsyncPgConnection,
    scope: TenantScope,
    ids: &[i64],
) -> Result<Vec<Hit>, DbError> {
    Ok(diesel::sql_query(concat!(
        "SELECT a.id AS article_id, v.version, a.title, a.category, v.body, 0::real AS score",
        current_approved!(),
        "AND a.id = ANY($2)"
    ))
    .bind::<BigInt, _>(scope.tenant_id())
    .bind::<Array<BigInt>, _>(ids)
    .load(conn)
    .await?)
}
