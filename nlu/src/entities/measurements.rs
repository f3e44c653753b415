//! Body measurements for size advice: «рост 170, вес 65», «ОГ 92 ОТ 70 ОБ 98», «стопа 255 мм»,
//! «мне 165/58», «height 170 cm», «5'7"». Lengths in centimetres, weight in kilograms. A number
//! taken here is never a size.

use serde::{Deserialize, Serialize};

use super::scan::Token;
use super::words::is_in;

/// What was measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasurementKind {
    Height,
    Weight,
    Chest,
    Waist,
    Hips,
    /// Foot length.
    Foot,
    /// Head circumference.
    Head,
    Inseam,
}

/// One body measurement: centimetres, or kilograms for weight.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    pub kind: MeasurementKind,
    pub value: f32,
}

impl MeasurementKind {
    /// Values a person can have, after conversion; anything else is not this measurement.
    fn plausible(self, value: f32) -> bool {
        let (lo, hi) = match self {
            Height => (45.0, 230.0),
            Weight => (2.0, 250.0),
            Chest | Waist | Hips => (30.0, 180.0),
            Foot => (8.0, 35.0),
            Head => (30.0, 70.0),
            Inseam => (30.0, 120.0),
        };
        (lo..=hi).contains(&value)
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Unit {
    Centimetre,
    Millimetre,
    Metre,
    Kilogram,
    Pound,
}

fn unit(token: Option<&Token<'_>>) -> Option<Unit> {
    let token = token.filter(|t| t.is_word())?;
    let word = token.text.as_str();
    Some(
        if is_in(word, &["см", "cm", "sm", "сантиметр*", "santimetr*"]) {
            Unit::Centimetre
        } else if is_in(word, &["мм", "mm", "миллиметр*"]) {
            Unit::Millimetre
        } else if is_in(word, &["м", "m", "метр", "метра", "metr*"]) {
            Unit::Metre
        } else if is_in(word, &["кг", "kg", "килограм*", "кило", "kilo*"]) {
            Unit::Kilogram
        } else if is_in(word, &["lb", "lbs", "pound*", "фунт*"]) {
            Unit::Pound
        } else {
            return None;
        },
    )
}

use MeasurementKind::{Chest, Foot, Head, Height, Hips, Inseam, Waist, Weight};

/// The measurement a word names, on its own.
fn kind_of(word: &str) -> Option<MeasurementKind> {
    const KINDS: &[(MeasurementKind, &[&str])] = &[
        (
            Height,
            &[
                "рост",
                "роста",
                "росте",
                "ростом",
                "rost",
                "rosta",
                "roste",
                "rostom",
                "height",
                "бой",
                "бойым",
                "бойы",
                "бойум",
                "бою",
                "bo'y",
                "bo'yim",
                "bo'yi",
                "бўй",
                "бўйим",
                "бўйи",
                "буйим",
            ],
        ),
        (
            Weight,
            &[
                "вес",
                "веса",
                "весе",
                "весом",
                "вешу",
                "ves",
                "vesa",
                "vese",
                "vesom",
                "weight",
                "weigh",
                "weighs",
                "салмақ*",
                "салмағ*",
                "салмак*",
                "салмаг*",
                "vazn*",
                "вазн*",
            ],
        ),
        (
            Chest,
            &[
                "ог",
                "груд*",
                "grud*",
                "chest",
                "bust",
                "кеуде*",
                "ko'krak*",
                "кўкрак*",
            ],
        ),
        (Waist, &["тали*", "tali*", "waist", "бел", "bel"]),
        (
            Hips,
            &[
                "бедр*",
                "бёдр*",
                "бедер",
                "бёдер",
                "bedr*",
                "hips",
                "hip",
                "жамбас*",
            ],
        ),
        (
            Foot,
            &[
                "стопа",
                "стопы",
                "стопе",
                "стопу",
                "стопой",
                "stopa",
                "stopy",
                "стельк*",
                "stelk*",
                "foot",
                "insole",
                "табан*",
                "oyoq*",
                "оёқ*",
            ],
        ),
        (Head, &["голов*", "golov*", "head"]),
        (Inseam, &["inseam"]),
    ];
    KINDS
        .iter()
        .find(|(_, words)| is_in(word, words))
        .map(|(kind, _)| *kind)
}

/// Words that hide a measurement's kind: it is said by the word that follows (`обхват груди`).
#[rustfmt::skip]
const GIRTH: &[&str] = &[
    "обхват*", "obhvat*", "объем", "объём", "длина", "длины", "длиной", "dlina",
];

/// Words a shopper puts between a measurement's name and its number.
#[rustfmt::skip]
const BETWEEN: &[&str] = &[
    "у", "меня", "мой", "моя", "мои", "около", "примерно", "где-то", "где", "то", "почти", "ок",
    "is", "of", "about", "around", "approx", "my", "approximately", "—", "u", "menya", "primerno",
    "при", "и", "ноги", "тела", "ребенка", "ребёнка", "сына", "дочки", "дочери", "малыша",
    "мужа", "жены", "у", "него", "неё", "нее", "aylana*", "айлана*", "көлем*", "шеңбер*",
];

/// Words before a bare number that make it about the shopper («мне 165/58», «I'm 170 cm»).
#[rustfmt::skip]
const PERSON: &[&str] = &[
    "я", "мне", "меня", "вешу", "i", "i'm", "im", "am", "me", "my", "ya", "mne", "параметры",
    "параметр", "мерки", "фигура", "объемы", "объёмы", "размеры", "parametry", "menga", "men",
    "мен", "маған",
];

/// Words that say the measurements are a child's.
#[rustfmt::skip]
const CHILD: &[&str] = &[
    "ребен*", "ребён*", "малыш*", "младен*", "новорожд*", "сын*", "доч*", "детск*", "дет*",
    "месяц*", "мес", "baby", "child*", "kid*", "son", "daughter", "бала*", "bola*",
];

fn rounded(value: f32) -> f32 {
    (value * 10.0).round() / 10.0
}

/// A value in the kind's own unit: metres and millimetres to centimetres, pounds to kilograms.
/// Heights written in metres without a unit («рост 1,70») and foot lengths in millimetres
/// without one («стопа 255») are read the same way.
fn normalise(kind: MeasurementKind, value: f32, unit: Option<Unit>) -> Option<f32> {
    let value = match (kind, unit) {
        (Weight, Some(Unit::Pound)) => value * 0.4536,
        (Weight, None | Some(Unit::Kilogram)) => value,
        (Weight, _) => return None,
        (_, Some(Unit::Kilogram | Unit::Pound)) => return None,
        (_, Some(Unit::Millimetre)) => value / 10.0,
        (_, Some(Unit::Metre)) => value * 100.0,
        (Height, None) if value < 3.0 => value * 100.0,
        (Foot, None) if value > 100.0 => value / 10.0,
        (_, _) => value,
    };
    let value = rounded(value);
    kind.plausible(value).then_some(value)
}

struct Finder<'t, 'a> {
    tokens: &'t [Token<'a>],
    used: &'t mut [bool],
    /// Whether the message has ОГ/ОБ-style abbreviations: then «от» is a waist too.
    abbreviations: bool,
    sizing: bool,
    /// The message is about a child: small weights and heights are plausible.
    child: bool,
    out: Vec<(usize, Measurement)>,
}

impl Finder<'_, '_> {
    fn word(&self, i: usize) -> Option<&str> {
        self.tokens
            .get(i)
            .filter(|t| t.is_word())
            .map(|t| t.text.as_str())
    }

    fn push(&mut self, at: usize, kind: MeasurementKind, value: f32) {
        let measurement = Measurement { kind, value };
        if !self.out.iter().any(|(_, m)| *m == measurement) {
            self.out.push((at, measurement));
        }
    }

    /// The kind a cue at `i` names and the index after the cue.
    fn cue(&self, i: usize) -> Option<(MeasurementKind, usize)> {
        let token = &self.tokens[i];
        let word = self.word(i)?;
        // «ОТ»/«ОБ» are waist and hips only as abbreviations: «от 44 до 46» is a range.
        if word == "от" || word == "об" {
            let followed_by_do =
                (i + 1..(i + 4).min(self.tokens.len())).any(|j| self.word(j) == Some("до"));
            let abbreviation = (token.is_upper() || self.abbreviations) && !followed_by_do;
            let kind = if word == "от" { Waist } else { Hips };
            return abbreviation.then_some((kind, i + 1));
        }
        if is_in(word, GIRTH) {
            if let Some(kind) = self.word(i + 1).and_then(kind_of) {
                return Some((kind, i + 2));
            }
            // A bare «обхват 104» is the chest: the girth every size chart starts from.
            return is_in(word, &["обхват*", "obhvat*"]).then_some((Chest, i + 1));
        }
        // «по внутреннему шву», «шаговый шов»: the inseam.
        if is_in(word, &["внутрен*", "шагов*", "vnutren*"])
            && self
                .word(i + 1)
                .is_some_and(|w| is_in(w, &["шов", "шву", "шва", "стороне", "shov", "shvu"]))
        {
            return Some((Inseam, i + 2));
        }
        if word == "нога" || word == "ноги" || word == "ногу" || is_in(word, &["ножк*", "noga"])
        {
            return Some((Foot, i + 1));
        }
        kind_of(word).map(|kind| (kind, i + 1))
    }

    /// The index of the first number after a cue, past the words shoppers put between.
    fn number_after(&self, mut j: usize) -> Option<usize> {
        for _ in 0..4 {
            let token = self.tokens.get(j)?;
            if token.is_number() {
                return (!self.used[j]).then_some(j);
            }
            let skippable = token.is_punct(":-—–=~(")
                || (token.is_word() && is_in(&token.text, BETWEEN))
                || (token.is_word() && kind_of(&token.text).is_some());
            if !skippable {
                return None;
            }
            j += 1;
        }
        None
    }

    /// A number with the unit after it; marks both used. Returns the value and unit.
    fn take(&mut self, j: usize) -> Option<(f32, Option<Unit>)> {
        let value = self.tokens[j].value()?;
        let unit = unit(self.tokens.get(j + 1));
        self.used[j] = true;
        if unit.is_some() {
            self.used[j + 1] = true;
        }
        Some((value, unit))
    }

    /// «рост 170», «обхват груди 104», «ОГ/ОТ/ОБ 92/74/100», «рост и вес 170 и 65».
    fn cued(&mut self) {
        let mut i = 0;
        while i < self.tokens.len() {
            // A cue is only worth reading with a number shortly after it.
            let number_ahead = self.tokens[i + 1..(i + 8).min(self.tokens.len())]
                .iter()
                .any(Token::is_number);
            let cue = if number_ahead { self.cue(i) } else { None };
            let Some((kind, after)) = cue else {
                i += 1;
                continue;
            };
            // Several names, then as many numbers: «рост/вес 170/65».
            let mut kinds = vec![kind];
            let mut j = after;
            while self
                .tokens
                .get(j)
                .is_some_and(|t| t.is_punct("/,-") || t.text == "и")
                && let Some((next, after)) = self.cue(j + 1)
            {
                kinds.push(next);
                j = after;
            }
            let Some(mut at) = self.number_after(j) else {
                i = after;
                continue;
            };
            for (n, kind) in kinds.iter().enumerate() {
                if n > 0 {
                    // The next number of the series: «170/65», «170 и 65».
                    let separated = self
                        .tokens
                        .get(at + 1)
                        .is_some_and(|t| t.is_punct("/,-") || t.text == "и");
                    let next = at + 2;
                    if !separated || !self.tokens.get(next).is_some_and(Token::is_number) {
                        break;
                    }
                    at = next;
                }
                if self.used[at] {
                    break;
                }
                let value = self.tokens[at].value();
                let unit = unit(self.tokens.get(at + 1));
                // «нога 38» is a shoe size, not a foot length.
                let shoe_size = *kind == Foot
                    && self
                        .word(i)
                        .is_some_and(|w| w.starts_with("ног") || w.starts_with("нож"))
                    && unit.is_none()
                    && value.is_some_and(|v| v >= 33.0);
                // «шапка на голову 54-56», «талия 70-74»: the sizes a garment fits, not one
                // measurement; only a series of names («ОГ-ОТ-ОБ 96-78-102») reads one number
                // per name.
                let range = kinds.len() == 1
                    && !matches!(kind, Height | Weight)
                    && self
                        .tokens
                        .get(at + 1)
                        .is_some_and(|t| t.is_punct("-–") && !t.spaced)
                    && self.tokens.get(at + 2).is_some_and(Token::is_number);
                if shoe_size || range {
                    break;
                }
                // Under 20 kg is a child's weight; without a child it is a parcel's («вес 3 кг у
                // коробки»).
                let parcel = *kind == Weight && value.is_some_and(|v| v < 20.0) && !self.child;
                if parcel {
                    break;
                }
                if let Some(value) = value.and_then(|v| normalise(*kind, v, unit)) {
                    self.take(at);
                    self.push(at, *kind, value);
                }
            }
            i = at.max(after) + 1;
        }
    }

    /// «92 в груди», «70 по талии».
    fn kind_after(&mut self) {
        for j in 0..self.tokens.len() {
            if self.used[j] || !self.tokens[j].is_number() {
                continue;
            }
            let mut k = j + 1;
            if unit(self.tokens.get(k)).is_some() {
                k += 1;
            }
            // «122 рост», «65 вес»: the name right after, with no number of its own.
            let named_after = self
                .word(k)
                .and_then(kind_of)
                .filter(|_| !self.tokens.get(k + 1).is_some_and(Token::is_number));
            let kind = match named_after {
                Some(kind) => kind,
                None if self
                    .word(k)
                    .is_some_and(|w| matches!(w, "в" | "по" | "at" | "around")) =>
                {
                    let Some(kind) = self.word(k + 1).and_then(kind_of) else {
                        continue;
                    };
                    kind
                }
                None => continue,
            };
            if let Some((value, unit)) = self.tokens[j]
                .value()
                .map(|v| (v, unit(self.tokens.get(j + 1))))
                && let Some(value) = normalise(kind, value, unit)
            {
                self.take(j);
                self.push(j, kind, value);
            }
        }
    }

    fn about_the_shopper(&self, j: usize) -> bool {
        self.sizing
            || (j.saturating_sub(8)..j).any(|k| self.word(k).is_some_and(|w| is_in(w, PERSON)))
    }

    /// «мне 165/58»: height and weight; «88-66-94»: chest, waist and hips.
    fn series(&mut self) {
        let mut j = 0;
        while j < self.tokens.len() {
            let numbers = self.series_at(j);
            if numbers.is_empty() {
                j += 1;
                continue;
            }
            let values: Vec<f32> = numbers
                .iter()
                .filter_map(|&k| self.tokens[k].value())
                .collect();
            let about = self.about_the_shopper(j);
            let kinds: &[MeasurementKind] = match values[..] {
                [h, w] if about && (130.0..=210.0).contains(&h) && (35.0..=150.0).contains(&w) => {
                    &[Height, Weight]
                }
                [c, w, h]
                    if about
                        && (60.0..=150.0).contains(&c)
                        && (45.0..=140.0).contains(&w)
                        && (60.0..=160.0).contains(&h)
                        && w < c
                        && w < h =>
                {
                    &[Chest, Waist, Hips]
                }
                _ => &[],
            };
            for (&k, &kind) in numbers.iter().zip(kinds) {
                if let Some(value) = self.tokens[k]
                    .value()
                    .and_then(|v| normalise(kind, v, None))
                {
                    self.used[k] = true;
                    self.push(k, kind, value);
                }
            }
            j = numbers.last().map_or(j + 1, |last| last + 1);
        }
    }

    /// Unused integers joined by `/` or `-` without spaces, starting at `j`.
    fn series_at(&self, j: usize) -> Vec<usize> {
        let mut numbers = Vec::new();
        let mut k = j;
        while let Some(token) = self.tokens.get(k) {
            if !token.is_number() || self.used[k] || token.is_decimal() {
                break;
            }
            numbers.push(k);
            let joined = self
                .tokens
                .get(k + 1)
                .is_some_and(|t| t.is_punct("/-") && !t.spaced)
                && self.tokens.get(k + 2).is_some_and(|t| !t.spaced);
            if !joined {
                break;
            }
            k += 2;
        }
        if numbers.len() < 2 {
            Vec::new()
        } else {
            numbers
        }
    }

    /// «65 кг», «I'm 170 cm», «170 cm tall», «5'7"».
    fn units_alone(&mut self) {
        for j in 0..self.tokens.len() {
            if self.used[j] || !self.tokens[j].is_number() {
                continue;
            }
            let Some(value) = self.tokens[j].value() else {
                continue;
            };
            // Feet and inches: 5'7", 5′7″.
            if (4.0..=7.0).contains(&value)
                && self.tokens.get(j + 1).is_some_and(|t| t.is_punct("'′’"))
                && let Some(inches) = self.tokens.get(j + 2).and_then(Token::value)
                && inches < 12.0
            {
                let cm = rounded((value * 12.0 + inches) * 2.54);
                self.used[j] = true;
                self.used[j + 2] = true;
                self.push(j, Height, cm);
                continue;
            }
            let unit = unit(self.tokens.get(j + 1));
            let about = self.about_the_shopper(j);
            let tall = self.word(j + 2) == Some("tall");
            let kind = match unit {
                Some(Unit::Kilogram | Unit::Pound) if about => Weight,
                Some(Unit::Centimetre | Unit::Metre) if tall || (about && value >= 100.0) => Height,
                _ => continue,
            };
            if let Some(value) = normalise(kind, value, unit) {
                self.take(j);
                self.push(j, kind, value);
            }
        }
    }
}

/// Finds measurements, marks their numbers in `used`, and returns them in text order.
/// `sizing`: the message asks about sizes, so bare «165/58» or «65 кг» are the shopper's.
pub fn find(tokens: &[Token<'_>], used: &mut [bool], sizing: bool) -> Vec<Measurement> {
    let abbreviations = tokens.iter().any(|t| t.text == "ог");
    let child = tokens.iter().any(|t| t.is_word() && is_in(&t.text, CHILD));
    let mut finder = Finder {
        tokens,
        used,
        abbreviations,
        sizing,
        child,
        out: Vec::new(),
    };
    finder.cued();
    finder.kind_after();
    finder.series();
    finder.units_alone();
    let mut out = finder.out;
    out.sort_by_key(|(at, _)| *at);
    out.into_iter().map(|(_, m)| m).collect()
}
