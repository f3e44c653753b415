//! Bad input, walked over the whole admin API: every operation of the OpenAPI document is sent
//! no token, forged tokens, malformed and wrongly typed JSON, an oversized body, the wrong media
//! type, nonsense ids and nonsense paging. Each must answer a 4xx in the error envelope, with a
//! message — never a 5xx, never a success — and the shop must be unchanged afterwards.

use reqwest::header::CONTENT_TYPE;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin_auth::{api, get, post, shop, token};
use crate::support::TestApp;

/// What one bad request was, for the failure message.
struct Case {
    what: &'static str,
    path: String,
    token: Option<String>,
    content_type: Option<&'static str>,
    body: Option<Vec<u8>>,
    /// Sent with an `Idempotency-Key`, which reads the body before the handler does.
    keyed: bool,
}

/// Sends one case; `None` when the server refused an oversized upload before reading it all
/// (it answers 413 and closes, and the client may see the closed socket first).
async fn send(app: &TestApp, method: &Method, case: &Case) -> Option<(StatusCode, Value)> {
    let oversized = case.body.as_ref().is_some_and(|b| b.len() > 1024 * 1024);
    // A connection the server closes mid-upload must not be reused for the next case.
    let client = if oversized {
        reqwest::Client::builder()
            .pool_max_idle_per_host(0)
            .build()
            .expect("a client")
    } else {
        app.http.clone()
    };
    let mut request = client.request(method.clone(), format!("{}{}", app.base, case.path));
    if let Some(token) = &case.token {
        request = request.header("Authorization", token);
    }
    if let Some(content_type) = case.content_type {
        request = request.header(CONTENT_TYPE, content_type);
    }
    if case.keyed {
        request = request.header(
            "Idempotency-Key",
            format!("bad-input-{}", uuid::Uuid::new_v4()),
        );
    }
    if let Some(body) = &case.body {
        request = request.body(body.clone());
    }
    let response = match request.send().await {
        Err(_) if oversized => return None,
        sent => sent.expect("request"),
    };
    let status = response.status();
    let text = response.text().await.unwrap_or_default();
    Some((
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    ))
}

/// The path with every `{param}` set to `value`.
fn fill(path: &str, value: &str) -> String {
    let mut filled = String::new();
    let mut rest = path;
    while let (Some(start), Some(end)) = (rest.find('{'), rest.find('}')) {
        filled.push_str(&rest[..start]);
        filled.push_str(value);
        rest = &rest[end + 1..];
    }
    filled.push_str(rest);
    filled
}

fn takes_json(operation: &Value) -> bool {
    operation["requestBody"]["content"]
        .as_object()
        .is_some_and(|content| content.contains_key("application/json"))
}

fn pages(operation: &Value) -> bool {
    operation["parameters"]
        .as_array()
        .is_some_and(|params| params.iter().any(|p| p["name"] == "limit"))
}

async fn footprint(app: &TestApp, tenant: i64) -> Vec<i64> {
    let mut counts = Vec::new();
    for table in [
        "users",
        "invitations",
        "channels",
        "knowledge_articles",
        "quick_replies",
        "api_keys",
        "audit_log",
        "refresh_tokens",
    ] {
        counts.push(
            app.count(&format!(
                "SELECT count(*) AS n FROM {table} WHERE tenant_id = {tenant}"
            ))
            .await,
        );
    }
    counts.push(
        app.count(&format!(
            "SELECT count(*) AS n FROM tenants WHERE id = {tenant} AND settings = '{{}}'::jsonb"
        ))
        .await,
    );
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_refuses_bad_input_with_a_4xx_and_changes_nothing() {
    let app = api().await;
    let (_, session) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("plokhoy", "a@plokhoy.example"),
    )
    .await;
    let bearer = format!("Bearer {}", token(&session, "access_token"));
    let tenant = session["user"]["tenant_id"].as_i64().expect("tenant");
    let (_, document) = get(&app, "/api/openapi.json", None).await;
    let paths = document["paths"].as_object().expect("paths").clone();
    let before = footprint(&app, tenant).await;

    let oversized = {
        let mut body = b"{\"text\": \"".to_vec();
        body.resize(2 * 1024 * 1024, b'a');
        body.extend_from_slice(b"\"}");
        body
    };
    let forged = [
        // `alg: none`, claims of tenant 1's admin.
        "Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIiwidGVuYW50IjoxLCJyb2xlIjoiYWRtaW4iLCJleHAiOjQxMDI0NDQ4MDB9.",
        "Bearer not-a-token",
        "Basic YWRtaW46YWRtaW4=",
    ];
    let mut walked = 0;
    let mut failures = Vec::new();
    let mut too_large = 0;
    for (path, operations) in &paths {
        if !path.starts_with("/api/v1/") {
            continue;
        }
        for (method, operation) in operations.as_object().expect("operations") {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let own = fill(path, "1");
            let mut cases = Vec::new();
            if operation.get("security").is_some() {
                cases.push(Case {
                    what: "no token",
                    path: own.clone(),
                    token: None,
                    content_type: None,
                    body: None,
                    keyed: false,
                });
                for token in forged {
                    cases.push(Case {
                        what: "a forged token",
                        path: own.clone(),
                        token: Some(token.to_owned()),
                        content_type: None,
                        body: None,
                        keyed: false,
                    });
                }
            }
            let signed = Some(bearer.clone());
            if takes_json(operation) {
                for (what, content_type, body) in [
                    ("malformed JSON", "application/json", b"{\"title\": ".to_vec()),
                    ("an array for an object", "application/json", b"[1, 2, 3]".to_vec()),
                    ("a string for an object", "application/json", b"\"hello\"".to_vec()),
                    ("wrong types", "application/json", br#"{"title": 5, "text": [], "email": {}, "role": 7, "name": false, "password": 1}"#.to_vec()),
                    ("an unknown field", "application/json", br#"{"zzz_unknown": 1}"#.to_vec()),
                    ("the wrong media type", "text/plain", b"{}".to_vec()),
                    ("an oversized body", "application/json", oversized.clone()),
                ] {
                    for keyed in [false, true] {
                        cases.push(Case {
                            what,
                            path: own.clone(),
                            token: signed.clone(),
                            content_type: Some(content_type),
                            body: Some(body.clone()),
                            keyed,
                        });
                    }
                }
            }
            if path.contains('{') {
                for id in [
                    "not-a-number",
                    "-1",
                    "99999999999999999999999",
                    "1.5",
                    "%00",
                ] {
                    cases.push(Case {
                        what: "a nonsense id",
                        path: fill(path, id),
                        token: signed.clone(),
                        content_type: takes_json(operation).then_some("application/json"),
                        body: takes_json(operation).then(|| b"{}".to_vec()),
                        keyed: false,
                    });
                }
            }
            if pages(operation) {
                for query in ["limit=-5", "limit=abc", "limit=100000", "cursor=%40%40%40"] {
                    cases.push(Case {
                        what: "nonsense paging",
                        path: format!("{own}?{query}"),
                        token: signed.clone(),
                        content_type: None,
                        body: None,
                        keyed: false,
                    });
                }
            }
            for case in &cases {
                walked += 1;
                let Some((status, answer)) = send(&app, &method, case).await else {
                    continue;
                };
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    too_large += 1;
                }
                let message = answer["error"]["message"].as_str().unwrap_or_default();
                if case.what == "an oversized body" && status != StatusCode::PAYLOAD_TOO_LARGE {
                    failures.push(format!(
                        "{method} {} with {} (keyed: {}) answered {status}, not 413: {answer}",
                        case.path, case.what, case.keyed
                    ));
                } else if !status.is_client_error() {
                    failures.push(format!(
                        "{method} {} with {} answered {status}: {answer}",
                        case.path, case.what
                    ));
                } else if !answer["error"]["code"].is_string() || message.is_empty() {
                    failures.push(format!(
                        "{method} {} with {}: not the error envelope: {answer}",
                        case.path, case.what
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    // The client may see the socket closed before the answer; most of the time it reads it.
    assert!(
        too_large >= 10,
        "only {too_large} oversized bodies were answered 413"
    );
    assert!(walked >= 300, "only {walked} bad requests were sent");
    assert_eq!(
        footprint(&app, tenant).await,
        before,
        "the shop is unchanged"
    );
}

/// A 422 names each field's problem with a code the OpenAPI document lists, the parameters to
/// word it with, and an English message, so clients translate by code rather than by text.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn field_errors_carry_documented_codes_and_their_parameters() {
    let app = api().await;
    let (_, session) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("kody", "a@kody.example"),
    )
    .await;
    let admin = token(&session, "access_token");
    let (_, document) = get(&app, "/api/openapi.json", None).await;
    let documented: Vec<&str> = document["components"]["schemas"]["Problem"]["oneOf"]
        .as_array()
        .expect("the problems are documented")
        .iter()
        .filter_map(|problem| problem["properties"]["code"]["enum"][0].as_str())
        .collect();
    let bad_signup = json!({"shop_name": "", "slug": "Не так", "email": "nope", "password": "short",
               "accept_terms": false});
    let cases = [
        (
            "/api/v1/auth/signup",
            None,
            bad_signup,
            json!([
                {"field": "shop_name", "code": "length_out_of_range", "min": 1, "max": 200},
                {"field": "slug", "code": "invalid_slug", "min": 2, "max": 63},
                {"field": "email", "code": "invalid_email"},
                {"field": "password", "code": "too_short", "min": 10},
                {"field": "accept_terms", "code": "consent_required"},
                {"field": "accept_personal_data", "code": "consent_required"},
            ]),
        ),
        (
            "/api/v1/quick-replies",
            Some(admin.as_str()),
            json!({"title": " ", "text": "т".repeat(4097), "shortcut": "Не так"}),
            json!([
                {"field": "title", "code": "required"},
                {"field": "text", "code": "too_long", "max": 4096},
                {"field": "shortcut", "code": "invalid_shortcut", "max": 32},
            ]),
        ),
        (
            "/api/v1/marketplace-accounts",
            Some(admin.as_str()),
            json!({"marketplace": "ozon", "name": "Ozon", "credentials": {"token": "x"}}),
            json!([
                {"field": "credentials", "code": "unexpected_keys",
                 "expected": ["client_id", "api_key"]},
                {"field": "credentials.client_id", "code": "length_out_of_range", "min": 1,
                 "max": 4096},
                {"field": "credentials.api_key", "code": "length_out_of_range", "min": 1,
                 "max": 4096},
            ]),
        ),
        (
            "/api/v1/channels/telegram",
            Some(admin.as_str()),
            json!({"name": "Бот", "bot_token": "not a token"}),
            json!([{"field": "bot_token", "code": "bot_token_malformed"}]),
        ),
    ];
    for (path, bearer, body, expected) in cases {
        let (status, error) = post(&app, path, bearer, body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {error}");
        let mut fields = error["error"]["fields"].as_array().expect("fields").clone();
        for field in &mut fields {
            let code = field["code"].as_str().unwrap_or_default();
            assert!(
                documented.contains(&code),
                "{path}: {code} is not documented"
            );
            let message = field
                .as_object_mut()
                .and_then(|field| field.remove("message"));
            assert!(
                message
                    .as_ref()
                    .and_then(Value::as_str)
                    .is_some_and(|m| !m.is_empty()),
                "{path}: {error}"
            );
        }
        assert_eq!(Value::Array(fields), expected, "{path}");
    }
}
