//! Multinomial logistic regression over hashed sparse features, trained with AdaGrad, then
//! calibrated by temperature scaling on a held-out slice.

use std::collections::HashMap;

use crate::features::Features;

pub struct Example {
    pub features: Features,
    pub label: usize,
}

pub struct Model {
    pub classes: usize,
    /// (bucket, one weight per class), sorted by bucket.
    pub rows: Vec<(u32, Vec<f32>)>,
    pub temperature: f32,
}

pub struct Settings {
    pub epochs: usize,
    pub learning_rate: f32,
    pub l2: f32,
    pub seed: u64,
}

/// A small deterministic generator: builds must be reproducible.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Dense {
    index: HashMap<u32, usize>,
    buckets: Vec<u32>,
}

impl Dense {
    fn of(examples: &[Example]) -> Dense {
        let mut index = HashMap::new();
        let mut buckets = Vec::new();
        for example in examples {
            for &(bucket, _) in &example.features {
                index.entry(bucket).or_insert_with(|| {
                    buckets.push(bucket);
                    buckets.len() - 1
                });
            }
        }
        Dense { index, buckets }
    }
}

fn softmax(scores: &mut [f32], temperature: f32) {
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut sum = 0.0;
    for s in scores.iter_mut() {
        *s = ((*s - max) / temperature).exp();
        sum += *s;
    }
    for s in scores.iter_mut() {
        *s /= sum;
    }
}

struct Weights {
    classes: usize,
    dense: Dense,
    w: Vec<f32>,
}

impl Weights {
    fn scores(&self, features: &Features, out: &mut [f32]) {
        out.fill(0.0);
        for &(bucket, x) in features {
            if let Some(&row) = self.dense.index.get(&bucket) {
                let w = &self.w[row * self.classes..(row + 1) * self.classes];
                for (o, wk) in out.iter_mut().zip(w) {
                    *o += wk * x;
                }
            }
        }
    }
}

/// Per class, the weight that makes every class count as much in the fit: how many lines a
/// class has in the corpus is how much was written for it, not how often shoppers ask it.
fn class_weights(examples: &[Example], classes: usize) -> Vec<f32> {
    let mut counts = vec![0usize; classes];
    for example in examples {
        counts[example.label] += 1;
    }
    counts
        .iter()
        .map(|&n| examples.len() as f32 / (classes as f32 * n.max(1) as f32))
        .collect()
}

fn fit(examples: &[Example], classes: usize, settings: &Settings) -> Weights {
    let dense = Dense::of(examples);
    let class_weight = class_weights(examples, classes);
    let n = dense.buckets.len() * classes;
    let mut w = vec![0.0f32; n];
    let mut g2 = vec![1e-6f32; n];
    let rows: Vec<Vec<(usize, f32)>> = examples
        .iter()
        .map(|e| {
            e.features
                .iter()
                .map(|&(b, x)| (dense.index[&b], x))
                .collect()
        })
        .collect();
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut rng = Rng::new(settings.seed);
    let mut scores = vec![0.0f32; classes];
    for _ in 0..settings.epochs {
        for i in (1..order.len()).rev() {
            order.swap(i, rng.below(i + 1));
        }
        for &e in &order {
            scores.fill(0.0);
            for &(row, x) in &rows[e] {
                for (k, s) in scores.iter_mut().enumerate() {
                    *s += w[row * classes + k] * x;
                }
            }
            softmax(&mut scores, 1.0);
            let label = examples[e].label;
            scores[label] -= 1.0;
            for s in &mut scores {
                *s *= class_weight[label];
            }
            for &(row, x) in &rows[e] {
                for (k, gk) in scores.iter().enumerate() {
                    let at = row * classes + k;
                    let grad = gk * x + settings.l2 * w[at];
                    g2[at] += grad * grad;
                    w[at] -= settings.learning_rate * grad / g2[at].sqrt();
                }
            }
        }
    }
    Weights { classes, dense, w }
}

fn negative_log_likelihood(weights: &Weights, held_out: &[Example], temperature: f32) -> f32 {
    let mut scores = vec![0.0f32; weights.classes];
    let mut total = 0.0;
    for example in held_out {
        weights.scores(&example.features, &mut scores);
        softmax(&mut scores, temperature);
        total -= scores[example.label].max(1e-9).ln();
    }
    total / held_out.len().max(1) as f32
}

pub struct Report {
    pub held_out: usize,
    pub held_out_accuracy: f32,
    pub temperature: f32,
}

/// Fits on all but every `k`-th group to pick the temperature and measure accuracy, then fits
/// again on everything. A group is one corpus line and its augmented copies; only the line
/// itself is held out, so no copy of it leaks into the fit.
pub fn train(
    groups: Vec<Vec<Example>>,
    held_out_every: usize,
    classes: usize,
    settings: &Settings,
) -> (Model, Report) {
    let (mut fit_set, mut held_out, mut copies) = (Vec::new(), Vec::new(), Vec::new());
    for (i, group) in groups.into_iter().enumerate() {
        let mut group = group.into_iter();
        if i % held_out_every == 0 {
            held_out.extend(group.next());
            copies.extend(group);
        } else {
            fit_set.extend(group);
        }
    }
    let probe = fit(&fit_set, classes, settings);
    let temperature = (2..=40)
        .map(|t| t as f32 / 10.0)
        .min_by(|a, b| {
            negative_log_likelihood(&probe, &held_out, *a)
                .total_cmp(&negative_log_likelihood(&probe, &held_out, *b))
        })
        .unwrap_or(1.0);
    let mut scores = vec![0.0f32; classes];
    let correct = held_out
        .iter()
        .filter(|e| {
            probe.scores(&e.features, &mut scores);
            let best = (0..classes).max_by(|&a, &b| scores[a].total_cmp(&scores[b]));
            best == Some(e.label)
        })
        .count();
    let report = Report {
        held_out: held_out.len(),
        held_out_accuracy: correct as f32 / held_out.len().max(1) as f32,
        temperature,
    };
    fit_set.extend(held_out);
    fit_set.extend(copies);
    let all = fit(&fit_set, classes, settings);
    let mut rows: Vec<(u32, Vec<f32>)> = all
        .dense
        .buckets
        .iter()
        .enumerate()
        .map(|(row, &bucket)| (bucket, all.w[row * classes..(row + 1) * classes].to_vec()))
        .collect();
    rows.sort_unstable_by_key(|(bucket, _)| *bucket);
    (
        Model {
            classes,
            rows,
            temperature,
        },
        report,
    )
}
