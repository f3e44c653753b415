//! Body measurements a shopper gives for size advice: «рост 170, обхват груди 92».

use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasurementKind {
    Height,
    Weight,
    Chest,
    Waist,
    Hips,
    Foot,
    Head,
    Inseam,
}

/// A measurement in centimetres (weight in kilograms).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Measurement {
    pub kind: MeasurementKind,
    pub value: f32,
}

static MEASURE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(рост\w*|вес\w*|обхват\w*\s+груди|ог\b|груд\w*|обхват\w*\s+тали\w*|от\b|тали\w*|обхват\w*\s+бед\w*|об\b|бедр\w*|бёдр\w*|стоп\w*|нога\b|ноги\b|длин\w*\s+стоп\w*|обхват\w*\s+голов\w*|голов\w*|обхват\w*|height|chest|waist|hips|weight|foot)\D{0,12}?(\d{2,3}(?:[.,]\d)?)")
        .unwrap_or_else(|e| panic!("measurement pattern: {e}"))
});

fn kind(word: &str) -> Option<MeasurementKind> {
    let w = word.to_lowercase();
    let w = w.trim();
    Some(if w.starts_with("рост") || w.starts_with("height") {
        MeasurementKind::Height
    } else if w.starts_with("вес") || w.starts_with("weight") {
        MeasurementKind::Weight
    } else if w.contains("груд") || w == "ог" || w.starts_with("chest") {
        MeasurementKind::Chest
    } else if w.contains("тали") || w == "от" || w.starts_with("waist") {
        MeasurementKind::Waist
    } else if w.contains("бед") || w.contains("бёд") || w == "об" || w.starts_with("hips") {
        MeasurementKind::Hips
    } else if w.contains("стоп") || w.starts_with("ног") || w.starts_with("foot") {
        MeasurementKind::Foot
    } else if w.contains("голов") {
        MeasurementKind::Head
    } else if w.starts_with("обхват") {
        // A bare «обхват» is the chest's: the measure every clothing chart starts with.
        MeasurementKind::Chest
    } else {
        return None;
    })
}

/// Every measurement named in `text`, first mention of each kind.
pub fn measurements(text: &str) -> Vec<Measurement> {
    let mut out: Vec<Measurement> = Vec::new();
    for caps in MEASURE.captures_iter(text) {
        let Some(kind) = kind(&caps[1]) else { continue };
        let Ok(mut value) = caps[2].replace(',', ".").parse::<f32>() else {
            continue;
        };
        if kind == MeasurementKind::Foot && value > 100.0 {
            value /= 10.0; // millimetres
        }
        if !out.iter().any(|m| m.kind == kind) {
            out.push(Measurement { kind, value });
        }
    }
    out
}
