//! E-mails, links, posting numbers, phones, and long numbers as orders or articles.
//!
//! Whether a number is an order or an article is said by the words around it: «артикул»,
//! «арт.», nmID, SKU, «товар», a product's name make an article; «заказ», «отправление»,
//! «посылка», a tracking number make an order. A number with nothing around it is placed by
//! what the message asks (where is it → an order; is it in stock → an article), else by its
//! length, and listed in `unplaced` so the assistant can check it against the shop's data.

use std::sync::LazyLock;

use regex::Regex;

use super::Entities;
use super::scan::Token;
use super::words::{ARTICLE_MARKS, ORDER_MARKS, ORDER_VERBS, PRODUCTS, is_in};

fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).unwrap_or_else(|e| panic!("entity pattern {pattern:?}: {e}"))
}

static EMAIL: LazyLock<Regex> =
    LazyLock::new(|| regex(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}"));
static URL: LazyLock<Regex> = LazyLock::new(|| {
    regex(r"(?i)\b(?:https?://|www\.)\S+|\b(?:[a-z0-9-]+\.)+(?:ru|com|kz|uz|by|am|kg)/\S*")
});
/// A WB card (`/catalog/123456789/`) or an Ozon product (`/product/name-123456789/`).
static URL_ARTICLE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)(?:/catalog/|/product/(?:[^/\s]*-)?|/t/|nm=)(\d{5,13})\b"));
static POSTING: LazyLock<Regex> = LazyLock::new(|| regex(r"\b\d{5,10}-\d{3,5}(?:-\d{1,3})?\b"));
/// An Ozon number read out with spaces for dashes (voice input): «12345678 0013 1».
static SPACED_POSTING: LazyLock<Regex> =
    LazyLock::new(|| regex(r"\b(\d{8})[ \u{a0}](\d{4})(?:[ \u{a0}](\d{1,2}))?\b"));
static PHONE: LazyLock<Regex> = LazyLock::new(|| {
    regex(concat!(
        // Russia and Kazakhstan: +7 / 8, ten digits
        r"(?:\+7|\b[78])[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}\b",
        // a mobile number without the prefix, grouped: 916 555-44-33
        r"|\b9\d{2}[\s-]\d{3}[\s-]\d{2}[\s-]?\d{2}\b",
        // Uzbekistan, Kyrgyzstan, Armenia, Belarus and neighbours
        r"|\+?\b(?:998|996|374|375|992|993|994|995)[\s(-]*\d{2,3}[\s)-]*\d{2,3}[\s-]*\d{2,3}[\s-]*\d{2,3}\b",
    ))
});
/// A phone-shaped run right after one of these is an order or an article («заказ 89012345678»).
static MARK_BEFORE: LazyLock<Regex> = LazyLock::new(|| {
    regex(
        r"(?i)(?:заказ\w*|zakaz\w*|отправлен\w*|посылк\w*|трек\w*|order|артикул\w*|арт\.?|sku|nm\s*id)\s*(?:№|номер|nomer|#|:)?\s*$",
    )
});

/// A long number typed in groups, as people read one out: «1456 789 014».
static GROUPED: LazyLock<Regex> = LazyLock::new(|| regex(r"\b\d{1,4}(?:[ \u{a0}]\d{3}){2,3}\b"));
/// An article mark right before a grouped number makes it an article; any other mark an order.
static ARTICLE_BEFORE: LazyLock<Regex> =
    LazyLock::new(|| regex(r"(?i)(?:артикул\w*|арт\.?|sku|nm\s*id)\s*(?:№|номер|nomer|#|:)?\s*$"));

fn blank(text: &mut String, start: usize, end: usize) {
    text.replace_range(start..end, &" ".repeat(end - start));
}

pub fn push_unique(list: &mut Vec<String>, value: String) {
    if !value.is_empty() && !list.contains(&value) {
        list.push(value);
    }
}

/// Takes e-mails, links, posting numbers and phones out of the text: fills them in and
/// returns the text with their spans blanked, byte offsets unchanged.
pub fn spans(text: &str, entities: &mut Entities) -> String {
    let mut rest = text.to_owned();
    for m in EMAIL.find_iter(text) {
        push_unique(&mut entities.email, m.as_str().to_lowercase());
        blank(&mut rest, m.start(), m.end());
    }
    let snapshot = rest.clone();
    for m in URL.find_iter(&snapshot) {
        if let Some(article) = URL_ARTICLE.captures(m.as_str()).and_then(|c| c.get(1)) {
            push_unique(&mut entities.article, article.as_str().to_owned());
        }
        blank(&mut rest, m.start(), m.end());
    }
    let snapshot = rest.clone();
    for m in POSTING.find_iter(&snapshot) {
        push_unique(&mut entities.order_id, m.as_str().to_owned());
        blank(&mut rest, m.start(), m.end());
    }
    // Three groups are a posting's shape alone; two («12345678 0013», an order) only after a
    // word that names an order.
    let snapshot = rest.clone();
    for c in SPACED_POSTING.captures_iter(&snapshot) {
        let (Some(whole), Some(order), Some(shipment)) = (c.get(0), c.get(1), c.get(2)) else {
            continue;
        };
        let posting = c.get(3);
        if posting.is_none() && !MARK_BEFORE.is_match(&snapshot[..whole.start()]) {
            continue;
        }
        let number = match posting {
            Some(posting) => format!(
                "{}-{}-{}",
                order.as_str(),
                shipment.as_str(),
                posting.as_str()
            ),
            None => format!("{}-{}", order.as_str(), shipment.as_str()),
        };
        push_unique(&mut entities.order_id, number);
        blank(&mut rest, whole.start(), whole.end());
    }
    let snapshot = rest.clone();
    for m in PHONE.find_iter(&snapshot) {
        let plain_run = m.as_str().chars().all(|c| c.is_ascii_digit());
        if plain_run && MARK_BEFORE.is_match(&snapshot[..m.start()]) {
            continue; // «заказ 89012345678»: an order that happens to look like a phone
        }
        push_unique(
            &mut entities.phone,
            m.as_str().chars().filter(char::is_ascii_digit).collect(),
        );
        blank(&mut rest, m.start(), m.end());
    }
    // Only after a word that names it: grouped digits alone may be a price or a list.
    let snapshot = rest.clone();
    for m in GROUPED.find_iter(&snapshot) {
        let before = &snapshot[..m.start()];
        let digits: String = m.as_str().chars().filter(char::is_ascii_digit).collect();
        if !(8..=13).contains(&digits.len()) || !MARK_BEFORE.is_match(before) {
            continue;
        }
        let list = if ARTICLE_BEFORE.is_match(before) {
            &mut entities.article
        } else {
            &mut entities.order_id
        };
        push_unique(list, digits);
        blank(&mut rest, m.start(), m.end());
    }
    rest
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Order,
    Article,
}

/// What a message asks, as far as placing a bare number goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asks {
    AboutAnOrder,
    AboutAProduct,
    Unclear,
}

/// Currencies and counts: a long number before one is a price or a quantity.
#[rustfmt::skip]
const AMOUNT_AFTER: &[&str] = &[
    "руб*", "р", "₽", "тг", "тенге", "сум", "so'm", "som", "сўм", "сом", "usd", "eur", "kzt",
    "uzs", "тыс*", "драм*", "шт", "штук*", "rub*", "бонус*", "балл*",
];

fn word_at<'t>(tokens: &'t [Token<'_>], i: usize) -> Option<&'t str> {
    tokens
        .get(i)
        .filter(|t| t.is_word())
        .map(|t| t.text.as_str())
}

/// A product name or «товар» this close before a number makes it the product's article.
const PRODUCT_REACH: usize = 2;
/// An explicit «артикул»/«заказ» reaches this far.
const MARK_REACH: usize = 8;

/// The place the words around `i` give it, within its clause.
fn context(tokens: &[Token<'_>], clause: &[u16], i: usize) -> Option<Place> {
    let mut words = 0;
    for j in (0..i).rev() {
        if clause[j] != clause[i] {
            break;
        }
        let Some(word) = word_at(tokens, j) else {
            continue;
        };
        if is_in(word, ARTICLE_MARKS) && words < MARK_REACH {
            return Some(Place::Article);
        }
        if is_in(word, ORDER_MARKS) && words < MARK_REACH {
            return Some(Place::Order);
        }
        if is_in(word, PRODUCTS) && words < PRODUCT_REACH {
            return Some(Place::Article);
        }
        if is_in(word, ORDER_VERBS) && words == 0 {
            return Some(Place::Order);
        }
        words += 1;
        if words >= MARK_REACH {
            break;
        }
    }
    // After it: «182736451 — это артикул», «3928174650 где этот заказ»; up to the next number,
    // whose mark that would be.
    let mut words = 0;
    for j in i + 1..tokens.len() {
        if clause[j] != clause[i] || tokens[j].is_number() || words >= 4 {
            break;
        }
        let Some(word) = word_at(tokens, j) else {
            continue;
        };
        if is_in(word, ARTICLE_MARKS) && !is_in(word, &["модел*", "model*", "позици*"]) {
            return Some(Place::Article);
        }
        if is_in(word, ORDER_MARKS) {
            return Some(Place::Order);
        }
        words += 1;
    }
    None
}

/// Long numbers as orders or articles. Marks the tokens taken in `used`.
pub fn numbers(
    tokens: &[Token<'_>],
    clause: &[u16],
    used: &mut [bool],
    asks: Asks,
    entities: &mut Entities,
) {
    for i in 0..tokens.len() {
        let token = &tokens[i];
        if used[i] || !token.is_number() || token.is_decimal() {
            continue;
        }
        let digits = token.int_digits();
        if !(5..=13).contains(&digits) {
            continue;
        }
        if word_at(tokens, i + 1).is_some_and(|w| is_in(w, AMOUNT_AFTER))
            || tokens.get(i + 1).is_some_and(|t| t.is_punct("₽$€%"))
            || tokens
                .get(i.wrapping_sub(1))
                .is_some_and(|t| t.is_punct("+$€"))
        {
            continue;
        }
        let value = token.text.clone();
        let place = match context(tokens, clause, i) {
            Some(place) => place,
            // Five digits are a number worth reading only when a word names it.
            None if digits < 6 => continue,
            None => {
                push_unique(&mut entities.unplaced, value.clone());
                match asks {
                    Asks::AboutAnOrder => Place::Order,
                    Asks::AboutAProduct => Place::Article,
                    // WB and Ozon order numbers are ten digits and more; articles fewer.
                    Asks::Unclear if digits >= 10 => Place::Order,
                    Asks::Unclear => Place::Article,
                }
            }
        };
        used[i] = true;
        match place {
            Place::Order => push_unique(&mut entities.order_id, value),
            Place::Article => push_unique(&mut entities.article, value),
        }
    }
}
