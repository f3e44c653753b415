//! Sizes: letters (S, M, XL, 2XL, and their Cyrillic lookalikes «ХЛ», «М») and numbers (44,
//! 37.5, children's 110) told apart from measurements, ages, prices, counts, dates and
//! addresses by the words around them.
//!
//! A number is a size when a word says so: «размер 44», «44 размер», «ношу 44», «кроссовки
//! 42», «46 маломерит», «поменять 46 на 48», «на размер больше 42». Numbers joined to a size
//! («42, 44 или 46», «от 44 до 46», «44–46», «48/50») are sizes too, and so is any size-like
//! number in a sentence that talks about sizes. Where a message asks about sizes, stock or an
//! exchange, a size-like number with nothing against it is taken as well.

use super::scan::Token;
use super::words::{
    CONNECTORS, EXCHANGE_WORDS, FIT_WORDS, NOT_SIZE_BEFORE, PRODUCTS, SIZE_ABBREVIATIONS,
    SIZE_WORDS, UNITS, WEAR_VERBS, is_in,
};

/// Letter sizes, lower case, Latin.
#[rustfmt::skip]
const LETTERS: &[&str] = &[
    "xxxs", "xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl", "xxxxl", "xxxxxl",
];

/// Words a shopper puts between «размер» and the number, or in a list of sizes.
#[rustfmt::skip]
const FILLERS: &[&str] = &[
    "у", "меня", "мне", "обычно", "всегда", "нужен", "нужна", "нужно", "нужны", "надо", "бы", "же",
    "тоже", "не", "был", "была", "было", "лучше", "точно", "именно", "мой", "моя", "самый", "на",
    "в", "с", "со", "по", "от", "до", "это", "примерно", "около", "где-то", "больше", "меньше",
    "побольше", "поменьше", "российский", "русский", "наш", "ваш", "ли", "есть", "брать", "беру",
    "взять", "уже", "na", "v", "u", "menya", "mne", "is", "my", "usually", "a", "the", "in",
    "bigger", "smaller", "larger",
];

/// A number left after one of these was no measurement («шапка на голову 56-58» is a range of
/// the sizes it fits), so it is a size.
const BODY_PARTS: &[&str] = &[
    "голов*",
    "груд*",
    "тали*",
    "бедр*",
    "бёдр*",
    "head",
    "chest",
    "waist",
];

/// Ordinal and case endings after a number: «46-й», «в 50-м», «46-го», «46-ға», «42 ni».
#[rustfmt::skip]
const SUFFIXES: &[&str] = &[
    "й", "м", "ом", "ой", "ый", "го", "ого", "ая", "ую", "ке", "ка", "ға", "ге", "га", "ни", "ti",
    "ni", "ga", "chi", "дан", "ден", "тан", "тен", "де", "да",
];

/// Words between a size and the word that judges it: «46 мне маловат», «42 уже жмёт».
#[rustfmt::skip]
const SOFT: &[&str] = &[
    "мне", "немного", "чуть", "слегка", "очень", "тоже", "был", "была", "были", "уже", "всё",
    "все", "же", "на",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    /// Never a size: a unit, an address, a price, a date.
    Not,
    /// A size-like number with no word for or against it.
    Open,
    /// A word around it says it is a size.
    Size,
}

struct Finder<'t, 'a> {
    tokens: &'t [Token<'a>],
    clause: &'t [u16],
    used: &'t [bool],
    /// Per token: a size found (normalised) or not.
    found: Vec<Option<String>>,
    /// Per clause: it has a word of exchange («поменять», «вместо»).
    exchange_clause: Vec<bool>,
}

fn word<'t>(token: Option<&'t Token<'_>>) -> Option<&'t str> {
    token.filter(|t| t.is_word()).map(|t| t.text.as_str())
}

/// A number's size form: `44`, `37.5`; `None` if no size could have that value.
/// `explicit`: a size word stands right by it, so children's sizes (50–176) count too.
fn numeric(token: &Token<'_>, explicit: bool) -> Option<String> {
    let value = token.value()?;
    let half = (value.fract() - 0.5).abs() < 1e-3;
    if token.is_decimal() {
        return (half && (15.0..=50.0).contains(&value)).then(|| format!("{value:.1}"));
    }
    let adult = (16.0..=72.0).contains(&value);
    let child = explicit && (50.0..=176.0).contains(&value);
    (adult || child).then(|| format!("{value:.0}"))
}

/// A word's letter size in Latin capitals, allowing Cyrillic lookalikes: «хл» → `XL`.
fn letters(raw: &str) -> Option<String> {
    // The longest, «xxxxxl», is six letters: twelve bytes in Cyrillic.
    if raw.len() > 12 {
        return None;
    }
    let latin: String = raw
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'х' => 'x',
            'л' => 'l',
            'м' => 'm',
            'с' => 's',
            c => c,
        })
        .collect();
    LETTERS
        .contains(&latin.as_str())
        .then(|| latin.to_uppercase())
}

impl Finder<'_, '_> {
    fn same_clause(&self, a: usize, b: usize) -> bool {
        self.clause.get(a).is_some()
            && self.clause.get(b).is_some()
            && self.clause[a] == self.clause[b]
    }

    fn word(&self, i: usize) -> Option<&str> {
        word(self.tokens.get(i))
    }

    /// Walks back from `i` over fillers, punctuation, list items and connectors; true if it
    /// reaches one of `words` within the clause.
    fn reaches_back(&self, i: usize, words: &[&str], steps: usize) -> bool {
        let mut j = i;
        for _ in 0..steps {
            let Some(prev) = j.checked_sub(1) else {
                return false;
            };
            j = prev;
            if !self.same_clause(i, j) {
                return false;
            }
            let token = &self.tokens[j];
            if token.is_word() && is_in(&token.text, words) {
                return true;
            }
            let passable = token.is_number()
                || token.is_punct(",:-–—/()")
                || (token.is_word()
                    && (is_in(&token.text, FILLERS)
                        || is_in(&token.text, CONNECTORS)
                        || is_in(&token.text, SUFFIXES)
                        || letters(token.raw).is_some()));
            if !passable {
                return false;
            }
        }
        false
    }

    /// The index after a number and its ordinal ending («46-й» → after «й»).
    fn past_suffix(&self, i: usize) -> usize {
        let mut j = i + 1;
        if self.tokens.get(j).is_some_and(|t| t.is_punct("-–")) && !self.tokens[j].spaced {
            if self.word(j + 1).is_some_and(|w| is_in(w, SUFFIXES)) {
                j += 2;
            }
        } else if self.tokens.get(j).is_some_and(|t| !t.spaced)
            && self.word(j).is_some_and(|w| is_in(w, SUFFIXES))
        {
            j += 1;
        }
        j
    }

    /// Words after a number (past its ending), up to `n`, skipping commas and «мне», «чуть».
    fn followed_by(&self, i: usize, words: &[&str], n: usize) -> bool {
        let mut j = self.past_suffix(i);
        let mut seen = 0;
        while seen < n {
            let Some(token) = self.tokens.get(j) else {
                return false;
            };
            if !self.same_clause(i, j) {
                return false;
            }
            if token.is_word() {
                if is_in(&token.text, words) {
                    return true;
                }
                if !is_in(&token.text, SOFT) {
                    seen += 1;
                }
            } else if !token.is_punct(",-–—") {
                return false;
            }
            j += 1;
        }
        false
    }

    /// What the words right around the number at `i` say against it being a size.
    fn against(&self, i: usize) -> bool {
        let tokens = self.tokens;
        let after = self.past_suffix(i);
        // A unit right after: «50 см», «45 рублей», «25 ноября», «3 года», «20-м году».
        if word(tokens.get(after)).is_some_and(|w| is_in(w, UNITS) || is_in(w, &["году", "годах"]))
        {
            return true;
        }
        if let Some(next) = tokens.get(i + 1) {
            if next.is_punct("%°\"″'′:") {
                return true;
            }
            // Dimensions: «172х205», «30x40», «2*3».
            if (next.is_punct("*×") || matches!(next.text.as_str(), "x" | "х"))
                && tokens.get(i + 2).is_some_and(Token::is_number)
            {
                return true;
            }
        }
        if let Some(prev) = i.checked_sub(1).map(|p| &tokens[p]) {
            if (prev.is_punct("*×№#+") || matches!(prev.text.as_str(), "x" | "х"))
                && (prev.is_punct("№#+") || i >= 2 && tokens[i - 2].is_number())
            {
                return true;
            }
            if prev.is_word() && is_in(&prev.text, NOT_SIZE_BEFORE) {
                return true;
            }
            // A capitalised Cyrillic word inside a sentence before a number: a street or a
            // town («на Ленина 45»), not a size.
            let inside = i >= 2 && self.same_clause(i - 2, i);
            if prev.is_word()
                && inside
                && prev.starts_upper()
                && !prev.is_upper()
                && prev
                    .raw
                    .chars()
                    .next()
                    .is_some_and(|c| ('\u{0400}'..='\u{04FF}').contains(&c))
                && !is_in(&prev.text, PRODUCTS)
                && !is_in(&prev.text, SIZE_WORDS)
                && !is_in(&prev.text, WEAR_VERBS)
            {
                return true;
            }
        }
        // A day of the month written as an ordinal without a size word: «25-го».
        let dated = after > i + 1
            && self
                .word(after - 1)
                .is_some_and(|w| matches!(w, "го" | "ого" | "е" | "ое"))
            && tokens[i].value().is_some_and(|v| v <= 31.0);
        dated && !self.followed_by(i, SIZE_WORDS, 1)
    }

    fn verdict(&self, i: usize) -> Verdict {
        if self.against(i) {
            return Verdict::Not;
        }
        let explicit = self.reaches_back(i, SIZE_WORDS, 2)
            || self.reaches_back(i, SIZE_ABBREVIATIONS, 2)
            || self.followed_by(i, SIZE_WORDS, 1);
        if explicit
            || self.reaches_back(i, SIZE_WORDS, 6)
            || self.reaches_back(i, WEAR_VERBS, 3)
            || self.followed_by(i, FIT_WORDS, 2)
            || self.product_before(i)
            || self.reaches_back(i, BODY_PARTS, 2)
            || self.exchanged(i)
        {
            return Verdict::Size;
        }
        Verdict::Open
    }

    /// «кроссовки 42», «платье на 42-44», «кроссовок мужских 43».
    fn product_before(&self, i: usize) -> bool {
        let mut j = i;
        for _ in 0..2 {
            let Some(prev) = j.checked_sub(1) else {
                return false;
            };
            j = prev;
            let Some(w) = self.word(j) else {
                return false;
            };
            if is_in(w, PRODUCTS) {
                return true;
            }
            if !matches!(w, "на" | "в" | "размера" | "размер")
                && !w.ends_with("ие")
                && !w.ends_with("ые")
                && !w.ends_with("ских")
                && !w.ends_with("ких")
            {
                return false;
            }
        }
        false
    }

    /// «поменять 46 на 44», «с 46 на 48», «прислали 42 вместо 44»: two size-like numbers
    /// around «на»/«вместо» in a sentence about an exchange.
    fn exchanged(&self, i: usize) -> bool {
        if !self.exchange_clause[usize::from(self.clause[i])] {
            return false;
        }
        let link = |j: usize| {
            self.word(j).is_some_and(|w| {
                matches!(
                    w,
                    "на" | "вместо" | "na" | "vmesto" | "for" | "instead" | "ga" | "га"
                )
            })
        };
        let size_like = |j: usize| {
            self.tokens.get(j).is_some_and(|t| {
                (t.is_number() && numeric(t, false).is_some())
                    || (t.is_word() && letters(t.raw).is_some())
            })
        };
        (link(i + 1) && size_like(i + 2)) || (i >= 2 && link(i - 1) && size_like(i - 2))
    }

    /// Single letters (s, m, l) and Cyrillic «М» need a size word, or a size next to them.
    fn letter(&self, i: usize) -> Option<String> {
        let token = &self.tokens[i];
        let size = letters(token.raw)?;
        let latin = token.raw.is_ascii();
        let single = size.len() == 1;
        // «2XL», «3xl»: the number belongs to it.
        if let Some(prev) = i.checked_sub(1).map(|p| &self.tokens[p])
            && prev.is_number()
            && !token.spaced
        {
            let n = prev.value()?;
            return (size.starts_with('X') && (2.0..=6.0).contains(&n) && !prev.is_decimal())
                .then(|| format!("{n:.0}{size}"));
        }
        if single {
            // «L'Oreal», «M.Video», «L-карнитин», «S&P».
            let next = self.tokens.get(i + 1);
            let glued = next.is_some_and(|t| {
                !t.spaced
                    && (t.is_punct("'.&")
                        || (t.is_punct("-")
                            && self.tokens.get(i + 2).is_some_and(|n| {
                                n.is_word() && letters(n.raw).is_none() && !n.spaced
                            })))
            });
            if glued || token.raw.chars().count() != 1 {
                return None;
            }
            let upper_latin = latin && token.is_upper();
            let named = self.reaches_back(i, SIZE_WORDS, 3);
            // Cyrillic «с» is the commonest preposition and «л» a litre: only «размер С» and
            // «размер л» (or «S или л») count. «М» is the lookalike shoppers really type.
            match token.text.as_str() {
                "с" if !(named && token.is_upper()) => return None,
                "л" if !(named || self.neighbour_letter(i)) => return None,
                _ => {}
            }
            let cued = named
                || self.reaches_back(i, WEAR_VERBS, 3)
                || self.neighbour_letter(i)
                || (self.reaches_back(i, EXCHANGE_WORDS, 3)
                    && self
                        .word(i.wrapping_sub(1))
                        .is_some_and(|w| matches!(w, "на" | "na" | "в" | "v")));
            if !(upper_latin || cued) {
                return None;
            }
            // «10 L», «купила 5 м»: litres and metres, unless «размер» vouches for it.
            if i.checked_sub(1).is_some_and(|p| self.tokens[p].is_number())
                && !self.reaches_back(i, SIZE_WORDS, 3)
            {
                return None;
            }
        }
        Some(size)
    }

    /// A multi-letter size («XL», «хл») joined to this one by a connector: «S или М».
    fn neighbour_letter(&self, i: usize) -> bool {
        let sure = |j: usize| {
            self.tokens
                .get(j)
                .filter(|t| t.is_word())
                .and_then(|t| letters(t.raw))
                .is_some_and(|s| {
                    s.len() > 1 || self.tokens[j].raw.is_ascii() && self.tokens[j].is_upper()
                })
        };
        let connector = |j: usize| {
            self.tokens
                .get(j)
                .is_some_and(|t| t.is_punct(",/-–") || (t.is_word() && is_in(&t.text, CONNECTORS)))
        };
        (connector(i + 1) && sure(i + 2)) || (i >= 2 && connector(i - 1) && sure(i - 2))
    }

    /// Whether the tokens at `a` and `b` (a < b) are joined as a list or a range.
    fn joined(&self, a: usize, b: usize) -> bool {
        if !self.same_clause(a, b) || b <= a {
            return false;
        }
        let between = &self.tokens[a + 1..b];
        let a_end = self.past_suffix(a);
        let between = if a_end > a + 1 && a_end <= b {
            &self.tokens[a_end..b]
        } else {
            between
        };
        match between {
            [] => false,
            [one] => one.is_punct(",/-–—") || (one.is_word() && is_in(&one.text, CONNECTORS)),
            [first, second] => {
                (first.is_punct(",") && second.is_word() && is_in(&second.text, CONNECTORS))
                    || (first.is_word()
                        && is_in(&first.text, CONNECTORS)
                        && second.is_word()
                        && is_in(&second.text, CONNECTORS))
            }
            _ => false,
        }
    }
}

/// What makes a message about sizes, beyond a size word next to a number.
pub struct Context {
    /// The message asks about sizes, stock or an exchange.
    pub sizing: bool,
    /// Measurements were found.
    pub measured: bool,
}

/// Two sizes are joined by at most two tokens after the first one's ending («46-й или 48»).
const JOIN_REACH: usize = 5;

fn near(i: usize, len: usize) -> std::ops::Range<usize> {
    i.saturating_sub(JOIN_REACH)..(i + JOIN_REACH + 1).min(len)
}

/// Sizes in text order, normalised: `XL`, `2XL`, `44`, `37.5`.
pub fn find(tokens: &[Token<'_>], clause: &[u16], used: &[bool], context: &Context) -> Vec<String> {
    // Most messages have no number: then only letter sizes are worth looking for.
    let numbers = tokens.iter().any(Token::is_number);
    let mut exchange_clause = vec![false; clause.last().map_or(0, |c| usize::from(*c) + 1)];
    for (i, token) in tokens.iter().enumerate() {
        if numbers && token.is_word() && is_in(&token.text, EXCHANGE_WORDS) {
            exchange_clause[usize::from(clause[i])] = true;
        }
    }
    let mut finder = Finder {
        tokens,
        clause,
        used,
        found: vec![None; tokens.len()],
        exchange_clause,
    };
    let mut open = Vec::new();
    for i in 0..tokens.len() {
        if finder.used[i] {
            continue;
        }
        let token = &tokens[i];
        if token.is_word() {
            if let Some(size) = finder.letter(i) {
                finder.found[i] = Some(size);
            }
            continue;
        }
        if !token.is_number() {
            continue;
        }
        // Is the next token a letter size glued to it («2XL»)? Then the letter takes it.
        if tokens
            .get(i + 1)
            .is_some_and(|t| !t.spaced && t.is_word() && letters(t.raw).is_some())
        {
            continue;
        }
        let explicit = finder.reaches_back(i, SIZE_WORDS, 4)
            || finder.reaches_back(i, SIZE_ABBREVIATIONS, 2)
            || finder.followed_by(i, SIZE_WORDS, 1);
        let Some(value) = numeric(token, explicit) else {
            continue;
        };
        match finder.verdict(i) {
            Verdict::Size => finder.found[i] = Some(value),
            Verdict::Open => open.push((i, value)),
            Verdict::Not => {}
        }
    }
    if open.is_empty() {
        return dedup(finder.found);
    }
    // Joined to a size, or in a sentence with one or with a size word: a size too. Passes go
    // forwards and backwards so a chain («44, 46, 48») resolves in a pass or two, and every
    // check looks only at near tokens: a long message costs linear time.
    let numeric_size = |size: &Option<String>| {
        size.as_ref()
            .is_some_and(|s| s.chars().all(|c| c.is_ascii_digit() || c == '.'))
    };
    let mut sizing_clause = vec![false; clause.last().map_or(0, |c| usize::from(*c) + 1)];
    for (i, token) in tokens.iter().enumerate() {
        if numeric_size(&finder.found[i]) || (token.is_word() && is_in(&token.text, SIZE_WORDS)) {
            sizing_clause[usize::from(clause[i])] = true;
        }
    }
    let mut pending: Vec<Option<String>> = vec![None; tokens.len()];
    for (i, value) in open {
        pending[i] = Some(value);
    }
    let mut forwards = true;
    loop {
        let mut changed = false;
        let order: Vec<usize> = if forwards {
            (0..tokens.len()).collect()
        } else {
            (0..tokens.len()).rev().collect()
        };
        for i in order {
            if pending[i].is_none() {
                continue;
            }
            let near = near(i, tokens.len())
                .any(|j| j != i && finder.found[j].is_some() && finder.joined(j.min(i), j.max(i)));
            if near || sizing_clause[usize::from(clause[i])] {
                finder.found[i] = pending[i].take();
                sizing_clause[usize::from(clause[i])] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
        forwards = !forwards;
    }
    // A message about sizes: a size-like number with nothing against it, or two joined
    // («на 44–46», «36 или 37»).
    let about_sizes = context.sizing
        || context.measured
        || finder.found.iter().any(Option::is_some)
        || tokens
            .iter()
            .any(|t| t.is_word() && (is_in(&t.text, SIZE_WORDS) || is_in(&t.text, FIT_WORDS)));
    if about_sizes {
        for i in 0..tokens.len() {
            if pending[i].is_none() {
                continue;
            }
            let paired = near(i, tokens.len())
                .any(|j| j != i && pending[j].is_some() && finder.joined(j.min(i), j.max(i)));
            let preposition = i
                .checked_sub(1)
                .and_then(|p| finder.word(p))
                .is_some_and(|w| {
                    matches!(
                        w,
                        "на" | "в" | "от" | "до" | "с" | "na" | "v" | "ot" | "do" | "for" | "in"
                    )
                });
            if context.sizing || paired || preposition || tokens[i].is_decimal() {
                finder.found[i] = pending[i].clone();
            }
        }
    }
    dedup(finder.found)
}

fn dedup(found: Vec<Option<String>>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for size in found.into_iter().flatten() {
        if !out.contains(&size) {
            out.push(size);
        }
    }
    out
}
