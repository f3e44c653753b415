//! Self-serve onboarding: sign-up records the two consents a Russian shop's owner must give (or
//! refuses without them, creating nothing), and `GET /api/v1/onboarding` ticks each first-run
//! step from what the shop has really set up.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_auth::{get, post, shop, token};
use crate::support::TestApp;

fn fields(error: &Value) -> Vec<(String, String)> {
    error["error"]["fields"]
        .as_array()
        .expect("field errors")
        .iter()
        .map(|f| {
            (
                f["field"].as_str().unwrap_or_default().to_owned(),
                f["code"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_needs_both_consents_and_records_when_they_were_given() {
    let app = crate::admin_auth::api().await;
    let refused = |field: &str| (field.to_owned(), "consent_required".to_owned());

    let mut no_terms = shop("soglasie", "owner@soglasie.example");
    no_terms["accept_terms"] = json!(false);
    let (status, error) = post(&app, "/api/v1/auth/signup", None, no_terms).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(fields(&error), [refused("accept_terms")]);

    let mut no_personal_data = shop("soglasie", "owner@soglasie.example");
    no_personal_data
        .as_object_mut()
        .expect("object")
        .remove("accept_personal_data");
    let (status, error) = post(&app, "/api/v1/auth/signup", None, no_personal_data).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(fields(&error), [refused("accept_personal_data")]);

    let refusals = app
        .count(
            "SELECT count(*) AS n FROM tenants t JOIN users u ON u.tenant_id = t.id
              WHERE t.slug = 'soglasie' OR u.email = 'owner@soglasie.example'",
        )
        .await;
    assert_eq!(refusals, 0, "a refused sign-up creates nothing");

    let (status, session) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("soglasie", "owner@soglasie.example"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    let user = session["user"]["id"].as_i64().expect("user id");
    let recorded = app
        .count(&format!(
            "SELECT count(*) AS n FROM users WHERE id = {user}
                AND terms_accepted_at > now() - interval '1 minute'
                AND personal_data_consent_at > now() - interval '1 minute'"
        ))
        .await;
    assert_eq!(
        recorded, 1,
        "both consents carry the moment they were given"
    );
}

async fn checklist(app: &TestApp, admin: &str) -> Value {
    let (status, checklist) = get(app, "/api/v1/onboarding", Some(admin)).await;
    assert_eq!(status, StatusCode::OK, "{checklist}");
    checklist
}

/// The checklist once `step` is done, or as it is after 30 s.
async fn once_done(app: &TestApp, admin: &str, step: &str) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let checklist = checklist(app, admin).await;
        if checklist[step] == true || tokio::time::Instant::now() >= deadline {
            return checklist;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_checklist_ticks_each_step_from_the_shops_own_data() {
    let app = TestApp::start().await;
    let (_, owner) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("pervyi", "owner@pervyi.example"),
    )
    .await;
    let admin = token(&owner, "access_token");
    let tenant = owner["user"]["tenant_id"].as_i64().expect("tenant id");
    let nothing = json!({"marketplace_account": false, "channel": false,
        "knowledge_article": false, "colleague": false, "webchat_tried": false, "complete": false});
    // The test shop of `TestApp` has channels and conversations of its own: none of them count.
    assert_eq!(checklist(&app, &admin).await, nothing);

    // A marketplace account counts once its credentials passed the check.
    let account = app
        .count(&format!(
            "INSERT INTO marketplace_accounts (tenant_id, marketplace, name, status)
             VALUES ({tenant}, 'wb', 'WB', 'checking') RETURNING id AS n"
        ))
        .await;
    assert_eq!(checklist(&app, &admin).await["marketplace_account"], false);
    app.count(&format!(
        "UPDATE marketplace_accounts SET status = 'connected' WHERE id = {account}
         RETURNING id AS n"
    ))
    .await;
    assert_eq!(checklist(&app, &admin).await["marketplace_account"], true);

    let (status, article) = post(
        &app,
        "/api/v1/knowledge/articles",
        Some(&admin),
        json!({"title": "Возврат", "body": "Вернуть товар можно в течение 14 дней."}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{article}");
    assert_eq!(checklist(&app, &admin).await["knowledge_article"], true);

    let (status, invited) = post(
        &app,
        "/api/v1/invitations",
        Some(&admin),
        json!({"email": "kollega@pervyi.example", "role": "operator"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{invited}");
    assert_eq!(checklist(&app, &admin).await["colleague"], true);

    let (status, channel) = post(
        &app,
        "/api/v1/channels/webchat",
        Some(&admin),
        json!({"name": "Сайт"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{channel}");
    let progress = checklist(&app, &admin).await;
    assert_eq!(progress["channel"], true);
    assert_eq!(
        progress["webchat_tried"], false,
        "a web chat nobody wrote in"
    );
    assert_eq!(progress["complete"], false);

    // Shoppers reach the web chat once the owner confirmed their address.
    crate::signup_verification::confirm_owner(&app, &owner).await;
    let channel = channel["id"].as_i64().expect("channel id");
    let sent = app
        .http
        .post(format!("{}/chat/{channel}/messages", app.base))
        .json(&json!({"visitor_id": "visitor-pervyi-0123456789", "client_message_id": "msg-pervyi-000000001",
            "text": "Здравствуйте! Проверяю чат."}))
        .send()
        .await
        .expect("web chat message");
    assert!(sent.status().is_success(), "{}", sent.status());
    let done = once_done(&app, &admin, "webchat_tried").await;
    assert_eq!(
        done,
        json!({"marketplace_account": true, "channel": true, "knowledge_article": true,
            "colleague": true, "webchat_tried": true, "complete": true})
    );

    // The checklist is the shop's set-up, an admin's business.
    let (status, invited) = post(
        &app,
        "/api/v1/invitations",
        Some(&admin),
        json!({"email": "nabludatel@pervyi.example", "role": "viewer"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, viewer) = post(
        &app,
        "/api/v1/invitations/accept",
        None,
        json!({"token": token(&invited, "token"), "password": "correct horse battery", "name": "Вера"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{viewer}");
    let (status, _) = get(
        &app,
        "/api/v1/onboarding",
        Some(&token(&viewer, "access_token")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}
