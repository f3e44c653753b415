//! Which language a shopper writes in, so the assistant can answer in it.
//!
//! Script decides Armenian at once. Kazakh, Kyrgyz, Uzbek and Belarusian share Cyrillic with
//! Russian, and Uzbek, English and transliterated Russian share Latin, so every word votes:
//! letters only one language has (ә, ұ, ў, ҳ, oʻ …) vote strongly, frequent words of a
//! language (`language/words.rs`) vote for it, and a Cyrillic word nobody claims is Russian.
//! Shoppers often type without the special letters, which is why words count as much as
//! letters. The language with most votes wins; a message without enough signal (digits, «ok»,
//! an emoji, an order number) has none, and the caller keeps the conversation's language.

mod words;

use std::collections::HashMap;
use std::sync::LazyLock;

/// The languages the assistant tells apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    Ru,
    En,
    Kk,
    UzLatn,
    UzCyrl,
    Ky,
    Hy,
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

    /// The BCP-47 tag.
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

    /// A BCP-47 tag, matched without regard to case as the standard says.
    pub fn parse(tag: &str) -> Option<Language> {
        Language::ALL
            .into_iter()
            .find(|l| l.as_str().eq_ignore_ascii_case(tag.trim()))
    }

    /// Whether the intent model was trained on this language. The others are detected, so the
    /// assistant can answer in them, but their intents are guesses.
    pub const fn has_intents(self) -> bool {
        matches!(
            self,
            Language::Ru | Language::En | Language::Kk | Language::UzLatn | Language::UzCyrl
        )
    }

    const fn bit(self) -> u8 {
        1 << self as u8
    }
}

impl std::fmt::Display for Language {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Language {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Language {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let tag = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Language::parse(&tag)
            .ok_or_else(|| serde::de::Error::custom(format_args!("unknown language tag {tag:?}")))
    }
}

/// A vote for a word found in a language's word list.
const WORD: f32 = 1.5;
/// A vote for a letter only a few languages use.
const LETTER: f32 = 2.5;
/// A Cyrillic word no list claims: most likely Russian, but a Kazakh or Uzbek word the
/// lists miss looks the same, so it weighs less than a word found.
const UNCLAIMED_CYRILLIC: f32 = 0.6;
/// A Latin word no list claims, by its spelling (th, zh, q …).
const SPELLING: f32 = 0.4;
/// The language shows in a message's first words; a long one costs no more than this.
const MAX_WORDS: usize = 64;

/// Below this, the message says too little to name a language.
const ENOUGH: f32 = 0.6;

/// A word list: each word names the languages that use it. Entries ending in `*` match every
/// word that starts with them. Words are kept in their `plain` form, so text typed without a
/// language's own letters is found too.
struct Lexicon {
    exact: HashMap<String, u8>,
    /// Stems by their first letter, longest first.
    stems: HashMap<char, Vec<(String, u8)>>,
}

impl Lexicon {
    fn build(entries: impl IntoIterator<Item = (String, u8)>) -> Lexicon {
        let mut exact: HashMap<String, u8> = HashMap::new();
        let mut stems: Vec<(String, u8)> = Vec::new();
        for (entry, mask) in entries {
            match entry.strip_suffix('*') {
                Some(stem) => match stems.iter_mut().find(|(s, _)| s == stem) {
                    Some((_, m)) => *m |= mask,
                    None => stems.push((stem.to_owned(), mask)),
                },
                None => *exact.entry(entry).or_default() |= mask,
            }
        }
        // Longest stems first, so the most specific one answers.
        stems.sort_by_key(|(stem, _)| std::cmp::Reverse(stem.len()));
        let mut by_letter: HashMap<char, Vec<(String, u8)>> = HashMap::new();
        for (stem, mask) in stems {
            if let Some(first) = stem.chars().next() {
                by_letter.entry(first).or_default().push((stem, mask));
            }
        }
        Lexicon {
            exact,
            stems: by_letter,
        }
    }

    /// Every language that has the word, or the longest stem of it.
    fn find(&self, word: &str) -> u8 {
        let exact = self.exact.get(word).copied().unwrap_or(0);
        let stem = word
            .chars()
            .next()
            .and_then(|first| self.stems.get(&first))
            .and_then(|stems| {
                stems
                    .iter()
                    .find(|(stem, _)| word.starts_with(stem.as_str()))
            })
            .map_or(0, |(_, mask)| *mask);
        exact | stem
    }
}

fn is_apostrophe(c: char) -> bool {
    matches!(c, '\'' | 'ʻ' | 'ʼ' | '’' | '‘' | '`' | '´')
}

/// A word with the letters Russian lacks replaced by their nearest Russian ones, and Latin
/// apostrophes unified: how shoppers type without a Kazakh or Uzbek keyboard.
fn plain(word: &str) -> String {
    word.chars()
        .map(crate::text::lower)
        .map(|c| match c {
            'ә' => 'а',
            'ғ' => 'г',
            'қ' => 'к',
            'ң' => 'н',
            'ө' => 'о',
            'ұ' | 'ү' | 'ў' => 'у',
            'һ' | 'ҳ' => 'х',
            'і' => 'и',
            'ё' => 'е',
            c if is_apostrophe(c) => '\'',
            c => c,
        })
        .collect()
}

/// An Uzbek Latin word in Uzbek Cyrillic, in its `plain` form: `qachon` → `качон`.
fn uzbek_cyrillic(latin: &str) -> String {
    const PAIRS: [(&str, &str); 9] = [
        ("yo'", "йу"),
        ("o'", "у"),
        ("g'", "г"),
        ("sh", "ш"),
        ("ch", "ч"),
        ("yo", "е"),
        ("yu", "ю"),
        ("ya", "я"),
        ("ye", "е"),
    ];
    let mut out = String::with_capacity(latin.len() * 2);
    let mut rest = latin;
    while let Some(c) = rest.chars().next() {
        if let Some((from, to)) = PAIRS.iter().find(|(from, _)| rest.starts_with(from)) {
            out.push_str(to);
            rest = &rest[from.len()..];
            continue;
        }
        let letter = match c {
            'a' => "а",
            'b' => "б",
            'd' => "д",
            'e' if out.is_empty() => "э",
            'e' => "е",
            'f' => "ф",
            'g' => "г",
            'h' | 'x' => "х",
            'i' => "и",
            'j' => "ж",
            'k' | 'q' => "к",
            'l' => "л",
            'm' => "м",
            'n' => "н",
            'o' => "о",
            'p' => "п",
            'r' => "р",
            's' => "с",
            't' => "т",
            'u' => "у",
            'v' => "в",
            'y' => "й",
            'z' => "з",
            '\'' => "ъ",
            '*' => "*",
            '-' => "-",
            _ => "",
        };
        out.push_str(letter);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn entries(
    list: &'static [&'static str],
    language: Language,
) -> impl Iterator<Item = (String, u8)> {
    list.iter().map(move |w| (plain(w), language.bit()))
}

static CYRILLIC_WORDS: LazyLock<Lexicon> = LazyLock::new(|| {
    Lexicon::build(
        entries(words::RU, Language::Ru)
            .chain(entries(words::KK, Language::Kk))
            .chain(entries(words::KY, Language::Ky))
            .chain(entries(words::BE, Language::Be))
            .chain(
                words::UZ
                    .iter()
                    .map(|w| (uzbek_cyrillic(&plain(w)), Language::UzCyrl.bit())),
            ),
    )
});

/// The transliteration of a Russian word, or stem, in the canonical spelling.
fn transliterated(word: &str) -> String {
    match word.strip_suffix('*') {
        Some(stem) => format!("{}*", crate::text::canonical(stem)),
        None => crate::text::canonical(word),
    }
}

static LATIN_WORDS: LazyLock<Lexicon> = LazyLock::new(|| {
    let english: Vec<(String, u8)> = entries(words::EN, Language::En).collect();
    // Short transliterations that are English words too («no», «to», «on») say nothing.
    let russian: Vec<(String, u8)> = words::RU
        .iter()
        .map(|w| transliterated(w))
        .filter(|w| w.len() > 1 && !english.iter().any(|(e, _)| e == w))
        .map(|w| (w, Language::Ru.bit()))
        .collect();
    Lexicon::build(
        english
            .into_iter()
            .chain(entries(words::UZ, Language::UzLatn))
            .chain(russian),
    )
});

/// Words that say nothing about the language: sizes, marketplaces, «ok», loanwords.
static NEUTRAL: LazyLock<Lexicon> =
    LazyLock::new(|| Lexicon::build(words::NEUTRAL.iter().map(|w| (plain(w), 1))));

#[derive(Default)]
struct Votes([f32; 8]);

impl Votes {
    fn add(&mut self, mask: u8, weight: f32) {
        for language in Language::ALL {
            if mask & language.bit() != 0 {
                self.0[language as usize] += weight;
            }
        }
    }
}

/// The languages a Cyrillic word's own letters allow, if it has letters Russian lacks.
fn cyrillic_letters(word: &str) -> Option<u8> {
    use Language::{Be, Kk, Ky, UzCyrl};
    let mut allowed = u8::MAX;
    let mut special = false;
    for c in word.chars() {
        let mask = match c {
            'ә' | 'ұ' | 'һ' => Kk.bit(),
            'ғ' | 'қ' => Kk.bit() | UzCyrl.bit(),
            'ң' | 'ө' | 'ү' => Kk.bit() | Ky.bit(),
            'і' => Kk.bit() | Be.bit(),
            'ў' => UzCyrl.bit() | Be.bit(),
            'ҳ' => UzCyrl.bit(),
            _ => continue,
        };
        special = true;
        allowed &= mask;
    }
    // Kazakh and Uzbek share қ and ғ, but Uzbek Cyrillic has no ы or і: «қалды» is Kazakh.
    if allowed == Kk.bit() | UzCyrl.bit() && word.contains(['ы', 'і']) {
        allowed = Kk.bit();
    }
    // Letters of two alphabets in one word (a typo, or a mixed keyboard): trust none of them
    // more than the others.
    special.then_some(if allowed == 0 { u8::MAX } else { allowed })
}

/// English and transliterated Russian spellings that a word list may not hold.
fn latin_spelling(word: &str) -> Option<Language> {
    const ENGLISH: [&str; 10] = ["th", "wh", "ght", "tion", "ee", "oo", "ea", "ou", "ck", "w"];
    const RUSSIAN: [&str; 8] = ["zh", "kh", "shch", "ts", "iy", "yi", "aya", "yu"];
    let english = ENGLISH.iter().any(|p| word.contains(p)) || word.ends_with("ing");
    let russian = RUSSIAN.iter().any(|p| word.contains(p))
        || ["ogo", "ego", "oi", "ii", "it", "at", "ut"]
            .iter()
            .any(|s| word.ends_with(s) && word.len() > 4);
    match (english, russian) {
        (true, false) => Some(Language::En),
        (false, true) => Some(Language::Ru),
        _ => None,
    }
}

/// Uzbek Latin letters: oʻ and gʻ (with any apostrophe), and q not followed by u.
fn uzbek_latin_letters(word: &str) -> bool {
    let mut chars = word.chars().peekable();
    while let Some(c) = chars.next() {
        let next = chars.peek().copied();
        let apostrophe_after = next.is_some_and(is_apostrophe);
        if (matches!(c, 'o' | 'g') && apostrophe_after) || (c == 'q' && next != Some('u')) {
            return true;
        }
    }
    false
}

fn is_armenian(c: char) -> bool {
    ('\u{0531}'..='\u{058F}').contains(&c) || ('\u{FB13}'..='\u{FB17}').contains(&c)
}

fn is_cyrillic(c: char) -> bool {
    ('\u{0400}'..='\u{04FF}').contains(&c)
}

/// The language of a message, or `None` when it carries too little to tell.
pub fn detect(text: &str) -> Option<Language> {
    let mut votes = Votes::default();
    let mut word = String::new();
    let mut words = 0;
    for c in text.chars().chain([' ']) {
        if crate::entities::is_letter(c) || (is_apostrophe(c) && !word.is_empty()) {
            word.push(c);
        } else if !word.is_empty() {
            vote(word.trim_end_matches(is_apostrophe), &mut votes);
            word.clear();
            words += 1;
            if words == MAX_WORDS {
                break;
            }
        }
    }
    let mut ranked = Language::ALL.map(|l| (l, votes.0[l as usize]));
    ranked.sort_by(|a, b| b.1.total_cmp(&a.1));
    let (best, score) = ranked[0];
    (score >= ENOUGH && score > ranked[1].1).then_some(best)
}

/// The word in lower case, its own letters kept (unlike `plain`).
fn key_letters(word: &str) -> String {
    word.chars().map(crate::text::lower).collect()
}

fn vote(word: &str, votes: &mut Votes) {
    let Some(first) = word.chars().next() else {
        return;
    };
    if is_armenian(first) {
        votes.add(Language::Hy.bit(), LETTER);
        return;
    }
    let key = plain(word);
    if NEUTRAL.find(&key) != 0 {
        return;
    }
    if is_cyrillic(first) {
        let letters = cyrillic_letters(&key_letters(word));
        if let Some(mask) = letters {
            votes.add(mask, LETTER);
        }
        let found = CYRILLIC_WORDS.find(&key);
        if found != 0 {
            votes.add(found, WORD);
        } else if letters.is_none() && key.chars().count() > 1 {
            votes.add(Language::Ru.bit(), UNCLAIMED_CYRILLIC);
        }
        return;
    }
    // One Latin letter («a», «i», «u») is a word in too many of the languages.
    if !first.is_ascii_alphabetic() || key.len() < 2 {
        return;
    }
    if uzbek_latin_letters(&key) {
        votes.add(Language::UzLatn.bit(), LETTER);
    }
    let mut found = LATIN_WORDS.find(&key);
    if found == 0 {
        // Transliterated Russian is spelt many ways («moy», «moi»; «zhdu», «jdu»); the list
        // holds the canonical spelling.
        found = LATIN_WORDS.find(&crate::text::canonical(&key)) & Language::Ru.bit();
    }
    if found != 0 {
        votes.add(found, WORD);
    } else if let Some(language) = latin_spelling(&key) {
        votes.add(language.bit(), SPELLING);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_round_trip() {
        for language in Language::ALL {
            assert_eq!(Language::parse(language.as_str()), Some(language));
            let json = serde_json::to_string(&language).expect("a tag");
            assert_eq!(json, format!("\"{}\"", language.as_str()));
            assert_eq!(
                serde_json::from_str::<Language>(&json).expect("a tag"),
                language
            );
        }
        assert_eq!(Language::parse("UZ-LATN"), Some(Language::UzLatn));
        assert_eq!(Language::parse("de"), None);
    }

    #[track_caller]
    fn check(text: &str, expected: Option<Language>) {
        assert_eq!(detect(text), expected, "{text:?}");
    }

    #[test]
    fn no_signal_keeps_the_previous_language() {
        for text in [
            "",
            "ok",
            "OK",
            "ок",
            "👍",
            "🙏🙏",
            "4820193756",
            "???",
            "12345678-0001-1",
            "XL",
        ] {
            check(text, None);
        }
    }

    #[test]
    fn russian_in_either_script() {
        check("Где мой заказ?", Some(Language::Ru));
        check("gde moi zakaz", Some(Language::Ru));
        check("skolko stoit dostavka", Some(Language::Ru));
        check("pozhalujsta otmenite zakaz", Some(Language::Ru));
        check("Hello, где мой заказ?", Some(Language::Ru));
    }

    #[test]
    fn english() {
        check("Where is my order?", Some(Language::En));
        check("Hi, my заказ hasn't arrived yet", Some(Language::En));
        check("Is this coat waterproof?", Some(Language::En));
    }

    #[test]
    fn turkic_languages_with_and_without_their_letters() {
        check("Тапсырысым қашан келеді?", Some(Language::Kk));
        check("Салеметсиз бе, тапсырысым кайда?", Some(Language::Kk));
        check("Буйрутмам качан келет?", Some(Language::Ky));
        check("Буюртмам қаерда?", Some(Language::UzCyrl));
        check("Буюртмам каерда?", Some(Language::UzCyrl));
        check("Buyurtmam qachon keladi?", Some(Language::UzLatn));
        check(
            "Mahsulotni qanday qaytarsam bo'ladi?",
            Some(Language::UzLatn),
        );
        check("rahmat", Some(Language::UzLatn));
    }

    #[test]
    fn belarusian_and_armenian() {
        check("Дзякуй, усё зразумела", Some(Language::Be));
        check("Дзе мая замова?", Some(Language::Be));
        check("Որտե՞ղ է իմ պատվերը", Some(Language::Hy));
    }
}
