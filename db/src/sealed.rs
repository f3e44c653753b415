//! Secrets at rest: channel tokens and marketplace keys are stored sealed, never as plaintext.
//!
//! Envelope encryption with AES-256-GCM (ring): every value gets a fresh random data key, which
//! seals the JSON; the data key itself is sealed under a key-encryption key derived from the
//! master key with HKDF-SHA256. The envelope names that key by a short id (`kid`), so values
//! sealed under an earlier master key still open while `OTKLIK_PREVIOUS_MASTER_KEYS` lists it,
//! and `workers secrets rotate` ([`rotate`]) re-seals them under the current one.
//!
//! This is the one seam for provider credentials: store `vault.seal(&json)` and read
//! `vault.open(&row.credentials)?`. A plaintext value is refused by [`Vault::open`], so a new
//! channel kind that forgot to seal fails at once instead of leaking quietly.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use diesel::deserialize::{FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{Output, ToSql};
use diesel::sql_types::{BigInt, Jsonb};
use diesel_async::AsyncPgConnection;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use ring::hkdf;
use ring::rand::{SecureRandom, SystemRandom};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::DbError;

/// What every sealed value is bound to: a ciphertext cut out of another kind of record does not
/// open here.
const AAD: &[u8] = b"otklik credentials v1";
const KEY_LEN: usize = 32;

/// A provider credential as stored: a sealed envelope (or `{}` for a channel that has none).
/// Its `Debug` never shows the content.
#[derive(Clone, PartialEq, Eq, AsExpression, FromSqlRow)]
#[diesel(sql_type = Jsonb)]
pub struct Sealed(Value);

impl Sealed {
    /// No credentials at all (a web chat, a marketplace channel reading through its account).
    pub fn none() -> Self {
        Self(json!({}))
    }

    /// The key id the value was sealed under; `None` for no credentials or plaintext.
    pub fn key_id(&self) -> Option<&str> {
        self.0.get("kid").and_then(Value::as_str)
    }

    /// The envelope as JSON text, for a copy kept outside the database (a webhook's secrets in
    /// Redis, which the ingress reads without SQL).
    pub fn to_text(&self) -> String {
        self.0.to_string()
    }

    /// An envelope read back from [`Sealed::to_text`].
    pub fn from_text(text: &str) -> Option<Self> {
        serde_json::from_str(text).ok().map(Self)
    }

    fn is_envelope(&self) -> bool {
        self.0.get("sealed").and_then(Value::as_i64) == Some(1)
    }

    fn is_none(&self) -> bool {
        self.0.as_object().is_some_and(serde_json::Map::is_empty)
    }
}

impl fmt::Debug for Sealed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealed(..)")
    }
}

impl FromSql<Jsonb, Pg> for Sealed {
    fn from_sql(bytes: PgValue<'_>) -> diesel::deserialize::Result<Self> {
        <Value as FromSql<Jsonb, Pg>>::from_sql(bytes).map(Self)
    }
}

impl ToSql<Jsonb, Pg> for Sealed {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> diesel::serialize::Result {
        <Value as ToSql<Jsonb, Pg>>::to_sql(&self.0, out)
    }
}

/// A sealed value that cannot be opened.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("the credentials are stored in plaintext; run `workers secrets rotate`")]
    Plaintext,
    #[error("the credentials were sealed under key {0}, which is not configured")]
    UnknownKey(String),
    #[error("the sealed credentials are damaged or were not sealed by us")]
    Damaged,
}

struct Kek {
    id: String,
    key: LessSafeKey,
}

/// Seals and opens credentials. Cheap to clone? No: build one per process and share it.
pub struct Vault {
    /// The current key first, then earlier ones that still open.
    keys: Vec<Kek>,
    random: SystemRandom,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<&str> = self.keys.iter().map(|kek| kek.id.as_str()).collect();
        f.debug_struct("Vault").field("key_ids", &ids).finish()
    }
}

struct KeyLen;

impl hkdf::KeyType for KeyLen {
    fn len(&self) -> usize {
        KEY_LEN
    }
}

fn derive(master: &SecretString) -> Kek {
    let salt = hkdf::Salt::new(hkdf::HKDF_SHA256, b"otklik secrets at rest");
    let prk = salt.extract(master.expose_secret().as_bytes());
    let mut bytes = [0_u8; KEY_LEN];
    // Expanding 32 bytes from SHA-256 cannot fail: the limit is 255 blocks.
    let filled = prk
        .expand(&[b"key-encryption key v1"], KeyLen)
        .and_then(|okm| okm.fill(&mut bytes));
    debug_assert!(filled.is_ok());
    let id = hex::encode(&Sha256::digest([b"otklik key id\0".as_slice(), &bytes].concat())[..4]);
    let key = UnboundKey::new(&AES_256_GCM, &bytes)
        .map(LessSafeKey::new)
        .unwrap_or_else(|_| unreachable!("AES-256-GCM takes a 32-byte key"));
    Kek { id, key }
}

impl Vault {
    /// From the master key and the earlier ones (current first), as
    /// `Config::master_keys` lists them.
    pub fn new(master_keys: &[SecretString]) -> Self {
        Self {
            keys: master_keys.iter().map(derive).collect(),
            random: SystemRandom::new(),
        }
    }

    /// The id of the key new values are sealed under.
    pub fn current_key_id(&self) -> &str {
        self.keys.first().map_or("", |kek| kek.id.as_str())
    }

    fn random<const N: usize>(&self) -> [u8; N] {
        let mut bytes = [0_u8; N];
        // The system's random source does not fail on the platforms we run on; if it ever
        // did, a sealed value must not be made with a predictable key.
        if self.random.fill(&mut bytes).is_err() {
            panic!("the system random source failed");
        }
        bytes
    }

    /// `nonce || ciphertext || tag`, base64.
    fn encrypt(&self, key: &LessSafeKey, plain: &[u8]) -> String {
        let nonce = self.random::<NONCE_LEN>();
        let mut data = plain.to_vec();
        key.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(AAD),
            &mut data,
        )
        .unwrap_or_else(|_| unreachable!("AES-GCM seals any input under 64 GiB"));
        STANDARD.encode([nonce.as_slice(), &data].concat())
    }

    fn decrypt(key: &LessSafeKey, text: &str) -> Result<Vec<u8>, SealError> {
        let bytes = STANDARD.decode(text).map_err(|_| SealError::Damaged)?;
        if bytes.len() < NONCE_LEN {
            return Err(SealError::Damaged);
        }
        let (nonce, sealed) = bytes.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Damaged)?;
        let mut sealed = sealed.to_vec();
        let plain = key
            .open_in_place(nonce, Aad::from(AAD), &mut sealed)
            .map_err(|_| SealError::Damaged)?;
        Ok(plain.to_vec())
    }

    /// Seals `plain` (a JSON object of secrets) under a fresh data key.
    pub fn seal(&self, plain: &Value) -> Sealed {
        let Some(kek) = self.keys.first() else {
            unreachable!("a vault always has the master key")
        };
        let data_key_bytes = self.random::<KEY_LEN>();
        let data_key = UnboundKey::new(&AES_256_GCM, &data_key_bytes)
            .map(LessSafeKey::new)
            .unwrap_or_else(|_| unreachable!("AES-256-GCM takes a 32-byte key"));
        Sealed(json!({
            "sealed": 1,
            "kid": kek.id,
            "dek": self.encrypt(&kek.key, &data_key_bytes),
            "data": self.encrypt(&data_key, plain.to_string().as_bytes()),
        }))
    }

    /// The secrets a sealed value holds (`{}` for none).
    pub fn open(&self, sealed: &Sealed) -> Result<Value, SealError> {
        if sealed.is_none() {
            return Ok(json!({}));
        }
        if !sealed.is_envelope() {
            return Err(SealError::Plaintext);
        }
        let field = |name: &str| sealed.0.get(name).and_then(Value::as_str);
        let kid = field("kid").ok_or(SealError::Damaged)?;
        let kek = self
            .keys
            .iter()
            .find(|kek| kek.id == kid)
            .ok_or_else(|| SealError::UnknownKey(kid.to_owned()))?;
        let data_key_bytes = Self::decrypt(&kek.key, field("dek").ok_or(SealError::Damaged)?)?;
        let data_key = UnboundKey::new(&AES_256_GCM, &data_key_bytes)
            .map(LessSafeKey::new)
            .map_err(|_| SealError::Damaged)?;
        let plain = Self::decrypt(&data_key, field("data").ok_or(SealError::Damaged)?)?;
        serde_json::from_slice(&plain).map_err(|_| SealError::Damaged)
    }

    /// The value sealed under the current key, or `None` when it already is (or holds nothing).
    /// Plaintext left from before sealing existed is sealed too.
    pub fn reseal(&self, stored: &Sealed) -> Result<Option<Sealed>, SealError> {
        if stored.is_none() || stored.key_id() == Some(self.current_key_id()) {
            return Ok(None);
        }
        let plain = if stored.is_envelope() {
            self.open(stored)?
        } else {
            stored.0.clone()
        };
        Ok(Some(self.seal(&plain)))
    }
}

/// What [`rotate`] did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Rotation {
    /// Values sealed again under the current key (or sealed for the first time).
    pub resealed: u64,
    /// Values that do not open with any configured key: left as they are, and logged.
    pub failed: u64,
}

/// Re-seals every stored credential under the vault's current key: channel tokens and
/// marketplace keys. Idempotent; run after changing the master key (with the old one in
/// `OTKLIK_PREVIOUS_MASTER_KEYS`) and by `workers migrate`, which seals plaintext left from
/// before sealing existed.
pub async fn rotate(conn: &mut AsyncPgConnection, vault: &Vault) -> Result<Rotation, DbError> {
    use diesel_async::RunQueryDsl;
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Jsonb)]
        credentials: Sealed,
    }
    let mut rotation = Rotation::default();
    for table in ["channels", "marketplace_accounts"] {
        let rows: Vec<Row> = diesel::sql_query(format!(
            "SELECT id, credentials FROM {table} WHERE credentials <> '{{}}'::jsonb ORDER BY id"
        ))
        .load(conn)
        .await?;
        for row in rows {
            match vault.reseal(&row.credentials) {
                Ok(None) => {}
                Ok(Some(sealed)) => {
                    diesel::sql_query(format!(
                        "UPDATE {table} SET credentials = $2 WHERE id = $1 AND credentials = $3"
                    ))
                    .bind::<BigInt, _>(row.id)
                    .bind::<Jsonb, _>(&sealed)
                    .bind::<Jsonb, _>(&row.credentials)
                    .execute(conn)
                    .await?;
                    rotation.resealed += 1;
                }
                Err(err) => {
                    tracing::error!(table, id = row.id, error = %err, "credentials could not be re-sealed");
                    rotation.failed += 1;
                }
            }
        }
    }
    Ok(rotation)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vault(keys: &[&str]) -> Vault {
        Vault::new(
            &keys
                .iter()
                .map(|key| SecretString::from((*key).to_owned()))
                .collect::<Vec<_>>(),
        )
    }

    #[test]
    fn a_sealed_value_opens_and_shows_nothing() {
        let vault = vault(&["k".repeat(40).as_str()]);
        let secret = json!({"bot_token": "123456:SECRET-token-value"});
        let sealed = vault.seal(&secret);
        let stored = serde_json::to_string(&sealed.0).expect("json");
        assert!(!stored.contains("SECRET"), "{stored}");
        assert!(!format!("{sealed:?}").contains("SECRET"));
        assert_eq!(vault.open(&sealed), Ok(secret.clone()));
        assert_ne!(
            vault.seal(&secret),
            sealed,
            "a fresh data key and nonce each time"
        );
        assert_eq!(vault.open(&Sealed::none()), Ok(json!({})));
    }

    #[test]
    fn plaintext_tampering_and_unknown_keys_are_refused() {
        let vault_a = vault(&["a".repeat(40).as_str()]);
        let vault_b = vault(&["b".repeat(40).as_str()]);
        let sealed = vault_a.seal(&json!({"token": "t"}));
        assert_eq!(
            vault_a.open(&Sealed(json!({"token": "t"}))),
            Err(SealError::Plaintext)
        );
        assert!(matches!(
            vault_b.open(&sealed),
            Err(SealError::UnknownKey(_))
        ));
        let mut tampered = sealed.clone();
        let data = tampered.0["data"].as_str().expect("data").to_owned();
        let mut bytes = STANDARD.decode(data).expect("b64");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        tampered.0["data"] = json!(STANDARD.encode(bytes));
        assert_eq!(vault_a.open(&tampered), Err(SealError::Damaged));
    }

    #[test]
    fn rotation_reseals_under_the_new_key_and_old_values_still_open_meanwhile() {
        let old = vault(&["o".repeat(40).as_str()]);
        let sealed = old.seal(&json!({"api_key": "x"}));
        let both = vault(&["n".repeat(40).as_str(), "o".repeat(40).as_str()]);
        assert_eq!(both.open(&sealed), Ok(json!({"api_key": "x"})));
        let resealed = both.reseal(&sealed).expect("opens").expect("resealed");
        assert_eq!(resealed.key_id(), Some(both.current_key_id()));
        assert_eq!(both.reseal(&resealed), Ok(None));
        let new_only = vault(&["n".repeat(40).as_str()]);
        assert_eq!(new_only.open(&resealed), Ok(json!({"api_key": "x"})));
        let legacy = Sealed(json!({"token": "plain"}));
        let sealed_now = both.reseal(&legacy).expect("ok").expect("sealed");
        assert_eq!(both.open(&sealed_now), Ok(json!({"token": "plain"})));
    }
}
