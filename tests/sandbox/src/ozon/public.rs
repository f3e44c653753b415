//! Product questions (Premium Plus or Pro) and reviews («Управление отзывами» or Premium
//! Pro): lists paged by `last_id`, one item by id, answers and comments. Without the
//! subscription every method answers 403 `not available with existing subscription`, as Ozon
//! documents for `/v2/review/list`.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

use super::chats::not_subscribed;
use super::{AppState, RpcError, bad_request, numeric_ids, parse, timestamp};
use crate::seller::{Answered, NEW, OzonQuestion, OzonReview, PROCESSED, VIEWED};

const MAX_QUESTIONS: i64 = 100;
const REVIEWS_LIMIT: std::ops::RangeInclusive<i64> = 20..=100;
const ANSWER_CHARS: std::ops::RangeInclusive<usize> = 2..=3000;
const COMMENT_CHARS: std::ops::RangeInclusive<usize> = 1..=3000;

fn not_found(what: &str) -> RpcError {
    RpcError::new(StatusCode::NOT_FOUND, 5, &format!("{what} not found"))
}

fn one_sku(value: &Value) -> Result<u64, RpcError> {
    numeric_ids(std::slice::from_ref(value))?
        .first()
        .copied()
        .ok_or_else(|| bad_request("invalid request: sku is required"))
}

/// Which statuses a list filter asks for.
fn statuses(filter: &str) -> Result<&'static [&'static str], RpcError> {
    Ok(match filter.trim().to_ascii_uppercase().as_str() {
        "" | "ALL" => &[NEW, VIEWED, PROCESSED],
        "NEW" => &[NEW],
        "VIEWED" => &[VIEWED],
        "PROCESSED" => &[PROCESSED],
        "UNPROCESSED" => &[NEW, VIEWED],
        _ => return Err(bad_request("invalid request: unknown status")),
    })
}

fn descending(sort_dir: &str) -> Result<bool, RpcError> {
    match sort_dir.trim().to_ascii_uppercase().as_str() {
        "" | "DESC" => Ok(true),
        "ASC" => Ok(false),
        _ => Err(bad_request("invalid request: unknown sort_dir")),
    }
}

/// The items after `last_id` in `sorted` (all when empty); an unknown `last_id` is a 400.
fn after<'a, T>(
    sorted: Vec<&'a T>,
    last_id: &str,
    id: impl Fn(&T) -> &str,
) -> Result<Vec<&'a T>, RpcError> {
    if last_id.trim().is_empty() {
        return Ok(sorted);
    }
    let position = sorted
        .iter()
        .position(|item| id(item) == last_id.trim())
        .ok_or_else(|| bad_request("invalid request: unknown last_id"))?;
    Ok(sorted.into_iter().skip(position + 1).collect())
}

fn within(at: DateTime<Utc>, from: Option<DateTime<Utc>>, to: Option<DateTime<Utc>>) -> bool {
    from.is_none_or(|from| at >= from) && to.is_none_or(|to| at <= to)
}

fn question_json(question: &OzonQuestion) -> Value {
    json!({
        "answers_count": question.answers.len(),
        "author_name": question.author_name,
        "id": question.id,
        "product_url": format!("https://www.ozon.ru/product/{}/", question.sku),
        "published_at": timestamp(question.published_at),
        "question_link": format!(
            "https://www.ozon.ru/product/{}/questions/?qid={}", question.sku, question.id
        ),
        "sku": question.sku,
        "status": question.status,
        "text": question.text,
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct QuestionFilter {
    date_from: Option<DateTime<Utc>>,
    date_to: Option<DateTime<Utc>>,
    status: String,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct QuestionList {
    filter: QuestionFilter,
    last_id: String,
    limit: Option<i64>,
    sort_dir: String,
}

/// `POST /v1/question/list`.
pub(super) async fn question_list(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    if !app.options.premium {
        return Err(not_subscribed());
    }
    let request: QuestionList = parse(&body)?;
    let limit = request.limit.unwrap_or(MAX_QUESTIONS);
    if !(1..=MAX_QUESTIONS).contains(&limit) {
        return Err(bad_request(
            "invalid request: limit must be in range [1, 100]",
        ));
    }
    let wanted = statuses(&request.filter.status)?;
    let descending = descending(&request.sort_dir)?;
    let data = app.seller.read();
    let mut questions: Vec<&OzonQuestion> = data
        .shoppers
        .ozon_questions
        .iter()
        .filter(|q| wanted.contains(&q.status))
        .filter(|q| {
            within(
                q.published_at,
                request.filter.date_from,
                request.filter.date_to,
            )
        })
        .collect();
    questions.sort_by(|a, b| (a.published_at, &a.id).cmp(&(b.published_at, &b.id)));
    if descending {
        questions.reverse();
    }
    let rest = after(questions, &request.last_id, |q| &q.id)?;
    let limit = usize::try_from(limit).unwrap_or(0);
    let page = &rest[..limit.min(rest.len())];
    Ok(axum::Json(json!({
        "questions": page.iter().map(|q| question_json(q)).collect::<Vec<_>>(),
        "last_id": page.last().map_or("", |q| q.id.as_str()),
        "has_next": rest.len() > page.len(),
    }))
    .into_response())
}

#[derive(Deserialize)]
struct ById {
    question_id: String,
}

/// `POST /v1/question/info`.
pub(super) async fn question_info(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    if !app.options.premium {
        return Err(not_subscribed());
    }
    let request: ById = parse(&body)?;
    let data = app.seller.read();
    let question = data
        .ozon_question_index(request.question_id.trim())
        .and_then(|index| data.shoppers.ozon_questions.get(index))
        .ok_or_else(|| not_found("question"))?;
    Ok(axum::Json(question_json(question)).into_response())
}

#[derive(Deserialize)]
struct AnswerCreate {
    question_id: String,
    sku: Value,
    text: String,
}

/// `POST /v1/question/answer/create`: the answer is published and the question processed.
pub(super) async fn answer_create(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    if !app.options.premium {
        return Err(not_subscribed());
    }
    let request: AnswerCreate = parse(&body)?;
    let sku = one_sku(&request.sku)?;
    if !ANSWER_CHARS.contains(&request.text.trim().chars().count()) {
        return Err(bad_request(
            "invalid request: text must be from 2 to 3000 characters",
        ));
    }
    let outcome = app.seller.write().answer_ozon_question(
        request.question_id.trim(),
        Some(sku),
        &request.text,
        Utc::now(),
    );
    match outcome {
        Answered::Done(id) => Ok(axum::Json(json!({"answer_id": id})).into_response()),
        Answered::Unknown => Err(not_found("question")),
        Answered::WrongSku => Err(bad_request(
            "invalid request: sku does not match the question",
        )),
    }
}

#[derive(Deserialize)]
struct AnswerList {
    question_id: String,
    sku: Value,
    #[serde(default)]
    last_id: Option<Value>,
}

/// `POST /v1/question/answer/list`: every answer, the seller's and other shoppers', oldest
/// first (a question has few).
pub(super) async fn answer_list(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    if !app.options.premium {
        return Err(not_subscribed());
    }
    let request: AnswerList = parse(&body)?;
    let sku = one_sku(&request.sku)?;
    let last_id = match &request.last_id {
        Some(Value::String(id)) => id.trim().to_owned(),
        _ => String::new(),
    };
    let data = app.seller.read();
    let question = data
        .ozon_question_index(request.question_id.trim())
        .and_then(|index| data.shoppers.ozon_questions.get(index))
        .filter(|question| question.sku == sku)
        .ok_or_else(|| not_found("question"))?;
    let answers = after(question.answers.iter().collect(), &last_id, |a| &a.id)?;
    let items: Vec<Value> = answers
        .iter()
        .map(|answer| {
            json!({
                "author_name": answer.author_name,
                "id": answer.id,
                "published_at": timestamp(answer.at),
                "question_id": question.id,
                "sku": question.sku,
                "status_publication": "PUBLISHED",
                "text": answer.text,
            })
        })
        .collect();
    Ok(axum::Json(json!({
        "answers": items,
        "last_id": answers.last().map_or("", |a| a.id.as_str()),
    }))
    .into_response())
}

fn review_json(review: &OzonReview) -> Value {
    json!({
        "id": review.id,
        "sku": review.sku,
        "text": review.text,
        "published_at": timestamp(review.published_at),
        "rating": review.rating,
        "status": review.status,
        "comments_amount": review.comments.len(),
        "photos_amount": review.photos,
        "videos_amount": 0,
        "order_status": review.order_status,
        "is_rating_participant": review.order_status == "DELIVERED",
    })
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ReviewFilters {
    status: String,
    order_status: String,
    skus: Vec<Value>,
    published_from: Option<DateTime<Utc>>,
    published_to: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
struct ReviewList {
    #[serde(default)]
    filters: ReviewFilters,
    #[serde(default)]
    last_id: String,
    limit: Option<i64>,
    #[serde(default)]
    sort_dir: String,
}

fn reviews_subscribed(app: &super::OzonApp) -> Result<(), RpcError> {
    if app.options.review_management {
        Ok(())
    } else {
        Err(not_subscribed())
    }
}

/// `POST /v2/review/list`: `limit` (20..100) is required.
pub(super) async fn review_list(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    reviews_subscribed(&app)?;
    let request: ReviewList = parse(&body)?;
    let Some(limit) = request.limit else {
        return Err(bad_request("invalid request: limit is required"));
    };
    if !REVIEWS_LIMIT.contains(&limit) {
        return Err(bad_request(
            "invalid request: limit must be in range [20, 100]",
        ));
    }
    let filters = &request.filters;
    let wanted = statuses(&filters.status)?;
    if wanted.len() == 2 {
        // v2 has no UNPROCESSED; NEW and VIEWED are asked for one by one.
        return Err(bad_request("invalid request: unknown status"));
    }
    let order_status = filters.order_status.trim().to_ascii_uppercase();
    if !["", "ALL", "DELIVERED", "CANCELLED"].contains(&order_status.as_str()) {
        return Err(bad_request("invalid request: unknown order_status"));
    }
    let skus = numeric_ids(&filters.skus)?;
    let descending = descending(&request.sort_dir)?;
    let data = app.seller.read();
    let mut reviews: Vec<&OzonReview> = data
        .shoppers
        .ozon_reviews
        .iter()
        .filter(|r| wanted.contains(&r.status))
        .filter(|r| matches!(order_status.as_str(), "" | "ALL") || r.order_status == order_status)
        .filter(|r| skus.is_empty() || skus.contains(&r.sku))
        .filter(|r| within(r.published_at, filters.published_from, filters.published_to))
        .collect();
    reviews.sort_by(|a, b| (a.published_at, &a.id).cmp(&(b.published_at, &b.id)));
    if descending {
        reviews.reverse();
    }
    let rest = after(reviews, &request.last_id, |r| &r.id)?;
    let limit = usize::try_from(limit).unwrap_or(0);
    let page = &rest[..limit.min(rest.len())];
    Ok(axum::Json(json!({
        "reviews": page.iter().map(|r| review_json(r)).collect::<Vec<_>>(),
        "has_next": rest.len() > page.len(),
        "last_id": page.last().map_or("", |r| r.id.as_str()),
    }))
    .into_response())
}

#[derive(Deserialize)]
struct ReviewById {
    review_id: String,
}

/// `POST /v2/review/info`.
pub(super) async fn review_info(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    reviews_subscribed(&app)?;
    let request: ReviewById = parse(&body)?;
    let data = app.seller.read();
    let review = data
        .ozon_review_index(request.review_id.trim())
        .and_then(|index| data.shoppers.ozon_reviews.get(index))
        .ok_or_else(|| not_found("review"))?;
    let mut body = review_json(review);
    if let Some(fields) = body.as_object_mut() {
        fields.insert("likes_amount".into(), json!(0));
        fields.insert("dislikes_amount".into(), json!(0));
        let photos: Vec<Value> = (0..review.photos)
            .map(|n| {
                json!({
                    "height": 1280, "width": 960,
                    "url": format!("https://cdn1.ozone.ru/s3/rp-photo-{}/{}-{n}.jpeg", n + 1, review.id),
                })
            })
            .collect();
        fields.insert("photos".into(), Value::Array(photos));
        fields.insert("videos".into(), json!([]));
    }
    Ok(axum::Json(body).into_response())
}

#[derive(Deserialize)]
struct CommentCreate {
    review_id: String,
    text: String,
    #[serde(default)]
    mark_review_as_processed: bool,
}

/// `POST /v1/review/comment/create`.
pub(super) async fn comment_create(
    State(app): AppState,
    body: Bytes,
) -> Result<Response, RpcError> {
    reviews_subscribed(&app)?;
    let request: CommentCreate = parse(&body)?;
    if !COMMENT_CHARS.contains(&request.text.trim().chars().count()) {
        return Err(bad_request(
            "invalid request: text must be from 1 to 3000 characters",
        ));
    }
    let outcome = app.seller.write().comment_ozon_review(
        request.review_id.trim(),
        &request.text,
        request.mark_review_as_processed,
        Utc::now(),
    );
    match outcome {
        Answered::Done(id) => Ok(axum::Json(json!({"comment_id": id})).into_response()),
        Answered::Unknown | Answered::WrongSku => Err(not_found("review")),
    }
}

#[derive(Deserialize)]
struct CommentList {
    review_id: String,
    limit: Option<i64>,
    #[serde(default)]
    offset: Option<i64>,
}

/// `POST /v1/review/comment/list`: the review's comments, oldest first, `offset` paging.
pub(super) async fn comment_list(State(app): AppState, body: Bytes) -> Result<Response, RpcError> {
    reviews_subscribed(&app)?;
    let request: CommentList = parse(&body)?;
    let limit = request.limit.unwrap_or(0);
    if !REVIEWS_LIMIT.contains(&limit) {
        return Err(bad_request(
            "invalid request: limit must be in range [20, 100]",
        ));
    }
    let offset = usize::try_from(request.offset.unwrap_or(0).max(0)).unwrap_or(0);
    let data = app.seller.read();
    let review = data
        .ozon_review_index(request.review_id.trim())
        .and_then(|index| data.shoppers.ozon_reviews.get(index))
        .ok_or_else(|| not_found("review"))?;
    let limit = usize::try_from(limit).unwrap_or(0);
    let comments: Vec<Value> = review
        .comments
        .iter()
        .skip(offset)
        .take(limit)
        .map(|comment| {
            json!({
                "id": comment.id,
                "text": comment.text,
                "parent_comment_id": "",
                "is_owner": comment.by_seller,
                "is_official": comment.by_seller,
                "is_published": true,
                "is_rejected": false,
                "likes_amount": 0,
                "dislikes_amount": 0,
                "deviation_reason": "",
                "published_at": timestamp(comment.at),
            })
        })
        .collect();
    let next = offset + comments.len();
    Ok(axum::Json(json!({"comments": comments, "offset": next})).into_response())
}
