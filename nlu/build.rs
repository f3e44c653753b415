//! Trains the intent model from `corpus/` at build time, so the binary carries a ready model
//! and parsing needs no file, no network and no warm-up.

#![allow(
    dead_code,
    reason = "the shared modules hold items only the library uses"
)]

#[path = "src/features.rs"]
mod features;
#[path = "src/intent.rs"]
mod intent;
#[path = "src/text.rs"]
mod text;
#[path = "build/train.rs"]
mod train;

use std::io::Write;
use std::path::{Path, PathBuf};

use intent::Intent;
use text::Token;
use train::{Example, Rng, Settings};

/// A typo in one word: a letter dropped, two swapped or one replaced by a neighbour vowel.
fn misspell(tokens: &[Token], rng: &mut Rng) -> Vec<Token> {
    let mut out = tokens.to_vec();
    let words: Vec<usize> = out
        .iter()
        .enumerate()
        .filter(|(_, t)| matches!(t, Token::Word(w) if w.len() >= 4))
        .map(|(i, _)| i)
        .collect();
    if words.is_empty() {
        return out;
    }
    let at = words[rng.below(words.len())];
    if let Token::Word(word) = &mut out[at] {
        let mut bytes = word.clone().into_bytes();
        let i = 1 + rng.below(bytes.len() - 2);
        match rng.below(3) {
            0 => {
                bytes.remove(i);
            }
            1 => bytes.swap(i, i + 1),
            _ => {
                const VOWELS: &[u8] = b"aeiou";
                if VOWELS.contains(&bytes[i]) {
                    bytes[i] = VOWELS[rng.below(VOWELS.len())];
                } else {
                    bytes.remove(i);
                }
            }
        }
        *word = String::from_utf8_lossy(&bytes).into_owned();
    }
    out
}

/// Every line of `corpus/<language>/<intent>.txt`, languages in name order so builds are
/// reproducible. A language's directory may leave out intents it has no lines for yet.
fn corpus(dir: &Path) -> Vec<(Intent, String)> {
    let mut languages: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|entry| entry.expect("a corpus entry").path())
        .filter(|path| path.is_dir())
        .collect();
    languages.sort();
    let mut lines = Vec::new();
    for language in languages {
        for intent in Intent::ALL {
            let path = language.join(format!("{}.txt", intent.as_str()));
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            lines.extend(
                text.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(|l| (intent, l.to_owned())),
            );
        }
    }
    lines
}

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));
    for watched in [
        "corpus",
        "src/features.rs",
        "src/intent.rs",
        "src/text.rs",
        "build",
    ] {
        println!("cargo:rerun-if-changed={watched}");
    }

    let lines = corpus(&manifest.join("corpus"));
    let mut rng = Rng::new(0x5eed);
    let mut order: Vec<usize> = (0..lines.len()).collect();
    for i in (1..order.len()).rev() {
        order.swap(i, rng.below(i + 1));
    }
    let groups: Vec<Vec<Example>> = order
        .iter()
        .map(|&i| {
            let (intent, line) = &lines[i];
            let tokens = text::tokens(line);
            let mut group = vec![Example {
                features: features::extract(&tokens),
                label: intent.index(),
            }];
            for _ in 0..2 {
                group.push(Example {
                    features: features::extract(&misspell(&tokens, &mut rng)),
                    label: intent.index(),
                });
            }
            group
        })
        .collect();

    let settings = Settings {
        epochs: 12,
        learning_rate: 0.3,
        l2: 1e-5,
        seed: 42,
    };
    let (model, report) = train::train(groups, 7, Intent::ALL.len(), &settings);

    let mut bytes = Vec::with_capacity(16 + model.rows.len() * (4 + 4 * model.classes));
    bytes.extend_from_slice(b"OTKNLU01");
    bytes.extend_from_slice(&(model.classes as u32).to_le_bytes());
    bytes.extend_from_slice(&model.temperature.to_le_bytes());
    bytes.extend_from_slice(&(model.rows.len() as u32).to_le_bytes());
    for (bucket, weights) in &model.rows {
        bytes.extend_from_slice(&bucket.to_le_bytes());
        for w in weights {
            bytes.extend_from_slice(&w.to_le_bytes());
        }
    }
    std::fs::write(out.join("model.bin"), bytes).expect("writing the model");

    let mut summary = std::fs::File::create(out.join("training.txt")).expect("writing the summary");
    write!(
        summary,
        "trained on {} corpus lines ({} features); held-out accuracy {:.3} on {} lines; temperature {:.1}",
        lines.len(),
        model.rows.len(),
        report.held_out_accuracy,
        report.held_out,
        report.temperature,
    )
    .expect("writing the summary");
}
