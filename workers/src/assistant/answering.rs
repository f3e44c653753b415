//! The answering assistant: understands the turn, decides whether people should take over,
//! looks up the facts, lets the local responder write the reply, and checks it.

use chrono::Utc;
use futures::future::BoxFuture;
use otklik_config::Cost;
use otklik_db::conversations::Usage;
use otklik_db::{DbPool, TenantScope, knowledge};
use otklik_nlu::{Analysis, CONFIDENT, Intent};
use otklik_schema::Author;
use serde_json::json;

use super::answer_cache::{AnswerCache, Cached, Question};
use super::facts::{self, Facts};
use super::guardrails::{self, Sources, Violation};
use super::handoff_note::{self, Reason};
use super::local::{self, Gap, Reply};
use super::model_responder::{Brief, ModelResponder, Outcome, Written};
use super::retrieval::Retrieval;
use super::settings::Settings;
use super::state::{Slot, State};
use super::{Assistant, AssistantError, Decision, Handoff, TurnInput};

pub struct Answering {
    db: DbPool,
    retrieval: Retrieval,
    /// `None` when no model provider is configured for this process.
    model: Option<ModelResponder>,
    cache: AnswerCache,
}

impl Answering {
    pub fn new(
        db: DbPool,
        retrieval: Retrieval,
        model: Option<ModelResponder>,
        cache: AnswerCache,
    ) -> Self {
        Self {
            db,
            retrieval,
            model,
            cache,
        }
    }
}

/// A local reply, or the decision the local responder already made (ask, hand off).
enum Composed<'a> {
    Draft(Box<Turn<'a>>, Reply),
    Done(Decision),
}

/// Policy questions whose answer depends on the knowledge base only, not on whose order it is.
fn cacheable(intent: Intent, facts: &Facts) -> bool {
    matches!(
        intent,
        Intent::ReturnRequest | Intent::ExchangeRequest | Intent::DiscountPromo
    ) && facts.order.is_none()
        && facts.product.is_none()
}

/// A reply ready for the guardrails, from whichever responder wrote it.
struct Answer<'f> {
    text: String,
    /// The local phrase used, remembered so the wording varies.
    said: Option<String>,
    responder: &'static str,
    facts: &'f Facts,
    /// What the guardrails compare the reply against for leaked instructions.
    instructions: &'f str,
    meta: serde_json::Value,
    usage: Vec<Usage>,
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
    retrieval: &'a Retrieval,
    settings: Settings,
    state: State,
    text: String,
    analysis: Analysis,
}

impl<'a> Turn<'a> {
    fn handoff(self, reason: Reason) -> Decision {
        self.handoff_noting(reason, None, Vec::new())
    }

    /// Hands off with a detail for the operator's summary, such as the word that matched.
    fn handoff_detailing(self, reason: Reason, detail: &str) -> Decision {
        let mut decision = self.handoff(reason);
        if let Some(handoff) = &mut decision.handoff {
            handoff.summary.push(' ');
            handoff.summary.push_str(detail);
        }
        decision
    }

    /// Hands off with the model's own words for operators and the usage spent getting there.
    fn handoff_noting(
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

    fn usage_key(&self, kind: &str) -> String {
        let last = self.input.messages.last().map_or(0, |m| m.id.0);
        format!("{kind}:{}:{last}", self.input.conversation.id)
    }

    fn reply(self, reply: Reply, intent: Intent, facts: &Facts) -> Decision {
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
    fn answer(mut self, intent: Intent, mut answer: Answer<'_>) -> Decision {
        if answer.responder == "local"
            && let Some(key) = answer.said.take()
        {
            let text = std::mem::take(&mut answer.text);
            let (reply, closing) =
                local::toned(Reply { text, key }, self.settings.tone, intent, &self.state);
            answer.text = reply.text;
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

    fn check(&self, answer: &Answer<'_>) -> Result<String, Violation> {
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
    fn record(mut self, intent: Intent, answer: Answer<'_>, text: String) -> Decision {
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
    fn token_usage(
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

    fn ask(mut self, slot: Slot, intent: Intent, reply: Reply) -> Decision {
        self.state.awaiting = Some(slot);
        self.state.pending_intent = Some(intent.as_str().to_owned());
        self.reply(reply, intent, &Facts::default())
    }
}

impl Answering {
    async fn decide_turn(&self, input: &TurnInput<'_>) -> Result<Decision, AssistantError> {
        let settings = Settings::of(input.tenant);
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
        // A marketplace question or chat names its product and order beside the text.
        for message in input.messages {
            if state.article.is_none() {
                state.article = attached(&message.attachments, "product", "article");
            }
            if state.order_id.is_none() {
                state.order_id = attached(&message.attachments, "order", "number");
            }
        }
        let intent = resolve_intent(&analysis, &state);
        let turn = Turn {
            input,
            retrieval: &self.retrieval,
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
        let rules = &turn.settings.handoff;
        if let Some(word) = rules.keyword_in(&text) {
            let detail = format!("Сработало слово из правил передачи: «{word}».");
            return Ok(turn.handoff_detailing(Reason::TenantKeyword, &detail));
        }
        let understood = turn.analysis.confidence >= CONFIDENT || intent != turn.analysis.intent;
        if understood && rules.covers(intent) {
            return Ok(turn.handoff(Reason::TenantIntent(intent)));
        }
        if let Some(limit) = rules.after_bot_replies
            && bot_replies_in_a_row(input.history) >= limit as usize
        {
            return Ok(turn.handoff(Reason::BotReplyLimit));
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
                &self.retrieval,
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
        match self.compose(turn, intent, &facts) {
            Composed::Done(decision) => Ok(decision),
            Composed::Draft(turn, draft) => {
                let providers = turn.settings.model_providers();
                match &self.model {
                    Some(model)
                        if !providers.is_empty()
                            && !matches!(intent, Intent::Greeting | Intent::ThanksBye) =>
                    {
                        Ok(self
                            .write_with_model(model, &providers, *turn, intent, facts, draft)
                            .await)
                    }
                    _ => Ok(turn.reply(draft, intent, &facts)),
                }
            }
        }
    }

    /// The model writes the reply; the local draft stands in when it cannot, and people when
    /// the model says so.
    async fn write_with_model(
        &self,
        model: &ModelResponder,
        providers: &[otklik_llm::ProviderKind],
        turn: Turn<'_>,
        intent: Intent,
        facts: Facts,
        draft: Reply,
    ) -> Decision {
        let input = turn.input;
        let brief = Brief {
            scope: TenantScope::trusted(input.tenant.id),
            shop: &input.tenant.name,
            persona: &turn.settings.persona,
            tone: turn.settings.tone,
            policies: &turn.settings.policies,
            channel_kind: input.channel_kind,
            providers,
            history: input.history,
            retrieval: &self.retrieval,
        };
        let instructions = model.instructions(&brief);
        // The same question has another answer once the shop rewrites a policy.
        let keyed = format!("{instructions}\n{}", brief.policies.grounding());
        let question = if cacheable(intent, &facts) {
            self.knowledge_version(brief.scope)
                .await
                .map(|version| Question {
                    tenant: input.tenant.id,
                    knowledge_version: version,
                    instructions: &keyed,
                    intent,
                    text: &turn.text,
                })
        } else {
            None
        };
        if let Some(question) = &question
            && let Some(cached) = self.cache.get(question).await
        {
            return turn.answer(
                intent,
                Answer {
                    text: cached.text,
                    said: None,
                    responder: "cache",
                    facts: &facts,
                    instructions: &instructions,
                    meta: json!({ "cached_from": cached.provider, "articles": cached.articles }),
                    usage: Vec::new(),
                },
            );
        }

        let Outcome {
            written,
            facts: found,
            spent,
        } = model.write(&brief, &instructions, facts.clone()).await;
        let usage: Vec<Usage> = spent
            .iter()
            .map(|spend| {
                turn.token_usage(
                    spend.provider.as_str(),
                    &spend.model,
                    spend.usage,
                    Some(spend.calls),
                    model.cost(spend),
                )
            })
            .collect();
        let provider = spent.last().map(|s| s.provider.as_str());
        match written {
            Ok(Written::Reply(text)) => {
                let answer = Answer {
                    text,
                    said: None,
                    responder: provider.unwrap_or("model"),
                    facts: &found,
                    instructions: &instructions,
                    meta: json!({
                        "provider": provider,
                        "model": spent.last().map(|s| s.model.as_str()),
                    }),
                    usage,
                };
                let checked = match turn.check(&answer) {
                    Ok(checked) => checked,
                    Err(violation) => {
                        tracing::warn!(%violation, "the model's reply failed the guardrails; the local responder answers");
                        let why = violation.to_string();
                        return turn
                            .answer(intent, local_fallback(draft, &facts, &why, answer.usage));
                    }
                };
                if let Some(question) = &question
                    && cacheable(intent, &found)
                {
                    let cached = Cached {
                        text: answer.text.clone(),
                        articles: found.article_ids(),
                        provider: provider.unwrap_or_default().to_owned(),
                    };
                    self.cache.put(question, &cached).await;
                }
                turn.record(intent, answer, checked)
            }
            Ok(Written::Transfer(note)) => {
                turn.handoff_noting(Reason::ModelTransfer, Some(&note), usage)
            }
            Err(failure) => {
                tracing::warn!(error = %failure, "the model responder failed; the local responder answers");
                turn.answer(
                    intent,
                    local_fallback(draft, &facts, &failure.to_string(), usage),
                )
            }
        }
    }

    /// `None` when it cannot be read: the turn then goes without the cache.
    async fn knowledge_version(&self, scope: TenantScope) -> Option<i64> {
        let mut conn = self.db.get().await.ok()?;
        knowledge::version(&mut conn, scope)
            .await
            .inspect_err(|err| tracing::warn!(error = %err, "could not read the knowledge version"))
            .ok()
    }

    /// The local responder's answer for an understood, routine intent.
    fn compose<'a>(&self, turn: Turn<'a>, intent: Intent, facts: &Facts) -> Composed<'a> {
        let state = &turn.state;
        // A shopper asking about a return the marketplace already knows hears where it stands.
        if matches!(intent, Intent::RefundStatus | Intent::ReturnRequest)
            && let Some(reply) = local::return_status(state, facts)
        {
            return Composed::Draft(Box::new(turn), reply);
        }
        if answers_from_policy(intent, facts)
            && let Some(policy) = turn.settings.policies.covering(intent, &turn.text)
        {
            let reply = local::from_policy(state, intent, policy, &turn.text);
            return Composed::Draft(Box::new(turn), reply);
        }
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
                    return Composed::Done(turn.ask(Slot::OrderId, intent, reply));
                }
                (None, None) => {
                    let reply = local::ask_order_id(state);
                    return Composed::Done(turn.ask(Slot::OrderId, intent, reply));
                }
            },
            Intent::OrderCancel => match local::order_cancel(state, facts) {
                Some(reply) => reply,
                None => match local::from_knowledge(state, intent, facts, &turn.text) {
                    Ok(reply) => reply,
                    Err(Gap::NoKnowledge) if facts.order.is_none() => {
                        let reply = local::ask_order_id(state);
                        return Composed::Done(turn.ask(Slot::OrderId, intent, reply));
                    }
                    Err(Gap::NoKnowledge) => {
                        return Composed::Done(turn.handoff(Reason::NoKnowledge));
                    }
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
                                Err(Gap::NoKnowledge) => {
                                    return Composed::Done(turn.handoff(Reason::NoKnowledge));
                                }
                            },
                        },
                        _ => local::product_question(product, &turn.text),
                    },
                    (None, Some(article)) => {
                        let reply = local::unknown_article(state, article);
                        let mut turn = turn;
                        turn.state.article = None;
                        return Composed::Done(turn.ask(Slot::Article, intent, reply));
                    }
                    (None, None) => match local::from_knowledge(state, intent, facts, &turn.text) {
                        Ok(reply) if intent != Intent::ProductAvailability => reply,
                        _ => {
                            let reply = local::ask_article(state);
                            return Composed::Done(turn.ask(Slot::Article, intent, reply));
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
                    Err(Gap::NoKnowledge) => {
                        return Composed::Done(turn.handoff(Reason::NoKnowledge));
                    }
                }
            }
            Intent::DefectOrWrongItem
            | Intent::PaymentIssue
            | Intent::HumanRequest
            | Intent::Complaint => return Composed::Done(turn.handoff(Reason::Intent(intent))),
        };
        Composed::Draft(Box::new(turn), reply)
    }
}

/// Questions a shop's policy text may answer: returns and exchanges, and general questions
/// about payment, delivery or warranty that name no product or order of their own.
fn answers_from_policy(intent: Intent, facts: &Facts) -> bool {
    match intent {
        Intent::ReturnRequest | Intent::ExchangeRequest | Intent::RefundStatus => true,
        Intent::ProductQuestion | Intent::Other => facts.product.is_none(),
        _ => false,
    }
}

/// Bot replies since an operator last wrote, among the lines the turn can see.
fn bot_replies_in_a_row(history: &[otklik_db::messages::Line]) -> usize {
    history
        .iter()
        .rev()
        .take_while(|line| line.author != Author::Operator)
        .filter(|line| line.author == Author::Bot)
        .count()
}

/// The local draft, sent because the model's reply could not be.
fn local_fallback<'f>(draft: Reply, facts: &'f Facts, why: &str, usage: Vec<Usage>) -> Answer<'f> {
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

impl Assistant for Answering {
    fn decide<'a>(
        &'a self,
        input: &'a TurnInput<'a>,
    ) -> BoxFuture<'a, Result<Decision, AssistantError>> {
        Box::pin(self.decide_turn(input))
    }
}

/// A value of the first attachment of `kind` (`[{"kind":"product","article":"…"}]`).
fn attached(attachments: &serde_json::Value, kind: &str, field: &str) -> Option<String> {
    attachments
        .as_array()?
        .iter()
        .filter(|a| a.get("kind").and_then(serde_json::Value::as_str) == Some(kind))
        .find_map(|a| a.get(field).and_then(serde_json::Value::as_str))
        .map(str::to_owned)
}
