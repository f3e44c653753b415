//! The held-out set (`eval/heldout.jsonl`, see the README) must keep the NLU above the
//! figures the product promises. Run with `--nocapture` to see the full report.

use std::collections::HashMap;

use otklik_nlu::report::{Labelled, evaluate};

const HELD_OUT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/eval/heldout.jsonl");

/// FNV-1a of the held-out file as committed before the rules and the corpus were changed
/// (commit 4b7bf04). The file is frozen: a changed line would be tuned to.
const FROZEN_DIGEST: u64 = 0xb14a_11cc_51df_2ff9;

fn digest(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn held_out() -> Vec<Labelled> {
    let text = std::fs::read_to_string(HELD_OUT).expect("the held-out file");
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(n, l)| serde_json::from_str(l).unwrap_or_else(|e| panic!("line {}: {e}", n + 1)))
        .collect()
}

#[test]
fn held_out_scores_meet_the_targets() {
    let report = evaluate(held_out());
    let scores = report.scores();
    eprintln!("{report}");
    assert!(scores.messages >= 400, "{} lines", scores.messages);
    assert!(
        scores.intent_accuracy >= 0.93,
        "intent accuracy {:.3}",
        scores.intent_accuracy
    );
    assert!(
        scores.entity_f1 >= 0.95,
        "entity F1 {:.3}",
        scores.entity_f1
    );
    let language = scores.language_accuracy.expect("the lines carry languages");
    assert!(language >= 0.95, "language accuracy {language:.3}");
    assert!(
        scores.measurement_f1 >= 0.9,
        "measurement F1 {:.3}",
        scores.measurement_f1
    );
}

#[test]
fn the_held_out_file_is_frozen() {
    let bytes = std::fs::read(HELD_OUT).expect("the held-out file");
    assert_eq!(digest(&bytes), FROZEN_DIGEST, "eval/heldout.jsonl changed");
}

/// No training line may be a held-out line, however written: compared in the canonical form
/// the model sees (numbers by their shape), so «Где заказ 123?» and «где заказ 456» collide.
#[test]
fn no_held_out_line_is_in_the_corpus() {
    let held: HashMap<String, String> = held_out()
        .into_iter()
        .map(|l| (otklik_nlu::canonical(&l.text), l.text))
        .filter(|(canonical, _)| !canonical.is_empty())
        .collect();
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut found = Vec::new();
    for language in std::fs::read_dir(&corpus).expect("the corpus") {
        for file in std::fs::read_dir(language.expect("a language").path()).expect("files") {
            let path = file.expect("a corpus file").path();
            let text = std::fs::read_to_string(&path).expect("utf-8");
            for line in text.lines().filter(|l| !l.starts_with('#')) {
                if let Some(original) = held.get(&otklik_nlu::canonical(line)) {
                    found.push(format!("{}: {line} (held out: {original})", path.display()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "held-out lines in the corpus:\n{}",
        found.join("\n")
    );
}
