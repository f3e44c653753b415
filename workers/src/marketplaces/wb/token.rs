//! A WB API token read without a network call: it is a JWT whose payload names its type,
//! categories (a bitmask), read-only flag and expiry (`marketplaces.md` §2.2). The signature is
//! WB's to check, not ours.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};
use serde::Deserialize;

/// A category of WB API access (the token's `s` bits).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Content = 1,
    Analytics = 2,
    Prices = 3,
    Marketplace = 4,
    Statistics = 5,
    Promotion = 6,
    Feedbacks = 7,
    BuyersChat = 9,
    Supplies = 10,
    Returns = 11,
    Documents = 12,
    Finance = 13,
    Users = 16,
}

impl Category {
    /// The name the seller sees when creating a token.
    pub fn name_ru(self) -> &'static str {
        match self {
            Self::Content => "Контент",
            Self::Analytics => "Аналитика",
            Self::Prices => "Цены и скидки",
            Self::Marketplace => "Маркетплейс",
            Self::Statistics => "Статистика",
            Self::Promotion => "Продвижение",
            Self::Feedbacks => "Вопросы и отзывы",
            Self::BuyersChat => "Чат с покупателями",
            Self::Supplies => "Поставки",
            Self::Returns => "Возвраты покупателями",
            Self::Documents => "Документы",
            Self::Finance => "Финансы",
            Self::Users => "Пользователи",
        }
    }
}

/// The bit that makes a token read-only.
const READ_ONLY_BIT: u32 = 30;

/// What kind of token the seller created (`acc`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Base,
    /// Sandbox only.
    Test,
    /// For the seller's own software; WB forbids handing it to cloud services.
    Personal,
    /// Issued to a service from WB's catalogue.
    Service,
    Unknown(u8),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WbToken {
    pub kind: Kind,
    categories: u64,
    pub read_only: bool,
    pub expires_at: Option<DateTime<Utc>>,
    /// The seller's id: every token of one seller shares the seller's limits.
    pub seller: Option<String>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a WB API token: {0}")]
pub struct NotAToken(&'static str);

#[derive(Deserialize)]
struct Claims {
    #[serde(default)]
    s: u64,
    #[serde(default)]
    acc: Option<u8>,
    #[serde(default)]
    t: bool,
    #[serde(default)]
    exp: Option<i64>,
    #[serde(default)]
    sid: Option<String>,
}

impl WbToken {
    pub fn decode(token: &str) -> Result<Self, NotAToken> {
        let token = token.trim().trim_start_matches("Bearer ").trim();
        let mut parts = token.split('.');
        let (Some(_header), Some(payload), Some(_signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(NotAToken("expected three dot-separated parts"));
        };
        let bytes = URL_SAFE_NO_PAD
            .decode(payload.trim_end_matches('='))
            .map_err(|_| NotAToken("the payload is not base64url"))?;
        let claims: Claims = serde_json::from_slice(&bytes)
            .map_err(|_| NotAToken("the payload is not WB's JSON"))?;
        let kind = match (claims.acc, claims.t) {
            (_, true) | (Some(2), _) => Kind::Test,
            (Some(1), _) => Kind::Base,
            (Some(3), _) => Kind::Personal,
            (Some(4), _) => Kind::Service,
            (Some(other), _) => Kind::Unknown(other),
            (None, _) => Kind::Base,
        };
        Ok(Self {
            kind,
            categories: claims.s,
            read_only: claims.s & (1 << READ_ONLY_BIT) != 0,
            expires_at: claims.exp.and_then(|exp| DateTime::from_timestamp(exp, 0)),
            seller: claims.sid,
        })
    }

    pub fn has(&self, category: Category) -> bool {
        self.categories & (1 << category as u32) != 0
    }
}

#[cfg(test)]
pub(crate) fn encode_for_tests(claims: &serde_json::Value) -> String {
    let part = |v: &serde_json::Value| URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.{}",
        part(&serde_json::json!({"alg":"ES256","kid":"test"})),
        part(claims),
        "c2ln"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_kind_and_read_only_come_from_the_payload() {
        let s = (1u64 << 1) | (1 << 4) | (1 << 7) | (1 << 30);
        let token = encode_for_tests(
            &serde_json::json!({"acc": 4, "s": s, "exp": 1_900_000_000, "sid": "abc"}),
        );
        let decoded = WbToken::decode(&token).expect("a token");
        assert_eq!(decoded.kind, Kind::Service);
        assert!(decoded.has(Category::Content) && decoded.has(Category::Marketplace));
        assert!(!decoded.has(Category::Statistics));
        assert!(decoded.read_only);
        assert_eq!(decoded.seller.as_deref(), Some("abc"));
        assert_eq!(
            decoded.expires_at.map(|t| t.timestamp()),
            Some(1_900_000_000)
        );
    }

    #[test]
    fn garbage_is_not_a_token() {
        assert!(WbToken::decode("hello").is_err());
        assert!(WbToken::decode("a.b.c").is_err());
        assert!(WbToken::decode("a.bm90IGpzb24.c").is_err());
    }
}
