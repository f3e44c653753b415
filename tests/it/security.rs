//! Security hardening (issue 17), finding by finding, over HTTP against the real ingress,
//! workers, PostgreSQL and Redis: the public edges hold under floods and slow clients, sessions
//! end when they should, secrets stay sealed, and the API answers bad input with a 4xx.

use std::io::{Read, Write};
use std::time::{Duration, Instant};

use futures::{SinkExt, StreamExt};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::admin_auth::{call, get, post, shop, token};
use crate::support::{Options, TestApp};

const METRICS_TOKEN: &str = "metrics-token-for-tests-0123456789";

/// The ingress alone (no workers) with these settings.
async fn ingress_with(env: &[(&'static str, &str)]) -> TestApp {
    TestApp::with(Options {
        workers: false,
        env: env.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        ..Options::default()
    })
    .await
}

async fn signed_up(app: &TestApp, slug: &str) -> Value {
    let (status, session) = post(
        app,
        "/api/v1/auth/signup",
        None,
        shop(slug, &format!("boss@{slug}.example")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{session}");
    session
}

/// A call made with an API key in `X-Api-Key`.
async fn with_key(
    app: &TestApp,
    path: &str,
    key: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let method = if body.is_some() {
        Method::POST
    } else {
        Method::GET
    };
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

fn visitor(n: usize) -> String {
    format!("visitor-{n:016}")
}

// ---------- 1. Web chat floods ----------

/// A script posting from one address with a fresh visitor id each time gets 429s once the
/// address's limit is spent, and what got through is all that was queued and recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_web_chat_flood_from_one_address_is_cut_at_the_limit() {
    let app = TestApp::start().await;
    let url = format!("{}/chat/{}/messages", app.base, app.webchat_channel);
    let started = Instant::now();
    let statuses: Vec<StatusCode> = futures::stream::iter(0..1000)
        .map(|n| {
            let (http, url) = (app.http.clone(), url.clone());
            async move {
                http.post(url)
                    .json(&json!({"visitor_id": visitor(n), "client_message_id": format!("msg-{n:016}"), "text": "Где мой заказ?"}))
                    .send()
                    .await
                    .expect("post")
                    .status()
            }
        })
        .buffer_unordered(40)
        .collect()
        .await;
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(10),
        "the flood took {elapsed:?}"
    );
    let accepted = statuses
        .iter()
        .filter(|s| **s == StatusCode::ACCEPTED)
        .count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    // 20 a minute with a burst of 20: at most 20 + 10 s × 20/60 ≈ 24 in the flood's time.
    let most = 20 + usize::try_from(elapsed.as_secs()).unwrap_or(10) * 20 / 60 + 1;
    assert!(
        (1..=most).contains(&accepted),
        "{accepted} accepted of 1000 (at most {most})"
    );
    assert_eq!(accepted + limited, 1000, "{statuses:?}");
    let conversations = app
        .eventually(Duration::from_secs(20), accepted as i64, || {
            app.count("SELECT count(*) AS n FROM conversations")
        })
        .await;
    assert_eq!(
        conversations, accepted as i64,
        "no more conversations than posts let through"
    );
}

/// One visitor has a limit of its own, below the address's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_visitor_is_limited_on_its_own() {
    let app = ingress_with(&[]).await;
    let url = format!("{}/chat/{}/messages", app.base, app.webchat_channel);
    let mut statuses = Vec::new();
    for n in 0..15 {
        let response = app
            .http
            .post(&url)
            .json(&json!({"visitor_id": visitor(1), "client_message_id": format!("msg-{n:016}"), "text": "Привет"}))
            .send()
            .await
            .expect("post");
        statuses.push(response.status());
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            assert!(response.headers().contains_key(header::RETRY_AFTER));
        }
    }
    let accepted = statuses
        .iter()
        .filter(|s| **s == StatusCode::ACCEPTED)
        .count();
    assert_eq!(accepted, 10, "{statuses:?}");
}

/// Posting to a channel that is not a web chat (a Telegram bot's id, an unknown id) is refused
/// at the edge: nothing is queued, so nothing dead-letters later.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn web_chat_posts_to_other_channels_are_refused_at_the_edge() {
    let app = ingress_with(&[]).await;
    for channel in [app.telegram_channel.0, 987_654] {
        let response = app
            .http
            .post(format!("{}/chat/{channel}/messages", app.base))
            .json(&json!({"visitor_id": visitor(1), "client_message_id": "msg-0000000000000001", "text": "Привет"}))
            .send()
            .await
            .expect("post");
        assert_eq!(
            response.status(),
            StatusCode::NOT_FOUND,
            "channel {channel}"
        );
        for path in ["", "/history?visitor=visitor-0000000000000001"] {
            let status = app
                .http
                .get(format!("{}/chat/{channel}{path}", app.base))
                .send()
                .await
                .expect("get")
                .status();
            assert_eq!(status, StatusCode::NOT_FOUND, "channel {channel}{path}");
        }
    }
    assert_eq!(app.jobs_in(otklik_jobs::Queue::Inbound).await, 0);
}

// ---------- 3. Live streams ----------

async fn live_topics(app: &TestApp) -> i64 {
    let text = app
        .http
        .get(format!("{}/metrics", app.base))
        .bearer_auth(METRICS_TOKEN)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    text.lines()
        .find_map(|line| line.strip_prefix("otklik_live_topics "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(-1)
}

/// Opening and closing streams with made-up visitors leaves nothing behind in the process.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_live_streams_leave_no_topic_behind() {
    let app = ingress_with(&[("OTKLIK_METRICS_TOKEN", METRICS_TOKEN)]).await;
    for n in 0..30 {
        let stream = app
            .http
            .get(format!(
                "{}/chat/{}/events?visitor={}",
                app.base,
                app.webchat_channel,
                visitor(n)
            ))
            .send()
            .await
            .expect("events");
        assert_eq!(stream.status(), StatusCode::OK);
        drop(stream);
    }
    let left = app
        .eventually(Duration::from_secs(5), 0, || live_topics(&app))
        .await;
    assert_eq!(left, 0, "topics left after every stream closed");
}

/// One address holds only so many streams at once; a stream for anything but an open web chat
/// is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_streams_are_capped_per_address_and_only_for_web_chats() {
    let app = ingress_with(&[("OTKLIK_LIVE_STREAMS_PER_ADDRESS", "3")]).await;
    let open = |n: usize, channel: i64| {
        app.http
            .get(format!(
                "{}/chat/{channel}/events?visitor={}",
                app.base,
                visitor(n)
            ))
            .send()
    };
    let mut held = Vec::new();
    for n in 0..3 {
        let stream = open(n, app.webchat_channel.0).await.expect("events");
        assert_eq!(stream.status(), StatusCode::OK);
        held.push(stream);
    }
    let fourth = open(3, app.webchat_channel.0).await.expect("events");
    assert_eq!(fourth.status(), StatusCode::TOO_MANY_REQUESTS);
    drop(held.pop());
    let mut again = StatusCode::TOO_MANY_REQUESTS;
    for _ in 0..50 {
        again = open(4, app.webchat_channel.0)
            .await
            .expect("events")
            .status();
        if again == StatusCode::OK {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        again,
        StatusCode::OK,
        "a closed stream gives its place back"
    );
    let foreign = open(5, app.telegram_channel.0).await.expect("events");
    assert_eq!(foreign.status(), StatusCode::NOT_FOUND);
}

// ---------- 4. Server timeouts ----------

/// A client that never finishes its headers loses the connection (slowloris).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_never_finishes_its_headers_is_cut_off() {
    let app = ingress_with(&[("OTKLIK_HEADER_READ_TIMEOUT_MS", "500")]).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let closed = tokio::task::spawn_blocking(move || {
        let mut socket = std::net::TcpStream::connect(address).expect("connect");
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        socket
            .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .expect("part of the headers");
        let started = Instant::now();
        let mut buffer = [0_u8; 512];
        // The server closes (0 bytes, or an error answer then 0) well before our 10 s.
        loop {
            match socket.read(&mut buffer) {
                Ok(0) | Err(_) => return started.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .expect("reader");
    assert!(closed < Duration::from_secs(5), "held for {closed:?}");
}

/// A request whose body stalls is answered 408 within the request timeout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_request_times_out() {
    let app = ingress_with(&[("OTKLIK_REQUEST_TIMEOUT_SECS", "1")]).await;
    let address = app.base.trim_start_matches("http://").to_owned();
    let path = format!("/chat/{}/messages", app.webchat_channel);
    let answer = tokio::task::spawn_blocking(move || {
        let mut socket = std::net::TcpStream::connect(address).expect("connect");
        socket
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        write!(
            socket,
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"visitor_id\""
        )
        .expect("a stalled body");
        let mut answer = String::new();
        let mut buffer = [0_u8; 1024];
        while let Ok(n) = socket.read(&mut buffer) {
            if n == 0 {
                break;
            }
            answer.push_str(&String::from_utf8_lossy(&buffer[..n]));
            if answer.contains("\r\n\r\n") {
                break;
            }
        }
        answer
    })
    .await
    .expect("reader");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
}

// ---------- 5. Public reads have their own pool ----------

/// Web-chat history and API-key lookups read through the public pool's connections, which
/// PostgreSQL sees under their own name; sign-in keeps its own pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_reads_use_a_pool_of_their_own() {
    let app = ingress_with(&[("OTKLIK_PUBLIC_DB_POOL_SIZE", "2")]).await;
    let named = format!(
        "SELECT count(*) AS n FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = '{}'",
        otklik_db::PUBLIC_POOL_NAME
    );
    assert_eq!(app.count(&named).await, 0);
    let history = futures::stream::iter(0..40)
        .map(|n| {
            app.http
                .get(format!(
                    "{}/chat/{}/history?visitor={}",
                    app.base,
                    app.webchat_channel,
                    visitor(n)
                ))
                .send()
        })
        .buffer_unordered(20)
        .collect::<Vec<_>>()
        .await;
    assert!(history.iter().all(|r| {
        r.as_ref()
            .is_ok_and(|r| r.status() != StatusCode::INTERNAL_SERVER_ERROR)
    }));
    let open = app.count(&named).await;
    assert!((1..=2).contains(&open), "{open} public connections");
    // Bogus API keys are looked up there too, and sign-in still works.
    let (status, _) = with_key(&app, "/api/v1/me", "ok_live_bogus", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    signed_up(&app, "pool-own").await;
}

// ---------- 6. Revocation ----------

/// A disabled admin's access token stops working at once, and their open dashboard socket is
/// closed; a new role ends the tokens signed before it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_disabled_or_demoted_person_loses_the_api_and_the_socket() {
    let app = ingress_with(&[]).await;
    let owner = signed_up(&app, "revoke").await;
    let boss = token(&owner, "access_token");
    // A second admin, invited and joined.
    let (status, invitation) = post(
        &app,
        "/api/v1/invitations",
        Some(&boss),
        json!({"email": "second@revoke.example", "role": "admin"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{invitation}");
    let (status, second) = post(
        &app,
        "/api/v1/invitations/accept",
        None,
        json!({"token": invitation["token"], "password": "another long password"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{second}");
    let theirs = token(&second, "access_token");
    let their_id = second["user"]["id"].as_i64().expect("id");
    assert_eq!(
        get(&app, "/api/v1/users", Some(&theirs)).await.0,
        StatusCode::OK
    );

    let ws = format!("{}/ws", app.base.replacen("http://", "ws://", 1));
    let (mut socket, _) = tokio_tungstenite::connect_async(&ws).await.expect("ws");
    socket
        .send(Message::text(json!({"token": theirs}).to_string()))
        .await
        .expect("token");
    let ready = tokio::time::timeout(Duration::from_secs(10), socket.next())
        .await
        .ok()
        .flatten();
    assert!(matches!(ready, Some(Ok(Message::Text(_)))), "{ready:?}");

    // Demoted: the admin token signed before no longer holds.
    let (status, _) = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/users/{their_id}"),
        Some(&boss),
        Some(json!({"role": "viewer"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        get(&app, "/api/v1/users", Some(&theirs)).await.0,
        StatusCode::UNAUTHORIZED,
        "a token signed before the new role"
    );
    let closed = loop {
        match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
            Ok(Some(Ok(Message::Close(frame)))) => break frame.map(|f| f.code),
            Ok(Some(Ok(_))) => {}
            _ => break None,
        }
    };
    assert_eq!(
        closed,
        Some(CloseCode::Library(4401)),
        "the socket was closed"
    );

    // Signed in again as a viewer, then disabled: refused at once.
    let (status, again) = post(
        &app,
        "/api/v1/auth/login",
        None,
        json!({"email": "second@revoke.example", "password": "another long password"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let viewer = token(&again, "access_token");
    assert_eq!(
        get(&app, "/api/v1/me", Some(&viewer)).await.0,
        StatusCode::OK
    );
    let (status, _) = call(
        &app,
        Method::PATCH,
        &format!("/api/v1/users/{their_id}"),
        Some(&boss),
        Some(json!({"disabled": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        get(&app, "/api/v1/me", Some(&viewer)).await.0,
        StatusCode::UNAUTHORIZED
    );
}

// ---------- 7. API keys ----------

/// A key cannot make keys or invite people; what a key does is audit-logged with its id; a
/// password reset revokes the keys the account made.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_keys_neither_make_keys_nor_invite_and_die_with_a_reset() {
    let app = ingress_with(&[]).await;
    let owner = signed_up(&app, "keyless").await;
    let admin = token(&owner, "access_token");
    let (status, created) = post(
        &app,
        "/api/v1/api-keys",
        Some(&admin),
        json!({"name": "server", "role": "admin"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let key = created["key"].as_str().expect("key").to_owned();
    let key_id = created["id"].as_i64().expect("id");
    for (path, body) in [
        (
            "/api/v1/api-keys",
            json!({"name": "successor", "role": "admin"}),
        ),
        (
            "/api/v1/invitations",
            json!({"email": "mole@keyless.example", "role": "admin"}),
        ),
    ] {
        let (status, answer) = with_key(&app, path, &key, Some(body)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {answer}");
    }
    let (status, _) = with_key(&app, "/api/v1/users", &key, None).await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "people are managed by people"
    );
    let (status, reply) = with_key(
        &app,
        "/api/v1/quick-replies",
        &key,
        Some(json!({"title": "Доставка", "text": "Доставляем за 2 дня"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{reply}");
    let (_, log) = get(
        &app,
        "/api/v1/audit-log?action=quick_reply.create",
        Some(&admin),
    )
    .await;
    assert_eq!(log["items"][0]["api_key_id"], key_id, "{log}");

    // A password reset ends the keys the account made.
    let tenant = owner["user"]["tenant_id"].as_i64().expect("tenant");
    let user = owner["user"]["id"].as_i64().expect("user");
    let (reset, hash) = otklik_jobs::new_token();
    otklik_db::users::store_reset(
        &mut app.db().await,
        otklik_db::TenantScope::trusted(otklik_schema::TenantId(tenant)),
        otklik_schema::UserId(user),
        &hash,
        chrono::Utc::now() + chrono::Duration::hours(1),
    )
    .await
    .expect("a reset link");
    let (status, _) = post(
        &app,
        "/api/v1/auth/password-reset/confirm",
        None,
        json!({"token": reset, "password": "a brand new password"}),
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = with_key(&app, "/api/v1/me", &key, None).await;
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the key died with the reset"
    );
}

// ---------- 9. Secrets at rest ----------

/// A bot token and marketplace keys are stored sealed; rotation re-seals them under a new master
/// key and they still work; idempotent answers keep no secrets.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_are_sealed_at_rest_and_rotate() {
    let app = ingress_with(&[]).await;
    let owner = signed_up(&app, "sealed").await;
    let admin = token(&owner, "access_token");
    let bot_token = "123456789:AAH-secret-bot-token-0123456789";
    let (status, channel) = post(
        &app,
        "/api/v1/channels/telegram",
        Some(&admin),
        json!({"name": "Бот", "bot_token": bot_token}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{channel}");
    assert_eq!(channel["bot_username"], "shop_123456789_bot", "{channel}");
    let (status, account) = post(
        &app,
        "/api/v1/marketplace-accounts",
        Some(&admin),
        json!({"marketplace": "ozon", "name": "Ozon", "credentials": {"client_id": "123", "api_key": "ozon-secret-api-key"}}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{account}");
    let plaintext = "SELECT count(*) AS n FROM (
        SELECT credentials::text AS c FROM channels UNION ALL
        SELECT credentials::text FROM marketplace_accounts) s
        WHERE c LIKE '%secret%'";
    assert_eq!(app.count(plaintext).await, 0, "no credential in plaintext");

    // Rotation: a new master key, the old one kept as previous.
    let old = otklik_db::sealed::Vault::new(&app.config.master_keys());
    let new_master =
        secrecy::SecretString::from("a-new-master-key-0123456789-abcdefghij".to_owned());
    let rotated = otklik_db::sealed::Vault::new(&[new_master, app.config.master_key.clone()]);
    let stored = app
        .count("SELECT count(*) AS n FROM channels WHERE credentials <> '{}'::jsonb")
        .await
        + app
            .count("SELECT count(*) AS n FROM marketplace_accounts")
            .await;
    let rotation = otklik_db::sealed::rotate(&mut app.db().await, &rotated)
        .await
        .expect("rotate");
    assert_eq!((rotation.resealed, rotation.failed), (stored as u64, 0));
    let again = otklik_db::sealed::rotate(&mut app.db().await, &rotated)
        .await
        .expect("rotate again");
    assert_eq!(again.resealed, 0, "rotating twice changes nothing");
    let channels = otklik_db::channels::list(
        &mut app.db().await,
        otklik_db::TenantScope::trusted(otklik_schema::TenantId(
            owner["user"]["tenant_id"].as_i64().expect("tenant"),
        )),
    )
    .await
    .expect("channels");
    let bot = &channels[0];
    assert_eq!(bot.credentials.key_id(), Some(rotated.current_key_id()));
    assert_eq!(bot.bot_token(&rotated).as_deref(), Some(bot_token));
    assert_eq!(
        bot.bot_token(&old),
        None,
        "the old key alone no longer opens it"
    );
    assert_eq!(app.count(plaintext).await, 0);

    // An API key answered once is not kept for replays.
    let created = app
        .http
        .post(format!("{}/api/v1/api-keys", app.base))
        .bearer_auth(&admin)
        .header("Idempotency-Key", "make-a-key-1")
        .json(&json!({"name": "server", "role": "viewer"}))
        .send()
        .await
        .expect("create");
    assert_eq!(created.status(), StatusCode::CREATED);
    let first: Value = created.json().await.expect("json");
    let key = first["key"].as_str().expect("the key").to_owned();
    assert!(key.starts_with("ok_live_"));
    let kept = format!(
        "SELECT count(*) AS n FROM idempotency_keys WHERE position('{key}' IN encode(body, 'escape')) > 0"
    );
    assert_eq!(app.count(&kept).await, 0, "the stored answer holds no key");
    let replay = app
        .http
        .post(format!("{}/api/v1/api-keys", app.base))
        .bearer_auth(&admin)
        .header("Idempotency-Key", "make-a-key-1")
        .json(&json!({"name": "server", "role": "viewer"}))
        .send()
        .await
        .expect("replay");
    assert_eq!(replay.headers()["idempotent-replayed"], "true");
    let replayed: Value = replay.json().await.expect("json");
    assert_eq!(replayed["id"], first["id"]);
    assert_ne!(replayed["key"], first["key"]);
}

// ---------- 10. Sign-in ----------

/// A locked account answers exactly like an unknown address and a wrong password.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_account_answers_like_an_unknown_one() {
    let app = ingress_with(&[]).await;
    signed_up(&app, "locked").await;
    let app = &app;
    let login = |email: &'static str, password: &'static str| async move {
        post(
            app,
            "/api/v1/auth/login",
            None,
            json!({"email": email, "password": password}),
        )
        .await
    };
    for _ in 0..5 {
        assert_eq!(
            login("boss@locked.example", "wrong password!").await.0,
            StatusCode::UNAUTHORIZED
        );
    }
    let locked = login("boss@locked.example", "correct horse battery").await;
    let unknown = login("nobody@locked.example", "correct horse battery").await;
    assert_eq!(locked.0, StatusCode::UNAUTHORIZED, "{}", locked.1);
    assert_eq!(locked, unknown, "locked and unknown answer alike");
}

/// Guesses sent at once are each counted before their password is checked: no more than the
/// lockout's five ever reach the check.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_guesses_are_counted_before_they_are_checked() {
    let app = ingress_with(&[]).await;
    let owner = signed_up(&app, "guesses").await;
    let user = owner["user"]["id"].as_i64().expect("user");
    let guesses = futures::future::join_all((0..10).map(|n| {
        post(
            &app,
            "/api/v1/auth/login",
            None,
            json!({"email": "boss@guesses.example", "password": format!("guess number {n}")}),
        )
    }))
    .await;
    // 429 for the last one or two: the per-account throttle also counted the sign-up.
    assert!(
        guesses.iter().all(|(status, _)| {
            [StatusCode::UNAUTHORIZED, StatusCode::TOO_MANY_REQUESTS].contains(status)
        }),
        "{guesses:?}"
    );
    let counted = app
        .count(&format!(
            "SELECT failed_logins::BIGINT AS n FROM users WHERE id = {user}"
        ))
        .await;
    assert_eq!(
        counted, 5,
        "only five guesses were let through to the check"
    );
}

/// The per-account throttle keys on the address as accounts are looked up: spacing and case
/// do not make a new account to guess against.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_throttles_the_normalised_address() {
    let app = ingress_with(&[]).await;
    let mut statuses = Vec::new();
    for n in 0..12 {
        let email = format!(
            "{}NoSuch@Throttle.example{}",
            " ".repeat(n % 4),
            " ".repeat(n / 4)
        );
        statuses.push(
            post(
                &app,
                "/api/v1/auth/login",
                None,
                json!({"email": email, "password": "whatever it is"}),
            )
            .await
            .0,
        );
    }
    assert!(
        statuses.contains(&StatusCode::TOO_MANY_REQUESTS),
        "{statuses:?}"
    );
}

// ---------- 12. Smaller items ----------

/// A session lives 30 days from its sign-in however often it is refreshed; the refresh token
/// also travels in an HttpOnly cookie the dashboard uses, and answers with tokens are not cached.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refresh_tokens_keep_their_first_end_and_travel_in_a_cookie() {
    let app = ingress_with(&[]).await;
    let response = app
        .http
        .post(format!("{}/api/v1/auth/signup", app.base))
        .json(&shop("cookie", "boss@cookie.example"))
        .send()
        .await
        .expect("sign up");
    assert_eq!(response.headers()[header::CACHE_CONTROL], "no-store");
    let cookie = response.headers()[header::SET_COOKIE]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    let session: Value = response.json().await.expect("session");
    let ends = "SELECT extract(epoch FROM max(expires_at))::BIGINT AS n FROM refresh_tokens";
    let first_end = app.count(ends).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let pair = cookie.split(';').next().expect("name=value").to_owned();
    let refreshed = app
        .http
        .post(format!("{}/api/v1/auth/refresh", app.base))
        .header(header::COOKIE, &pair)
        .json(&json!({}))
        .send()
        .await
        .expect("refresh");
    assert_eq!(refreshed.status(), StatusCode::OK);
    let next: Value = refreshed.json().await.expect("session");
    assert_ne!(next["refresh_token"], session["refresh_token"]);
    assert_eq!(
        app.count(ends).await,
        first_end,
        "the successor keeps the first end"
    );
}

/// Every answer carries the security headers; HSTS when the public URL is https.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answer_carries_security_headers() {
    let app = ingress_with(&[("OTKLIK_PUBLIC_URL", "https://otklik.example")]).await;
    for path in [
        "/healthz".to_owned(),
        "/api/v1/me".to_owned(),
        "/nowhere".to_owned(),
        format!("/chat/{}", app.webchat_channel),
        "/app/".to_owned(),
    ] {
        let response = app
            .http
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .expect("get");
        let headers = response.headers();
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{path}");
        let policy = headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .expect("ascii");
        assert!(
            policy.contains("frame-ancestors 'none'"),
            "{path}: {policy}"
        );
        assert!(!policy.contains("unsafe-inline"), "{path}: {policy}");
        assert!(
            headers[header::STRICT_TRANSPORT_SECURITY]
                .to_str()
                .expect("ascii")
                .starts_with("max-age="),
            "{path}"
        );
    }
}

/// Changing one's password ends the other sessions and voids reset links; the profile's name
/// can be edited; an API key can do neither.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_ends_other_sessions_and_reset_links() {
    let app = ingress_with(&[]).await;
    let owner = signed_up(&app, "changer").await;
    let first = token(&owner, "access_token");
    let (_, other) = post(
        &app,
        "/api/v1/auth/login",
        None,
        json!({"email": "boss@changer.example", "password": "correct horse battery"}),
    )
    .await;
    let other_refresh = other["refresh_token"].as_str().expect("refresh").to_owned();
    let (_, hash) = otklik_jobs::new_token();
    otklik_db::users::store_reset(
        &mut app.db().await,
        otklik_db::TenantScope::trusted(otklik_schema::TenantId(
            owner["user"]["tenant_id"].as_i64().expect("tenant"),
        )),
        otklik_schema::UserId(owner["user"]["id"].as_i64().expect("user")),
        &hash,
        chrono::Utc::now() + chrono::Duration::hours(1),
    )
    .await
    .expect("a reset link");
    let (status, _) = post(
        &app,
        "/api/v1/me/password",
        Some(&first),
        json!({"current_password": "not it at all", "new_password": "a brand new password"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "the current password is checked"
    );
    let (status, fresh) = post(
        &app,
        "/api/v1/me/password",
        Some(&first),
        json!({"current_password": "correct horse battery", "new_password": "a brand new password"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{fresh}");
    assert_eq!(
        get(&app, "/api/v1/me", Some(&first)).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (status, _) = post(
        &app,
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": other_refresh}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the other session ended");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM password_resets WHERE used_at IS NULL")
            .await,
        0,
        "reset links are void"
    );
    let new_token = token(&fresh, "access_token");
    let (status, me) = call(
        &app,
        Method::PATCH,
        "/api/v1/me",
        Some(&new_token),
        Some(json!({"name": "Анна Петровна"})),
    )
    .await;
    assert_eq!(
        (status, me["user"]["name"].as_str()),
        (StatusCode::OK, Some("Анна Петровна"))
    );
}

/// Reset mails to one address are limited whoever asks, with the same answer either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reset_mails_are_limited_per_address() {
    let app = ingress_with(&[]).await;
    signed_up(&app, "mailbox").await;
    for _ in 0..6 {
        let (status, _) = post(
            &app,
            "/api/v1/auth/password-reset",
            None,
            json!({"email": "Boss@Mailbox.example "}),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED);
        // The enqueue dedupes per minute; different minutes must not be needed to see the cap.
    }
    let key = format!(
        "{}:limits:reset:{}",
        app.config.redis_namespace,
        otklik_jobs::token_hash("boss@mailbox.example")
    );
    let client = redis::Client::open(crate::support::redis_url()).expect("redis");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("redis");
    let exists: bool = redis::cmd("EXISTS")
        .arg(&key)
        .query_async(&mut conn)
        .await
        .expect("exists");
    assert!(exists, "the address's limit is kept in Redis under {key}");
}

/// `/metrics` is not served without its token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_need_their_token() {
    let off = ingress_with(&[]).await;
    let status = off
        .http
        .get(format!("{}/metrics", off.base))
        .send()
        .await
        .expect("metrics")
        .status();
    assert_eq!(status, StatusCode::NOT_FOUND);
    let on = ingress_with(&[("OTKLIK_METRICS_TOKEN", METRICS_TOKEN)]).await;
    let get = |token: &'static str| {
        on.http
            .get(format!("{}/metrics", on.base))
            .bearer_auth(token)
            .send()
    };
    assert_eq!(
        get("wrong").await.expect("metrics").status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        get(METRICS_TOKEN).await.expect("metrics").status(),
        StatusCode::OK
    );
}

/// `X-Forwarded-For` from an untrusted peer picks no address: the web chat still counts the
/// socket's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_from_an_untrusted_peer_is_ignored() {
    let app = ingress_with(&[]).await;
    let url = format!("{}/chat/{}/messages", app.base, app.webchat_channel);
    let mut limited = false;
    for n in 0..25 {
        let status = app
            .http
            .post(&url)
            .header("X-Forwarded-For", format!("203.0.113.{n}"))
            .json(&json!({"visitor_id": visitor(n), "client_message_id": format!("msg-{n:016}"), "text": "Привет"}))
            .send()
            .await
            .expect("post")
            .status();
        limited |= status == StatusCode::TOO_MANY_REQUESTS;
    }
    assert!(
        limited,
        "rotating X-Forwarded-For did not escape the address's limit"
    );
}

// ---------- The API's contract ----------

/// A NUL character in a text is a 422 naming where it is, never a 503; in a search it is
/// dropped; an unauthenticated POST is a 401 whatever its Idempotency-Key.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nul_characters_and_unauthenticated_keys_get_a_clear_4xx() {
    let app = ingress_with(&[]).await;
    let owner = signed_up(&app, "nul").await;
    let admin = token(&owner, "access_token");
    let (status, error) = post(
        &app,
        "/api/v1/quick-replies",
        Some(&admin),
        json!({"title": "Доставка\u{0}", "text": "Текст"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert_eq!(error["error"]["fields"][0]["code"], "nul_character");
    assert_eq!(error["error"]["fields"][0]["at"], "/title");
    let (status, page) = get(&app, "/api/v1/conversations?q=%00%D0%B4%00", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let (status, _) = post(
        &app,
        "/api/v1/auth/login",
        None,
        json!({"email": "boss@nul.example\u{0}", "password": "correct horse battery"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let response = app
        .http
        .post(format!("{}/api/v1/billing/checkout", app.base))
        .header("Idempotency-Key", "")
        .json(&json!({}))
        .send()
        .await
        .expect("post");
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}
