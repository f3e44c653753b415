//! The admin API's sign-up, sign-in, tokens, roles and settings, over HTTP against the real
//! ingress and PostgreSQL.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Options, TestApp};

pub(crate) async fn api() -> TestApp {
    TestApp::with(Options {
        workers: false,
        ..Options::default()
    })
    .await
}

pub(crate) async fn call(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app.http.request(method, format!("{}{path}", app.base));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

pub(crate) async fn post(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    body: Value,
) -> (StatusCode, Value) {
    call(app, reqwest::Method::POST, path, token, Some(body)).await
}

pub(crate) async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, Value) {
    call(app, reqwest::Method::GET, path, token, None).await
}

pub(crate) fn shop(slug: &str, email: &str) -> Value {
    json!({"shop_name": "Магазин «Север»", "slug": slug, "email": email,
           "password": "correct horse battery", "name": "Анна",
           "accept_terms": true, "accept_personal_data": true})
}

/// Signs a shop up; its admin's session.
pub(crate) async fn sign_up(app: &TestApp, slug: &str, email: &str) -> Value {
    let (status, session) = post(app, "/api/v1/auth/signup", None, shop(slug, email)).await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    session
}

pub(crate) fn token(session: &Value, kind: &str) -> String {
    session[kind].as_str().expect("token").to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_up_sign_in_refresh_and_sign_out() {
    let app = api().await;
    let (status, session) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("sever", "anna@sever.example"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    assert_eq!(session["user"]["role"], "admin");
    let access = token(&session, "access_token");
    let (status, me) = get(&app, "/api/v1/me", Some(&access)).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["tenant"]["slug"], "sever");
    assert!(
        me["permissions"]
            .as_array()
            .is_some_and(|p| p.contains(&json!("manage_billing")))
    );

    // The same e-mail (any case) or shop address again is a conflict; bad fields say which.
    // Each collision names its reason, for the dashboard to word.
    let (status, taken) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("other", "ANNA@sever.example"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(taken["error"]["reason"], "email_registered", "{taken}");
    let (status, taken) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("sever", "boris@sever.example"),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(taken["error"]["reason"], "slug_taken", "{taken}");
    let bad = json!({"shop_name": "", "slug": "Не так", "email": "nope", "password": "short"});
    let (status, error) = post(&app, "/api/v1/auth/signup", None, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    let fields: Vec<&str> = error["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .filter_map(|f| f["field"].as_str())
        .collect();
    assert_eq!(
        fields,
        [
            "shop_name",
            "slug",
            "email",
            "password",
            "accept_terms",
            "accept_personal_data"
        ]
    );
    let mut unknown = shop("third", "c@sever.example");
    unknown["is_admin"] = json!(true);
    let (status, error) = post(&app, "/api/v1/auth/signup", None, unknown).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("is_admin")),
        "{error}"
    );
    let raw = app
        .http
        .post(format!("{}/api/v1/auth/login", app.base))
        .header("Content-Type", "application/json")
        .body("{\"email\": ")
        .send()
        .await
        .expect("post");
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM tenants WHERE slug = 'third'")
            .await,
        0
    );

    let (status, _) = post(
        &app,
        "/api/v1/auth/login",
        None,
        json!({"email": "anna@sever.example", "password": "wrong password!"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = post(
        &app,
        "/api/v1/auth/login",
        None,
        json!({"email": "nobody@sever.example", "password": "wrong password!"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, signed_in) = post(
        &app,
        "/api/v1/auth/login",
        None,
        json!({"email": "Anna@Sever.example", "password": "correct horse battery"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{signed_in}");

    // Refresh tokens rotate; a used one presented again ends the session.
    let first = token(&signed_in, "refresh_token");
    let (status, rotated) = post(
        &app,
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": first}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let second = token(&rotated, "refresh_token");
    assert_ne!(first, second);
    let (status, _) = post(
        &app,
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": first}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "a replayed token is refused"
    );
    let (status, _) = post(
        &app,
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": second}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "and its whole session with it"
    );

    // Signing out ends that session only.
    let other = token(&session, "refresh_token");
    let (status, _) = post(
        &app,
        "/api/v1/auth/logout",
        Some(&access),
        json!({"refresh_token": other}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = post(
        &app,
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": other}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_are_refused_and_failed_sign_ins_lock_the_account() {
    let app = api().await;
    let (_, session) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("yug", "olga@yug.example"),
    )
    .await;
    let access = token(&session, "access_token");
    for bad in [
        "",
        "Bearer",
        "Bearer abc.def.ghi",
        &format!("Token {access}"),
    ] {
        let response = app
            .http
            .get(format!("{}/api/v1/me", app.base))
            .header("Authorization", bad)
            .send()
            .await
            .expect("get");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{bad}");
    }
    let (status, _) = get(&app, "/api/v1/me", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // The token's payload changed to another tenant, signature kept: refused.
    let parts: Vec<&str> = access.split('.').collect();
    let forged_claims = base64_url(&json!({"sub": "1", "tid": 1, "role": "admin", "iat": 0, "nbf": 0, "exp": 4_102_444_800_i64}).to_string());
    let forged = format!("{}.{}.{}", parts[0], forged_claims, parts[2]);
    let (status, _) = get(&app, "/api/v1/me", Some(&forged)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let unsigned = format!(
        "{}.{}.",
        base64_url(r#"{"alg":"none","typ":"JWT"}"#),
        parts[1]
    );
    let (status, _) = get(&app, "/api/v1/me", Some(&unsigned)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    for _ in 0..5 {
        let (status, _) = post(
            &app,
            "/api/v1/auth/login",
            None,
            json!({"email": "olga@yug.example", "password": "not the password"}),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    let response = app
        .http
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"email": "olga@yug.example", "password": "correct horse battery"}))
        .send()
        .await
        .expect("post");
    // Locked even with the right password, and answering like a wrong one: a lockout tells
    // nobody which accounts exist.
    assert_eq!(
        response.status(),
        StatusCode::UNAUTHORIZED,
        "locked even with the right password"
    );
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_follow_roles_and_stay_in_their_tenant() {
    let app = api().await;
    let (_, north) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("north", "a@north.example"),
    )
    .await;
    let (_, south) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("south", "a@south.example"),
    )
    .await;
    let admin = token(&north, "access_token");
    let patch = json!({"operator_only": true, "persona": "Отвечаем коротко и по делу.", "working_hours": {"from": 9, "to": 21}});
    let (status, settings) = call(
        &app,
        reqwest::Method::PATCH,
        "/api/v1/settings",
        Some(&admin),
        Some(patch),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(settings["operator_only"], true);
    assert_eq!(settings["assistant"]["working_hours"]["from"], 9);
    let (_, theirs) = get(
        &app,
        "/api/v1/settings",
        Some(&token(&south, "access_token")),
    )
    .await;
    assert_eq!(
        theirs["operator_only"], false,
        "another tenant is untouched"
    );
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_log WHERE action = 'settings.update'")
            .await,
        1
    );
    let (status, error) = call(
        &app,
        reqwest::Method::PATCH,
        "/api/v1/settings",
        Some(&admin),
        Some(json!({"responders": ["gpt-9"], "working_hours": {"from": 20, "to": 8}})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");

    // An operator of the same shop reads settings but may not change them.
    let north_id = north["user"]["tenant_id"].as_i64().expect("tenant id");
    let mut conn = app.db().await;
    use diesel_async::RunQueryDsl;
    diesel::sql_query(format!(
        "INSERT INTO users (tenant_id, email, role, password_hash)
         SELECT tenant_id, 'op@north.example', 'operator', password_hash FROM users
          WHERE tenant_id = {north_id} AND role = 'admin'"
    ))
    .execute(&mut conn)
    .await
    .expect("operator");
    let (_, operator) = post(
        &app,
        "/api/v1/auth/login",
        None,
        json!({"email": "op@north.example", "password": "correct horse battery"}),
    )
    .await;
    let operator = token(&operator, "access_token");
    let (status, _) = get(&app, "/api/v1/settings", Some(&operator)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, error) = call(
        &app,
        reqwest::Method::PATCH,
        "/api/v1/settings",
        Some(&operator),
        Some(json!({"operator_only": false})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_log WHERE action = 'settings.update'")
            .await,
        1,
        "nothing changed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forgotten_password_is_reset_by_an_emailed_single_use_link() {
    let smtp = otklik_tests::smtp::FakeSmtp::start()
        .await
        .expect("fake SMTP");
    let app = TestApp::with(Options {
        env: vec![("OTKLIK_SMTP_URL", smtp.url())],
        ..Options::default()
    })
    .await;
    let (_, session) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("zabyl", "vera@zabyl.example"),
    )
    .await;
    let (status, _) = post(
        &app,
        "/api/v1/auth/password-reset",
        None,
        json!({"email": "nobody@zabyl.example"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::ACCEPTED,
        "unknown addresses get the same answer"
    );
    let (status, _) = post(
        &app,
        "/api/v1/auth/password-reset",
        None,
        json!({"email": "Vera@zabyl.example"}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // Sign-up's mail confirming the address, then the reset.
    let mail: Vec<_> = smtp
        .wait_for(2, std::time::Duration::from_secs(15))
        .await
        .into_iter()
        .filter(|mail| mail.text().contains("новый пароль"))
        .collect();
    assert_eq!(mail.len(), 1, "one e-mail, to the account's address only");
    assert_eq!(mail[0].to, ["vera@zabyl.example"]);
    let text = mail[0].text();
    assert!(text.contains("Чтобы задать новый пароль"), "{text}");
    let link = text
        .split_whitespace()
        .find(|word| word.contains("/app/#/reset/"))
        .expect("a reset link");
    let reset_token = link.rsplit('/').next().expect("token").to_owned();

    let (status, _) = post(
        &app,
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({"token": reset_token, "password": "short"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let confirm = json!({"token": reset_token, "password": "a brand new password"});
    let (status, _) = post(
        &app,
        "/api/v1/auth/password-reset/confirm",
        None,
        confirm.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = post(&app, "/api/v1/auth/password-reset/confirm", None, confirm).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "the link works once");
    let (status, _) = post(
        &app,
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": token(&session, "refresh_token")}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "old sessions ended");
    let (status, _) = post(
        &app,
        "/api/v1/auth/login",
        None,
        json!({"email": "vera@zabyl.example", "password": "correct horse battery"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = post(
        &app,
        "/api/v1/auth/login",
        None,
        json!({"email": "vera@zabyl.example", "password": "a brand new password"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_shop_has_an_admin_who_can_sign_in() {
    let app = api().await;
    let mut conn = app.db().await;
    otklik_workers::demo::seed(&mut conn, None)
        .await
        .expect("seed");
    otklik_workers::demo::seed(&mut conn, None)
        .await
        .expect("seeding twice is harmless");
    let (email, password) = otklik_workers::demo::DEMO_ADMIN;
    let (status, session) = post(
        &app,
        "/api/v1/auth/login",
        None,
        json!({"email": email, "password": password}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{session}");
    let (_, me) = get(&app, "/api/v1/me", Some(&token(&session, "access_token"))).await;
    assert_eq!(me["tenant"]["slug"], "demo");
    assert_eq!(
        me["user"]["email_verified"], true,
        "the demo shop is verified"
    );
    assert_eq!(me["tenant"]["live"], true, "and live");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_person_keeps_their_own_dashboard_language() {
    let app = api().await;
    let (_, north) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("north", "a@north.example"),
    )
    .await;
    let admin = token(&north, "access_token");
    let tenant = north["user"]["tenant_id"].as_i64().expect("tenant id");
    let mut conn = app.db().await;
    use diesel_async::RunQueryDsl;
    diesel::sql_query(format!(
        "INSERT INTO users (tenant_id, email, role, password_hash)
         SELECT tenant_id, 'op@north.example', 'operator', password_hash FROM users
          WHERE tenant_id = {tenant} AND role = 'admin'"
    ))
    .execute(&mut conn)
    .await
    .expect("operator");
    let (_, operator) = post(
        &app,
        "/api/v1/auth/login",
        None,
        json!({"email": "op@north.example", "password": "correct horse battery"}),
    )
    .await;
    let operator = token(&operator, "access_token");

    let (_, me) = get(&app, "/api/v1/me", Some(&admin)).await;
    assert_eq!(me["user"]["locale"], "ru", "Russian until chosen: {me}");

    let (status, me) = call(
        &app,
        reqwest::Method::PATCH,
        "/api/v1/me",
        Some(&admin),
        Some(json!({"locale": "en"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["locale"], "en");
    assert_eq!(me["user"]["name"], "Анна", "the name stays as it was");
    let (_, me) = get(&app, "/api/v1/me", Some(&admin)).await;
    assert_eq!(me["user"]["locale"], "en", "kept: {me}");
    let (_, theirs) = get(&app, "/api/v1/me", Some(&operator)).await;
    assert_eq!(
        theirs["user"]["locale"], "ru",
        "a colleague's is theirs: {theirs}"
    );

    // A language the dashboard does not speak is a field error, and nothing changes.
    let (status, error) = call(
        &app,
        reqwest::Method::PATCH,
        "/api/v1/me",
        Some(&admin),
        Some(json!({"locale": "de", "name": "Анна Петровна"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["fields"][0]["field"], "locale", "{error}");
    assert_eq!(error["error"]["fields"][0]["code"], "not_one_of", "{error}");
    let (_, me) = get(&app, "/api/v1/me", Some(&admin)).await;
    assert_eq!(me["user"]["locale"], "en");
    assert_eq!(me["user"]["name"], "Анна");

    let (status, me) = call(
        &app,
        reqwest::Method::PATCH,
        "/api/v1/me",
        Some(&admin),
        Some(json!({"locale": "ru"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{me}");
    assert_eq!(me["user"]["locale"], "ru");

    // The API's description says what may be sent.
    let (_, doc) = get(&app, "/api/openapi.json", None).await;
    assert_eq!(
        doc["components"]["schemas"]["Locale"]["enum"],
        json!(["ru", "en"]),
        "{}",
        doc["components"]["schemas"]["Locale"]
    );
    assert_eq!(
        doc["components"]["schemas"]["ProfilePatch"]["properties"]["locale"]["oneOf"][1]["$ref"],
        "#/components/schemas/Locale",
        "{}",
        doc["components"]["schemas"]["ProfilePatch"]
    );
}
