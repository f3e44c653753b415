//! The local responder: replies written from the catalogues, live data and the shop's own
//! texts, with no network. Every fact in a reply comes from what the turn looked up; wording
//! varies between turns so a conversation never repeats itself.

use chrono::NaiveDate;
use otklik_db::catalogue::Product;
use otklik_nlu::{Intent, Language};

use super::card::{self, Property};
use super::catalogue::{Arg, Speech};
use super::facts::{Facts, OrderFacts};
use super::order_status::Stage;
use super::quotes;
use super::return_status;
use super::settings::{Tone, WorkingHours};
use super::sizing;
use super::state::State;

/// A reply, and the key of the wording used, so the next turn can pick another.
#[derive(Debug, Clone)]
pub struct Reply {
    pub text: String,
    pub key: String,
}

impl Reply {
    fn from((text, key): (String, String)) -> Self {
        Self { text, key }
    }
}

/// What the local responder cannot answer: the caller hands the conversation to people.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gap {
    NoKnowledge,
    /// The card has nothing on what was asked (named for the operator).
    NotInCard(Vec<Property>),
}

impl Gap {
    /// Whether a shop-wide article may answer instead: a question no card field is named for,
    /// or one about the warranty, which shops write policies on.
    pub fn policy_may_answer(&self) -> bool {
        match self {
            Gap::NoKnowledge => true,
            Gap::NotInCard(missing) => missing.iter().all(|p| *p == Property::Warranty),
        }
    }
}

/// A date in the order details (`YYYY-MM-DD…`).
fn detail_date(speech: Speech, value: &serde_json::Value) -> Option<String> {
    let text = value.as_str()?;
    let date = NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
    Some(speech.day_month(date))
}

fn detail<'a>(found: &'a OrderFacts, name: &str) -> Option<&'a str> {
    found
        .order
        .details
        .get(name)
        .and_then(|v| v.as_str())
        .map(str::trim)
        .filter(|v| !v.is_empty())
}

/// The latest return of the order the shopper named, when there is one.
pub fn return_status(speech: Speech, state: &State, facts: &Facts) -> Option<Reply> {
    let found = facts.order.as_ref()?;
    let latest = found.returns.first()?;
    Some(Reply {
        text: return_status::describe(speech, latest, found.marketplace, &found.order.external_id),
        key: format!("return-status:{}", state.said.len()),
    })
}

/// Where the order is. Personal details — the pickup point, the tracking number — only for an
/// order the conversation has shown to be the shopper's (`verified`).
pub fn order_status(speech: Speech, state: &State, found: &OrderFacts, verified: bool) -> Reply {
    let id = found.order.external_id.as_str();
    let (mut text, key) = speech.vary(
        state,
        "order-status",
        &[
            ("id", Arg::Text(id)),
            ("status", Arg::Owned(found.explained.predicate(speech))),
            ("marketplace", Arg::Text(found.marketplace.name())),
        ],
    );
    let mut add = |id: &str, args: &[(&str, Arg<'_>)]| {
        text.push(' ');
        text.push_str(&speech.text(id, args));
    };
    let mut private = false;
    match found.explained.stage {
        Stage::AtPickupPoint => {
            match detail(found, "pickup_point") {
                Some(point) if verified => {
                    add("order-pickup-point", &[("point", Arg::Text(point))])
                }
                Some(_) => private = true,
                None => {}
            }
            if let Some(until) = found
                .order
                .details
                .get("storage_until")
                .and_then(|d| detail_date(speech, d))
            {
                add("order-storage-until", &[("date", Arg::Owned(until))]);
            }
        }
        Stage::InTransit | Stage::Preparing => {
            if let Some(date) = found
                .order
                .details
                .get("delivery_date")
                .and_then(|d| detail_date(speech, d))
            {
                add("order-delivery-date", &[("date", Arg::Owned(date))]);
            }
            match detail(found, "tracking_number") {
                Some(tracking) if verified => {
                    add("order-tracking", &[("tracking", Arg::Text(tracking))]);
                }
                Some(_) => private = true,
                None => {}
            }
        }
        Stage::Problem => add("order-problem", &[]),
        Stage::Received | Stage::Cancelled | Stage::Unknown => {}
    }
    if private {
        add("order-private-details", &[]);
    }
    Reply { text, key }
}

pub fn ask_order_id(speech: Speech, state: &State) -> Reply {
    Reply::from(speech.vary(state, "ask-order", &[]))
}

pub fn unknown_order(speech: Speech, state: &State, id: &str) -> Reply {
    Reply::from(speech.vary(state, "unknown-order", &[("id", Arg::Text(id))]))
}

/// The proof named no product of the order: asked once more, then people decide.
/// The product named is not in the order: one more try.
pub fn ownership_retry(speech: Speech, state: &State, order: &str) -> Reply {
    Reply::from(speech.vary(state, "ownership-retry", &[("id", Arg::Text(order))]))
}

pub fn ownership_not_confirmed(speech: Speech, state: &State) -> Reply {
    Reply::from(speech.vary(state, "ownership-not-confirmed", &[]))
}

pub fn order_cancel(speech: Speech, state: &State, facts: &Facts) -> Option<Reply> {
    let found = facts.order.as_ref()?;
    let id = found.order.external_id.as_str();
    let app = found.marketplace.name();
    let message = match found.explained.stage {
        Stage::Preparing => "cancel-preparing",
        Stage::InTransit => "cancel-in-transit",
        Stage::AtPickupPoint => "cancel-at-pickup-point",
        Stage::Received => "cancel-received",
        Stage::Cancelled => "cancel-cancelled",
        Stage::Problem | Stage::Unknown => return None,
    };
    Some(Reply {
        text: speech.text(message, &[("id", Arg::Text(id)), ("app", Arg::Text(app))]),
        key: format!("order_cancel:{}", state.said.len()),
    })
}

/// The shop's own words quoted as the answer. In a language other than Russian the quote is
/// introduced as Russian text: the shop wrote it so, and the local responder does not translate.
pub fn quoted(speech: Speech, text: String) -> String {
    match speech.language() {
        Language::Ru => text,
        _ => format!(
            "{}\n«{}»",
            speech.text("quote-in-russian", &[]),
            text.trim()
        ),
    }
}

/// The shop's own policy text for the question, quoted as the answer.
pub fn from_policy(
    speech: Speech,
    state: &State,
    intent: Intent,
    policy: &str,
    question: &str,
) -> Reply {
    let answer =
        quotes::focused("", policy, question).unwrap_or_else(|| quotes::excerpt(policy, question));
    let text = quoted(speech, answer);
    Reply {
        text: with_closing(speech, state, intent, text),
        key: format!("closing:{}:policy", intent.as_str()),
    }
}

/// A policy answer quoted from the best knowledge article that speaks to the question.
pub fn from_knowledge(
    speech: Speech,
    state: &State,
    intent: Intent,
    facts: &Facts,
    question: &str,
) -> Result<Reply, Gap> {
    let hit = facts.relevant_knowledge().ok_or(Gap::NoKnowledge)?;
    let answer = quotes::focused(&hit.title, &hit.body, question)
        .unwrap_or_else(|| quotes::excerpt(&hit.body, question));
    let text = quoted(speech, answer);
    Ok(Reply {
        text: with_closing(speech, state, intent, text),
        key: format!("closing:{}:{}", intent.as_str(), hit.article_id),
    })
}

/// A policy quote and what to do if it does not work out, said once a conversation.
fn with_closing(speech: Speech, state: &State, intent: Intent, mut text: String) -> String {
    let closing = match intent {
        Intent::RefundStatus => Some("closing-refund"),
        Intent::ReturnRequest | Intent::ExchangeRequest => Some("closing-help"),
        _ => None,
    };
    if let Some(closing) = closing.filter(|_| !state.said.iter().any(|k| k.starts_with("closing:")))
    {
        text.push_str("\n\n");
        text.push_str(&speech.text(closing, &[]));
    }
    text
}

/// The card's answer to a product question, or which asked property it has nothing on. The
/// first property asked is the question; a second one is answered when the card has it.
pub fn product_question(speech: Speech, product: &Product, question: &str) -> Result<Reply, Gap> {
    let asked = card::asked_about(question, Some(&product.title));
    let mut found: Vec<(String, String)> = match asked.first() {
        None => card::named(product, question).ok_or(Gap::NoKnowledge)?,
        Some(first) => match card::named_beyond_rules(product, question) {
            Some(named) => named,
            None => card::answer(product, *first, question).ok_or(Gap::NotInCard(vec![*first]))?,
        },
    };
    if let Some(second) = asked.get(1)
        && let Some(fields) = card::answer(product, *second, question)
    {
        for field in fields {
            if !found.contains(&field) {
                found.push(field);
            }
        }
    }
    let facts: Vec<String> = found
        .iter()
        .map(|(name, value)| {
            speech.text(
                "card-field",
                &[
                    ("name", Arg::Owned(name.to_lowercase())),
                    ("value", Arg::Text(value)),
                ],
            )
        })
        .collect();
    Ok(Reply {
        text: speech.text(
            "card-answer",
            &[
                ("title", Arg::Text(&product.title)),
                ("fields", Arg::Owned(facts.join("; "))),
            ],
        ),
        key: format!("product:{}", product.external_id),
    })
}

/// The sizes a question names: those the classifier found, and any word of the question that
/// is one of the card's sizes («есть 42?», «41 и 43»).
pub fn sizes_named(product: &Product, found: &[String], question: &str) -> Vec<String> {
    let sold = sizing::sizes(product);
    let mut named: Vec<String> = found.to_vec();
    for word in question.split(|c: char| !c.is_alphanumeric() && c != ',' && c != '.') {
        let word = word.trim_matches([',', '.']);
        if let Some((size, _)) = sold
            .iter()
            .find(|(size, _)| size.eq_ignore_ascii_case(word))
            && !named.iter().any(|n| n.eq_ignore_ascii_case(size))
        {
            named.push(size.clone());
        }
    }
    named
}

/// Whether the product, or the asked sizes of it, can be bought now. `sold_out` tells the
/// caller that something asked for is not in stock.
pub fn availability(speech: Speech, product: &Product, asked: &[String]) -> (Reply, bool) {
    let sizes = sizing::sizes(product);
    let available: Vec<&str> = sizes
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, _)| s.as_str())
        .collect();
    let title = product.title.as_str();
    let stock = |size: &str| {
        sizes
            .iter()
            .find(|(s, _)| s.eq_ignore_ascii_case(size))
            .map(|(_, n)| *n)
    };
    let all_sizes = sizes
        .iter()
        .map(|(s, _)| s.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    let (text, sold_out) = match asked {
        [] if !available.is_empty() => (
            speech.text(
                "stock-sizes",
                &[
                    ("title", Arg::Text(title)),
                    ("available", Arg::Owned(available.join(", "))),
                ],
            ),
            false,
        ),
        [] if product.stock.is_some_and(|n| n > 0) => (
            speech.text("stock-yes", &[("title", Arg::Text(title))]),
            false,
        ),
        [] => (
            speech.text("stock-none", &[("title", Arg::Text(title))]),
            true,
        ),
        [size] => match stock(size) {
            Some(n) if n > 0 => (
                speech.text(
                    "stock-size-yes",
                    &[("title", Arg::Text(title)), ("size", Arg::Text(size))],
                ),
                false,
            ),
            _ if available.is_empty() => (
                speech.text("stock-none", &[("title", Arg::Text(title))]),
                true,
            ),
            Some(_) => (
                speech.text(
                    "stock-size-no",
                    &[
                        ("title", Arg::Text(title)),
                        ("size", Arg::Text(size)),
                        ("available", Arg::Owned(available.join(", "))),
                    ],
                ),
                true,
            ),
            None => (
                speech.text(
                    "stock-size-not-made",
                    &[
                        ("title", Arg::Text(title)),
                        ("size", Arg::Text(size)),
                        ("sizes", Arg::Owned(all_sizes.clone())),
                        ("available", Arg::Owned(available.join(", "))),
                    ],
                ),
                true,
            ),
        },
        several => {
            let (yes, no): (Vec<&String>, Vec<&String>) = several
                .iter()
                .partition(|s| stock(s).is_some_and(|n| n > 0));
            let list = |sizes: Vec<&String>| {
                sizes
                    .iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let mut text = Vec::new();
            if !yes.is_empty() {
                text.push(speech.text(
                    "stock-several-yes",
                    &[
                        ("title", Arg::Text(title)),
                        ("sizes", Arg::Owned(list(yes))),
                    ],
                ));
            }
            let sold_out = !no.is_empty();
            if sold_out {
                text.push(speech.text(
                    "stock-several-no",
                    &[("title", Arg::Text(title)), ("sizes", Arg::Owned(list(no)))],
                ));
            }
            (text.join(" "), sold_out)
        }
    };
    (
        Reply {
            text,
            key: format!("availability:{}", product.external_id),
        },
        sold_out,
    )
}

/// Size advice from the card's chart, or `None` when the card has no chart.
pub fn size_advice(
    speech: Speech,
    product: &Product,
    measurements: &[otklik_nlu::Measurement],
    sizes: &[String],
) -> Option<Reply> {
    Some(Reply {
        text: sizing::advise(speech, product, measurements, sizes)?,
        key: format!("size:{}", product.external_id),
    })
}

pub fn ask_article(speech: Speech, state: &State) -> Reply {
    Reply::from(speech.vary(state, "ask-article", &[]))
}

pub fn unknown_article(speech: Speech, state: &State, article: &str) -> Reply {
    Reply::from(speech.vary(state, "unknown-article", &[("article", Arg::Text(article))]))
}

pub fn greeting(speech: Speech, state: &State) -> Reply {
    Reply::from(speech.vary(state, "greeting", &[]))
}

pub fn thanks(speech: Speech, state: &State) -> Reply {
    Reply::from(speech.vary(state, "thanks", &[]))
}

/// When people answer: the shop's working hours, or always when it set none.
pub fn hours(speech: Speech, state: &State, hours: Option<&WorkingHours>) -> Reply {
    match hours {
        Some(hours) => Reply::from(speech.vary(
            state,
            "hours",
            &[("hours", Arg::Owned(hours.describe(speech)))],
        )),
        None => Reply::from(speech.vary(state, "hours-always", &[])),
    }
}

/// Out of scope, nonsense or an attempt to change the assistant's instructions: a polite
/// refusal that says what it can do.
pub fn other(speech: Speech, state: &State) -> Reply {
    Reply::from(speech.vary(state, "other", &[]))
}

/// The shopper asked not to be written to first: order news stop, answers do not.
pub fn no_news(speech: Speech, state: &State) -> Reply {
    Reply::from(speech.vary(state, "no-news", &[]))
}

/// Asked whether it is a person, the assistant answers honestly.
pub fn identity(speech: Speech, state: &State) -> Reply {
    Reply::from(speech.vary(state, "identity", &[]))
}

/// A marketplace forbids contacts in its chats: said kindly, with what the chat can do.
pub fn no_contacts(speech: Speech, state: &State) -> Reply {
    Reply::from(speech.vary(state, "no-contacts", &[]))
}

pub fn not_understood(speech: Speech, state: &State) -> Reply {
    Reply::from(speech.vary(state, "clarify", &[]))
}

pub fn attachment_only(speech: Speech, state: &State) -> Reply {
    Reply::from(speech.vary(state, "attachment", &[]))
}

/// Fits a local reply to the shop's tone. Neutral leaves it; concise drops pleasantries but
/// keeps a greeting; warm adds a friendly closing after a real answer, each wording at most
/// once a conversation so it never reads as a template. Returns the closing's key to remember.
pub fn toned(
    speech: Speech,
    reply: Reply,
    tone: Tone,
    intent: Intent,
    state: &State,
) -> (Reply, Option<String>) {
    let help = speech.text("closing-help", &[]);
    match (tone, intent) {
        (Tone::Neutral, _) => (reply, None),
        (Tone::Concise, Intent::ThanksBye) => {
            (Reply::from(speech.vary(state, "thanks-concise", &[])), None)
        }
        (Tone::Concise, _) => {
            let text = match reply.text.strip_suffix(help.as_str()) {
                Some(rest) => rest.trim_end().to_owned(),
                None => reply.text,
            };
            (Reply { text, ..reply }, None)
        }
        (Tone::Warm, Intent::Greeting) => {
            (Reply::from(speech.vary(state, "greeting-warm", &[])), None)
        }
        (Tone::Warm, Intent::ThanksBye) => {
            (Reply::from(speech.vary(state, "thanks-warm", &[])), None)
        }
        (Tone::Warm, Intent::Other) => (reply, None),
        (Tone::Warm, _) => {
            // Only after an answer: not while asking for a detail or after a misunderstanding.
            let answered = state.awaiting.is_none() && state.failed_turns == 0;
            let fresh = (0..2).find(|i| !state.said.contains(&format!("warm:{i}")));
            match fresh.filter(|_| answered && !reply.text.ends_with(help.as_str())) {
                Some(i) => {
                    let closing = speech.text(&format!("warm-closing-{}", i + 1), &[]);
                    let text = format!("{}\n\n{closing}", reply.text);
                    (Reply { text, ..reply }, Some(format!("warm:{i}")))
                }
                None => (reply, None),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use otklik_schema::ChannelKind;

    use super::*;
    use crate::assistant::guardrails::{self, Sources};

    const POLICY: &str = "Вернуть товар можно в течение 30 дней: оформите возврат в разделе «Покупки» и отнесите товар в пункт выдачи.";

    fn passes(text: &str, grounding: &str) -> String {
        let sources = Sources {
            system_prompt: "",
            grounding,
        };
        guardrails::check(text, ChannelKind::WbChat, &sources)
            .unwrap_or_else(|v| panic!("{text:?} failed the guardrails: {v}"))
    }

    fn in_tone(
        tone: Tone,
        intent: Intent,
        reply: Reply,
        state: &State,
    ) -> (String, Option<String>) {
        let (reply, closing) = toned(Speech::RUSSIAN, reply, tone, intent, state);
        (passes(&reply.text, POLICY), closing)
    }

    #[test]
    fn the_same_answer_differs_by_tone_and_passes_the_guardrails() {
        let ru = Speech::RUSSIAN;
        let help = ru.text("closing-help", &[]);
        let state = State::default();
        let answer = from_policy(ru, &state, Intent::ReturnRequest, POLICY, "как вернуть?");
        let (neutral, _) = in_tone(Tone::Neutral, Intent::ReturnRequest, answer.clone(), &state);
        let (warm, _) = in_tone(Tone::Warm, Intent::ReturnRequest, answer.clone(), &state);
        let (concise, _) = in_tone(Tone::Concise, Intent::ReturnRequest, answer, &state);
        for text in [&neutral, &warm, &concise] {
            assert!(text.starts_with(POLICY), "the answer comes first: {text}");
        }
        assert!(neutral.ends_with(&help), "{neutral}");
        assert_eq!(concise, POLICY, "concise drops the offer of help");
        assert_eq!(warm, neutral, "the offer of help is warm enough on its own");

        let status = Reply {
            text: "Заказ 1456789012 уже ждёт вас в пункте выдачи.".into(),
            key: "order-status:0".into(),
        };
        let (plain, _) = in_tone(Tone::Neutral, Intent::OrderStatus, status.clone(), &state);
        let (warm, closing) = in_tone(Tone::Warm, Intent::OrderStatus, status.clone(), &state);
        assert!(
            warm.starts_with(&plain) && warm.len() > plain.len(),
            "{warm}"
        );
        let Some(closing) = closing else {
            panic!("a warm closing is remembered");
        };
        let mut later = State::default();
        later.remember_said(closing);
        let (again, _) = in_tone(Tone::Warm, Intent::OrderStatus, status.clone(), &later);
        assert_ne!(again, warm, "the warm line is not repeated word for word");

        let asking = State {
            awaiting: Some(crate::assistant::state::Slot::OrderId),
            ..State::default()
        };
        let ask = ask_order_id(ru, &asking);
        let (asked, closing) = in_tone(Tone::Warm, Intent::OrderStatus, ask.clone(), &asking);
        assert_eq!(asked, ask.text, "no closing while asking for a detail");
        assert!(closing.is_none());
    }

    #[test]
    fn greetings_and_thanks_follow_the_tone_and_keep_vy() {
        let ru = Speech::RUSSIAN;
        let state = State::default();
        let greet = |tone| in_tone(tone, Intent::Greeting, greeting(ru, &state), &state).0;
        let thank = |tone| in_tone(tone, Intent::ThanksBye, thanks(ru, &state), &state).0;
        assert_eq!(
            greet(Tone::Concise),
            greet(Tone::Neutral),
            "a greeting stays"
        );
        assert!(greet(Tone::Warm).contains("Спасибо, что написали"));
        assert_eq!(thank(Tone::Concise), "Пожалуйста.");
        assert!(thank(Tone::Warm).chars().count() > thank(Tone::Neutral).chars().count());
        for tone in [Tone::Neutral, Tone::Warm, Tone::Concise] {
            for text in [greet(tone), thank(tone)] {
                let words: Vec<String> = text
                    .to_lowercase()
                    .split(|c: char| !c.is_alphabetic())
                    .map(str::to_owned)
                    .collect();
                assert!(
                    !words
                        .iter()
                        .any(|w| ["ты", "тебе", "тебя", "твой"].contains(&w.as_str())),
                    "{text}"
                );
            }
        }
    }
}
