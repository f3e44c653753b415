//! Idempotency keys of the admin API: the first request with a key claims it, its completed
//! answer is stored, and retries of the same request by the same caller get that answer back.
//! Keys expire; expired keys of a tenant are deleted whenever the tenant claims a new one.

use std::time::Duration;

use diesel::sql_types::{BigInt, Bytea, Double, Jsonb, Nullable, SmallInt, Text};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use crate::{DbError, TenantScope};

/// What makes two requests "the same": a retry must match all of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fingerprint<'a> {
    pub method: &'a str,
    /// Path and query.
    pub path: &'a str,
    /// SHA-256 of the body, hex.
    pub body_sha256: &'a str,
}

/// An answer kept for replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredResponse {
    pub status: u16,
    /// Header name to value, only the headers worth replaying.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is new (or expired, or abandoned by a request that never finished): run the
    /// request, then [`complete`] or [`release`] it.
    Acquired,
    /// The same request is still running.
    InProgress,
    /// The key was used for a different request.
    Mismatch,
    /// The same request finished before: answer this.
    Completed(StoredResponse),
}

/// Who holds a key and how long things last.
#[derive(Debug, Clone, Copy)]
pub struct KeyOwner<'a> {
    pub scope: TenantScope,
    /// `user:<id>` or `api_key:<sha256>`: keys of different callers never meet.
    pub caller: &'a str,
    pub key: &'a str,
}

#[derive(QueryableByName)]
struct Existing {
    #[diesel(sql_type = Text)]
    method: String,
    #[diesel(sql_type = Text)]
    path: String,
    #[diesel(sql_type = Text)]
    body_sha256: String,
    #[diesel(sql_type = Nullable<SmallInt>)]
    status: Option<i16>,
    #[diesel(sql_type = Jsonb)]
    headers: Value,
    #[diesel(sql_type = Nullable<Bytea>)]
    body: Option<Vec<u8>>,
}

/// Claims `owner`'s key for a request with `fingerprint`, keeping it for `ttl`. A key whose
/// first request has held it for `lock_timeout` without finishing (its process died) may be
/// claimed again by the same request.
pub async fn claim(
    conn: &mut AsyncPgConnection,
    owner: KeyOwner<'_>,
    fingerprint: Fingerprint<'_>,
    ttl: Duration,
    lock_timeout: Duration,
) -> Result<Claim, DbError> {
    let tenant = owner.scope.tenant_id().0;
    diesel::sql_query("DELETE FROM idempotency_keys WHERE tenant_id = $1 AND expires_at <= now()")
        .bind::<BigInt, _>(tenant)
        .execute(conn)
        .await?;
    // The row can vanish between the two statements (its request failed and released it), so
    // look again a few times; each round either claims or finds a row.
    for _ in 0..3 {
        let claimed = diesel::sql_query(
            "INSERT INTO idempotency_keys AS k
                 (tenant_id, caller, key, method, path, body_sha256, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))
             ON CONFLICT (tenant_id, caller, key) DO UPDATE
                 SET locked_at = now(), created_at = now(), expires_at = EXCLUDED.expires_at,
                     method = EXCLUDED.method, path = EXCLUDED.path,
                     body_sha256 = EXCLUDED.body_sha256, status = NULL, headers = '{}',
                     body = NULL
                 WHERE k.expires_at <= now()
                    OR (k.status IS NULL
                        AND k.locked_at <= now() - make_interval(secs => $8)
                        AND k.method = EXCLUDED.method AND k.path = EXCLUDED.path
                        AND k.body_sha256 = EXCLUDED.body_sha256)",
        )
        .bind::<BigInt, _>(tenant)
        .bind::<Text, _>(owner.caller)
        .bind::<Text, _>(owner.key)
        .bind::<Text, _>(fingerprint.method)
        .bind::<Text, _>(fingerprint.path)
        .bind::<Text, _>(fingerprint.body_sha256)
        .bind::<Double, _>(ttl.as_secs_f64())
        .bind::<Double, _>(lock_timeout.as_secs_f64())
        .execute(conn)
        .await?;
        if claimed == 1 {
            return Ok(Claim::Acquired);
        }
        let existing: Option<Existing> = diesel::sql_query(
            "SELECT method, path, body_sha256, status, headers, body FROM idempotency_keys
              WHERE tenant_id = $1 AND caller = $2 AND key = $3",
        )
        .bind::<BigInt, _>(tenant)
        .bind::<Text, _>(owner.caller)
        .bind::<Text, _>(owner.key)
        .get_result(conn)
        .await
        .optional()?;
        let Some(existing) = existing else {
            continue;
        };
        let same = existing.method == fingerprint.method
            && existing.path == fingerprint.path
            && existing.body_sha256 == fingerprint.body_sha256;
        return Ok(match (same, existing.status) {
            (false, _) => Claim::Mismatch,
            (true, None) => Claim::InProgress,
            (true, Some(status)) => Claim::Completed(StoredResponse {
                status: u16::try_from(status).unwrap_or(500),
                headers: existing
                    .headers
                    .as_object()
                    .into_iter()
                    .flatten()
                    .filter_map(|(name, value)| Some((name.clone(), value.as_str()?.to_owned())))
                    .collect(),
                body: existing.body.unwrap_or_default(),
            }),
        });
    }
    // Claimed and released three times over by others in a few milliseconds: say it is busy.
    Ok(Claim::InProgress)
}

/// Stores the answer of the request that holds the key.
pub async fn complete(
    conn: &mut AsyncPgConnection,
    owner: KeyOwner<'_>,
    response: &StoredResponse,
) -> Result<(), DbError> {
    let headers: serde_json::Map<String, Value> = response
        .headers
        .iter()
        .map(|(name, value)| (name.clone(), Value::String(value.clone())))
        .collect();
    diesel::sql_query(
        "UPDATE idempotency_keys SET status = $4, headers = $5, body = $6
          WHERE tenant_id = $1 AND caller = $2 AND key = $3 AND status IS NULL",
    )
    .bind::<BigInt, _>(owner.scope.tenant_id().0)
    .bind::<Text, _>(owner.caller)
    .bind::<Text, _>(owner.key)
    .bind::<SmallInt, _>(i16::try_from(response.status).unwrap_or(500))
    .bind::<Jsonb, _>(Value::Object(headers))
    .bind::<Bytea, _>(&response.body)
    .execute(conn)
    .await?;
    Ok(())
}

/// Gives the key up without an answer (the request failed on our side), so a retry runs anew.
pub async fn release(conn: &mut AsyncPgConnection, owner: KeyOwner<'_>) -> Result<(), DbError> {
    diesel::sql_query(
        "DELETE FROM idempotency_keys
          WHERE tenant_id = $1 AND caller = $2 AND key = $3 AND status IS NULL",
    )
    .bind::<BigInt, _>(owner.scope.tenant_id().0)
    .bind::<Text, _>(owner.caller)
    .bind::<Text, _>(owner.key)
    .execute(conn)
    .await?;
    Ok(())
}
