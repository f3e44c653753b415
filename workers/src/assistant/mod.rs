//! The seam where the assistant plugs in. A turn hands it the shopper's unanswered messages and
//! gets back a reply, a handoff, or both. Operator-only tenants get [`OperatorOnly`]; everyone
//! else gets [`Answering`].

mod answer_cache;
mod answering;
mod card;
mod catalogue;
mod compose;
mod facts;
mod given;
pub mod guardrails;
mod handoff_note;
mod local;
mod model_responder;
mod mood;
mod operator_only;
pub mod order_news;
pub(crate) mod order_status;
mod ownership;
mod places;
mod quotes;
mod retrieval;
mod return_status;
mod reviews;
mod routing;
mod settings;
mod sizing;
mod state;
mod topics;
mod turn;

use futures::future::BoxFuture;
use otklik_db::conversations::{Conversation, Unanswered, Usage};
use otklik_db::messages::Line;
use otklik_db::tenants::Tenant;
use otklik_schema::{ChannelKind, HandoffReason};

use crate::billing::Standing;

pub use answer_cache::AnswerCache;
pub use answering::Answering;
pub use catalogue::Speech;
pub use model_responder::{ModelResponder, Providers};
pub use operator_only::{OperatorOnly, Suspended};
pub use retrieval::Retrieval;
pub use settings::{Settings, WorkingHours};
pub use state::{Slot, State};

/// What a turn knows when it asks for a reply.
pub struct TurnInput<'a> {
    pub tenant: &'a Tenant,
    pub conversation: &'a Conversation,
    pub channel_kind: ChannelKind,
    /// Oldest first; never empty.
    pub messages: &'a [Unanswered],
    /// The conversation's latest messages, oldest first, including `messages`.
    pub history: &'a [Line],
    /// The shopper's name as the channel gave it (a review's author on WB), or empty.
    pub customer_name: &'a str,
}

/// People take over: why, and what they should read first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handoff {
    pub reason: HandoffReason,
    pub summary: String,
}

/// What the assistant decided.
#[derive(Debug, Clone)]
pub struct Decision {
    /// Text for the shopper in their language, if anything should be said.
    pub reply: Option<String>,
    pub handoff: Option<Handoff>,
    /// Recorded with the reply: intent, responder, knowledge articles used.
    pub meta: serde_json::Value,
    /// The assistant's memory after this turn; unchanged when `None`.
    pub state: Option<serde_json::Value>,
    pub usage: Vec<Usage>,
}

/// Why a turn could not be decided; the source is kept for the logs.
#[derive(Debug, thiserror::Error)]
#[error("the assistant could not answer: {context}")]
pub struct AssistantError {
    context: &'static str,
    #[source]
    source: Box<dyn std::error::Error + Send + Sync>,
}

impl AssistantError {
    pub fn new(
        context: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self {
            context,
            source: source.into(),
        }
    }
}

/// Decides how to answer a turn.
pub trait Assistant: Send + Sync {
    fn decide<'a>(
        &'a self,
        input: &'a TurnInput<'a>,
    ) -> BoxFuture<'a, Result<Decision, AssistantError>>;
}

/// The assistant for a tenant in its billing standing.
pub fn for_tenant<'a>(
    tenant: &Tenant,
    standing: Standing,
    answering: &'a Answering,
) -> &'a dyn Assistant {
    const CHOSEN: OperatorOnly = OperatorOnly::CHOSEN;
    const TRIAL_CAP: OperatorOnly = OperatorOnly::TRIAL_CAP;
    const REPLY_CAP: OperatorOnly = OperatorOnly::REPLY_CAP;
    match standing {
        Standing::Suspended => &Suspended,
        Standing::OperatorOnly(HandoffReason::TrialReplyCap) => &TRIAL_CAP,
        Standing::OperatorOnly(_) => &REPLY_CAP,
        Standing::Serve if tenant.operator_only => &CHOSEN,
        Standing::Serve => answering,
    }
}
