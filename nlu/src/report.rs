//! The `workers nlu eval` report, in the spirit of Rasa's: per-intent precision, recall and F1,
//! a confusion matrix, a confidence histogram, language accuracy when the lines carry a
//! language, and the list of errors.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::{self, Write as _};

use serde::{Deserialize, Deserializer};

use crate::{Analysis, Intent, Language, Measurement, TRAINING_SUMMARY, analyse};

/// One labelled line of an evaluation file.
#[derive(Debug, Deserialize)]
pub struct Labelled {
    pub id: serde_json::Value,
    pub text: String,
    pub intent: String,
    #[serde(default)]
    pub entities: HashMap<String, serde_json::Value>,
    #[serde(default)]
    pub handoff: bool,
    #[serde(default)]
    pub tags: Vec<String>,
    /// `None`: the line says nothing about language; `Some(None)`: it has no language
    /// (`"language": null`, a message of digits or emoji).
    #[serde(default, deserialize_with = "present")]
    pub language: Option<Option<String>>,
}

fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl Labelled {
    fn gold_language(&self) -> Option<Option<Language>> {
        self.language
            .as_ref()
            .map(|tag| tag.as_deref().and_then(Language::parse))
    }

    /// Lines in a language the intent model was not trained on are scored for language only.
    fn intent_scored(&self) -> bool {
        !matches!(self.gold_language(), Some(Some(l)) if !l.has_intents())
    }
}

struct Outcome {
    labelled: Labelled,
    gold: Option<Intent>,
    analysis: Analysis,
}

pub struct Report {
    outcomes: Vec<Outcome>,
}

/// The scored entity kinds, and how values are compared: digits only, except posting numbers.
const ENTITY_KEYS: [&str; 4] = ["order_id", "article", "size", "phone"];

fn normalise(key: &str, value: &str) -> String {
    let v = value.trim().to_lowercase();
    let posting = v.split('-').count() > 1
        && v.split('-')
            .all(|p| p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty());
    if key != "size" && !posting {
        v.chars().filter(char::is_ascii_digit).collect()
    } else {
        v
    }
}

fn gold_pairs(entities: &HashMap<String, serde_json::Value>) -> BTreeSet<(String, String)> {
    let mut pairs = BTreeSet::new();
    for key in ENTITY_KEYS {
        let values = match entities.get(key) {
            Some(serde_json::Value::Array(items)) => items.clone(),
            Some(value) => vec![value.clone()],
            None => Vec::new(),
        };
        for value in values {
            let text = match value {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            };
            let v = normalise(key, &text);
            if !v.is_empty() {
                pairs.insert((key.to_owned(), v));
            }
        }
    }
    pairs
}

fn predicted_pairs(analysis: &Analysis) -> BTreeSet<(String, String)> {
    let e = &analysis.entities;
    [
        ("order_id", &e.order_id),
        ("article", &e.article),
        ("size", &e.size),
        ("phone", &e.phone),
    ]
    .into_iter()
    .flat_map(|(key, values)| {
        values
            .iter()
            .map(move |v| (key.to_owned(), normalise(key, v)))
    })
    .collect()
}

fn gold_measurements(entities: &HashMap<String, serde_json::Value>) -> Vec<Measurement> {
    entities
        .get("measurements")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default()
}

/// Measurements matched by kind and value (to a millimetre): true, false and missed ones.
fn measurement_counts(gold: &[Measurement], predicted: &[Measurement]) -> (usize, usize, usize) {
    let same =
        |a: &Measurement, b: &Measurement| a.kind == b.kind && (a.value - b.value).abs() < 0.05;
    let hits = gold
        .iter()
        .filter(|g| predicted.iter().any(|p| same(g, p)))
        .count();
    (
        hits,
        predicted.len().saturating_sub(hits),
        gold.len() - hits,
    )
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

/// Analyses every labelled line.
pub fn evaluate(lines: Vec<Labelled>) -> Report {
    let outcomes = lines
        .into_iter()
        .map(|labelled| Outcome {
            gold: Intent::parse(&labelled.intent),
            analysis: analyse(&labelled.text),
            labelled,
        })
        .collect();
    Report { outcomes }
}

/// The headline figures of a report.
#[derive(Debug, Clone, Copy)]
pub struct Scores {
    pub messages: usize,
    /// Over the lines whose language the intent model knows (every line without a language).
    pub intent_accuracy: f64,
    /// Over every line, including those in languages that are only detected.
    pub intent_accuracy_all: f64,
    pub entity_precision: f64,
    pub entity_recall: f64,
    pub entity_f1: f64,
    pub measurement_precision: f64,
    pub measurement_recall: f64,
    pub measurement_f1: f64,
    pub handoff_recall: f64,
    pub handoff_precision: f64,
    /// Over the lines that carry a language; `None` when none does.
    pub language_accuracy: Option<f64>,
}

impl Outcome {
    fn intent_right(&self) -> bool {
        self.gold == Some(self.analysis.intent)
    }

    fn language_right(&self) -> Option<bool> {
        self.labelled
            .gold_language()
            .map(|gold| gold == self.analysis.language)
    }
}

impl Report {
    /// Intent accuracy over the lines in languages the model knows.
    pub fn intent_accuracy(&self) -> f64 {
        self.scores().intent_accuracy
    }

    pub fn scores(&self) -> Scores {
        let scored: Vec<&Outcome> = self
            .outcomes
            .iter()
            .filter(|o| o.labelled.intent_scored())
            .collect();
        let right = |list: &[&Outcome]| list.iter().filter(|o| o.intent_right()).count();
        let all: Vec<&Outcome> = self.outcomes.iter().collect();
        let handoff_gold = all.iter().filter(|o| o.labelled.handoff).count();
        let handoff_hit = all
            .iter()
            .filter(|o| o.labelled.handoff && o.analysis.handoff)
            .count();
        let handoff_predicted = all.iter().filter(|o| o.analysis.handoff).count();
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        let (mut mtp, mut mfp, mut mfn) = (0, 0, 0);
        for o in &all {
            let gold = gold_pairs(&o.labelled.entities);
            let predicted = predicted_pairs(&o.analysis);
            tp += gold.intersection(&predicted).count();
            fp += predicted.difference(&gold).count();
            fn_ += gold.difference(&predicted).count();
            let (t, f, m) = measurement_counts(
                &gold_measurements(&o.labelled.entities),
                &o.analysis.entities.measurements,
            );
            mtp += t;
            mfp += f;
            mfn += m;
        }
        let languages: Vec<bool> = all.iter().filter_map(|o| o.language_right()).collect();
        let (ep, er) = (ratio(tp, tp + fp), ratio(tp, tp + fn_));
        let (mp, mr) = (ratio(mtp, mtp + mfp), ratio(mtp, mtp + mfn));
        Scores {
            messages: all.len(),
            intent_accuracy: ratio(right(&scored), scored.len()),
            intent_accuracy_all: ratio(right(&all), all.len()),
            entity_precision: ep,
            entity_recall: er,
            entity_f1: f1(ep, er),
            measurement_precision: mp,
            measurement_recall: mr,
            measurement_f1: f1(mp, mr),
            handoff_recall: ratio(handoff_hit, handoff_gold),
            handoff_precision: ratio(handoff_hit, handoff_predicted),
            language_accuracy: (!languages.is_empty())
                .then(|| ratio(languages.iter().filter(|r| **r).count(), languages.len())),
        }
    }

    fn write_summary(&self, out: &mut String) -> fmt::Result {
        let s = self.scores();
        let scored = self
            .outcomes
            .iter()
            .filter(|o| o.labelled.intent_scored())
            .count();
        writeln!(out, "model: {TRAINING_SUMMARY}")?;
        writeln!(out, "messages: {}", s.messages)?;
        if scored == s.messages {
            writeln!(out, "intent accuracy: {:.3}", s.intent_accuracy)?;
        } else {
            writeln!(
                out,
                "intent accuracy: {:.3} on {scored} lines in languages with intents ({:.3} on all)",
                s.intent_accuracy, s.intent_accuracy_all
            )?;
        }
        writeln!(
            out,
            "handoff: recall {:.3}, precision {:.3}",
            s.handoff_recall, s.handoff_precision
        )?;
        writeln!(
            out,
            "entities: precision {:.3}, recall {:.3}, F1 {:.3}",
            s.entity_precision, s.entity_recall, s.entity_f1
        )?;
        if self
            .outcomes
            .iter()
            .any(|o| o.labelled.entities.contains_key("measurements"))
        {
            writeln!(
                out,
                "measurements: precision {:.3}, recall {:.3}, F1 {:.3}",
                s.measurement_precision, s.measurement_recall, s.measurement_f1
            )?;
        }
        if let Some(accuracy) = s.language_accuracy {
            writeln!(out, "language accuracy: {accuracy:.3}")?;
        }
        Ok(())
    }

    /// Intent and language accuracy per labelled language, when lines carry one.
    fn write_per_language(&self, out: &mut String) -> fmt::Result {
        let mut by: BTreeMap<String, (usize, usize, usize)> = BTreeMap::new();
        for o in &self.outcomes {
            let Some(tag) = &o.labelled.language else {
                continue;
            };
            let key = tag.clone().unwrap_or_else(|| "(none)".to_owned());
            let entry = by.entry(key).or_default();
            entry.0 += 1;
            entry.1 += usize::from(o.intent_right());
            entry.2 += usize::from(o.language_right() == Some(true));
        }
        if by.is_empty() {
            return Ok(());
        }
        writeln!(
            out,
            "\n{:<10} {:>8} {:>8} {:>8}",
            "language", "lines", "intent", "detected"
        )?;
        for (language, (n, intent, detected)) in by {
            let has_intents = Language::parse(&language).is_none_or(Language::has_intents);
            let intent = if has_intents {
                format!("{:.3}", ratio(intent, n))
            } else {
                "-".to_owned()
            };
            writeln!(
                out,
                "{language:<10} {n:>8} {intent:>8} {:>8.3}",
                ratio(detected, n)
            )?;
        }
        Ok(())
    }

    /// Intent accuracy per tag (`typo`, `injection`, `multi_intent` …), when lines carry tags.
    fn write_per_tag(&self, out: &mut String) -> fmt::Result {
        let mut by: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
        for o in self.outcomes.iter().filter(|o| o.labelled.intent_scored()) {
            for tag in &o.labelled.tags {
                let entry = by.entry(tag.as_str()).or_default();
                entry.0 += 1;
                entry.1 += usize::from(o.intent_right());
            }
        }
        if by.is_empty() {
            return Ok(());
        }
        writeln!(out, "\nintent accuracy by tag")?;
        for (tag, (n, right)) in by {
            writeln!(out, "{tag:<22} {:>6.3} {n:>5}", ratio(right, n))?;
        }
        Ok(())
    }

    fn write_per_intent(&self, out: &mut String) -> fmt::Result {
        writeln!(
            out,
            "\n{:<22} {:>9} {:>7} {:>7} {:>8}",
            "intent", "precision", "recall", "f1", "support"
        )?;
        let mut macro_f1 = 0.0;
        for intent in Intent::ALL {
            let tp = self
                .outcomes
                .iter()
                .filter(|o| o.gold == Some(intent) && o.analysis.intent == intent)
                .count();
            let predicted = self
                .outcomes
                .iter()
                .filter(|o| o.analysis.intent == intent)
                .count();
            let support = self
                .outcomes
                .iter()
                .filter(|o| o.gold == Some(intent))
                .count();
            let (p, r) = (ratio(tp, predicted), ratio(tp, support));
            macro_f1 += f1(p, r);
            writeln!(
                out,
                "{:<22} {p:>9.3} {r:>7.3} {:>7.3} {support:>8}",
                intent.as_str(),
                f1(p, r)
            )?;
        }
        writeln!(
            out,
            "{:<22} {:>25.3}",
            "macro avg f1",
            macro_f1 / Intent::ALL.len() as f64
        )
    }

    fn write_confusion(&self, out: &mut String) -> fmt::Result {
        writeln!(
            out,
            "\nconfusion matrix (rows: labelled, columns: predicted)"
        )?;
        write!(out, "{:<22}", "")?;
        for (i, _) in Intent::ALL.iter().enumerate() {
            write!(out, "{:>4}", i)?;
        }
        writeln!(out)?;
        for (row, gold) in Intent::ALL.into_iter().enumerate() {
            write!(out, "{:<18}{row:>4}", gold.as_str())?;
            for predicted in Intent::ALL {
                let count = self
                    .outcomes
                    .iter()
                    .filter(|o| o.gold == Some(gold) && o.analysis.intent == predicted)
                    .count();
                if count == 0 {
                    write!(out, "{:>4}", ".")?;
                } else {
                    write!(out, "{count:>4}")?;
                }
            }
            writeln!(out)?;
        }
        Ok(())
    }

    fn write_histogram(&self, out: &mut String) -> fmt::Result {
        writeln!(
            out,
            "\nconfidence histogram (calibration: accuracy should track confidence)"
        )?;
        for bin in 0..10 {
            let (lo, hi) = (bin as f32 / 10.0, (bin + 1) as f32 / 10.0);
            let in_bin: Vec<&Outcome> = self
                .outcomes
                .iter()
                .filter(|o| o.analysis.confidence >= lo && (o.analysis.confidence < hi || bin == 9))
                .collect();
            let correct = in_bin
                .iter()
                .filter(|o| o.gold == Some(o.analysis.intent))
                .count();
            let bar = "#".repeat(in_bin.len().div_ceil(2));
            writeln!(
                out,
                "{lo:.1}-{hi:.1} {:>4}  accuracy {:>5}  {bar}",
                in_bin.len(),
                if in_bin.is_empty() {
                    "-".to_owned()
                } else {
                    format!("{:.2}", ratio(correct, in_bin.len()))
                },
            )?;
        }
        Ok(())
    }

    fn write_errors(&self, out: &mut String) -> fmt::Result {
        writeln!(out, "\nerrors")?;
        for o in self
            .outcomes
            .iter()
            .filter(|o| o.labelled.intent_scored() && !o.intent_right())
        {
            writeln!(
                out,
                "{}: {} -> {} ({:.2})  {}",
                o.labelled.id,
                o.labelled.intent,
                o.analysis.intent,
                o.analysis.confidence,
                o.labelled.text
            )?;
        }
        for o in &self.outcomes {
            let gold = gold_pairs(&o.labelled.entities);
            let predicted = predicted_pairs(&o.analysis);
            let (t, f, m) = measurement_counts(
                &gold_measurements(&o.labelled.entities),
                &o.analysis.entities.measurements,
            );
            if gold != predicted || f + m > 0 {
                let show = |pairs: BTreeSet<&(String, String)>| {
                    pairs
                        .into_iter()
                        .map(|(k, v)| format!("{k}={v}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                writeln!(
                    out,
                    "{}: entities missed [{}] extra [{}]{}  {}",
                    o.labelled.id,
                    show(gold.difference(&predicted).collect()),
                    show(predicted.difference(&gold).collect()),
                    if f + m > 0 {
                        format!(" measurements {t} right, {f} extra, {m} missed")
                    } else {
                        String::new()
                    },
                    o.labelled.text
                )?;
            }
        }
        for o in &self.outcomes {
            if o.language_right() == Some(false) {
                writeln!(
                    out,
                    "{}: language {} -> {}  {}",
                    o.labelled.id,
                    o.labelled
                        .language
                        .clone()
                        .flatten()
                        .unwrap_or_else(|| "none".to_owned()),
                    o.analysis.language.map_or("none", Language::as_str),
                    o.labelled.text
                )?;
            }
        }
        Ok(())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write_summary(&mut out)?;
        self.write_per_language(&mut out)?;
        self.write_per_tag(&mut out)?;
        self.write_per_intent(&mut out)?;
        self.write_confusion(&mut out)?;
        self.write_histogram(&mut out)?;
        self.write_errors(&mut out)?;
        f.write_str(&out)
    }
}
