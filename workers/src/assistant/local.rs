//! The local responder: replies written from the catalogues, live data and the shop's own
//! texts, with no network. Every fact in a reply comes from what the turn looked up; wording
//! varies between turns so a conversation never repeats itself.

use chrono::{Datelike, NaiveDate};
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

/// «14 ноября» in the reply's language.
pub fn day_month(speech: Speech, date: NaiveDate) -> String {
    speech.text(
        "date-day-month",
        &[
            ("day", Arg::Count(i64::from(date.day()))),
            ("month", Arg::Count(i64::from(date.month()))),
        ],
    )
}

/// A date in the order details (`YYYY-MM-DD…`).
fn detail_date(speech: Speech, value: &serde_json::Value) -> Option<String> {
    let text = value.as_str()?;
    let date = NaiveDate::parse_from_str(text.get(..10)?, "%Y-%m-%d").ok()?;
    Some(day_month(speech, date))
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
fn quoted(speech: Speech, text: String) -> String {
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

/// The card's answer to a product question, or which asked properties it has nothing on.
pub fn product_question(speech: Speech, product: &Product, question: &str) -> Result<Reply, Gap> {
    let asked = card::asked(question);
    let mut found: Vec<(String, String)> = Vec::new();
    let mut missing: Vec<Property> = Vec::new();
    if asked.is_empty() {
        match card::named(product, question) {
            Some(fields) => found = fields,
            None => return Err(Gap::NoKnowledge),
        }
    }
    for property in asked.iter().take(2) {
        match card::answer(product, *property, question) {
            Some(fields) => {
                for field in fields {
                    if !found.contains(&field) {
                        found.push(field);
                    }
                }
            }
            None => missing.push(*property),
        }
    }
    if !missing.is_empty() {
        return Err(Gap::NotInCard(missing));
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

pub fn availability(speech: Speech, product: &Product, asked_sizes: &[String]) -> Reply {
    let sizes = sizing::sizes(product);
    let available: Vec<&str> = sizes
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(s, _)| s.as_str())
        .collect();
    let title = product.title.as_str();
    let text = if let Some(asked) = asked_sizes.first() {
        let upper = asked.to_uppercase();
        match sizes.iter().find(|(s, _)| s.to_uppercase() == upper) {
            Some((_, n)) if *n > 0 => speech.text(
                "stock-size-yes",
                &[("title", Arg::Text(title)), ("size", Arg::Text(asked))],
            ),
            _ if available.is_empty() => speech.text("stock-none", &[("title", Arg::Text(title))]),
            Some(_) => speech.text(
                "stock-size-no",
                &[
                    ("title", Arg::Text(title)),
                    ("size", Arg::Text(asked)),
                    ("available", Arg::Owned(available.join(", "))),
                ],
            ),
            None => speech.text(
                "stock-size-not-made",
                &[
                    ("title", Arg::Text(title)),
                    ("size", Arg::Text(asked)),
                    (
                        "sizes",
                        Arg::Owned(
                            sizes
                                .iter()
                                .map(|(s, _)| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                        ),
                    ),
                    ("available", Arg::Owned(available.join(", "))),
                ],
            ),
        }
    } else if !available.is_empty() {
        speech.text(
            "stock-sizes",
            &[
                ("title", Arg::Text(title)),
                ("available", Arg::Owned(available.join(", "))),
            ],
        )
    } else if product.stock.is_some_and(|n| n > 0) {
        speech.text("stock-yes", &[("title", Arg::Text(title))])
    } else {
        speech.text("stock-none", &[("title", Arg::Text(title))])
    };
    Reply {
        text,
        key: format!("availability:{}", product.external_id),
    }
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
/// refusal that says what it can do. Asked whether it is a person, it answers honestly.
pub fn other(speech: Speech, state: &State, canonical: &str) -> Reply {
    let asks_identity = [
        "bot",
        "robot",
        "chelovek",
        "nastoiash",
        "iskusstv",
        "neiroset",
        "human",
        "real person",
        "ai ",
    ]
    .iter()
    .any(|w| canonical.contains(w));
    if asks_identity {
        return Reply::from(speech.vary(state, "identity", &[]));
    }
    Reply::from(speech.vary(state, "other", &[]))
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

    #[test]
    fn dates_read_in_each_language() {
        let Some(date) = NaiveDate::from_ymd_opt(2026, 11, 14) else {
            panic!("a valid date");
        };
        assert_eq!(day_month(Speech::RUSSIAN, date), "14 ноября");
        if let Some(en) = Speech::of(Language::En) {
            assert_eq!(day_month(en, date), "14 November");
        }
    }
}
