//! `Idempotency-Key` on the admin API's POSTs: a retry acts once and answers what the first
//! request did; a key reused for another request, a key still in use, or a malformed key is
//! refused; a request that failed on our side is not kept, so its retry acts; keys of different
//! shops and callers never meet.

use std::time::Duration;

use diesel_async::RunQueryDsl;
use otklik_db::TenantScope;
use otklik_db::idempotency::{self, Claim, Fingerprint, KeyOwner};
use otklik_schema::TenantId;
use reqwest::StatusCode;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::admin_auth::{api, get, post, shop, token};
use crate::support::TestApp;

/// An answer: status, whether it was a replay, and the JSON body.
struct Answer {
    status: StatusCode,
    replayed: bool,
    body: Value,
}

/// POSTs `body` exactly as given (so tests know its bytes), with `key` if any. `auth` is a
/// bearer token or an API key.
async fn send(app: &TestApp, auth: &str, path: &str, key: Option<&str>, body: &str) -> Answer {
    let mut request = app
        .http
        .post(format!("{}{path}", app.base))
        .bearer_auth(auth)
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(key) = key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let replayed = response
        .headers()
        .get("idempotent-replayed")
        .is_some_and(|value| value == "true");
    let text = response.text().await.expect("body");
    Answer {
        status,
        replayed,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
    }
}

async fn quick_replies(app: &TestApp, auth: &str) -> Vec<Value> {
    let (status, page) = get(app, "/api/v1/quick-replies", Some(auth)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().cloned().unwrap_or_default()
}

const REPLIES: &str = "/api/v1/quick-replies";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_post_acts_once_and_answers_the_same() {
    let app = api().await;
    let (_, owner) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("povtor", "anna@povtor.example"),
    )
    .await;
    let admin = token(&owner, "access_token");
    let delivery = r#"{"title": "Доставка", "text": "Доставка занимает 2–3 дня."}"#;

    let first = send(&app, &admin, REPLIES, Some("qr-1"), delivery).await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.body);
    assert!(!first.replayed, "the first request is not a replay");
    let again = send(&app, &admin, REPLIES, Some("qr-1"), delivery).await;
    assert_eq!(again.status, StatusCode::CREATED, "{}", again.body);
    assert!(again.replayed, "the retry says it is a replay");
    assert_eq!(again.body, first.body, "the same answer, the same id");
    assert_eq!(quick_replies(&app, &admin).await.len(), 1, "created once");

    // The key with another body, or another path, is refused and changes nothing.
    let other = r#"{"title": "Возврат", "text": "Вернуть товар можно в течение 14 дней."}"#;
    let misused = send(&app, &admin, REPLIES, Some("qr-1"), other).await;
    assert_eq!(misused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        misused.body["error"]["fields"][0]["field"], "Idempotency-Key",
        "{}",
        misused.body
    );
    let elsewhere = send(
        &app,
        &admin,
        "/api/v1/invitations",
        Some("qr-1"),
        r#"{"email": "op@povtor.example", "role": "operator"}"#,
    )
    .await;
    assert_eq!(elsewhere.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(quick_replies(&app, &admin).await.len(), 1);

    // Without a key every POST acts.
    for _ in 0..2 {
        let created = send(&app, &admin, REPLIES, None, other).await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        assert!(!created.replayed);
    }
    assert_eq!(quick_replies(&app, &admin).await.len(), 3, "two more");

    // A malformed key is refused before anything happens.
    for bad in ["", "two words", &"k".repeat(256)] {
        let refused = send(&app, &admin, REPLIES, Some(bad), delivery).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad:?}");
        assert_eq!(refused.body["error"]["code"], "bad_request", "{bad:?}");
    }
    let longest = "k".repeat(255);
    let accepted = send(&app, &admin, REPLIES, Some(&longest), delivery).await;
    assert_eq!(accepted.status, StatusCode::CREATED, "{}", accepted.body);
    assert_eq!(quick_replies(&app, &admin).await.len(), 4);

    // One invitation however often it is retried, with the same token.
    let invite = r#"{"email": "op@povtor.example", "role": "operator"}"#;
    let invited = send(&app, &admin, "/api/v1/invitations", Some("inv-1"), invite).await;
    assert_eq!(invited.status, StatusCode::CREATED, "{}", invited.body);
    let retried = send(&app, &admin, "/api/v1/invitations", Some("inv-1"), invite).await;
    assert!(retried.replayed);
    assert_eq!(retried.body["id"], invited.body["id"]);
    // The token was shown once; the kept answer has it redacted.
    assert_eq!(retried.body["token"], "[redacted: shown once]");
    assert_eq!(retried.body["accept_url"], "[redacted: shown once]");
    assert!(invited.body["token"].as_str().is_some_and(|t| t.len() > 20));
    let (_, pending) = get(&app, "/api/v1/invitations", Some(&admin)).await;
    assert_eq!(
        pending["items"].as_array().map(Vec::len),
        Some(1),
        "{pending}"
    );

    // A client error is kept too: the retry gets the same refusal without acting again.
    let taken = r#"{"email": "anna@povtor.example", "role": "viewer"}"#;
    let refused = send(&app, &admin, "/api/v1/invitations", Some("inv-2"), taken).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
    assert!(!refused.replayed);
    let refused_again = send(&app, &admin, "/api/v1/invitations", Some("inv-2"), taken).await;
    assert_eq!(refused_again.status, StatusCode::CONFLICT);
    assert!(refused_again.replayed);
    assert_eq!(refused_again.body, refused.body);

    // Sign-in is not covered: a repeated key never hands out another caller's tokens.
    let login = r#"{"email": "anna@povtor.example", "password": "correct horse battery"}"#;
    let mut sessions = Vec::new();
    for _ in 0..2 {
        let signed_in = app
            .http
            .post(format!("{}/api/v1/auth/login", app.base))
            .header("content-type", "application/json")
            .header("Idempotency-Key", "login-1")
            .body(login)
            .send()
            .await
            .expect("login");
        assert_eq!(signed_in.status(), StatusCode::OK);
        assert!(signed_in.headers().get("idempotent-replayed").is_none());
        let session: Value = signed_in.json().await.expect("session");
        sessions.push(session["refresh_token"].clone());
    }
    assert_ne!(
        sessions[0], sessions[1],
        "each sign-in opens its own session"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_belong_to_one_shop_and_one_caller() {
    let app = api().await;
    let (_, north) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("sever-klyuch", "a@sever-klyuch.example"),
    )
    .await;
    let (_, south) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("yug-klyuch", "a@yug-klyuch.example"),
    )
    .await;
    let north_admin = token(&north, "access_token");
    let south_admin = token(&south, "access_token");
    let body = r#"{"title": "Привет", "text": "Здравствуйте! Чем можем помочь?"}"#;

    let ours = send(&app, &north_admin, REPLIES, Some("same-key"), body).await;
    let theirs = send(&app, &south_admin, REPLIES, Some("same-key"), body).await;
    assert_eq!(ours.status, StatusCode::CREATED, "{}", ours.body);
    assert_eq!(theirs.status, StatusCode::CREATED, "{}", theirs.body);
    assert!(!theirs.replayed, "another shop's key is its own");
    assert_ne!(ours.body["id"], theirs.body["id"]);
    assert_eq!(quick_replies(&app, &north_admin).await.len(), 1);
    assert_eq!(quick_replies(&app, &south_admin).await.len(), 1);

    // A server of the same shop, with its API key, has keys of its own.
    let (status, created) = post(
        &app,
        "/api/v1/api-keys",
        Some(&north_admin),
        json!({"name": "CRM", "role": "operator"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let api_key = created["key"].as_str().expect("key").to_owned();
    let other = r#"{"title": "Пока", "text": "Спасибо, что обратились!"}"#;
    let by_key = send(&app, &api_key, REPLIES, Some("same-key"), other).await;
    assert_eq!(by_key.status, StatusCode::CREATED, "{}", by_key.body);
    assert!(!by_key.replayed);
    let by_key_again = send(&app, &api_key, REPLIES, Some("same-key"), other).await;
    assert!(by_key_again.replayed, "the key's own retry is a replay");
    assert_eq!(by_key_again.body["id"], by_key.body["id"]);
    assert_eq!(quick_replies(&app, &north_admin).await.len(), 2);

    // While the first request with a key still runs, a retry is told to wait.
    let user = north["user"]["id"].as_i64().expect("user id");
    let tenant = north["user"]["tenant_id"].as_i64().expect("tenant id");
    let caller = format!("user:{user}");
    let running = r#"{"title": "Скоро", "text": "Ответим в течение часа."}"#;
    let body_sha256 = hex::encode(Sha256::digest(running.as_bytes()));
    let owner = KeyOwner {
        scope: TenantScope::trusted(TenantId(tenant)),
        caller: &caller,
        key: "busy",
    };
    let fingerprint = Fingerprint {
        method: "POST",
        path: REPLIES,
        body_sha256: &body_sha256,
    };
    let ttl = Duration::from_secs(60);
    let mut conn = app.db().await;
    let claim = idempotency::claim(&mut conn, owner, fingerprint, ttl, ttl)
        .await
        .expect("claim");
    assert_eq!(claim, Claim::Acquired);
    let busy = send(&app, &north_admin, REPLIES, Some("busy"), running).await;
    assert_eq!(busy.status, StatusCode::CONFLICT, "{}", busy.body);
    assert_eq!(busy.body["error"]["code"], "conflict");
    assert_eq!(busy.body["error"]["reason"], "request_in_progress");
    assert_eq!(quick_replies(&app, &north_admin).await.len(), 2, "not run");
    // Once the first gives the key up (it failed on our side), the retry runs.
    idempotency::release(&mut conn, owner)
        .await
        .expect("release");
    let done = send(&app, &north_admin, REPLIES, Some("busy"), running).await;
    assert_eq!(done.status, StatusCode::CREATED, "{}", done.body);
    assert_eq!(quick_replies(&app, &north_admin).await.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_post_is_not_kept_and_its_retry_acts() {
    let app = api().await;
    let (_, owner) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("sboi", "anna@sboi.example"),
    )
    .await;
    let admin = token(&owner, "access_token");
    let delivery = r#"{"title": "Доставка", "text": "Доставка занимает 2–3 дня."}"#;

    // The database refuses the insert: the API answers 500, and the key stays free.
    let mut db = app.db().await;
    diesel::sql_query("REVOKE INSERT ON quick_replies FROM otklik_tenant")
        .execute(&mut db)
        .await
        .expect("revoke");
    let failed = send(&app, &admin, REPLIES, Some("qr-sboi"), delivery).await;
    assert!(failed.status.is_server_error(), "{}", failed.status);
    diesel::sql_query("GRANT INSERT ON quick_replies TO otklik_tenant")
        .execute(&mut db)
        .await
        .expect("grant");

    let retried = send(&app, &admin, REPLIES, Some("qr-sboi"), delivery).await;
    assert_eq!(retried.status, StatusCode::CREATED, "{}", retried.body);
    assert!(
        !retried.replayed,
        "a failure is not replayed: the retry acts"
    );
    let again = send(&app, &admin, REPLIES, Some("qr-sboi"), delivery).await;
    assert!(again.replayed);
    assert_eq!(again.body, retried.body);
    assert_eq!(quick_replies(&app, &admin).await.len(), 1);
}
