//! The operator inbox: `/api/v1/conversations`.
//!
//! | method | path | permission |
//! |---|---|---|
//! | GET | `/api/v1/conversations?view=&channel_id=&q=&limit=&cursor=` | read_conversations |
//! | GET | `/api/v1/conversations/counters` | read_conversations |
//! | GET | `/api/v1/conversations/{id}` | read_conversations |
//! | GET | `/api/v1/conversations/{id}/messages?order=newest\|oldest&limit=&cursor=` | read_conversations |
//! | POST | `/api/v1/conversations/{id}/take-over` | handle_conversations |
//! | POST | `/api/v1/conversations/{id}/assign` `{"user_id"}` | handle_conversations |
//! | POST | `/api/v1/conversations/{id}/reply` `{"text"}` | handle_conversations |
//! | POST | `/api/v1/conversations/{id}/notes` `{"text"}` | handle_conversations |
//! | POST | `/api/v1/conversations/{id}/close` | handle_conversations |
//! | POST | `/api/v1/conversations/{id}/return-to-bot` | handle_conversations |
//! | POST | `/api/v1/conversations/{id}/drafts/{message_id}/approve` `{"text"?}` | handle_conversations |
//!
//! The list runs by last activity, newest first; `view` is `waiting` (handed off, or a draft to
//! approve), `mine`, `bot`, `closed` or `all` (the default). The timeline is newest first unless
//! `order=oldest`, and holds messages with their delivery status, drafts and private notes.
//!
//! Every action is scoped to the caller's tenant (another tenant's id answers 404 and changes
//! nothing), goes to the audit log, and is published on the tenant's operator topic so open
//! dashboards update live ([`OperatorEvent::Conversation`] or [`OperatorEvent::Message`] with
//! the message's view). Replies and notes honour `Idempotency-Key`: a retried POST with the same
//! key records and sends once and answers 200 with `Idempotent-Replayed: true`; approving a
//! draft again answers the same way. State changes are idempotent by nature: taking over what
//! is already yours, or closing what is closed, answers 200 and records nothing.
//!
//! Operator events are best effort (the database is the truth); a reply whose delivery could
//! not be enqueued answers 503 and is enqueued again when the POST is retried with its key.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use otklik_db::inbox::{
    self, Counters, Entry, InboxError, ListFilter, Order, Posted, Summary, Transition, View,
};
use otklik_db::marketplace_inbox::ORIGIN_MARKETPLACE;
use otklik_db::{TenantScope, users};
use otklik_jobs::{Deliver, OperatorEvent, topics};
use otklik_schema::{
    Author, ChannelId, ChannelKind, ConversationId, ConversationMode, CustomerId, DeliveryStatus,
    Direction, MessageAction, MessageId, Role, UserId,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::auth::Principal;
use super::body::JsonBody;
use super::page::{Page, PageQuery};
use super::params::{ApiPath, ApiQuery, search_text};
use super::permissions::Permission;
use crate::error::{Conflict, FieldError};
use crate::problems::Problem;
use crate::{ApiError, AppState};

/// Telegram's limit for one message; the strictest of the channels people answer in.
const MAX_REPLY_CHARS: usize = 4096;
const MAX_NOTE_CHARS: usize = 10_000;
const MAX_IDEMPOTENCY_KEY: usize = 200;

pub fn routes() -> Router<AppState> {
    const ONE: &str = "/api/v1/conversations/{id}";
    Router::new()
        .route("/api/v1/conversations", get(list))
        .route("/api/v1/conversations/counters", get(counters))
        .route("/api/v1/conversations/assignees", get(assignees))
        .route(ONE, get(show))
        .route(&format!("{ONE}/messages"), get(timeline))
        .route(&format!("{ONE}/take-over"), post(take_over))
        .route(&format!("{ONE}/assign"), post(assign))
        .route(&format!("{ONE}/reply"), post(reply))
        .route(&format!("{ONE}/notes"), post(note))
        .route(&format!("{ONE}/close"), post(close))
        .route(&format!("{ONE}/return-to-bot"), post(return_to_bot))
        .route(
            &format!("{ONE}/drafts/{{message_id}}/approve"),
            post(approve_draft),
        )
}

impl From<InboxError> for ApiError {
    fn from(err: InboxError) -> Self {
        match err {
            InboxError::ConversationNotFound | InboxError::MessageNotFound => Self::NotFound,
            InboxError::Closed => Self::Conflict(Conflict::ConversationClosed, err.to_string()),
            InboxError::NotADraft => Self::Conflict(Conflict::NotADraft, err.to_string()),
            InboxError::KeyReused => {
                Self::Validation(vec![FieldError::new("Idempotency-Key", Problem::KeyReused)])
            }
            InboxError::NoSuchUser => {
                Self::Validation(vec![FieldError::new("user_id", Problem::NoSuchUser)])
            }
            InboxError::ViewerCannotHandle => Self::Validation(vec![FieldError::new(
                "user_id",
                Problem::ViewerCannotHandle,
            )]),
            InboxError::Database(err) => Self::Database(err),
        }
    }
}

/// A conversation as the inbox shows it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ConversationView {
    id: ConversationId,
    channel: ChannelRef,
    customer: CustomerRef,
    mode: ConversationMode,
    #[schema(required = true)]
    assignee_id: Option<UserId>,
    /// Why and when the assistant handed the conversation to people; `null` if it did not.
    #[schema(required = true)]
    handoff: Option<Handoff>,
    /// The marketplace's answer deadline (WB questions and feedbacks).
    #[schema(required = true)]
    reply_due_at: Option<DateTime<Utc>>,
    /// The latest message other than a draft; `null` before the first.
    #[schema(required = true)]
    last_message: Option<LastMessage>,
    /// Why nothing more is owed: the seller already answered (or closed) it at the marketplace.
    #[schema(required = true)]
    marketplace_note: Option<String>,
    last_message_at: DateTime<Utc>,
    /// People owe the shopper an answer.
    awaiting_reply: bool,
    /// An assistant's draft waits for approval.
    has_draft: bool,
    /// A review's stars, 1 to 5.
    #[schema(required = true)]
    rating: Option<i16>,
    created_at: DateTime<Utc>,
    #[schema(required = true)]
    closed_at: Option<DateTime<Utc>>,
}

/// The channel a conversation or a customer is at.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChannelRef {
    pub id: ChannelId,
    pub kind: ChannelKind,
    pub name: String,
}

/// The shopper of a conversation.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerRef {
    id: CustomerId,
    name: String,
    #[schema(required = true)]
    username: Option<String>,
}

/// The assistant's handoff to people.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Handoff {
    reason: String,
    #[schema(required = true)]
    summary: Option<String>,
    #[schema(required = true)]
    at: Option<DateTime<Utc>>,
}

/// The latest message of a conversation, in short.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct LastMessage {
    direction: Direction,
    #[schema(required = true)]
    author: Option<Author>,
    /// The first 200 characters.
    #[schema(required = true)]
    preview: Option<String>,
    #[schema(required = true)]
    delivery_status: Option<DeliveryStatus>,
    /// The seller wrote it in the marketplace's own cabinet.
    written_at_marketplace: bool,
    #[schema(required = true)]
    created_at: Option<DateTime<Utc>>,
}

impl From<&Summary> for ConversationView {
    fn from(c: &Summary) -> Self {
        Self {
            id: c.id,
            channel: ChannelRef {
                id: c.channel_id,
                kind: c.channel_kind,
                name: c.channel_name.clone(),
            },
            customer: CustomerRef {
                id: c.customer_id,
                name: c.customer_name.clone(),
                username: c.customer_username.clone(),
            },
            mode: c.mode,
            assignee_id: c.assignee_id,
            handoff: c.handoff_reason.as_ref().map(|reason| Handoff {
                reason: reason.clone(),
                summary: c.handoff_summary.clone(),
                at: c.handoff_at,
            }),
            reply_due_at: c.reply_due_at,
            last_message: c.last_direction.map(|direction| LastMessage {
                direction,
                author: c.last_author,
                preview: c.last_preview.clone(),
                delivery_status: c.last_delivery_status,
                written_at_marketplace: c.last_origin.as_deref() == Some(ORIGIN_MARKETPLACE),
                created_at: c.last_created_at,
            }),
            marketplace_note: c.marketplace_note(),
            last_message_at: c.last_message_at,
            awaiting_reply: c.awaiting_reply(),
            has_draft: c.has_draft,
            rating: c.rating,
            created_at: c.created_at,
            closed_at: c.closed_at,
        }
    }
}

/// What a timeline entry is: a message the shopper sees, or a private note.
#[derive(Debug, Clone, Copy, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    Message,
    Note,
}

/// A message, a draft or a private note in a conversation's timeline.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MessageView {
    id: MessageId,
    kind: EntryKind,
    /// `null` for a note.
    #[schema(required = true)]
    direction: Option<Direction>,
    author: Author,
    /// The operator who wrote a reply or a note.
    #[schema(required = true)]
    author_user_id: Option<UserId>,
    body: String,
    /// Files and pictures, as the channel gave them.
    attachments: Value,
    /// Outbound messages only; `draft` awaits an operator's approval.
    #[schema(required = true)]
    delivery_status: Option<DeliveryStatus>,
    #[schema(required = true)]
    delivery_error: Option<String>,
    /// How a reply came about (intent, responder, articles), who approved a draft.
    meta: Value,
    created_at: DateTime<Utc>,
    #[schema(required = true)]
    sent_at: Option<DateTime<Utc>>,
}

impl From<&Entry> for MessageView {
    fn from(e: &Entry) -> Self {
        Self {
            id: e.id,
            kind: if e.is_note {
                EntryKind::Note
            } else {
                EntryKind::Message
            },
            direction: e.direction,
            author: e.author,
            author_user_id: e.author_user_id,
            body: e.body.clone(),
            attachments: e.attachments.clone(),
            delivery_status: e.delivery_status,
            delivery_error: e.delivery_error.clone(),
            meta: e.meta.clone(),
            created_at: e.created_at,
            sent_at: e.sent_at,
        }
    }
}

/// How many conversations each view holds for the caller.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InboxCounters {
    waiting: i64,
    mine: i64,
    bot: i64,
    closed: i64,
}

/// Someone a conversation can be assigned to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Assignee {
    id: UserId,
    /// The name, or the e-mail address for someone who gave none.
    name: String,
    role: Role,
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ListQuery {
    /// `waiting`, `mine`, `bot`, `closed` or `all` (the default).
    #[serde(default)]
    #[param(value_type = Option<super::vocabulary::ViewSchema>)]
    view: View,
    #[param(value_type = Option<i64>)]
    channel_id: Option<ChannelId>,
    /// Full-text search, at most 200 characters.
    #[param(max_length = 200)]
    q: Option<String>,
    /// Rows per page, 1 to 100; 50 when absent.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// The previous page's `next_cursor`.
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations",
    summary = "The inbox, by last activity, newest first", description = "Role: any (read_conversations).", security(("bearer" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "A page of conversations", body = Page<ConversationView>),
        (status = 400, description = "A bad parameter, `limit` or `cursor`", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 422, description = "The search text is too long", body = crate::error::ErrorEnvelope),
    ))]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    ApiQuery(params): ApiQuery<ListQuery>,
) -> Result<Json<Page<ConversationView>>, ApiError> {
    principal.require(Permission::ReadConversations)?;
    let search = search_text(params.q.as_deref())?;
    let page = PageQuery {
        limit: params.limit,
        cursor: params.cursor,
    };
    let limit = page.limit()?;
    let filter = ListFilter {
        view: params.view,
        viewer: principal.user,
        channel: params.channel_id,
        search,
        after: page.after::<(DateTime<Utc>, ConversationId)>()?,
        limit: limit + 1,
    };
    let mut conn = state.db_for(&principal).await?;
    let rows = inbox::list(&mut conn, principal.tenant, &filter).await?;
    let page = Page::from_rows(rows, limit, |c| (c.last_message_at, c.id));
    Ok(Json(Page {
        items: page.items.iter().map(ConversationView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

#[utoipa::path(get, path = "/api/v1/conversations/counters", tag = "conversations",
    summary = "How many conversations each view holds", description = "Role: any (read_conversations).", security(("bearer" = [])),
    responses(
        (status = 200, description = "The counts", body = InboxCounters),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
    ))]
pub async fn counters(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<InboxCounters>, ApiError> {
    principal.require(Permission::ReadConversations)?;
    let mut conn = state.db_for(&principal).await?;
    let Counters {
        waiting,
        mine,
        bot,
        closed,
    } = inbox::counters(&mut conn, principal.tenant, principal.user).await?;
    Ok(Json(InboxCounters {
        waiting,
        mine,
        bot,
        closed,
    }))
}

#[utoipa::path(get, path = "/api/v1/conversations/assignees", tag = "conversations",
    summary = "Who a conversation can be assigned to: active admins and operators, by name (the e-mail address for someone who gave no name)", description = "Role: admin or operator (handle_conversations).", security(("bearer" = [])),
    responses(
        (status = 200, description = "The people, by name", body = Vec<Assignee>),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
    ))]
pub async fn assignees(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Vec<Assignee>>, ApiError> {
    principal.require(Permission::HandleConversations)?;
    let mut conn = state.db_for(&principal).await?;
    let people = users::assignees(&mut conn, principal.tenant).await?;
    Ok(Json(
        people
            .iter()
            .map(|user| {
                let name = match user.display_name.trim() {
                    "" => &user.email,
                    name => name,
                };
                Assignee {
                    id: user.id,
                    name: name.to_owned(),
                    role: user.role,
                }
            })
            .collect(),
    ))
}

async fn summary(
    state: &AppState,
    tenant: TenantScope,
    id: ConversationId,
) -> Result<ConversationView, ApiError> {
    let mut conn = state.tenant_db(tenant).await?;
    inbox::get(&mut conn, tenant, id)
        .await?
        .map(|c| ConversationView::from(&c))
        .ok_or(ApiError::NotFound)
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}", tag = "conversations",
    summary = "One conversation", description = "Role: any (read_conversations).", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The conversation's id")),
    responses(
        (status = 200, description = "The conversation", body = ConversationView),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such conversation in this shop", body = crate::error::ErrorEnvelope),
    ))]
pub async fn show(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<ConversationId>,
) -> Result<Json<ConversationView>, ApiError> {
    principal.require(Permission::ReadConversations)?;
    Ok(Json(summary(&state, principal.tenant, id).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TimelineQuery {
    /// `newest` (the default) or `oldest` first.
    #[serde(default)]
    #[param(value_type = Option<super::vocabulary::OrderSchema>)]
    order: Order,
    /// Rows per page, 1 to 100; 50 when absent.
    #[param(minimum = 1, maximum = 100)]
    limit: Option<i64>,
    /// The previous page's `next_cursor`.
    cursor: Option<String>,
}

#[utoipa::path(get, path = "/api/v1/conversations/{id}/messages", tag = "conversations",
    summary = "Messages, drafts and private notes", description = "Role: any (read_conversations).", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The conversation's id"), TimelineQuery),
    responses(
        (status = 200, description = "A page of messages, drafts and notes", body = Page<MessageView>),
        (status = 400, description = "A bad parameter, `limit` or `cursor`", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such conversation in this shop", body = crate::error::ErrorEnvelope),
    ))]
pub async fn timeline(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<ConversationId>,
    ApiQuery(params): ApiQuery<TimelineQuery>,
) -> Result<Json<Page<MessageView>>, ApiError> {
    principal.require(Permission::ReadConversations)?;
    let page = PageQuery {
        limit: params.limit,
        cursor: params.cursor,
    };
    let limit = page.limit()?;
    let after = page.after::<MessageId>()?;
    let mut conn = state.db_for(&principal).await?;
    let entries = inbox::timeline(
        &mut conn,
        principal.tenant,
        id,
        params.order,
        after,
        limit + 1,
    )
    .await?
    .ok_or(ApiError::NotFound)?;
    let page = Page::from_rows(entries, limit, |e| e.id);
    Ok(Json(Page {
        items: page.items.iter().map(MessageView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}

/// Tells the tenant's open dashboards what changed. Best effort: the inbox reads the same from
/// the database, so a lost event only delays a screen.
async fn publish(state: &AppState, tenant: TenantScope, event: OperatorEvent) {
    let mut redis = state.redis();
    let namespace = &state.config().redis_namespace;
    let publish = topics::tell_operators(&mut redis, namespace, tenant.tenant_id(), &event);
    match tokio::time::timeout(state.enqueue_timeout(), publish).await {
        Ok(Ok(_)) => {}
        Ok(Err(err)) => tracing::warn!(tenant.id = %tenant.tenant_id(), error = %err,
            "could not publish an operator event"),
        Err(_) => tracing::warn!(tenant.id = %tenant.tenant_id(),
            "Redis did not take an operator event in time"),
    }
}

async fn change(
    state: AppState,
    principal: Principal,
    id: ConversationId,
    transition: Transition,
) -> Result<Json<ConversationView>, ApiError> {
    principal.require(Permission::HandleConversations)?;
    let changed = {
        let mut conn = state.db_for(&principal).await?;
        inbox::transition(&mut conn, principal.tenant, principal.user, id, transition).await?
    };
    let conversation = summary(&state, principal.tenant, id).await?;
    if changed {
        let event = OperatorEvent::Conversation {
            conversation_id: id,
            action: transition.action(),
            mode: Some(conversation.mode),
            assignee_id: conversation.assignee_id,
            by: Some(principal.user),
        };
        publish(&state, principal.tenant, event).await;
    }
    Ok(Json(conversation))
}

/// The caller answers from now on; the assistant stays silent.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/take-over", tag = "conversations",
    summary = "Take over: the caller answers, the assistant stays silent", description = "Role: admin or operator (handle_conversations). Idempotent: repeating it answers 200 and records nothing.", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The conversation's id")),
    responses(
        (status = 200, description = "The conversation", body = ConversationView),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such conversation in this shop", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The conversation is closed", body = crate::error::ErrorEnvelope),
    ))]
pub async fn take_over(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<ConversationId>,
) -> Result<Json<ConversationView>, ApiError> {
    change(state, principal, id, Transition::TakeOver).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignBody {
    #[schema(value_type = i64)]
    user_id: UserId,
}

/// Gives the conversation to an admin or operator of the same shop; people answer from now on.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/assign", tag = "conversations",
    summary = "Give the conversation to an admin or operator of the shop",
    description = "Role: admin or operator (handle_conversations). Idempotent: repeating it answers 200 and records nothing.", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The conversation's id")),
    request_body = AssignBody,
    responses(
        (status = 200, description = "The conversation", body = ConversationView),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such conversation in this shop", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The conversation is closed", body = crate::error::ErrorEnvelope),
        (status = 422, description = "No such admin or operator in this shop", body = crate::error::ErrorEnvelope),
    ))]
pub async fn assign(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<ConversationId>,
    JsonBody(body): JsonBody<AssignBody>,
) -> Result<Json<ConversationView>, ApiError> {
    change(state, principal, id, Transition::Assign(body.user_id)).await
}

#[utoipa::path(post, path = "/api/v1/conversations/{id}/close", tag = "conversations",
    summary = "Close the conversation", description = "Role: admin or operator (handle_conversations). Idempotent: repeating it answers 200 and records nothing.", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The conversation's id")),
    responses(
        (status = 200, description = "The conversation", body = ConversationView),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such conversation in this shop", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The conversation is closed", body = crate::error::ErrorEnvelope),
    ))]
pub async fn close(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<ConversationId>,
) -> Result<Json<ConversationView>, ApiError> {
    change(state, principal, id, Transition::Close).await
}

/// The assistant answers the shopper's next message, with a fresh memory.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/return-to-bot", tag = "conversations",
    summary = "Return the conversation to the assistant", description = "Role: admin or operator (handle_conversations). Idempotent: repeating it answers 200 and records nothing.", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The conversation's id")),
    responses(
        (status = 200, description = "The conversation", body = ConversationView),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such conversation in this shop", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The conversation is closed", body = crate::error::ErrorEnvelope),
    ))]
pub async fn return_to_bot(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<ConversationId>,
) -> Result<Json<ConversationView>, ApiError> {
    change(state, principal, id, Transition::ReturnToBot).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TextBody {
    /// 1 to 4096 characters.
    #[schema(min_length = 1, max_length = 4096, pattern = r"\S")]
    text: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoteBody {
    /// 1 to 10,000 characters.
    #[schema(min_length = 1, max_length = 10000, pattern = r"\S")]
    text: String,
}

/// The text trimmed, or a field error if it is empty or too long.
fn text_field(field: &'static str, text: &str, max: usize) -> Result<String, ApiError> {
    let text = text.trim();
    let problem = if text.is_empty() {
        Some(Problem::Required)
    } else if text.chars().count() > max {
        Some(Problem::TooLong { max })
    } else {
        None
    };
    match problem {
        Some(problem) => Err(ApiError::Validation(vec![FieldError::new(field, problem)])),
        None => Ok(text.to_owned()),
    }
}

/// The request's `Idempotency-Key`, or a fresh one: without it a retried POST acts twice.
fn idempotency_key(headers: &HeaderMap) -> Result<String, ApiError> {
    Ok(
        super::idempotency::header_key(headers, MAX_IDEMPOTENCY_KEY)?
            .unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
    )
}

/// Enqueues the delivery of a `pending` message, waiting no longer than for a webhook.
async fn deliver(
    state: &AppState,
    tenant: TenantScope,
    message: MessageId,
) -> Result<(), ApiError> {
    let job = Deliver {
        tenant_id: tenant.tenant_id(),
        message_id: message,
    };
    // Not taken: it is sent when the request is retried.
    let what = format!("the delivery of message {message}");
    crate::hooks::enqueue_in_time(state, &what, state.queues().push_delivery(job)).await
}

/// Answers with what was posted: 201 the first time, 200 and `Idempotent-Replayed` after. A
/// `pending` message is (re-)enqueued either way: a first try may have failed to enqueue, and
/// enqueueing a message twice sends it once.
async fn posted(
    state: &AppState,
    principal: Principal,
    id: ConversationId,
    action: MessageAction,
    posted: Posted,
) -> Result<Response, ApiError> {
    let view = MessageView::from(&posted.entry);
    if !posted.replayed {
        let event = OperatorEvent::Message {
            conversation_id: id,
            message_id: posted.entry.id,
            action: Some(action),
            message: serde_json::to_value(&view).ok(),
        };
        publish(state, principal.tenant, event).await;
    }
    if posted.entry.delivery_status == Some(DeliveryStatus::Pending) {
        deliver(state, principal.tenant, posted.entry.id).await?;
    }
    Ok(if posted.replayed {
        let replayed = [(
            super::idempotency::REPLAYED,
            HeaderValue::from_static("true"),
        )];
        (StatusCode::OK, replayed, Json(view)).into_response()
    } else {
        (StatusCode::CREATED, Json(view)).into_response()
    })
}

/// Sends the operator's text to the shopper. Takes the conversation over if people were not
/// answering yet.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/reply", tag = "conversations",
    summary = "Send the operator's text to the shopper (takes over if needed)", description = "Role: admin or operator (handle_conversations). Honours `Idempotency-Key`.", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The conversation's id"), ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 200, pattern = r"^[!-~]+$", description = "1 to 200 visible ASCII characters; a retry with the same key records and sends once")),
    request_body = TextBody,
    responses(
        (status = 201, description = "The message", body = MessageView),
        (status = 200, description = "A replay of the same key (`Idempotent-Replayed: true`)", body = MessageView),
        (status = 400, description = "Malformed JSON, unknown fields or a bad `Idempotency-Key`", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such conversation in this shop", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The conversation is closed", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Empty or too long text, or a key reused for another request", body = crate::error::ErrorEnvelope),
    ))]
pub async fn reply(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<ConversationId>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<TextBody>,
) -> Result<Response, ApiError> {
    principal.require(Permission::HandleConversations)?;
    let text = text_field("text", &body.text, MAX_REPLY_CHARS)?;
    let key = idempotency_key(&headers)?;
    let result = {
        let mut conn = state.db_for(&principal).await?;
        inbox::reply(&mut conn, principal.tenant, principal.user, id, &text, &key).await?
    };
    posted(&state, principal, id, MessageAction::Reply, result).await
}

/// A private note for colleagues; never sent to the shopper.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/notes", tag = "conversations",
    summary = "A private note for colleagues, never sent to the shopper", description = "Role: admin or operator (handle_conversations). Honours `Idempotency-Key`.", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The conversation's id"), ("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 200, pattern = r"^[!-~]+$", description = "1 to 200 visible ASCII characters; a retry with the same key records and sends once")),
    request_body = NoteBody,
    responses(
        (status = 201, description = "The message", body = MessageView),
        (status = 200, description = "A replay of the same key (`Idempotent-Replayed: true`)", body = MessageView),
        (status = 400, description = "Malformed JSON, unknown fields or a bad `Idempotency-Key`", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such conversation in this shop", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The conversation is closed", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Empty or too long text, or a key reused for another request", body = crate::error::ErrorEnvelope),
    ))]
pub async fn note(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<ConversationId>,
    headers: HeaderMap,
    JsonBody(body): JsonBody<NoteBody>,
) -> Result<Response, ApiError> {
    principal.require(Permission::HandleConversations)?;
    let text = text_field("text", &body.text, MAX_NOTE_CHARS)?;
    let key = idempotency_key(&headers)?;
    let result = {
        let mut conn = state.db_for(&principal).await?;
        inbox::note(&mut conn, principal.tenant, principal.user, id, &text, &key).await?
    };
    posted(&state, principal, id, MessageAction::Note, result).await
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveBody {
    /// The operator's edit, 1 to 4096 characters; the assistant's text as it is when absent.
    #[schema(min_length = 1, max_length = 4096, pattern = r"\S")]
    text: Option<String>,
}

/// Publishes the assistant's draft (a marketplace answer held for approval), edited or as is.
#[utoipa::path(post, path = "/api/v1/conversations/{id}/drafts/{message_id}/approve", tag = "conversations",
    summary = "Publish the assistant's draft, edited or as is", description = "Role: admin or operator (handle_conversations). Approving again answers 200 with `Idempotent-Replayed: true`.", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The conversation's id"), ("message_id" = i64, Path, description = "The draft message's id")),
    request_body = ApproveBody,
    responses(
        (status = 201, description = "The message", body = MessageView),
        (status = 200, description = "Already approved (`Idempotent-Replayed: true`)", body = MessageView),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such conversation or draft in this shop", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The conversation is closed, or the message is not a draft", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Empty or too long text", body = crate::error::ErrorEnvelope),
    ))]
pub async fn approve_draft(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath((id, message)): ApiPath<(ConversationId, MessageId)>,
    JsonBody(body): JsonBody<ApproveBody>,
) -> Result<Response, ApiError> {
    principal.require(Permission::HandleConversations)?;
    let edited = body
        .text
        .map(|text| text_field("text", &text, MAX_REPLY_CHARS))
        .transpose()?;
    let result = {
        let mut conn = state.db_for(&principal).await?;
        inbox::approve_draft(
            &mut conn,
            principal.tenant,
            principal.user,
            id,
            message,
            edited.as_deref(),
        )
        .await?
    };
    posted(&state, principal, id, MessageAction::ApproveDraft, result).await
}
