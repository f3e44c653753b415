//! Operator-only mode: acknowledge politely, say a person will answer, hand off. Also what a
//! suspended tenant gets: a silent handoff, no bot reply at all.

use futures::future::BoxFuture;
use otklik_schema::HandoffReason;

use super::catalogue::Speech;
use super::state::State;
use super::{Assistant, AssistantError, Decision, Handoff, TurnInput};

/// `reason` goes to operators with the handoff: the tenant's choice, or a billing cap reached.
pub struct OperatorOnly {
    pub reason: HandoffReason,
}

impl OperatorOnly {
    pub const CHOSEN: Self = Self {
        reason: HandoffReason::OperatorOnly,
    };
    pub const TRIAL_CAP: Self = Self {
        reason: HandoffReason::TrialReplyCap,
    };
    pub const REPLY_CAP: Self = Self {
        reason: HandoffReason::ReplyCap,
    };
}

impl Assistant for OperatorOnly {
    fn decide<'a>(
        &'a self,
        input: &'a TurnInput<'a>,
    ) -> BoxFuture<'a, Result<Decision, AssistantError>> {
        // Varied by conversation, so a shopper writing to several shops does not meet one
        // template everywhere; in the language the shopper wrote in or wrote in before.
        let mut state = State::of(&input.conversation.assistant_state);
        let text: String = input.messages.iter().map(|m| m.body.as_str()).collect();
        if let Some(language) = otklik_nlu::detect(&text) {
            state.language = Some(language);
        }
        let speech = state
            .language
            .and_then(Speech::of)
            .unwrap_or(Speech::RUSSIAN);
        let index = input.conversation.id.0.rem_euclid(3) + 1;
        let reply = speech.text(&format!("acknowledge-{index}"), &[]);
        Box::pin(async move {
            Ok(Decision {
                reply: Some(reply),
                handoff: Some(Handoff {
                    reason: self.reason,
                    summary: String::new(),
                }),
                meta: serde_json::json!({ "responder": "operator_only" }),
                state: None,
                usage: Vec::new(),
            })
        })
    }
}

/// A suspended tenant: the shopper's messages wait for people, nobody answers automatically.
pub struct Suspended;

impl Assistant for Suspended {
    fn decide<'a>(
        &'a self,
        _input: &'a TurnInput<'a>,
    ) -> BoxFuture<'a, Result<Decision, AssistantError>> {
        Box::pin(async move {
            Ok(Decision {
                reply: None,
                handoff: Some(Handoff {
                    reason: HandoffReason::BillingSuspended,
                    summary: String::new(),
                }),
                meta: serde_json::json!({ "responder": "suspended" }),
                state: None,
                usage: Vec::new(),
            })
        })
    }
}
