//! The seam where the assistant plugs in. A turn hands it the shopper's unanswered messages and
//! gets back a reply, a handoff, or both. Today there is one assistant, [`Handoff`]; the NLU and
//! LLM assistants come behind the same trait.

mod handoff;

use futures::future::BoxFuture;
use otklik_db::conversations::{Conversation, Unanswered};
use otklik_db::tenants::Tenant;

pub use handoff::Handoff;

/// What a turn knows when it asks for a reply.
pub struct TurnInput<'a> {
    pub tenant: &'a Tenant,
    pub conversation: &'a Conversation,
    /// Oldest first; never empty.
    pub messages: &'a [Unanswered],
}

/// What the assistant decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// Russian text for the shopper, if anything should be said.
    pub reply: Option<String>,
    /// Hand the conversation to people.
    pub handoff: bool,
}

#[derive(Debug, thiserror::Error)]
#[error("the assistant could not answer: {0}")]
pub struct AssistantError(pub String);

/// Decides how to answer a turn.
pub trait Assistant: Send + Sync {
    fn decide<'a>(
        &'a self,
        input: &'a TurnInput<'a>,
    ) -> BoxFuture<'a, Result<Decision, AssistantError>>;
}

/// The assistant for a tenant. Operator-only tenants always get [`Handoff`]; so, for now, does
/// everyone else, until the answering assistant lands.
pub fn for_tenant(_tenant: &Tenant) -> &'static dyn Assistant {
    &Handoff
}
