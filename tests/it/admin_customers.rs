//! Customers and quick replies over the admin API: shoppers page and search, one shopper comes
//! with the synced orders their conversations name (a number the assistant read, an order
//! attached to a marketplace chat), their returns and the products they asked about; operators
//! manage quick replies, viewers read them; another shop's ids answer 404.

use diesel_async::RunQueryDsl;
use otklik_db::conversations::{self, NewInbound};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::assistant::{say, shop_with};
use crate::support::{Options, TestApp};

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut request = app
        .http
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn get(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    call(app, Method::GET, path, token, None).await
}

async fn sign_in(app: &TestApp, email: &str) -> String {
    let response = app
        .http
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"email": email, "password": "correct horse battery"}))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), StatusCode::OK, "{email} signs in");
    let session: Value = response.json().await.expect("session");
    session["access_token"].as_str().expect("token").to_owned()
}

/// The test shop's admin, operator and viewer, and the admin of another shop.
async fn staff(app: &TestApp) -> [String; 4] {
    let signup = json!({"accept_terms": true, "accept_personal_data": true, "shop_name": "Чужой магазин", "slug": "chuzhoy-customers",
        "email": "boss@chuzhoy-customers.example", "password": "correct horse battery",
        "name": "Пётр"});
    let response = app
        .http
        .post(format!("{}/api/v1/auth/signup", app.base))
        .json(&signup)
        .send()
        .await
        .expect("sign up");
    assert_eq!(response.status(), StatusCode::CREATED);
    let tenant = app.tenant.tenant_id();
    for (email, role) in [
        ("admin@test-shop.example", "admin"),
        ("operator@test-shop.example", "operator"),
        ("viewer@test-shop.example", "viewer"),
    ] {
        diesel::sql_query(format!(
            "INSERT INTO users (tenant_id, email, role, display_name, password_hash)
             SELECT {tenant}, '{email}', '{role}', 'Сотрудник', password_hash FROM users
              WHERE email = 'boss@chuzhoy-customers.example'"
        ))
        .execute(&mut app.db().await)
        .await
        .expect("add a user");
    }
    [
        sign_in(app, "admin@test-shop.example").await,
        sign_in(app, "operator@test-shop.example").await,
        sign_in(app, "viewer@test-shop.example").await,
        sign_in(app, "boss@chuzhoy-customers.example").await,
    ]
}

/// A shopper writes at the Telegram channel without a turn being run.
async fn shopper(app: &TestApp, n: u32, name: &str, body: &str, attachments: Value) {
    let external = format!("90{n}");
    conversations::record_inbound(
        &mut app.db().await,
        app.tenant,
        &NewInbound {
            channel_id: app.telegram_channel,
            customer_external_id: &external,
            customer_name: name,
            customer_username: None,
            chat_id: &external,
            external_id: &format!("m{n}"),
            body,
            attachments,
            reply_token: None,
            reply_due_at: None,
        },
    )
    .await
    .expect("record a shopper message");
}

fn ids(page: &Value) -> Vec<i64> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| item["id"].as_i64().expect("id"))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn customers_come_with_their_orders_returns_and_products() {
    let app = shop_with(Options::default()).await;
    let [_admin, operator, viewer, stranger] = staff(&app).await;

    let reply = say(&app, 1, "Здравствуйте! Где мой заказ 1456789012?").await;
    assert!(reply.contains("1456789012"), "{reply}");
    shopper(
        &app,
        2,
        "Покупатель Ozon",
        "Когда приедет?",
        json!([{"kind": "order", "number": "1456789013"},
               {"kind": "product", "article": "139204857"},
               {"kind": "order", "number": "999"}]),
    )
    .await;
    shopper(&app, 3, "Пётр", "Добрый день", json!([])).await;
    diesel::sql_query(format!(
        "INSERT INTO returns (tenant_id, account_id, external_id, order_ref, article,
                              product_name, status, status_text, reason, changed_at)
         SELECT tenant_id, account_id, 'claim-1', external_id, '139204857',
                'Пуховик женский удлинённый', 'pending', 'На рассмотрении',
                'Не подошёл размер', now()
           FROM orders WHERE tenant_id = {} AND external_id = '1456789012'",
        app.tenant.tenant_id()
    ))
    .execute(&mut app.db().await)
    .await
    .expect("a return");

    // The list: last seen first, paged without overlap, searched by name or handle.
    let (status, all) = get(&app, "/api/v1/customers", &viewer).await;
    assert_eq!(status, StatusCode::OK, "{all}");
    assert_eq!(ids(&all).len(), 3, "{all}");
    assert_eq!(all["items"][0]["name"], "Пётр", "{all}");
    assert_eq!(all["items"][0]["channel"]["kind"], "telegram", "{all}");
    assert_eq!(all["items"][0]["conversation_count"], 1, "{all}");
    let (_, first) = get(&app, "/api/v1/customers?limit=2", &viewer).await;
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let (_, second) = get(
        &app,
        &format!("/api/v1/customers?limit=2&cursor={cursor}"),
        &viewer,
    )
    .await;
    assert!(second["next_cursor"].is_null(), "{second}");
    let mut paged = ids(&first);
    paged.extend(ids(&second));
    assert_eq!(paged, ids(&all));
    let (_, ivan) = get(&app, "/api/v1/customers?q=ivan", &viewer).await;
    assert_eq!(ids(&ivan).len(), 1, "{ivan}");
    assert_eq!(ivan["items"][0]["username"], "ivan");
    let (_, ozon) = get(&app, "/api/v1/customers?q=%20Ozon%20", &viewer).await;
    assert_eq!(ids(&ozon).len(), 1, "{ozon}");
    let (_, none) = get(&app, "/api/v1/customers?q=100%25", &viewer).await;
    assert_eq!(ids(&none).len(), 0, "{none}");
    let (status, _) = get(&app, "/api/v1/customers?cursor=nonsense", &viewer).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let long = "я".repeat(201);
    let (status, _) = get(&app, &format!("/api/v1/customers?q={long}"), &viewer).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The shopper who named an order in their words: the order, its item and its return.
    let ivan_id = ivan["items"][0]["id"].as_i64().expect("id");
    let (status, one) = get(&app, &format!("/api/v1/customers/{ivan_id}"), &operator).await;
    assert_eq!(status, StatusCode::OK, "{one}");
    assert_eq!(
        one["conversations"].as_array().map(Vec::len),
        Some(1),
        "{one}"
    );
    let orders = one["orders"].as_array().expect("orders");
    assert_eq!(orders.len(), 1, "{one}");
    let order = &orders[0];
    assert_eq!(order["number"], "1456789012");
    assert_eq!(order["marketplace"], "wb");
    assert_eq!(order["status"], "complete");
    assert_eq!(order["substatus"], "ready_for_pickup");
    assert_eq!(order["pickup_point"], "Москва, ул. Профсоюзная, 12");
    assert_eq!(order["items"][0]["article"], "139204857");
    assert_eq!(order["items"][0]["title"], "Пуховик женский удлинённый");
    assert_eq!(order["returns"][0]["id"], "claim-1", "{order}");
    assert_eq!(order["returns"][0]["status_text"], "На рассмотрении");
    assert_eq!(order["returns"][0]["reason"], "Не подошёл размер");

    // The marketplace chat's attachments: the order and the product; an unknown number ties
    // nothing.
    let ozon_id = ozon["items"][0]["id"].as_i64().expect("id");
    let (_, one) = get(&app, &format!("/api/v1/customers/{ozon_id}"), &viewer).await;
    let numbers: Vec<&str> = one["orders"]
        .as_array()
        .expect("orders")
        .iter()
        .filter_map(|o| o["number"].as_str())
        .collect();
    assert_eq!(numbers, ["1456789013"], "{one}");
    assert_eq!(one["orders"][0]["returns"], json!([]));
    assert_eq!(one["products"][0]["article"], "139204857", "{one}");
    assert_eq!(one["products"][0]["title"], "Пуховик женский удлинённый");

    // Another shop sees none of them.
    let (status, _) = get(&app, &format!("/api/v1/customers/{ivan_id}"), &stranger).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, theirs) = get(&app, "/api/v1/customers", &stranger).await;
    assert_eq!(ids(&theirs).len(), 0, "{theirs}");
    let (status, _) = get(&app, "/api/v1/customers/not-a-number", &viewer).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_manage_quick_replies_and_viewers_read_them() {
    let app = TestApp::start().await;
    let [admin, operator, viewer, stranger] = staff(&app).await;
    let path = "/api/v1/quick-replies";
    let delivery = json!({"title": "Сроки доставки", "text": "Доставка занимает 2–5 дней.",
        "shortcut": "/Delivery"});

    let (status, _) = call(&app, Method::POST, path, &viewer, Some(delivery.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, created) = call(&app, Method::POST, path, &operator, Some(delivery)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["shortcut"], "delivery");
    assert_eq!(created["title"], "Сроки доставки");
    let id = created["id"].as_i64().expect("id");

    for (body, field) in [
        (json!({"title": " ", "text": "Текст"}), "title"),
        (json!({"title": "Т", "text": ""}), "text"),
        (json!({"title": "Т", "text": "x".repeat(4097)}), "text"),
        (
            json!({"title": "Т", "text": "Текст", "shortcut": "с пробелом"}),
            "shortcut",
        ),
    ] {
        let (status, error) = call(&app, Method::POST, path, &operator, Some(body)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
        assert_eq!(error["error"]["fields"][0]["field"], field, "{error}");
    }
    // A shortcut another quick reply has is a conflict with what is stored, told at its field.
    let taken = json!({"title": "Т", "text": "Текст", "shortcut": "delivery"});
    let (status, error) = call(&app, Method::POST, path, &operator, Some(taken)).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error}");
    assert_eq!(
        error["error"]["fields"][0]["code"], "shortcut_taken",
        "{error}"
    );
    let (status, _) = call(&app, Method::POST, path, &operator, Some(json!({"x": 1}))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    let (status, list) = get(&app, path, &viewer).await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert_eq!(ids(&list), [id]);
    assert_eq!(list["items"][0]["text"], "Доставка занимает 2–5 дней.");

    let one = format!("{path}/{id}");
    let (status, changed) = call(
        &app,
        Method::PATCH,
        &one,
        &operator,
        Some(json!({"text": "Доставка занимает 1–3 дня.", "shortcut": null})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["text"], "Доставка занимает 1–3 дня.");
    assert_eq!(changed["title"], "Сроки доставки");
    assert!(changed["shortcut"].is_null(), "{changed}");
    let (status, _) = call(
        &app,
        Method::PATCH,
        &one,
        &viewer,
        Some(json!({"title": "В"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Another shop's admin neither sees nor changes it.
    let (_, theirs) = get(&app, path, &stranger).await;
    assert_eq!(ids(&theirs).len(), 0, "{theirs}");
    let (status, _) = call(
        &app,
        Method::PATCH,
        &one,
        &stranger,
        Some(json!({"title": "В"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&app, Method::DELETE, &one, &stranger, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _) = call(&app, Method::DELETE, &one, &viewer, None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = call(&app, Method::DELETE, &one, &admin, None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = call(&app, Method::DELETE, &one, &admin, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, list) = get(&app, path, &viewer).await;
    assert_eq!(ids(&list).len(), 0);

    let audited = app
        .count(&format!(
            "SELECT count(*) AS n FROM audit_log WHERE tenant_id = {} AND target_type = 'quick_reply'",
            app.tenant.tenant_id()
        ))
        .await;
    assert_eq!(audited, 3, "create, update, delete");
}
