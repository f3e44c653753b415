//! Access tokens: short-lived HS256 JWTs signed with a key derived from the master key, checked
//! strictly (HS256 only — `alg: none` and every other algorithm are refused —, `exp` and `nbf`
//! required). Refresh tokens are `otklik_jobs::new_token` secrets, handed out once and stored
//! hashed.

use chrono::{Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use otklik_schema::{Role, TenantId, UserId};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

pub const ACCESS_TTL: Duration = Duration::minutes(15);
pub const REFRESH_TTL: Duration = Duration::days(30);
/// Clock skew tolerated between ingress processes.
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id.
    pub sub: String,
    /// The tenant id.
    pub tid: i64,
    pub role: Role,
    pub iat: i64,
    pub nbf: i64,
    pub exp: i64,
    /// When it was signed, in milliseconds: revocation ([`super::revocation`]) compares it with
    /// the user's `tokens_valid_after`, and seconds are too coarse for a sign-in that follows a
    /// revocation at once. Absent in older tokens, which count from `iat`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat_ms: Option<i64>,
}

impl Claims {
    pub fn user(&self) -> Option<UserId> {
        self.sub.parse().ok().map(UserId)
    }

    pub fn tenant(&self) -> TenantId {
        TenantId(self.tid)
    }

    pub fn issued_ms(&self) -> i64 {
        self.iat_ms.unwrap_or(self.iat.saturating_mul(1000))
    }
}

/// Signs and checks access tokens.
#[derive(Clone)]
pub struct Signer {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl Signer {
    /// The key is derived, so the master key itself never signs anything a client holds.
    pub fn new(master_key: &SecretString) -> Self {
        let key = Sha256::new()
            .chain_update(b"otklik access tokens\0")
            .chain_update(master_key.expose_secret().as_bytes())
            .finalize();
        Self {
            encoding: EncodingKey::from_secret(&key),
            decoding: DecodingKey::from_secret(&key),
        }
    }

    pub fn issue(&self, user: UserId, tenant: TenantId, role: Role) -> Result<String, String> {
        let issued = Utc::now();
        let now = issued.timestamp();
        let claims = Claims {
            sub: user.0.to_string(),
            tid: tenant.0,
            role,
            iat: now,
            nbf: now,
            exp: now + ACCESS_TTL.num_seconds(),
            iat_ms: Some(issued.timestamp_millis()),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|err| err.to_string())
    }

    pub fn check(&self, token: &str) -> Result<Claims, jsonwebtoken::errors::Error> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECS;
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "nbf", "sub"]);
        jsonwebtoken::decode::<Claims>(token, &self.decoding, &validation).map(|data| data.claims)
    }
}

pub fn new_family() -> String {
    uuid::Uuid::new_v4().to_string()
}

#[cfg(test)]
mod tests {
    use base64::Engine;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;

    use super::*;

    fn signer() -> Signer {
        Signer::new(&SecretString::from("k".repeat(40)))
    }

    #[test]
    fn a_token_round_trips_and_tampering_fails() {
        let signer = signer();
        let token = signer
            .issue(UserId(7), TenantId(3), Role::Operator)
            .expect("signed");
        let claims = signer.check(&token).expect("valid");
        assert_eq!(
            (claims.user(), claims.tenant(), claims.role),
            (Some(UserId(7)), TenantId(3), Role::Operator)
        );
        let other = Signer::new(&SecretString::from("x".repeat(40)));
        assert!(other.check(&token).is_err(), "another key");
        let mut forged = token.clone();
        forged.push('x');
        assert!(signer.check(&forged).is_err());
    }

    #[test]
    fn unsigned_expired_and_future_tokens_are_refused() {
        let signer = signer();
        let now = Utc::now().timestamp();
        let claims = |nbf: i64, exp: i64| serde_json::json!({"sub": "7", "tid": 3, "role": "admin", "iat": now, "nbf": nbf, "exp": exp});
        let b64 = |value: &serde_json::Value| URL_SAFE_NO_PAD.encode(value.to_string());
        let none = format!(
            "{}.{}.",
            b64(&serde_json::json!({"alg": "none", "typ": "JWT"})),
            b64(&claims(now, now + 60))
        );
        assert!(signer.check(&none).is_err(), "alg none");
        let key = EncodingKey::from_secret(
            &Sha256::new()
                .chain_update(b"otklik access tokens\0")
                .chain_update("k".repeat(40).as_bytes())
                .finalize(),
        );
        let sign = |value: serde_json::Value, alg: Algorithm| {
            jsonwebtoken::encode(&Header::new(alg), &value, &key).expect("encode")
        };
        assert!(
            signer
                .check(&sign(claims(now, now + 60), Algorithm::HS256))
                .is_ok()
        );
        assert!(
            signer
                .check(&sign(claims(now, now + 60), Algorithm::HS512))
                .is_err(),
            "HS512"
        );
        assert!(
            signer
                .check(&sign(claims(now - 120, now - 60), Algorithm::HS256))
                .is_err(),
            "expired"
        );
        assert!(
            signer
                .check(&sign(claims(now + 600, now + 900), Algorithm::HS256))
                .is_err(),
            "not yet valid"
        );
    }
}
