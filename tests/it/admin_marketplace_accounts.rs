//! `/api/v1/marketplace-accounts` against the WB and Ozon sandboxes: the ingress stores and
//! enqueues, the sync pool checks the credentials with the onboarding checks and connects or
//! rejects; credentials never come back out, and other shops and roles are kept out.

use std::sync::PoisonError;
use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin_auth::call;
use crate::marketplace_sync::{Shop, default_shop};

const PATH: &str = "/api/v1/marketplace-accounts";

/// The test shop's admin and operator, and the admin of another shop.
async fn staff(shop: &Shop) -> [String; 3] {
    let app = &shop.app;
    let (status, _) = call(
        app,
        Method::POST,
        "/api/v1/auth/signup",
        None,
        Some(
            json!({"accept_terms": true, "accept_personal_data": true, "shop_name": "Чужой магазин", "slug": "chuzhoy-accounts",
            "email": "boss@chuzhoy-accounts.example", "password": "correct horse battery"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let tenant = app.tenant.tenant_id();
    for (email, role) in [
        ("admin@test-shop.example", "admin"),
        ("operator@test-shop.example", "operator"),
    ] {
        diesel_async::RunQueryDsl::execute(
            diesel::sql_query(format!(
                "INSERT INTO users (tenant_id, email, role, display_name, password_hash)
                 SELECT {tenant}, '{email}', '{role}', 'Сотрудник', password_hash FROM users
                  WHERE email = 'boss@chuzhoy-accounts.example'"
            )),
            &mut app.db().await,
        )
        .await
        .expect("add a user");
    }
    let mut tokens = Vec::new();
    for email in [
        "admin@test-shop.example",
        "operator@test-shop.example",
        "boss@chuzhoy-accounts.example",
    ] {
        let (status, session) = call(
            app,
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": email, "password": "correct horse battery"})),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{email} signs in");
        tokens.push(session["access_token"].as_str().expect("token").to_owned());
    }
    [tokens.remove(0), tokens.remove(0), tokens.remove(0)]
}

/// The account once it leaves `checking`, or as it is after 30 s.
async fn settled(shop: &Shop, token: &str, id: i64) -> Value {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let (status, account) = call(
            &shop.app,
            Method::GET,
            &format!("{PATH}/{id}"),
            Some(token),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{account}");
        if account["status"] != "checking" || tokio::time::Instant::now() >= deadline {
            return account;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Sends an account to connect: the 202 answer, and the account once its check is over.
async fn connect(shop: &Shop, token: &str, body: Value) -> (Value, Value) {
    let (status, created) = call(&shop.app, Method::POST, PATH, Some(token), Some(body)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{created}");
    let id = created["id"].as_i64().expect("id");
    let account = settled(shop, token, id).await;
    (created, account)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admins_connect_accounts_that_the_workers_check() {
    let shop = default_shop(30, true).await;
    let [admin, operator, stranger] = staff(&shop).await;
    let events = shop.app.operator_events().await;
    let wb_token = shop.wb.token().to_owned();
    let (ozon_client, ozon_key) = (
        shop.ozon.client_id().to_owned(),
        shop.ozon.api_key().to_owned(),
    );
    let short_token = otklik_sandbox::wb_token(
        &[1, 4, 5, 7, 11],
        false,
        4,
        chrono::Utc::now() + chrono::Duration::days(90),
    );
    let secrets = [wb_token.as_str(), ozon_key.as_str(), short_token.as_str()];
    let leaks = |text: &str| secrets.iter().any(|secret| text.contains(secret));

    // A good WB token: 202 `checking`, then connected by the sync pool, channels opened.
    let (created, account) = connect(
        &shop,
        &admin,
        json!({"marketplace": "wb", "name": "WB · Север", "credentials": {"token": wb_token}}),
    )
    .await;
    assert_eq!(created["status"], "checking");
    assert_eq!(created["marketplace"], "wb");
    assert!(!leaks(&created.to_string()), "{created}");
    let wb = created["id"].as_i64().expect("id");
    assert_eq!(account["status"], "connected", "{account}");
    assert_eq!(account["problems"], json!([]));
    assert!(account["credentials_expire_at"].is_string(), "{account}");
    assert_eq!(
        shop.app
            .count(&format!(
                "SELECT count(*) AS n FROM channels WHERE account_id = {wb} AND enabled"
            ))
            .await,
        3,
        "questions, reviews and chat of WB"
    );

    // A token without a category we need: rejected, with the seller's own words.
    let (created, account) = connect(
        &shop,
        &admin,
        json!({"marketplace": "wb", "name": "WB · Юг", "credentials": {"token": short_token}}),
    )
    .await;
    let rejected = created["id"].as_i64().expect("id");
    assert_eq!(account["status"], "rejected", "{account}");
    assert!(
        account["problems"]
            .as_array()
            .expect("problems")
            .iter()
            .any(|p| p
                .as_str()
                .is_some_and(|p| p.contains("«Чат с покупателями»"))),
        "{account}"
    );

    // An Ozon key (its Client-Id as Ozon shows it, a number): connected, with the chat note.
    let client_number: i64 = ozon_client.parse().expect("numeric Client-Id");
    let (created, account) = connect(
        &shop,
        &admin,
        json!({"marketplace": "ozon", "name": "Ozon",
            "credentials": {"client_id": client_number, "api_key": ozon_key}}),
    )
    .await;
    let ozon = created["id"].as_i64().expect("id");
    assert_eq!(account["status"], "connected", "{account}");
    assert!(
        account["notes"][0]
            .as_str()
            .is_some_and(|n| n.contains("Premium")),
        "{account}"
    );

    // The dashboards heard every check.
    let heard = shop
        .app
        .eventually(Duration::from_secs(5), 3, || async {
            events
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .iter()
                .filter(|e| e["type"] == "marketplace_account" && e["action"] == "checked")
                .count()
        })
        .await;
    assert_eq!(heard, 3);

    // The connected account gets its first full sync without waiting for the scheduler, and
    // its health shows.
    let synced = shop
        .app
        .eventually(Duration::from_secs(60), true, || async {
            let (_, account) = call(
                &shop.app,
                Method::GET,
                &format!("{PATH}/{wb}"),
                Some(&admin),
                None,
            )
            .await;
            account["last_synced_at"].is_string()
        })
        .await;
    assert!(synced, "the first sync ran");

    // A list in pages, readable by operators too; never a credential.
    let (status, first) = call(
        &shop.app,
        Method::GET,
        &format!("{PATH}?limit=2"),
        Some(&operator),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(first["items"].as_array().map(Vec::len), Some(2));
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let (_, second) = call(
        &shop.app,
        Method::GET,
        &format!("{PATH}?limit=2&cursor={cursor}"),
        Some(&operator),
        None,
    )
    .await;
    assert_eq!(second["items"][0]["id"], ozon);
    assert!(second["next_cursor"].is_null());
    for page in [&first, &second] {
        assert!(!leaks(&page.to_string()), "{page}");
        assert!(page["items"][0].get("credentials").is_none());
    }

    // New credentials for the rejected account: checked again and connected; a rename is 200.
    let (status, patched) = call(
        &shop.app,
        Method::PATCH,
        &format!("{PATH}/{rejected}"),
        Some(&admin),
        Some(json!({"credentials": {"token": wb_token}})),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{patched}");
    assert_eq!(patched["status"], "checking");
    assert!(!leaks(&patched.to_string()));
    let account = settled(&shop, &admin, rejected).await;
    assert_eq!(account["status"], "connected", "{account}");
    assert_eq!(account["problems"], json!([]));
    // A check job that runs again, or one for the replaced credentials, changes nothing.
    let late = otklik_db::accounts::CheckResult {
        problems: vec!["устаревшая проверка".into()],
        ..Default::default()
    };
    for generation in [1, 2] {
        let recorded = otklik_db::accounts::record_check(
            &mut shop.app.db().await,
            shop.app.tenant,
            otklik_schema::AccountId(rejected),
            generation,
            &late,
        )
        .await
        .expect("record");
        assert!(!recorded, "generation {generation}");
    }
    let (status, renamed) = call(
        &shop.app,
        Method::PATCH,
        &format!("{PATH}/{rejected}"),
        Some(&admin),
        Some(json!({"name": "WB · Юг, новый токен"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{renamed}");
    assert_eq!(renamed["name"], "WB · Юг, новый токен");
    assert_eq!(renamed["status"], "connected");

    // Disconnecting stops syncs and polls and keeps what was synced.
    let orders = shop
        .app
        .count(&format!(
            "SELECT count(*) AS n FROM orders WHERE account_id = {wb}"
        ))
        .await;
    assert!(orders > 0, "the first sync stored orders");
    let (status, _) = call(
        &shop.app,
        Method::DELETE,
        &format!("{PATH}/{wb}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, account) = call(
        &shop.app,
        Method::GET,
        &format!("{PATH}/{wb}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(account["status"], "disconnected");
    let open_channels =
        format!("SELECT count(*) AS n FROM channels WHERE account_id = {wb} AND enabled");
    assert_eq!(
        shop.app.count(&open_channels).await,
        0,
        "its channels closed with it"
    );
    let due = otklik_db::accounts::list_enabled(&mut shop.app.db().await)
        .await
        .expect("enabled accounts");
    assert!(due.iter().all(|(_, id)| id.0 != wb), "{due:?}");
    assert_eq!(
        shop.app
            .count(&format!(
                "SELECT count(*) AS n FROM orders WHERE account_id = {wb}"
            ))
            .await,
        orders
    );
    // New credentials connect it again, with its channels.
    let (status, rechecked) = call(
        &shop.app,
        Method::PATCH,
        &format!("{PATH}/{wb}"),
        Some(&admin),
        Some(json!({"credentials": {"token": wb_token}})),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{rechecked}");
    let account = settled(&shop, &admin, wb).await;
    assert_eq!(account["status"], "connected", "{account}");
    assert_eq!(
        shop.app.count(&open_channels).await,
        3,
        "its channels open again"
    );

    // Audit-logged, without a credential.
    #[derive(diesel::QueryableByName)]
    struct Entry {
        #[diesel(sql_type = diesel::sql_types::Text)]
        action: String,
        #[diesel(sql_type = diesel::sql_types::Text)]
        details: String,
    }
    let entries: Vec<Entry> = diesel_async::RunQueryDsl::load(
        diesel::sql_query(
            "SELECT action, details::text AS details FROM audit_log
              WHERE target_type = 'marketplace_account' ORDER BY id",
        ),
        &mut shop.app.db().await,
    )
    .await
    .expect("audit log");
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "marketplace_account.connect",
            "marketplace_account.connect",
            "marketplace_account.connect",
            "marketplace_account.update",
            "marketplace_account.update",
            "marketplace_account.disconnect",
            "marketplace_account.update",
        ]
    );
    assert!(entries.iter().all(|e| !leaks(&e.details)));

    // Another shop's admin finds nothing; an operator may not connect.
    for method in [Method::GET, Method::PATCH, Method::DELETE] {
        let body = (method == Method::PATCH).then(|| json!({"name": "Чужое"}));
        let (status, answer) = call(
            &shop.app,
            method.clone(),
            &format!("{PATH}/{ozon}"),
            Some(&stranger),
            body,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method}: {answer}");
    }
    let (_, theirs) = call(&shop.app, Method::GET, PATH, Some(&stranger), None).await;
    assert_eq!(theirs["items"], json!([]));
    let (status, _) = call(
        &shop.app,
        Method::POST,
        PATH,
        Some(&operator),
        Some(json!({"marketplace": "wb", "name": "WB", "credentials": {"token": wb_token}})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(
        &shop.app,
        Method::DELETE,
        &format!("{PATH}/{ozon}"),
        Some(&operator),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_requests_are_refused_and_store_nothing() {
    let shop = default_shop(5, false).await;
    let [admin, ..] = staff(&shop).await;
    let response = shop
        .app
        .http
        .post(format!("{}{PATH}", shop.app.base))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{\"marketplace\": \"wb\",")
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    for (body, status, field) in [
        (
            json!({"marketplace": "avito", "name": "Авито", "credentials": {"token": "x"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "marketplace",
        ),
        (
            json!({"marketplace": "wb", "name": " ", "credentials": {"token": "x"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "name",
        ),
        (
            json!({"marketplace": "wb", "name": "WB", "credentials": {"token": ""}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "credentials.token",
        ),
        (
            json!({"marketplace": "wb", "name": "WB", "credentials": {"client_id": "1", "api_key": "k"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "credentials",
        ),
        (
            json!({"marketplace": "ozon", "name": "Ozon", "credentials": {"client_id": "1"}}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "credentials.api_key",
        ),
        (
            json!({"marketplace": "ozon", "name": "Ozon", "credentials": "key"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "credentials",
        ),
        (
            json!({"marketplace": "wb", "name": "WB"}),
            StatusCode::BAD_REQUEST,
            "",
        ),
        (
            json!({"marketplace": "wb", "name": "WB", "credentials": {"token": "x"}, "extra": 1}),
            StatusCode::BAD_REQUEST,
            "",
        ),
    ] {
        let (answered, error) = call(
            &shop.app,
            Method::POST,
            PATH,
            Some(&admin),
            Some(body.clone()),
        )
        .await;
        assert_eq!(answered, status, "{body}: {error}");
        if !field.is_empty() {
            let fields = error["error"]["fields"].as_array().expect("fields");
            assert!(
                fields.iter().any(|f| f["field"] == field),
                "{body}: {error}"
            );
        }
    }
    let (status, _) = call(
        &shop.app,
        Method::GET,
        &format!("{PATH}/not-a-number"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        shop.app
            .count("SELECT count(*) AS n FROM marketplace_accounts")
            .await,
        0
    );
}
