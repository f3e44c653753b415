//! The admin API described for people and tools: `GET /api/openapi.json` is an OpenAPI 3.1
//! document generated from the handlers' annotations (so it cannot drift from the routes), and
//! `GET /api/docs` a page that renders it with nothing fetched from outside.

use std::sync::LazyLock;

use axum::Json;
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use sha2::{Digest, Sha256};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
use utoipa::{Modify, OpenApi};

use super::{
    alerts, analytics, api_keys, audit_log, auth, billing, channels, conversations, customers,
    dead_letters, knowledge, marketplace_accounts, me, onboarding, quick_replies, requisites,
    settings, users, vocabulary,
};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Otklik admin API",
        license(name = "Proprietary"),
        description = "The merchant admin API. Send `Authorization: Bearer <access_token>` from \
            `/api/v1/auth/login`; each operation's description names the role it needs. Errors \
            share one envelope; lists take `limit` (1–100) and `cursor` and answer \
            `{items, next_cursor}`. Every POST except `/api/v1/auth/*` and \
            `/api/v1/invitations/accept` honours `Idempotency-Key` (1–255 visible ASCII \
            characters, kept 24 hours per caller): a retry of the same request answers what the \
            first did, with `Idempotent-Replayed: true`; the key with a different request is \
            refused with 422, and a retry while the first still runs with 409. Server errors \
            (5xx) are not kept, so they may be retried with the same key."
    ),
    modifiers(&Shared),
    components(schemas(
        otklik_schema::Role,
        vocabulary::ViewSchema,
        vocabulary::OrderSchema,
        vocabulary::ArticleStatusSchema,
        otklik_schema::Marketplace,
        vocabulary::ToneSchema,
        vocabulary::ResponderSchema,
        vocabulary::QueueSchema,
        otklik_schema::Locale,
    )),
    tags(
        (name = "auth", description = "Sign-up, sessions, password reset, the signed-in user"),
        (name = "settings", description = "The shop's assistant settings"),
        (name = "users", description = "People and invitations"),
        (name = "channels", description = "Telegram and MAX bots, VK communities and web chats"),
        (name = "marketplace-accounts", description = "Wildberries and Ozon seller accounts"),
        (name = "knowledge", description = "Articles with versions and approval"),
        (name = "conversations", description = "The operator inbox"),
        (name = "customers", description = "Shoppers with their orders, returns and products"),
        (name = "analytics", description = "Automation rate, response times, CSAT and knowledge gaps"),
        (name = "quick-replies", description = "Ready-made answers for the reply box"),
        (name = "billing", description = "Plan, invoices and payment links"),
        (name = "api-keys", description = "API keys for the shop's servers"),
        (name = "audit", description = "The audit log of admin actions"),
        (name = "dead-letters", description = "Jobs that failed for good, and their replay"),
    ),
    paths(
        auth::sign_up,
        auth::sign_in,
        auth::refresh,
        auth::sign_out,
        auth::request_reset,
        auth::confirm_reset,
        me::me,
        me::update,
        me::change_password,
        me::resend_verification,
        alerts::show_alerts,
        alerts::update_alerts,
        settings::show,
        settings::update,
        onboarding::checklist,
        users::list,
        users::update,
        users::pending,
        users::invite,
        users::revoke,
        users::accept,
        channels::list,
        channels::connect_telegram,
        channels::max::connect,
        channels::vk::connect,
        channels::whatsapp::connect,
        channels::create_webchat,
        channels::switch_off,
        marketplace_accounts::list,
        marketplace_accounts::show,
        marketplace_accounts::connect,
        marketplace_accounts::update,
        marketplace_accounts::disconnect,
        knowledge::list,
        knowledge::create,
        knowledge::show,
        knowledge::revise,
        knowledge::archive,
        knowledge::show_version,
        knowledge::approve,
        knowledge::import,
        conversations::list,
        conversations::counters,
        conversations::assignees,
        conversations::show,
        conversations::timeline,
        conversations::take_over,
        conversations::assign,
        conversations::reply,
        conversations::note,
        conversations::close,
        conversations::return_to_bot,
        conversations::approve_draft,
        customers::list,
        customers::show,
        analytics::summary,
        analytics::gaps,
        analytics::conversations_csv,
        quick_replies::list,
        quick_replies::create,
        quick_replies::update,
        quick_replies::remove,
        billing::overview,
        billing::invoices,
        billing::checkout,
        billing::portal,
        billing::change_plan,
        billing::reply_cap,
        requisites::show_requisites,
        requisites::put_requisites,
        requisites::act,
        api_keys::create_key,
        api_keys::list_keys,
        api_keys::revoke_key,
        audit_log::audit_log,
        dead_letters::dead_letters,
        dead_letters::replay,
    )
)]
struct AdminApi;

/// What every operation shares, added once instead of on each handler: the bearer scheme and
/// the `X-Api-Key` scheme (an API key also works as the bearer token), a 401 wherever a token is
/// needed, a 503 everywhere (every handler reads the database), and an operation id prefixed
/// with the tag, since handlers in different modules share names.
struct Shared;

impl Modify for Shared {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "api_key",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                "X-Api-Key",
                "An API key (`ok_live_…`) from `POST /api/v1/api-keys`",
            ))),
        );
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorEnvelope")))
                        .build(),
                )
                .build()
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.patch,
                &mut item.delete,
            ];
            for operation in operations.into_iter().flatten() {
                if let (Some(id), Some(tag)) = (&operation.operation_id, &operation.tags)
                    && let Some(tag) = tag.first()
                {
                    operation.operation_id = Some(format!("{tag}_{id}"));
                }
                if let Some(security) = operation.security.as_mut() {
                    security.push(SecurityRequirement::new("api_key", Vec::<String>::new()));
                }
                let responses = &mut operation.responses.responses;
                if operation.security.is_some() {
                    responses.entry("401".into()).or_insert_with(|| {
                        error("No valid access token (missing, expired or forged)").into()
                    });
                }
                let pages = operation
                    .parameters
                    .iter()
                    .flatten()
                    .any(|p| p.name == "cursor");
                if pages {
                    responses.entry("404".into()).or_insert_with(|| {
                        error("A `cursor` this API did not give out names no page").into()
                    });
                }
                // Every body is read the same way: malformed JSON is a 400, a NUL character or
                // a field out of its limits a 422.
                if operation.request_body.is_some() {
                    responses.entry("400".into()).or_insert_with(|| {
                        error("Malformed JSON, not an object, or unknown fields").into()
                    });
                    responses
                        .entry("422".into())
                        .or_insert_with(|| error("Some fields are invalid").into());
                }
                responses
                    .entry("503".into())
                    .or_insert_with(|| error("Temporarily unavailable; retry shortly").into());
            }
        }
    }
}

static DOCUMENT: LazyLock<serde_json::Value> = LazyLock::new(|| {
    let mut document = serde_json::to_value(AdminApi::openapi()).unwrap_or_default();
    // Only what requests carry: errors echo what was sent, NUL characters included.
    let requests = request_schemas(&document);
    let components = document
        .pointer_mut("/components/schemas")
        .and_then(serde_json::Value::as_object_mut)
        .into_iter()
        .flat_map(|schemas| schemas.iter_mut())
        .filter(|(name, _)| requests.contains(name.as_str()));
    for (_, schema) in components {
        without_nul(schema);
    }
    if let Some(paths) = document.get_mut("paths") {
        for body in paths
            .as_object_mut()
            .into_iter()
            .flat_map(|paths| paths.values_mut())
            .filter_map(|item| item.as_object_mut())
            .flat_map(|item| item.values_mut())
            .filter_map(|operation| operation.get_mut("requestBody"))
        {
            without_nul(body);
        }
    }
    document
});

/// The names of the component schemas request bodies use, directly or through each other.
fn request_schemas(document: &serde_json::Value) -> std::collections::HashSet<String> {
    fn refs<'a>(value: &'a serde_json::Value, found: &mut Vec<&'a str>) {
        match value {
            serde_json::Value::Object(map) => {
                if let Some(name) = map
                    .get("$ref")
                    .and_then(serde_json::Value::as_str)
                    .and_then(|r| r.strip_prefix("#/components/schemas/"))
                {
                    found.push(name);
                }
                map.values().for_each(|v| refs(v, found));
            }
            serde_json::Value::Array(items) => items.iter().for_each(|v| refs(v, found)),
            _ => {}
        }
    }
    let mut pending = Vec::new();
    for operation in document["paths"]
        .as_object()
        .into_iter()
        .flat_map(|paths| paths.values())
        .filter_map(serde_json::Value::as_object)
        .flat_map(|item| item.values())
    {
        refs(&operation["requestBody"], &mut pending);
    }
    let mut seen = std::collections::HashSet::new();
    while let Some(name) = pending.pop() {
        if seen.insert(name.to_owned()) {
            refs(&document["components"]["schemas"][name], &mut pending);
        }
    }
    seen
}

/// No text the API takes may hold a NUL character (PostgreSQL cannot store one; bodies with one
/// get a 422), so every string of the request schemas says so in its pattern: a free string
/// gets `^[^\u0000]*$`, and «not blank» (`\S`) becomes «not blank and without NUL». Strings
/// with a format, a set of values or a stricter pattern already exclude it.
fn without_nul(schema: &mut serde_json::Value) {
    use serde_json::Value;
    match schema {
        Value::Object(map) => {
            let string = match map.get("type") {
                Some(Value::String(kind)) => kind == "string",
                Some(Value::Array(kinds)) => kinds.iter().any(|k| k == "string"),
                _ => false,
            };
            let constrained = ["format", "enum", "const", "contentMediaType"]
                .iter()
                .any(|key| map.contains_key(*key));
            if string && !constrained {
                let pattern = match map.get("pattern").and_then(Value::as_str) {
                    None => Some(r"^[^\u0000]*$"),
                    Some(r"\S") => Some(r"^[^\u0000]*[^\s\u0000][^\u0000]*$"),
                    Some(_) => None,
                };
                if let Some(pattern) = pattern {
                    map.insert("pattern".into(), pattern.into());
                }
            }
            map.values_mut().for_each(without_nul);
        }
        Value::Array(items) => items.iter_mut().for_each(without_nul),
        _ => {}
    }
}

/// `GET /api/openapi.json`.
pub async fn document() -> Json<&'static serde_json::Value> {
    Json(&DOCUMENT)
}

const STYLE: &str = include_str!("docs/docs.css");
const SCRIPT: &str = include_str!("docs/docs.js");

/// The page and its CSP, built once: the inline style and script are allowed by their hashes,
/// so nothing else can run or load, and the only request the page makes is for the document.
static PAGE: LazyLock<(String, HeaderValue)> = LazyLock::new(|| {
    let hash = |text: &str| STANDARD.encode(Sha256::digest(text.as_bytes()));
    let page = include_str!("docs/docs.html")
        .replace("/*STYLE*/", STYLE)
        .replace("/*SCRIPT*/", SCRIPT);
    let policy = format!(
        "default-src 'none'; connect-src 'self'; img-src 'self'; style-src 'sha256-{}'; \
         script-src 'sha256-{}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        hash(STYLE),
        hash(SCRIPT)
    );
    let policy = HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static(
        "default-src 'none'; connect-src 'self'",
    ));
    (page, policy)
});

/// `GET /api/docs`.
pub async fn page() -> Response {
    let (page, policy) = &*PAGE;
    let mut response = Html(page.as_str()).into_response();
    response
        .headers_mut()
        .insert(header::CONTENT_SECURITY_POLICY, policy.clone());
    response
}
