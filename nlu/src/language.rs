//! Which language a shopper writes in, so the assistant answers in it.

use serde::{Deserialize, Serialize};

/// Languages the assistant recognises (BCP-47 tags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Language {
    #[serde(rename = "ru")]
    Ru,
    #[serde(rename = "en")]
    En,
    #[serde(rename = "kk")]
    Kk,
    #[serde(rename = "uz-Latn")]
    UzLatn,
    #[serde(rename = "uz-Cyrl")]
    UzCyrl,
    #[serde(rename = "ky")]
    Ky,
    #[serde(rename = "hy")]
    Hy,
    #[serde(rename = "be")]
    Be,
}

impl Language {
    pub const ALL: [Language; 8] = [
        Language::Ru,
        Language::En,
        Language::Kk,
        Language::UzLatn,
        Language::UzCyrl,
        Language::Ky,
        Language::Hy,
        Language::Be,
    ];

    pub const fn as_str(self) -> &'static str {
        match self {
            Language::Ru => "ru",
            Language::En => "en",
            Language::Kk => "kk",
            Language::UzLatn => "uz-Latn",
            Language::UzCyrl => "uz-Cyrl",
            Language::Ky => "ky",
            Language::Hy => "hy",
            Language::Be => "be",
        }
    }

    pub fn parse(tag: &str) -> Option<Language> {
        Language::ALL.into_iter().find(|l| l.as_str() == tag)
    }
}

/// The language of `text`, or `None` when it carries no signal (digits, «ok», an emoji).
pub fn detect(text: &str) -> Option<Language> {
    let letters: Vec<char> = text.chars().filter(|c| c.is_alphabetic()).collect();
    if letters.len() < 3 {
        return None;
    }
    let armenian = letters
        .iter()
        .filter(|c| ('\u{0531}'..='\u{058F}').contains(*c))
        .count();
    if armenian * 2 > letters.len() {
        return Some(Language::Hy);
    }
    let cyrillic = letters
        .iter()
        .filter(|c| ('\u{0400}'..='\u{04FF}').contains(*c))
        .count();
    let lower = text.to_lowercase();
    if cyrillic * 2 > letters.len() {
        let has = |set: &str| lower.chars().any(|c| set.contains(c));
        return Some(if has("әғқұһі") && !has("ў") {
            Language::Kk
        } else if has("ўҳ") && has("қғ") {
            Language::UzCyrl
        } else if has("ўі") {
            Language::Be
        } else if has("ңөү") {
            Language::Ky
        } else {
            Language::Ru
        });
    }
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != 'ʻ')
        .filter(|w| !w.is_empty())
        .collect();
    let count = |list: &[&str]| words.iter().filter(|w| list.contains(w)).count();
    let english = count(&[
        "the", "is", "my", "where", "what", "when", "how", "can", "you", "i", "order", "it", "do",
        "does", "hello", "hi", "thanks", "thank", "please", "size", "return",
    ]);
    let uzbek = count(&[
        "qachon",
        "qayerda",
        "buyurtma",
        "buyurtmam",
        "rahmat",
        "salom",
        "qanday",
        "bormi",
        "kerak",
        "mening",
        "yoʻq",
        "yo'q",
        "qaytarish",
        "o'lcham",
        "oʻlcham",
    ]);
    let translit = count(&[
        "gde",
        "moi",
        "moy",
        "zakaz",
        "kogda",
        "spasibo",
        "zdravstvuite",
        "privet",
        "razmer",
        "skolko",
        "mozhno",
        "hochu",
        "vernut",
        "est",
        "net",
        "da",
    ]);
    if uzbek > english && uzbek >= translit {
        Some(Language::UzLatn)
    } else if english > translit {
        Some(Language::En)
    } else if translit > 0 {
        Some(Language::Ru)
    } else {
        None
    }
}
