//! Tenant isolation, walked over the whole admin API: every operation of the OpenAPI document
//! that names an object is called by another shop's admin with the first shop's ids. None may
//! succeed or fail on the server's side, reads must answer 404, and the first shop's objects
//! must be unchanged afterwards.

use otklik_db::conversations::{self, NewInbound};
use otklik_schema::ChannelId;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin_auth::{api, call, get, post, shop, token};

/// What the first shop owns, by the path prefix that names it.
fn id_for(path: &str, param: &str, ids: &Value) -> Option<String> {
    let value = match (param, path) {
        ("version", _) => json!(1),
        ("message_id", _) => ids["message"].clone(),
        ("queue", _) => json!("turns"),
        ("id", p) if p.starts_with("/api/v1/dead-letters/") => json!("0123456789abcdef"),
        ("id", p) if p.starts_with("/api/v1/users/") => ids["user"].clone(),
        ("id", p) if p.starts_with("/api/v1/invitations/") => ids["invitation"].clone(),
        ("id", p) if p.starts_with("/api/v1/channels/") => ids["channel"].clone(),
        ("id", p) if p.starts_with("/api/v1/knowledge/articles/") => ids["article"].clone(),
        ("id", p) if p.starts_with("/api/v1/conversations/") => ids["conversation"].clone(),
        ("id", p) if p.starts_with("/api/v1/customers/") => ids["customer"].clone(),
        ("id", p) if p.starts_with("/api/v1/quick-replies/") => ids["quick_reply"].clone(),
        ("id", p) if p.starts_with("/api/v1/api-keys/") => ids["api_key"].clone(),
        ("id", p) if p.starts_with("/api/v1/marketplace-accounts/") => {
            ids["marketplace_account"].clone()
        }
        ("number", p) if p.starts_with("/api/v1/billing/acts/") => ids["payment"].clone(),
        _ => return None,
    };
    match value {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) => Some(s),
        _ => None,
    }
}

/// The path with every `{param}` filled in, or which param has no known object.
fn fill(path: &str, ids: &Value) -> Result<String, String> {
    let mut filled = String::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let end = rest[start..]
            .find('}')
            .map(|e| start + e)
            .ok_or(path.to_owned())?;
        let param = &rest[start + 1..end];
        let value =
            id_for(path, param, ids).ok_or_else(|| format!("{path}: no object for {{{param}}}"))?;
        filled.push_str(&rest[..start]);
        filled.push_str(&value);
        rest = &rest[end + 1..];
    }
    filled.push_str(rest);
    Ok(filled)
}

/// A count of everything the first shop owns, to compare before and after.
async fn footprint(app: &crate::support::TestApp, tenant: i64) -> Vec<i64> {
    let mut counts = Vec::new();
    for sql in [
        format!(
            "SELECT count(*) AS n FROM users WHERE tenant_id = {tenant} AND disabled_at IS NULL"
        ),
        format!(
            "SELECT count(*) AS n FROM invitations WHERE tenant_id = {tenant} AND revoked_at IS NULL"
        ),
        format!("SELECT count(*) AS n FROM channels WHERE tenant_id = {tenant} AND enabled"),
        format!(
            "SELECT count(*) AS n FROM knowledge_article_versions v JOIN knowledge_articles a ON a.id = v.article_id WHERE a.tenant_id = {tenant}"
        ),
        format!("SELECT count(*) AS n FROM messages WHERE tenant_id = {tenant}"),
        format!(
            "SELECT count(*) AS n FROM conversations WHERE tenant_id = {tenant} AND mode = 'bot' AND closed_at IS NULL"
        ),
        format!("SELECT count(*) AS n FROM audit_log WHERE tenant_id = {tenant}"),
        format!(
            "SELECT count(*) AS n FROM marketplace_accounts WHERE tenant_id = {tenant} AND status = 'checking' AND name = 'WB' AND check_generation = 1"
        ),
    ] {
        counts.push(app.count(&sql).await);
    }
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_shop_cannot_reach_any_object_through_any_endpoint() {
    let app = api().await;
    let (_, first) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("pervy", "a@pervy.example"),
    )
    .await;
    let (_, second) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("vtoroy", "a@vtoroy.example"),
    )
    .await;
    let owner = token(&first, "access_token");
    let stranger = token(&second, "access_token");
    let tenant = first["user"]["tenant_id"].as_i64().expect("tenant");

    // The first shop's objects.
    let (_, invitation) = post(
        &app,
        "/api/v1/invitations",
        Some(&owner),
        json!({"email": "op@pervy.example", "role": "operator"}),
    )
    .await;
    let (_, channel) = post(
        &app,
        "/api/v1/channels/webchat",
        Some(&owner),
        json!({"name": "Сайт"}),
    )
    .await;
    let (_, article) = post(
        &app,
        "/api/v1/knowledge/articles",
        Some(&owner),
        json!({"title": "Доставка", "body": "Доставляем за 2 дня."}),
    )
    .await;
    let recorded = conversations::record_inbound(
        &mut app.db().await,
        otklik_db::TenantScope::trusted(otklik_schema::TenantId(tenant)),
        &NewInbound {
            channel_id: ChannelId(channel["id"].as_i64().expect("channel id")),
            customer_external_id: "visitor-1",
            customer_name: "Покупатель",
            customer_username: None,
            chat_id: "visitor-1",
            external_id: "m-1",
            body: "Здравствуйте, где мой заказ?",
            attachments: json!([]),
            reply_token: None,
            reply_due_at: None,
        },
    )
    .await
    .expect("a shopper message");
    // A paid month, whose act is the first shop's alone.
    let payment = app
        .count(&format!(
            "INSERT INTO payments (tenant_id, purpose, plan_code, operation, amount, currency,
                                   receipt, period_start, period_end, status, applied_at)
             VALUES ({tenant}, 'first', 'business', 'paid', 3990000, 'RUB', '{{}}', now(),
                     now() + interval '30 days', 'succeeded', now())
             RETURNING id AS n"
        ))
        .await;
    let (_, document) = get(&app, "/api/openapi.json", None).await;
    let paths = document["paths"].as_object().expect("paths").clone();
    let mut ids = json!({
        "user": first["user"]["id"], "invitation": invitation["id"], "channel": channel["id"],
        "article": article["id"], "conversation": recorded.conversation_id.0,
        "message": recorded.message_id.map(|m| m.0), "payment": payment,
    });
    let (_, customer) = get(
        &app,
        &format!("/api/v1/conversations/{}", recorded.conversation_id.0),
        Some(&owner),
    )
    .await;
    ids["customer"] = customer["customer"]["id"].clone();
    if paths.contains_key("/api/v1/quick-replies") {
        let (_, reply) = post(
            &app,
            "/api/v1/quick-replies",
            Some(&owner),
            json!({"title": "Привет", "text": "Здравствуйте!"}),
        )
        .await;
        ids["quick_reply"] = reply["id"].clone();
    }
    if paths.contains_key("/api/v1/api-keys") {
        let (_, key) = post(
            &app,
            "/api/v1/api-keys",
            Some(&owner),
            json!({"name": "CRM", "role": "viewer"}),
        )
        .await;
        ids["api_key"] = key["id"].clone();
    }
    if paths.contains_key("/api/v1/marketplace-accounts") {
        let (_, account) = post(
            &app,
            "/api/v1/marketplace-accounts",
            Some(&owner),
            json!({"marketplace": "wb", "name": "WB", "credentials": {"token": "not-checked-here"}}),
        )
        .await;
        ids["marketplace_account"] = account["id"].clone();
    }
    let before = footprint(&app, tenant).await;

    let mut walked = 0;
    for (path, operations) in &paths {
        if !path.contains('{') {
            continue;
        }
        let filled =
            fill(path, &ids).unwrap_or_else(|missing| panic!("{missing}: map it in id_for"));
        for method in operations.as_object().expect("operations").keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let body = (method != Method::GET && method != Method::DELETE).then(|| {
                json!({"text": "чужой ответ", "title": "Чужое", "body": "Чужое", "name": "Чужое",
                       "role": "admin", "disabled": true, "user_id": second["user"]["id"]})
            });
            let (status, answer) = call(&app, method.clone(), &filled, Some(&stranger), body).await;
            walked += 1;
            assert!(
                status.is_client_error(),
                "{method} {filled} by another shop answered {status}: {answer}"
            );
            if method == Method::GET {
                assert_eq!(status, StatusCode::NOT_FOUND, "{method} {filled}: {answer}");
            }
        }
    }
    assert!(walked >= 20, "only {walked} operations name an object");
    assert_eq!(
        footprint(&app, tenant).await,
        before,
        "nothing of the first shop changed"
    );
    let (status, _) = get(
        &app,
        &format!("/api/v1/conversations/{}", recorded.conversation_id.0),
        Some(&owner),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "and its owner still reaches it");
}
