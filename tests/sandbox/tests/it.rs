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
use reqwest::multipart::{Form, Part};
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

    async fn patch(&self, path: &str, json: &Value) -> Result<Response> {
        let url = format!("{}{path}", self.sandbox.base_url());
        let request = self
            .http
            .patch(url)
            .header("Authorization", self.sandbox.token());
        Ok(request.json(json).send().await?)
    }

    /// A registered token with these categories.
    fn token(&self, categories: &[u32], read_only: bool) -> String {
        let token = wb_token(
            categories,
            read_only,
            ACC_SERVICE,
            Utc::now() + chrono::Duration::days(30),
        );
        self.sandbox.register_token(&token);
        token
    }

    /// A multipart send to a buyer chat.
    async fn send(&self, form: Form) -> Result<(StatusCode, Value)> {
        let url = format!("{}/api/v1/seller/message", self.sandbox.base_url());
        let request = self
            .http
            .post(url)
            .header("Authorization", self.sandbox.token());
        body(request.multipart(form).send().await?).await
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

    // The demo inbox has a conversation on each channel.
    let (_, questions) = body(
        wb.get("/api/v1/questions?isAnswered=false&take=100&skip=0&nmId=139204857")
            .await?,
    )
    .await?;
    let question = &questions["data"]["questions"][0];
    ensure!(
        question["text"]
            .as_str()
            .is_some_and(|text| text.contains("170 см") && text.contains("размер M")),
        "{question}"
    );
    ensure!(question["productDetails"]["productName"] == "Пуховик женский удлинённый");
    let (_, chats) = body(wb.get("/api/v1/seller/chats").await?).await?;
    let chat = chats["result"]
        .as_array()
        .context("chats")?
        .iter()
        .find(|chat| {
            chat["lastMessage"]["text"]
                .as_str()
                .is_some_and(|text| text.contains("1456789013"))
        })
        .context("no chat about 1456789013")?;
    ensure!(chat["goodCard"]["nmID"] == 139_204_857, "{chat}");
    let (_, list) = ozon.post("/v3/chat/list", &json!({"limit": 100})).await?;
    let mut found = false;
    for chat in list["chats"].as_array().context("chats")? {
        let id = &chat["chat"]["chat_id"];
        let (_, history) = ozon
            .post("/v3/chat/history", &json!({"chat_id": id}))
            .await?;
        found |= history["messages"][0]["context"]["order_number"] == "12345678-0012"
            && history["messages"][0]["data"][0]
                .as_str()
                .is_some_and(|text| text.contains("12345678-0012-1"));
    }
    ensure!(found, "no Ozon chat about 12345678-0012-1");
    Ok(())
}

/// The `nmID` of the first WB card.
fn first_card(wb: &Wb) -> Result<i64> {
    let product = wb
        .sandbox
        .products()
        .into_iter()
        .next()
        .context("no cards")?;
    Ok(product.external_id.parse()?)
}

fn envelope_ok(status: StatusCode, value: &Value) -> Result<()> {
    ensure!(status == StatusCode::OK, "{status}: {value}");
    ensure!(
        value["error"] == false && value["errorText"] == "" && value["additionalErrors"].is_null(),
        "{value}"
    );
    ensure!(value["requestId"].is_string(), "{value}");
    Ok(())
}

fn envelope_error(status: StatusCode, value: &Value, expected: StatusCode) -> Result<()> {
    ensure!(status == expected, "{status}: {value}");
    ensure!(value["error"] == true && value["data"].is_null(), "{value}");
    ensure!(
        value["errorText"]
            .as_str()
            .is_some_and(|text| !text.is_empty()),
        "{value}"
    );
    Ok(())
}

#[tokio::test]
async fn wb_questions_are_answered_once_and_edited_once() -> Result<()> {
    let wb = Wb::start(WbOptions::unlimited()).await?;
    let nm_id = first_card(&wb)?;
    let id = wb.sandbox.ask_question(
        nm_id,
        "Подскажите, пожалуйста, размер M подойдёт на рост 170 см?",
    );

    let path = format!("/api/v1/questions?isAnswered=false&take=10000&skip=0&nmId={nm_id}");
    let (status, page) = body(wb.get(&path).await?).await?;
    envelope_ok(status, &page)?;
    let questions = page["data"]["questions"].as_array().context("questions")?;
    let question = questions
        .iter()
        .find(|q| q["id"] == id.as_str())
        .context("asked question missing")?;
    ensure!(
        question["state"] == "suppliersPortalSynch" && question["answer"].is_null(),
        "{question}"
    );
    ensure!(question["productDetails"]["nmId"] == nm_id && question["isWarned"] == false);
    let created = question["createdDate"].as_str().context("createdDate")?;
    ensure!(created.ends_with('Z') && created.len() == 30, "{created}");
    DateTime::parse_from_rfc3339(created)?;
    ensure!(page["data"]["countUnanswered"].as_u64() >= Some(1));
    ensure!(page["data"]["countArchive"].is_u64());
    // Newest first by default, oldest first on request.
    let (_, ascending) = body(
        wb.get("/api/v1/questions?isAnswered=true&take=50&skip=0&order=dateAsc")
            .await?,
    )
    .await?;
    let dates: Vec<&str> = ascending["data"]["questions"]
        .as_array()
        .context("questions")?
        .iter()
        .filter_map(|q| q["createdDate"].as_str())
        .collect();
    ensure!(dates.len() > 1 && dates.windows(2).all(|pair| pair[0] <= pair[1]));

    for bad in [
        "/api/v1/questions?isAnswered=false&take=9000&skip=2000",
        "/api/v1/questions?isAnswered=false&skip=0",
        "/api/v1/questions?take=10&skip=0",
        "/api/v1/questions?isAnswered=false&take=10&skip=0&order=random",
    ] {
        let (status, error) = body(wb.get(bad).await?).await?;
        envelope_error(status, &error, StatusCode::BAD_REQUEST)?;
    }

    let (status, single) = body(wb.get(&format!("/api/v1/question?id={id}")).await?).await?;
    envelope_ok(status, &single)?;
    ensure!(single["data"]["id"] == id.as_str());
    let (status, error) = body(wb.get("/api/v1/question?id=nope").await?).await?;
    envelope_error(status, &error, StatusCode::UNPROCESSABLE_ENTITY)?;

    let (status, viewed) = body(
        wb.patch("/api/v1/questions", &json!({"id": id, "wasViewed": true}))
            .await?,
    )
    .await?;
    envelope_ok(status, &viewed)?;
    let answer = |text: &str| json!({"id": id, "answer": {"text": text}, "state": "wbRu"});
    let (status, error) = body(wb.patch("/api/v1/questions", &answer("а")).await?).await?;
    envelope_error(status, &error, StatusCode::BAD_REQUEST)?;
    for text in [
        "Здравствуйте! Да, M подойдёт.",
        "Здравствуйте! Да, размер M подойдёт.",
    ] {
        let (status, done) = body(wb.patch("/api/v1/questions", &answer(text)).await?).await?;
        envelope_ok(status, &done)?;
        ensure!(done["data"].is_null());
    }
    let (status, refused) =
        body(wb.patch("/api/v1/questions", &answer("Третий раз")).await?).await?;
    envelope_error(status, &refused, StatusCode::UNPROCESSABLE_ENTITY)?;
    let unknown = json!({"id": "unknown", "answer": {"text": "Ответ"}, "state": "wbRu"});
    let (status, missing) = body(wb.patch("/api/v1/questions", &unknown).await?).await?;
    envelope_error(status, &missing, StatusCode::NOT_FOUND)?;

    let stored = wb
        .sandbox
        .questions()
        .into_iter()
        .find(|q| q.id == id)
        .context("stored")?;
    ensure!(stored.state == "wbRu" && stored.answer_writes == 2 && stored.was_viewed);
    ensure!(stored.answer.as_deref() == Some("Здравствуйте! Да, размер M подойдёт."));
    let (_, single) = body(wb.get(&format!("/api/v1/question?id={id}")).await?).await?;
    ensure!(single["data"]["answer"]["editable"] == false, "{single}");

    // Rejecting hides the question.
    let other = wb
        .sandbox
        .ask_question(nm_id, "Есть ли скидки для постоянных покупателей?");
    let reject = json!({"id": other, "answer": {"text": "Вопрос не по товару"}, "state": "none"});
    let (status, done) = body(wb.patch("/api/v1/questions", &reject).await?).await?;
    envelope_ok(status, &done)?;
    ensure!(
        wb.sandbox
            .questions()
            .iter()
            .any(|q| q.id == other && q.state == "none")
    );

    let (status, new) = body(wb.get("/api/v1/new-feedbacks-questions").await?).await?;
    envelope_ok(status, &new)?;
    ensure!(
        new["data"]["hasNewQuestions"].is_boolean() && new["data"]["hasNewFeedbacks"].is_boolean()
    );
    let (status, count) = body(wb.get("/api/v1/questions/count-unanswered").await?).await?;
    envelope_ok(status, &count)?;
    ensure!(count["data"]["countUnansweredToday"].is_u64());

    // A read-only token reads but does not write; a token without category 7 does neither.
    let read_only = wb.token(&[7, 9], true);
    let url = format!("{}/api/v1/questions", wb.sandbox.base_url());
    let response = wb
        .http
        .patch(&url)
        .header("Authorization", &read_only)
        .json(&json!({"id": id, "wasViewed": true}))
        .send()
        .await?;
    let (status, problem) = body(response).await?;
    ensure!(status == StatusCode::UNAUTHORIZED && problem["title"] == "unauthorized");
    ensure!(
        problem["detail"]
            .as_str()
            .is_some_and(|detail| detail.contains("read-only")),
        "{problem}"
    );
    let list = format!("{url}?isAnswered=false&take=1&skip=0");
    let response = wb
        .http
        .get(&list)
        .header("Authorization", &read_only)
        .send()
        .await?;
    ensure!(response.status() == StatusCode::OK);
    let no_category = wb.token(&[1, 4, 9], false);
    let response = wb
        .http
        .get(&list)
        .header("Authorization", &no_category)
        .send()
        .await?;
    ensure!(response.status() == StatusCode::UNAUTHORIZED);
    Ok(())
}

#[tokio::test]
async fn wb_feedback_answers_are_204_even_for_unknown_ids() -> Result<()> {
    let wb = Wb::start(WbOptions::unlimited()).await?;
    let nm_id = first_card(&wb)?;
    let id = wb
        .sandbox
        .leave_feedback(nm_id, "Цвет отличается от фото, ожидала другого.", 2);

    let path = "/api/v1/feedbacks?isAnswered=false&take=5000&skip=0&order=dateDesc";
    let (status, page) = body(wb.get(path).await?).await?;
    envelope_ok(status, &page)?;
    let feedback = page["data"]["feedbacks"]
        .as_array()
        .context("feedbacks")?
        .iter()
        .find(|f| f["id"] == id.as_str())
        .context("left feedback missing")?
        .clone();
    ensure!(feedback["productValuation"] == 2 && feedback["answer"].is_null());
    ensure!(feedback["state"] == "none" && feedback["productDetails"]["nmId"] == nm_id);
    let created = feedback["createdDate"].as_str().context("createdDate")?;
    ensure!(created.ends_with("+03:00"), "{created}");
    for field in [
        "pros",
        "cons",
        "userName",
        "wasViewed",
        "photoLinks",
        "video",
        "bables",
        "matchingSize",
    ] {
        ensure!(feedback.get(field).is_some(), "{field} missing: {feedback}");
    }
    for bad in [
        "/api/v1/feedbacks?isAnswered=false&take=5001&skip=0",
        "/api/v1/feedbacks?isAnswered=false&take=10&skip=199991",
        "/api/v1/feedbacks?isAnswered=maybe&take=10&skip=0",
    ] {
        let (status, error) = body(wb.get(bad).await?).await?;
        envelope_error(status, &error, StatusCode::BAD_REQUEST)?;
    }

    let before = wb.sandbox.feedbacks();
    let unknown = wb
        .post(
            "/api/v1/feedbacks/answer",
            &json!({"id": "J2FMRjUj6hwvwCElqssz", "text": "Спасибо!"}),
        )
        .await?;
    ensure!(unknown.status() == StatusCode::NO_CONTENT);
    ensure!(
        wb.sandbox.feedbacks() == before,
        "an unknown id changed nothing"
    );

    let answer =
        json!({"id": id, "text": "Спасибо за отзыв! Напишите нам в чат, поможем с обменом."});
    let response = wb.post("/api/v1/feedbacks/answer", &answer).await?;
    ensure!(response.status() == StatusCode::NO_CONTENT);
    let stored = wb
        .sandbox
        .feedbacks()
        .into_iter()
        .find(|f| f.id == id)
        .context("stored")?;
    ensure!(stored.state == "wbRu" && stored.answer_writes == 1 && stored.answer.is_some());

    let (status, error) = body(wb.post("/api/v1/feedbacks/answer", &answer).await?).await?;
    ensure!(
        status == StatusCode::BAD_REQUEST && error["origin"] == "fbapi",
        "{error}"
    );
    let edit = json!({"id": id, "text": "Спасибо за отзыв! Уже связались с вами в чате."});
    ensure!(wb.patch("/api/v1/feedbacks/answer", &edit).await?.status() == StatusCode::NO_CONTENT);
    let (status, error) = body(wb.patch("/api/v1/feedbacks/answer", &edit).await?).await?;
    ensure!(
        status == StatusCode::BAD_REQUEST && error["title"] == "bad request",
        "{error}"
    );
    let stored = wb
        .sandbox
        .feedbacks()
        .into_iter()
        .find(|f| f.id == id)
        .context("stored")?;
    ensure!(stored.answer_writes == 2);
    ensure!(stored.answer.as_deref() == Some("Спасибо за отзыв! Уже связались с вами в чате."));

    let url = format!("{}/api/v1/feedbacks/answer", wb.sandbox.base_url());
    let response = wb
        .http
        .post(&url)
        .header("Authorization", wb.sandbox.token())
        .body(answer.to_string())
        .send()
        .await?;
    let (status, error) = body(response).await?;
    ensure!(
        status == StatusCode::BAD_REQUEST && error["detail"] == "content-type header not specified",
        "{error}"
    );
    let (status, error) = body(
        wb.post("/api/v1/feedbacks/answer", &json!({"id": id, "text": "а"}))
            .await?,
    )
    .await?;
    ensure!(status == StatusCode::BAD_REQUEST && error["origin"] == "fbapi");

    let (status, single) = body(wb.get(&format!("/api/v1/feedback?id={id}")).await?).await?;
    envelope_ok(status, &single)?;
    ensure!(single["data"]["answer"]["editable"] == false && single["data"]["state"] == "wbRu");
    let (status, error) = body(wb.get("/api/v1/feedback?id=nope").await?).await?;
    envelope_error(status, &error, StatusCode::UNPROCESSABLE_ENTITY)?;
    let (status, count) = body(wb.get("/api/v1/feedbacks/count-unanswered").await?).await?;
    envelope_ok(status, &count)?;
    Ok(())
}

/// Every WB chat event after `next`, page by page.
async fn walk_events(wb: &Wb, mut next: Option<i64>) -> Result<(Vec<Value>, usize, i64)> {
    let mut events = Vec::new();
    let mut pages = 0;
    loop {
        let path = next.map_or_else(
            || "/api/v1/seller/events".to_owned(),
            |next| format!("/api/v1/seller/events?next={next}"),
        );
        let (status, page) = body(wb.get(&path).await?).await?;
        ensure!(
            status == StatusCode::OK && page["errors"] == json!([]),
            "{page}"
        );
        let result = &page["result"];
        let served = result["events"].as_array().context("events")?;
        ensure!(result["totalEvents"] == served.len() && served.len() <= 100);
        let answered_next = result["next"].as_i64().context("next")?;
        if served.is_empty() {
            ensure!(answered_next == next.unwrap_or(0), "{result}");
            return Ok((events, pages, answered_next));
        }
        pages += 1;
        ensure!(served.last().map(|e| &e["addTimestamp"]) == Some(&result["next"]));
        ensure!(result["oldestEventTime"] == served[0]["addTime"]);
        events.extend(served.iter().cloned());
        next = Some(answered_next);
    }
}

#[tokio::test]
async fn wb_chat_events_page_by_next_and_sign_new_chats_only() -> Result<()> {
    let wb = Wb::start(WbOptions::unlimited()).await?;
    let nm_id = first_card(&wb)?;
    for index in 0..30 {
        wb.sandbox.buyer_writes(
            None,
            "Ольга",
            None,
            &format!("Здравствуйте! Вопрос номер {index}."),
        );
    }
    let (events, pages, last) = walk_events(&wb, None).await?;
    ensure!(pages >= 2, "{pages} pages of {} events", events.len());
    let times: Vec<i64> = events
        .iter()
        .filter_map(|e| e["addTimestamp"].as_i64())
        .collect();
    ensure!(times.len() == events.len() && times.windows(2).all(|pair| pair[0] < pair[1]));
    let ids: HashSet<&str> = events
        .iter()
        .filter_map(|e| e["eventID"].as_str())
        .collect();
    ensure!(ids.len() == events.len(), "every event once");
    for event in &events {
        ensure!(event["eventType"] == "message" && event["isNewChat"].is_boolean());
        ensure!(
            event.get("replySign").is_some() == (event["isNewChat"] == true),
            "{event}"
        );
        let sender = event["sender"].as_str().unwrap_or_default();
        ensure!(matches!(sender, "client" | "seller" | "wb"), "{event}");
        ensure!(
            event.get("clientName").is_some() == (sender == "client"),
            "{event}"
        );
        ensure!(
            event["addTime"]
                .as_str()
                .is_some_and(|time| time.ends_with('Z'))
        );
    }

    // New messages come after the saved `next`.
    let opened = wb.sandbox.buyer_writes(
        None,
        "Ирина",
        Some(nm_id),
        "Здравствуйте! Когда отправите заказ?",
    );
    let again = wb.sandbox.buyer_writes(
        Some(&opened.chat_id),
        "Ирина",
        None,
        "Подскажите, пожалуйста, хотя бы примерно.",
    );
    ensure!(again.chat_id == opened.chat_id && again.reply_sign == opened.reply_sign);
    let (fresh, _, _) = walk_events(&wb, Some(last)).await?;
    ensure!(fresh.len() == 2, "{fresh:?}");
    ensure!(fresh[0]["eventID"] == opened.event_id.as_str() && fresh[0]["isNewChat"] == true);
    ensure!(fresh[0]["replySign"] == opened.reply_sign.as_str());
    ensure!(fresh[0]["message"]["attachments"]["goodCard"]["nmID"] == nm_id);
    ensure!(fresh[1]["isNewChat"] == false && fresh[1].get("replySign").is_none());
    ensure!(fresh[1]["clientName"] == "Ирина" && fresh[1]["source"] == "rusite");

    let (status, chats) = body(wb.get("/api/v1/seller/chats").await?).await?;
    ensure!(status == StatusCode::OK && chats["errors"].is_null());
    let chat = &chats["result"][0];
    ensure!(
        chat["chatID"] == opened.chat_id.as_str(),
        "latest chat first: {chat}"
    );
    ensure!(chat["replySign"] == opened.reply_sign.as_str() && chat["clientName"] == "Ирина");
    ensure!(chat["lastMessage"]["text"] == "Подскажите, пожалуйста, хотя бы примерно.");
    ensure!(chat["goodCard"]["priceCurrency"] == "RUB" && chat["goodCard"]["rid"].is_string());

    for (query, detail) in [
        ("next=0", "Invalid value for \"next\""),
        ("next=abc", "Invalid number"),
    ] {
        let (status, error) =
            body(wb.get(&format!("/api/v1/seller/events?{query}")).await?).await?;
        ensure!(status == StatusCode::BAD_REQUEST, "{error}");
        ensure!(
            error["origin"] == "proxy-chats"
                && error["detail"] == detail
                && error["error"] == detail
        );
    }
    let no_chat = wb.token(&[1, 4, 5, 7], false);
    let url = format!("{}/api/v1/seller/chats", wb.sandbox.base_url());
    let response = wb
        .http
        .get(&url)
        .header("Authorization", &no_chat)
        .send()
        .await?;
    ensure!(response.status() == StatusCode::UNAUTHORIZED);
    Ok(())
}

#[tokio::test]
async fn wb_chat_send_checks_the_sign_and_takes_multipart() -> Result<()> {
    let wb = Wb::start(WbOptions::unlimited()).await?;
    let opened = wb.sandbox.buyer_writes(
        None,
        "Светлана",
        None,
        "Здравствуйте! Пришёл не тот размер.",
    );

    let (status, error) = wb
        .send(
            Form::new()
                .text("replySign", "1:wrong:sign")
                .text("message", "Здравствуйте!"),
        )
        .await?;
    ensure!(status == StatusCode::BAD_REQUEST, "{error}");
    ensure!(
        error
            == json!({
                "status": 400,
                "title": "Bad Request",
                "origin": "proxy-chats",
                "detail": "Invalid signature",
                "requestId": error["requestId"],
                "error": "Invalid signature",
            }),
        "{error}"
    );
    ensure!(error["requestId"].as_str().is_some_and(|id| id.len() == 32));
    for text in ["я".repeat(1001), "   ".to_owned()] {
        let form = Form::new()
            .text("replySign", opened.reply_sign.clone())
            .text("message", text);
        let (status, error) = wb.send(form).await?;
        ensure!(
            status == StatusCode::BAD_REQUEST && error["detail"] == "Invalid value for \"message\""
        );
    }
    let video = Part::bytes(vec![0; 16])
        .file_name("video.mp4")
        .mime_str("video/mp4")?;
    let form = Form::new()
        .text("replySign", opened.reply_sign.clone())
        .text("message", "Видео")
        .part("file", video);
    let (status, error) = wb.send(form).await?;
    ensure!(status == StatusCode::BAD_REQUEST, "{error}");
    ensure!(
        error["detail"]
            .as_str()
            .is_some_and(|d| d.ends_with("\"video.mp4\" has unsupported mime type"))
    );
    let url = format!("{}/api/v1/seller/message", wb.sandbox.base_url());
    let response = wb
        .http
        .post(&url)
        .header("Authorization", wb.sandbox.token())
        .json(&json!({"replySign": opened.reply_sign, "message": "JSON"}))
        .send()
        .await?;
    ensure!(response.status() == StatusCode::BAD_REQUEST);

    let (_, _, next) = walk_events(&wb, None).await?;
    let text = "Здравствуйте, Светлана! Оформите возврат, а нужный размер закажите отдельно.";
    let photo = Part::bytes(b"\x89PNG\r\n\x1a\n".to_vec())
        .file_name("label.png")
        .mime_str("image/png")?;
    let form = Form::new()
        .text("replySign", opened.reply_sign.clone())
        .text("message", text)
        .part("file", photo);
    let (status, sent) = wb.send(form).await?;
    ensure!(
        status == StatusCode::OK && sent["errors"] == json!([]),
        "{sent}"
    );
    ensure!(sent["result"]["chatID"] == opened.chat_id.as_str());
    let add_time = sent["result"]["addTime"].as_i64().context("addTime")?;

    let (fresh, _, _) = walk_events(&wb, Some(next)).await?;
    ensure!(fresh.len() == 1, "{fresh:?}");
    let event = &fresh[0];
    ensure!(event["sender"] == "seller" && event["source"] == "seller-public-api");
    ensure!(event["addTimestamp"] == add_time && event["message"]["text"] == text);
    ensure!(
        event["message"]["attachments"]["images"][0]["downloadID"].is_string(),
        "{event}"
    );
    let messages = wb.sandbox.chat_messages(&opened.chat_id);
    ensure!(messages.len() == 2 && messages[1].sender == "seller" && messages[1].text == text);
    ensure!(messages[0].sender == "client");

    let read_only = wb.token(&[7, 9], true);
    let form = Form::new()
        .text("replySign", opened.reply_sign.clone())
        .text("message", "Ещё");
    let response = wb
        .http
        .post(&url)
        .header("Authorization", &read_only)
        .multipart(form)
        .send()
        .await?;
    ensure!(response.status() == StatusCode::UNAUTHORIZED);
    ensure!(wb.sandbox.chat_messages(&opened.chat_id).len() == 2);
    Ok(())
}

#[tokio::test]
async fn wb_shopper_families_are_counted_and_limited() -> Result<()> {
    let wb = Wb::start(WbOptions::default()).await?;
    for _ in 0..6 {
        let response = wb.get("/api/v1/new-feedbacks-questions").await?;
        ensure!(response.status() == StatusCode::OK);
    }
    let limited = wb.get("/api/v1/questions/count-unanswered").await?;
    ensure!(limited.status() == StatusCode::TOO_MANY_REQUESTS);
    ensure!(limited.headers()["X-Ratelimit-Limit"] == "6");
    let (_, problem) = body(limited).await?;
    ensure!(problem["title"] == "too many requests");
    for _ in 0..10 {
        ensure!(wb.get("/api/v1/seller/chats").await?.status() == StatusCode::OK);
    }
    let limited = wb.get("/api/v1/seller/events").await?;
    ensure!(limited.status() == StatusCode::TOO_MANY_REQUESTS);
    ensure!(limited.headers()["X-Ratelimit-Limit"] == "10");
    ensure!(limited.headers().contains_key("X-Ratelimit-Retry"));
    let traffic = wb.sandbox.traffic();
    ensure!(traffic.family_requests("feedbacks") == 7 && traffic.family_requests("chat") == 11);
    ensure!(traffic.limited_in("feedbacks") == 1 && traffic.limited_in("chat") == 1);
    ensure!(traffic.requests("/api/v1/seller/chats") == 10);
    Ok(())
}

/// Every Ozon chat, page by page.
async fn walk_chats(ozon: &Ozon, filter: Value, limit: u32) -> Result<Vec<Value>> {
    let mut chats = Vec::new();
    let mut cursor = String::new();
    loop {
        let request = json!({"filter": filter, "limit": limit, "cursor": cursor});
        let (status, page) = ozon.post("/v3/chat/list", &request).await?;
        ensure!(status == StatusCode::OK, "{page}");
        let served = page["chats"].as_array().context("chats")?;
        ensure!(served.len() <= limit as usize && page["total_unread_count"].is_u64());
        chats.extend(served.iter().cloned());
        if page["has_next"] != true {
            return Ok(chats);
        }
        cursor = page["cursor"].as_str().context("cursor")?.to_owned();
    }
}

#[tokio::test]
async fn ozon_chats_list_read_and_answer() -> Result<()> {
    let ozon = Ozon::start(OzonOptions::unlimited()).await?;
    let all = walk_chats(&ozon, json!({"chat_status": "All"}), 7).await?;
    let ids: HashSet<&str> = all
        .iter()
        .filter_map(|c| c["chat"]["chat_id"].as_str())
        .collect();
    ensure!(
        ids.len() == all.len() && all.len() > 10,
        "{} chats",
        all.len()
    );
    let types: HashSet<&str> = all
        .iter()
        .filter_map(|c| c["chat"]["chat_type"].as_str())
        .collect();
    ensure!(
        types == HashSet::from(["BUYER_SELLER", "SELLER_SUPPORT"]),
        "{types:?}"
    );
    for chat in &all {
        ensure!(matches!(
            chat["chat"]["chat_status"].as_str(),
            Some("OPENED" | "CLOSED")
        ));
        ensure!(
            chat["last_message_id"]
                .as_str()
                .is_some_and(|id| id.len() == 19),
            "{chat}"
        );
        ensure!(chat["first_unread_message_id"].is_string() && chat["unread_count"].is_u64());
    }
    let opened = walk_chats(&ozon, json!({"chat_status": "Opened"}), 100).await?;
    ensure!(opened.iter().all(|c| c["chat"]["chat_status"] == "OPENED"));
    let closed = walk_chats(&ozon, json!({"chat_status": "Closed"}), 100).await?;
    ensure!(closed.iter().all(|c| c["chat"]["chat_status"] == "CLOSED"));
    ensure!(opened.len() + closed.len() == all.len());
    for limit in [0, 101] {
        let (status, error) = ozon.post("/v3/chat/list", &json!({"limit": limit})).await?;
        ensure!(
            status == StatusCode::BAD_REQUEST && error["code"] == 3,
            "{error}"
        );
    }

    let number = ozon
        .sandbox
        .orders()
        .into_iter()
        .next()
        .context("no postings")?
        .external_id;
    let written = ozon.sandbox.buyer_writes(
        None,
        Some(&number),
        "Здравствуйте! Когда приедет мой заказ?",
    );
    let unread = walk_chats(&ozon, json!({"unread_only": true}), 100).await?;
    ensure!(unread.iter().all(|c| c["unread_count"].as_u64() > Some(0)));
    let chat = unread
        .iter()
        .find(|c| c["chat"]["chat_id"] == written.chat_id.as_str())
        .context("new chat not unread")?;
    ensure!(chat["first_unread_message_id"] == written.message_id.as_str());
    ensure!(chat["chat"]["chat_type"] == "BUYER_SELLER");

    let (status, history) = ozon
        .post("/v3/chat/history", &json!({"chat_id": written.chat_id}))
        .await?;
    ensure!(
        status == StatusCode::OK && history["has_next"] == false,
        "{history}"
    );
    let message = &history["messages"][0];
    ensure!(message["message_id"] == written.message_id.as_str() && message["is_read"] == false);
    ensure!(
        message["user"]["type"] == "Customer"
            && message["data"][0] == "Здравствуйте! Когда приедет мой заказ?"
    );
    let order_number = number
        .rsplit_once('-')
        .map(|(order, _)| order)
        .context("number")?;
    ensure!(message["context"]["order_number"] == order_number && message["context"]["sku"] != "");

    let answer = "Здравствуйте! Заказ уже в пути, ожидайте уведомления.";
    let (status, sent) = ozon
        .post(
            "/v1/chat/send/message",
            &json!({"chat_id": written.chat_id, "text": answer}),
        )
        .await?;
    ensure!(
        status == StatusCode::OK && sent == json!({"result": "success"}),
        "{sent}"
    );
    let (_, history) = ozon
        .post(
            "/v3/chat/history",
            &json!({"chat_id": written.chat_id, "limit": 10}),
        )
        .await?;
    ensure!(
        history["messages"][0]["user"]["type"] == "Seller"
            && history["messages"][0]["data"][0] == answer
    );
    ensure!(
        history["messages"][1]["is_read"] == true,
        "answering reads the chat"
    );
    let first: u64 = written.message_id.parse()?;
    let (_, forward) = ozon
        .post(
            "/v3/chat/history",
            &json!({"chat_id": written.chat_id, "direction": "Forward", "from_message_id": first, "limit": 1}),
        )
        .await?;
    ensure!(
        forward["messages"][0]["message_id"] == written.message_id.as_str()
            && forward["has_next"] == true
    );
    let messages = ozon.sandbox.chat_messages(&written.chat_id);
    ensure!(messages.len() == 2 && messages[1].sender == "Seller" && messages[1].text == answer);

    let followup = ozon
        .sandbox
        .buyer_writes(Some(&written.chat_id), None, "Спасибо!");
    let (status, read) = ozon
        .post(
            "/v2/chat/read",
            &json!({"chat_id": written.chat_id, "from_message_id": followup.message_id}),
        )
        .await?;
    ensure!(
        status == StatusCode::OK && read == json!({"unread_count": 0}),
        "{read}"
    );

    for (path, request) in [
        ("/v3/chat/history", json!({"chat_id": "nope"})),
        (
            "/v1/chat/send/message",
            json!({"chat_id": "nope", "text": "Здравствуйте"}),
        ),
    ] {
        let (status, error) = ozon.post(path, &request).await?;
        ensure!(
            status == StatusCode::NOT_FOUND && error["code"] == 5,
            "{error}"
        );
    }
    for request in [
        json!({"chat_id": written.chat_id, "limit": 1001}),
        json!({"chat_id": written.chat_id, "direction": "Forward"}),
    ] {
        let (status, _) = ozon.post("/v3/chat/history", &request).await?;
        ensure!(status == StatusCode::BAD_REQUEST);
    }
    let (status, _) = ozon
        .post(
            "/v1/chat/send/message",
            &json!({"chat_id": written.chat_id, "text": "я".repeat(1001)}),
        )
        .await?;
    ensure!(status == StatusCode::BAD_REQUEST);
    ensure!(ozon.sandbox.traffic().family_requests("chat") > 10);
    Ok(())
}

#[tokio::test]
async fn ozon_legacy_chat_enums_premium_roles_and_limit() -> Result<()> {
    let ozon = Ozon::start(OzonOptions {
        legacy_chat_enums: true,
        premium: false,
        rps: 3,
        ..OzonOptions::default()
    })
    .await?;
    let (status, page) = ozon.post("/v3/chat/list", &json!({"limit": 100})).await?;
    ensure!(status == StatusCode::OK, "{page}");
    let chats = page["chats"].as_array().context("chats")?;
    ensure!(chats.iter().all(|c| matches!(
        c["chat"]["chat_type"].as_str(),
        Some("Buyer_Seller" | "Seller_Support")
    )));
    ensure!(
        chats
            .iter()
            .all(|c| matches!(c["chat"]["chat_status"].as_str(), Some("Opened" | "Closed")))
    );
    let buyer = chats
        .iter()
        .find(|c| c["chat"]["chat_type"] == "Buyer_Seller")
        .context("no buyer chat")?;
    let chat_id = buyer["chat"]["chat_id"].as_str().context("chat_id")?;
    let (status, history) = ozon
        .post("/v3/chat/history", &json!({"chat_id": chat_id}))
        .await?;
    ensure!(status == StatusCode::OK);
    let types: HashSet<&str> = history["messages"]
        .as_array()
        .context("messages")?
        .iter()
        .filter_map(|m| m["user"]["type"].as_str())
        .collect();
    ensure!(
        types.contains("customer") && types.iter().all(|t| *t == t.to_lowercase()),
        "{types:?}"
    );

    let (status, error) = ozon
        .post(
            "/v1/chat/send/message",
            &json!({"chat_id": chat_id, "text": "Здравствуйте!"}),
        )
        .await?;
    ensure!(
        status == StatusCode::FORBIDDEN
            && error
                == json!({"code": 7, "message": "not available with existing subscription", "details": []}),
        "{error}"
    );
    ensure!(
        ozon.sandbox
            .chat_messages(chat_id)
            .iter()
            .all(|m| m.text != "Здравствуйте!")
    );

    // The chat methods share the Client-Id's bucket.
    let (status, error) = ozon
        .post("/v2/chat/read", &json!({"chat_id": chat_id}))
        .await?;
    ensure!(
        status == StatusCode::TOO_MANY_REQUESTS && error["code"] == 8,
        "{error}"
    );
    ensure!(ozon.sandbox.traffic().limited_in("chat") == 1);
    ensure!(ozon.sandbox.traffic().family_requests("chat") == 4);

    let postings_only = Ozon::start(OzonOptions {
        roles: vec![otklik_sandbox::OzonRole {
            name: "Posting".to_owned(),
            methods: vec!["/v4/posting/fbs/list".to_owned()],
        }],
        ..OzonOptions::default()
    })
    .await?;
    let (status, error) = postings_only.post("/v3/chat/list", &json!({})).await?;
    ensure!(
        status == StatusCode::FORBIDDEN && error["code"] == 7,
        "{error}"
    );
    ensure!(
        otklik_sandbox::OzonRole::admin()
            .methods
            .iter()
            .any(|m| m == "/v1/chat/send/message")
    );
    Ok(())
}

#[tokio::test]
async fn wb_claims_page_open_and_decided_claims_of_two_weeks() -> Result<()> {
    let wb = Wb::start(WbOptions::unlimited()).await?;
    let order = wb
        .sandbox
        .orders()
        .into_iter()
        .find(|o| o.fulfilment == "fbs")
        .context("an FBS order")?;
    let opened = wb
        .sandbox
        .open_return(&order.external_id)
        .context("claim opened")?;
    let served = wb.sandbox.returns();
    ensure!(served.len() >= 2, "claims served: {}", served.len());

    let mut seen = Vec::new();
    for archive in [false, true] {
        let mut offset = 0;
        loop {
            let path = format!("/api/v1/claims?is_archive={archive}&limit=2&offset={offset}");
            let (status, page) = body(wb.get(&path).await?).await?;
            ensure!(status == StatusCode::OK, "{status}: {page}");
            let claims = page["claims"].as_array().context("claims")?;
            for claim in claims {
                let decided = claim["status"].as_u64() != Some(0);
                ensure!(decided == archive, "archive {archive} served {claim}");
                seen.push(claim["id"].as_str().context("id")?.to_owned());
            }
            if claims.len() < 2 {
                break;
            }
            offset += 2;
        }
    }
    expect_unique(seen, served.iter().map(|r| r.external_id.clone()).collect())?;
    let (_, open) = body(wb.get("/api/v1/claims?is_archive=false&limit=200").await?).await?;
    let mine = open["claims"]
        .as_array()
        .and_then(|claims| claims.iter().find(|c| c["id"] == json!(opened)))
        .context("the new claim is open")?;
    ensure!(
        mine["srid"].as_str().is_some_and(|s| s.len() == 32),
        "{mine}"
    );
    ensure!(
        mine["actions"].as_array().is_some_and(|a| !a.is_empty()),
        "{mine}"
    );

    let (status, error) = body(wb.get("/api/v1/claims?limit=10").await?).await?;
    ensure!(status == StatusCode::BAD_REQUEST, "{status}");
    ensure!(
        error["detail"]
            .as_str()
            .is_some_and(|d| d.contains("is_archive")),
        "{error}"
    );
    let (status, _) = body(wb.get("/api/v1/claims?is_archive=false&limit=201").await?).await?;
    ensure!(status == StatusCode::BAD_REQUEST, "{status}");
    let no_returns = wb.token(&[1, 4, 5], false);
    let response = wb
        .http
        .get(format!(
            "{}/api/v1/claims?is_archive=false",
            wb.sandbox.base_url()
        ))
        .header("Authorization", no_returns)
        .send()
        .await?;
    ensure!(
        response.status() == StatusCode::UNAUTHORIZED,
        "{}",
        response.status()
    );
    Ok(())
}

#[tokio::test]
async fn ozon_returns_page_by_last_id_within_one_time_filter() -> Result<()> {
    let ozon = Ozon::start(OzonOptions::unlimited()).await?;
    let served = ozon.sandbox.returns();
    ensure!(served.len() > 5, "returns served: {}", served.len());
    let window = json!({"time_from": rfc3339(Utc::now() - chrono::Duration::days(365)), "time_to": rfc3339(Utc::now())});
    let mut seen = Vec::new();
    let mut last_id = json!(0);
    loop {
        let request = json!({"filter": {"visual_status_change_moment": window}, "limit": 3, "last_id": last_id});
        let (status, page) = ozon.post("/v1/returns/list", &request).await?;
        ensure!(status == StatusCode::OK, "{status}: {page}");
        let returns = page["returns"].as_array().context("returns")?;
        for item in returns {
            ensure!(item["visual"]["status"]["sys_name"].is_string(), "{item}");
            seen.push(item["id"].as_str().context("id as a string")?.to_owned());
        }
        if page["has_next"] != json!(true) {
            break;
        }
        let last = seen.last().context("a page before has_next")?;
        last_id = json!(last.parse::<i64>()?);
    }
    expect_unique(seen, served.iter().map(|r| r.external_id.clone()).collect())?;

    let future = json!({"time_from": rfc3339(Utc::now() + chrono::Duration::days(1)), "time_to": rfc3339(Utc::now() + chrono::Duration::days(2))});
    let (_, empty) = ozon
        .post(
            "/v1/returns/list",
            &json!({"filter": {"visual_status_change_moment": future}, "limit": 500}),
        )
        .await?;
    ensure!(
        empty["returns"] == json!([]) && empty["has_next"] == json!(false),
        "{empty}"
    );
    for bad in [
        json!({"limit": 501}),
        json!({"filter": {}}),
        json!({"filter": {"visual_status_change_moment": window, "logistic_return_date": window}, "limit": 10}),
    ] {
        let (status, error) = ozon.post("/v1/returns/list", &bad).await?;
        ensure!(
            status == StatusCode::BAD_REQUEST && error["code"] == json!(3),
            "{bad} → {status} {error}"
        );
    }
    Ok(())
}

/// Every page of an Ozon list walked by `last_id`.
async fn walk_by_last_id(
    ozon: &Ozon,
    path: &str,
    key: &str,
    mut request: Value,
) -> Result<Vec<Value>> {
    let mut items = Vec::new();
    for _ in 0..100 {
        let (status, page) = ozon.post(path, &request).await?;
        ensure!(status == StatusCode::OK, "{path}: {page}");
        items.extend(page[key].as_array().context("items")?.iter().cloned());
        if page["has_next"] != true {
            return Ok(items);
        }
        request["last_id"] = page["last_id"].clone();
    }
    bail!("{path} did not end")
}

#[tokio::test]
async fn ozon_questions_and_reviews_page_answer_and_need_their_subscriptions() -> Result<()> {
    let ozon = Ozon::start(OzonOptions::unlimited()).await?;
    let questions = ozon.sandbox.questions();
    let reviews = ozon.sandbox.reviews();
    ensure!(
        questions.len() >= 50 && reviews.len() >= 150,
        "{} {}",
        questions.len(),
        reviews.len()
    );
    let texts: HashSet<&str> = reviews.iter().map(|r| r.text.as_str()).collect();
    ensure!(
        texts.len() >= 100,
        "varied reviews: {} distinct",
        texts.len()
    );

    // Unprocessed questions, newest first, each once.
    let expected: HashSet<String> = questions
        .iter()
        .filter(|q| q.status != "PROCESSED")
        .map(|q| q.id.clone())
        .collect();
    let listed = walk_by_last_id(
        &ozon,
        "/v1/question/list",
        "questions",
        json!({"filter": {"status": "UNPROCESSED"}, "limit": 7}),
    )
    .await?;
    expect_unique(
        listed
            .iter()
            .filter_map(|q| q["id"].as_str().map(str::to_owned))
            .collect(),
        expected,
    )?;
    let question = listed.first().context("a question")?;
    let (id, sku) = (
        question["id"].as_str().context("id")?,
        question["sku"].clone(),
    );
    ensure!(question["answers_count"].is_number() && question["product_url"].is_string());

    let (status, error) = ozon
        .post(
            "/v1/question/answer/create",
            &json!({"question_id": id, "sku": 1, "text": "Да"}),
        )
        .await?;
    ensure!(
        status == StatusCode::BAD_REQUEST && error["code"] == 3,
        "wrong sku: {error}"
    );
    let (status, answer) = ozon
        .post(
            "/v1/question/answer/create",
            &json!({"question_id": id, "sku": sku, "text": "Да, в наличии."}),
        )
        .await?;
    ensure!(
        status == StatusCode::OK && answer["answer_id"].is_string(),
        "{answer}"
    );
    let (_, info) = ozon
        .post("/v1/question/info", &json!({"question_id": id}))
        .await?;
    ensure!(info["status"] == "PROCESSED", "{info}");
    let (_, answers) = ozon
        .post(
            "/v1/question/answer/list",
            &json!({"question_id": id, "sku": sku}),
        )
        .await?;
    ensure!(
        answers["answers"]
            .as_array()
            .is_some_and(|a| a.iter().any(|a| a["text"] == "Да, в наличии.")),
        "{answers}"
    );
    let (status, _) = ozon
        .post("/v1/question/info", &json!({"question_id": "nope"}))
        .await?;
    ensure!(status == StatusCode::NOT_FOUND);

    // New reviews: limit 20..100 is required; v2 has no UNPROCESSED.
    let (status, error) = ozon.post("/v2/review/list", &json!({})).await?;
    ensure!(status == StatusCode::BAD_REQUEST, "{error}");
    let (status, _) = ozon
        .post(
            "/v2/review/list",
            &json!({"limit": 10, "filters": {"status": "NEW"}}),
        )
        .await?;
    ensure!(status == StatusCode::BAD_REQUEST);
    let new: HashSet<String> = reviews
        .iter()
        .filter(|r| r.status == "NEW")
        .map(|r| r.id.clone())
        .collect();
    let listed = walk_by_last_id(
        &ozon,
        "/v2/review/list",
        "reviews",
        json!({"filters": {"status": "NEW"}, "limit": 20, "sort_dir": "ASC"}),
    )
    .await?;
    expect_unique(
        listed
            .iter()
            .filter_map(|r| r["id"].as_str().map(str::to_owned))
            .collect(),
        new,
    )?;
    let review = listed.first().context("a review")?;
    let review_id = review["id"].as_str().context("id")?;
    ensure!((1..=5).contains(&review["rating"].as_i64().unwrap_or(0)));
    let (status, comment) = ozon
        .post(
            "/v1/review/comment/create",
            &json!({"review_id": review_id, "text": "Спасибо!", "mark_review_as_processed": true}),
        )
        .await?;
    ensure!(
        status == StatusCode::OK && comment["comment_id"].is_string(),
        "{comment}"
    );
    let (_, info) = ozon
        .post("/v2/review/info", &json!({"review_id": review_id}))
        .await?;
    ensure!(
        info["status"] == "PROCESSED" && info["comments_amount"] == 1,
        "{info}"
    );
    let (_, comments) = ozon
        .post(
            "/v1/review/comment/list",
            &json!({"review_id": review_id, "limit": 20}),
        )
        .await?;
    ensure!(comments["comments"][0]["is_owner"] == true, "{comments}");

    // The seller answering in Ozon's cabinet shows in the API too.
    let other = ozon
        .sandbox
        .leave_review(sku.as_i64().context("sku")?, "Маломерит на размер.", 2);
    ensure!(
        ozon.sandbox
            .seller_comments_review(&other, "Жаль! Оформите возврат, пожалуйста.")
    );
    let (_, info) = ozon
        .post("/v2/review/info", &json!({"review_id": other}))
        .await?;
    ensure!(info["status"] == "PROCESSED", "{info}");

    // Without the subscriptions: Ozon's documented 403.
    let plain = Ozon::start(OzonOptions {
        premium: false,
        review_management: false,
        ..OzonOptions::unlimited()
    })
    .await?;
    for (path, body) in [
        ("/v1/question/list", json!({"limit": 10})),
        ("/v2/review/list", json!({"limit": 20})),
    ] {
        let (status, error) = plain.post(path, &body).await?;
        ensure!(
            status == StatusCode::FORBIDDEN
                && error
                    == json!({"code": 7, "message": "not available with existing subscription", "details": []}),
            "{path}: {error}"
        );
    }
    Ok(())
}

#[tokio::test]
async fn wb_chats_name_real_orders_and_the_seller_can_answer_in_the_cabinet() -> Result<()> {
    let wb = Wb::start(WbOptions::unlimited()).await?;
    let (events, _, _) = walk_events(&wb, None).await?;
    let rids: HashSet<String> = {
        let (status, rows) = body(
            wb.get(&format!(
                "/api/v1/supplier/orders?dateFrom={}&flag=0",
                (Utc::now() - chrono::Duration::days(400)).format("%Y-%m-%d")
            ))
            .await?,
        )
        .await?;
        ensure!(status == StatusCode::OK);
        rows.as_array()
            .context("rows")?
            .iter()
            .filter_map(|row| row["srid"].as_str().map(str::to_owned))
            .collect()
    };
    let cards: Vec<&Value> = events
        .iter()
        .filter_map(|e| e["message"]["attachments"].get("goodCard"))
        .collect();
    ensure!(!cards.is_empty(), "new chats carry goodCard");
    for card in &cards {
        let rid = card["rid"].as_str().context("rid")?;
        ensure!(
            rids.contains(rid),
            "goodCard names an order WB knows: {card}"
        );
    }
    let seller_lines = events.iter().filter(|e| e["sender"] == "seller").count();
    ensure!(seller_lines > 0, "the history has the seller's answers");

    let chat = events[0]["chatID"].as_str().context("chat")?.to_owned();
    let event = wb
        .sandbox
        .seller_writes(&chat, "Здравствуйте! Уже отправили.")
        .context("chat")?;
    let (after, _, _) = walk_events(&wb, None).await?;
    let written = after
        .iter()
        .find(|e| e["eventID"] == event.as_str())
        .context("event")?;
    ensure!(
        written["sender"] == "seller" && written["source"] == "seller-portal",
        "{written}"
    );
    ensure!(wb.sandbox.seller_writes("1:unknown", "x").is_none());

    let question = wb
        .sandbox
        .questions()
        .into_iter()
        .find(|q| q.answer.is_none())
        .context("q")?;
    ensure!(
        wb.sandbox
            .seller_answers_question(&question.id, "Да, есть.")
    );
    let (_, one) = body(
        wb.get(&format!("/api/v1/question?id={}", question.id))
            .await?,
    )
    .await?;
    ensure!(one["data"]["answer"]["text"] == "Да, есть.", "{one}");
    Ok(())
}
