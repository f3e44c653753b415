//! Sparse features of a message: hashed words, word pairs and character n-grams of the
//! canonical form. Character n-grams carry typos and word forms («заказ», «заказа», «zakazu»)
//! to the same weights. Shared with the build script.

use crate::text::Token;

/// Features are hashed into this many buckets; the model keeps only the buckets it saw.
pub const BUCKETS: u32 = 1 << 20;

const CHAR_NGRAMS: std::ops::RangeInclusive<usize> = 3..=5;

/// A message as (bucket, weight) pairs, weights scaled to unit length.
pub type Features = Vec<(u32, f32)>;

fn fnv(kind: u8, parts: &[&[u8]]) -> u32 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(kind);
    for (i, part) in parts.iter().enumerate() {
        if i > 0 {
            hash ^= 0x1f;
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        for &byte in *part {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    (hash % u64::from(BUCKETS)) as u32
}

fn token_text(token: &Token) -> std::borrow::Cow<'_, str> {
    match token {
        Token::Word(w) => w.as_str().into(),
        Token::Number(shape) => shape.as_str().into(),
        Token::Symbol(c) => c.to_string().into(),
        Token::Question => "?".into(),
        Token::Exclamation => "!".into(),
    }
}

/// The features of a tokenised message.
pub fn extract(tokens: &[Token]) -> Features {
    let mut raw: Vec<u32> = Vec::with_capacity(tokens.len() * 12 + 1);
    raw.push(fnv(0, &[b"bias"]));
    let texts: Vec<_> = tokens.iter().map(token_text).collect();
    for (i, text) in texts.iter().enumerate() {
        raw.push(fnv(1, &[text.as_bytes()]));
        if let Some(next) = texts.get(i + 1) {
            raw.push(fnv(2, &[text.as_bytes(), next.as_bytes()]));
        }
        if let Token::Word(word) = &tokens[i] {
            let padded: Vec<u8> = [b"<".as_slice(), word.as_bytes(), b">"].concat();
            for n in CHAR_NGRAMS {
                if padded.len() < n {
                    break;
                }
                for gram in padded.windows(n) {
                    raw.push(fnv(3, &[gram]));
                }
            }
        }
    }
    if tokens.iter().all(|t| !matches!(t, Token::Word(_))) {
        raw.push(fnv(4, &[b"no-words"]));
    }
    raw.sort_unstable();
    let mut features: Features = Vec::with_capacity(raw.len());
    for bucket in raw {
        match features.last_mut() {
            Some((last, weight)) if *last == bucket => *weight += 1.0,
            _ => features.push((bucket, 1.0)),
        }
    }
    let norm = features.iter().map(|(_, w)| w * w).sum::<f32>().sqrt();
    for (_, weight) in &mut features {
        *weight /= norm;
    }
    features
}
