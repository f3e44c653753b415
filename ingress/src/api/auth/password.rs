//! Password hashes: argon2id with the crate's recommended parameters, computed off the async
//! threads (tens of milliseconds each).

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};

/// A PHC string (`$argon2id$v=19$…`), salt included.
pub async fn hash(password: String) -> Result<String, String> {
    tokio::task::spawn_blocking(move || {
        let salt =
            SaltString::encode_b64(&rand::random::<[u8; 16]>()).map_err(|err| err.to_string())?;
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|hash| hash.to_string())
            .map_err(|err| err.to_string())
    })
    .await
    .map_err(|err| err.to_string())?
}

/// Whether `password` matches; a malformed stored hash never matches.
pub async fn verify(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored).is_ok_and(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
    })
    .await
    .unwrap_or(false)
}

/// The same work as a real check, for unknown e-mails: answering faster would tell an attacker
/// which addresses have accounts.
pub async fn burn_time(password: String) {
    const DUMMY: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$0dxkq7HcJdL3bWq3sQTHsQzWCqY0a9sOzZkqXwS8bLQ";
    verify(password, DUMMY.to_owned()).await;
}
