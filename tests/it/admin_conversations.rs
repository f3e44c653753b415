//! The operator inbox over the admin API: a handed-off conversation is found, taken over,
//! answered once however often the POST is retried, noted privately, given back to the
//! assistant and closed, with live events; lists page, search and stay in their tenant.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use diesel_async::RunQueryDsl;
use otklik_db::conversations::{self, NewInbound};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::assistant::{shop_with, text};
use crate::support::{Options, TestApp};

/// One request to the admin API: the status and the JSON body (`null` when there is none).
async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: &str,
    body: Option<Value>,
    idempotency_key: Option<&str>,
) -> (StatusCode, Value) {
    let mut request = app
        .http
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    if let Some(key) = idempotency_key {
        request = request.header("Idempotency-Key", key);
    }
    let response = request.send().await.expect("request");
    let status = response.status();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn get(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    call(app, Method::GET, path, token, None, None).await
}

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    call(app, Method::POST, path, token, Some(body), None).await
}

/// The people of the test shop, signed in, and the admin of another shop.
struct Staff {
    admin: String,
    operator: String,
    operator_id: i64,
    viewer: String,
    viewer_id: i64,
    stranger: String,
    stranger_id: i64,
}

async fn sign_in(app: &TestApp, email: &str) -> (String, i64) {
    let response = app
        .http
        .post(format!("{}/api/v1/auth/login", app.base))
        .json(&json!({"email": email, "password": "correct horse battery"}))
        .send()
        .await
        .expect("login");
    assert_eq!(response.status(), StatusCode::OK, "{email} signs in");
    let session: Value = response.json().await.expect("session");
    let token = session["access_token"].as_str().expect("token").to_owned();
    (token, session["user"]["id"].as_i64().expect("user id"))
}

/// Another shop signs up through the API; its password hash lets the test shop's people be
/// added by SQL (the test shop itself is created without users).
async fn staff(app: &TestApp) -> Staff {
    let signup = json!({"accept_terms": true, "accept_personal_data": true, "shop_name": "Чужой магазин", "slug": "chuzhoy",
        "email": "boss@chuzhoy.example", "password": "correct horse battery", "name": "Пётр"});
    let response = app
        .http
        .post(format!("{}/api/v1/auth/signup", app.base))
        .json(&signup)
        .send()
        .await
        .expect("sign up");
    assert_eq!(response.status(), StatusCode::CREATED);
    let tenant = app.tenant.tenant_id();
    for (email, role, name) in [
        ("admin@test-shop.example", "admin", "Анна"),
        ("operator@test-shop.example", "operator", "Мария"),
        ("viewer@test-shop.example", "viewer", "Олег"),
    ] {
        diesel::sql_query(format!(
            "INSERT INTO users (tenant_id, email, role, display_name, password_hash)
             SELECT {tenant}, '{email}', '{role}', '{name}', password_hash FROM users
              WHERE email = 'boss@chuzhoy.example'"
        ))
        .execute(&mut app.db().await)
        .await
        .expect("add a user");
    }
    let (admin, _) = sign_in(app, "admin@test-shop.example").await;
    let (operator, operator_id) = sign_in(app, "operator@test-shop.example").await;
    let (viewer, viewer_id) = sign_in(app, "viewer@test-shop.example").await;
    let (stranger, stranger_id) = sign_in(app, "boss@chuzhoy.example").await;
    Staff {
        admin,
        operator,
        operator_id,
        viewer,
        viewer_id,
        stranger,
        stranger_id,
    }
}

fn actions(events: &Mutex<Vec<Value>>) -> Vec<String> {
    events
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .iter()
        .filter_map(|event| event["action"].as_str().map(str::to_owned))
        .collect()
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) AS n FROM audit_log WHERE action = '{action}'"
    ))
    .await
}

async fn answered(app: &TestApp, expected: i64) {
    let taken = app
        .eventually(Duration::from_secs(20), expected, || async {
            app.count(
                "SELECT count(*) AS n FROM messages
                  WHERE direction = 'inbound' AND answered_at IS NOT NULL",
            )
            .await
        })
        .await;
    assert_eq!(taken, expected, "every shopper message was taken by a turn");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_operator_takes_over_replies_once_and_gives_the_conversation_back() {
    let app = shop_with(Options::default()).await;
    let staff = staff(&app).await;
    let events = app.operator_events().await;

    app.shopper_writes(1, 5001, 1, "Позовите оператора, пожалуйста")
        .await;
    let handoff = app.expect_replies(1).await;
    assert!(
        text(&handoff[0]).starts_with("Хорошо, подключаю сотрудника магазина."),
        "{}",
        text(&handoff[0])
    );

    let (status, waiting) = get(&app, "/api/v1/conversations?view=waiting", &staff.viewer).await;
    assert_eq!(status, StatusCode::OK, "{waiting}");
    let items = waiting["items"].as_array().expect("items");
    assert_eq!(items.len(), 1, "{waiting}");
    let conversation = &items[0];
    assert_eq!(conversation["mode"], "waiting_operator");
    assert_eq!(conversation["customer"]["name"], "Иван");
    assert_eq!(conversation["channel"]["kind"], "telegram");
    assert_eq!(conversation["handoff"]["reason"], "human_request");
    assert_eq!(conversation["awaiting_reply"], true);
    assert_eq!(conversation["last_message"]["direction"], "outbound");
    assert_eq!(waiting["next_cursor"], Value::Null);
    let id = conversation["id"].as_i64().expect("id");
    let one = format!("/api/v1/conversations/{id}");
    let (_, counters) = get(&app, "/api/v1/conversations/counters", &staff.operator).await;
    assert_eq!(
        counters,
        json!({"waiting": 1, "mine": 0, "bot": 0, "closed": 0})
    );

    // A viewer reads but may not act.
    for action in ["take-over", "close", "return-to-bot"] {
        let (status, _) = post(&app, &format!("{one}/{action}"), &staff.viewer, json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{action}");
    }
    let (status, _) = post(
        &app,
        &format!("{one}/reply"),
        &staff.viewer,
        json!({"text": "Здравствуйте"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = post(
        &app,
        &format!("{one}/notes"),
        &staff.viewer,
        json!({"text": "заметка"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let (status, taken) = post(
        &app,
        &format!("{one}/take-over"),
        &staff.operator,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{taken}");
    assert_eq!(taken["mode"], "operator");
    assert_eq!(taken["assignee_id"], staff.operator_id);
    assert_eq!(
        taken["awaiting_reply"], true,
        "the shopper waits for a person"
    );
    let (_, again) = post(
        &app,
        &format!("{one}/take-over"),
        &staff.operator,
        json!({}),
    )
    .await;
    assert_eq!(
        again["mode"], "operator",
        "taking over twice changes nothing"
    );
    assert_eq!(audited(&app, "conversation.take_over").await, 1);
    let (_, counters) = get(&app, "/api/v1/conversations/counters", &staff.operator).await;
    assert_eq!(
        counters,
        json!({"waiting": 0, "mine": 1, "bot": 0, "closed": 0})
    );
    let (_, mine) = get(&app, "/api/v1/conversations?view=mine", &staff.operator).await;
    assert_eq!(mine["items"][0]["id"], id);
    let (_, admins) = get(&app, "/api/v1/conversations?view=mine", &staff.admin).await;
    assert_eq!(admins["items"], json!([]), "mine is the caller's");

    // The reply reaches the shopper once, however often the POST is retried.
    let answer = "Здравствуйте, Иван! Меня зовут Мария, я помогу.";
    let reply = format!("{one}/reply");
    let (status, first) = call(
        &app,
        Method::POST,
        &reply,
        &staff.operator,
        Some(json!({"text": answer})),
        Some("reply-1"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["author"], "operator");
    assert_eq!(first["author_user_id"], staff.operator_id);
    let (status, retried) = call(
        &app,
        Method::POST,
        &reply,
        &staff.operator,
        Some(json!({"text": answer})),
        Some("reply-1"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{retried}");
    assert_eq!(
        retried["id"], first["id"],
        "the retry answers with the first reply"
    );
    let (status, misused) = call(
        &app,
        Method::POST,
        &reply,
        &staff.operator,
        Some(json!({"text": "Другой текст"})),
        Some("reply-1"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{misused}");
    let sent = app.expect_replies(2).await;
    assert_eq!(text(&sent[1]), answer);
    let (_, shown) = get(&app, &one, &staff.operator).await;
    assert_eq!(shown["awaiting_reply"], false, "answered");

    // A private note is kept, never sent.
    let (status, note) = call(
        &app,
        Method::POST,
        &format!("{one}/notes"),
        &staff.operator,
        Some(json!({"text": "Покупатель просил перезвонить вечером"})),
        Some("note-1"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{note}");
    assert_eq!(note["kind"], "note");
    assert_eq!(note["delivery_status"], Value::Null);

    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        app.telegram.sent().len(),
        2,
        "one reply, no note, no duplicate"
    );
    let delivered = app
        .eventually(Duration::from_secs(10), json!("sent"), || async {
            let (_, timeline) = get(&app, &format!("{one}/messages"), &staff.viewer).await;
            timeline["items"][1]["delivery_status"].clone()
        })
        .await;
    assert_eq!(delivered, "sent", "the reply's delivery status is shown");

    // The timeline: newest first by default; oldest first page by page.
    let (_, timeline) = get(&app, &format!("{one}/messages"), &staff.viewer).await;
    let kinds: Vec<(&str, &str)> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap_or(""),
                e["author"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("note", "operator"),
            ("message", "operator"),
            ("message", "bot"),
            ("message", "shopper")
        ]
    );
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("{one}/messages?order=oldest&limit=1&cursor={cursor}"),
            None => format!("{one}/messages?order=oldest&limit=1"),
        };
        let (status, page) = get(&app, &path, &staff.viewer).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        walked.extend(
            page["items"]
                .as_array()
                .expect("items")
                .iter()
                .map(|e| e["id"].clone()),
        );
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let mut newest_first: Vec<Value> = timeline["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["id"].clone())
        .collect();
    newest_first.reverse();
    assert_eq!(walked, newest_first);

    // While people answer, the shopper's messages wait for them.
    app.shopper_writes(2, 5001, 2, "Спасибо, жду").await;
    answered(&app, 2).await;
    let (_, shown) = get(&app, &one, &staff.operator).await;
    assert_eq!(shown["awaiting_reply"], true);
    assert_eq!(app.telegram.sent().len(), 2, "the assistant stays silent");

    // Given back, the assistant answers the next message.
    let (status, back) = post(
        &app,
        &format!("{one}/return-to-bot"),
        &staff.operator,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{back}");
    assert_eq!(back["mode"], "bot");
    assert_eq!(back["assignee_id"], Value::Null);
    app.shopper_writes(3, 5001, 3, "Спасибо!").await;
    let replies = app.expect_replies(3).await;
    assert!(
        [
            "Пожалуйста! Если появятся вопросы — пишите.",
            "Рады помочь. Хорошего дня!",
            "Обращайтесь! Всего доброго."
        ]
        .contains(&text(&replies[2]).as_str()),
        "{}",
        text(&replies[2])
    );

    // Closed: the counters say so, a reply is refused, closing again changes nothing.
    let (status, closed) = post(&app, &format!("{one}/close"), &staff.admin, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{closed}");
    assert_eq!(closed["mode"], "closed");
    let (status, _) = post(&app, &format!("{one}/close"), &staff.admin, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, refused) = post(
        &app,
        &reply,
        &staff.operator,
        json!({"text": "Ещё вопрос?"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(
        refused["error"]["reason"], "conversation_closed",
        "{refused}"
    );
    let (_, counters) = get(&app, "/api/v1/conversations/counters", &staff.operator).await;
    assert_eq!(
        counters,
        json!({"waiting": 0, "mine": 0, "bot": 0, "closed": 1})
    );
    assert_eq!(app.telegram.sent().len(), 3);

    // Found by a word the shopper wrote (in another form), not by one nobody wrote.
    let (_, found) = get(&app, "/api/v1/conversations?q=оператор", &staff.viewer).await;
    assert_eq!(found["items"][0]["id"], id, "{found}");
    let (_, none) = get(&app, "/api/v1/conversations?q=пуховик", &staff.viewer).await;
    assert_eq!(none["items"], json!([]));

    for (action, times) in [
        ("conversation.take_over", 1),
        ("conversation.reply", 1),
        ("conversation.note", 1),
        ("conversation.return_to_bot", 1),
        ("conversation.close", 1),
    ] {
        assert_eq!(audited(&app, action).await, times, "{action}");
    }
    let published = app
        .eventually(Duration::from_secs(5), 5, || async {
            actions(&events).len()
        })
        .await;
    assert_eq!(published, 5, "{:?}", actions(&events));
    assert_eq!(
        actions(&events),
        [
            "conversation.take_over",
            "conversation.reply",
            "conversation.note",
            "conversation.return_to_bot",
            "conversation.close"
        ]
    );
}

/// A shopper writes to the test shop's Telegram bot, without workers: the conversation is
/// recorded as the inbound pool would.
async fn shopper(app: &TestApp, n: usize, body: &str) -> i64 {
    let external = format!("shopper-{n}");
    let message = format!("m-{n}");
    let recorded = conversations::record_inbound(
        &mut app.db().await,
        app.tenant,
        &NewInbound {
            channel_id: app.telegram_channel,
            customer_external_id: &external,
            customer_name: &format!("Покупатель {n}"),
            customer_username: None,
            chat_id: &external,
            external_id: &message,
            body,
            attachments: json!([]),
            reply_token: None,
            reply_due_at: None,
        },
    )
    .await
    .expect("record a shopper message");
    recorded.conversation_id.0
}

async fn scalar(app: &TestApp, sql: &str) -> Value {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Jsonb)]
        value: Value,
    }
    diesel::sql_query(sql)
        .get_result::<Row>(&mut app.db().await)
        .await
        .expect("query")
        .value
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_inbox_pages_searches_refuses_bad_input_and_stays_in_its_tenant() {
    let app = TestApp::with(Options {
        workers: false,
        ..Options::default()
    })
    .await;
    let staff = staff(&app).await;
    let mut ids = Vec::new();
    for n in 1..=7 {
        let body = if n == 4 {
            "Подскажите, самокаты ещё есть в наличии?".to_owned()
        } else {
            format!("Вопрос номер {n}")
        };
        ids.push(shopper(&app, n, &body).await);
    }

    // Every conversation once, newest activity first.
    let mut walked = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/api/v1/conversations?limit=3&cursor={cursor}"),
            None => "/api/v1/conversations?limit=3".to_owned(),
        };
        let (status, page) = get(&app, &path, &staff.viewer).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().expect("items");
        assert!(items.len() <= 3);
        walked.extend(items.iter().filter_map(|c| c["id"].as_i64()));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    let mut newest_first = ids.clone();
    newest_first.reverse();
    assert_eq!(walked, newest_first);
    let (_, found) = get(&app, "/api/v1/conversations?q=самокат", &staff.viewer).await;
    let found: Vec<i64> = found["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|c| c["id"].as_i64())
        .collect();
    assert_eq!(found, [ids[3]]);
    let channel = app.telegram_channel;
    let (_, by_channel) = get(
        &app,
        &format!("/api/v1/conversations?channel_id={channel}&limit=100"),
        &staff.viewer,
    )
    .await;
    assert_eq!(by_channel["items"].as_array().map(Vec::len), Some(7));
    let (_, web) = get(
        &app,
        &format!("/api/v1/conversations?channel_id={}", app.webchat_channel),
        &staff.viewer,
    )
    .await;
    assert_eq!(web["items"], json!([]));

    // The assistant's draft waits for approval: the conversation is in "waiting".
    let id = ids[0];
    let one = format!("/api/v1/conversations/{id}");
    let draft = scalar(
        &app,
        &format!(
            "INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author, body, delivery_status)
             SELECT tenant_id, id, channel_id, 'outbound', 'bot', 'Да, есть в наличии.', 'draft'
               FROM conversations WHERE id = {id}
             RETURNING to_jsonb(id) AS value"
        ),
    )
    .await;
    let inbound = scalar(
        &app,
        &format!("SELECT to_jsonb(min(id)) AS value FROM messages WHERE conversation_id = {id}"),
    )
    .await;
    let (_, waiting) = get(&app, "/api/v1/conversations?view=waiting", &staff.operator).await;
    assert_eq!(waiting["items"][0]["id"], id, "{waiting}");
    assert_eq!(waiting["items"][0]["has_draft"], true);
    let (_, counters) = get(&app, "/api/v1/conversations/counters", &staff.operator).await;
    assert_eq!(
        counters,
        json!({"waiting": 1, "mine": 0, "bot": 6, "closed": 0})
    );

    // Another tenant's ids: 404 everywhere, and nothing changes.
    let approve = format!("{one}/drafts/{draft}/approve");
    let (_, theirs) = get(&app, "/api/v1/conversations", &staff.stranger).await;
    assert_eq!(theirs["items"], json!([]));
    let (_, counters) = get(&app, "/api/v1/conversations/counters", &staff.stranger).await;
    assert_eq!(
        counters,
        json!({"waiting": 0, "mine": 0, "bot": 0, "closed": 0})
    );
    for path in [one.clone(), format!("{one}/messages")] {
        let (status, error) = get(&app, &path, &staff.stranger).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error["error"]["code"], "not_found");
    }
    let user = staff.stranger_id;
    for (path, body) in [
        (format!("{one}/take-over"), json!({})),
        (format!("{one}/assign"), json!({"user_id": user})),
        (format!("{one}/reply"), json!({"text": "Здравствуйте"})),
        (format!("{one}/notes"), json!({"text": "Заметка"})),
        (format!("{one}/close"), json!({})),
        (format!("{one}/return-to-bot"), json!({})),
        (approve.clone(), json!({"text": "Чужой ответ"})),
    ] {
        let (status, _) = post(&app, &path, &staff.stranger, body).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    // The other way round: this shop's people cannot name the other shop's user.
    let (status, error) = post(
        &app,
        &format!("{one}/assign"),
        &staff.admin,
        json!({"user_id": user}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["fields"][0]["field"], "user_id");
    let (status, _) = post(
        &app,
        &format!("{one}/assign"),
        &staff.admin,
        json!({"user_id": staff.viewer_id}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a viewer cannot be given a conversation"
    );
    let (status, _) = post(
        &app,
        "/api/v1/conversations/999999999/take-over",
        &staff.admin,
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = get(&app, "/api/v1/conversations/abc", &staff.admin).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let untouched = scalar(
        &app,
        "SELECT jsonb_build_object(
             'modes', (SELECT jsonb_agg(DISTINCT mode) FROM conversations),
             'outbound', (SELECT count(*) FROM messages WHERE direction = 'outbound'),
             'drafts', (SELECT count(*) FROM messages WHERE delivery_status = 'draft'),
             'notes', (SELECT count(*) FROM conversation_notes),
             'audit', (SELECT count(*) FROM audit_log WHERE target_type = 'conversation')) AS value",
    )
    .await;
    assert_eq!(
        untouched,
        json!({"modes": ["bot"], "outbound": 1, "drafts": 1, "notes": 0, "audit": 0})
    );

    // Bad input: a clear 400 or 422, and nothing changes.
    let bad_queries = [
        ("/api/v1/conversations?view=everything", "unknown variant"),
        ("/api/v1/conversations?limit=0", "limit"),
        ("/api/v1/conversations?channel_id=telegram", "channel_id"),
        ("/api/v1/conversations?sort=oldest", "sort"),
    ];
    let (status, _) = get(&app, "/api/v1/conversations?cursor=nonsense", &staff.viewer).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a cursor not given out names no page"
    );
    for (path, says) in bad_queries {
        let (status, error) = get(&app, path, &staff.viewer).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {error}");
        let message = error["error"]["message"].as_str().unwrap_or_default();
        assert!(message.contains(says), "{path}: {message}");
    }
    let long = "я".repeat(201);
    let (status, _) = get(
        &app,
        &format!("/api/v1/conversations?q={long}"),
        &staff.viewer,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _) = get(
        &app,
        &format!("{one}/messages?order=sideways"),
        &staff.viewer,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let reply = format!("{one}/reply");
    for (body, status_expected, field) in [
        (
            json!({"text": "   "}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("text"),
        ),
        (
            json!({"text": "а".repeat(4097)}),
            StatusCode::UNPROCESSABLE_ENTITY,
            Some("text"),
        ),
        (json!({"text": 5}), StatusCode::BAD_REQUEST, None),
        (
            json!({"text": "Здравствуйте", "urgent": true}),
            StatusCode::BAD_REQUEST,
            None,
        ),
        (json!({}), StatusCode::BAD_REQUEST, None),
    ] {
        let (status, error) = post(&app, &reply, &staff.operator, body.clone()).await;
        assert_eq!(status, status_expected, "{body}: {error}");
        if let Some(field) = field {
            assert_eq!(error["error"]["fields"][0]["field"], field, "{error}");
        }
    }
    let raw = app
        .http
        .post(format!("{}{reply}", app.base))
        .bearer_auth(&staff.operator)
        .header("Content-Type", "application/json")
        .body("{\"text\": ")
        .send()
        .await
        .expect("post");
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);
    let key = "k".repeat(201);
    let (status, error) = call(
        &app,
        Method::POST,
        &reply,
        &staff.operator,
        Some(json!({"text": "Здравствуйте"})),
        Some(&key),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let (status, error) = post(
        &app,
        &format!("{one}/assign"),
        &staff.admin,
        json!({"user_id": "Мария"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let (status, _) = post(
        &app,
        &format!("{one}/drafts/{inbound}/approve"),
        &staff.operator,
        json!({}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a shopper's message is no draft"
    );
    let (status, _) = post(
        &app,
        &format!("/api/v1/conversations/{}/drafts/{draft}/approve", ids[1]),
        &staff.operator,
        json!({}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a draft of another conversation"
    );
    assert_eq!(
        scalar(&app, "SELECT to_jsonb(count(*)) AS value FROM messages WHERE direction = 'outbound' AND delivery_status <> 'draft'").await,
        json!(0),
        "nothing was sent"
    );

    // The operator approves the draft, edited; approving again answers with it, unchanged.
    let edited = "Да, самокаты есть в наличии, можно заказывать.";
    let (status, approved) = post(&app, &approve, &staff.operator, json!({"text": edited})).await;
    assert_eq!(status, StatusCode::CREATED, "{approved}");
    assert_eq!(approved["body"], edited);
    assert_eq!(approved["delivery_status"], "pending");
    assert_eq!(approved["meta"]["approved_by"], staff.operator_id);
    assert_eq!(approved["meta"]["edited"], true);
    let (status, again) = post(&app, &approve, &staff.operator, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{again}");
    assert_eq!(again["body"], edited);
    assert_eq!(audited(&app, "conversation.approve_draft").await, 1);

    // Who it can go to: the shop's admins and operators by name, never a viewer or a stranger.
    let (status, people) = get(&app, "/api/v1/conversations/assignees", &staff.operator).await;
    assert_eq!(status, StatusCode::OK, "{people}");
    let names: Vec<(&str, &str)> = people
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap_or(""),
                p["role"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(names, [("Анна", "admin"), ("Мария", "operator")]);
    assert!(people[1].get("email").is_none(), "{people}");
    let (status, _) = get(&app, "/api/v1/conversations/assignees", &staff.viewer).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Assigned to a colleague of the same shop, people answer it.
    let (status, assigned) = post(
        &app,
        &format!("{one}/assign"),
        &staff.admin,
        json!({"user_id": staff.operator_id}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{assigned}");
    assert_eq!(assigned["mode"], "operator");
    assert_eq!(assigned["assignee_id"], staff.operator_id);
    let (_, counters) = get(&app, "/api/v1/conversations/counters", &staff.operator).await;
    assert_eq!(
        counters,
        json!({"waiting": 0, "mine": 1, "bot": 6, "closed": 0})
    );
    assert_eq!(audited(&app, "conversation.assign").await, 1);
}

/// A search reads the newest conversations first and asks the full-text index when they do not
/// fill a page: a word only the oldest of 130 conversations has is found, and a common word's
/// pages come newest first without gaps, whichever way they were found.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_finds_rare_and_common_words_among_many_conversations() {
    let app = TestApp::with(Options {
        workers: false,
        ..Options::default()
    })
    .await;
    let staff = staff(&app).await;
    let mut ids = Vec::new();
    for n in 1..=130 {
        let body = match n {
            1 => "Хочу вернуть гироскутер, он не включается".to_owned(),
            n if n % 3 == 0 => format!("Где мой заказ {n}?"),
            n => format!("Вопрос номер {n}"),
        };
        ids.push(shopper(&app, n, &body).await);
    }
    let found = |page: &Value| -> Vec<i64> {
        page["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|c| c["id"].as_i64())
            .collect()
    };

    let (status, rare) = get(&app, "/api/v1/conversations?q=гироскутер", &staff.viewer).await;
    assert_eq!(status, StatusCode::OK, "{rare}");
    assert_eq!(found(&rare), [ids[0]]);

    let mut common: Vec<i64> = ids
        .iter()
        .enumerate()
        .filter(|(i, _)| (i + 1) % 3 == 0)
        .map(|(_, id)| *id)
        .collect();
    common.reverse();
    let (_, first) = get(&app, "/api/v1/conversations?q=заказ&limit=5", &staff.viewer).await;
    assert_eq!(found(&first), common[..5]);
    let cursor = first["next_cursor"].as_str().expect("a next page");
    let (_, second) = get(
        &app,
        &format!("/api/v1/conversations?q=заказ&limit=5&cursor={cursor}"),
        &staff.viewer,
    )
    .await;
    assert_eq!(found(&second), common[5..10]);
    let (_, all) = get(&app, "/api/v1/conversations?q=заказ", &staff.viewer).await;
    assert_eq!(found(&all), common);

    // A word too common to take from the index whole: the newest conversations are read.
    let oldest = ids[0];
    diesel::sql_query(format!(
        "INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author, body)
         SELECT tenant_id, id, channel_id, 'inbound', 'shopper', 'Ещё раз про заказ ' || n
           FROM conversations, generate_series(1, 2100) AS n WHERE id = {oldest}"
    ))
    .execute(&mut app.db().await)
    .await
    .expect("many messages");
    let (_, common_word) = get(&app, "/api/v1/conversations?q=заказ", &staff.viewer).await;
    common.push(oldest);
    assert_eq!(found(&common_word), common);

    let (_, closed) = get(
        &app,
        "/api/v1/conversations?q=гироскутер&view=closed",
        &staff.viewer,
    )
    .await;
    assert_eq!(closed["items"], json!([]));
}
