//! What the assistant says, in each language it speaks: Fluent message catalogues under
//! `workers/locales/`, one file per language, loaded once. Templates never build a sentence
//! from another language's words; a language without a catalogue is answered in Russian.

use std::collections::HashMap;
use std::sync::LazyLock;

use chrono::{Datelike, NaiveDate};
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use otklik_nlu::Language;

use super::state::State;

/// The catalogues, by the language each is written in; Russian first.
const SOURCES: [(Language, &str); 4] = [
    (Language::Ru, include_str!("../../locales/ru.ftl")),
    (Language::En, include_str!("../../locales/en.ftl")),
    (Language::Kk, include_str!("../../locales/kk.ftl")),
    (Language::UzLatn, include_str!("../../locales/uz.ftl")),
];

type Bundle = FluentBundle<FluentResource>;

static BUNDLES: LazyLock<HashMap<Language, Bundle>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(language, source)| (*language, bundle(*language, source)))
        .collect()
});

/// A catalogue that does not parse is a build defect: the unit tests load every one.
fn bundle(language: Language, source: &str) -> Bundle {
    let resource = FluentResource::try_new(source.to_owned())
        .unwrap_or_else(|(_, errors)| panic!("{} catalogue: {errors:?}", language.as_str()));
    let tag = match language {
        Language::UzLatn => "uz",
        other => other.as_str(),
    };
    let id = tag
        .parse()
        .unwrap_or_else(|e| panic!("language tag {tag}: {e}"));
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Isolation marks are for mixed-direction UIs; in a chat they are stray characters.
    bundle.set_use_isolating(false);
    bundle
        .add_resource(resource)
        .unwrap_or_else(|errors| panic!("{} catalogue: {errors:?}", language.as_str()));
    bundle
}

/// The language a reply is written in: a shopper's language when the assistant has a catalogue
/// for it, Uzbek in either script.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Speech {
    language: Language,
}

impl Default for Speech {
    fn default() -> Self {
        Self::RUSSIAN
    }
}

impl Speech {
    pub const RUSSIAN: Speech = Speech {
        language: Language::Ru,
    };

    /// The catalogue for `language`, if the assistant speaks it.
    pub fn of(language: Language) -> Option<Speech> {
        let catalogued = match language {
            Language::UzCyrl => Language::UzLatn,
            other => other,
        };
        BUNDLES
            .contains_key(&catalogued)
            .then_some(Speech { language })
    }

    pub fn language(self) -> Language {
        self.language
    }

    fn bundle(self) -> &'static Bundle {
        let catalogued = match self.language {
            Language::UzCyrl => Language::UzLatn,
            other => other,
        };
        BUNDLES
            .get(&catalogued)
            .or_else(|| BUNDLES.get(&Language::Ru))
            .unwrap_or_else(|| panic!("the Russian catalogue is always loaded"))
    }

    /// «14 ноября» in this language.
    pub fn day_month(self, date: NaiveDate) -> String {
        self.text(
            "date-day-month",
            &[
                ("day", Arg::Count(i64::from(date.day()))),
                ("month", Arg::Count(i64::from(date.month()))),
            ],
        )
    }

    /// The message `id` with `args`. A missing message is a defect the catalogue tests catch;
    /// at run time it reads as the Russian one rather than as nothing.
    pub fn text(self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        if self.language != Language::UzCyrl {
            return self.format(id, args);
        }
        // Only the catalogue's own words change script: the values — product names, order and
        // tracking numbers, addresses, pieces already said in Cyrillic — go in as they are.
        let marks: Vec<String> = (0..args.len())
            .map(|i| format!("\u{E000}{i}\u{E001}"))
            .collect();
        let masked: Vec<(&str, Arg<'_>)> = args
            .iter()
            .zip(&marks)
            .map(|((name, value), mark)| match value {
                Arg::Count(n) => (*name, Arg::Count(*n)),
                Arg::Text(_) | Arg::Owned(_) => (*name, Arg::Text(mark)),
            })
            .collect();
        let mut text = uzbek_cyrillic(&self.format(id, &masked));
        for ((_, value), mark) in args.iter().zip(&marks) {
            if let Some(value) = value.text() {
                text = text.replace(mark.as_str(), value);
            }
        }
        text
    }

    fn format(self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            fluent_args.set(*name, value.fluent());
        }
        format_in(self.bundle(), id, &fluent_args)
            .or_else(|| format_in(Speech::RUSSIAN.bundle(), id, &fluent_args))
            .unwrap_or_else(|| {
                tracing::error!(message = id, "a catalogue message is missing");
                String::new()
            })
    }

    /// How many wordings the family `family` has (`family-1`, `family-2`, …).
    fn variants(self, family: &str) -> usize {
        let bundle = self.bundle();
        (1..)
            .take_while(|n| bundle.has_message(&format!("{family}-{n}")))
            .count()
    }

    /// A wording of `family` not yet said in this conversation (or the least recently said),
    /// and the key to remember it by.
    pub fn vary(self, state: &State, family: &str, args: &[(&str, Arg<'_>)]) -> (String, String) {
        let count = self.variants(family).max(1);
        let index = pick(state, family, count);
        let text = if self.variants(family) == 0 {
            self.text(family, args)
        } else {
            self.text(&format!("{family}-{}", index + 1), args)
        };
        (text, format!("{family}:{index}"))
    }
}

fn format_in(bundle: &Bundle, id: &str, args: &FluentArgs<'_>) -> Option<String> {
    let pattern = bundle.get_message(id)?.value()?;
    let mut errors = Vec::new();
    let text = bundle.format_pattern(pattern, Some(args), &mut errors);
    if !errors.is_empty() {
        tracing::error!(
            message = id,
            ?errors,
            "a catalogue message did not format cleanly"
        );
    }
    Some(text.into_owned())
}

/// Picks a variant not yet said in this conversation (or the least recently said).
pub fn pick(state: &State, family: &str, count: usize) -> usize {
    let key = |i: usize| format!("{family}:{i}");
    (0..count)
        .find(|i| !state.said.contains(&key(*i)))
        .unwrap_or_else(|| {
            (0..count)
                .min_by_key(|i| state.said.iter().rposition(|k| *k == key(*i)).unwrap_or(0))
                .unwrap_or(0)
        })
}

/// A value a message is formatted with: text as it is, or a count that selects plural forms.
#[derive(Debug, Clone)]
pub enum Arg<'a> {
    Text(&'a str),
    Owned(String),
    Count(i64),
}

impl Arg<'_> {
    fn fluent(&self) -> FluentValue<'_> {
        match self {
            Arg::Text(text) => FluentValue::from(*text),
            Arg::Owned(text) => FluentValue::from(text.as_str()),
            Arg::Count(n) => FluentValue::from(*n),
        }
    }

    fn text(&self) -> Option<&str> {
        match self {
            Arg::Text(text) => Some(text),
            Arg::Owned(text) => Some(text),
            Arg::Count(_) => None,
        }
    }
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(text: &'a str) -> Self {
        Arg::Text(text)
    }
}

impl<'a> From<&'a String> for Arg<'a> {
    fn from(text: &'a String) -> Self {
        Arg::Text(text)
    }
}

impl From<String> for Arg<'_> {
    fn from(text: String) -> Self {
        Arg::Owned(text)
    }
}

impl From<i64> for Arg<'_> {
    fn from(n: i64) -> Self {
        Arg::Count(n)
    }
}

/// Marketplace names keep their spelling in either script, as shoppers see them in the apps.
const KEPT: [&str; 2] = ["Wildberries", "Ozon"];

/// How the ʻ of oʻ and gʻ is typed: the modifier letter, or the apostrophes that stand in for it.
const OKINA: [char; 4] = ['ʻ', '\'', '‘', '’'];

/// Loanwords whose Cyrillic spelling keeps the Russian one: the word alone, and as a stem
/// before an ending (`noyabr` → `ноябрь`, `sentabrgacha` → `сентябргача`).
const LOANWORDS: [(&str, &str, &str); 10] = [
    ("yanvar", "январь", "январ"),
    ("fevral", "февраль", "феврал"),
    ("aprel", "апрель", "апрел"),
    ("iyun", "июнь", "июн"),
    ("iyul", "июль", "июл"),
    ("sentabr", "сентябрь", "сентябр"),
    ("oktabr", "октябрь", "октябр"),
    ("noyabr", "ноябрь", "ноябр"),
    ("dekabr", "декабрь", "декабр"),
    ("kuryer", "курьер", "курьер"),
];

/// Uzbek in Cyrillic, from the Latin catalogue. The orthographies map letter by letter, with
/// rules of position: `e` starting a word is `э`, `yoʻ` is `йў` (not `ё` and a stray ʻ), and
/// `ts` is `ц` only in `-tsiya`/`-tsion` loanwords (`ketsa` stays `кетса`).
fn uzbek_cyrillic(latin: &str) -> String {
    let mut out = String::with_capacity(latin.len() * 2);
    let mut rest = latin;
    let mut in_word = false;
    while let Some(c) = rest.chars().next() {
        if !in_word && let Some((word, tail)) = whole_word(rest) {
            out.push_str(&word);
            rest = tail;
            in_word = true;
            continue;
        }
        let (cyrillic, taken) = letter(rest, in_word);
        match cyrillic {
            Some(cyrillic) => out.push_str(cyrillic),
            None => out.push(c),
        }
        let consumed = &rest[..taken];
        in_word = consumed
            .chars()
            .last()
            .is_some_and(|last| last.is_alphabetic() || OKINA.contains(&last) || last == 'ʼ');
        rest = &rest[taken..];
    }
    out
}

/// A word at the start of `rest` written in Cyrillic other than letter by letter, and what
/// follows it.
fn whole_word(rest: &str) -> Option<(String, &str)> {
    let ends_word = |tail: &str| !tail.starts_with(char::is_alphabetic);
    if let Some(name) = KEPT
        .iter()
        .find(|name| rest.strip_prefix(**name).is_some_and(ends_word))
    {
        return Some(((*name).to_owned(), &rest[name.len()..]));
    }
    let (latin, word, stem) = LOANWORDS.iter().find(|(latin, _, _)| {
        rest.get(..latin.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(latin))
    })?;
    let tail = &rest[latin.len()..];
    let cyrillic = if ends_word(tail) { word } else { stem };
    let capital = rest.starts_with(char::is_uppercase);
    let mut chars = cyrillic.chars();
    let first = chars.next()?;
    let spelled = if capital {
        first.to_uppercase().chain(chars).collect()
    } else {
        (*cyrillic).to_owned()
    };
    // The tail is spelled letter by letter, inside the word.
    let mut ending = String::new();
    let mut left = tail;
    while let Some(c) = left.chars().next().filter(|c| c.is_alphabetic()) {
        let (cyrillic, taken) = letter(left, true);
        match cyrillic {
            Some(cyrillic) => ending.push_str(cyrillic),
            None => ending.push(c),
        }
        left = &left[taken..];
    }
    Some((spelled + &ending, left))
}

/// The Cyrillic for the letter (or digraph) `rest` starts with, and how many bytes it takes;
/// `None` for a character that stays as it is.
fn letter(rest: &str, in_word: bool) -> (Option<&'static str>, usize) {
    let mut chars = rest.chars();
    let Some(first) = chars.next() else {
        return (None, 0);
    };
    let second = chars.next();
    let third = chars.next();
    let okina = |c: Option<char>| c.is_some_and(|c| OKINA.contains(&c));
    let width = |n: usize| rest.chars().take(n).map(char::len_utf8).sum::<usize>();
    let capital = first.is_uppercase();
    let case = |lower: &'static str, upper: &'static str| if capital { upper } else { lower };
    let next = second.map(|c| c.to_ascii_lowercase());
    let (cyrillic, taken) = match (first.to_ascii_lowercase(), next) {
        ('y', Some('o')) if okina(third) => (case("йў", "Йў"), 3),
        ('o', _) if okina(second) => (case("ў", "Ў"), 2),
        ('g', _) if okina(second) => (case("ғ", "Ғ"), 2),
        ('s', Some('h')) => (case("ш", "Ш"), 2),
        ('c', Some('h')) => (case("ч", "Ч"), 2),
        ('y', Some('o')) => (case("ё", "Ё"), 2),
        ('y', Some('u')) => (case("ю", "Ю"), 2),
        ('y', Some('a')) => (case("я", "Я"), 2),
        ('y', Some('e')) => (case("е", "Е"), 2),
        ('t', Some('s'))
            if rest.get(1..5).is_some_and(|s| {
                s.eq_ignore_ascii_case("siya") || s.eq_ignore_ascii_case("sion")
            }) =>
        {
            (case("ц", "Ц"), 2)
        }
        ('e', _) if !in_word => (case("э", "Э"), 1),
        ('e', _) => (case("е", "Е"), 1),
        (lower, _) => {
            let pair = match lower {
                'a' => ("а", "А"),
                'b' => ("б", "Б"),
                'd' => ("д", "Д"),
                'f' => ("ф", "Ф"),
                'g' => ("г", "Г"),
                'h' => ("ҳ", "Ҳ"),
                'i' => ("и", "И"),
                'j' => ("ж", "Ж"),
                'k' => ("к", "К"),
                'l' => ("л", "Л"),
                'm' => ("м", "М"),
                'n' => ("н", "Н"),
                'o' => ("о", "О"),
                'p' => ("п", "П"),
                'q' => ("қ", "Қ"),
                'r' => ("р", "Р"),
                's' => ("с", "С"),
                't' => ("т", "Т"),
                'u' => ("у", "У"),
                'v' => ("в", "В"),
                'x' => ("х", "Х"),
                'y' => ("й", "Й"),
                'z' => ("з", "З"),
                'ʼ' | '\'' | '’' => ("ъ", "ъ"),
                _ => return (None, first.len_utf8()),
            };
            (case(pair.0, pair.1), 1)
        }
    };
    (Some(cyrillic), width(taken))
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

    use super::*;

    #[test]
    fn dates_read_in_each_language() {
        let Some(date) = NaiveDate::from_ymd_opt(2026, 11, 14) else {
            panic!("a valid date");
        };
        assert_eq!(Speech::RUSSIAN.day_month(date), "14 ноября");
        if let Some(en) = Speech::of(Language::En) {
            assert_eq!(en.day_month(date), "14 November");
        }
    }

    /// Every message id of a catalogue with the variables its value uses.
    fn messages(source: &str) -> HashMap<String, BTreeSet<String>> {
        let resource = fluent_syntax::parser::parse(source)
            .unwrap_or_else(|(_, errors)| panic!("parse: {errors:?}"));
        resource
            .body
            .iter()
            .filter_map(|entry| match entry {
                Entry::Message(message) => Some((
                    message.id.name.to_owned(),
                    message.value.as_ref().map(variables).unwrap_or_default(),
                )),
                _ => None,
            })
            .collect()
    }

    fn variables(pattern: &Pattern<&str>) -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        for element in &pattern.elements {
            if let PatternElement::Placeable { expression } = element {
                expression_variables(expression, &mut found);
            }
        }
        found
    }

    fn expression_variables(expression: &Expression<&str>, found: &mut BTreeSet<String>) {
        let inline = |inline: &InlineExpression<&str>, found: &mut BTreeSet<String>| {
            if let InlineExpression::VariableReference { id } = inline {
                found.insert(id.name.to_owned());
            }
        };
        match expression {
            Expression::Inline(expr) => inline(expr, found),
            Expression::Select { selector, variants } => {
                inline(selector, found);
                for variant in variants {
                    found.extend(variables(&variant.value));
                }
            }
        }
    }

    #[test]
    fn every_catalogue_has_every_russian_message_with_the_same_variables() {
        let russian = messages(SOURCES[0].1);
        assert!(russian.len() > 100, "the Russian catalogue is loaded");
        for (language, source) in &SOURCES[1..] {
            let other = messages(source);
            for (id, vars) in &russian {
                // Families may have more or fewer wordings in another language.
                let family = id
                    .rsplit_once('-')
                    .filter(|(_, n)| n.parse::<u32>().is_ok())
                    .map(|(family, _)| family);
                match (other.get(id), family) {
                    (Some(theirs), _) => assert_eq!(
                        theirs,
                        vars,
                        "{}: {id} uses other variables",
                        language.as_str()
                    ),
                    (None, Some(family)) => assert!(
                        other.contains_key(&format!("{family}-1")),
                        "{}: no wording of {family}",
                        language.as_str()
                    ),
                    (None, None) => panic!("{}: {id} is missing", language.as_str()),
                }
            }
            for id in other.keys() {
                let family = id.rsplit_once('-').map_or(id.as_str(), |(f, _)| f);
                assert!(
                    russian.contains_key(id) || russian.contains_key(&format!("{family}-1")),
                    "{}: {id} is not a Russian message",
                    language.as_str()
                );
            }
        }
        for language in Language::ALL {
            if let Some(speech) = Speech::of(language) {
                assert!(!speech.text("greeting-1", &[]).is_empty());
            }
        }
    }

    #[test]
    fn uzbek_reads_in_either_script() {
        assert_eq!(
            uzbek_cyrillic("Buyurtma qachon keladi?"),
            "Буюртма қачон келади?"
        );
        assert_eq!(
            uzbek_cyrillic("Rahmat, oʻlcham toʻgʻri"),
            "Раҳмат, ўлчам тўғри"
        );
        assert_eq!(uzbek_cyrillic("shu choy"), "шу чой");
        assert_eq!(
            uzbek_cyrillic("Oʻlcham yoʻq, bor-yoʻqligi"),
            "Ўлчам йўқ, бор-йўқлиги"
        );
        assert_eq!(uzbek_cyrillic("Yetkazib berildi"), "Етказиб берилди");
        assert_eq!(uzbek_cyrillic("Men esa eng yaxshi"), "Мен эса энг яхши");
        assert_eq!(uzbek_cyrillic("maʼlumot, eʼtibor"), "маълумот, эътибор");
        assert_eq!(uzbek_cyrillic("ketsa, aytsangiz"), "кетса, айтсангиз");
        assert_eq!(uzbek_cyrillic("kompensatsiya"), "компенсация");
        assert_eq!(uzbek_cyrillic("14-noyabr, 1-iyun"), "14-ноябрь, 1-июнь");
        assert_eq!(uzbek_cyrillic("sentabrgacha"), "сентябргача");
        assert_eq!(uzbek_cyrillic("kuryerda"), "курьерда");
        assert_eq!(uzbek_cyrillic("Wildberries va Ozon"), "Wildberries ва Ozon");
    }

    #[test]
    fn uzbek_in_cyrillic_keeps_the_values_as_they_are() {
        let Some(cyrillic) = Speech::of(Language::UzCyrl) else {
            panic!("Uzbek is spoken in Cyrillic");
        };
        let status = cyrillic.text("status-ozon-delivering", &[]);
        assert_eq!(status, "йўлда");
        let text = cyrillic.text(
            "order-status-2",
            &[
                ("id", Arg::Text("0123456789-0001-1")),
                ("status", Arg::Owned(status)),
                ("marketplace", Arg::Text("Ozon")),
            ],
        );
        assert_eq!(
            text,
            "Ozon маълумотларига кўра, 0123456789-0001-1 рақамли буюртма йўлда."
        );
        let tracking = cyrillic.text(
            "order-tracking",
            &[("tracking", Arg::Text("RU123456789CN"))],
        );
        assert_eq!(tracking, "Трек-рақам: RU123456789CN.");
        let stock = cyrillic.text("stock-yes", &[("title", Arg::Text("Nike Air Max"))]);
        assert_eq!(stock, "Ҳа, «Nike Air Max» ҳозир мавжуд.");
    }

    #[test]
    fn plurals_follow_each_language() {
        let ru = Speech::RUSSIAN;
        assert_eq!(ru.text("days", &[("count", Arg::Count(1))]), "1 день");
        assert_eq!(ru.text("days", &[("count", Arg::Count(3))]), "3 дня");
        assert_eq!(ru.text("days", &[("count", Arg::Count(21))]), "21 день");
        assert_eq!(ru.text("days", &[("count", Arg::Count(11))]), "11 дней");
        let Some(en) = Speech::of(Language::En) else {
            panic!("English is spoken");
        };
        assert_eq!(en.text("days", &[("count", Arg::Count(1))]), "1 day");
        assert_eq!(en.text("days", &[("count", Arg::Count(5))]), "5 days");
        for (language, one, five) in [
            (Language::Kk, "1 күн", "5 күн"),
            (Language::UzLatn, "1 kun", "5 kun"),
            (Language::UzCyrl, "1 кун", "5 кун"),
        ] {
            let Some(speech) = Speech::of(language) else {
                panic!("{} is spoken", language.as_str());
            };
            assert_eq!(speech.text("days", &[("count", Arg::Count(1))]), one);
            assert_eq!(speech.text("days", &[("count", Arg::Count(5))]), five);
        }
    }

    #[test]
    fn dates_are_written_as_each_language_writes_them() {
        let date = |language: Language| {
            let Some(speech) = Speech::of(language) else {
                panic!("{} is spoken", language.as_str());
            };
            speech.text(
                "date-day-month",
                &[("day", Arg::Count(14)), ("month", Arg::Count(11))],
            )
        };
        assert_eq!(date(Language::Kk), "14 қараша");
        assert_eq!(date(Language::UzLatn), "14-noyabr");
        assert_eq!(date(Language::UzCyrl), "14-ноябрь");
    }
}
