//! WB API tokens: JWT-shaped strings whose payload carries the token type (`acc`), the
//! category bitmask (`s`) and the expiry, which clients decode during onboarding. The
//! signature is random bytes; the sandbox trusts tokens it registered, not signatures.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::{Value, json};

/// Bit of the read-only flag in `s`.
pub(crate) const READ_ONLY_BIT: u32 = 30;

/// Categories a sandbox token gets by default: Content, Prices, Marketplace, Statistics,
/// Feedbacks & Questions, Buyers chat, Buyers returns.
pub const DEFAULT_CATEGORIES: &[u32] = &[1, 3, 4, 5, 7, 9, 11];

/// `acc` of a Service token (a cloud service from WB's catalogue).
pub const ACC_SERVICE: u8 = 4;

pub(crate) fn uuid() -> String {
    let bits: u128 = rand::random();
    let hex = format!("{bits:032x}");
    format!(
        "{}-{}-4{}-a{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[13..16],
        &hex[17..20],
        &hex[20..]
    )
}

/// A JWT-shaped WB token with payload `{id, sid, exp, s, acc, t[, for]}`: `categories` are
/// bit numbers of `s` (1 Content, 4 Marketplace, 5 Statistics, …), `read_only` sets bit 30,
/// `acc` is the token type (1 Base, 2 Test, 3 Personal, 4 Service).
pub fn wb_token(categories: &[u32], read_only: bool, acc: u8, exp: DateTime<Utc>) -> String {
    let mut scopes = categories
        .iter()
        .fold(0u64, |mask, bit| mask | 1u64.checked_shl(*bit).unwrap_or(0));
    if read_only {
        scopes |= 1 << READ_ONLY_BIT;
    }
    let mut payload = json!({
        "id": uuid(),
        "sid": uuid(),
        "exp": exp.timestamp(),
        "s": scopes,
        "acc": acc,
        "t": acc == 2,
    });
    let purpose = match acc {
        3 => Some("self".to_owned()),
        ACC_SERVICE => Some(format!("asid:{}", uuid())),
        _ => None,
    };
    if let (Some(purpose), Value::Object(fields)) = (purpose, &mut payload) {
        fields.insert("for".to_owned(), Value::String(purpose));
    }
    let header = json!({"alg": "ES256", "kid": "20250408v1", "typ": "JWT"});
    let signature: [u8; 32] = rand::random();
    let signature = [signature, rand::random()].concat();
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(payload.to_string()),
        URL_SAFE_NO_PAD.encode(signature)
    )
}

/// What the sandbox checks on every request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Claims {
    pub(crate) scopes: u64,
    pub(crate) exp: i64,
    /// Bit 30 of `s`: the token may only call read methods.
    pub(crate) read_only: bool,
}

impl Claims {
    /// For registered strings that are not JWTs: allowed everywhere, forever.
    pub(crate) const OPAQUE: Self = Self {
        scopes: u64::MAX,
        exp: i64::MAX,
        read_only: false,
    };
}

#[derive(Deserialize)]
struct Payload {
    s: u64,
    exp: i64,
}

/// Reads the claims of a JWT-shaped token; the error says what is malformed, as WB's 401
/// detail does.
pub(crate) fn decode(token: &str) -> Result<Claims, String> {
    let parts: Vec<&str> = token.split('.').collect();
    let [_, payload, signature] = parts.as_slice() else {
        return Err("token contains an invalid number of segments".to_owned());
    };
    URL_SAFE_NO_PAD
        .decode(signature)
        .map_err(|error| format!("could not base64 decode signature: {error}"))?;
    let payload = URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|error| format!("could not base64 decode payload: {error}"))?;
    let payload: Payload = serde_json::from_slice(&payload)
        .map_err(|error| format!("could not JSON decode payload: {error}"))?;
    Ok(Claims {
        scopes: payload.s,
        exp: payload.exp,
        read_only: payload.s & (1 << READ_ONLY_BIT) != 0,
    })
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn tokens_round_trip() -> Result<(), String> {
        let exp = Utc::now() + Duration::days(180);
        let token = wb_token(DEFAULT_CATEGORIES, false, ACC_SERVICE, exp);
        let claims = decode(&token)?;
        assert_eq!(claims.exp, exp.timestamp());
        assert_eq!(claims.scopes, 0b1010_1011_1010);
        let read_only = decode(&wb_token(&[5], true, 1, exp))?;
        assert_eq!(read_only.scopes, (1 << 5) | (1 << 30));
        assert!(read_only.read_only && !claims.read_only);
        assert!(decode("abc").is_err());
        assert!(decode("a.b.c").is_err());
        Ok(())
    }
}
