//! The knowledge base through the admin API: drafts, versions and approval as the assistant
//! sees them, roles, tenant walls, pagination and filters, CSV and Markdown imports, and bad
//! input, against the real ingress and PostgreSQL.

use diesel_async::RunQueryDsl;
use otklik_db::{TenantScope, knowledge};
use otklik_schema::{ChannelKind, TenantId};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::support::{Options, TestApp};

const ARTICLES: &str = "/api/v1/knowledge/articles";
const IMPORT: &str = "/api/v1/knowledge/import";

async fn api() -> TestApp {
    TestApp::with(Options {
        workers: false,
        ..Options::default()
    })
    .await
}

async fn reply(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

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
    reply(request.send().await.expect("request")).await
}

async fn get(app: &TestApp, path: &str, token: &str) -> (StatusCode, Value) {
    call(app, Method::GET, path, token, None).await
}

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> (StatusCode, Value) {
    call(app, Method::POST, path, token, Some(body)).await
}

async fn patch(app: &TestApp, id: i64, token: &str, body: Value) -> (StatusCode, Value) {
    call(
        app,
        Method::PATCH,
        &format!("{ARTICLES}/{id}"),
        token,
        Some(body),
    )
    .await
}

async fn approve(app: &TestApp, id: i64, version: i64, token: &str) -> (StatusCode, Value) {
    let path = format!("{ARTICLES}/{id}/versions/{version}/approve");
    call(app, Method::POST, &path, token, None).await
}

/// Sends a file body as it is, with its media type.
async fn upload(
    app: &TestApp,
    token: &str,
    content_type: &str,
    body: impl Into<reqwest::Body>,
) -> (StatusCode, Value) {
    let response = app
        .http
        .post(format!("{}{IMPORT}", app.base))
        .bearer_auth(token)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .expect("upload");
    reply(response).await
}

/// A new shop and its admin: the access token and the tenant.
async fn sign_up(app: &TestApp, slug: &str) -> (String, TenantScope) {
    let (status, session) = call_anonymous(
        app,
        "/api/v1/auth/signup",
        json!({"accept_terms": true, "accept_personal_data": true, "shop_name": "Магазин", "slug": slug, "email": format!("admin@{slug}.example"),
               "password": "correct horse battery", "name": "Анна"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    let tenant = session["user"]["tenant_id"].as_i64().expect("tenant id");
    (token(&session), TenantScope::trusted(TenantId(tenant)))
}

async fn call_anonymous(app: &TestApp, path: &str, body: Value) -> (StatusCode, Value) {
    let response = app
        .http
        .post(format!("{}{path}", app.base))
        .json(&body)
        .send()
        .await
        .expect("request");
    reply(response).await
}

fn token(session: &Value) -> String {
    session["access_token"]
        .as_str()
        .expect("access token")
        .to_owned()
}

/// Someone else of the shop with `role`, signed in.
async fn member(app: &TestApp, scope: TenantScope, email: &str, role: &str) -> String {
    diesel::sql_query(format!(
        "INSERT INTO users (tenant_id, email, role, password_hash)
         SELECT tenant_id, '{email}', '{role}', password_hash FROM users
          WHERE tenant_id = {} AND role = 'admin'",
        scope.tenant_id().0
    ))
    .execute(&mut app.db().await)
    .await
    .expect("member");
    let (status, session) = call_anonymous(
        app,
        "/api/v1/auth/login",
        json!({"email": email, "password": "correct horse battery"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{session}");
    token(&session)
}

fn id(article: &Value) -> i64 {
    article["id"].as_i64().expect("article id")
}

fn field_names(error: &Value) -> Vec<&str> {
    error["error"]["fields"]
        .as_array()
        .map(|fields| fields.iter().filter_map(|f| f["field"].as_str()).collect())
        .unwrap_or_default()
}

async fn audited(app: &TestApp, action: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) AS n FROM audit_log WHERE action = '{action}'"
    ))
    .await
}

/// Two bot replies of `scope` that quoted the articles `first` and `second`.
async fn bot_replies(app: &TestApp, scope: TenantScope, first: &[i64], second: &[i64]) {
    let mut conn = app.db().await;
    let channel = otklik_db::channels::create(
        &mut conn,
        scope,
        ChannelKind::Webchat,
        "Сайт",
        &otklik_db::sealed::Sealed::none(),
    )
    .await
    .expect("channel")
    .id
    .0;
    let tenant = scope.tenant_id().0;
    diesel::sql_query(format!(
        "WITH c AS (INSERT INTO customers (tenant_id, channel_id, external_id)
                    VALUES ({tenant}, {channel}, 'visitor') RETURNING id),
              conv AS (INSERT INTO conversations (tenant_id, channel_id, customer_id, external_chat_id)
                       SELECT {tenant}, {channel}, c.id, 'visitor' FROM c RETURNING id)
         INSERT INTO messages (tenant_id, conversation_id, channel_id, direction, author, body,
                               delivery_status, meta)
         SELECT {tenant}, conv.id, {channel}, 'outbound', 'bot', 'Ответ', 'sent',
                jsonb_build_object('articles', a.ids::jsonb)
           FROM conv, (VALUES ('{}'), ('{}')) a(ids)",
        json!(first),
        json!(second)
    ))
    .execute(&mut conn)
    .await
    .expect("bot replies");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_assistant_quotes_an_article_only_once_a_version_is_approved() {
    let app = api().await;
    let (admin, scope) = sign_up(&app, "north").await;
    let (status, created) = post(
        &app,
        ARTICLES,
        &admin,
        json!({"title": "Возврат товара", "category": "Возврат", "tags": ["Сроки", "возврат"],
               "body": "Вернуть товар надлежащего качества можно в течение 14 дней."}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["status"], "draft");
    assert_eq!(created["live_version"], Value::Null);
    assert_eq!(created["draft_version"], 1);
    assert_eq!(created["tags"], json!(["сроки", "возврат"]));
    assert_eq!(created["versions"][0]["status"], "draft");
    let article = id(&created);
    let (_, gift) = post(
        &app,
        ARTICLES,
        &admin,
        json!({"title": "Подарочные сертификаты", "body": "Подарочный сертификат действует год."}),
    )
    .await;
    let gift = id(&gift);

    let mut conn = app.db().await;
    let question = "Как вернуть товар надлежащего качества?";
    assert!(
        knowledge::search(&mut conn, scope, question, 5)
            .await
            .expect("search")
            .is_empty(),
        "a draft is never quoted"
    );
    let empty = knowledge::version(&mut conn, scope).await.expect("version");

    let (status, edited) = patch(
        &app,
        article,
        &admin,
        json!({"body": "Вернуть товар надлежащего качества можно в течение 21 дня."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["latest_version"], 2);
    assert_eq!(edited["versions"].as_array().map(Vec::len), Some(2));
    let (status, approved) = approve(&app, article, 2, &admin).await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["live_version"], 2);
    assert_eq!(approved["draft_version"], Value::Null);
    assert_eq!(approved["versions"][0]["status"], "live");
    assert_eq!(approved["versions"][1]["status"], "draft");

    let hits = knowledge::search(&mut conn, scope, question, 5)
        .await
        .expect("search");
    assert_eq!(hits.len(), 1, "{hits:?}");
    assert_eq!((hits[0].article_id, hits[0].version), (article, 2));
    assert!(hits[0].body.contains("21 дня"), "{hits:?}");
    assert!(
        knowledge::search(
            &mut conn,
            scope,
            "Сколько действует подарочный сертификат?",
            5
        )
        .await
        .expect("search")
        .is_empty(),
        "the draft-only article stays unseen"
    );
    let live = knowledge::version(&mut conn, scope).await.expect("version");
    assert_ne!(live, empty, "approval retires cached answers");

    // Editing the live article drafts version 3; shoppers keep hearing version 2.
    let (status, drafted) = patch(
        &app,
        article,
        &admin,
        json!({"title": "Возврат и обмен",
               "body": "Вернуть товар надлежащего качества можно в течение 30 дней."}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{drafted}");
    assert_eq!(
        drafted["title"], "Возврат товара",
        "the title follows the live version"
    );
    assert_eq!(
        (&drafted["live_version"], &drafted["draft_version"]),
        (&json!(2), &json!(3))
    );
    let hits = knowledge::search(&mut conn, scope, question, 5)
        .await
        .expect("search");
    assert!(hits[0].body.contains("21 дня") && hits[0].title == "Возврат товара");
    assert_eq!(
        knowledge::version(&mut conn, scope).await.expect("version"),
        live,
        "a draft keeps cached answers"
    );
    let (status, old) = get(&app, &format!("{ARTICLES}/{article}/versions/1"), &admin).await;
    assert_eq!(status, StatusCode::OK, "{old}");
    assert!(old["body"].as_str().is_some_and(|b| b.contains("14 дней")));

    bot_replies(&app, scope, &[article, gift], &[article]).await;
    let (_, page) = get(&app, ARTICLES, &admin).await;
    let usage: Vec<(i64, i64)> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|item| (id(item), item["usage_count"].as_i64().unwrap_or(-1)))
        .collect();
    assert_eq!(usage, [(gift, 1), (article, 2)]);

    let (_, approved) = approve(&app, article, 3, &admin).await;
    assert_eq!(approved["title"], "Возврат и обмен");
    let hits = knowledge::search(&mut conn, scope, question, 5)
        .await
        .expect("search");
    assert!(hits[0].body.contains("30 дней"), "{hits:?}");
    let third = knowledge::version(&mut conn, scope).await.expect("version");
    assert_ne!(third, live);

    let (status, archived) = call(
        &app,
        Method::POST,
        &format!("{ARTICLES}/{article}/archive"),
        &admin,
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{archived}");
    assert_eq!(archived["status"], "archived");
    assert_eq!(archived["live_version"], Value::Null);
    assert!(
        knowledge::search(&mut conn, scope, question, 5)
            .await
            .expect("search")
            .is_empty(),
        "an archived article is no longer quoted"
    );
    assert_ne!(
        knowledge::version(&mut conn, scope).await.expect("version"),
        third
    );
    for (action, times) in [
        ("knowledge.article.create", 2),
        ("knowledge.article.revise", 2),
        ("knowledge.article.approve", 2),
        ("knowledge.article.archive", 1),
    ] {
        assert_eq!(audited(&app, action).await, times, "{action}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn operators_and_viewers_read_and_other_shops_see_nothing() {
    let app = api().await;
    let (admin, north) = sign_up(&app, "north").await;
    let (stranger, _) = sign_up(&app, "south").await;
    let operator = member(&app, north, "op@north.example", "operator").await;
    let viewer = member(&app, north, "viewer@north.example", "viewer").await;
    let (_, created) = post(
        &app,
        ARTICLES,
        &admin,
        json!({"title": "Доставка", "body": "Доставляем курьером за 2 дня."}),
    )
    .await;
    let article = id(&created);
    let detail = format!("{ARTICLES}/{article}");
    let (_, before) = get(&app, &detail, &admin).await;

    for reader in [&operator, &viewer] {
        let (status, page) = get(&app, ARTICLES, reader).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        assert_eq!(page["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(get(&app, &detail, reader).await.0, StatusCode::OK);
        let version = format!("{detail}/versions/1");
        assert_eq!(get(&app, &version, reader).await.0, StatusCode::OK);

        let edit = json!({"title": "Чужая правка"});
        let (status, error) =
            post(&app, ARTICLES, reader, json!({"title": "x", "body": "y"})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{error}");
        assert_eq!(error["error"]["code"], "forbidden");
        assert_eq!(
            patch(&app, article, reader, edit).await.0,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            approve(&app, article, 1, reader).await.0,
            StatusCode::FORBIDDEN
        );
        let archive = format!("{detail}/archive");
        let (status, _) = call(&app, Method::POST, &archive, reader, None).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = upload(&app, reader, "text/markdown", "# Заголовок\nТекст").await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }

    // Another shop's admin learns nothing and changes nothing.
    let (status, error) = get(&app, &detail, &stranger).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{error}");
    assert_eq!(error["error"]["code"], "not_found");
    let version = format!("{detail}/versions/1");
    assert_eq!(
        get(&app, &version, &stranger).await.0,
        StatusCode::NOT_FOUND
    );
    let edit = json!({"body": "Подменённый текст", "tags": ["чужое"]});
    assert_eq!(
        patch(&app, article, &stranger, edit).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        approve(&app, article, 1, &stranger).await.0,
        StatusCode::NOT_FOUND
    );
    let archive = format!("{detail}/archive");
    let (status, _) = call(&app, Method::POST, &archive, &stranger, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, theirs) = get(&app, ARTICLES, &stranger).await;
    assert_eq!(theirs["items"], json!([]));

    let (_, after) = get(&app, &detail, &admin).await;
    assert_eq!(after, before, "nothing changed");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM audit_log WHERE action LIKE 'knowledge.%'")
            .await,
        1,
        "only the creation was recorded"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_walk_every_article_once_and_filters_narrow_them() {
    let app = api().await;
    let (admin, _) = sign_up(&app, "north").await;
    let csv = "title,body,category,tags\n\
               Курьерская доставка,Курьер привезёт заказ за 2 дня.,Доставка,\"курьер, сроки\"\n\
               Самовывоз,Заберите заказ в пункте выдачи.,Доставка,пвз\n\
               Возврат,Вернуть товар можно за 21 день.,Возврат,сроки\n\
               Обмен,Обменять размер можно в пункте выдачи.,Возврат,\n\
               Оплата картой,Принимаем карты МИР.,Оплата,\n\
               Рассрочка,Рассрочка через банк-партнёр.,Оплата,\n\
               Гарантия,Гарантия на всё — год.,,\n";
    let (status, report) = upload(&app, &admin, "text/csv; charset=utf-8", csv).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    let mut all: Vec<i64> = report["created"]
        .as_array()
        .expect("created")
        .iter()
        .map(id)
        .collect();
    assert_eq!(all.len(), 7);

    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("{ARTICLES}?limit=3&cursor={cursor}"),
            None => format!("{ARTICLES}?limit=3"),
        };
        let (status, page) = get(&app, &path, &admin).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        seen.extend(page["items"].as_array().expect("items").iter().map(id));
        pages += 1;
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert!(seen.is_sorted_by(|a, b| a > b), "newest first: {seen:?}");
    seen.sort_unstable();
    all.sort_unstable();
    assert_eq!(seen, all, "every article exactly once");

    let titles = async |query: &str| -> Vec<String> {
        let (status, page) = get(&app, &format!("{ARTICLES}?{query}"), &admin).await;
        assert_eq!(status, StatusCode::OK, "{query}: {page}");
        let mut titles: Vec<String> = page["items"]
            .as_array()
            .expect("items")
            .iter()
            .filter_map(|item| item["title"].as_str().map(str::to_owned))
            .collect();
        titles.sort();
        titles
    };
    assert_eq!(
        titles("category=%D0%94%D0%BE%D1%81%D1%82%D0%B0%D0%B2%D0%BA%D0%B0").await,
        ["Курьерская доставка", "Самовывоз"]
    );
    assert_eq!(
        titles("tag=%D0%A1%D1%80%D0%BE%D0%BA%D0%B8").await,
        ["Возврат", "Курьерская доставка"],
        "tags match in any case"
    );
    // Full-text (word forms) and part of a title.
    assert_eq!(
        titles("q=%D0%BF%D1%83%D0%BD%D0%BA%D1%82%D1%8B+%D0%B2%D1%8B%D0%B4%D0%B0%D1%87%D0%B8").await,
        ["Обмен", "Самовывоз"]
    );
    assert_eq!(
        titles("q=%D1%80%D0%B0%D1%81%D1%81%D1%80").await,
        ["Рассрочка"]
    );
    assert_eq!(titles("status=approved").await, Vec::<String>::new());
    approve(&app, all[0], 1, &admin).await;
    assert_eq!(titles("status=approved").await.len(), 1);
    assert_eq!(titles("status=draft&limit=100").await.len(), 6);

    for query in ["status=deleted", "limit=0", "limit=1000"] {
        let (status, error) = get(&app, &format!("{ARTICLES}?{query}"), &admin).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {error}");
        assert_eq!(error["error"]["code"], "bad_request", "{query}");
    }
    // A cursor this API did not give out names no page.
    let (status, _) = get(&app, &format!("{ARTICLES}?cursor=not-ours"), &admin).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, error) = get(&app, &format!("{ARTICLES}?status=deleted"), &admin).await;
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("approved")),
        "the message lists the statuses: {error}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_create_drafts_and_report_the_bad_rows() {
    let app = api().await;
    let (admin, scope) = sign_up(&app, "north").await;
    let csv = "title,body,category,tags\r\n\
               Возврат,\"Вернуть можно за 21 день, если сохранены ярлыки.\",Возврат,сроки\r\n\
               ,Текст без заголовка,Возврат,\r\n\
               Доставка,Курьером за 2 дня.,Доставка,\"курьер, сроки\"\r\n\
               Лишнее поле,текст,категория,теги,ещё\r\n";
    let (status, report) = upload(&app, &admin, "text/csv", csv).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    let created: Vec<&str> = report["created"]
        .as_array()
        .expect("created")
        .iter()
        .filter_map(|c| c["title"].as_str())
        .collect();
    assert_eq!(created, ["Возврат", "Доставка"]);
    assert_eq!(
        report["errors"],
        json!([
            {"row": 3, "field": "title", "code": "length_out_of_range", "min": 1, "max": 200,
             "message": "1 to 200 characters"},
            {"row": 5, "field": "row", "code": "wrong_field_count", "expected": 4, "found": 5,
             "message": "expected 4 fields as in the header, found 5"},
        ])
    );

    let markdown = "# Оплата\n\
                    Категория: Оплата\n\
                    Теги: карта\n\
                    \n\
                    Принимаем карты МИР и СБП.\n\
                    \n\
                    # Пустой раздел\n\
                    \n\
                    # Гарантия\n\
                    Гарантия на всё — год.\n";
    let (status, report) = upload(&app, &admin, "text/markdown", markdown).await;
    assert_eq!(status, StatusCode::CREATED, "{report}");
    assert_eq!(report["created"].as_array().map(Vec::len), Some(2));
    assert_eq!(report["created"][0]["row"], 1);
    assert_eq!(
        report["errors"],
        json!([{"row": 7, "field": "body", "code": "length_out_of_range", "min": 1,
                "max": 20000, "message": "1 to 20000 characters"}])
    );
    let payment = id(&report["created"][0]);
    let (_, article) = get(&app, &format!("{ARTICLES}/{payment}"), &admin).await;
    assert_eq!(article["status"], "draft");
    assert_eq!(article["category"], "Оплата");
    assert_eq!(article["tags"], json!(["карта"]));
    assert_eq!(article["versions"][0]["body"], "Принимаем карты МИР и СБП.");
    assert!(
        knowledge::search(&mut app.db().await, scope, "оплата картой МИР", 5)
            .await
            .expect("search")
            .is_empty(),
        "imports are drafts"
    );
    assert_eq!(audited(&app, "knowledge.import").await, 2);

    // When nothing is good, nothing is created and every mistake is named.
    let (status, error) = upload(&app, &admin, "text/csv", "title,body\n,\nx,\n").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(field_names(&error), ["title", "body", "body"]);
    assert_eq!(
        error["error"]["fields"][0]["message"],
        "row 2: 1 to 200 characters"
    );
    let first = &error["error"]["fields"][0];
    assert_eq!(
        (&first["row"], &first["code"], &first["max"]),
        (&json!(2), &json!("length_out_of_range"), &json!(200)),
        "{error}"
    );
    for (content_type, body, says) in [
        ("application/json", "[]".as_bytes().to_vec(), "text/csv"),
        ("text/csv", b"name,text\n".to_vec(), "unknown column `name`"),
        ("text/csv", b"title,body\n\"open".to_vec(), "never closed"),
        (
            "text/csv; charset=windows-1251",
            b"title,body\n".to_vec(),
            "UTF-8",
        ),
        ("text/markdown", vec![0xff, 0xfe, 0x23], "UTF-8"),
    ] {
        let (status, error) = upload(&app, &admin, content_type, body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{content_type}: {error}");
        assert!(
            error["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(says)),
            "{content_type}: {error}"
        );
    }
    let (status, _) = upload(&app, &admin, "text/markdown", "x".repeat(2 << 20)).await;
    assert!(status.is_client_error(), "an oversized file: {status}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM knowledge_articles")
            .await,
        4
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_with_clear_messages() {
    let app = api().await;
    let (admin, _) = sign_up(&app, "north").await;
    let (_, created) = post(
        &app,
        ARTICLES,
        &admin,
        json!({"title": "Доставка", "body": "Курьером."}),
    )
    .await;
    let article = id(&created);

    let (status, error) = post(
        &app,
        ARTICLES,
        &admin,
        json!({"title": "Т", "body": "Т", "colour": "red"}),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("colour"))
    );
    let (status, error) = post(&app, ARTICLES, &admin, json!({"title": "Т"})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("body"))
    );
    let (status, error) = post(&app, ARTICLES, &admin, json!({"title": "Т", "body": 5})).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let long = json!({"title": " ", "body": "б".repeat(20_001), "tags": ["a", ""]});
    let (status, error) = post(&app, ARTICLES, &admin, long).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(field_names(&error), ["title", "body", "tags"]);
    let problems: Vec<(&Value, &Value)> = error["error"]["fields"]
        .as_array()
        .expect("fields")
        .iter()
        .map(|f| (&f["code"], &f["max"]))
        .collect();
    assert_eq!(
        problems,
        [
            (&json!("length_out_of_range"), &json!(200)),
            (&json!("length_out_of_range"), &json!(20_000)),
            (&json!("invalid_tag"), &json!(50)),
        ],
        "{error}"
    );
    let raw = app
        .http
        .post(format!("{}{ARTICLES}", app.base))
        .bearer_auth(&admin)
        .header("Content-Type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .expect("post");
    assert_eq!(raw.status(), StatusCode::BAD_REQUEST);

    // An edit with nothing in it changes nothing; a list for the object it must be is refused.
    let (status, unchanged) = patch(&app, article, &admin, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{unchanged}");
    assert_eq!(unchanged["latest_version"], 1, "{unchanged}");
    let (status, _) = patch(&app, article, &admin, json!([null, null])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, error) = patch(&app, article, &admin, json!({"tags": ["а", "б\u{0}"]})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    // A line break is refused where it was sent, even at the end, where trimming would hide it.
    let (status, error) = patch(&app, article, &admin, json!({"category": "Доставка\r"})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(
        error["error"]["fields"][0]["code"], "not_one_line",
        "{error}"
    );
    // Twenty-one tags are too many even when two of them are the same.
    let mut tags: Vec<String> = (0..20).map(|n| format!("метка {n}")).collect();
    tags.push("МЕТКА 0".to_owned());
    let (status, error) = patch(&app, article, &admin, json!({ "tags": tags })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["fields"][0]["code"], "too_many", "{error}");
    let (status, error) = patch(&app, article, &admin, json!({"title": "Д".repeat(201)})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(field_names(&error), ["title"]);
    let (status, same) = patch(&app, article, &admin, json!({"body": "  Курьером. "})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        same["latest_version"], 1,
        "an unchanged text adds no version"
    );

    // An id that cannot be one names no article, as everywhere in the API.
    for path in [
        format!("{ARTICLES}/abc"),
        format!("{ARTICLES}/{article}/versions/x"),
    ] {
        let (status, error) = get(&app, &path, &admin).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(error["error"]["code"], "not_found", "{path}: {error}");
    }
    assert_eq!(
        approve(&app, article, 99, &admin).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&app, &format!("{ARTICLES}/{}", article + 1000), &admin)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let anonymous = app
        .http
        .get(format!("{}{ARTICLES}", app.base))
        .send()
        .await
        .expect("get");
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);

    let (_, after) = get(&app, &format!("{ARTICLES}/{article}"), &admin).await;
    assert_eq!(after["latest_version"], 1, "nothing was changed");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM knowledge_articles")
            .await,
        1
    );
    assert_eq!(audited(&app, "knowledge.article.revise").await, 0);
}
