//! The operator inbox: what people see of conversations, and what they do with them.
//!
//! Reads: conversations by last activity in views that split the open work (waiting for
//! people, mine, with the assistant, closed), with full-text search over messages; and one
//! conversation's timeline — messages with their delivery status, the assistant's drafts and
//! private notes in one order (notes take their ids from the messages' sequence).
//!
//! Changes: take over, assign, return to the assistant, close, reply, note, approve a draft.
//! Each runs in one transaction together with its audit-log row, with the conversation locked,
//! and is scoped to the tenant: another tenant's id finds nothing and changes nothing. A change
//! that would change nothing (taking over what is already yours, closing what is closed) is
//! neither made nor recorded. Replies and approved drafts become `pending` messages with an
//! idempotency key; the caller enqueues their delivery like a turn's reply.

mod actions;
mod list;
mod timeline;

pub use actions::{Posted, Transition, approve_draft, note, reply, transition};
pub use list::{Counters, ListFilter, Summary, View, counters, get, list};
pub use timeline::{Entry, Order, timeline};

use crate::DbError;

/// Why an inbox change was refused.
#[derive(Debug, thiserror::Error)]
pub enum InboxError {
    #[error("no such conversation")]
    ConversationNotFound,
    #[error("no such message in this conversation")]
    MessageNotFound,
    #[error("the conversation is closed")]
    Closed,
    #[error("the message is not a draft awaiting approval")]
    NotADraft,
    /// The same idempotency key came with another conversation or text.
    #[error("this idempotency key was already used for a different request")]
    KeyReused,
    #[error("no active user with this id in the shop")]
    NoSuchUser,
    #[error("viewers cannot handle conversations")]
    ViewerCannotHandle,
    #[error(transparent)]
    Database(#[from] DbError),
}

impl From<diesel::result::Error> for InboxError {
    fn from(err: diesel::result::Error) -> Self {
        Self::Database(err.into())
    }
}
