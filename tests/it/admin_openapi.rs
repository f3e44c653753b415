//! The admin API's OpenAPI document and docs page: the document is OpenAPI 3.1, names every
//! route the router serves under `/api/v1` (and no other), asks for a bearer token wherever the
//! route does, and the page loads nothing from outside.

use std::collections::BTreeSet;

use reqwest::{Method, StatusCode, header};
use serde_json::Value;

use crate::admin_auth::{api, call, get};

/// Every `/api/v1` route, as mounted in `ingress/src/api/`; `true` where a bearer token is
/// needed. The test checks each is served and documented, and that nothing else is documented.
const ROUTES: &[(&str, &str, bool)] = &[
    ("POST", "/api/v1/auth/signup", false),
    ("POST", "/api/v1/auth/login", false),
    ("POST", "/api/v1/auth/refresh", false),
    ("POST", "/api/v1/auth/logout", true),
    ("POST", "/api/v1/auth/password-reset", false),
    ("POST", "/api/v1/auth/password-reset/confirm", false),
    ("GET", "/api/v1/me", true),
    ("PATCH", "/api/v1/me", true),
    ("POST", "/api/v1/me/password", true),
    ("POST", "/api/v1/me/email-verification", true),
    ("GET", "/api/v1/me/alerts", true),
    ("PATCH", "/api/v1/me/alerts", true),
    ("GET", "/api/v1/settings", true),
    ("PATCH", "/api/v1/settings", true),
    ("GET", "/api/v1/onboarding", true),
    ("GET", "/api/v1/users", true),
    ("PATCH", "/api/v1/users/{id}", true),
    ("GET", "/api/v1/invitations", true),
    ("POST", "/api/v1/invitations", true),
    ("DELETE", "/api/v1/invitations/{id}", true),
    ("POST", "/api/v1/invitations/accept", false),
    ("GET", "/api/v1/channels", true),
    ("POST", "/api/v1/channels/telegram", true),
    ("POST", "/api/v1/channels/max", true),
    ("POST", "/api/v1/channels/vk", true),
    ("POST", "/api/v1/channels/whatsapp", true),
    ("POST", "/api/v1/channels/webchat", true),
    ("DELETE", "/api/v1/channels/{id}", true),
    ("GET", "/api/v1/billing", true),
    ("GET", "/api/v1/billing/invoices", true),
    ("POST", "/api/v1/billing/checkout", true),
    ("POST", "/api/v1/billing/portal", true),
    ("POST", "/api/v1/billing/plan", true),
    ("PUT", "/api/v1/billing/reply-cap", true),
    ("GET", "/api/v1/billing/requisites", true),
    ("PUT", "/api/v1/billing/requisites", true),
    ("GET", "/api/v1/billing/acts/{number}", true),
    ("GET", "/api/v1/api-keys", true),
    ("POST", "/api/v1/api-keys", true),
    ("DELETE", "/api/v1/api-keys/{id}", true),
    ("GET", "/api/v1/audit-log", true),
    ("GET", "/api/v1/dead-letters", true),
    ("POST", "/api/v1/dead-letters/{queue}/{id}/replay", true),
    ("GET", "/api/v1/knowledge/articles", true),
    ("POST", "/api/v1/knowledge/articles", true),
    ("GET", "/api/v1/knowledge/articles/{id}", true),
    ("PATCH", "/api/v1/knowledge/articles/{id}", true),
    ("POST", "/api/v1/knowledge/articles/{id}/archive", true),
    (
        "GET",
        "/api/v1/knowledge/articles/{id}/versions/{version}",
        true,
    ),
    (
        "POST",
        "/api/v1/knowledge/articles/{id}/versions/{version}/approve",
        true,
    ),
    ("POST", "/api/v1/knowledge/import", true),
    ("GET", "/api/v1/conversations", true),
    ("GET", "/api/v1/conversations/counters", true),
    ("GET", "/api/v1/conversations/assignees", true),
    ("GET", "/api/v1/conversations/{id}", true),
    ("GET", "/api/v1/conversations/{id}/messages", true),
    ("POST", "/api/v1/conversations/{id}/take-over", true),
    ("POST", "/api/v1/conversations/{id}/assign", true),
    ("POST", "/api/v1/conversations/{id}/reply", true),
    ("POST", "/api/v1/conversations/{id}/notes", true),
    ("POST", "/api/v1/conversations/{id}/close", true),
    ("POST", "/api/v1/conversations/{id}/return-to-bot", true),
    (
        "POST",
        "/api/v1/conversations/{id}/drafts/{message_id}/approve",
        true,
    ),
    ("GET", "/api/v1/customers", true),
    ("GET", "/api/v1/customers/{id}", true),
    ("GET", "/api/v1/analytics/summary", true),
    ("GET", "/api/v1/analytics/gaps", true),
    ("GET", "/api/v1/analytics/conversations.csv", true),
    ("GET", "/api/v1/quick-replies", true),
    ("POST", "/api/v1/quick-replies", true),
    ("PATCH", "/api/v1/quick-replies/{id}", true),
    ("DELETE", "/api/v1/quick-replies/{id}", true),
    ("GET", "/api/v1/marketplace-accounts", true),
    ("POST", "/api/v1/marketplace-accounts", true),
    ("GET", "/api/v1/marketplace-accounts/{id}", true),
    ("PATCH", "/api/v1/marketplace-accounts/{id}", true),
    ("DELETE", "/api/v1/marketplace-accounts/{id}", true),
];

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_document_covers_every_admin_route() {
    let app = api().await;
    let (status, doc) = get(&app, "/api/openapi.json", None).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3.1"), "{version}");
    assert_eq!(doc["info"]["title"], "Otklik admin API");
    let bearer = &doc["components"]["securitySchemes"]["bearer"];
    assert_eq!(bearer["type"], "http", "{bearer}");
    assert_eq!(bearer["scheme"], "bearer", "{bearer}");
    let tags: BTreeSet<&str> = doc["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|tag| tag["name"].as_str())
        .collect();

    let paths = doc["paths"].as_object().expect("paths");
    let mut documented = BTreeSet::new();
    let mut operation_ids = BTreeSet::new();
    for (path, item) in paths {
        for method in METHODS {
            if let Some(operation) = item.get(method) {
                documented.insert((method.to_uppercase(), path.clone()));
                let id = operation["operationId"].as_str().expect("operationId");
                assert!(operation_ids.insert(id), "operationId {id} is used twice");
                check_operation(method, path, operation, &tags);
            }
        }
    }
    let routed: BTreeSet<(String, String)> = ROUTES
        .iter()
        .map(|(method, path, _)| ((*method).to_owned(), (*path).to_owned()))
        .collect();
    assert_eq!(
        documented, routed,
        "documented operations and routes differ"
    );

    for (method, path, needs_token) in ROUTES {
        let operation = &paths[*path][method.to_lowercase()];
        let security = operation["security"].as_array();
        if *needs_token {
            let schemes = security.unwrap_or_else(|| panic!("{method} {path}: no security"));
            assert!(
                schemes.iter().any(|scheme| scheme.get("bearer").is_some()),
                "{method} {path}: not bearer"
            );
        } else {
            assert!(security.is_none(), "{method} {path} needs no token");
        }
        // Served: a request without token or body is refused by the handler (401 or 400), never
        // answered by the router's fallback (404) or a method mismatch (405).
        let concrete = path
            .replace("{id}", "1")
            .replace("{version}", "1")
            .replace("{message_id}", "1")
            .replace("{number}", "1");
        let method = Method::from_bytes(method.as_bytes()).expect("method");
        let (status, body) = call(&app, method.clone(), &concrete, None, None).await;
        let expected = if *needs_token {
            StatusCode::UNAUTHORIZED
        } else {
            StatusCode::BAD_REQUEST
        };
        assert_eq!(status, expected, "{method} {concrete}: {body}");
        assert!(
            body["error"]["code"].is_string(),
            "{method} {concrete}: {body}"
        );
    }
    assert_refs_resolve(&doc, &doc);
}

/// One operation: a known tag, a summary, at least one success answer, and error answers
/// described by the shared envelope.
fn check_operation(method: &str, path: &str, operation: &Value, tags: &BTreeSet<&str>) {
    let tag = operation["tags"][0].as_str().unwrap_or_default();
    assert!(tags.contains(tag), "{method} {path}: tag {tag:?}");
    assert!(
        operation["summary"].as_str().is_some_and(|s| !s.is_empty()),
        "{method} {path}: no summary"
    );
    assert!(
        operation["description"]
            .as_str()
            .is_some_and(|d| d.starts_with("Role: ")),
        "{method} {path}: the description names no role"
    );
    let responses = operation["responses"].as_object().expect("responses");
    assert!(
        responses.keys().any(|status| status.starts_with('2')),
        "{method} {path}: no success answer"
    );
    for (status, response) in responses {
        if status.starts_with('2')
            && let Some(schema) = response["content"].get("application/json")
        {
            assert_typed(&format!("{method} {path} {status}"), &schema["schema"]);
        }
        if status.starts_with('4') || status.starts_with('5') {
            assert_eq!(
                response["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorEnvelope",
                "{method} {path} {status}"
            );
        }
    }
}

/// A success body says what it holds, so the document is a contract the answers are checked
/// against: a named schema, or an inline one whose objects list their properties — never a
/// bare `object` or an empty schema, which any body satisfies.
fn assert_typed(what: &str, schema: &Value) {
    let map = schema
        .as_object()
        .unwrap_or_else(|| panic!("{what}: no schema"));
    if map.contains_key("$ref") {
        return;
    }
    let bare = map.is_empty()
        || (map.get("type").and_then(Value::as_str) == Some("object")
            && !map.contains_key("properties"));
    assert!(!bare, "{what}: an untyped body {schema}");
    if let Some(items) = map.get("items") {
        assert_typed(what, items);
    }
    for property in map
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flat_map(|properties| properties.values())
        .filter(|property| property.get("type").and_then(Value::as_str) == Some("array"))
    {
        assert_typed(what, property);
    }
}

/// Every `$ref` names a component that exists.
fn assert_refs_resolve(doc: &Value, node: &Value) {
    match node {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                let pointer = target.strip_prefix('#').expect("a local $ref");
                assert!(doc.pointer(pointer).is_some(), "dangling $ref {target}");
            }
            map.values()
                .for_each(|value| assert_refs_resolve(doc, value));
        }
        Value::Array(items) => items
            .iter()
            .for_each(|value| assert_refs_resolve(doc, value)),
        _ => {}
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_docs_page_is_local_and_locked_down() {
    let app = api().await;
    let response = app
        .http
        .get(format!("{}/api/docs", app.base))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let headers = response.headers().clone();
    let content_type = headers[header::CONTENT_TYPE].to_str().expect("ascii");
    assert!(content_type.starts_with("text/html"), "{content_type}");
    let policy = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .expect("a CSP")
        .to_str()
        .expect("ascii");
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(policy.contains("script-src 'sha256-"), "{policy}");
    assert!(policy.contains("connect-src 'self'"), "{policy}");
    assert!(!policy.contains("unsafe-inline"), "{policy}");
    let page = response.text().await.expect("body");
    assert!(
        page.contains("/api/openapi.json"),
        "the page reads the document"
    );
    for external in ["http://", "https://", "src=\"//", "href=\"//"] {
        assert!(!page.contains(external), "the page references {external}");
    }
    assert!(
        !page.contains("/*STYLE*/") && !page.contains("/*SCRIPT*/"),
        "the style and script are inlined"
    );
}
