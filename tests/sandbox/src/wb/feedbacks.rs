//! Questions and reviews (feedbacks-api): lists paged by `take`/`skip`, single items by id and
//! the seller's answers under WB's rules — one edit within 60 days, and review answers to
//! unknown ids that succeed and change nothing, as the spec warns. Everything except the
//! review-answer methods answers in the `{data, error, errorText, …}` envelope.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, SecondsFormat, Utc};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::{AppState, MOSCOW, request_id, token};
use crate::seller::{
    Feedback, HIDDEN, PUBLISHED, Question, SUPPLIER_NAME, SellerData, Write, editable,
};

/// Questions: `take + skip` may not exceed this.
const MAX_QUESTIONS_WINDOW: usize = 10_000;
const MAX_FEEDBACKS_TAKE: usize = 5_000;
const MAX_FEEDBACKS_SKIP: usize = 199_990;
/// Answer length in characters (the spec's `minimum`/`maximum` on the review answer).
const ANSWER_CHARS: std::ops::RangeInclusive<usize> = 2..=5000;

/// feedbacks-api's envelope around every answer, success or not.
fn envelope(status: StatusCode, data: Value, error_text: &str) -> Response {
    let body = json!({
        "data": data,
        "error": !status.is_success(),
        "errorText": error_text,
        "additionalErrors": null,
        "requestId": token::uuid(),
    });
    (status, axum::Json(body)).into_response()
}

fn ok(data: Value) -> Response {
    envelope(StatusCode::OK, data, "")
}

fn fail(status: StatusCode, text: &str) -> Response {
    envelope(status, Value::Null, text)
}

/// The `errorText` of a malformed parameter.
fn bad_format(name: &str) -> String {
    format!("Плохой формат {name}")
}

/// The standardized 400 of the review-answer methods (`origin` fbapi, no envelope).
fn fbapi_error(detail: &str) -> Response {
    let body = json!({
        "title": "bad request",
        "requestId": request_id(),
        "origin": "fbapi",
        "detail": detail,
    });
    (StatusCode::BAD_REQUEST, axum::Json(body)).into_response()
}

/// WB's question timestamps: UTC with nanoseconds.
fn nanos(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// WB's review timestamps: Moscow time with the offset.
fn moscow(time: DateTime<Utc>) -> String {
    time.with_timezone(&MOSCOW)
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

fn query(uri: &Uri) -> HashMap<String, String> {
    Query::<HashMap<String, String>>::try_from_uri(uri)
        .map(|Query(query)| query)
        .unwrap_or_default()
}

/// Filters and paging of the two lists.
struct ListParams {
    answered: bool,
    take: usize,
    skip: usize,
    ascending: bool,
    nm_id: Option<u64>,
    from: Option<i64>,
    to: Option<i64>,
}

/// Parses a list query; `max_take`/`max_skip` bound each, `max_window` their sum. The error
/// is the `errorText` of the 400.
fn list_params(
    query: &HashMap<String, String>,
    max_take: usize,
    max_skip: usize,
    max_window: usize,
) -> Result<ListParams, String> {
    let answered = match query.get("isAnswered").map(String::as_str) {
        Some("true") => true,
        Some("false") => false,
        _ => return Err(bad_format("isAnswered")),
    };
    let number = |name: &str| {
        query
            .get(name)
            .and_then(|value| value.parse::<usize>().ok())
    };
    let take = number("take")
        .filter(|take| (1..=max_take).contains(take))
        .ok_or_else(|| bad_format("take"))?;
    let skip = number("skip")
        .filter(|skip| *skip <= max_skip)
        .ok_or_else(|| bad_format("skip"))?;
    if take + skip > max_window {
        return Err(format!(
            "Сумма take и skip не должна превышать {max_window}"
        ));
    }
    let ascending = match query.get("order").map(String::as_str) {
        None | Some("" | "dateDesc") => false,
        Some("dateAsc") => true,
        Some(_) => return Err(bad_format("order")),
    };
    let optional = |name: &str| match query.get(name).map(String::as_str) {
        None | Some("") => Ok(None),
        Some(value) => value.parse::<i64>().map(Some).map_err(|_| bad_format(name)),
    };
    let nm_id = optional("nmId")?
        .map(|nm_id| u64::try_from(nm_id).map_err(|_| bad_format("nmId")))
        .transpose()?;
    Ok(ListParams {
        answered,
        take,
        skip,
        ascending,
        nm_id,
        from: optional("dateFrom")?,
        to: optional("dateTo")?,
    })
}

impl ListParams {
    fn matches(&self, answered: bool, nm_id: u64, created_at: DateTime<Utc>) -> bool {
        let seconds = created_at.timestamp();
        answered == self.answered
            && self.nm_id.is_none_or(|wanted| wanted == nm_id)
            && self.from.is_none_or(|from| seconds >= from)
            && self.to.is_none_or(|to| seconds <= to)
    }

    /// Sorts by date in the requested order and cuts the page.
    fn page<'a, T>(&self, mut items: Vec<&'a T>, key: impl Fn(&T) -> DateTime<Utc>) -> Vec<&'a T> {
        items.sort_by_key(|item| key(item));
        if !self.ascending {
            items.reverse();
        }
        items.into_iter().skip(self.skip).take(self.take).collect()
    }
}

/// `productDetails`; reviews add the `size`.
fn product_details(
    data: &SellerData,
    product: Option<usize>,
    nm_id: u64,
    size: Option<usize>,
) -> Value {
    let product = product.and_then(|index| data.products.get(index));
    let mut details = json!({
        "imtId": product.and_then(|p| p.wb.as_ref()).map_or(0, |card| card.imt_id),
        "nmId": nm_id,
        "productName": product.map_or("", |p| p.title.as_str()),
        "supplierArticle": product.map_or("", |p| p.vendor_code.as_str()),
        "supplierName": SUPPLIER_NAME,
        "brandName": product.map_or("", |p| p.brand),
    });
    if let (Some(index), Value::Object(fields)) = (size, &mut details) {
        let size = product
            .and_then(|p| p.sizes.get(index))
            .map_or("0", |size| size.tech);
        fields.insert("size".to_owned(), json!(size));
    }
    details
}

fn question_json(data: &SellerData, question: &Question, now: DateTime<Utc>) -> Value {
    json!({
        "id": question.id,
        "text": question.text,
        "createdDate": nanos(question.created_at),
        "state": question.state,
        "answer": question.answer.as_ref().map(|answer| json!({
            "text": answer.text,
            "editable": editable(question.writes, Some(answer), now),
            "createDate": nanos(answer.at),
        })),
        "productDetails": product_details(data, question.product, question.nm_id, None),
        "wasViewed": question.was_viewed,
        "isWarned": question.is_warned,
    })
}

fn feedback_json(data: &SellerData, feedback: &Feedback, now: DateTime<Utc>) -> Value {
    let product = feedback.product.and_then(|index| data.products.get(index));
    let one_size = product.is_none_or(|p| p.sizes.iter().all(|size| size.tech == "0"));
    let matching_size = if one_size {
        ""
    } else if feedback.cons == "Маломерит" {
        "smaller"
    } else {
        "ok"
    };
    json!({
        "id": feedback.id,
        "text": feedback.text,
        "pros": feedback.pros,
        "cons": feedback.cons,
        "productValuation": feedback.valuation,
        "createdDate": moscow(feedback.created_at),
        "answer": feedback.answer.as_ref().map(|answer| json!({
            "text": answer.text,
            "state": PUBLISHED,
            "editable": editable(feedback.writes, Some(answer), now),
        })),
        "state": if feedback.answered() { PUBLISHED } else { HIDDEN },
        "productDetails": product_details(data, feedback.product, feedback.nm_id, Some(feedback.size)),
        "video": null,
        "wasViewed": feedback.was_viewed,
        "photoLinks": null,
        "userName": feedback.user_name,
        "orderStatus": "buyout",
        "matchingSize": matching_size,
        "isAbleSupplierFeedbackValuation": false,
        "supplierFeedbackValuation": 0,
        "isAbleSupplierProductValuation": false,
        "supplierProductValuation": 0,
        "isAbleReturnProductOrders": false,
        "returnProductOrdersDate": null,
        "bables": (feedback.valuation >= 4).then(|| json!(["качество"])),
        "lastOrderShkId": feedback.shk_id,
        "lastOrderCreatedAt": moscow(feedback.bought_at),
        "color": product.map_or("", |p| p.color),
        "subjectId": product.map_or(0, |p| p.category.subject_id),
        "subjectName": product.map_or("", |p| p.category.subject),
        "parentFeedbackId": null,
        "childFeedbackId": null,
    })
}

fn moscow_day(time: DateTime<Utc>) -> chrono::NaiveDate {
    time.with_timezone(&MOSCOW).date_naive()
}

/// `GET /api/v1/new-feedbacks-questions`: is anything not viewed yet?
pub(super) async fn anything_new(State(app): AppState) -> Response {
    let data = app.seller.read();
    let shoppers = &data.shoppers;
    ok(json!({
        "hasNewQuestions": shoppers.questions.iter().any(|question| !question.was_viewed),
        "hasNewFeedbacks": shoppers.feedbacks.iter().any(|feedback| !feedback.was_viewed),
    }))
}

/// `GET /api/v1/questions/count-unanswered`.
pub(super) async fn questions_unanswered(State(app): AppState) -> Response {
    let data = app.seller.read();
    let today = moscow_day(Utc::now());
    let open: Vec<&Question> = data
        .shoppers
        .questions
        .iter()
        .filter(|question| !question.answered())
        .collect();
    ok(json!({
        "countUnanswered": open.len(),
        "countUnansweredToday": open.iter().filter(|q| moscow_day(q.created_at) == today).count(),
    }))
}

/// `GET /api/v1/feedbacks/count-unanswered`.
pub(super) async fn feedbacks_unanswered(State(app): AppState) -> Response {
    let data = app.seller.read();
    let today = moscow_day(Utc::now());
    let open: Vec<&Feedback> = data
        .shoppers
        .feedbacks
        .iter()
        .filter(|feedback| !feedback.answered())
        .collect();
    ok(json!({
        "countUnanswered": open.len(),
        "countUnansweredToday": open.iter().filter(|f| moscow_day(f.created_at) == today).count(),
    }))
}

/// `GET /api/v1/questions?isAnswered&take&skip[&order&nmId&dateFrom&dateTo]`.
pub(super) async fn questions(State(app): AppState, uri: Uri) -> Response {
    let params = match list_params(
        &query(&uri),
        MAX_QUESTIONS_WINDOW,
        MAX_QUESTIONS_WINDOW,
        MAX_QUESTIONS_WINDOW,
    ) {
        Ok(params) => params,
        Err(text) => return fail(StatusCode::BAD_REQUEST, &text),
    };
    let now = Utc::now();
    let data = app.seller.read();
    let all = &data.shoppers.questions;
    let matching = all
        .iter()
        .filter(|q| params.matches(q.answered(), q.nm_id, q.created_at))
        .collect();
    let page: Vec<Value> = params
        .page(matching, |q| q.created_at)
        .into_iter()
        .map(|question| question_json(&data, question, now))
        .collect();
    let unanswered = all.iter().filter(|q| !q.answered()).count();
    ok(json!({
        "countUnanswered": unanswered,
        "countArchive": all.len() - unanswered,
        "questions": page,
    }))
}

/// `GET /api/v1/feedbacks?isAnswered&take&skip[&order&nmId&dateFrom&dateTo]`.
pub(super) async fn feedbacks(State(app): AppState, uri: Uri) -> Response {
    let params = match list_params(
        &query(&uri),
        MAX_FEEDBACKS_TAKE,
        MAX_FEEDBACKS_SKIP,
        MAX_FEEDBACKS_TAKE + MAX_FEEDBACKS_SKIP,
    ) {
        Ok(params) => params,
        Err(text) => return fail(StatusCode::BAD_REQUEST, &text),
    };
    let now = Utc::now();
    let data = app.seller.read();
    let all = &data.shoppers.feedbacks;
    let matching = all
        .iter()
        .filter(|f| params.matches(f.answered(), f.nm_id, f.created_at))
        .collect();
    let page: Vec<Value> = params
        .page(matching, |f| f.created_at)
        .into_iter()
        .map(|feedback| feedback_json(&data, feedback, now))
        .collect();
    let unanswered = all.iter().filter(|f| !f.answered()).count();
    ok(json!({
        "countUnanswered": unanswered,
        "countArchive": all.len() - unanswered,
        "feedbacks": page,
    }))
}

/// `GET /api/v1/question?id=`; unknown ids answer 422 as the spec shows.
pub(super) async fn question(State(app): AppState, uri: Uri) -> Response {
    let Some(id) = query(&uri).remove("id").filter(|id| !id.is_empty()) else {
        return fail(StatusCode::BAD_REQUEST, "Неправильный id в запросе");
    };
    let data = app.seller.read();
    match data.shoppers.questions.iter().find(|q| q.id == id) {
        Some(question) => ok(question_json(&data, question, Utc::now())),
        None => fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Невозможно получить вопрос по id",
        ),
    }
}

/// `GET /api/v1/feedback?id=`; unknown ids answer 422 as the spec shows.
pub(super) async fn feedback(State(app): AppState, uri: Uri) -> Response {
    let Some(id) = query(&uri).remove("id").filter(|id| !id.is_empty()) else {
        return fail(StatusCode::BAD_REQUEST, "Неправильный id в запросе");
    };
    let data = app.seller.read();
    match data.shoppers.feedbacks.iter().find(|f| f.id == id) {
        Some(feedback) => ok(feedback_json(&data, feedback, Utc::now())),
        None => fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Невозможно получить отзыв по id",
        ),
    }
}

fn answer_length_ok(text: &str, minimum: usize) -> bool {
    let chars = text.trim().chars().count();
    chars >= minimum && chars <= *ANSWER_CHARS.end()
}

/// `PATCH /api/v1/questions` in its three forms: answer or edit (`state` `wbRu`), reject
/// (`state` `none`), mark viewed (`wasViewed`).
pub(super) async fn patch_question(State(app): AppState, body: Bytes) -> Response {
    let Ok(Value::Object(request)) = serde_json::from_slice::<Value>(&body) else {
        return fail(StatusCode::BAD_REQUEST, "failed to decode JSON request.");
    };
    let Some(id) = request
        .get("id")
        .and_then(Value::as_str)
        .filter(|id| !id.is_empty())
    else {
        return fail(StatusCode::BAD_REQUEST, "Неправильный id в запросе");
    };
    if let Some(answer) = request.get("answer") {
        return answer_question(&app.seller, id, answer, &request);
    }
    let Some(viewed) = request.get("wasViewed").and_then(Value::as_bool) else {
        return fail(
            StatusCode::BAD_REQUEST,
            "В запросе нет ни answer, ни wasViewed",
        );
    };
    if app.seller.write().view_question(id, viewed) {
        ok(Value::Null)
    } else {
        fail(StatusCode::NOT_FOUND, "Не найден вопрос")
    }
}

fn answer_question(
    seller: &crate::seller::Seller,
    id: &str,
    answer: &Value,
    request: &Map<String, Value>,
) -> Response {
    let Some(text) = answer.get("text").and_then(Value::as_str) else {
        return fail(StatusCode::BAD_REQUEST, &bad_format("answer"));
    };
    let (state, minimum) = match request.get("state").and_then(Value::as_str) {
        Some(PUBLISHED) => (PUBLISHED, *ANSWER_CHARS.start()),
        Some(HIDDEN) => (HIDDEN, 0),
        _ => return fail(StatusCode::BAD_REQUEST, &bad_format("state")),
    };
    if !answer_length_ok(text, minimum) {
        return fail(
            StatusCode::BAD_REQUEST,
            "Длина ответа должна быть от 2 до 5000 символов",
        );
    }
    match seller.write().answer_question(id, text, state, Utc::now()) {
        Write::Done => ok(Value::Null),
        Write::Unknown => fail(StatusCode::NOT_FOUND, "Не найден вопрос"),
        _ => fail(
            StatusCode::UNPROCESSABLE_ENTITY,
            "Не удалось отредактировать вопрос",
        ),
    }
}

#[derive(Deserialize)]
struct AnswerRequest {
    id: String,
    text: String,
}

/// Content type and body of the review-answer methods; the error is the `detail` of fbapi's
/// 400.
fn answer_request(headers: &HeaderMap, body: &[u8]) -> Result<AnswerRequest, String> {
    let Some(content_type) = headers.get(CONTENT_TYPE) else {
        return Err("content-type header not specified".to_owned());
    };
    let content_type = content_type.to_str().unwrap_or_default();
    let mime = content_type.split(';').next().unwrap_or_default().trim();
    if !mime.eq_ignore_ascii_case("application/json") {
        return Err(format!("not a json content-type: {content_type}"));
    }
    let request: AnswerRequest =
        serde_json::from_slice(body).map_err(|_| "Неверный синтаксис JSON".to_owned())?;
    if !answer_length_ok(&request.text, *ANSWER_CHARS.start()) {
        return Err("text: длина ответа должна быть от 2 до 5000 символов".to_owned());
    }
    Ok(request)
}

fn write_answer(app: &super::WbApp, headers: &HeaderMap, body: &[u8], edit: bool) -> Response {
    let request = match answer_request(headers, body) {
        Ok(request) => request,
        Err(detail) => return fbapi_error(&detail),
    };
    let written = app
        .seller
        .write()
        .answer_feedback(&request.id, &request.text, edit, Utc::now());
    match written {
        // Unknown ids are not validated: success, nothing changes.
        Write::Done | Write::Unknown => StatusCode::NO_CONTENT.into_response(),
        Write::AlreadyAnswered => fbapi_error(
            "feedback already has an answer: edit it with PATCH /api/v1/feedbacks/answer",
        ),
        Write::NothingToEdit => fbapi_error("feedback has no answer to edit"),
        Write::EditRefused => fbapi_error("answer can be edited only once within 60 days"),
    }
}

/// `POST /api/v1/feedbacks/answer` `{"id","text"}` → 204.
pub(super) async fn answer_feedback(
    State(app): AppState,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write_answer(&app, &headers, &body, false)
}

/// `PATCH /api/v1/feedbacks/answer` `{"id","text"}` → 204: the one edit.
pub(super) async fn edit_feedback_answer(
    State(app): AppState,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    write_answer(&app, &headers, &body, true)
}
