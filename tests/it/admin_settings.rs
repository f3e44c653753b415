//! The assistant's tone, the shop's policies and its handoff rules over `/api/v1/settings`:
//! defaults, validation field by field, merging, and the audit log.

use diesel_async::RunQueryDsl;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin_auth::{api, call, get, post, shop, token};
use crate::support::TestApp;

/// An admin of the test shop (created without users), signed in: the password hash comes from
/// another shop signed up through the API.
pub(crate) async fn admin_of_test_shop(app: &TestApp) -> String {
    let (status, _) = post(
        app,
        "/api/v1/auth/signup",
        None,
        shop("other-shop", "boss@other.example"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let tenant = app.tenant.tenant_id();
    diesel::sql_query(format!(
        "INSERT INTO users (tenant_id, email, role, password_hash)
         SELECT {tenant}, 'admin@test-shop.example', 'admin', password_hash FROM users
          WHERE email = 'boss@other.example'"
    ))
    .execute(&mut app.db().await)
    .await
    .expect("add an admin");
    let (status, session) = post(
        app,
        "/api/v1/auth/login",
        None,
        json!({"email": "admin@test-shop.example", "password": "correct horse battery"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{session}");
    token(&session, "access_token")
}

pub(crate) async fn patch(app: &TestApp, admin: &str, body: Value) -> (StatusCode, Value) {
    call(
        app,
        Method::PATCH,
        "/api/v1/settings",
        Some(admin),
        Some(body),
    )
    .await
}

/// The fields a 422 names.
fn fields(error: &Value) -> Vec<String> {
    let mut named: Vec<String> = error["error"]["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| f["field"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    named.sort();
    named
}

/// The problem codes of a 422, in the order of [`fields`].
fn codes(error: &Value) -> Vec<String> {
    let mut named: Vec<(String, String)> = error["error"]["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .filter_map(|f| Some((f["field"].as_str()?.into(), f["code"].as_str()?.into())))
                .collect()
        })
        .unwrap_or_default();
    named.sort();
    named.into_iter().map(|(_, code)| code).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tone_policies_and_handoff_rules_are_validated_merged_and_audited() {
    let app = api().await;
    let (_, session) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("north", "a@north.example"),
    )
    .await;
    let admin = token(&session, "access_token");
    let audits = || async {
        app.count("SELECT count(*) AS n FROM audit_log WHERE action = 'settings.update'")
            .await
    };

    let (status, settings) = get(&app, "/api/v1/settings", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        settings["assistant"],
        json!({
            "tone": "neutral",
            "policies": {"returns": "", "delivery": "", "payment": "", "warranty": ""},
            "handoff": {"intents": [], "keywords": [], "after_bot_replies": null},
            "waiting_alert_minutes": 10,
        }),
        "the new fields are answered with their defaults"
    );

    let (status, settings) = patch(
        &app,
        &admin,
        json!({
            "tone": "warm",
            "policies": {"returns": "  Вернуть можно в течение 30 дней.  ", "warranty": "Гарантия — год."},
            "handoff": {"intents": ["complaint", "order_cancel", "order_cancel"],
                        "keywords": [" Юрист ", "суд", "юрист", ""], "after_bot_replies": 5},
        }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    let assistant = &settings["assistant"];
    assert_eq!(assistant["tone"], "warm");
    assert_eq!(
        assistant["policies"]["returns"], "Вернуть можно в течение 30 дней.",
        "trimmed"
    );
    assert_eq!(assistant["policies"]["delivery"], "");
    assert_eq!(
        assistant["handoff"],
        json!({"intents": ["order_cancel", "complaint"], "keywords": ["Юрист", "суд"], "after_bot_replies": 5}),
        "intents in taxonomy order without repeats; keywords trimmed, blanks and repeats dropped"
    );
    assert_eq!(audits().await, 1);

    // Sending one policy or one rule keeps the others.
    let (status, settings) = patch(
        &app,
        &admin,
        json!({"policies": {"delivery": "Доставка 2–5 дней.", "warranty": ""},
               "handoff": {"after_bot_replies": null}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    let assistant = &settings["assistant"];
    assert_eq!(
        assistant["policies"],
        json!({"returns": "Вернуть можно в течение 30 дней.", "delivery": "Доставка 2–5 дней.",
               "payment": "", "warranty": ""})
    );
    assert_eq!(assistant["handoff"]["keywords"], json!(["Юрист", "суд"]));
    assert_eq!(assistant["handoff"]["after_bot_replies"], Value::Null);
    let (_, again) = get(&app, "/api/v1/settings", Some(&admin)).await;
    assert_eq!(
        again["assistant"], settings["assistant"],
        "stored as answered"
    );
    assert_eq!(audits().await, 2);

    // Each invalid field is named; nothing of a refused patch is stored.
    let long = "а".repeat(2001);
    let many: Vec<String> = (0..51).map(|i| format!("слово{i}")).collect();
    let refusals = [
        (
            json!({"tone": "friendly"}),
            vec!["tone"],
            vec!["not_one_of"],
        ),
        (
            json!({"policies": {"refunds": "…"}}),
            vec!["policies"],
            vec!["unknown_values"],
        ),
        (
            json!({"policies": {"returns": long, "payment": 5}}),
            vec!["policies.payment", "policies.returns"],
            vec!["not_text", "too_long"],
        ),
        (
            json!({"handoff": {"intents": ["delivery_problem"]}}),
            vec!["handoff.intents"],
            vec!["unknown_values"],
        ),
        (
            json!({"handoff": {"keywords": many}}),
            vec!["handoff.keywords"],
            vec!["too_many"],
        ),
        (
            json!({"handoff": {"keywords": ["ю".repeat(65)]}}),
            vec!["handoff.keywords"],
            vec!["item_too_long"],
        ),
        (
            json!({"handoff": {"after_bot_replies": 0}}),
            vec!["handoff.after_bot_replies"],
            vec!["out_of_range"],
        ),
        (
            json!({"tone": "concise", "handoff": {"after_bot_replies": 11}}),
            vec!["handoff.after_bot_replies"],
            vec!["out_of_range"],
        ),
    ];
    for (body, expected, expected_codes) in refusals {
        let (status, error) = patch(&app, &admin, body.clone()).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
        assert_eq!(fields(&error), expected, "{body}: {error}");
        assert_eq!(codes(&error), expected_codes, "{body}: {error}");
    }
    // The parameters a client words the problem with come along with its code.
    let (_, error) = patch(&app, &admin, json!({"handoff": {"after_bot_replies": 11}})).await;
    let cap = &error["error"]["fields"][0];
    assert_eq!(
        (&cap["min"], &cap["max"]),
        (&json!(1), &json!(10)),
        "{error}"
    );
    assert_eq!(cap["message"], "1 to 10, or null for no limit");
    let (_, error) = patch(&app, &admin, json!({"policies": {"refunds": "…"}})).await;
    let unknown = &error["error"]["fields"][0];
    assert_eq!(unknown["values"], json!(["refunds"]), "{error}");
    assert_eq!(
        unknown["allowed"],
        json!(["returns", "delivery", "payment", "warranty"]),
        "{error}"
    );
    let (_, error) = patch(&app, &admin, json!({"handoff": {"keywords": many}})).await;
    assert_eq!(error["error"]["fields"][0]["max"], 50, "{error}");
    let (status, error) = patch(&app, &admin, json!({"handoff": {"after": 3}})).await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "unknown handoff fields are malformed: {error}"
    );
    let (_, after) = get(&app, "/api/v1/settings", Some(&admin)).await;
    assert_eq!(after["assistant"], settings["assistant"], "nothing changed");
    assert_eq!(audits().await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn working_hours_are_set_and_cleared_and_order_news_turned_off() {
    let app = api().await;
    let (_, session) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("hours", "a@hours.example"),
    )
    .await;
    let admin = token(&session, "access_token");
    let (status, settings) = patch(
        &app,
        &admin,
        json!({"working_hours": {"from": 9, "to": 21}, "order_news": false}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(
        settings["assistant"]["working_hours"],
        json!({"from": 9, "to": 21})
    );
    assert_eq!(settings["assistant"]["order_news"], false);

    // Absent leaves the hours; null clears them: operators are always there again.
    let (_, settings) = patch(&app, &admin, json!({"tone": "warm"})).await;
    assert_eq!(
        settings["assistant"]["working_hours"],
        json!({"from": 9, "to": 21})
    );
    let (status, settings) = patch(&app, &admin, json!({"working_hours": null})).await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert!(
        settings["assistant"]["working_hours"].is_null(),
        "{settings}"
    );

    let (status, _) = patch(&app, &admin, json!({"order_news": "no"})).await;
    assert!(status.is_client_error(), "{status}");

    // Night shifts span midnight; a shift that starts and ends at the same hour is no shift.
    let (status, settings) = patch(
        &app,
        &admin,
        json!({"working_hours": {"from": 20, "to": 2}}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(
        settings["assistant"]["working_hours"],
        json!({"from": 20, "to": 2})
    );
    let (status, error) = patch(&app, &admin, json!({"working_hours": {"from": 9, "to": 9}})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["fields"][0]["field"], "working_hours");

    // A whole number written as `3.0` is the integer 3; a list where an object belongs is not
    // read as the object's fields in order.
    let (status, settings) =
        patch(&app, &admin, json!({"handoff": {"after_bot_replies": 3.0}})).await;
    assert_eq!(status, StatusCode::OK, "{settings}");
    assert_eq!(settings["assistant"]["handoff"]["after_bot_replies"], 3);
    for list in [
        json!({"handoff": [null, null, 2]}),
        json!({"working_hours": [9, 18]}),
    ] {
        let (status, error) = patch(&app, &admin, list.clone()).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{list}: {error}");
    }
    let (_, settings) = patch(&app, &admin, json!({})).await;
    assert_eq!(
        settings["assistant"]["working_hours"],
        json!({"from": 20, "to": 2})
    );
}
