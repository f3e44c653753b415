//! What the assistant says, in each language it speaks: Fluent message catalogues under
//! `workers/locales/`, one file per language, loaded once. Templates never build a sentence
//! from another language's words; a language without a catalogue is answered in Russian.

use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use otklik_nlu::Language;

use super::state::State;

/// The catalogues, by the language each is written in; Russian first.
const SOURCES: [(Language, &str); 2] = [
    (Language::Ru, include_str!("../../locales/ru.ftl")),
    (Language::En, include_str!("../../locales/en.ftl")),
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

    /// The message `id` with `args`. A missing message is a defect the catalogue tests catch;
    /// at run time it reads as the Russian one rather than as nothing.
    pub fn text(self, id: &str, args: &[(&str, Arg<'_>)]) -> String {
        let mut fluent_args = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            fluent_args.set(*name, value.fluent());
        }
        let formatted = format_in(self.bundle(), id, &fluent_args)
            .or_else(|| format_in(Speech::RUSSIAN.bundle(), id, &fluent_args))
            .unwrap_or_else(|| {
                tracing::error!(message = id, "a catalogue message is missing");
                String::new()
            });
        match self.language {
            Language::UzCyrl => uzbek_cyrillic(&formatted),
            _ => formatted,
        }
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

/// Uzbek in Cyrillic, from the Latin catalogue: the two orthographies map letter by letter.
fn uzbek_cyrillic(latin: &str) -> String {
    const PAIRS: [(&str, &str); 14] = [
        ("oʻ", "ў"),
        ("o'", "ў"),
        ("gʻ", "ғ"),
        ("g'", "ғ"),
        ("sh", "ш"),
        ("ch", "ч"),
        ("ng", "нг"),
        ("yo", "ё"),
        ("yu", "ю"),
        ("ya", "я"),
        ("ye", "е"),
        ("ts", "ц"),
        ("Sh", "Ш"),
        ("Ch", "Ч"),
    ];
    let mut out = String::with_capacity(latin.len() * 2);
    let mut rest = latin;
    'outer: while !rest.is_empty() {
        for (from, to) in PAIRS {
            if let Some(tail) = rest.strip_prefix(from) {
                out.push_str(to);
                rest = tail;
                continue 'outer;
            }
        }
        let mut chars = rest.chars();
        let Some(c) = chars.next() else { break };
        let mapped = match c {
            'a' => "а",
            'b' => "б",
            'd' => "д",
            'e' => "е",
            'f' => "ф",
            'g' => "г",
            'h' => "ҳ",
            'i' => "и",
            'j' => "ж",
            'k' => "к",
            'l' => "л",
            'm' => "м",
            'n' => "н",
            'o' => "о",
            'p' => "п",
            'q' => "қ",
            'r' => "р",
            's' => "с",
            't' => "т",
            'u' => "у",
            'v' => "в",
            'x' => "х",
            'y' => "й",
            'z' => "з",
            'ʼ' | '\'' => "ъ",
            'A' => "А",
            'B' => "Б",
            'D' => "Д",
            'E' => "Э",
            'F' => "Ф",
            'G' => "Г",
            'H' => "Ҳ",
            'I' => "И",
            'J' => "Ж",
            'K' => "К",
            'L' => "Л",
            'M' => "М",
            'N' => "Н",
            'O' => "О",
            'P' => "П",
            'Q' => "Қ",
            'R' => "Р",
            'S' => "С",
            'T' => "Т",
            'U' => "У",
            'V' => "В",
            'X' => "Х",
            'Y' => "Й",
            'Z' => "З",
            _ => {
                out.push(c);
                rest = chars.as_str();
                continue;
            }
        };
        out.push_str(mapped);
        rest = chars.as_str();
    }
    out
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use fluent_syntax::ast::{Entry, Expression, InlineExpression, Pattern, PatternElement};

    use super::*;

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
    }
}
