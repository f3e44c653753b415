//! Order numbers, articles, sizes, measurements, phones and e-mails, found by rules on the raw
//! text.
//!
//! The most specific spans go first (e-mail, link, posting number, phone) and are blanked, so
//! a phone's digits never come back as an order number. The rest is read as tokens, so every
//! rule can look at a number's neighbours: dates and times are set aside, then measurements,
//! then long numbers (orders and articles), and what is left may be a size.

mod ids;
mod measurements;
mod scan;
mod sizes;
mod words;

use serde::{Deserialize, Serialize};

pub use ids::Asks;
pub use measurements::{Measurement, MeasurementKind};
use scan::Token;
pub(crate) use scan::is_letter;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Entities {
    /// WB order ids and Ozon posting numbers, as written (digits and dashes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub order_id: Vec<String>,
    /// WB nmID / Ozon SKU.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub article: Vec<String>,
    /// Letter sizes in Latin capitals (`XL`, `2XL`), numeric sizes as digits (`42`, `37.5`).
    /// A list or a range gives each size it names («от 44 до 46» → `44`, `46`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub size: Vec<String>,
    /// Digits only, with the country prefix as written (`79998887766`, `89261230099`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phone: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub email: Vec<String>,
    /// The shopper's body measurements, in text order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub measurements: Vec<Measurement>,
    /// Numbers in `order_id` or `article` that no word around them placed: they were placed
    /// by what the message asks, or by their length. The shop's synced orders and catalogue
    /// should decide.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unplaced: Vec<String>,
}

/// Clause numbers per token: sentences end at `.`, `!`, `?`, `;` and line breaks, but not
/// at the dot of an abbreviation («арт. 123», «р. 44»).
fn clauses(tokens: &[Token<'_>]) -> Vec<u16> {
    #[rustfmt::skip]
    const ABBREVIATIONS: &[&str] = &[
        "арт", "art", "р", "разм", "ул", "д", "кв", "г", "т", "тел", "им", "см", "мм", "кг", "стр",
        "шт", "руб", "ок", "т.е", "н", "пр", "пос", "обл",
    ];
    let mut out = Vec::with_capacity(tokens.len());
    let mut clause: u16 = 0;
    for (i, token) in tokens.iter().enumerate() {
        out.push(clause);
        let abbreviation = i.checked_sub(1).is_some_and(|p| {
            tokens[p].is_word() && ABBREVIATIONS.contains(&tokens[p].text.as_str())
        });
        // «12.11», «12.11.2026»: a dot inside a date.
        let in_number = i.checked_sub(1).is_some_and(|p| tokens[p].is_number())
            && tokens
                .get(i + 1)
                .is_some_and(|n| n.is_number() && !n.spaced && !token.spaced);
        let ends = token.is_punct("!?;\n") || (token.is_punct(".") && !abbreviation && !in_number);
        if ends {
            clause = clause.saturating_add(1);
        }
    }
    out
}

/// Dates and times are no sizes or ids: `12.05`, `12.05.2024`, `25/11`, `18:00`, `9.30`.
fn set_aside_dates(tokens: &[Token<'_>], used: &mut [bool]) {
    let mut i = 0;
    while i + 2 < tokens.len() {
        let (a, sep, b) = (&tokens[i], &tokens[i + 1], &tokens[i + 2]);
        let glued = !sep.spaced && !b.spaced;
        let date_or_time = a.is_number()
            && b.is_number()
            && glued
            && !a.is_decimal()
            && !b.is_decimal()
            && a.int_digits() <= 2
            && b.int_digits() == 2
            && match sep.text.as_str() {
                ":" => true,
                "." => a.value().is_some_and(|v| v <= 31.0) && b.value().is_some_and(|v| v <= 59.0),
                "/" => {
                    a.value().is_some_and(|v| v <= 31.0)
                        && b.value().is_some_and(|v| v <= 12.0)
                        && tokens
                            .get(i + 3)
                            .is_some_and(|t| t.is_punct("/.") && !t.spaced)
                }
                _ => false,
            };
        if date_or_time {
            used[i] = true;
            used[i + 2] = true;
            // The year of a full date.
            if tokens
                .get(i + 3)
                .is_some_and(|t| t.is_punct("./") && !t.spaced)
                && tokens.get(i + 4).is_some_and(Token::is_number)
            {
                used[i + 4] = true;
                i += 2;
            }
            i += 3;
        } else {
            i += 1;
        }
    }
}

/// Everything the rules find in one message. `asks` places numbers no word places; `sizing`
/// (the message asks about sizes, stock or an exchange) lets bare size-like numbers count.
pub fn extract(text: &str, asks: Asks, sizing: bool) -> Entities {
    let mut entities = Entities::default();
    let rest = ids::spans(text, &mut entities);
    let tokens = scan::tokens(&rest);
    let clause = clauses(&tokens);
    let mut used = vec![false; tokens.len()];
    set_aside_dates(&tokens, &mut used);
    entities.measurements = measurements::find(&tokens, &mut used, sizing);
    ids::numbers(&tokens, &clause, &mut used, asks, &mut entities);
    let context = sizes::Context {
        sizing,
        measured: !entities.measurements.is_empty(),
    };
    entities.size = sizes::find(&tokens, &clause, &used, &context);
    entities
}

#[cfg(test)]
mod tests;
