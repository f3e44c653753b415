//! The trained weights, decoded once from the bytes the build script wrote.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::LazyLock;

use crate::features::Features;
use crate::intent::Intent;

const CLASSES: usize = Intent::ALL.len();

/// Bucket ids are hashes already: one multiplication spreads them over the table's bits, where
/// SipHash would cost a quarter of the whole analysis.
#[derive(Default)]
struct BucketHasher(u64);

impl Hasher for BucketHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | u64::from(b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
    }

    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    }
}

type Rows = HashMap<u32, [f32; CLASSES], BuildHasherDefault<BucketHasher>>;

pub struct Model {
    rows: Rows,
    temperature: f32,
}

static BYTES: &[u8] = include_bytes!(concat!(env!("OUT_DIR"), "/model.bin"));

/// How the model was trained, for reports: corpus size and held-out accuracy.
pub static TRAINING_SUMMARY: &str = include_str!(concat!(env!("OUT_DIR"), "/training.txt"));

pub static MODEL: LazyLock<Model> = LazyLock::new(|| Model::decode(BYTES));

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    let mut word = [0u8; 4];
    word.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(word)
}

impl Model {
    /// The bytes come from our own build script; a mismatch is a build bug, not input.
    fn decode(bytes: &[u8]) -> Model {
        assert_eq!(
            &bytes[..8],
            b"OTKNLU01",
            "model file written by another build"
        );
        assert_eq!(
            read_u32(bytes, 8) as usize,
            CLASSES,
            "model trained for other labels"
        );
        let temperature = f32::from_bits(read_u32(bytes, 12));
        let count = read_u32(bytes, 16) as usize;
        let mut rows = Rows::with_capacity_and_hasher(count, BuildHasherDefault::default());
        let mut at = 20;
        for _ in 0..count {
            let bucket = read_u32(bytes, at);
            at += 4;
            let mut weights = [0.0f32; CLASSES];
            for w in &mut weights {
                *w = f32::from_bits(read_u32(bytes, at));
                at += 4;
            }
            rows.insert(bucket, weights);
        }
        Model { rows, temperature }
    }

    /// Calibrated probabilities, one per intent in `Intent::ALL` order.
    pub fn probabilities(&self, features: &Features) -> [f32; CLASSES] {
        let mut scores = [0.0f32; CLASSES];
        for (bucket, x) in features {
            if let Some(weights) = self.rows.get(bucket) {
                for (s, w) in scores.iter_mut().zip(weights) {
                    *s += w * x;
                }
            }
        }
        let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let mut sum = 0.0;
        for s in &mut scores {
            *s = ((*s - max) / self.temperature).exp();
            sum += *s;
        }
        for s in &mut scores {
            *s /= sum;
        }
        scores
    }
}
