//! The answering assistant: understands the turn, decides whether people should take over,
//! looks up the facts, lets the local responder write the reply, and checks it.

use chrono::Utc;
use futures::future::BoxFuture;
use otklik_db::conversations::Usage;
use otklik_db::{DbPool, TenantScope};
use otklik_nlu::{Analysis, CONFIDENT, Intent};
use serde_json::json;

use super::facts::{self, Facts};
use super::guardrails::{self, Sources};
use super::handoff_note::{self, Reason};
use super::local::{self, Gap, Reply};
use super::settings::Settings;
use super::state::{Slot, State};
use super::{Assistant, AssistantError, Decision, Handoff, TurnInput};

pub struct Answering {
    db: DbPool,
}

impl Answering {
    pub fn new(db: DbPool) -> Self {
        Self { db }
    }
}

/// Shopper text that reads as anger whatever the intent: heavy caps with exclamation, or
/// profanity.
fn sounds_furious(text: &str) -> bool {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    let upper = letters.iter().filter(|c| c.is_uppercase()).count();
    let shouting = letters.len() >= 20 && upper * 10 >= letters.len() * 8 && text.contains('!');
    let canonical = otklik_nlu::canonical(text);
    let swearing = [
        "hui", "hue", "pizd", "blia", "ebat", "eban", "suka", "mudak",
    ]
    .iter()
    .any(|w| canonical.split(' ').any(|word| word.starts_with(w)));
    shouting || swearing
}

/// The refund is late when the shopper says so: «до сих пор», «уже месяц», «так и не».
fn sounds_overdue(canonical: &str) -> bool {
    [
        "do sih por",
        "uzhe mesiac",
        "tak i ne",
        "bolshe nedel",
        "dve nedel",
        "tri nedel",
        "proshlo",
    ]
    .iter()
    .any(|w| canonical.contains(w))
}

/// The intent this turn serves: a detail the assistant asked for resumes the question it was
/// asked for, unless the shopper clearly moved on.
fn resolve_intent(analysis: &Analysis, state: &State) -> Intent {
    let filled = match state.awaiting {
        Some(Slot::OrderId) => !analysis.entities.order_id.is_empty(),
        Some(Slot::Article) => !analysis.entities.article.is_empty(),
        None => false,
    };
    let pending = state.pending_intent.as_deref().and_then(Intent::parse);
    match pending {
        Some(pending)
            if filled
                && (analysis.confidence < 0.7
                    || matches!(analysis.intent, Intent::Other | Intent::Greeting)) =>
        {
            pending
        }
        _ => analysis.intent,
    }
}

struct Turn<'a> {
    input: &'a TurnInput<'a>,
    settings: Settings,
    state: State,
    text: String,
    analysis: Analysis,
}

impl Turn<'_> {
    fn handoff(mut self, reason: Reason) -> Decision {
        let now = Utc::now();
        let summary = handoff_note::summary(
            reason,
            &self.analysis,
            self.state.order_id.as_deref(),
            self.state.article.as_deref(),
            self.input.history,
            &self.text,
        );
        let reply = handoff_note::message(reason, &self.settings.working_hours, now);
        self.state.awaiting = None;
        self.state.pending_intent = None;
        self.state.failed_turns = 0;
        let key = self.usage_key("handoff");
        Decision {
            reply: Some(reply),
            handoff: Some(Handoff {
                reason: reason.as_str().to_owned(),
                summary,
            }),
            meta: json!({
                "intent": self.analysis.intent,
                "confidence": self.analysis.confidence,
                "responder": "handoff",
                "handoff_reason": reason.as_str(),
            }),
            state: Some(self.state.to_json()),
            usage: vec![Usage {
                kind: "handoff",
                quantity: 1,
                key,
                details: json!({ "reason": reason.as_str() }),
            }],
        }
    }

    fn usage_key(&self, kind: &str) -> String {
        let last = self.input.messages.last().map_or(0, |m| m.id.0);
        format!("{kind}:{}:{last}", self.input.conversation.id)
    }

    fn reply(mut self, reply: Reply, intent: Intent, facts: &Facts) -> Decision {
        let sources = Sources {
            system_prompt: "",
            grounding: &facts.grounding(),
        };
        let text = match guardrails::check(&reply.text, self.input.channel_kind, &sources) {
            Ok(text) => text,
            Err(violation) => {
                tracing::warn!(%violation, "a local reply failed the guardrails; handing off");
                return self.handoff(Reason::NoKnowledge);
            }
        };
        self.state.remember_said(reply.key);
        if intent == Intent::RefundStatus {
            self.state.refund_asks += 1;
        }
        let key = self.usage_key("ai_reply");
        Decision {
            reply: Some(text),
            handoff: None,
            meta: json!({
                "intent": intent,
                "confidence": self.analysis.confidence,
                "secondary_intents": self.analysis.secondary,
                "entities": self.analysis.entities,
                "responder": "local",
                "articles": facts.article_ids(),
            }),
            state: Some(self.state.to_json()),
            usage: vec![Usage {
                kind: "ai_reply",
                quantity: 1,
                key,
                details: json!({ "responder": "local", "intent": intent }),
            }],
        }
    }

    fn ask(mut self, slot: Slot, intent: Intent, reply: Reply) -> Decision {
        self.state.awaiting = Some(slot);
        self.state.pending_intent = Some(intent.as_str().to_owned());
        self.reply(reply, intent, &Facts::default())
    }
}

impl Answering {
    async fn decide_turn(&self, input: &TurnInput<'_>) -> Result<Decision, AssistantError> {
        let settings = Settings::of(&input.tenant.settings);
        let mut state = State::of(&input.conversation.assistant_state);
        let text = input
            .messages
            .iter()
            .map(|m| m.body.trim())
            .filter(|b| !b.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        let analysis = otklik_nlu::analyse(&text);
        let flooding = state.count_turn(Utc::now().timestamp(), settings.max_turns_per_minute);
        let canonical = otklik_nlu::canonical(&text);

        if let Some(order) = analysis.entities.order_id.first() {
            state.order_id = Some(order.clone());
        }
        if let Some(article) = analysis.entities.article.first() {
            state.article = Some(article.clone());
        }
        let intent = resolve_intent(&analysis, &state);
        let turn = Turn {
            input,
            settings,
            state,
            text: text.clone(),
            analysis,
        };

        if flooding {
            return Ok(turn.handoff(Reason::Flood));
        }
        if text.is_empty() {
            let reply = local::attachment_only(&turn.state);
            return Ok(turn.reply(reply, Intent::Other, &Facts::default()));
        }
        if intent.needs_person() {
            return Ok(turn.handoff(Reason::Intent(intent)));
        }
        if turn.analysis.handoff {
            let person = turn
                .analysis
                .secondary
                .iter()
                .copied()
                .find(|i| i.needs_person());
            return Ok(turn.handoff(person.map_or(Reason::NegativeSentiment, Reason::Intent)));
        }
        if sounds_furious(&text) {
            return Ok(turn.handoff(Reason::NegativeSentiment));
        }
        if intent == Intent::RefundStatus
            && (turn.state.refund_asks >= 1 || sounds_overdue(&canonical))
        {
            return Ok(turn.handoff(Reason::RefundOverdue));
        }
        if turn.analysis.confidence < CONFIDENT && intent == turn.analysis.intent {
            let mut turn = turn;
            turn.state.failed_turns += 1;
            if turn.state.failed_turns >= 2 {
                return Ok(turn.handoff(Reason::NotUnderstood));
            }
            let reply = local::not_understood(&turn.state);
            return Ok(turn.reply(reply, intent, &Facts::default()));
        }

        let facts = {
            let mut conn = self
                .db
                .get()
                .await
                .map_err(|e| AssistantError(e.to_string()))?;
            facts::gather(
                &mut conn,
                TenantScope::trusted(input.tenant.id),
                intent,
                &text,
                turn.state.order_id.as_deref(),
                turn.state.article.as_deref(),
            )
            .await
            .map_err(|e| AssistantError(e.to_string()))?
        };
        let mut turn = turn;
        turn.state.failed_turns = 0;
        turn.state.awaiting = None;
        turn.state.pending_intent = None;
        Ok(self.compose(turn, intent, &facts))
    }

    /// The local responder's answer for an understood, routine intent.
    fn compose(&self, turn: Turn<'_>, intent: Intent, facts: &Facts) -> Decision {
        let state = &turn.state;
        let reply = match intent {
            Intent::Greeting => local::greeting(state),
            Intent::ThanksBye => local::thanks(state),
            Intent::Other => local::other(state, &otklik_nlu::canonical(&turn.text)),
            Intent::OrderStatus => match (&facts.order, &facts.unknown_order) {
                (Some(found), _) => local::order_status(state, found),
                (None, Some(id)) => {
                    let reply = local::unknown_order(state, id);
                    let mut turn = turn;
                    turn.state.order_id = None;
                    return turn.ask(Slot::OrderId, intent, reply);
                }
                (None, None) => {
                    let reply = local::ask_order_id(state);
                    return turn.ask(Slot::OrderId, intent, reply);
                }
            },
            Intent::OrderCancel => match local::order_cancel(state, facts) {
                Some(reply) => reply,
                None => match local::from_knowledge(state, intent, facts, &turn.text) {
                    Ok(reply) => reply,
                    Err(Gap::NoKnowledge) if facts.order.is_none() => {
                        let reply = local::ask_order_id(state);
                        return turn.ask(Slot::OrderId, intent, reply);
                    }
                    Err(Gap::NoKnowledge) => return turn.handoff(Reason::NoKnowledge),
                },
            },
            Intent::ProductQuestion | Intent::ProductAvailability | Intent::SizeAdvice => {
                match (&facts.product, &facts.unknown_article) {
                    (Some(product), _) => match intent {
                        Intent::ProductAvailability => {
                            local::availability(product, &turn.analysis.entities.size)
                        }
                        Intent::SizeAdvice => match local::size_advice(product, &turn.text) {
                            Some(reply) => reply,
                            None => match local::from_knowledge(state, intent, facts, &turn.text) {
                                Ok(reply) => reply,
                                Err(Gap::NoKnowledge) => return turn.handoff(Reason::NoKnowledge),
                            },
                        },
                        _ => local::product_question(product, &turn.text),
                    },
                    (None, Some(article)) => {
                        let reply = local::unknown_article(state, article);
                        let mut turn = turn;
                        turn.state.article = None;
                        return turn.ask(Slot::Article, intent, reply);
                    }
                    (None, None) => match local::from_knowledge(state, intent, facts, &turn.text) {
                        Ok(reply) if intent != Intent::ProductAvailability => reply,
                        _ => {
                            let reply = local::ask_article(state);
                            return turn.ask(Slot::Article, intent, reply);
                        }
                    },
                }
            }
            Intent::ReturnRequest
            | Intent::ExchangeRequest
            | Intent::RefundStatus
            | Intent::DiscountPromo => {
                match local::from_knowledge(state, intent, facts, &turn.text) {
                    Ok(reply) => reply,
                    Err(Gap::NoKnowledge) => return turn.handoff(Reason::NoKnowledge),
                }
            }
            Intent::DefectOrWrongItem
            | Intent::PaymentIssue
            | Intent::HumanRequest
            | Intent::Complaint => return turn.handoff(Reason::Intent(intent)),
        };
        turn.reply(reply, intent, facts)
    }
}

impl Assistant for Answering {
    fn decide<'a>(
        &'a self,
        input: &'a TurnInput<'a>,
    ) -> BoxFuture<'a, Result<Decision, AssistantError>> {
        Box::pin(self.decide_turn(input))
    }
}
