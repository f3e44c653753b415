//! A turn under way: what it knows, and how its decision is recorded — a checked reply,
//! a question back, or a handoff with its summary — whichever responder wrote the words.

use chrono::Utc;
use otklik_config::Cost;
use otklik_db::conversations::Usage;
use otklik_nlu::{Analysis, Intent, Language};
use serde_json::json;

use super::catalogue::Speech;
use super::facts::Facts;
use super::given::Given;
use super::guardrails::{self, Sources, Violation};
use super::handoff_note::{self, Reason};
use super::local::{self, Reply};
use super::retrieval::Retrieval;
use super::settings::Settings;
use super::state::{Slot, State};
use super::{Decision, Handoff, TurnInput};

/// A reply ready for the guardrails, from whichever responder wrote it.
pub(super) struct Answer<'f> {
    pub(super) text: String,
    /// The local phrase used, remembered so the wording varies.
    pub(super) said: Option<String>,
    pub(super) responder: &'static str,
    pub(super) facts: &'f Facts,
    /// What the guardrails compare the reply against for leaked instructions.
    pub(super) instructions: &'f str,
    pub(super) meta: serde_json::Value,
    pub(super) usage: Vec<Usage>,
}

/// A line in the shopper's own language for those the local responder cannot write in: the
/// answer follows in Russian.
fn russian_only_note(language: Language) -> Option<&'static str> {
    match language {
        Language::Ky => Some("Кечиресиз, азырынча орус тилинде гана жооп бере алам."),
        Language::Hy => Some("Ներողություն, առայժմ կարող եմ պատասխանել միայն ռուսերեն։"),
        Language::Be => Some("Прабачце, пакуль я магу адказваць толькі па-руску."),
        _ => None,
    }
}

pub(super) struct Turn<'a> {
    pub(super) input: &'a TurnInput<'a>,
    pub(super) retrieval: &'a Retrieval,
    pub(super) settings: Settings,
    pub(super) state: State,
    pub(super) text: String,
    pub(super) analysis: Analysis,
    pub(super) speech: Speech,
    /// The shopper's language when the catalogues do not speak it.
    pub(super) unspoken: Option<Language>,
    pub(super) given: Given,
}

impl<'a> Turn<'a> {
    pub(super) fn handoff(self, reason: Reason) -> Decision {
        self.handoff_noting(reason, None, Vec::new())
    }

    /// Hands off saying `lead` (what is known) before when a person answers.
    pub(super) fn handoff_saying(self, reason: Reason, lead: String) -> Decision {
        let when = handoff_note::when(
            self.speech,
            self.settings.working_hours.as_ref(),
            Utc::now(),
        );
        let mut decision = self.handoff(reason);
        decision.reply = Some(format!("{lead} {when}"));
        decision
    }

    /// Hands off with a detail for the operator's summary, such as the word that matched.
    pub(super) fn handoff_detailing(self, reason: Reason, detail: &str) -> Decision {
        let mut decision = self.handoff(reason);
        if let Some(handoff) = &mut decision.handoff {
            handoff.summary.push(' ');
            handoff.summary.push_str(detail);
        }
        decision
    }

    /// Hands off with the model's own words for operators and the usage spent getting there.
    pub(super) fn handoff_noting(
        mut self,
        reason: Reason,
        note: Option<&str>,
        mut usage: Vec<Usage>,
    ) -> Decision {
        let now = Utc::now();
        let mut summary = handoff_note::summary(
            reason,
            &self.analysis,
            self.state.order_id.as_deref(),
            self.state.article.as_deref(),
            self.input.history,
            &self.text,
        );
        if let Some(note) = note {
            summary.push_str(&format!(" Ассистент: «{note}»."));
        }
        let reply = self.with_note(handoff_note::message(
            self.speech,
            reason,
            self.settings.working_hours.as_ref(),
            now,
        ));
        self.state.awaiting = None;
        self.state.pending_intent = None;
        self.state.pending_question = None;
        self.state.failed_turns = 0;
        let key = self.usage_key("handoff");
        Decision {
            reply: Some(reply),
            handoff: Some(Handoff {
                reason: reason.code(),
                summary,
            }),
            meta: json!({
                "intent": self.analysis.intent,
                "confidence": self.analysis.confidence,
                "responder": "handoff",
                "handoff_reason": reason.as_str(),
                "language": self.speech.language(),
            }),
            state: Some(self.state.to_json()),
            usage: {
                usage.push(Usage {
                    kind: "handoff",
                    quantity: 1,
                    key,
                    details: json!({ "reason": reason.as_str() }),
                });
                usage
            },
        }
    }

    /// A reply for a shopper whose language the catalogues do not speak starts with a line in
    /// it saying the answer is in Russian.
    pub(super) fn with_note(&self, text: String) -> String {
        match self.unspoken.and_then(russian_only_note) {
            Some(note) => format!("{note}\n{text}"),
            None => text,
        }
    }

    pub(super) fn usage_key(&self, kind: &str) -> String {
        let last = self.input.messages.last().map_or(0, |m| m.id.0);
        format!("{kind}:{}:{last}", self.input.conversation.id)
    }

    pub(super) fn reply(self, reply: Reply, intent: Intent, facts: &Facts) -> Decision {
        self.answer(
            intent,
            Answer {
                text: reply.text,
                said: Some(reply.key),
                responder: "local",
                facts,
                instructions: "",
                meta: json!({}),
                usage: Vec::new(),
            },
        )
    }

    /// Checks a reply and records it; a reply the guardrails refuse goes to people. A local
    /// reply is first fitted to the shop's tone.
    pub(super) fn answer(mut self, intent: Intent, mut answer: Answer<'_>) -> Decision {
        if answer.responder == "local"
            && let Some(key) = answer.said.take()
        {
            let text = std::mem::take(&mut answer.text);
            let (reply, closing) = local::toned(
                self.speech,
                Reply { text, key },
                self.settings.tone,
                intent,
                &self.state,
            );
            answer.text = self.with_note(reply.text);
            answer.said = Some(reply.key);
            if let Some(closing) = closing {
                self.state.remember_said(closing);
            }
        }
        match self.check(&answer) {
            Ok(text) => self.record(intent, answer, text),
            Err(violation) => {
                tracing::warn!(%violation, responder = answer.responder, "a reply failed the guardrails; handing off");
                self.handoff_noting(Reason::NoKnowledge, None, answer.usage)
            }
        }
    }

    pub(super) fn check(&self, answer: &Answer<'_>) -> Result<String, Violation> {
        let grounding = format!(
            "{}{}",
            self.settings.policies.grounding(),
            answer.facts.grounding()
        );
        let sources = Sources {
            system_prompt: answer.instructions,
            grounding: &grounding,
        };
        guardrails::check(&answer.text, self.input.channel_kind, &sources)
    }

    /// Records a reply the guardrails passed as `text`.
    pub(super) fn record(mut self, intent: Intent, answer: Answer<'_>, text: String) -> Decision {
        if let Some(said) = answer.said {
            self.state.remember_said(said);
        }
        if intent == Intent::RefundStatus {
            self.state.refund_asks += 1;
        }
        let key = self.usage_key("ai_reply");
        let mut meta = json!({
            "intent": intent,
            "confidence": self.analysis.confidence,
            "secondary_intents": self.analysis.secondary,
            "entities": self.analysis.entities,
            "responder": answer.responder,
            "articles": answer.facts.article_ids(),
            "language": self.speech.language(),
        });
        if let (Some(meta), Some(extra)) = (meta.as_object_mut(), answer.meta.as_object()) {
            meta.extend(extra.clone());
        }
        let mut usage = answer.usage;
        let tokens = answer.facts.embedding_tokens;
        if let Some((model, cost)) = self.retrieval.bill(tokens).filter(|_| tokens > 0) {
            let spent = otklik_llm::Usage {
                prompt_tokens: tokens,
                completion_tokens: 0,
            };
            usage.push(self.token_usage("embeddings", model, spent, None, cost));
        }
        usage.push(Usage {
            kind: "ai_reply",
            quantity: 1,
            key,
            details: json!({ "responder": answer.responder, "intent": intent }),
        });
        Decision {
            reply: Some(text),
            handoff: None,
            meta,
            state: Some(self.state.to_json()),
            usage,
        }
    }

    /// An `llm_tokens` usage event: what one provider and model billed in this turn.
    pub(super) fn token_usage(
        &self,
        provider: &str,
        model: &str,
        spent: otklik_llm::Usage,
        calls: Option<u32>,
        cost: Cost,
    ) -> Usage {
        let mut details = json!({
            "provider": provider,
            "model": model,
            "prompt_tokens": spent.prompt_tokens,
            "completion_tokens": spent.completion_tokens,
            "cost_micros": cost.micros,
            "currency": cost.currency,
        });
        if let (Some(calls), Some(details)) = (calls, details.as_object_mut()) {
            details.insert("calls".into(), calls.into());
        }
        Usage {
            kind: "llm_tokens",
            quantity: i64::from(spent.prompt_tokens) + i64::from(spent.completion_tokens),
            key: self.usage_key(&format!("llm_tokens:{provider}:{model}")),
            details,
        }
    }

    /// Asks the shopper for what is missing. The order a marketplace chat names is never asked
    /// for again: when the shop's data does not hold it yet, people look it up in the cabinet.
    pub(super) fn ask(mut self, slot: Slot, intent: Intent, reply: Reply) -> Decision {
        if slot == Slot::OrderId && self.given.order.is_some() {
            return self.handoff_detailing(
                Reason::Intent(intent),
                "Чат маркетплейса называет заказ, которого ещё нет в данных магазина: \
                 найдите его в кабинете маркетплейса.",
            );
        }
        self.state.awaiting = Some(slot);
        self.state.pending_intent = Some(intent.as_str().to_owned());
        self.state.pending_question = Some(self.text.chars().take(500).collect());
        self.reply(reply, intent, &Facts::default())
    }
}

/// The local draft, sent because the model's reply could not be.
pub(super) fn local_fallback<'f>(
    draft: Reply,
    facts: &'f Facts,
    why: &str,
    usage: Vec<Usage>,
) -> Answer<'f> {
    Answer {
        text: draft.text,
        said: Some(draft.key),
        responder: "local",
        facts,
        instructions: "",
        meta: json!({ "model_fallback": why }),
        usage,
    }
}
