//! The answering assistant: understands the turn, decides whether people should take over,
//! looks up the facts, lets the local responder write the reply, and checks it.

use chrono::Utc;
use futures::future::BoxFuture;
use otklik_config::Cost;
use otklik_db::conversations::Usage;
use otklik_db::{AsyncPgConnection, DbPool, TenantScope, knowledge};
use otklik_nlu::{Analysis, CONFIDENT, Intent, Language};
use otklik_schema::Author;
use serde_json::json;

use super::answer_cache::{AnswerCache, Cached, Question};
use super::card;
use super::catalogue::Speech;
use super::facts::{Facts, Search};
use super::given::Given;
use super::guardrails::{self, Sources, Violation};
use super::handoff_note::{self, Reason};
use super::local::{self, Gap, Reply};
use super::model_responder::{Brief, ModelResponder, Outcome, Written};
use super::ownership;
use super::quotes;
use super::retrieval::Retrieval;
use super::reviews::{self, Remedies};
use super::settings::Settings;
use super::state::{Slot, State};
use super::topics::{self, Topic};
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

/// Policy questions whose answer depends on the knowledge base only, not on whose order it is
/// nor on anything an earlier shopper message said: a cached answer is shared by every shopper
/// asking the same, so one conversation's words must not shape it.
fn cacheable(intent: Intent, facts: &Facts, history: &[otklik_db::messages::Line]) -> bool {
    let shopper_lines = history
        .iter()
        .filter(|line| line.author == Author::Shopper)
        .count();
    matches!(
        intent,
        Intent::ReturnRequest | Intent::ExchangeRequest | Intent::DiscountPromo
    ) && facts.order.is_none()
        && facts.product.is_none()
        && shopper_lines <= 1
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
        Some(Slot::OrderOwnership) | None => false,
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

/// Intents about the shopper's own order: only these may reuse an order named earlier.
fn about_an_order(intent: Intent) -> bool {
    matches!(
        intent,
        Intent::OrderStatus
            | Intent::OrderCancel
            | Intent::RefundStatus
            | Intent::ReturnRequest
            | Intent::ExchangeRequest
    )
}

/// Intents about a product: only these may reuse a product named earlier.
fn about_a_product(intent: Intent) -> bool {
    matches!(
        intent,
        Intent::ProductQuestion | Intent::ProductAvailability | Intent::SizeAdvice
    )
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

struct Turn<'a> {
    input: &'a TurnInput<'a>,
    retrieval: &'a Retrieval,
    settings: Settings,
    state: State,
    text: String,
    analysis: Analysis,
    speech: Speech,
    /// The shopper's language when the catalogues do not speak it.
    unspoken: Option<Language>,
    given: Given,
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
        let reply = self.with_note(handoff_note::message(
            self.speech,
            reason,
            self.settings.working_hours.as_ref(),
            now,
        ));
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
    fn with_note(&self, text: String) -> String {
        match self.unspoken.and_then(russian_only_note) {
            Some(note) => format!("{note}\n{text}"),
            None => text,
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
    async fn connection(&self) -> Result<otklik_db::PooledConnection, AssistantError> {
        self.db
            .get()
            .await
            .map_err(|e| AssistantError::new("no database connection", e))
    }

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
        if let Some(language) = analysis.language {
            state.language = Some(language);
        }
        let language = state.language.unwrap_or(Language::Ru);
        let (speech, unspoken) = match Speech::of(language) {
            Some(speech) => (speech, None),
            None => (Speech::RUSSIAN, Some(language)),
        };
        let given = Given::of(input.messages);
        let flooding = state.count_turn(Utc::now().timestamp(), settings.max_turns_per_minute);
        let canonical = otklik_nlu::canonical(&text);

        if let Some(order) = analysis.entities.order_id.first() {
            state.order_id = Some(order.clone());
            state.awaiting = state.awaiting.filter(|slot| *slot != Slot::OrderOwnership);
        }
        if let Some(article) = analysis.entities.article.first() {
            state.article = Some(article.clone());
        }
        if let Some(article) = &given.article {
            state.article = Some(article.clone());
        }
        let intent = resolve_intent(&analysis, &state);
        let turn = Turn {
            input,
            retrieval: &self.retrieval,
            settings,
            state,
            text: text.clone(),
            analysis,
            speech,
            unspoken,
            given,
        };

        if input.channel_kind.is_review() {
            return self.review(turn).await;
        }
        if flooding {
            return Ok(turn.handoff(Reason::Flood));
        }
        if text.is_empty() {
            let reply = local::attachment_only(turn.speech, &turn.state);
            return Ok(turn.reply(reply, Intent::Other, &Facts::default()));
        }
        let turn = if turn.state.awaiting == Some(Slot::OrderOwnership) {
            match self.ownership_answer(turn).await? {
                Ok(decision) => return Ok(decision),
                Err(turn) => turn,
            }
        } else {
            turn
        };
        let topic = topics::general(&text, intent, &turn.analysis.entities);
        // «Можно оплатить частями?» reads like a payment problem to the classifier; it is a
        // question the shop's rules answer.
        if topic == Some(Topic::Payment) && intent == Intent::PaymentIssue && !sounds_furious(&text)
        {
            return self.general(turn, intent, Topic::Payment).await;
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

        // A general question about how the shop works is answered from its own texts, whoever
        // asks and whatever was discussed before.
        if let Some(topic) = topic {
            return self.general(turn, intent, topic).await;
        }
        // A question about a product the marketplace or the shopper named, asking a property
        // its card may hold, is a product question whatever the classifier guessed.
        let intent = if turn.state.article.is_some()
            && !about_an_order(intent)
            && !matches!(intent, Intent::Greeting | Intent::ThanksBye)
            && !card::asked(&text).is_empty()
            && intent != Intent::SizeAdvice
        {
            Intent::ProductQuestion
        } else {
            intent
        };
        let guessed = turn.analysis.confidence < CONFIDENT
            && intent == turn.analysis.intent
            && !(input.channel_kind.is_product_question() && turn.state.article.is_some());
        if guessed {
            let mut turn = turn;
            turn.state.failed_turns += 1;
            if turn.state.failed_turns >= 2 {
                return Ok(turn.handoff(Reason::NotUnderstood));
            }
            let reply = local::not_understood(turn.speech, &turn.state);
            return Ok(turn.reply(reply, intent, &Facts::default()));
        }

        let facts = {
            let mut conn = self.connection().await?;
            self.gather(&mut conn, &turn, intent).await?
        };
        let mut turn = turn;
        turn.state.failed_turns = 0;
        turn.state.awaiting = None;
        turn.state.pending_intent = None;
        if let Some(order) = &facts.order {
            turn.state.order_id = Some(order.order.external_id.clone());
            if order.verified {
                turn.state.verify(&order.order.external_id);
            }
        }
        if let Some(product) = &facts.product {
            turn.state.article = Some(product.external_id.clone());
        }
        match self.compose(turn, intent, &facts) {
            Composed::Done(decision) => Ok(decision),
            Composed::Draft(turn, draft) => self.write(*turn, intent, facts, draft).await,
        }
    }

    /// Looks up what the intent needs: the order a marketplace chat names or the shopper gave
    /// (an order named earlier only for a question about an order), the product, and the
    /// knowledge that speaks to the question. A number the shopper gave is tried as the other
    /// kind when the shop has no such order or product.
    async fn gather(
        &self,
        conn: &mut AsyncPgConnection,
        turn: &Turn<'_>,
        intent: Intent,
    ) -> Result<Facts, AssistantError> {
        let scope = TenantScope::trusted(turn.input.tenant.id);
        let db = |e| AssistantError::new("could not read the shop's data", e);
        let mut facts = Facts::verified(&turn.state.verified_orders);
        let entities = &turn.analysis.entities;
        if let Some(given) = &turn.given.order {
            facts
                .look_up_given_order(conn, scope, given)
                .await
                .map_err(db)?;
        }
        let named_now = entities.order_id.first();
        let remembered = turn
            .state
            .order_id
            .as_ref()
            .filter(|_| about_an_order(intent));
        if facts.order.is_none()
            && let Some(id) = named_now.or(remembered)
        {
            facts.look_up_order(conn, scope, id).await.map_err(db)?;
        }
        let article = entities
            .article
            .first()
            .or(turn.given.article.as_ref())
            .or(turn
                .state
                .article
                .as_ref()
                .filter(|_| about_a_product(intent)));
        if let Some(article) = article {
            facts
                .look_up_product(conn, scope, article)
                .await
                .map_err(db)?;
        }
        // An unmarked number: the shop's own data decides whether it is an order or a product.
        if let Some(number) = facts.unknown_order.clone()
            && facts.product.is_none()
            && entities.unplaced.contains(&number)
            && facts
                .look_up_product(conn, scope, &number)
                .await
                .map_err(db)?
                .is_some()
        {
            facts.unknown_order = None;
        }
        if let Some(number) = facts.unknown_article.clone()
            && facts.order.is_none()
            && entities.unplaced.contains(&number)
            && facts
                .look_up_order(conn, scope, &number)
                .await
                .map_err(db)?
                .is_some()
        {
            facts.unknown_article = None;
        }
        if needs_knowledge(intent) {
            let search = Search {
                question: &turn.text,
                steer: steer(intent),
                topic: &[],
            };
            facts
                .search_knowledge(conn, &self.retrieval, scope, &search)
                .await
                .map_err(db)?;
        }
        Ok(facts)
    }

    /// The shopper was asked for a product from their order: it proves the order theirs, and
    /// its status with the details follows. The turn comes back when the shopper moved on.
    async fn ownership_answer<'a>(
        &self,
        mut turn: Turn<'a>,
    ) -> Result<Result<Decision, Turn<'a>>, AssistantError> {
        let Some(order_id) = turn.state.order_id.clone() else {
            return Ok(Err(turn));
        };
        let scope = TenantScope::trusted(turn.input.tenant.id);
        let db = |e| AssistantError::new("could not read the shop's data", e);
        let mut facts = Facts::verified(&turn.state.verified_orders);
        let proven = {
            let mut conn = self.connection().await?;
            let Some(found) = facts
                .look_up_order(&mut conn, scope, &order_id)
                .await
                .map_err(db)?
            else {
                return Ok(Err(turn));
            };
            ownership::proves(&mut conn, scope, &found.order, &turn.text)
                .await
                .map_err(db)?
        };
        let moved_on = !proven
            && turn.analysis.confidence >= CONFIDENT
            && !matches!(
                turn.analysis.intent,
                Intent::Other | Intent::ProductQuestion
            );
        if moved_on {
            turn.state.awaiting = None;
            return Ok(Err(turn));
        }
        turn.state.awaiting = None;
        turn.state.pending_intent = None;
        if !proven {
            let reply = local::ownership_not_confirmed(turn.speech, &turn.state);
            return Ok(Ok(turn.reply(
                reply,
                Intent::OrderStatus,
                &Facts::default(),
            )));
        }
        turn.state.verify(&order_id);
        facts.verified_orders.push(order_id);
        let Some(found) = facts.order.as_mut() else {
            return Ok(Err(turn));
        };
        found.verified = true;
        let reply = local::order_status(turn.speech, &turn.state, found, true);
        Ok(Ok(turn.reply(reply, Intent::OrderStatus, &facts)))
    }

    /// A general question: the shop's settings policy, else an approved article that speaks to
    /// it, else people — never a guess, never an order number asked for.
    async fn general(
        &self,
        turn: Turn<'_>,
        intent: Intent,
        topic: Topic,
    ) -> Result<Decision, AssistantError> {
        if topic == Topic::Hours {
            let reply = local::hours(
                turn.speech,
                &turn.state,
                turn.settings.working_hours.as_ref(),
            );
            return Ok(turn.reply(reply, intent, &Facts::default()));
        }
        let mut facts = Facts::verified(&turn.state.verified_orders);
        if let Some(policy) = turn.settings.policies.for_topic(topic) {
            let reply = local::from_policy(turn.speech, &turn.state, intent, policy, &turn.text);
            return self.write(turn, intent, facts, reply).await;
        }
        {
            let scope = TenantScope::trusted(turn.input.tenant.id);
            let mut conn = self.connection().await?;
            let search = Search {
                question: &turn.text,
                steer: topic.search_words(),
                topic: topic.stems(),
            };
            facts
                .search_knowledge(&mut conn, &self.retrieval, scope, &search)
                .await
                .map_err(|e| AssistantError::new("could not search the knowledge base", e))?;
        }
        match local::from_knowledge(turn.speech, &turn.state, intent, &facts, &turn.text) {
            Ok(reply) => self.write(turn, intent, facts, reply).await,
            Err(_) => Ok(turn.handoff(Reason::NoKnowledge)),
        }
    }

    /// A review: thanked or apologised for by its stars and words, drafted like every
    /// marketplace answer; people take it only when the shop's rules say so.
    async fn review(&self, turn: Turn<'_>) -> Result<Decision, AssistantError> {
        let reading = reviews::read(&turn.text, turn.given.stars);
        let rules = &turn.settings.handoff;
        if let Some(word) = rules.keyword_in(&turn.text) {
            let detail = format!("Сработало слово из правил передачи: «{word}».");
            return Ok(turn.handoff_detailing(Reason::TenantKeyword, &detail));
        }
        let intent = turn.analysis.intent;
        if reading.mood == reviews::Mood::Disappointed && rules.covers(intent) {
            return Ok(turn.handoff(Reason::TenantIntent(intent)));
        }
        let scope = TenantScope::trusted(turn.input.tenant.id);
        let mut facts = Facts::default();
        let wants_returns = reading.mood == reviews::Mood::Disappointed;
        {
            let mut conn = self.connection().await?;
            let db = |e| AssistantError::new("could not read the shop's data", e);
            if let Some(article) = &turn.given.article {
                facts
                    .look_up_product(&mut conn, scope, article)
                    .await
                    .map_err(db)?;
            }
            if wants_returns && turn.settings.policies.returns.trim().is_empty() {
                let search = Search {
                    question: "как вернуть товар возврат",
                    steer: "",
                    topic: &["возвр", "верну"],
                };
                facts
                    .search_knowledge(&mut conn, &self.retrieval, scope, &search)
                    .await
                    .map_err(db)?;
            }
        }
        let returns_text = match turn.settings.policies.returns.trim() {
            "" => facts.relevant_knowledge().map(|hit| hit.body.clone()),
            policy => Some(policy.to_owned()),
        };
        let defect = reading.problems.first().is_some_and(|p| {
            matches!(
                p,
                reviews::Problem::Defect
                    | reviews::Problem::WrongItem
                    | reviews::Problem::DeliveryDamage
            )
        });
        // The sentences on the problem at hand: a defect's rules, or the general ones.
        let remedy = returns_text.as_deref().and_then(|text| {
            let wanted: &[&str] = if defect {
                &["брак", "дефект", "поврежд"]
            } else {
                &["надлежащ", "не подош", "размер"]
            };
            quotes::sentences_about(text, wanted)
        });
        let size_chart = facts
            .product
            .as_ref()
            .is_some_and(|p| p.attributes.get("size_chart").is_some());
        let author = turn.input.customer_name;
        let (text, said) = reviews::reply(
            turn.speech,
            &turn.state,
            &reading,
            author,
            Remedies {
                returns: remedy.as_deref(),
                size_chart,
            },
        );
        let mut turn = turn;
        for key in said {
            turn.state.remember_said(key);
        }
        let meta = json!({
            "review": {
                "stars": reading.stars,
                "mood": format!("{:?}", reading.mood).to_lowercase(),
                "problems": reading.problems.iter().map(|p| p.key()).collect::<Vec<_>>(),
            }
        });
        Ok(turn.answer(
            intent,
            Answer {
                text,
                said: None,
                responder: "local",
                facts: &facts,
                instructions: "",
                meta,
                usage: Vec::new(),
            },
        ))
    }

    /// The reply written: by the tenant's model when it has one, else the local draft.
    async fn write(
        &self,
        turn: Turn<'_>,
        intent: Intent,
        facts: Facts,
        draft: Reply,
    ) -> Result<Decision, AssistantError> {
        let providers = turn.settings.model_providers();
        match &self.model {
            Some(model)
                if !providers.is_empty()
                    && !matches!(intent, Intent::Greeting | Intent::ThanksBye) =>
            {
                Ok(self
                    .write_with_model(model, &providers, turn, intent, facts, draft)
                    .await)
            }
            _ => Ok(turn.reply(draft, intent, &facts)),
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
            language: turn.state.language.unwrap_or(Language::Ru),
        };
        let instructions = model.instructions(&brief);
        // The same question has another answer once the shop rewrites a policy.
        let keyed = format!("{instructions}\n{}", brief.policies.grounding());
        let question = if cacheable(intent, &facts, input.history) {
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
                    && cacheable(intent, &found, input.history)
                {
                    let grounding = format!("{}{}", brief.policies.grounding(), found.grounding());
                    let cached = Cached {
                        text: guardrails::without_foreign_links(&answer.text, &grounding),
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
        let speech = turn.speech;
        let state = &turn.state;
        // A shopper asking about a return the marketplace already knows hears where it stands.
        if matches!(intent, Intent::RefundStatus | Intent::ReturnRequest)
            && let Some(reply) = local::return_status(speech, state, facts)
        {
            return Composed::Draft(Box::new(turn), reply);
        }
        if answers_from_policy(intent, facts)
            && let Some(policy) = turn.settings.policies.covering(intent, &turn.text)
        {
            let reply = local::from_policy(speech, state, intent, policy, &turn.text);
            return Composed::Draft(Box::new(turn), reply);
        }
        let measurements = otklik_nlu::measurements(&turn.text);
        let reply = match intent {
            Intent::Greeting => local::greeting(speech, state),
            Intent::ThanksBye => local::thanks(speech, state),
            Intent::Other => local::other(speech, state, &otklik_nlu::canonical(&turn.text)),
            Intent::OrderStatus => match (&facts.order, &facts.unknown_order) {
                (Some(found), _) => {
                    let verified = found.verified || state.is_verified(&found.order.external_id);
                    let reply = local::order_status(speech, state, found, verified);
                    if !verified
                        && reply
                            .text
                            .contains(&speech.text("order-private-details", &[]))
                    {
                        let mut turn = turn;
                        turn.state.awaiting = Some(Slot::OrderOwnership);
                        turn.state.pending_intent = Some(intent.as_str().to_owned());
                        return Composed::Draft(Box::new(turn), reply);
                    }
                    reply
                }
                (None, Some(id)) => {
                    let reply = local::unknown_order(speech, state, id);
                    let mut turn = turn;
                    turn.state.order_id = None;
                    return Composed::Done(turn.ask(Slot::OrderId, intent, reply));
                }
                (None, None) => {
                    let reply = local::ask_order_id(speech, state);
                    return Composed::Done(turn.ask(Slot::OrderId, intent, reply));
                }
            },
            Intent::OrderCancel => match local::order_cancel(speech, state, facts) {
                Some(reply) => reply,
                None => match local::from_knowledge(speech, state, intent, facts, &turn.text) {
                    Ok(reply) => reply,
                    Err(_) if facts.order.is_none() => {
                        let reply = local::ask_order_id(speech, state);
                        return Composed::Done(turn.ask(Slot::OrderId, intent, reply));
                    }
                    Err(_) => return Composed::Done(turn.handoff(Reason::NoKnowledge)),
                },
            },
            Intent::ProductQuestion | Intent::ProductAvailability | Intent::SizeAdvice => {
                match (&facts.product, &facts.unknown_article) {
                    (Some(product), _) => match intent {
                        Intent::ProductAvailability => {
                            local::availability(speech, product, &turn.analysis.entities.size)
                        }
                        Intent::SizeAdvice => match local::size_advice(
                            speech,
                            product,
                            &measurements,
                            &turn.analysis.entities.size,
                        ) {
                            Some(reply) => reply,
                            None => {
                                match local::from_knowledge(
                                    speech, state, intent, facts, &turn.text,
                                ) {
                                    Ok(reply) => reply,
                                    Err(_) => {
                                        return Composed::Done(turn.handoff_detailing(
                                            Reason::NotInCard,
                                            "В карточке нет таблицы размеров.",
                                        ));
                                    }
                                }
                            }
                        },
                        _ => match local::product_question(speech, product, &turn.text) {
                            Ok(reply) => reply,
                            Err(gap) => {
                                match local::from_knowledge(
                                    speech, state, intent, facts, &turn.text,
                                ) {
                                    Ok(reply) => reply,
                                    Err(_) => return Composed::Done(not_in_card(turn, &gap)),
                                }
                            }
                        },
                    },
                    (None, Some(article)) => {
                        let reply = local::unknown_article(speech, state, article);
                        let mut turn = turn;
                        turn.state.article = None;
                        return Composed::Done(turn.ask(Slot::Article, intent, reply));
                    }
                    (None, None) => {
                        match local::from_knowledge(speech, state, intent, facts, &turn.text) {
                            Ok(reply) if intent != Intent::ProductAvailability => reply,
                            _ => {
                                let reply = local::ask_article(speech, state);
                                return Composed::Done(turn.ask(Slot::Article, intent, reply));
                            }
                        }
                    }
                }
            }
            Intent::ReturnRequest
            | Intent::ExchangeRequest
            | Intent::RefundStatus
            | Intent::DiscountPromo => {
                match local::from_knowledge(speech, state, intent, facts, &turn.text) {
                    Ok(reply) => reply,
                    Err(_) => return Composed::Done(turn.handoff(Reason::NoKnowledge)),
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

/// People take a product question the card cannot answer, told what was asked.
fn not_in_card(turn: Turn<'_>, gap: &Gap) -> Decision {
    match gap {
        Gap::NotInCard(missing) => {
            let ru = Speech::RUSSIAN;
            let asked: Vec<String> = missing
                .iter()
                .map(|p| ru.text(&format!("property-{}", p.key()), &[]))
                .collect();
            let detail = format!("В карточке нет сведений: {}.", asked.join(", "));
            turn.handoff_detailing(Reason::NotInCard, &detail)
        }
        Gap::NoKnowledge => turn.handoff(Reason::NotInCard),
    }
}

fn needs_knowledge(intent: Intent) -> bool {
    matches!(
        intent,
        Intent::ReturnRequest
            | Intent::ExchangeRequest
            | Intent::RefundStatus
            | Intent::DiscountPromo
            | Intent::OrderCancel
            | Intent::ProductQuestion
            | Intent::SizeAdvice
    )
}

/// Words that steer the knowledge search toward the policy an intent needs; the search is an
/// OR over lexemes, so they add recall, and [`quotes::relevant`] keeps only articles that speak
/// to the shopper's own words.
fn steer(intent: Intent) -> &'static str {
    match intent {
        Intent::ReturnRequest => "возврат вернуть товар",
        Intent::ExchangeRequest => "обмен поменять размер",
        Intent::RefundStatus => "возврат денег срок деньги",
        Intent::DiscountPromo => "скидки промокод акции",
        Intent::OrderCancel => "отмена заказа отменить",
        Intent::SizeAdvice => "размер таблица размеров",
        _ => "",
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
