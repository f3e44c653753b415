//! Signed unsubscribe links of alert e-mails: the token names the shop, the person and the
//! alert kind, and carries an HMAC-SHA256 under a key derived from the master key, so the
//! ingress checks it with no database lookup and nobody can make one for someone else.
//! Tokens made under a previous master key still verify while it is listed
//! (`OTKLIK_PREVIOUS_MASTER_KEYS`), so a rotation does not break the links already mailed.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use otklik_schema::{AlertKind, TenantId, UserId};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

/// Whom an unsubscribe link is for, and what it switches off.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Unsubscribe {
    pub tenant_id: TenantId,
    pub user_id: UserId,
    pub kind: AlertKind,
}

/// Makes and checks unsubscribe tokens.
#[derive(Clone)]
pub struct UnsubscribeTokens {
    /// One derived key per master key, the current one first.
    keys: Vec<[u8; 32]>,
}

impl UnsubscribeTokens {
    /// `master_keys`: the current master key first, then previous ones still honoured.
    pub fn new(master_keys: &[SecretString]) -> Self {
        let keys = master_keys
            .iter()
            .map(|master| {
                let mut mac = hmac(master.expose_secret().as_bytes());
                mac.update(b"otklik alert unsubscribe");
                mac.finalize().into_bytes().into()
            })
            .collect();
        Self { keys }
    }

    /// `<tenant>.<user>.<kind>.<signature>`, URL-safe.
    pub fn sign(&self, to: Unsubscribe) -> String {
        let payload = payload(to);
        let signature = self
            .keys
            .first()
            .map(|key| URL_SAFE_NO_PAD.encode(signature(key, &payload)))
            .unwrap_or_default();
        format!("{payload}.{signature}")
    }

    /// What a genuine token says; `None` for anything malformed or not signed by us.
    pub fn verify(&self, token: &str) -> Option<Unsubscribe> {
        let (payload, signature) = token.rsplit_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        let mut parts = payload.split('.');
        let to = Unsubscribe {
            tenant_id: TenantId(parts.next()?.parse().ok()?),
            user_id: UserId(parts.next()?.parse().ok()?),
            kind: parts.next()?.parse().ok()?,
        };
        if parts.next().is_some() || self.keys.is_empty() || payload != self::payload(to) {
            return None;
        }
        self.keys
            .iter()
            .any(|key| {
                let mut mac = hmac(key);
                mac.update(payload.as_bytes());
                mac.verify_slice(&signature).is_ok()
            })
            .then_some(to)
    }
}

fn payload(to: Unsubscribe) -> String {
    format!("{}.{}.{}", to.tenant_id, to.user_id, to.kind)
}

fn signature(key: &[u8; 32], payload: &str) -> [u8; 32] {
    let mut mac = hmac(key);
    mac.update(payload.as_bytes());
    mac.finalize().into_bytes().into()
}

fn hmac(key: &[u8]) -> Hmac<Sha256> {
    let Ok(mac) = Hmac::<Sha256>::new_from_slice(key) else {
        unreachable!("HMAC accepts keys of any length")
    };
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(keys: &[&str]) -> UnsubscribeTokens {
        let keys: Vec<SecretString> = keys.iter().map(|k| SecretString::from(*k)).collect();
        UnsubscribeTokens::new(&keys)
    }

    const TO: Unsubscribe = Unsubscribe {
        tenant_id: TenantId(3),
        user_id: UserId(42),
        kind: AlertKind::WaitingConversation,
    };

    #[test]
    fn a_signed_token_verifies_and_says_whom_it_is_for() {
        let tokens = tokens(&["k".repeat(32).as_str()]);
        let token = tokens.sign(TO);
        assert!(token.starts_with("3.42.waiting_conversation."), "{token}");
        assert_eq!(tokens.verify(&token), Some(TO));
    }

    #[test]
    fn a_changed_or_foreign_token_does_not() {
        let ours = tokens(&["k".repeat(32).as_str()]);
        let theirs = tokens(&["j".repeat(32).as_str()]);
        let token = ours.sign(TO);
        assert_eq!(theirs.verify(&token), None, "another master key");
        let other_user = token.replacen("3.42.", "3.43.", 1);
        assert_eq!(ours.verify(&other_user), None, "another person");
        let other_kind = token.replacen("waiting_conversation", "sync_failing", 1);
        assert_eq!(ours.verify(&other_kind), None, "another kind");
        assert_eq!(ours.verify("3.42.waiting_conversation"), None);
        assert_eq!(ours.verify("3.42.waiting_conversation."), None);
        assert_eq!(ours.verify(""), None);
        assert_eq!(ours.verify(&format!("{token}x")), None);
        assert_eq!(ours.verify(&token.replacen("3.", "03.", 1)), None);
    }

    #[test]
    fn tokens_of_a_previous_master_key_still_verify() {
        let before = tokens(&["old".repeat(11).as_str()]);
        let after = tokens(&["new".repeat(11).as_str(), "old".repeat(11).as_str()]);
        assert_eq!(after.verify(&before.sign(TO)), Some(TO));
    }
}
