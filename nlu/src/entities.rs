//! Order numbers, articles, sizes, phones and e-mails, found by rules on the raw text.
//!
//! Spans are taken from the most specific pattern first (e-mail, posting number, phone) and
//! blanked, so a phone's digits never come back as an order number.

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Entities {
    /// WB order ids and Ozon posting numbers, as written (digits and dashes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub order_id: Vec<String>,
    /// WB nmID / Ozon SKU.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub article: Vec<String>,
    /// Letter sizes upper-cased (`XL`), numeric sizes as digits (`42`, `44-46`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub size: Vec<String>,
    /// Digits only, with the country prefix as written (`79998887766`, `89261230099`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub phone: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub email: Vec<String>,
    /// Numbers placed in `order_id` or `article` by their length alone, no word deciding: the
    /// shop's own data may say which they are.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unplaced: Vec<String>,
}

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("entity pattern {pattern:?}: {e}"))
}

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| regex(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}"));
static POSTING: LazyLock<Regex> = LazyLock::new(|| regex(r"\b\d{5,10}-\d{3,5}(?:-\d{1,3})?\b"));
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?:\+7|\b[78])[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}\b|\b9\d{2}[\s-]\d{3}[\s-]\d{2}[\s-]?\d{2}\b",
    )
});
static DIGITS: LazyLock<Regex> = LazyLock::new(|| regex(r"\b\d{6,13}\b"));
static ARTICLE_MARK: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)(?:\bарт|\bart\b|\bartikul|\bsku|\bnm\s*id|\bnmid|\bнм\b|код\w*\s+товар|карточк|\bartic)",
    )
});
static ORDER_MARK: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)(?:заказ|zakaz|№|\bномер|\bnomer|отправлен|otpravlen|посылк|posylk|\border|трек|trek)",
    )
});
/// Only these make a phone-shaped number an order: «номер» alone is as often a phone.
static STRONG_ORDER_MARK: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)(?:заказ|zakaz|отправлен|otpravlen|посылк|posylk|\border|трек|trek)\w*\s*(?:№|номер|nomer)?\s*$",
    )
});
static LETTER_SIZE: LazyLock<Regex> = LazyLock::new(|| regex(r"\b(?:[2-5]?X{1,4}[SL]|XS|S|M|L)\b"));
static LOWER_LETTER_SIZE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)(?:размер\w*|razmer\w*|р-р)\s+((?:[2-5]?x{1,4}[sl]|xs|s|m|l)(?:\s*(?:или|и|ili|i|/)\s*(?:[2-5]?x{1,4}[sl]|xs|s|m|l))?)\b",
    )
});
const NUMBER: &str = r"(\d{2}(?:[.,]5)?(?:\s*[-–/]\s*\d{2})?)";
static NUMERIC_SIZE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        // «размер 42», «размера 44-46», «р-р 38», «razmer 39», «размер у меня 48»
        format!(r"(?i)(?:размер\w*|razmer\w*|р-р|\bр\.|разм\.)\s*(?:[а-яa-z]+\s+){{0,2}}?{NUMBER}"),
        // «42 размер», «50-м размере», «39 razmer»
        format!(r"(?i){NUMBER}\s*(?:-?[а-яa-z]{{1,3}}\s+)?(?:размер|razmer|р-р)"),
        // «48 ношу», «обычно 46 носила»
        format!(r"(?i){NUMBER}\s+(?:нош|носи|nosh|nosi)\w*"),
        // «в 50-м», «на 42-й»
        format!(r"(?i)(?:\bв|\bна|\bv|\bna)\s+{NUMBER}-?(?:м|й|ом|ой|ый|m|i|om|oi)\b"),
        // «ношу 48», «пришло 48», «поменять на 42», «obmenyaite na 39», «пальто 52»
        format!(
            r"(?i)(?:нош\w*|носи\w*|nosh\w*|nosi\w*|пришл\w*|пришел|prishl\w*|заказывал\w*|zakazyval\w*|взял\w*|брал\w*|(?:поменя|обменя|замени|pomen|obmen|zamen)\w*\s+(?:\w+\s+)?(?:на|na)|(?:пальто|куртк|брюк|джинс|плать|кроссовк|ботинк|туфл|сапог|футболк|рубашк|свитер|кофт|пиджак|пуховик|юбк|костюм|шорт|кед|тапк|сандали|пижам|худи|толстовк)\w*)\s+{NUMBER}"
        ),
        // «S или 44»: a number right after a letter size
        format!(r"\b(?:[2-5]?X{{1,4}}[SL]|XS|S|M|L)\s*(?:или|и|ili|i|/|,)\s*{NUMBER}\b"),
    ]
    .iter()
    .map(|p| regex(p))
    .collect()
});
static SIZE_PAIR: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)\b(\d{2})\s*(?:или|и|ili|i|/|,)\s*(\d{2})\b"));
/// A number followed by one of these is a measurement or a count, not a size.
static UNIT: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)^\s*(?:см|cm|sm\b|кг|kg|лет|год|г\b|мм|mm|руб|р\b|₽|%|шт|дн|мин|час|тыс|штук|персон|мл|л\b|gb|гб|мес|let\b|god|rub|сантим|килогр|неде|ned)",
    )
});

fn blank(text: &mut String, start: usize, end: usize) {
    text.replace_range(start..end, &" ".repeat(end - start));
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !value.is_empty() && !list.contains(&value) {
        list.push(value);
    }
}

fn digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// The nearest marker before `at` within the same sentence, if any: an article or an order.
fn nearest_mark(text: &str, at: usize) -> Option<bool> {
    let sentence_start = text[..at].rfind(['.', '!', '?', '\n']).map_or(0, |i| i + 1);
    let window = &text[sentence_start..at];
    let article = ARTICLE_MARK.find_iter(window).last().map(|m| m.end());
    let order = ORDER_MARK.find_iter(window).last().map(|m| m.end());
    match (article, order) {
        (Some(a), Some(o)) => Some(a > o),
        (Some(_), None) => Some(true),
        (None, Some(_)) => Some(false),
        (None, None) => None,
    }
}

fn is_size_number(value: &str) -> bool {
    let first: String = value.chars().take_while(char::is_ascii_digit).collect();
    first.parse::<u32>().is_ok_and(|n| (16..=72).contains(&n))
}

fn sizes(text: &str, out: &mut Vec<String>) {
    for m in LETTER_SIZE.find_iter(text) {
        push_unique(out, m.as_str().to_owned());
    }
    for caps in LOWER_LETTER_SIZE.captures_iter(text) {
        if let Some(group) = caps.get(1) {
            for part in group.as_str().split(|c: char| !c.is_ascii_alphanumeric()) {
                let part = part.to_ascii_uppercase();
                if LETTER_SIZE.is_match(&part) {
                    push_unique(out, part);
                }
            }
        }
    }
    for pattern in NUMERIC_SIZE.iter() {
        for caps in pattern.captures_iter(text) {
            let Some(number) = caps.get(1) else { continue };
            if UNIT.is_match(&text[number.end()..]) || !is_size_number(number.as_str()) {
                continue;
            }
            let value: String = number
                .as_str()
                .chars()
                .filter(|c| !c.is_whitespace())
                .map(|c| match c {
                    '–' | '/' => '-',
                    ',' => '.',
                    c => c,
                })
                .collect();
            push_unique(out, value);
        }
    }
    // «размер 48 или 50»: a number right after a size already found is one too.
    for caps in SIZE_PAIR.captures_iter(text) {
        let (Some(first), Some(second)) = (caps.get(1), caps.get(2)) else {
            continue;
        };
        if out.iter().any(|s| s == first.as_str())
            && is_size_number(second.as_str())
            && !UNIT.is_match(&text[second.end()..])
        {
            push_unique(out, second.as_str().to_owned());
        }
    }
}

pub fn extract(text: &str) -> Entities {
    let mut entities = Entities::default();
    let mut rest = text.to_owned();

    for m in EMAIL.find_iter(text) {
        push_unique(&mut entities.email, m.as_str().to_lowercase());
        blank(&mut rest, m.start(), m.end());
    }
    let snapshot = rest.clone();
    for m in POSTING.find_iter(&snapshot) {
        push_unique(&mut entities.order_id, m.as_str().to_owned());
        blank(&mut rest, m.start(), m.end());
    }
    let snapshot = rest.clone();
    for m in PHONE.find_iter(&snapshot) {
        let value = digits(m.as_str());
        let plain_run = m.as_str().chars().all(|c| c.is_ascii_digit());
        if plain_run && STRONG_ORDER_MARK.is_match(&snapshot[..m.start()]) {
            continue; // «заказ 89012345678»: an order that happens to look like a phone
        }
        push_unique(&mut entities.phone, value);
        blank(&mut rest, m.start(), m.end());
    }
    let snapshot = rest.clone();
    for m in DIGITS.find_iter(&snapshot) {
        let value = m.as_str().to_owned();
        let is_article = match nearest_mark(&snapshot, m.start()) {
            Some(article) => article,
            None => {
                push_unique(&mut entities.unplaced, value.clone());
                value.len() < 10
            }
        };
        if is_article {
            push_unique(&mut entities.article, value);
        } else {
            push_unique(&mut entities.order_id, value);
        }
        blank(&mut rest, m.start(), m.end());
    }
    sizes(&rest, &mut entities.size);
    entities
}
