//! API keys, the audit log and dead-lettered jobs through the admin API: a key acts with its
//! role in its own shop until revoked, the audit log and dead letters stay in their tenant.

use otklik_jobs::{Queue, dead_letters};
use redis::AsyncCommands;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::admin_auth::{api, call, get, post, shop, token};
use crate::support::TestApp;

async fn with_key(
    app: &TestApp,
    method: Method,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app
        .http
        .request(method, format!("{}{path}", app.base))
        .header("X-Api-Key", key);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn two_shops(app: &TestApp) -> (Value, Value) {
    let (status, north) = post(
        app,
        "/api/v1/auth/signup",
        None,
        shop("keys-north", "a@keys-north.example"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{north}");
    let (_, south) = post(
        app,
        "/api/v1/auth/signup",
        None,
        shop("keys-south", "a@keys-south.example"),
    )
    .await;
    (north, south)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_act_with_their_role_until_revoked() {
    let app = api().await;
    let (north, south) = two_shops(&app).await;
    let admin = token(&north, "access_token");
    let their_admin = token(&south, "access_token");

    let (status, created) = post(
        &app,
        "/api/v1/api-keys",
        Some(&admin),
        json!({"name": "Склад", "role": "viewer"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let key = created["key"].as_str().expect("key").to_owned();
    assert!(key.starts_with("ok_live_"));
    assert!(key.starts_with(created["prefix"].as_str().expect("prefix")));
    assert_eq!(created["role"], "viewer");
    let id = created["id"].as_i64().expect("id");

    // Shown once: the list has no secret, and the database only its hash.
    let (status, list) = get(&app, "/api/v1/api-keys", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    assert!(list["items"][0].get("key").is_none());
    assert!(!list.to_string().contains(&key));
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM api_keys WHERE secret_hash = '{key}' OR prefix = '{key}'"
        ))
        .await,
        0
    );

    // A viewer key reads, as a bearer token or in X-Api-Key, and may not write.
    let (status, body) = get(&app, "/api/v1/settings", Some(&key)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = with_key(&app, Method::GET, "/api/v1/settings", &key, None).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = call(
        &app,
        Method::PATCH,
        "/api/v1/settings",
        Some(&key),
        Some(json!({"operator_only": true})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _) = with_key(&app, Method::GET, "/api/v1/api-keys", &key, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM api_keys WHERE id = {id} AND last_used_at IS NOT NULL"
        ))
        .await,
        1,
        "the use is recorded"
    );

    // An admin key of the other shop sees none of this one; and no key manages keys.
    let (_, theirs) = post(
        &app,
        "/api/v1/api-keys",
        Some(&their_admin),
        json!({"name": "CRM", "role": "admin"}),
    )
    .await;
    let their_key = theirs["key"].as_str().expect("key").to_owned();
    let (status, list) = with_key(&app, Method::GET, "/api/v1/api-keys", &their_key, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{list}");
    let (_, list) = get(&app, "/api/v1/api-keys", Some(&their_admin)).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(list["items"][0]["name"], "CRM");
    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/api-keys/{id}"),
        Some(&their_admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another shop's key");
    let (status, _) = get(&app, "/api/v1/settings", Some(&key)).await;
    assert_eq!(status, StatusCode::OK, "still works");

    // Bad input.
    let (status, _) = post(
        &app,
        "/api/v1/api-keys",
        Some(&admin),
        json!({"name": "  ", "role": "viewer"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = post(
        &app,
        "/api/v1/api-keys",
        Some(&admin),
        json!({"name": "x", "role": "owner"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // Revoked and unknown keys answer 401.
    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/api-keys/{id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, body) = get(&app, "/api/v1/settings", Some(&key)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, _) = with_key(&app, Method::GET, "/api/v1/settings", &key, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = get(&app, "/api/v1/settings", Some("ok_live_nothing")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (_, list) = get(&app, "/api/v1/api-keys", Some(&admin)).await;
    assert!(list["items"][0]["revoked_at"].is_string(), "{list}");

    // A key never does more than its maker may now: a demoted admin's admin key reads only.
    let north_id = north["user"]["tenant_id"].as_i64().expect("tenant id");
    let mut conn = app.db().await;
    use diesel_async::RunQueryDsl;
    diesel::sql_query(format!(
        "INSERT INTO users (tenant_id, email, role, password_hash)
         SELECT tenant_id, 'b@keys-north.example', 'admin', password_hash FROM users
          WHERE tenant_id = {north_id} AND role = 'admin'"
    ))
    .execute(&mut conn)
    .await
    .expect("second admin");
    let (_, second) = post(
        &app,
        "/api/v1/auth/login",
        None,
        json!({"email": "b@keys-north.example", "password": "correct horse battery"}),
    )
    .await;
    let (_, made) = post(
        &app,
        "/api/v1/api-keys",
        Some(&token(&second, "access_token")),
        json!({"name": "Их ключ", "role": "admin"}),
    )
    .await;
    let second_key = made["key"].as_str().expect("key");
    let (status, _) = get(&app, "/api/v1/audit-log", Some(second_key)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, body) = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/users/{}", second["user"]["id"]),
        Some(&admin),
        Some(json!({"role": "viewer"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = get(&app, "/api/v1/audit-log", Some(second_key)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = get(&app, "/api/v1/settings", Some(second_key)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_audit_log_is_the_shops_own_and_pages() {
    let app = api().await;
    let (north, south) = two_shops(&app).await;
    let admin = token(&north, "access_token");
    let their_admin = token(&south, "access_token");
    for name in ["Первый", "Второй", "Третий"] {
        let (status, _) = post(
            &app,
            "/api/v1/api-keys",
            Some(&admin),
            json!({"name": name, "role": "operator"}),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, _) = call(
        &app,
        Method::PATCH,
        "/api/v1/settings",
        Some(&their_admin),
        Some(json!({"operator_only": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);

    let (status, page) = get(&app, "/api/v1/audit-log?limit=2", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let items = page["items"].as_array().expect("items");
    assert_eq!(items.len(), 2);
    assert_eq!(items[0]["action"], "api_key.create");
    assert_eq!(items[0]["details"]["name"], "Третий", "newest first");
    assert_eq!(items[0]["target_type"], "api_key");
    assert_eq!(items[0]["actor_user_id"], north["user"]["id"]);
    let cursor = page["next_cursor"].as_str().expect("a next page");
    let (status, rest) = get(
        &app,
        &format!("/api/v1/audit-log?limit=2&cursor={cursor}"),
        Some(&admin),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rest}");
    let all: Vec<&Value> = items
        .iter()
        .chain(rest["items"].as_array().expect("items"))
        .collect();
    assert!(
        all.iter().all(|entry| entry["action"] != "settings.update"),
        "another shop's actions stay there: {rest}"
    );
    let names: Vec<&str> = all
        .iter()
        .filter_map(|entry| entry["details"]["name"].as_str())
        .collect();
    assert_eq!(names, ["Третий", "Второй", "Первый"]);

    let (_, filtered) = get(
        &app,
        "/api/v1/audit-log?action=settings.update",
        Some(&their_admin),
    )
    .await;
    assert_eq!(filtered["items"].as_array().map(Vec::len), Some(1));
    let (_, filtered) = get(
        &app,
        "/api/v1/audit-log?action=settings.update",
        Some(&admin),
    )
    .await;
    assert_eq!(filtered["items"].as_array().map(Vec::len), Some(0));

    let (status, _) = get(&app, "/api/v1/audit-log?cursor=nonsense", Some(&admin)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Admins only.
    let (_, created) = post(
        &app,
        "/api/v1/api-keys",
        Some(&admin),
        json!({"name": "Оператор", "role": "operator"}),
    )
    .await;
    let operator = created["key"].as_str().expect("key");
    let (status, _) = get(&app, "/api/v1/audit-log", Some(operator)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = get(&app, "/api/v1/dead-letters", Some(operator)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Writes a dead letter the way apalis-redis keeps one, as `otklik_jobs::dead_letters` reads it.
pub(crate) async fn bury(app: &TestApp, queue: Queue, id: &str, payload: &Value, died_at: i64) {
    let config = app.queue_settings().config(queue);
    let mut redis = otklik_jobs::connect(&crate::support::redis_url())
        .await
        .expect("redis");
    let _: () = redis.sadd(config.dead_jobs_set(), id).await.expect("SADD");
    let _: () = redis
        .hset(config.job_data_hash(), id, payload.to_string().into_bytes())
        .await
        .expect("HSET data");
    let _: () = redis::cmd("HSET")
        .arg(format!("{}:{id}", config.job_meta_hash()))
        .arg("status")
        .arg("Killed")
        .arg("result")
        .arg("the handler gave up")
        .arg("done_at")
        .arg(died_at)
        .query_async(&mut redis)
        .await
        .expect("HSET meta");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shop_lists_and_replays_only_its_own_dead_letters() {
    let app = api().await;
    app.expect_dead_letters();
    let (north, south) = two_shops(&app).await;
    let admin = token(&north, "access_token");
    let their_admin = token(&south, "access_token");
    let north_id = north["user"]["tenant_id"].as_i64().expect("tenant");
    let south_id = south["user"]["tenant_id"].as_i64().expect("tenant");
    let (status, channel) = post(
        &app,
        "/api/v1/channels/webchat",
        Some(&admin),
        json!({"name": "Сайт"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{channel}");
    let channel = channel["id"].as_i64().expect("channel id");

    bury(
        &app,
        Queue::Turns,
        "turn-north",
        &json!({"tenant_id": north_id, "conversation_id": 1}),
        1_000,
    )
    .await;
    bury(
        &app,
        Queue::Turns,
        "turn-south",
        &json!({"tenant_id": south_id, "conversation_id": 2}),
        2_000,
    )
    .await;
    bury(
        &app,
        Queue::Inbound,
        "inbound-north",
        &json!({"source": "webchat", "channel_id": channel, "visitor_id": "v1",
                "client_message_id": "m1", "text": "Где заказ?"}),
        3_000,
    )
    .await;
    bury(
        &app,
        Queue::Inbound,
        "inbound-test-shop",
        &json!({"source": "webchat", "channel_id": app.webchat_channel, "visitor_id": "v2",
                "client_message_id": "m2", "text": "Чужое"}),
        4_000,
    )
    .await;

    let (status, list) = get(&app, "/api/v1/dead-letters", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    let ids: Vec<&str> = list["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|letter| letter["id"].as_str())
        .collect();
    assert_eq!(ids, ["inbound-north", "turn-north"], "newest first: {list}");
    assert_eq!(list["items"][1]["queue"], "turns");
    assert_eq!(list["items"][1]["status"], "Killed");
    assert_eq!(list["items"][1]["payload"]["tenant_id"], north_id);

    // Another shop's job, an unknown queue or id: 404, nothing replayed.
    for path in [
        "/api/v1/dead-letters/turns/turn-south/replay",
        "/api/v1/dead-letters/inbound/inbound-test-shop/replay",
        "/api/v1/dead-letters/nowhere/turn-north/replay",
        "/api/v1/dead-letters/turns/nothing/replay",
    ] {
        let (status, body) = post(&app, path, Some(&admin), json!({})).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {body}");
    }
    let (status, _) = post(
        &app,
        "/api/v1/dead-letters/turns/turn-north/replay",
        Some(&their_admin),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body) = post(
        &app,
        "/api/v1/dead-letters/turns/turn-north/replay",
        Some(&admin),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    let redis = otklik_jobs::connect(&crate::support::redis_url())
        .await
        .expect("redis");
    let settings = app.queue_settings();
    let left: Vec<String> = dead_letters::list(&redis, &settings, Queue::Turns)
        .await
        .expect("list")
        .into_iter()
        .map(|letter| letter.id)
        .collect();
    assert_eq!(left, ["turn-south"], "replayed, the other shop's untouched");
    let (_, list) = get(&app, "/api/v1/dead-letters", Some(&admin)).await;
    assert_eq!(list["items"].as_array().map(Vec::len), Some(1));
    let (_, audit) = get(
        &app,
        "/api/v1/audit-log?action=dead_letter.replay",
        Some(&admin),
    )
    .await;
    assert_eq!(
        audit["items"][0]["target_id"], "turns/turn-north",
        "{audit}"
    );
    let (_, theirs) = get(&app, "/api/v1/dead-letters", Some(&their_admin)).await;
    assert_eq!(theirs["items"][0]["id"], "turn-south", "{theirs}");
}
