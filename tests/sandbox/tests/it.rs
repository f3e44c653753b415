//! The sandboxes over HTTP, as a client sees them: every list endpoint pages through all
//! records exactly once, limits answer 429 with WB's headers / Ozon's body, bad credentials
//! answer 401, and faults and mutations show up on the wire.

use std::collections::HashSet;
use std::time::Duration;

use anyhow::{Context, Result, bail, ensure};
use chrono::{DateTime, SecondsFormat, Utc};
use otklik_sandbox::{
    ACC_SERVICE, OzonOptions, OzonSandbox, Seller, SellerSpec, UNKNOWN_STATUS, WbOptions,
    WbSandbox, wb_token,
};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};

fn seller() -> Seller {
    Seller::generate(SellerSpec::default())
}

async fn body(response: Response) -> Result<(StatusCode, Value)> {
    let status = response.status();
    let text = response.text().await?;
    let value = serde_json::from_str(&text).with_context(|| format!("not JSON: {text}"))?;
    Ok((status, value))
}

struct Wb {
    sandbox: WbSandbox,
    http: Client,
}

impl Wb {
    async fn start(options: WbOptions) -> Result<Self> {
        Ok(Self {
            sandbox: WbSandbox::start(seller(), options).await?,
            http: Client::new(),
        })
    }

    async fn get(&self, path: &str) -> Result<Response> {
        let url = format!("{}{path}", self.sandbox.base_url());
        let request = self
            .http
            .get(url)
            .header("Authorization", self.sandbox.token());
        Ok(request.send().await?)
    }

    async fn post(&self, path: &str, json: &Value) -> Result<Response> {
        let url = format!("{}{path}", self.sandbox.base_url());
        let request = self
            .http
            .post(url)
            .header("Authorization", self.sandbox.token());
        Ok(request.json(json).send().await?)
    }
}

struct Ozon {
    sandbox: OzonSandbox,
    http: Client,
}

impl Ozon {
    async fn start(options: OzonOptions) -> Result<Self> {
        Ok(Self {
            sandbox: OzonSandbox::start(seller(), options).await?,
            http: Client::new(),
        })
    }

    async fn post(&self, path: &str, json: &Value) -> Result<(StatusCode, Value)> {
        let response = self
            .http
            .post(format!("{}{path}", self.sandbox.base_url()))
            .header("Client-Id", self.sandbox.client_id())
            .header("Api-Key", self.sandbox.api_key())
            .json(json)
            .send()
            .await?;
        body(response).await
    }
}

fn rfc3339(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn expect_unique(ids: Vec<String>, expected: HashSet<String>) -> Result<()> {
    let unique: HashSet<String> = ids.iter().cloned().collect();
    ensure!(unique.len() == ids.len(), "duplicates in {} ids", ids.len());
    ensure!(
        unique == expected,
        "got {} ids, expected {}",
        unique.len(),
        expected.len()
    );
    Ok(())
}

#[tokio::test]
async fn wb_order_history_pages_every_fbs_order_once() -> Result<()> {
    let wb = Wb::start(WbOptions::unlimited()).await?;
    let expected: HashSet<String> = wb
        .sandbox
        .orders()
        .into_iter()
        .filter(|order| order.fulfilment == "fbs")
        .map(|order| order.external_id)
        .collect();
    let now = Utc::now().timestamp() + 60;
    let window = 30 * 86_400;
    let mut ids = Vec::new();
    for index in 0..4 {
        let to = now - index * window;
        let from = to - window + 1;
        let mut next = 0;
        loop {
            let path = format!("/api/v3/orders?limit=100&next={next}&dateFrom={from}&dateTo={to}");
            let (status, page) = body(wb.get(&path).await?).await?;
            ensure!(status == StatusCode::OK, "{status}: {page}");
            let orders = page["orders"].as_array().context("orders")?;
            if orders.is_empty() {
                ensure!(page["next"] == 0, "{page}");
                break;
            }
            // The history carries no statuses: those come from /api/v3/orders/status.
            ensure!(
                orders
                    .iter()
                    .all(|order| order.get("supplierStatus").is_none())
            );
            ids.extend(orders.iter().map(|order| order["id"].to_string()));
            next = page["next"].as_u64().context("next")?;
        }
    }
    expect_unique(ids, expected)?;

    let too_long = format!("/api/v3/orders?limit=10&next=0&dateFrom=0&dateTo={now}");
    let (status, error) = body(wb.get(&too_long).await?).await?;
    ensure!(status == StatusCode::BAD_REQUEST && error["code"] == "IncorrectParameter");
    Ok(())
}

#[tokio::test]
async fn wb_statuses_and_new_orders_follow_the_seller() -> Result<()> {
    let wb = Wb::start(WbOptions::unlimited()).await?;
    let added = wb.sandbox.add_orders(30);
    let fbs: Vec<u64> = added.iter().filter_map(|id| id.parse().ok()).collect();
    ensure!(!fbs.is_empty());
    let (_, new) = body(wb.get("/api/v3/orders/new").await?).await?;
    let new_ids: HashSet<u64> = new["orders"]
        .as_array()
        .context("orders")?
        .iter()
        .filter_map(|order| order["id"].as_u64())
        .collect();
    ensure!(fbs.iter().all(|id| new_ids.contains(id)));

    ensure!(
        wb.sandbox
            .set_status(&fbs[0].to_string(), "teleported", Some("nowhere"))
    );
    let (status, statuses) = body(
        wb.post("/api/v3/orders/status", &json!({"orders": fbs}))
            .await?,
    )
    .await?;
    ensure!(status == StatusCode::OK);
    let first = &statuses["orders"][0];
    ensure!(
        first["supplierStatus"] == "teleported" && first["wbStatus"] == "nowhere",
        "{first}"
    );
    ensure!(statuses["orders"][1]["supplierStatus"] == "new");

    wb.sandbox.faults().unknown_statuses(true);
    let (_, statuses) = body(
        wb.post("/api/v3/orders/status", &json!({"orders": fbs}))
            .await?,
    )
    .await?;
    ensure!(statuses["orders"][1]["wbStatus"] == UNKNOWN_STATUS);

    let too_many: Vec<u64> = (1..=1001).collect();
    let (status, error) = body(
        wb.post("/api/v3/orders/status", &json!({"orders": too_many}))
            .await?,
    )
    .await?;
    ensure!(status == StatusCode::BAD_REQUEST && error["code"] == "IncorrectRequest");
    Ok(())
}

#[tokio::test]
async fn wb_cards_cursor_walks_every_card_once() -> Result<()> {
    let wb = Wb::start(WbOptions::unlimited()).await?;
    let expected = wb
        .sandbox
        .products()
        .into_iter()
        .map(|product| product.external_id)
        .collect();
    let mut ids = Vec::new();
    let mut cursor = json!({"limit": 100});
    loop {
        let request = json!({"settings": {"cursor": cursor, "filter": {"withPhoto": -1}}});
        let (status, page) = body(
            wb.post("/content/v2/get/cards/list?locale=ru", &request)
                .await?,
        )
        .await?;
        ensure!(status == StatusCode::OK, "{page}");
        let cards = page["cards"].as_array().context("cards")?;
        ids.extend(cards.iter().map(|card| card["nmID"].to_string()));
        let total = page["cursor"]["total"].as_u64().context("total")?;
        ensure!(total == cards.len() as u64);
        if total < 100 {
            break;
        }
        cursor = json!({
            "limit": 100,
            "updatedAt": page["cursor"]["updatedAt"],
            "nmID": page["cursor"]["nmID"],
        });
    }
    expect_unique(ids, expected)?;

    let search =
        json!({"settings": {"cursor": {"limit": 10}, "filter": {"textSearch": "FUT-0007"}}});
    let (_, found) = body(wb.post("/content/v2/get/cards/list", &search).await?).await?;
    let cards = found["cards"].as_array().context("cards")?;
    ensure!(cards.iter().all(|card| card["vendorCode"] == "FUT-0007"));
    let (status, error) = body(
        wb.post(
            "/content/v2/get/cards/list",
            &json!({"settings": {"cursor": {"limit": 101}}}),
        )
        .await?,
    )
    .await?;
    ensure!(status == StatusCode::BAD_REQUEST && error["error"] == true);
    Ok(())
}

#[tokio::test]
async fn wb_statistics_pages_cover_every_order() -> Result<()> {
    let wb = Wb::start(WbOptions {
        page_cap: 150,
        ..WbOptions::unlimited()
    })
    .await?;
    let expected: HashSet<String> = wb
        .sandbox
        .orders()
        .into_iter()
        .map(|order| match order.fulfilment {
            "fbw" => Ok(order.external_id),
            _ => Err(order.external_id),
        })
        .filter_map(Result::ok)
        .collect();
    let mut fbw = HashSet::new();
    let mut fbs_rows = 0;
    let mut date_from = "2020-01-01".to_owned();
    let mut seen = HashSet::new();
    loop {
        let path = format!("/api/v1/supplier/orders?dateFrom={date_from}&flag=0");
        let (status, page) = body(wb.get(&path).await?).await?;
        ensure!(status == StatusCode::OK, "{page}");
        let rows = page.as_array().context("rows")?;
        for row in rows {
            let srid = row["srid"].as_str().context("srid")?.to_owned();
            let last_change = row["lastChangeDate"].as_str().context("lastChangeDate")?;
            ensure!(
                last_change >= date_from.as_str(),
                "{last_change} < {date_from}"
            );
            // Only rows on the boundary second may repeat.
            if !seen.insert(srid.clone()) {
                ensure!(last_change == date_from, "{srid} repeated");
                continue;
            }
            match row["warehouseType"].as_str() {
                Some("Склад WB") => {
                    fbw.insert(srid);
                }
                Some("Склад продавца") => fbs_rows += 1,
                other => bail!("warehouseType {other:?}"),
            }
        }
        if rows.len() < 150 {
            break;
        }
        date_from = rows[rows.len() - 1]["lastChangeDate"]
            .as_str()
            .context("lastChangeDate")?
            .to_owned();
    }
    ensure!(
        fbw == expected,
        "{} of {} FBW rows",
        fbw.len(),
        expected.len()
    );
    ensure!(fbs_rows + fbw.len() == wb.sandbox.orders().len());

    let (status, error) = body(wb.get("/api/v1/supplier/orders").await?).await?;
    ensure!(
        status == StatusCode::BAD_REQUEST
            && error == json!({"errors": ["dateFrom: field required"]})
    );
    Ok(())
}

#[tokio::test]
async fn wb_stocks_by_chrt_id() -> Result<()> {
    let wb = Wb::start(WbOptions::default()).await?;
    let (_, warehouses) = body(wb.get("/api/v3/warehouses").await?).await?;
    let id = warehouses[0]["id"].as_u64().context("warehouse id")?;
    let (_, cards) = body(
        wb.post(
            "/content/v2/get/cards/list",
            &json!({"settings": {"cursor": {"limit": 100}}}),
        )
        .await?,
    )
    .await?;
    let card = &cards["cards"][0];
    let chrt_ids: Vec<u64> = card["sizes"]
        .as_array()
        .context("sizes")?
        .iter()
        .filter_map(|size| size["chrtID"].as_u64())
        .collect();
    let (status, stocks) = body(
        wb.post(
            &format!("/api/v3/stocks/{id}"),
            &json!({"chrtIds": chrt_ids}),
        )
        .await?,
    )
    .await?;
    ensure!(status == StatusCode::OK);
    let total: u64 = stocks["stocks"]
        .as_array()
        .context("stocks")?
        .iter()
        .filter_map(|stock| stock["amount"].as_u64())
        .sum();
    let nm_id = card["nmID"].to_string();
    let product = wb
        .sandbox
        .products()
        .into_iter()
        .find(|product| product.external_id == nm_id)
        .context("product")?;
    ensure!(total == product.stock_total);
    let (status, error) = body(
        wb.post(&format!("/api/v3/stocks/{id}"), &json!({"skus": ["1"]}))
            .await?,
    )
    .await?;
    ensure!(status == StatusCode::BAD_REQUEST && error["code"] == "SKUUploadDisabled");
    Ok(())
}

#[tokio::test]
async fn wb_limits_answer_429_with_headers() -> Result<()> {
    let wb = Wb::start(WbOptions::default()).await?;
    let request = json!({"settings": {"cursor": {"limit": 1}}});
    for _ in 0..5 {
        let response = wb.post("/content/v2/get/cards/list", &request).await?;
        ensure!(response.status() == StatusCode::OK);
        ensure!(response.headers().contains_key("X-Ratelimit-Remaining"));
    }
    let response = wb.post("/content/v2/get/cards/list", &request).await?;
    ensure!(response.status() == StatusCode::TOO_MANY_REQUESTS);
    for header in [
        "X-Ratelimit-Retry",
        "X-Ratelimit-Reset",
        "X-Ratelimit-Limit",
    ] {
        ensure!(response.headers().contains_key(header), "{header} missing");
    }
    ensure!(response.headers()["X-Ratelimit-Limit"] == "5");
    let (_, problem) = body(response).await?;
    ensure!(problem["title"] == "too many requests" && problem["status"] == 429);
    ensure!(wb.sandbox.limited() == 1 && wb.sandbox.traffic().limited_in("content") == 1);
    // Other families have their own buckets.
    ensure!(wb.get("/api/v3/warehouses").await?.status() == StatusCode::OK);

    // A 4xx on marketplace methods costs 10 requests.
    let bad = wb.get("/api/v3/orders?limit=0&next=0").await?;
    ensure!(bad.status() == StatusCode::BAD_REQUEST);
    let remaining: u32 = bad.headers()["X-Ratelimit-Remaining"].to_str()?.parse()?;
    ensure!(remaining <= 9, "{remaining}");
    ensure!(wb.sandbox.traffic().family_requests("marketplace") == 2);
    Ok(())
}

#[tokio::test]
async fn wb_rejects_bad_tokens() -> Result<()> {
    let wb = Wb::start(WbOptions::default()).await?;
    let url = format!("{}/api/v3/orders/new", wb.sandbox.base_url());
    let response = wb.http.get(&url).send().await?;
    let (status, problem) = body(response).await?;
    ensure!(status == StatusCode::UNAUTHORIZED && problem["title"] == "unauthorized");
    for field in [
        "detail",
        "code",
        "requestId",
        "origin",
        "statusText",
        "timestamp",
    ] {
        ensure!(problem.get(field).is_some(), "{field} missing");
    }
    let unknown = wb_token(
        &[4],
        false,
        ACC_SERVICE,
        Utc::now() + chrono::Duration::days(1),
    );
    let response = wb
        .http
        .get(&url)
        .header("Authorization", &unknown)
        .send()
        .await?;
    ensure!(response.status() == StatusCode::UNAUTHORIZED);
    let response = wb
        .http
        .get(&url)
        .header("Authorization", "garbage")
        .send()
        .await?;
    ensure!(response.status() == StatusCode::UNAUTHORIZED);

    // Registered, but without the statistics category, then expired.
    wb.sandbox.register_token(&unknown);
    let ok = wb
        .http
        .get(&url)
        .header("Authorization", format!("Bearer {unknown}"));
    ensure!(ok.send().await?.status() == StatusCode::OK);
    let stats = format!(
        "{}/api/v1/supplier/orders?dateFrom=2026-01-01",
        wb.sandbox.base_url()
    );
    let response = wb
        .http
        .get(&stats)
        .header("Authorization", &unknown)
        .send()
        .await?;
    ensure!(response.status() == StatusCode::UNAUTHORIZED);
    let expired = wb_token(
        &[4],
        false,
        ACC_SERVICE,
        Utc::now() - chrono::Duration::days(1),
    );
    wb.sandbox.register_token(&expired);
    let response = wb
        .http
        .get(&url)
        .header("Authorization", &expired)
        .send()
        .await?;
    ensure!(response.status() == StatusCode::UNAUTHORIZED);
    Ok(())
}

#[tokio::test]
async fn wb_faults_are_injected() -> Result<()> {
    let wb = Wb::start(WbOptions::default()).await?;
    wb.sandbox.faults().fail_next("/api/v3/orders", 500, 1);
    wb.sandbox.faults().fail_next("/api/v3/warehouses", 429, 1);
    let (status, problem) = body(wb.get("/api/v3/orders/new").await?).await?;
    ensure!(status == StatusCode::INTERNAL_SERVER_ERROR && problem["status"] == 500);
    ensure!(wb.get("/api/v3/orders/new").await?.status() == StatusCode::OK);
    let limited = wb.get("/api/v3/warehouses").await?;
    ensure!(limited.status() == StatusCode::TOO_MANY_REQUESTS);
    ensure!(limited.headers().contains_key("X-Ratelimit-Retry"));
    ensure!(
        wb.sandbox.limited() == 0,
        "injected 429s are not the limiter's"
    );
    wb.sandbox
        .faults()
        .slow("/ping", Duration::from_millis(300));
    let started = std::time::Instant::now();
    ensure!(wb.get("/ping").await?.status() == StatusCode::OK);
    ensure!(started.elapsed() >= Duration::from_millis(300));
    ensure!(wb.sandbox.traffic().requests("/api/v3/orders/new") == 2);
    Ok(())
}

async fn walk_postings(
    ozon: &Ozon,
    path: &str,
    filter: Value,
    sort_dir: &str,
) -> Result<Vec<String>> {
    let mut numbers = Vec::new();
    let mut cursor = String::new();
    loop {
        let request = json!({
            "filter": filter,
            "limit": 100,
            "cursor": cursor,
            "sort_dir": sort_dir,
            "with": {"analytics_data": true, "financial_data": true},
        });
        let (status, page) = ozon.post(path, &request).await?;
        ensure!(status == StatusCode::OK, "{page}");
        let postings = page["postings"].as_array().context("postings")?;
        for posting in postings {
            ensure!(
                posting["products"][0]["price"]["currency"] == "RUB",
                "{posting}"
            );
            numbers.push(
                posting["posting_number"]
                    .as_str()
                    .context("number")?
                    .to_owned(),
            );
        }
        if page["has_next"] != true {
            return Ok(numbers);
        }
        cursor = page["cursor"].as_str().context("cursor")?.to_owned();
    }
}

#[tokio::test]
async fn ozon_posting_lists_page_every_posting_once() -> Result<()> {
    let ozon = Ozon::start(OzonOptions::unlimited()).await?;
    let now = Utc::now();
    let window = json!({
        "since": rfc3339(now - chrono::Duration::days(364)),
        "to": rfc3339(now + chrono::Duration::hours(1)),
    });
    for (path, fulfilment) in [
        ("/v4/posting/fbs/list", "fbs"),
        ("/v3/posting/fbo/list", "fbo"),
    ] {
        let expected: HashSet<String> = ozon
            .sandbox
            .orders()
            .into_iter()
            .filter(|order| order.fulfilment == fulfilment)
            .map(|order| order.external_id)
            .collect();
        for dir in ["ASC", "DESC"] {
            let numbers = walk_postings(&ozon, path, window.clone(), dir).await?;
            expect_unique(numbers, expected.clone())?;
        }
    }

    // Incremental sync: only postings whose status changed since the watermark.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let watermark = Utc::now();
    let moved: HashSet<String> = ozon.sandbox.advance(40).into_iter().collect();
    let mut filter = window.clone();
    filter["last_changed_status_date"] =
        json!({"from": rfc3339(watermark - chrono::Duration::milliseconds(999))});
    let changed = walk_postings(&ozon, "/v4/posting/fbs/list", filter, "ASC").await?;
    let fbs_moved: HashSet<String> = ozon
        .sandbox
        .orders()
        .into_iter()
        .filter(|order| order.fulfilment == "fbs" && moved.contains(&order.external_id))
        .map(|order| order.external_id)
        .collect();
    expect_unique(changed, fbs_moved)?;

    let mut too_long = window;
    too_long["since"] = json!(rfc3339(now - chrono::Duration::days(400)));
    let (status, error) = ozon
        .post(
            "/v4/posting/fbs/list",
            &json!({"filter": too_long, "limit": 10}),
        )
        .await?;
    ensure!(status == StatusCode::BAD_REQUEST && error["message"] == "PERIOD_IS_TOO_LONG");
    Ok(())
}

#[tokio::test]
async fn ozon_legacy_shapes_and_posting_by_number() -> Result<()> {
    let ozon = Ozon::start(OzonOptions {
        legacy_shapes: true,
        ..OzonOptions::default()
    })
    .await?;
    let now = Utc::now();
    let request = json!({
        "filter": {"since": rfc3339(now - chrono::Duration::days(30)), "to": rfc3339(now)},
        "limit": 1000,
    });
    let (status, page) = ozon.post("/v4/posting/fbs/list", &request).await?;
    ensure!(status == StatusCode::OK, "{page}");
    let posting = &page["result"]["postings"][0];
    ensure!(page["result"]["has_next"].is_boolean());
    ensure!(
        posting["products"][0]["price"].is_string()
            && posting["products"][0]["currency_code"] == "RUB"
    );

    let number = posting["posting_number"].as_str().context("number")?;
    let (status, found) = ozon
        .post("/v3/posting/fbs/get", &json!({"posting_number": number}))
        .await?;
    ensure!(status == StatusCode::OK && found["result"]["posting_number"] == number);
    let (status, error) = ozon
        .post("/v3/posting/fbs/get", &json!({"posting_number": "1-1-1"}))
        .await?;
    ensure!(status == StatusCode::NOT_FOUND && error["code"] == 5);
    Ok(())
}

#[tokio::test]
async fn ozon_catalogue_pages_every_product_once() -> Result<()> {
    let ozon = Ozon::start(OzonOptions::unlimited()).await?;
    let products = ozon.sandbox.products();
    let expected_offers: HashSet<String> = products
        .iter()
        .map(|product| product.vendor_code.clone())
        .collect();

    let mut offers = Vec::new();
    let mut last_id = String::new();
    loop {
        let request = json!({"filter": {"visibility": "ALL"}, "last_id": last_id, "limit": 30});
        let (status, page) = ozon.post("/v3/product/list", &request).await?;
        ensure!(status == StatusCode::OK, "{page}");
        let items = page["result"]["items"].as_array().context("items")?;
        ensure!(page["result"]["total"] == products.len());
        if items.is_empty() {
            ensure!(page["result"]["last_id"] == "");
            break;
        }
        offers.extend(
            items
                .iter()
                .map(|item| item["offer_id"].as_str().unwrap_or("").to_owned()),
        );
        last_id = page["result"]["last_id"]
            .as_str()
            .context("last_id")?
            .to_owned();
    }
    expect_unique(offers, expected_offers.clone())?;

    let mut offers = Vec::new();
    let mut stock_total = 0;
    let mut cursor = String::new();
    loop {
        let request = json!({"filter": {"visibility": "ALL"}, "cursor": cursor, "limit": 45});
        let (status, page) = ozon.post("/v4/product/info/stocks", &request).await?;
        ensure!(status == StatusCode::OK, "{page}");
        let items = page["items"].as_array().context("items")?;
        if items.is_empty() {
            ensure!(page["cursor"] == "");
            break;
        }
        for item in items {
            offers.push(item["offer_id"].as_str().context("offer_id")?.to_owned());
            for stock in item["stocks"].as_array().context("stocks")? {
                let present = stock["present"].as_u64().context("present")?;
                let reserved = stock["reserved"].as_u64().context("reserved")?;
                stock_total += present - reserved;
            }
        }
        cursor = page["cursor"].as_str().context("cursor")?.to_owned();
    }
    expect_unique(offers, expected_offers)?;
    let expected_stock: u64 = products.iter().map(|product| product.stock_total).sum();
    ensure!(stock_total == expected_stock);

    let skus: Vec<String> = products
        .iter()
        .take(5)
        .map(|p| p.external_id.clone())
        .collect();
    let (_, info) = ozon
        .post("/v3/product/info/list", &json!({"sku": skus}))
        .await?;
    ensure!(info["items"].as_array().map(Vec::len) == Some(5));
    let too_many: Vec<u64> = (1..=1001).collect();
    let (status, _) = ozon
        .post("/v3/product/info/list", &json!({"product_id": too_many}))
        .await?;
    ensure!(status == StatusCode::BAD_REQUEST);
    Ok(())
}

#[tokio::test]
async fn ozon_limits_keys_and_faults() -> Result<()> {
    let ozon = Ozon::start(OzonOptions {
        rps: 3,
        ..OzonOptions::default()
    })
    .await?;
    let url = format!("{}/v1/roles", ozon.sandbox.base_url());
    let response = ozon
        .http
        .post(&url)
        .header("Client-Id", ozon.sandbox.client_id())
        .header("Api-Key", "wrong")
        .send()
        .await?;
    let (status, error) = body(response).await?;
    ensure!(
        status == StatusCode::UNAUTHORIZED && error["code"] == 16,
        "{error}"
    );
    ensure!(ozon.http.post(&url).send().await?.status() == StatusCode::UNAUTHORIZED);

    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(ozon.post("/v1/roles", &json!({})).await?);
    }
    ensure!(
        statuses[..3]
            .iter()
            .all(|(status, _)| *status == StatusCode::OK)
    );
    let (status, error) = &statuses[3];
    ensure!(
        *status == StatusCode::TOO_MANY_REQUESTS && error["code"] == 8,
        "{error}"
    );
    ensure!(ozon.sandbox.limited() == 1);
    ensure!(statuses[0].1["roles"][0]["name"] == "Admin");

    tokio::time::sleep(Duration::from_secs(1)).await;
    ozon.sandbox.faults().fail_next("/v4/posting", 503, 1);
    let (status, error) = ozon.post("/v4/posting/fbs/list", &json!({})).await?;
    ensure!(status == StatusCode::SERVICE_UNAVAILABLE && error["message"] == "Circle is open");
    let (status, _) = ozon
        .post("/v4/posting/fbs/list", &json!({"limit": 5}))
        .await?;
    ensure!(status == StatusCode::BAD_REQUEST, "since/to are required");
    Ok(())
}

#[tokio::test]
async fn demo_records_are_served() -> Result<()> {
    let seller = Seller::demo();
    let wb = Wb {
        sandbox: WbSandbox::start(seller.clone(), WbOptions::default()).await?,
        http: Client::new(),
    };
    let ozon = Ozon {
        sandbox: OzonSandbox::start(seller, OzonOptions::default()).await?,
        http: Client::new(),
    };
    let ids = json!({"orders": [1_456_789_012_u64, 1_456_789_013_u64, 1_456_789_014_u64]});
    let (_, statuses) = body(wb.post("/api/v3/orders/status", &ids).await?).await?;
    let pairs: Vec<(String, String)> = statuses["orders"]
        .as_array()
        .context("orders")?
        .iter()
        .map(|order| {
            (
                order["supplierStatus"].to_string(),
                order["wbStatus"].to_string(),
            )
        })
        .collect();
    let expected = [
        ("complete", "ready_for_pickup"),
        ("confirm", "waiting"),
        ("complete", "sorted"),
    ]
    .map(|(a, b)| (format!("\"{a}\""), format!("\"{b}\"")));
    ensure!(pairs == expected, "{pairs:?}");
    let search = json!({"settings": {"cursor": {"limit": 10}, "filter": {"textSearch": "PUH-01"}}});
    let (_, cards) = body(wb.post("/content/v2/get/cards/list", &search).await?).await?;
    let card = &cards["cards"][0];
    ensure!(card["nmID"] == 139_204_857 && card["title"] == "Пуховик женский удлинённый");
    ensure!(card["brand"] == "Север" && card["sizes"].as_array().map(Vec::len) == Some(4));

    let (_, posting) = ozon
        .post(
            "/v3/posting/fbs/get",
            &json!({"posting_number": "12345678-0013-1"}),
        )
        .await?;
    ensure!(
        posting["result"]["status"] == "awaiting_packaging" && posting["result"]["substatus"] == ""
    );
    let (_, info) = ozon
        .post("/v3/product/info/list", &json!({"sku": [51_928_374]}))
        .await?;
    let item = &info["items"][0];
    ensure!(
        item["offer_id"] == "KED-22" && item["price"] == "2490.00",
        "{item}"
    );
    ensure!(item["name"] == "Кеды детские на липучках");
    Ok(())
}
