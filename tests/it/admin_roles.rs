//! Roles, walked over the whole admin API: every operation documents who may call it ("Role:
//! any", "admin or operator", "admin"), and each role is refused (403) exactly where the
//! documentation says so — never let through where it says no, never refused where it says yes.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::admin_auth::{api, call, get, post, shop, token};
use crate::support::TestApp;

/// Who the operation's documentation admits, by its "Role: …" line.
fn admitted(description: &str) -> Option<&'static [&'static str]> {
    let role = description.strip_prefix("Role: ")?;
    if role.starts_with("any ") || role.starts_with("any.") || role.starts_with("any(") {
        Some(&["admin", "operator", "viewer"])
    } else if role.starts_with("admin or operator") {
        Some(&["admin", "operator"])
    } else if role.starts_with("admin") {
        Some(&["admin"])
    } else {
        None
    }
}

async fn member(app: &TestApp, admin: &str, role: &str) -> String {
    let (status, invited) = post(
        app,
        "/api/v1/invitations",
        Some(admin),
        json!({"email": format!("{role}@rolevoy.example"), "role": role}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{invited}");
    let (status, joined) = post(
        app,
        "/api/v1/invitations/accept",
        None,
        json!({"token": token(&invited, "token"), "password": "a long enough password", "name": role}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{joined}");
    token(&joined, "access_token")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_role_is_refused_exactly_where_the_documentation_says() {
    let app = api().await;
    let (_, owner) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("rolevoy", "admin@rolevoy.example"),
    )
    .await;
    let admin = token(&owner, "access_token");
    let tokens = [
        ("viewer", member(&app, &admin, "viewer").await),
        ("operator", member(&app, &admin, "operator").await),
        ("admin", admin.clone()),
    ];
    let (_, document) = get(&app, "/api/openapi.json", None).await;
    let paths = document["paths"].as_object().expect("paths").clone();

    let mut checked = 0;
    let mut failures = Vec::new();
    for (role, bearer) in &tokens {
        for (path, operations) in &paths {
            let filled = path
                .split('/')
                .map(|part| if part.starts_with('{') { "1" } else { part })
                .collect::<Vec<_>>()
                .join("/");
            for (method, operation) in operations.as_object().expect("operations") {
                let description = operation["description"].as_str().unwrap_or_default();
                let Some(admitted) = admitted(description) else {
                    continue;
                };
                let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
                let takes_json = operation["requestBody"]["content"]
                    .as_object()
                    .is_some_and(|content| content.contains_key("application/json"));
                let body = takes_json.then(|| json!({}));
                let (status, answer) =
                    call(&app, method.clone(), &filled, Some(bearer), body).await;
                checked += 1;
                let allowed = admitted.contains(role);
                // A body the extractor refuses is answered before the role is checked.
                let refused_body = takes_json
                    && matches!(
                        status,
                        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
                    );
                let wrong = if allowed {
                    status == StatusCode::FORBIDDEN
                } else {
                    status != StatusCode::FORBIDDEN && !refused_body
                };
                if wrong || status.is_server_error() {
                    failures.push(format!(
                        "{role} {method} {filled} ({description}) answered {status}: {answer}"
                    ));
                }
                if !allowed && status.is_success() {
                    failures.push(format!("{role} {method} {filled} succeeded: {answer}"));
                }
            }
        }
    }
    assert!(checked >= 150, "only {checked} calls were checked");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
