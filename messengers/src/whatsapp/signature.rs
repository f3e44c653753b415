//! `X-Hub-Signature-256: sha256=<hex>`: HMAC-SHA256 of the raw body with the Meta app secret.
//! Meta signs "an escaped unicode version of the payload": a body that carries raw UTF-8 was
//! signed with every character outside ASCII written as `\uXXXX` (lowercase hex, UTF-16 code
//! units), so that form is checked when the raw bytes do not match.

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// The header Meta signs webhooks with.
pub const HEADER: &str = "x-hub-signature-256";

/// Whether `header` is the signature of `body` under `app_secret`, compared in constant time.
pub fn verify(app_secret: &[u8], body: &[u8], header: Option<&[u8]>) -> bool {
    let Some(given) = header
        .and_then(|value| value.strip_prefix(b"sha256="))
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
    else {
        return false;
    };
    if matches(app_secret, body, &given) {
        return true;
    }
    match std::str::from_utf8(body) {
        Ok(text) if !text.is_ascii() => matches(app_secret, escaped(text).as_bytes(), &given),
        _ => false,
    }
}

/// The header value for `body` (what Meta would send; the fakes sign with it).
pub fn sign(app_secret: &[u8], body: &[u8]) -> String {
    let mut mac = mac(app_secret);
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

fn mac(app_secret: &[u8]) -> Hmac<Sha256> {
    let Ok(mac) = Hmac::<Sha256>::new_from_slice(app_secret) else {
        unreachable!("HMAC accepts keys of any length")
    };
    mac
}

fn matches(app_secret: &[u8], body: &[u8], given: &[u8]) -> bool {
    let mut mac = mac(app_secret);
    mac.update(body);
    mac.verify_slice(given).is_ok()
}

/// `text` with every non-ASCII character as `\uXXXX` per UTF-16 code unit.
fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 2);
    for c in text.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_bodys_own_signature_is_accepted() {
        let body = br#"{"object":"whatsapp_business_account","entry":[]}"#;
        let header = sign(b"app-secret", body);
        assert!(verify(b"app-secret", body, Some(header.as_bytes())));
        assert!(!verify(b"other-secret", body, Some(header.as_bytes())));
        assert!(!verify(b"app-secret", b"{}", Some(header.as_bytes())));
        assert!(!verify(b"app-secret", body, Some(&header.as_bytes()[7..])));
        assert!(!verify(b"app-secret", body, Some(b"sha256=zz")));
        assert!(!verify(b"app-secret", body, None));
    }

    proptest::proptest! {
        /// Only the body's own signature under the app's own secret passes: any other header,
        /// another body's signature, or another secret's is refused.
        #[test]
        fn no_forged_signature_passes(
            secret in proptest::collection::vec(proptest::prelude::any::<u8>(), 1..64),
            body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256),
            other in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256),
            header in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..96),
        ) {
            let own = sign(&secret, &body);
            proptest::prop_assert!(verify(&secret, &body, Some(own.as_bytes())));
            proptest::prop_assert_eq!(verify(&secret, &body, Some(&header)), header == own.as_bytes());
            if other != body {
                let theirs = sign(&secret, &other);
                proptest::prop_assert!(!verify(&secret, &body, Some(theirs.as_bytes())));
            }
            // Another secret: a changed byte (HMAC pads keys with zeros, so an appended zero
            // byte would be the same key).
            let mut wrong = secret.clone();
            wrong[0] ^= 1;
            proptest::prop_assert!(!verify(&wrong, &body, Some(own.as_bytes())));
        }
    }

    #[test]
    fn raw_utf8_is_checked_against_the_escaped_form_meta_signs() {
        let raw = "{\"text\":\"Привет 😀\"}";
        let signed_as = escaped(raw);
        assert_eq!(
            signed_as,
            "{\"text\":\"\\u041f\\u0440\\u0438\\u0432\\u0435\\u0442 \\ud83d\\ude00\"}"
        );
        let header = sign(b"s", signed_as.as_bytes());
        assert!(verify(b"s", raw.as_bytes(), Some(header.as_bytes())));
        let header = sign(b"s", raw.as_bytes());
        assert!(verify(b"s", raw.as_bytes(), Some(header.as_bytes())));
    }
}
