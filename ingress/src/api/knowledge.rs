//! The knowledge base under `/api/v1/knowledge`: articles with versions and approval,
//! categories and tags, search, usage counts, and import from CSV or Markdown. Everyone
//! signed in reads (operators answer from it); admins write. Edits are drafts until a version
//! is approved, because the assistant quotes approved text to shoppers word for word.

mod import;

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use chrono::{DateTime, Utc};
use otklik_db::knowledge_admin::{self, Article, Detail, Draft, Filter, Revision, Status, Version};
use otklik_schema::UserId;
use serde::{Deserialize, Serialize};

use super::auth::Principal;
use super::body::JsonBody;
use super::page::{Page, PageQuery};
use super::params::{ApiPath, ApiQuery};
use super::permissions::Permission;
use crate::error::FieldError;
use crate::problems::Problem;
use crate::{ApiError, AppState};

const MAX_TITLE: usize = 200;
const MAX_BODY: usize = 20_000;
const MAX_CATEGORY: usize = 100;
const MAX_TAGS: usize = 20;
const MAX_TAG: usize = 50;
/// Articles one import may create; the body size limit allows many more short ones.
const MAX_IMPORT: usize = 1000;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/knowledge/articles", get(list).post(create))
        .route("/api/v1/knowledge/articles/{id}", get(show).patch(revise))
        .route("/api/v1/knowledge/articles/{id}/archive", post(archive))
        .route(
            "/api/v1/knowledge/articles/{id}/versions/{version}",
            get(show_version),
        )
        .route(
            "/api/v1/knowledge/articles/{id}/versions/{version}/approve",
            post(approve),
        )
        .route("/api/v1/knowledge/import", post(import))
}

/// A knowledge article without its versions.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ArticleView {
    id: i64,
    title: String,
    category: String,
    tags: Vec<String>,
    #[schema(value_type = super::vocabulary::ArticleStatusSchema)]
    status: Status,
    /// The version the assistant answers from; `null` before the first approval.
    #[schema(required = true)]
    live_version: Option<i32>,
    latest_version: i32,
    /// The newest version while it awaits approval.
    #[schema(required = true)]
    draft_version: Option<i32>,
    /// How often the assistant answered from it.
    usage_count: i64,
    created_at: DateTime<Utc>,
    /// The last change of the article or its newest version.
    updated_at: DateTime<Utc>,
}

impl From<&Article> for ArticleView {
    fn from(article: &Article) -> Self {
        Self {
            id: article.id,
            title: article.title.clone(),
            category: article.category.clone(),
            tags: article.tags.clone(),
            status: article.status,
            live_version: article.live_version,
            latest_version: article.latest_version,
            draft_version: article.draft_version,
            usage_count: article.usage_count,
            created_at: article.created_at,
            updated_at: article.updated_at,
        }
    }
}

/// One version of an article.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct VersionView {
    version: i32,
    title: String,
    /// `live`, `approved` (once, not now) or `draft`.
    status: String,
    /// In an article's version list, only the live and the newest version carry their text.
    #[schema(required = true)]
    body: Option<String>,
    #[schema(required = true)]
    author_user_id: Option<UserId>,
    #[schema(required = true)]
    approved_at: Option<DateTime<Utc>>,
    created_at: DateTime<Utc>,
}

impl From<&Version> for VersionView {
    fn from(version: &Version) -> Self {
        Self {
            version: version.version,
            title: version.title.clone(),
            status: version.status.clone(),
            body: version.body.clone(),
            author_user_id: version.author_user_id.map(UserId),
            approved_at: version.approved_at,
            created_at: version.created_at,
        }
    }
}

/// An article with its versions, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ArticleDetail {
    #[serde(flatten)]
    article: ArticleView,
    versions: Vec<VersionView>,
}

impl From<&Detail> for ArticleDetail {
    fn from(detail: &Detail) -> Self {
        Self {
            article: ArticleView::from(&detail.article),
            versions: detail.versions.iter().map(VersionView::from).collect(),
        }
    }
}

/// What an import created, and the parts of the file that are no article.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    created: Vec<Imported>,
    /// Field errors with their row.
    errors: Vec<import::RowError>,
}

/// An article an import created, as a draft.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Imported {
    /// Where in the file it was.
    row: usize,
    id: i64,
    title: String,
}

/// List filters; every one optional.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
struct ListFilter {
    #[param(value_type = Option<super::vocabulary::ArticleStatusSchema>)]
    status: Option<Status>,
    category: Option<String>,
    tag: Option<String>,
    /// Full-text search, at most 200 characters.
    #[param(max_length = 200)]
    q: Option<String>,
}

/// `GET /api/v1/knowledge/articles`: newest first, cursor-paginated.
#[utoipa::path(get, path = "/api/v1/knowledge/articles", tag = "knowledge",
    summary = "Articles, newest first", description = "Role: any (read_knowledge).", security(("bearer" = [])),
    params(PageQuery, ListFilter),
    responses(
        (status = 200, description = "A page of articles, without versions", body = Page<ArticleView>),
        (status = 400, description = "A bad filter, `limit` or `cursor`", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 422, description = "The search text is too long", body = crate::error::ErrorEnvelope),
    ))]
async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(page): ApiQuery<PageQuery>,
    ApiQuery(filter): ApiQuery<ListFilter>,
) -> Result<Json<Page<ArticleView>>, ApiError> {
    principal.require(Permission::ReadKnowledge)?;
    let limit = page.limit()?;
    let after: Option<i64> = page.after()?;
    let text = super::params::search_text(filter.q.as_deref())?;
    let tag = filter.tag.as_deref().map(|tag| tag.trim().to_lowercase());
    let filter = Filter {
        status: filter.status,
        category: filter.category.as_deref().map(str::trim),
        tag: tag.as_deref(),
        text,
    };
    let mut conn = state.db_for(&principal).await?;
    let rows =
        knowledge_admin::list(&mut conn, principal.tenant, &filter, after, limit + 1).await?;
    let page = Page::from_rows(rows, limit, |article| article.id);
    Ok(Json(Page {
        items: page.items.iter().map(ArticleView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// A new article as sent; everything is checked by [`checked`].
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[schema(description = "A new article; it starts as a draft.")]
#[serde(deny_unknown_fields)]
struct NewArticle {
    /// 1 to 200 characters on one line.
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    title: String,
    /// 1 to 20,000 characters.
    #[schema(min_length = 1, max_length = 20000, pattern = r"\S")]
    body: String,
    /// Up to 100 characters on one line.
    #[serde(default)]
    #[schema(max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    category: String,
    /// Up to 20 tags of 1 to 50 characters, without commas or semicolons.
    #[serde(default)]
    #[schema(schema_with = tags_schema)]
    tags: Vec<String>,
}

/// Tags as the document describes them: up to 20, each 1 to 50 characters without commas,
/// semicolons or control characters.
fn tags_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
    let tag = ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(Some(MAX_TAG))
        .pattern(Some(
            r"^[^\u0000-\u001f\u007f-\u009f,;]*[^\s\u0000-\u001f\u007f-\u009f,;][^\u0000-\u001f\u007f-\u009f,;]*$",
        ));
    ArrayBuilder::new()
        .items(tag)
        .max_items(Some(MAX_TAGS))
        .build()
}

/// [`tags_schema`] in an edit, where `null` leaves the tags as they are.
fn tags_patch_schema() -> utoipa::openapi::schema::Array {
    use utoipa::openapi::schema::{SchemaType, Type};
    let mut tags = tags_schema();
    tags.schema_type = SchemaType::from_iter([Type::Array, Type::Null]);
    tags
}

/// An edit; absent (or null) fields stay as they are, so an empty one changes nothing.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct ArticlePatch {
    /// 1 to 200 characters on one line.
    #[schema(
        max_length = 200,
        pattern = r"^[^\u0000-\u001f\u007f-\u009f]*[^\s\u0000-\u001f\u007f-\u009f][^\u0000-\u001f\u007f-\u009f]*$"
    )]
    title: Option<String>,
    /// 1 to 20,000 characters.
    #[schema(max_length = 20000, pattern = r"\S")]
    body: Option<String>,
    /// Up to 100 characters on one line.
    #[schema(max_length = 100, pattern = r"^[^\u0000-\u001f\u007f-\u009f]*$")]
    category: Option<String>,
    /// Up to 20 tags of 1 to 50 characters, without commas or semicolons.
    #[schema(schema_with = tags_patch_schema)]
    tags: Option<Vec<String>>,
}

/// Trimmed, normalised values of the fields given, or what is wrong with them.
fn checked(patch: ArticlePatch) -> Result<ArticlePatch, Vec<FieldError>> {
    // Lengths and characters are checked as sent, so what the schema refuses (a trailing
    // line break, a space past the limit) is refused here too; emptiness after trimming.
    let mut errors = Vec::new();
    if let Some(title) = &patch.title {
        if title.trim().is_empty() || title.chars().count() > MAX_TITLE {
            errors.push(FieldError::new(
                "title",
                Problem::LengthOutOfRange {
                    min: 1,
                    max: MAX_TITLE,
                },
            ));
        } else if title.chars().any(char::is_control) {
            errors.push(FieldError::new("title", Problem::NotOneLine));
        }
    }
    if patch
        .body
        .as_ref()
        .is_some_and(|body| body.trim().is_empty() || body.chars().count() > MAX_BODY)
    {
        errors.push(FieldError::new(
            "body",
            Problem::LengthOutOfRange {
                min: 1,
                max: MAX_BODY,
            },
        ));
    }
    if let Some(category) = &patch.category {
        if category.chars().count() > MAX_CATEGORY {
            errors.push(FieldError::new(
                "category",
                Problem::TooLong { max: MAX_CATEGORY },
            ));
        } else if category.chars().any(char::is_control) {
            errors.push(FieldError::new("category", Problem::NotOneLine));
        }
    }
    // Counted as sent too, before duplicates fold and case changes length.
    if let Some(tags) = &patch.tags {
        let bad_tag = |tag: &String| {
            tag.trim().is_empty()
                || tag.chars().count() > MAX_TAG
                || tag.chars().any(|c| c.is_control() || c == ',' || c == ';')
        };
        if tags.len() > MAX_TAGS {
            errors.push(FieldError::new("tags", Problem::TooMany { max: MAX_TAGS }));
        } else if tags.iter().any(bad_tag) {
            errors.push(FieldError::new(
                "tags",
                Problem::InvalidTag { max: MAX_TAG },
            ));
        }
    }
    let title = patch.title.map(|title| title.trim().to_owned());
    let body = patch.body.map(|body| body.trim().to_owned());
    let category = patch.category.map(|category| category.trim().to_owned());
    let tags = patch.tags.map(|tags| {
        let mut unique: Vec<String> = Vec::new();
        for tag in tags {
            let tag = tag.trim().to_lowercase();
            if !unique.contains(&tag) {
                unique.push(tag);
            }
        }
        unique
    });
    if errors.is_empty() {
        Ok(ArticlePatch {
            title,
            body,
            category,
            tags,
        })
    } else {
        Err(errors)
    }
}

/// A checked new article as the database takes it.
fn draft(article: &ArticlePatch) -> Draft<'_> {
    Draft {
        title: article.title.as_deref().unwrap_or_default(),
        body: article.body.as_deref().unwrap_or_default(),
        category: article.category.as_deref().unwrap_or_default(),
        tags: article.tags.as_deref().unwrap_or_default(),
    }
}

fn as_patch(article: NewArticle) -> ArticlePatch {
    ArticlePatch {
        title: Some(article.title),
        body: Some(article.body),
        category: Some(article.category),
        tags: Some(article.tags),
    }
}

/// `POST /api/v1/knowledge/articles`: a draft, version 1.
#[utoipa::path(post, path = "/api/v1/knowledge/articles", tag = "knowledge",
    summary = "A new article: a draft, version 1",
    description = "Role: admin (edit_knowledge).", security(("bearer" = [])),
    request_body = NewArticle,
    responses(
        (status = 201, description = "The article with its versions, newest first", body = ArticleDetail),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Some fields are invalid", body = crate::error::ErrorEnvelope),
    ))]
async fn create(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(article): JsonBody<NewArticle>,
) -> Result<(StatusCode, Json<ArticleDetail>), ApiError> {
    principal.require(Permission::EditKnowledge)?;
    let article = checked(as_patch(article)).map_err(ApiError::Validation)?;
    let mut conn = state.db_for(&principal).await?;
    let detail = knowledge_admin::create(
        &mut conn,
        principal.tenant,
        principal.user,
        &draft(&article),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(ArticleDetail::from(&detail))))
}

/// `GET /api/v1/knowledge/articles/{id}`: the article and its versions, with the text of the
/// live and the newest one.
#[utoipa::path(get, path = "/api/v1/knowledge/articles/{id}", tag = "knowledge",
    summary = "An article and its versions", description = "Role: any (read_knowledge).", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The article's id")),
    responses(
        (status = 200, description = "The article with its versions, newest first", body = ArticleDetail),
        (status = 400, description = "The id is not a number", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such article (or version) in this shop", body = crate::error::ErrorEnvelope),
    ))]
async fn show(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ArticleDetail>, ApiError> {
    principal.require(Permission::ReadKnowledge)?;
    let mut conn = state.db_for(&principal).await?;
    let detail = knowledge_admin::detail(&mut conn, principal.tenant, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(ArticleDetail::from(&detail)))
}

/// `GET /api/v1/knowledge/articles/{id}/versions/{version}`: any version with its text.
#[utoipa::path(get, path = "/api/v1/knowledge/articles/{id}/versions/{version}", tag = "knowledge",
    summary = "One version with its text", description = "Role: any (read_knowledge).", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The article's id"), ("version" = i32, Path, description = "The version number")),
    responses(
        (status = 200, description = "The version", body = VersionView),
        (status = 400, description = "The id or version is not a number", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such article (or version) in this shop", body = crate::error::ErrorEnvelope),
    ))]
async fn show_version(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((id, version)): ApiPath<(i64, i32)>,
) -> Result<Json<VersionView>, ApiError> {
    principal.require(Permission::ReadKnowledge)?;
    let mut conn = state.db_for(&principal).await?;
    let version = knowledge_admin::version(&mut conn, principal.tenant, id, version)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(VersionView::from(&version)))
}

/// `PATCH /api/v1/knowledge/articles/{id}`: a new title or body is a new draft version;
/// the live one keeps answering until that draft is approved.
#[utoipa::path(patch, path = "/api/v1/knowledge/articles/{id}", tag = "knowledge",
    summary = "Edit an article: a new title or body is a new draft version",
    description = "Role: admin (edit_knowledge). The live version keeps answering until the draft \
        is approved.", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The article's id")),
    request_body = ArticlePatch,
    responses(
        (status = 200, description = "The article with its versions, newest first", body = ArticleDetail),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such article (or version) in this shop", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Some fields are invalid", body = crate::error::ErrorEnvelope),
    ))]
async fn revise(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<i64>,
    JsonBody(patch): JsonBody<ArticlePatch>,
) -> Result<Json<ArticleDetail>, ApiError> {
    principal.require(Permission::EditKnowledge)?;
    let patch = checked(patch).map_err(ApiError::Validation)?;
    let revision = Revision {
        title: patch.title.as_deref(),
        body: patch.body.as_deref(),
        category: patch.category.as_deref(),
        tags: patch.tags.as_deref(),
    };
    let mut conn = state.db_for(&principal).await?;
    let detail =
        knowledge_admin::revise(&mut conn, principal.tenant, principal.user, id, &revision)
            .await?
            .ok_or(ApiError::NotFound)?;
    Ok(Json(ArticleDetail::from(&detail)))
}

/// `POST /api/v1/knowledge/articles/{id}/versions/{version}/approve`: the version goes live.
#[utoipa::path(post, path = "/api/v1/knowledge/articles/{id}/versions/{version}/approve", tag = "knowledge",
    summary = "Make a version live (an older one rolls back)",
    description = "Role: admin (edit_knowledge).", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The article's id"), ("version" = i32, Path, description = "The version number")),
    responses(
        (status = 200, description = "The article with its versions, newest first", body = ArticleDetail),
        (status = 400, description = "The id or version is not a number", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such article (or version) in this shop", body = crate::error::ErrorEnvelope),
    ))]
async fn approve(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((id, version)): ApiPath<(i64, i32)>,
) -> Result<Json<ArticleDetail>, ApiError> {
    principal.require(Permission::EditKnowledge)?;
    let mut conn = state.db_for(&principal).await?;
    let detail = knowledge_admin::approve(&mut conn, principal.tenant, principal.user, id, version)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(ArticleDetail::from(&detail)))
}

/// `POST /api/v1/knowledge/articles/{id}/archive`: the assistant stops quoting it at once. Not a
/// `DELETE`: the article stays readable, with its versions, as a record of what was quoted.
#[utoipa::path(post, path = "/api/v1/knowledge/articles/{id}/archive", tag = "knowledge",
    summary = "Archive an article; the assistant stops quoting it",
    description = "Role: admin (edit_knowledge).", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The article's id")),
    responses(
        (status = 200, description = "The article with its versions, newest first", body = ArticleDetail),
        (status = 400, description = "The id is not a number", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such article (or version) in this shop", body = crate::error::ErrorEnvelope),
    ))]
async fn archive(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<ArticleDetail>, ApiError> {
    principal.require(Permission::EditKnowledge)?;
    let mut conn = state.db_for(&principal).await?;
    let detail = knowledge_admin::archive(&mut conn, principal.tenant, principal.user, id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok(Json(ArticleDetail::from(&detail)))
}

/// The import formats, named by the body's media type.
#[derive(Debug, Clone, Copy)]
enum Format {
    Csv,
    Markdown,
}

fn format(headers: &HeaderMap) -> Result<Format, ApiError> {
    let wrong = || {
        ApiError::BadRequest(
            "send CSV with Content-Type: text/csv or Markdown with Content-Type: text/markdown"
                .into(),
        )
    };
    let value = headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .ok_or_else(wrong)?
        .to_ascii_lowercase();
    let mut parts = value.split(';').map(str::trim);
    let format = match parts.next() {
        Some("text/csv" | "application/csv") => Format::Csv,
        Some("text/markdown" | "text/x-markdown") => Format::Markdown,
        _ => return Err(wrong()),
    };
    let other_charset = parts
        .filter_map(|part| part.strip_prefix("charset="))
        .any(|charset| !matches!(charset.trim_matches('"'), "utf-8" | "utf8"));
    if other_charset {
        return Err(ApiError::BadRequest(
            "only UTF-8 text is accepted; save the file as UTF-8".into(),
        ));
    }
    Ok(format)
}

/// `POST /api/v1/knowledge/import`: a CSV (`title,body,category,tags`) or Markdown (`# Title`
/// sections) body becomes draft articles. Good entries are created together and bad ones
/// reported by row, so a seller fixes only those; when none is good, nothing is created and
/// the answer is a 422 naming each mistake.
#[utoipa::path(post, path = "/api/v1/knowledge/import", tag = "knowledge",
    summary = "Import draft articles from CSV or Markdown",
    description = "Role: admin (edit_knowledge). CSV columns `title,body,category,tags` (`,` or \
        `;`); Markdown `# Title` sections. UTF-8, at most 1000 articles.", security(("bearer" = [])),
    request_body(content(("text/csv"), ("text/markdown"))),
    responses(
        (status = 201, description = "What was created, and each mistake by row", body = ImportReport),
        (status = 400, description = "Another content type, not UTF-8, unreadable CSV or too many articles", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 413, description = "The file is over the body limit", body = crate::error::ErrorEnvelope),
        (status = 422, description = "No good article; each mistake named by row", body = crate::error::ErrorEnvelope),
    ))]
async fn import(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<(StatusCode, Json<ImportReport>), ApiError> {
    principal.require(Permission::EditKnowledge)?;
    let format = format(&headers)?;
    let body = body.map_err(|err| super::body::rejected(err, &state))?;
    let text = std::str::from_utf8(&body).map_err(|_| {
        ApiError::BadRequest("the body is not UTF-8 text; save the file as UTF-8".into())
    })?;
    let (entries, mut errors) = match format {
        Format::Csv => import::csv(text).map_err(|err| ApiError::BadRequest(err.to_string()))?,
        Format::Markdown => import::markdown(text),
    };
    if entries.len() > MAX_IMPORT {
        return Err(ApiError::BadRequest(format!(
            "at most {MAX_IMPORT} articles per import; split the file"
        )));
    }
    let mut good = Vec::new();
    for entry in entries {
        let fields = ArticlePatch {
            title: Some(entry.title),
            body: Some(entry.body),
            category: Some(entry.category),
            tags: Some(entry.tags),
        };
        match checked(fields) {
            Ok(article) => good.push((entry.row, article)),
            Err(fields) => errors.extend(
                fields
                    .into_iter()
                    .map(|field| import::RowError::new(entry.row, field.field, field.problem)),
            ),
        }
    }
    errors.sort_by_key(|error| error.row);
    if good.is_empty() {
        let mut fields: Vec<FieldError> = errors
            .into_iter()
            .map(|error| FieldError::in_row(error.field, error.row, error.problem))
            .collect();
        if fields.is_empty() {
            fields.push(FieldError::new("body", Problem::NoArticles));
        }
        return Err(ApiError::Validation(fields));
    }
    let drafts: Vec<Draft<'_>> = good.iter().map(|(_, article)| draft(article)).collect();
    let format_name = match format {
        Format::Csv => "csv",
        Format::Markdown => "markdown",
    };
    let mut conn = state.db_for(&principal).await?;
    let ids = knowledge_admin::import(
        &mut conn,
        principal.tenant,
        principal.user,
        format_name,
        &drafts,
    )
    .await?;
    let created = good
        .iter()
        .zip(ids)
        .map(|((row, article), id)| Imported {
            row: *row,
            id,
            title: article.title.clone().unwrap_or_default(),
        })
        .collect();
    Ok((StatusCode::CREATED, Json(ImportReport { created, errors })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(patch: ArticlePatch) -> Vec<&'static str> {
        checked(patch)
            .err()
            .unwrap_or_default()
            .into_iter()
            .map(|error| error.field)
            .collect()
    }

    #[test]
    fn articles_are_trimmed_and_tags_normalised() {
        let article = checked(ArticlePatch {
            title: Some("  Возврат  ".into()),
            tags: Some(vec![" Сроки".into(), "сроки".into(), "Возврат".into()]),
            ..ArticlePatch::default()
        })
        .expect("valid");
        assert_eq!(article.title.as_deref(), Some("Возврат"));
        assert_eq!(article.tags, Some(vec!["сроки".into(), "возврат".into()]));
    }

    #[test]
    fn every_bad_field_is_named() {
        assert_eq!(
            fields(ArticlePatch {
                title: Some("  ".into()),
                body: Some("x".repeat(MAX_BODY + 1)),
                category: Some("a\nb".into()),
                tags: Some(vec!["a,b".into()]),
            }),
            ["title", "body", "category", "tags"]
        );
        assert_eq!(
            fields(ArticlePatch {
                title: Some("я".repeat(MAX_TITLE)),
                body: Some("текст".into()),
                ..ArticlePatch::default()
            }),
            Vec::<&str>::new(),
            "limits count characters, not bytes"
        );
        assert_eq!(
            fields(ArticlePatch {
                tags: Some((0..=MAX_TAGS).map(|n| n.to_string()).collect()),
                ..ArticlePatch::default()
            }),
            ["tags"]
        );
    }
}
