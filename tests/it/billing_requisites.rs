//! A Russian shop's requisites and its acts: `PUT /api/v1/billing/requisites` checks the ИНН and
//! ОГРН check digits and the КПП by the kind of entity, and each paid ЮKassa payment has an act
//! (a printable HTML page) naming the shop by them, for its own admins only.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::admin_auth::{api, call, get, post, shop, token};

fn codes(error: &Value) -> Vec<(String, String)> {
    error["error"]["fields"]
        .as_array()
        .map(|fields| {
            fields
                .iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap_or_default().to_owned(),
                        f["code"].as_str().unwrap_or_default().to_owned(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

fn company() -> Value {
    json!({"legal_name": "ООО «Северный ветер»", "inn": "7707083893", "kpp": "773601001",
           "ogrn": "1027700132195", "address": "117312, г. Москва, ул. Вавилова, д. 19"})
}

async fn put(app: &crate::support::TestApp, admin: &str, body: Value) -> (StatusCode, Value) {
    call(
        app,
        reqwest::Method::PUT,
        "/api/v1/billing/requisites",
        Some(admin),
        Some(body),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billing_requisites_are_checked_by_their_check_digits() {
    let app = api().await;
    let (_, owner) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("rekvizity", "owner@rekvizity.example"),
    )
    .await;
    let admin = token(&owner, "access_token");
    let (status, none) = get(&app, "/api/v1/billing/requisites", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(none, json!({"requisites": null}));

    // A mistyped digit of each, a company without a КПП, an entrepreneur with one.
    let mut typo = company();
    typo["inn"] = json!("7707083894");
    typo["ogrn"] = json!("1027700132196");
    typo["kpp"] = Value::Null;
    let (status, refused) = put(&app, &admin, typo).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert_eq!(
        codes(&refused),
        [
            ("inn".to_owned(), "invalid_inn".to_owned()),
            ("ogrn".to_owned(), "invalid_ogrn".to_owned())
        ]
    );
    let mut no_kpp = company();
    no_kpp["kpp"] = Value::Null;
    let (_, refused) = put(&app, &admin, no_kpp).await;
    assert_eq!(
        codes(&refused),
        [("kpp".to_owned(), "invalid_kpp".to_owned())]
    );
    let entrepreneur = json!({"legal_name": "ИП Иванова Анна Сергеевна", "inn": "500100732259",
        "kpp": "773601001", "ogrn": "304500116000157", "address": "г. Тверь"});
    let (_, refused) = put(&app, &admin, entrepreneur.clone()).await;
    assert_eq!(
        codes(&refused),
        [("kpp".to_owned(), "kpp_not_for_entrepreneur".to_owned())]
    );
    let (_, refused) = put(
        &app,
        &admin,
        json!({"legal_name": " ", "inn": "12", "ogrn": "1", "address": ""}),
    )
    .await;
    assert_eq!(refused["error"]["fields"].as_array().map(Vec::len), Some(4));
    let (status, _) = get(&app, "/api/v1/billing/requisites", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        app.count("SELECT count(*) AS n FROM billing_requisites")
            .await,
        0,
        "nothing refused is stored"
    );

    let mut fine = entrepreneur;
    fine["kpp"] = Value::Null;
    let (status, saved) = put(&app, &admin, fine).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    assert_eq!(saved["requisites"]["inn"], "500100732259");
    let (status, saved) = put(&app, &admin, company()).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (_, read) = get(&app, "/api/v1/billing/requisites", Some(&admin)).await;
    assert_eq!(read, json!({"requisites": company()}));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn billing_acts_name_the_shop_for_each_paid_payment() {
    let app = api().await;
    let (_, owner) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("akty", "owner@akty.example"),
    )
    .await;
    let admin = token(&owner, "access_token");
    let tenant = owner["user"]["tenant_id"].as_i64().expect("tenant");
    app.count(&format!(
        "UPDATE billing_accounts SET currency = 'RUB' WHERE tenant_id = {tenant} RETURNING 1::BIGINT AS n"
    ))
    .await;
    // The period's first charge paid; a retry of the next period's still waiting.
    let payment = |operation: &str, status: &str, month: u32| {
        format!(
            "INSERT INTO payments (tenant_id, purpose, plan_code, operation, amount, currency, receipt,
                                   period_start, period_end, status, applied_at)
             VALUES ({tenant}, 'renewal', 'business', '{operation}', 3990000, 'RUB', '{{}}',
                     '2026-{month}-01T09:00:00Z', '2026-{month}-01T09:00:00Z'::timestamptz + interval '30 days', '{status}',
                     CASE WHEN '{status}' = 'succeeded' THEN '2026-12-01T09:00:00Z'::timestamptz END)
             RETURNING id AS n"
        )
    };
    let paid = app.count(&payment("paid-1", "succeeded", 12)).await;
    let waiting = app.count(&payment("waiting-1", "pending", 11)).await;

    let (status, invoices) = get(&app, "/api/v1/billing/invoices", Some(&admin)).await;
    assert_eq!(status, StatusCode::OK, "{invoices}");
    let act_of = |number: i64| {
        invoices["items"]
            .as_array()
            .and_then(|items| {
                items
                    .iter()
                    .find(|i| {
                        i["number"].as_str().and_then(|n| n.parse::<i64>().ok()) == Some(number)
                    })
                    .map(|i| i["act_url"].clone())
            })
            .unwrap_or(Value::Null)
    };
    assert_eq!(act_of(paid), json!(format!("/api/v1/billing/acts/{paid}")));
    assert_eq!(act_of(waiting), Value::Null, "no act before it is paid");

    let act = |number: i64, bearer: String| {
        let request = app
            .http
            .get(format!("{}/api/v1/billing/acts/{number}", app.base))
            .bearer_auth(bearer);
        async move { request.send().await.expect("act") }
    };
    // Without requisites there is no one to name.
    let missing = act(paid, admin.clone()).await;
    assert_eq!(missing.status(), StatusCode::CONFLICT);
    let body: Value = missing.json().await.expect("envelope");
    assert_eq!(body["error"]["reason"], "requisites_missing");

    let mut named = company();
    named["legal_name"] = json!("ООО «Северный ветер & <Ко>»");
    let (status, _) = put(&app, &admin, named).await;
    assert_eq!(status, StatusCode::OK);
    let document = act(paid, admin.clone()).await;
    assert_eq!(document.status(), StatusCode::OK);
    let headers = document.headers().clone();
    assert_eq!(headers["content-type"], "text/html; charset=utf-8");
    assert_eq!(
        headers["content-disposition"],
        format!("inline; filename=\"akt-{paid}.html\"").as_str()
    );
    assert!(
        headers["content-security-policy"]
            .to_str()
            .is_ok_and(|csp| csp.contains("default-src 'none'"))
    );
    let page = document.text().await.expect("page");
    assert!(
        page.contains(&format!("Акт № {paid} от 1 декабря 2026 г.")),
        "{page}"
    );
    assert!(page.contains(
        "ООО «Северный ветер &amp; &lt;Ко&gt;», ИНН 7707083893, КПП 773601001, ОГРН 1027700132195"
    ));
    assert!(
        page.contains("по тарифу «Business» за период с 1 декабря 2026 г. по 31 декабря 2026 г.")
    );
    assert!(page.contains("Итого: 39\u{a0}900,00 руб."));

    // Unpaid, unknown, or another shop's: not found; for an operator: not theirs to read.
    assert_eq!(
        act(waiting, admin.clone()).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        act(paid + 1000, admin.clone()).await.status(),
        StatusCode::NOT_FOUND
    );
    let (_, stranger) = post(
        &app,
        "/api/v1/auth/signup",
        None,
        shop("chuzhoi", "owner@chuzhoi.example"),
    )
    .await;
    assert_eq!(
        act(paid, token(&stranger, "access_token")).await.status(),
        StatusCode::NOT_FOUND
    );
}
