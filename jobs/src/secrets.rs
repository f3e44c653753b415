//! Per-channel webhook secrets, derived from the master key so the ingress can check a webhook
//! with no database lookup. Rotating the master key rotates every secret (webhooks must then be
//! registered again).

use hmac::{Hmac, Mac};
use otklik_schema::ChannelId;
use secrecy::{ExposeSecret, SecretString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// Derives and checks webhook secrets.
#[derive(Clone)]
pub struct WebhookSecrets {
    master: SecretString,
}

impl WebhookSecrets {
    pub fn new(master: SecretString) -> Self {
        Self { master }
    }

    /// The `secret_token` to register with Telegram's `setWebhook` for this channel: 64 hex
    /// characters, within Telegram's `A-Za-z0-9_-`, 1–256 rule.
    pub fn telegram(&self, channel: ChannelId) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.master.expose_secret().as_bytes())
        else {
            unreachable!("HMAC accepts keys of any length")
        };
        mac.update(b"telegram-webhook:");
        mac.update(channel.0.to_string().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }

    /// Compares the header Telegram sent with the channel's secret in constant time.
    pub fn telegram_matches(&self, channel: ChannelId, given: Option<&[u8]>) -> bool {
        let expected = self.telegram(channel);
        given.is_some_and(|given| given.ct_eq(expected.as_bytes()).into())
    }

    /// The `secret` of a MAX channel's `POST /subscriptions`, sent back in
    /// `X-Max-Bot-Api-Secret`: 64 hex characters, within MAX's `[A-Za-z0-9_-]{5,256}`.
    pub fn max(&self, channel: ChannelId) -> String {
        self.derive(b"max-webhook:", channel)
    }

    /// Compares the header MAX sent with the channel's secret in constant time.
    pub fn max_matches(&self, channel: ChannelId, given: Option<&[u8]>) -> bool {
        let expected = self.max(channel);
        given.is_some_and(|given| given.ct_eq(expected.as_bytes()).into())
    }

    /// The `secret_key` of a VK channel's callback server, sent back as `secret` in every
    /// event's body: 48 hex characters, within VK's 50.
    pub fn vk(&self, channel: ChannelId) -> String {
        let mut secret = self.derive(b"vk-callback:", channel);
        secret.truncate(48);
        secret
    }

    /// Compares the `secret` VK sent with the channel's in constant time.
    pub fn vk_matches(&self, channel: ChannelId, given: Option<&[u8]>) -> bool {
        let expected = self.vk(channel);
        given.is_some_and(|given| given.ct_eq(expected.as_bytes()).into())
    }

    fn derive(&self, purpose: &[u8], channel: ChannelId) -> String {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(self.master.expose_secret().as_bytes())
        else {
            unreachable!("HMAC accepts keys of any length")
        };
        mac.update(purpose);
        mac.update(channel.0.to_string().as_bytes());
        hex::encode(mac.finalize().into_bytes())
    }
}

/// A new single-use secret (a refresh token, an invitation, a reset link, an API key's body) and
/// the hash to store: 256 random bits, URL-safe. Every such secret is stored only as this hash.
pub fn new_token() -> (String, String) {
    use base64::Engine;
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let hash = token_hash(&token);
    (token, hash)
}

/// SHA-256 of a secret, hex: how secrets are stored and looked up.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secrets(key: &str) -> WebhookSecrets {
        WebhookSecrets::new(SecretString::from(key))
    }

    #[test]
    fn secrets_differ_per_channel_and_per_master_key() {
        let a = secrets("k".repeat(32).as_str());
        let b = secrets("j".repeat(32).as_str());
        assert_ne!(a.telegram(ChannelId(1)), a.telegram(ChannelId(2)));
        assert_ne!(a.telegram(ChannelId(1)), b.telegram(ChannelId(1)));
        let secret = a.telegram(ChannelId(1));
        assert_eq!(secret.len(), 64);
        assert!(secret.bytes().all(|c| c.is_ascii_alphanumeric()));
    }

    #[test]
    fn only_the_exact_secret_matches() {
        let s = secrets("k".repeat(32).as_str());
        let good = s.telegram(ChannelId(7));
        assert!(s.telegram_matches(ChannelId(7), Some(good.as_bytes())));
        assert!(!s.telegram_matches(ChannelId(8), Some(good.as_bytes())));
        assert!(!s.telegram_matches(ChannelId(7), Some(&good.as_bytes()[..63])));
        assert!(!s.telegram_matches(ChannelId(7), None));
    }

    #[test]
    fn each_channel_kind_has_its_own_secret() {
        let s = secrets("k".repeat(32).as_str());
        let (telegram, max, vk) = (
            s.telegram(ChannelId(7)),
            s.max(ChannelId(7)),
            s.vk(ChannelId(7)),
        );
        assert_ne!(telegram, max);
        assert!(!max.starts_with(&vk));
        assert_eq!(vk.len(), 48);
        assert!(s.max_matches(ChannelId(7), Some(max.as_bytes())));
        assert!(!s.max_matches(ChannelId(7), Some(telegram.as_bytes())));
        assert!(s.vk_matches(ChannelId(7), Some(vk.as_bytes())));
        assert!(!s.vk_matches(ChannelId(8), Some(vk.as_bytes())));
        assert!(!s.vk_matches(ChannelId(7), None));
    }
}
