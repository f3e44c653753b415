//! The `workers nlu eval` report, in the spirit of Rasa's: per-intent precision, recall and F1,
//! a confusion matrix, a confidence histogram and the list of errors.

use std::collections::{BTreeSet, HashMap};
use std::fmt::{self, Write as _};

use serde::Deserialize;

use crate::{Analysis, Intent, TRAINING_SUMMARY, analyse};

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

impl Report {
    pub fn intent_accuracy(&self) -> f64 {
        let correct = self
            .outcomes
            .iter()
            .filter(|o| o.gold == Some(o.analysis.intent))
            .count();
        ratio(correct, self.outcomes.len())
    }

    fn write_summary(&self, out: &mut String) -> fmt::Result {
        let n = self.outcomes.len();
        let handoff_gold = self.outcomes.iter().filter(|o| o.labelled.handoff).count();
        let handoff_hit = self
            .outcomes
            .iter()
            .filter(|o| o.labelled.handoff && o.analysis.handoff)
            .count();
        let handoff_predicted = self.outcomes.iter().filter(|o| o.analysis.handoff).count();
        let (mut tp, mut fp, mut fn_) = (0, 0, 0);
        for o in &self.outcomes {
            let gold = gold_pairs(&o.labelled.entities);
            let predicted = predicted_pairs(&o.analysis);
            tp += gold.intersection(&predicted).count();
            fp += predicted.difference(&gold).count();
            fn_ += gold.difference(&predicted).count();
        }
        let (ep, er) = (ratio(tp, tp + fp), ratio(tp, tp + fn_));
        writeln!(out, "model: {TRAINING_SUMMARY}")?;
        writeln!(out, "messages: {n}")?;
        writeln!(out, "intent accuracy: {:.3}", self.intent_accuracy())?;
        writeln!(
            out,
            "handoff: recall {:.3} ({handoff_hit}/{handoff_gold}), precision {:.3}",
            ratio(handoff_hit, handoff_gold),
            ratio(handoff_hit, handoff_predicted)
        )?;
        writeln!(
            out,
            "entities: precision {ep:.3}, recall {er:.3}, F1 {:.3}",
            f1(ep, er)
        )
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
            .filter(|o| o.gold != Some(o.analysis.intent))
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
        Ok(())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        self.write_summary(&mut out)?;
        self.write_per_intent(&mut out)?;
        self.write_confusion(&mut out)?;
        self.write_histogram(&mut out)?;
        self.write_errors(&mut out)?;
        f.write_str(&out)
    }
}
