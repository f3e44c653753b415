#![doc = include_str!("../README.md")]

mod entities;
mod features;
mod intent;
pub mod language;
mod model;
pub mod report;
mod text;

pub use entities::{Entities, Measurement, MeasurementKind};
pub use intent::Intent;
pub use language::{Language, detect};
pub use model::TRAINING_SUMMARY;
pub use text::canonical;

use serde::Serialize;

/// Only the start of a very long message is read: intent shows early, and the cost stays flat.
const MAX_CHARS: usize = 4000;

/// A primary intent below this confidence is a guess; the assistant treats it as not understood.
pub const CONFIDENT: f32 = 0.45;

/// When the probabilities of the person-only intents add up to this, a person should answer
/// even if a routine intent came out on top: missing a handoff costs more than an extra one.
const HANDOFF_MASS: f32 = 0.4;

/// A clause's own intent is kept as a secondary one from this confidence.
const SECONDARY: f32 = 0.6;

/// In a message of several sentences, the share of the first substantive one in the
/// probabilities (the whole message has the rest): shoppers lead with what they came for.
const FIRST_CLAUSE: f32 = 0.65;

/// A sentence the model is this sure of is a request; less sure, it is likely a story that
/// leads up to one («Купила куртку месяц назад. Вчера сломалась молния. Что делать?»).
const LEAD: f32 = 0.6;

/// Three sentences and more are often a story that ends in the request, so there the first
/// one counts less.
const STORY_CLAUSE: f32 = 0.3;

/// What one shopper message asks for.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub intent: Intent,
    /// Calibrated probability of `intent`.
    pub confidence: f32,
    /// Other requests in the same message, most confident first.
    #[serde(rename = "secondary_intents", skip_serializing_if = "Vec::is_empty")]
    pub secondary: Vec<Intent>,
    pub entities: Entities,
    /// A person should answer this.
    pub handoff: bool,
    /// The message's language; `None` when it carries too little to tell (digits, «ok», an
    /// emoji), so the conversation's language stands.
    pub language: Option<Language>,
}

impl Serialize for Intent {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

fn head(text: &str) -> &str {
    match text.char_indices().nth(MAX_CHARS) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

fn classify(text: &str) -> [f32; Intent::ALL.len()] {
    model::MODEL.probabilities(&features::extract(&text::tokens(text)))
}

fn best(probabilities: &[f32; Intent::ALL.len()]) -> (Intent, f32) {
    Intent::ALL
        .into_iter()
        .zip(probabilities.iter().copied())
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .unwrap_or((Intent::Other, 0.0))
}

/// A greeting that opens a sentence is this sure before it is told apart from the rest.
const OPENING: f32 = 0.7;

/// Clauses worth classifying on their own: sentences, with a greeting that opens one told apart
/// from the question it leads into («добрый вечер, доставляете в Душанбе?»).
fn clauses(text: &str) -> Vec<&str> {
    let substantial = |c: &&str| c.chars().filter(|c| c.is_alphabetic()).count() >= 6;
    text.split(['.', '?', '!', '\n', ';'])
        .map(str::trim)
        .filter(substantial)
        .flat_map(|sentence| match opening_greeting(sentence) {
            Some((greeting, rest)) => vec![greeting, rest],
            None => vec![sentence],
        })
        .collect()
}

/// Splits a sentence after the words that greet, when what follows says more: the greeting up
/// to a comma, or its first one to three words.
fn opening_greeting(sentence: &str) -> Option<(&str, &str)> {
    // One look at the first word keeps the other sentences at one pass of the model.
    let first = sentence
        .split_whitespace()
        .next()?
        .trim_end_matches([',', '!']);
    if best(&classify(first)).0 != Intent::Greeting {
        return None;
    }
    let comma = sentence.find(',').into_iter();
    let words = sentence
        .char_indices()
        .filter(|(_, c)| c.is_whitespace())
        .map(|(at, _)| at)
        .take(3);
    comma
        .chain(words)
        .filter_map(|at| {
            let (greeting, rest) = sentence.split_at(at);
            let rest = rest.trim_start_matches([',', ' ', '-', '—', '\t']).trim();
            let letters = rest.chars().filter(|c| c.is_alphabetic()).count();
            (letters >= 6).then_some((greeting.trim(), rest))
        })
        .find(|(greeting, rest)| {
            let (intent, confidence) = best(&classify(greeting));
            let greets = matches!(intent, Intent::Greeting) && confidence >= OPENING;
            greets
                && !matches!(
                    best(&classify(rest)).0,
                    Intent::Greeting | Intent::ThanksBye
                )
        })
}

/// Intent, confidence, secondary intents, entities and the handoff decision for one message.
///
/// When a message holds several requests, the first one is the primary: shoppers lead with
/// what they came for and add the rest («Где мой заказ? И можно будет вернуть?»). So the
/// whole message's probabilities are averaged with those of its first substantive clause —
/// one that is not just a greeting or thanks.
pub fn analyse(text: &str) -> Analysis {
    let text = head(text);
    let whole = classify(text);
    let parts: Vec<(Intent, f32, [f32; Intent::ALL.len()])> = clauses(text)
        .into_iter()
        .map(|part| {
            let p = classify(part);
            let (intent, confidence) = best(&p);
            (intent, confidence, p)
        })
        .collect();
    let mut probabilities = whole;
    if parts.len() > 1 {
        let substantive = |(intent, _, _): &&(Intent, f32, _)| {
            !matches!(intent, Intent::Greeting | Intent::ThanksBye)
        };
        let first = parts
            .iter()
            .filter(substantive)
            .find(|(_, confidence, _)| *confidence >= LEAD)
            .or_else(|| parts.iter().find(substantive));
        if let Some((_, _, first)) = first {
            let share = if parts.len() > 2 {
                STORY_CLAUSE
            } else {
                FIRST_CLAUSE
            };
            for (p, f) in probabilities.iter_mut().zip(first) {
                *p = *p * (1.0 - share) + f * share;
            }
        }
    }
    let (intent, confidence) = best(&probabilities);
    let handoff_mass: f32 = Intent::ALL
        .into_iter()
        .filter(|i| i.needs_person())
        .map(|i| probabilities[i.index()])
        .sum();

    let mut secondary: Vec<(Intent, f32)> = Vec::new();
    if parts.len() > 1 {
        for &(clause_intent, p, _) in &parts {
            if clause_intent != intent && p >= SECONDARY {
                match secondary.iter_mut().find(|(i, _)| *i == clause_intent) {
                    Some(seen) => seen.1 = seen.1.max(p),
                    None => secondary.push((clause_intent, p)),
                }
            }
        }
    }
    secondary.sort_by(|a, b| b.1.total_cmp(&a.1));
    let handoff = intent.needs_person()
        || handoff_mass >= HANDOFF_MASS
        || secondary.iter().any(|(i, _)| i.needs_person());

    let asks = match intent {
        Intent::OrderStatus | Intent::OrderCancel | Intent::RefundStatus | Intent::PaymentIssue => {
            entities::Asks::AboutAnOrder
        }
        Intent::ProductQuestion | Intent::ProductAvailability | Intent::SizeAdvice => {
            entities::Asks::AboutAProduct
        }
        _ => entities::Asks::Unclear,
    };
    let sizing = matches!(
        intent,
        Intent::SizeAdvice | Intent::ExchangeRequest | Intent::ProductAvailability
    );
    Analysis {
        intent,
        confidence,
        secondary: secondary.into_iter().map(|(i, _)| i).collect(),
        entities: entities::extract(text, asks, sizing),
        handoff,
        language: detect(text),
    }
}
