//! The conversation scripts `workers eval conversations` runs, and how each turn is judged.
//! The format is documented with an example in `docs/eval.md`.

use otklik_nlu::Language;
use otklik_schema::ChannelKind;
use serde::Deserialize;

/// One scripted conversation: where it happens, what the marketplace told us with it, and the
/// shopper's messages with what each should get.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Script {
    pub id: String,
    #[serde(default = "telegram")]
    pub channel: ChannelKind,
    /// The language every reply must be in (`ru` unless said).
    #[serde(default)]
    pub language: Option<Language>,
    #[serde(default)]
    pub context: Given,
    /// Free text for people reading the results.
    #[serde(default)]
    pub note: String,
    pub turns: Vec<Step>,
}

fn telegram() -> ChannelKind {
    ChannelKind::Telegram
}

/// What the marketplace sends with the first message (attachments in the recorded message).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Given {
    /// The product's article (questions, reviews, chats about a product).
    pub product: Option<String>,
    /// The order's number (Ozon chats) …
    pub order: Option<String>,
    /// … or a WB order's rid (WB chats' goodCard).
    pub rid: Option<String>,
    /// A review's stars.
    pub stars: Option<u8>,
    /// The shopper's name as the marketplace shows it.
    pub author: Option<String>,
}

/// What a turn should get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Expected {
    /// A reply that answers (sent, or drafted on a marketplace).
    Answer,
    /// A question back for missing data (`slot`: `order_id`, `article`, `order_ownership`,
    /// or `clarify` when the assistant did not understand).
    Ask,
    /// People take over (`reason`, when given, must match).
    Handoff,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub shopper: String,
    pub expect: Expected,
    #[serde(default)]
    pub reason: Option<String>,
    #[serde(default)]
    pub slot: Option<String>,
    /// Facts the reply must contain, each.
    #[serde(default)]
    pub contains: Vec<String>,
    /// At least one of these must be in the reply.
    #[serde(default)]
    pub contains_any: Vec<String>,
    /// Facts the reply must not contain: a wrong status, size, date or policy.
    #[serde(default)]
    pub absent: Vec<String>,
    /// A review reply's mood: `thanks` or `apology`.
    #[serde(default)]
    pub tone: Option<Tone>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tone {
    Thanks,
    Apology,
}

/// What the turn did, as the judge sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Answer,
    /// An answer that also asks for something: the status of an order, with its address
    /// waiting for a product from it. Either expectation is met.
    AnswerAsking(String),
    Ask(String),
    Handoff(String),
    /// Nothing was said and nobody was called.
    Silent,
}

impl Outcome {
    pub fn describe(&self) -> String {
        match self {
            Outcome::Answer => "answer".to_owned(),
            Outcome::AnswerAsking(slot) => format!("answer asking ({slot})"),
            Outcome::Ask(slot) => format!("ask ({slot})"),
            Outcome::Handoff(reason) => format!("handoff ({reason})"),
            Outcome::Silent => "silence".to_owned(),
        }
    }
}

/// Why a turn failed its expectation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Miss {
    /// A different kind of outcome, or another slot or reason.
    Outcome {
        expected: String,
        got: String,
    },
    /// A fact the reply should have held.
    Missing(String),
    /// None of the alternatives was there.
    MissingAny(Vec<String>),
    /// A fact the reply must not hold: a wrong fact.
    Wrong(String),
    Tone(Tone),
    Language {
        expected: Language,
        got: Language,
    },
}

impl Miss {
    /// A wrong fact or a wrong language is worse than a miss: counted apart.
    pub fn is_wrong_fact(&self) -> bool {
        matches!(self, Miss::Wrong(_))
    }

    pub fn describe(&self) -> String {
        match self {
            Miss::Outcome { expected, got } => format!("expected {expected}, got {got}"),
            Miss::Missing(fact) => format!("missing «{fact}»"),
            Miss::MissingAny(facts) => format!("none of «{}»", facts.join("» / «")),
            Miss::Wrong(fact) => format!("says «{fact}», which it must not"),
            Miss::Tone(tone) => format!("the reply does not read as {tone:?}"),
            Miss::Language { expected, got } => format!(
                "answered in {} instead of {}",
                got.as_str(),
                expected.as_str()
            ),
        }
    }
}

/// Lower case, «ё» as «е», one space: facts match however the reply is typeset.
fn fold(text: &str) -> String {
    text.to_lowercase()
        .replace('ё', "е")
        .replace(['\u{a0}', '\n'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The reply's own words, without the shop's Russian texts it quotes in «…».
fn own_words(reply: &str) -> String {
    let mut out = String::new();
    let mut depth = 0usize;
    for c in reply.chars() {
        match c {
            '«' => depth += 1,
            '»' => depth = depth.saturating_sub(1),
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

const THANKS: &[&str] = &["спасибо", "благодар", "рады", "thank", "рахмет", "rahmat"];
const APOLOGY: &[&str] = &[
    "жаль",
    "извин",
    "сожале",
    "sorry",
    "apolog",
    "өкін",
    "кешір",
    "kechir",
    "afsus",
    "афсус",
];

/// Judges one turn: the outcome, the facts, the tone and the language.
pub fn judge(step: &Step, outcome: &Outcome, reply: Option<&str>, language: Language) -> Vec<Miss> {
    let mut misses = Vec::new();
    let expected = match step.expect {
        Expected::Answer => Outcome::Answer,
        Expected::Ask => Outcome::Ask(step.slot.clone().unwrap_or_default()),
        Expected::Handoff => Outcome::Handoff(step.reason.clone().unwrap_or_default()),
    };
    let matches = match (&expected, outcome) {
        (Outcome::Answer, Outcome::Answer | Outcome::AnswerAsking(_)) => true,
        (Outcome::Ask(want), Outcome::AnswerAsking(got)) => want.is_empty() || want == got,
        (Outcome::Ask(want), Outcome::Ask(got)) => want.is_empty() || want == got,
        (Outcome::Handoff(want), Outcome::Handoff(got)) => want.is_empty() || want == got,
        _ => false,
    };
    if !matches {
        misses.push(Miss::Outcome {
            expected: expected.describe(),
            got: outcome.describe(),
        });
    }
    let text = fold(reply.unwrap_or_default());
    for fact in &step.contains {
        if !text.contains(&fold(fact)) {
            misses.push(Miss::Missing(fact.clone()));
        }
    }
    if !step.contains_any.is_empty() && !step.contains_any.iter().any(|f| text.contains(&fold(f))) {
        misses.push(Miss::MissingAny(step.contains_any.clone()));
    }
    for fact in &step.absent {
        if text.contains(&fold(fact)) {
            misses.push(Miss::Wrong(fact.clone()));
        }
    }
    if let Some(tone) = step.tone {
        let cues = match tone {
            Tone::Thanks => THANKS,
            Tone::Apology => APOLOGY,
        };
        let opposite = match tone {
            Tone::Thanks => APOLOGY,
            Tone::Apology => &[][..],
        };
        if !cues.iter().any(|c| text.contains(c)) || opposite.iter().any(|c| text.contains(c)) {
            misses.push(Miss::Tone(tone));
        }
    }
    // The reply's main paragraph decides: a one-line note in the shopper's language before a
    // Russian answer («пока отвечаю только по-русски») does not make it that language's.
    let own = reply.map(own_words);
    let main = own
        .as_deref()
        .and_then(|r| r.split('\n').max_by_key(|p| p.chars().count()));
    if let Some(main) = main
        && let Some(got) = otklik_nlu::detect(main)
        && got != language
    {
        misses.push(Miss::Language {
            expected: language,
            got,
        });
    }
    misses
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(json: &str) -> Step {
        serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"))
    }

    #[test]
    fn a_turn_fails_on_outcome_facts_tone_and_language() {
        let answer = step(
            r#"{"shopper": "где заказ", "expect": "answer", "contains": ["пункте выдачи"], "absent": ["в пути"]}"#,
        );
        let reply = "Заказ 1 уже ждёт вас в пункте выдачи.";
        assert!(judge(&answer, &Outcome::Answer, Some(reply), Language::Ru).is_empty());
        let wrong = judge(
            &answer,
            &Outcome::Answer,
            Some("Заказ 1 в пути."),
            Language::Ru,
        );
        assert!(wrong.iter().any(Miss::is_wrong_fact));
        assert!(wrong.contains(&Miss::Missing("пункте выдачи".into())));
        let english = judge(
            &answer,
            &Outcome::Answer,
            Some("Your order is waiting at the pickup point, пункте выдачи."),
            Language::Ru,
        );
        assert!(
            english.iter().any(|m| matches!(m, Miss::Language { .. })),
            "{english:?}"
        );

        let handoff =
            step(r#"{"shopper": "брак", "expect": "handoff", "reason": "defect_or_wrong_item"}"#);
        assert!(
            judge(
                &handoff,
                &Outcome::Handoff("defect_or_wrong_item".into()),
                None,
                Language::Ru
            )
            .is_empty()
        );
        assert_eq!(
            judge(
                &handoff,
                &Outcome::Handoff("complaint".into()),
                None,
                Language::Ru
            )
            .len(),
            1
        );

        let review = step(r#"{"shopper": "Супер!", "expect": "answer", "tone": "thanks"}"#);
        assert!(
            judge(
                &review,
                &Outcome::Answer,
                Some("Спасибо за отзыв!"),
                Language::Ru
            )
            .is_empty()
        );
        assert_eq!(
            judge(
                &review,
                &Outcome::Answer,
                Some("Жаль, что не понравилось. Спасибо."),
                Language::Ru
            ),
            vec![Miss::Tone(Tone::Thanks)]
        );
    }
}
