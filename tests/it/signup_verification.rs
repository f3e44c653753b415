//! Sign-up and the owner's address: a confirmation e-mail with a single-use link (48 hours), a
//! shop that is not live until the link is used (its channels held off, the web chat refused),
//! expired and forged links that change nothing, and a resend limited per address.

use std::time::Duration;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_auth::{get, post, shop, sign_up, token};
use crate::support::{Options, TestApp};

/// Confirms the signed-up owner's address the way the e-mailed link does, without a mail:
/// a link is stored for them and posted. For tests that need a live shop.
pub(crate) async fn confirm_owner(app: &TestApp, session: &Value) {
    let tenant = otklik_schema::TenantId(session["user"]["tenant_id"].as_i64().expect("tenant"));
    let user = otklik_schema::UserId(session["user"]["id"].as_i64().expect("user"));
    let (link, hash) = otklik_jobs::new_token();
    let mut conn = app.db().await;
    otklik_db::email_verifications::store(
        &mut conn,
        otklik_db::TenantScope::trusted(tenant),
        user,
        &hash,
        chrono::Utc::now() + chrono::Duration::hours(1),
    )
    .await
    .expect("a confirmation link");
    let (status, _) = open_link(app, reqwest::Method::POST, &link).await;
    assert_eq!(status, StatusCode::OK, "the owner's address is confirmed");
}

/// Opens `/verify-email?token=…` (the page, or its button); the status and the page's text.
async fn open_link(app: &TestApp, method: reqwest::Method, token: &str) -> (StatusCode, String) {
    let response = app
        .http
        .request(method, format!("{}/verify-email", app.base))
        .query(&[("token", token)])
        .send()
        .await
        .expect("verify-email");
    let status = response.status();
    (status, response.text().await.expect("page"))
}

/// The token of the confirmation link in a mail.
fn link_token(mail: &otklik_tests::smtp::Mail) -> String {
    let text = mail.text();
    let link = text
        .split_whitespace()
        .find(|word| word.contains("/verify-email?token="))
        .unwrap_or_else(|| panic!("a confirmation link in {text}"));
    link.split_once("token=")
        .map(|(_, token)| token.to_owned())
        .expect("token")
}

async fn with_mail() -> (TestApp, otklik_tests::smtp::FakeSmtp) {
    let smtp = otklik_tests::smtp::FakeSmtp::start()
        .await
        .expect("fake SMTP");
    let app = TestApp::with(Options {
        env: vec![("OTKLIK_SMTP_URL", smtp.url())],
        ..Options::default()
    })
    .await;
    (app, smtp)
}

/// Connects a web chat; the channel as answered.
async fn web_chat(app: &TestApp, admin: &str) -> Value {
    let (status, chat) = post(
        app,
        "/api/v1/channels/webchat",
        Some(admin),
        json!({"name": "Сайт"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{chat}");
    chat
}

async fn me(app: &TestApp, admin: &str) -> Value {
    let (status, me) = get(app, "/api/v1/me", Some(admin)).await;
    assert_eq!(status, StatusCode::OK, "{me}");
    me
}

async fn chat_page(app: &TestApp, channel: i64) -> StatusCode {
    app.http
        .get(format!("{}/chat/{channel}", app.base))
        .send()
        .await
        .expect("chat page")
        .status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signup_mails_a_link_that_confirms_the_address_once_and_makes_the_shop_live() {
    let (app, smtp) = with_mail().await;
    let owner = sign_up(&app, "svetlyi", "Owner@Svetlyi.example").await;
    let admin = token(&owner, "access_token");
    let before = me(&app, &admin).await;
    assert_eq!(before["user"]["email_verified"], false, "{before}");
    assert_eq!(before["tenant"]["live"], false, "{before}");

    // The owner sets the shop up meanwhile; the channel waits, and shoppers are not served.
    let chat = web_chat(&app, &admin).await;
    assert_eq!(chat["enabled"], false, "{chat}");
    assert_eq!(chat["awaiting_verification"], true, "{chat}");
    let chat = chat["id"].as_i64().expect("channel id");
    assert_eq!(chat_page(&app, chat).await, StatusCode::NOT_FOUND);
    let sent = app
        .http
        .post(format!("{}/chat/{chat}/messages", app.base))
        .json(&json!({"visitor_id": "visitor-svetlyi-0123456789", "client_message_id": "msg-svetlyi-000000001",
            "text": "Здравствуйте!"}))
        .send()
        .await
        .expect("web chat message");
    assert_eq!(sent.status(), StatusCode::NOT_FOUND, "nothing is taken in");

    let mail = smtp.wait_for(1, Duration::from_secs(15)).await;
    assert_eq!(mail.len(), 1, "one confirmation e-mail");
    assert_eq!(mail[0].to, ["owner@svetlyi.example"]);
    let text = mail[0].text();
    assert!(text.contains("Магазин «Север»"), "{text}");
    assert!(text.contains("сработает один раз"), "{text}");
    assert!(
        text.contains(&format!("{}/verify-email?token=", app.base)),
        "{text}"
    );
    let link = link_token(&mail[0]);
    // Stored hashed: the token itself is nowhere in the database.
    let stored = app
        .count(&format!(
            "SELECT count(*) AS n FROM email_verifications WHERE token_hash = '{}'",
            otklik_jobs::token_hash(&link)
        ))
        .await;
    assert_eq!(stored, 1);
    let plain = app
        .count(&format!(
            "SELECT count(*) AS n FROM email_verifications WHERE token_hash = '{link}'"
        ))
        .await;
    assert_eq!(plain, 0);

    // Opening the link asks first (a mail scanner must not spend it), then the button confirms.
    let (status, page) = open_link(&app, reqwest::Method::GET, &link).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Подтвердить адрес"), "{page}");
    assert_eq!(me(&app, &admin).await["user"]["email_verified"], false);
    let (status, page) = open_link(&app, reqwest::Method::POST, &link).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(page.contains("Адрес подтверждён"), "{page}");
    assert!(
        page.contains("href=\"/app/\""),
        "leads to the dashboard: {page}"
    );

    let after = me(&app, &admin).await;
    assert_eq!(after["user"]["email_verified"], true, "{after}");
    assert_eq!(after["tenant"]["live"], true, "{after}");
    let (_, listed) = get(&app, "/api/v1/channels", Some(&admin)).await;
    assert_eq!(listed["items"][0]["enabled"], true, "{listed}");
    assert_eq!(listed["items"][0]["awaiting_verification"], false);
    assert_eq!(
        chat_page(&app, chat).await,
        StatusCode::OK,
        "the shop is live"
    );

    // The link works once.
    for method in [reqwest::Method::POST, reqwest::Method::GET] {
        let (status, page) = open_link(&app, method, &link).await;
        assert_eq!(status, StatusCode::CONFLICT, "{page}");
        assert!(page.contains("уже использована"), "{page}");
    }
    // A confirmed address needs no more mail.
    let (status, refused) = post(
        &app,
        "/api/v1/me/email-verification",
        Some(&admin),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused}");
    assert_eq!(refused["error"]["reason"], "already_verified");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signup_links_forged_or_expired_are_refused_and_change_nothing() {
    let (app, smtp) = with_mail().await;
    let (_, owner) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("tihiy", "owner@tihiy.example"),
    )
    .await;
    let admin = token(&owner, "access_token");
    let (_, chat) = post(
        &app,
        "/api/v1/channels/webchat",
        Some(&admin),
        json!({"name": "Сайт"}),
    )
    .await;
    let chat = chat["id"].as_i64().expect("channel id");
    let mail = smtp.wait_for(1, Duration::from_secs(15)).await;
    let real = link_token(&mail[0]);

    // Forged: a token of the right shape nobody issued, a mangled one, none at all.
    let forged = otklik_jobs::new_token().0;
    for token in [forged.as_str(), "<script>alert(1)</script>", ""] {
        for method in [reqwest::Method::GET, reqwest::Method::POST] {
            let (status, page) = open_link(&app, method, token).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{token}: {page}");
            assert!(page.contains("Ссылка недействительна"), "{page}");
            assert!(
                !page.contains("<script>alert"),
                "nothing of the token is echoed"
            );
        }
    }
    let missing = app
        .http
        .post(format!("{}/verify-email", app.base))
        .send()
        .await
        .expect("no token");
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);

    // Expired: the real link, 48 hours later.
    app.count(&format!(
        "UPDATE email_verifications SET expires_at = now() - interval '1 second'
          WHERE token_hash = '{}' RETURNING id AS n",
        otklik_jobs::token_hash(&real)
    ))
    .await;
    for method in [reqwest::Method::GET, reqwest::Method::POST] {
        let (status, page) = open_link(&app, method, &real).await;
        assert_eq!(status, StatusCode::GONE, "{page}");
        assert!(page.contains("Срок действия ссылки истёк"), "{page}");
    }

    let still = me(&app, &admin).await;
    assert_eq!(still["user"]["email_verified"], false, "{still}");
    assert_eq!(still["tenant"]["live"], false, "{still}");
    assert_eq!(chat_page(&app, chat).await, StatusCode::NOT_FOUND);
    let used = app
        .count("SELECT count(*) AS n FROM email_verifications WHERE used_at IS NOT NULL")
        .await;
    assert_eq!(used, 0, "no link was spent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signup_confirmation_mail_is_resent_within_the_address_allowance() {
    let (app, smtp) = with_mail().await;
    let (_, owner) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("shumnyi", "owner@shumnyi.example"),
    )
    .await;
    let admin = token(&owner, "access_token");
    assert_eq!(smtp.wait_for(1, Duration::from_secs(15)).await.len(), 1);

    // Sign-up's mail and two more; the fourth within the minute waits.
    for _ in 0..2 {
        let (status, body) = post(
            &app,
            "/api/v1/me/email-verification",
            Some(&admin),
            json!({}),
        )
        .await;
        assert_eq!(status, StatusCode::ACCEPTED, "{body}");
    }
    let refused = app
        .http
        .post(format!("{}/api/v1/me/email-verification", app.base))
        .bearer_auth(&admin)
        .send()
        .await
        .expect("resend");
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(refused.headers().contains_key("retry-after"));

    let mail = smtp.wait_for(3, Duration::from_secs(15)).await;
    assert_eq!(mail.len(), 3, "three mails, each with its own link");
    let links: std::collections::HashSet<String> = mail.iter().map(link_token).collect();
    assert_eq!(links.len(), 3);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(smtp.mail().len(), 3, "nothing more was sent");

    // Any of them confirms; the others are spent with it.
    let first = link_token(&mail[0]);
    let (status, _) = open_link(&app, reqwest::Method::POST, &first).await;
    assert_eq!(status, StatusCode::OK);
    let last = link_token(&mail[2]);
    let (status, _) = open_link(&app, reqwest::Method::POST, &last).await;
    assert_eq!(status, StatusCode::CONFLICT);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signup_shops_hold_marketplace_channels_until_the_owner_confirms() {
    let (app, _smtp) = with_mail().await;
    let (_, owner) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("ozernyi", "owner@ozernyi.example"),
    )
    .await;
    let tenant = otklik_schema::TenantId(owner["user"]["tenant_id"].as_i64().expect("tenant"));
    let scope = otklik_db::TenantScope::trusted(tenant);
    let mut conn = app.db().await;
    let account = otklik_db::accounts::create(
        &mut conn,
        scope,
        otklik_schema::Marketplace::Wb,
        "WB",
        &otklik_db::sealed::Sealed::none(),
    )
    .await
    .expect("account");
    let opened = otklik_db::channels::open_for_account(
        &mut conn,
        scope,
        account,
        otklik_schema::Marketplace::Wb,
        &[],
    )
    .await
    .expect("channels");
    assert!(
        opened.is_empty(),
        "nothing opens before the address is confirmed"
    );
    let held = app
        .count(&format!(
            "SELECT count(*) AS n FROM channels WHERE tenant_id = {} AND awaiting_verification AND NOT enabled",
            tenant.0
        ))
        .await;
    assert!(held > 0, "the account's channels wait");
    assert!(
        otklik_db::channels::for_account(&mut conn, scope, account)
            .await
            .expect("polled channels")
            .is_empty(),
        "nothing is polled for shoppers"
    );

    confirm_owner(&app, &owner).await;
    let live = otklik_db::channels::for_account(&mut conn, scope, account)
        .await
        .expect("polled channels");
    assert_eq!(live.len() as i64, held, "all of them switch on");
    // From now on channels open at once.
    let again = otklik_db::channels::open_for_account(
        &mut conn,
        scope,
        account,
        otklik_schema::Marketplace::Wb,
        &[],
    )
    .await
    .expect("channels");
    assert_eq!(again.len() as i64, held);
}

/// An installation that sends no e-mail cannot ask for a confirmation: its shops go live at
/// sign-up instead of waiting for a mail that never comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signup_without_outgoing_mail_makes_the_shop_live_at_once() {
    let app = TestApp::with(Options::default()).await;
    let owner = sign_up(&app, "bezpochty", "owner@bezpochty.example").await;
    let admin = token(&owner, "access_token");
    let profile = me(&app, &admin).await;
    assert_eq!(profile["user"]["email_verified"], true, "{profile}");
    assert_eq!(profile["tenant"]["live"], true, "{profile}");
    let chat = web_chat(&app, &admin).await;
    assert_eq!(chat["enabled"], true, "{chat}");
    assert_eq!(
        app.count("SELECT count(*) AS n FROM email_verifications")
            .await,
        0,
        "no link is made for a mail nobody sends"
    );
}
