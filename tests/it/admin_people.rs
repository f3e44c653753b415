//! The admin API's people and channels: invitations accepted once, roles and access changed
//! by admins only, a Telegram bot connected with its webhook secret, a web chat, all within
//! the tenant.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::admin_auth::{api, call, get, post, shop, token};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_admin_invites_an_operator_who_joins_once() {
    let app = api().await;
    let (_, owner) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("lesnoy", "owner@lesnoy.example"),
    )
    .await;
    let admin = token(&owner, "access_token");
    let (status, invited) = post(
        &app,
        "/api/v1/invitations",
        Some(&admin),
        json!({"email": "op@lesnoy.example", "role": "operator"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{invited}");
    let invite_token = token(&invited, "token");
    let (_, viewer) = post(
        &app,
        "/api/v1/invitations",
        Some(&admin),
        json!({"email": "view@lesnoy.example", "role": "viewer"}),
    )
    .await;
    let (status, _) = post(
        &app,
        "/api/v1/invitations",
        Some(&admin),
        json!({"email": "OWNER@lesnoy.example", "role": "viewer"}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "an existing account");
    let (_, pending) = get(&app, "/api/v1/invitations", Some(&admin)).await;
    assert_eq!(pending["items"].as_array().map(Vec::len), Some(2));
    assert!(
        pending.to_string().find(&invite_token).is_none(),
        "tokens are shown once"
    );

    let acceptance =
        json!({"token": invite_token, "password": "operator password", "name": "Игорь"});
    let (status, joined) = post(&app, "/api/v1/invitations/accept", None, acceptance.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{joined}");
    assert_eq!(joined["user"]["role"], "operator");
    assert_eq!(joined["user"]["tenant_id"], owner["user"]["tenant_id"]);
    let (status, _) = post(&app, "/api/v1/invitations/accept", None, acceptance).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an invitation works once");
    let viewer_id = viewer["id"].as_i64().expect("id");
    let (status, _) = call(
        &app,
        Method::DELETE,
        &format!("/api/v1/invitations/{viewer_id}"),
        Some(&admin),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _) = post(
        &app,
        "/api/v1/invitations/accept",
        None,
        json!({"token": token(&viewer, "token"), "password": "viewer password"}),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a revoked invitation");

    // Operators do not manage people.
    let operator = token(&joined, "access_token");
    let (status, _) = post(
        &app,
        "/api/v1/invitations",
        Some(&operator),
        json!({"email": "x@lesnoy.example", "role": "admin"}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = get(&app, "/api/v1/users", Some(&operator)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The list pages through both people once.
    let (_, first) = get(&app, "/api/v1/users?limit=1", Some(&admin)).await;
    let cursor = first["next_cursor"]
        .as_str()
        .expect("a second page")
        .to_owned();
    let (_, second) = get(
        &app,
        &format!("/api/v1/users?limit=1&cursor={cursor}"),
        Some(&admin),
    )
    .await;
    assert_eq!(second["next_cursor"], serde_json::Value::Null);
    assert_eq!(second["items"][0]["email"], "op@lesnoy.example");
    let (status, _) = get(&app, "/api/v1/users?cursor=garbage", Some(&admin)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Another shop cannot touch this operator; this shop's admin can switch them off.
    let (_, stranger) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("chuzhoy", "a@chuzhoy.example"),
    )
    .await;
    let operator_id = joined["user"]["id"].as_i64().expect("id");
    let path = format!("/api/v1/users/{operator_id}");
    let (status, _) = call(
        &app,
        Method::PATCH,
        &path,
        Some(&token(&stranger, "access_token")),
        Some(json!({"disabled": true})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let own = format!("/api/v1/users/{}", owner["user"]["id"]);
    let (status, _) = call(
        &app,
        Method::PATCH,
        &own,
        Some(&admin),
        Some(json!({"role": "viewer"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no demoting yourself"
    );
    let (status, member) = call(
        &app,
        Method::PATCH,
        &path,
        Some(&admin),
        Some(json!({"disabled": true})),
    )
    .await;
    assert_eq!(
        (status, member["disabled"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    let (status, _) = post(
        &app,
        "/api/v1/auth/refresh",
        None,
        json!({"refresh_token": token(&joined, "refresh_token")}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "their sessions ended");
    let (status, _) = post(
        &app,
        "/api/v1/auth/login",
        None,
        json!({"email": "op@lesnoy.example", "password": "operator password"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_telegram_bot_and_a_web_chat_are_connected() {
    let app = api().await;
    let (_, owner) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("reka", "owner@reka.example"),
    )
    .await;
    let admin = token(&owner, "access_token");
    let (status, error) = post(
        &app,
        "/api/v1/channels/telegram",
        Some(&admin),
        json!({"name": "Бот", "bot_token": "not-a-token"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error}");
    assert!(
        app.telegram.calls("getMe").is_empty(),
        "nothing asked of Telegram"
    );

    let bot_token = "7012345678:AAH-example-secret-part-0123";
    let (status, bot) = post(
        &app,
        "/api/v1/channels/telegram",
        Some(&admin),
        json!({"name": "Бот магазина", "bot_token": bot_token}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{bot}");
    assert_eq!(bot["bot_username"], "shop_7012345678_bot");
    let id = bot["id"].as_i64().expect("id");
    let hooks = app.telegram.calls("setWebhook");
    let hook = hooks.last().expect("the webhook was registered");
    assert_eq!(hook.token, bot_token);
    assert!(
        hook.body["url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/hooks/telegram/{id}"))),
        "{}",
        hook.body
    );
    // The secret registered is the one our webhook accepts for this channel.
    let update = json!({"update_id": 1, "message": {"message_id": 1, "date": 0,
        "chat": {"id": 42, "type": "private"}, "from": {"id": 42, "is_bot": false, "first_name": "Покупатель"},
        "text": "Здравствуйте"}});
    let secret = hook.body["secret_token"]
        .as_str()
        .expect("secret")
        .to_owned();
    for (given, expected) in [
        (secret.as_str(), StatusCode::OK),
        ("wrong", StatusCode::UNAUTHORIZED),
    ] {
        let response = app
            .http
            .post(format!("{}/hooks/telegram/{id}", app.base))
            .header("X-Telegram-Bot-Api-Secret-Token", given)
            .json(&update)
            .send()
            .await
            .expect("post");
        assert_eq!(response.status(), expected);
    }

    let (status, chat) = post(
        &app,
        "/api/v1/channels/webchat",
        Some(&admin),
        json!({"name": "Сайт"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{chat}");
    assert!(
        chat["chat_url"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!("/chat/{}", chat["id"])))
    );
    let (_, listed) = get(&app, "/api/v1/channels", Some(&admin)).await;
    assert_eq!(listed["items"].as_array().map(Vec::len), Some(2));
    assert!(
        !listed.to_string().contains(bot_token),
        "credentials never leave the server"
    );

    let (_, stranger) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("ozero", "a@ozero.example"),
    )
    .await;
    let path = format!("/api/v1/channels/{id}");
    let (status, _) = call(
        &app,
        Method::DELETE,
        &path,
        Some(&token(&stranger, "access_token")),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&app, Method::DELETE, &path, Some(&admin), None).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(app.telegram.calls("deleteWebhook").len(), 1);
    assert_eq!(
        app.count(&format!(
            "SELECT count(*) AS n FROM channels WHERE id = {id} AND NOT enabled"
        ))
        .await,
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invitation_is_emailed_once_with_a_link_that_joins() {
    let smtp = otklik_tests::smtp::FakeSmtp::start()
        .await
        .expect("fake SMTP");
    let app = crate::support::TestApp::with(crate::support::Options {
        env: vec![("OTKLIK_SMTP_URL", smtp.url())],
        ..crate::support::Options::default()
    })
    .await;
    let (_, owner) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("pismo", "anna@pismo.example"),
    )
    .await;
    let admin = token(&owner, "access_token");
    let (status, invited) = post(
        &app,
        "/api/v1/invitations",
        Some(&admin),
        json!({"email": "igor@pismo.example", "role": "operator"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{invited}");
    assert_eq!(invited["email_queued"], true, "{invited}");
    assert!(
        invited["accept_url"]
            .as_str()
            .is_some_and(|url| url.contains("/app/#/invitation/")),
        "the admin still gets the link: {invited}"
    );

    // Sign-up's own mail goes to the owner; the invitation's to the invited person.
    let mail: Vec<_> = smtp
        .wait_for(2, std::time::Duration::from_secs(15))
        .await
        .into_iter()
        .filter(|mail| mail.to != ["anna@pismo.example"])
        .collect();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0].to, ["igor@pismo.example"]);
    let text = mail[0].text();
    for expected in [
        "Анна (администратор) приглашает вас",
        "«Магазин «Север»»",
        "с ролью «оператор»",
        "Ссылка действует до",
    ] {
        assert!(text.contains(expected), "{expected:?} in {text}");
    }
    let link = text
        .split_whitespace()
        .find(|word| word.contains("/app/#/invitation/"))
        .expect("an invitation link");
    let mailed_token = link.rsplit('/').next().expect("token").to_owned();

    // A retried job finds the e-mail already sent and sends nothing.
    let settings = app.queue_settings();
    let redis = otklik_jobs::connect(&crate::support::redis_url())
        .await
        .expect("redis");
    let queues = otklik_jobs::Queues::new(redis, &settings);
    let job = otklik_jobs::Notify::Invitation {
        tenant_id: otklik_schema::TenantId(owner["user"]["tenant_id"].as_i64().expect("tenant id")),
        invitation_id: invited["id"].as_i64().expect("invitation id"),
    };
    queues.push_notify(job, "retry").await.expect("enqueue");
    let done_set = settings
        .config(otklik_jobs::Queue::Notifications)
        .done_jobs_set();
    let done = app
        .eventually(std::time::Duration::from_secs(15), 3, || async {
            let mut redis = otklik_jobs::connect(&crate::support::redis_url())
                .await
                .expect("redis");
            redis::cmd("SCARD")
                .arg(&done_set)
                .query_async::<i64>(&mut redis)
                .await
                .expect("SCARD")
        })
        .await;
    assert_eq!(done, 3, "both jobs ran (and sign-up's confirmation mail)");
    let invitations = smtp
        .mail()
        .iter()
        .filter(|mail| mail.to == ["igor@pismo.example"])
        .count();
    assert_eq!(invitations, 1, "one e-mail per invitation");

    let (status, joined) = post(
        &app,
        "/api/v1/invitations/accept",
        None,
        json!({"token": mailed_token, "password": "operator password", "name": "Игорь"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{joined}");
    assert_eq!(joined["user"]["email"], "igor@pismo.example");
    assert_eq!(joined["user"]["role"], "operator");
    let (status, _) = post(
        &app,
        "/api/v1/invitations/accept",
        None,
        json!({"token": token(&invited, "token"), "password": "another password"}),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "either link joins once, not twice"
    );
}
