//! Measures the operator inbox at scale over HTTP, and the dashboard's live fan-out.
//!
//! One shop gets `--conversations` conversations and `--messages` messages (set-based SQL:
//! five channels, shoppers, every view of the inbox, Russian text for the full-text search,
//! 90 days of activity, a hundred long histories), beside a small second shop so tenant
//! filtering has rows to skip. The real ingress runs in this process; the benchmark signs in
//! through the API and times sequential requests of each kind the dashboard makes. Then
//! `--operators` sockets open `/ws` and `--events` events are published on the shop's operator
//! topic in Redis the way the workers publish, first with every socket on one ingress, then
//! spread over two ingress instances (each its own Redis subscription, as separate processes
//! have). Prints one JSON line.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use clap::Parser;
use diesel::QueryableByName;
use diesel::sql_types::BigInt;
use diesel_async::{AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use futures::{SinkExt, StreamExt};
use otklik_config::Config;
use otklik_schema::TenantId;
use secrecy::ExposeSecret;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser)]
struct Args {
    /// Conversations of the measured shop.
    #[arg(long, default_value_t = 100_000)]
    conversations: i64,
    /// Messages of the measured shop.
    #[arg(long, default_value_t = 1_000_000)]
    messages: i64,
    /// Timed requests of each kind, after a warm-up.
    #[arg(long, default_value_t = 200)]
    requests: usize,
    /// Timed searches, after one of warm-up.
    #[arg(long, default_value_t = 70)]
    search_requests: usize,
    /// Dashboard sockets for the fan-out.
    #[arg(long, default_value_t = 500)]
    operators: usize,
    /// Events published for the fan-out.
    #[arg(long, default_value_t = 200)]
    events: usize,
    /// Pause between two published events.
    #[arg(long, default_value_t = 20)]
    event_interval_ms: u64,
}

const PASSWORD: &str = "bench-password-2026";
const WARM_UP: usize = 20;
/// One conversation in this many of the measured shop has a long history.
const LONG_EVERY: i64 = 1000;

/// Fills one shop. Placeholders: `__TENANT__`, `__CONVERSATIONS__`, `__CUSTOMERS__`,
/// `__MESSAGES__`, `__LONG_EVERY__`, `__USERS__` (an array literal of the shop's user ids).
/// Ids are reserved from the sequences up front, so rows can be numbered in SQL.
const SEED: &str = r#"
SET work_mem = '256MB';
DROP TABLE IF EXISTS seed_base, seed_conv;
CREATE TEMP TABLE seed_base AS
SELECT nextval('channels_id_seq') AS ch, nextval('customers_id_seq') AS cu,
       nextval('conversations_id_seq') AS co, nextval('messages_id_seq') AS me;
SELECT setval('channels_id_seq', ch + 5), setval('customers_id_seq', cu + __CUSTOMERS__),
       setval('conversations_id_seq', co + __CONVERSATIONS__), setval('messages_id_seq', me + __MESSAGES__)
  FROM seed_base;

INSERT INTO marketplace_accounts (tenant_id, marketplace, name)
VALUES (__TENANT__, 'wb', 'Кабинет WB'), (__TENANT__, 'ozon', 'Кабинет Ozon');
INSERT INTO channels (id, tenant_id, kind, name, account_id)
SELECT b.ch + k, __TENANT__,
       (ARRAY['telegram', 'webchat', 'wb_chat', 'wb_questions', 'ozon_chat'])[k],
       (ARRAY['Telegram-бот магазина', 'Чат на сайте', 'Чаты покупателей WB', 'Вопросы WB', 'Чаты Ozon'])[k],
       (SELECT a.id FROM marketplace_accounts a WHERE a.tenant_id = __TENANT__
           AND a.marketplace = CASE WHEN k = 5 THEN 'ozon' ELSE 'wb' END AND k >= 3)
  FROM seed_base b, generate_series(1, 5) k;

INSERT INTO customers (id, tenant_id, channel_id, external_id, display_name, username, created_at, last_seen_at)
SELECT b.cu + j, __TENANT__, b.ch + 1 + j % 5, 'shopper-' || j,
       (ARRAY['Анна', 'Иван', 'Мария', 'Сергей', 'Екатерина', 'Дмитрий', 'Ольга', 'Алексей',
              'Наталья', 'Павел', 'Юлия', 'Артём'])[1 + j % 12] || ' ' ||
       (ARRAY['К.', 'С.', 'П.', 'М.', 'Н.', 'В.', 'Л.', 'Р.', 'Т.', 'Г.'])[1 + (j / 12) % 10],
       CASE WHEN j % 3 = 0 THEN 'shopper_' || j END,
       now() - interval '120 days', now() - (j % 90) * interval '1 day'
  FROM seed_base b, generate_series(1, __CUSTOMERS__) j;

-- The plan of every conversation: its customer, view, age, length and span.
CREATE TEMP TABLE seed_conv AS
SELECT g.*, b.co + g.i AS id, b.cu + g.cj AS customer_id, b.ch + 1 + g.cj % 5 AS channel_id,
       1 + g.cj % 5 AS channel_no,
       CASE WHEN g.mode = 'operator' OR (g.mode = 'closed' AND g.h % 2 = 0)
            THEN (__USERS__::bigint[])[1 + g.i % cardinality(__USERS__::bigint[])] END AS assignee_id,
       g.mode = 'bot' AND g.i % 97 = 0 AS draft,
       now() - CASE WHEN g.mode = 'closed' THEN interval '1 day' + (g.i * 7919 % 89000) * interval '86.4 seconds'
                    ELSE (g.i * 7919 % 14000) * interval '86.4 seconds' END AS last_at
  FROM (SELECT i, cj, h, i % __LONG_EVERY__ = 0 AS long, 3 + (i * 40503) % 11 AS n,
               CASE WHEN i > __CUSTOMERS__ THEN 'closed' WHEN h < 50 THEN 'waiting_operator'
                    WHEN h < 150 THEN 'operator' WHEN h < 450 THEN 'bot' ELSE 'closed' END AS mode
          FROM (SELECT i, CASE WHEN i <= __CUSTOMERS__ THEN i ELSE i - __CUSTOMERS__ END AS cj,
                       (i * 2654435761) % 1000 AS h
                  FROM generate_series(1::bigint, __CONVERSATIONS__) i) raw) g, seed_base b;
-- Long histories take whatever the short ones leave of the message count.
UPDATE seed_conv SET n = greatest(2, (__MESSAGES__ - s.short) / s.longs
                     + CASE WHEN seed_conv.i = s.first THEN (__MESSAGES__ - s.short) % s.longs ELSE 0 END)
  FROM (SELECT (sum(n) FILTER (WHERE NOT long))::bigint AS short, greatest(count(*) FILTER (WHERE long), 1) AS longs,
               min(i) FILTER (WHERE long) AS first FROM seed_conv) s
 WHERE seed_conv.long;
ALTER TABLE seed_conv ADD COLUMN span interval;
UPDATE seed_conv SET span = CASE WHEN long THEN interval '30 days' ELSE n * interval '3 minutes' END;

INSERT INTO conversations (id, tenant_id, channel_id, customer_id, external_chat_id, mode, assignee_id,
                           last_message_at, created_at, closed_at, handoff_reason, handoff_summary,
                           handoff_at, reply_due_at)
SELECT id, __TENANT__, channel_id, customer_id, 'chat-' || cj, mode, assignee_id,
       last_at, last_at - span, CASE WHEN mode = 'closed' THEN last_at + interval '2 hours' END,
       CASE WHEN mode IN ('waiting_operator', 'operator') THEN 'Покупатель просит оператора' END,
       CASE WHEN mode IN ('waiting_operator', 'operator')
            THEN 'Вопрос о возврате товара с браком, покупатель недоволен сроками.' END,
       CASE WHEN mode IN ('waiting_operator', 'operator') THEN last_at - interval '10 minutes' END,
       CASE WHEN channel_no = 4 THEN last_at + interval '10 days' END
  FROM seed_conv;

INSERT INTO messages (id, tenant_id, conversation_id, channel_id, direction, author, author_user_id,
                      external_id, body, answered_at, delivery_status, delivery_attempts, meta,
                      created_at, sent_at)
SELECT b.me + row_number() OVER (ORDER BY x.at, x.conv, x.k), __TENANT__, x.conv, x.channel_id,
       CASE WHEN x.outbound THEN 'outbound' ELSE 'inbound' END,
       CASE WHEN NOT x.outbound THEN 'shopper' WHEN x.by_operator THEN 'operator' ELSE 'bot' END,
       CASE WHEN x.outbound AND x.by_operator THEN x.assignee_id END,
       CASE WHEN x.outbound AND x.draft AND x.k = x.n THEN NULL ELSE 'x' || x.conv || '-' || x.k END,
       CASE WHEN x.outbound THEN x.shop[1 + x.r % 16] ELSE x.shopper[1 + x.r % 24] END
         || CASE WHEN x.r % 4 >= 1 THEN ' ' || x.shopper[1 + (x.r / 7) % 24] ELSE '' END
         || CASE WHEN x.r % 4 >= 2 THEN ' Заказ ' || (10000000 + x.r % 90000000) ELSE '' END
         || CASE WHEN x.r % 4 = 3 THEN ' ' || x.shop[1 + (x.r / 53) % 16] || ' ' || x.shopper[1 + (x.r / 97) % 24]
                 ELSE '' END,
       CASE WHEN NOT x.outbound AND NOT (x.mode = 'waiting_operator' AND x.k >= x.n - 1)
            THEN x.at + interval '3 seconds' END,
       CASE WHEN NOT x.outbound THEN NULL WHEN x.draft AND x.k = x.n THEN 'draft'
            WHEN x.r % 500 = 0 THEN 'failed' ELSE 'sent' END,
       CASE WHEN x.outbound AND NOT (x.draft AND x.k = x.n) THEN 1 ELSE 0 END,
       CASE WHEN x.outbound AND NOT x.by_operator
            THEN '{"intent": "order_status", "confidence": 0.91, "responder": "local"}'::jsonb
            ELSE '{}'::jsonb END,
       x.at,
       CASE WHEN x.outbound AND NOT (x.draft AND x.k = x.n) AND x.r % 500 <> 0
            THEN x.at + interval '1 second' END
  FROM (SELECT c.id AS conv, c.channel_id, c.mode, c.assignee_id, c.draft, c.n, k,
               (c.last_at - c.span) + c.span * (k - 1) / greatest(c.n - 1, 1) AS at,
               k % 2 = 0 OR (c.draft AND k = c.n) AS outbound,
               c.mode IN ('operator', 'closed') AND c.assignee_id IS NOT NULL AND k > c.n / 2 AS by_operator,
               (c.id * 1000003 + k * 7919) % 2147483647 AS r,
               p.shopper, p.shop
          FROM seed_conv c
         CROSS JOIN LATERAL generate_series(1, c.n) k
         CROSS JOIN (SELECT
             ARRAY['Здравствуйте!', 'Добрый день.', 'Где мой заказ?',
                   'Заказ до сих пор не пришёл, трек не обновляется уже неделю.',
                   'Хочу оформить возврат, не подошёл размер.',
                   'Подскажите, какой размер выбрать при росте 170 и весе 65?',
                   'Пришла куртка с браком: шов разошёлся на рукаве.', 'Можно поменять на другой цвет?',
                   'Когда будет поставка в 42 размере?', 'Курьер не приехал в назначенное время.',
                   'Спасибо, всё получила!', 'Деньги за возврат так и не пришли на карту.',
                   'В пункте выдачи сказали, что посылки нет.',
                   'Товар не соответствует описанию, ткань другая.', 'Сколько идёт доставка до Казани?',
                   'Можно оплатить при получении?', 'Упаковка была повреждена, коробка мокрая.',
                   'Пришёл не тот артикул.', 'Подойдут ли эти кроссовки на широкую стопу?',
                   'Есть ли гарантия на наушники?', 'Как отменить заказ?',
                   'Продавец, ответьте, пожалуйста, уже третий день жду.', 'Мне нужен чек для работы.',
                   'Отличный товар, но маломерит.'] AS shopper,
             ARRAY['Здравствуйте! Спасибо, что написали нам.',
                   'Ваш заказ передан в доставку, ожидаемая дата — через два дня.',
                   'Оформить возврат можно в личном кабинете в течение 14 дней.',
                   'По таблице размеров вам подойдёт размер M.',
                   'Приносим извинения за брак, пришлите, пожалуйста, фото.',
                   'Деньги возвращаются на карту в течение 10 рабочих дней.',
                   'Передали вопрос в службу доставки, вернёмся с ответом.',
                   'Поставка ожидается на следующей неделе.',
                   'Чек придёт на электронную почту после получения заказа.',
                   'Соединяю вас с оператором, он ответит в ближайшее время.',
                   'Обмен возможен через оформление возврата и новый заказ.',
                   'Гарантия на наушники — один год.',
                   'Рады, что вам понравилось! Будем благодарны за отзыв.',
                   'Уточните, пожалуйста, номер заказа.',
                   'Курьер свяжется с вами за час до доставки.',
                   'Ткань — хлопок 95%, эластан 5%.'] AS shop) p) x, seed_base b;
"#;

/// Search texts as operators type them: single words, several words, a quoted phrase; common
/// and rarer words of the seeded texts, and one no message has.
const SEARCHES: [&str; 7] = [
    "возврат",
    "брак шов",
    "курьер не приехал",
    "\"трек не обновляется\"",
    "наушники",
    "чек",
    "гироскутер",
];

#[derive(QueryableByName)]
struct Id {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// The admin a sign-up created, with their new shop.
struct Admin {
    user: i64,
    tenant: i64,
    email: String,
}

async fn sign_up(http: &reqwest::Client, base: &str, slug: &str) -> anyhow::Result<Admin> {
    let email = format!("{slug}@bench.example");
    let response = http
        .post(format!("{base}/api/v1/auth/signup"))
        .json(
            &json!({"accept_terms": true, "accept_personal_data": true, "shop_name": "Магазин для замеров", "slug": slug, "email": email,
                      "password": PASSWORD, "name": "Администратор"}),
        )
        .send()
        .await?;
    if !response.status().is_success() {
        bail!(
            "sign-up answered {}: {}",
            response.status(),
            response.text().await?
        );
    }
    let session: Value = response.json().await?;
    Ok(Admin {
        user: session["user"]["id"].as_i64().context("no user id")?,
        tenant: session["user"]["tenant_id"]
            .as_i64()
            .context("no tenant id")?,
        email,
    })
}

/// A fresh access token: the seeding may outlast the sign-up's.
async fn sign_in(http: &reqwest::Client, base: &str, admin: &Admin) -> anyhow::Result<String> {
    let response = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&json!({"email": admin.email, "password": PASSWORD}))
        .send()
        .await?
        .error_for_status()?;
    let session: Value = response.json().await?;
    Ok(session["access_token"]
        .as_str()
        .context("no access token")?
        .to_owned())
}

/// Fills a shop: `operators` more operator accounts, then the conversations and messages.
async fn seed(
    conn: &mut AsyncPgConnection,
    admin: &Admin,
    operators: i64,
    conversations: i64,
    messages: i64,
    long_every: i64,
) -> anyhow::Result<Vec<i64>> {
    let mut users = vec![admin.user];
    for n in 1..=operators {
        let id: Id = diesel::sql_query(
            "INSERT INTO users (tenant_id, email, display_name, role)
             VALUES ($1, $2, $3, 'operator') RETURNING id",
        )
        .bind::<BigInt, _>(admin.tenant)
        .bind::<diesel::sql_types::Text, _>(format!("operator{n}-{}", admin.email))
        .bind::<diesel::sql_types::Text, _>(format!("Оператор {n}"))
        .get_result(conn)
        .await?;
        users.push(id.id);
    }
    let users = format!(
        "'{{{}}}'",
        users
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    let sql = SEED
        .replace("__TENANT__", &admin.tenant.to_string())
        .replace("__CONVERSATIONS__", &conversations.to_string())
        .replace("__CUSTOMERS__", &(conversations * 4 / 5).to_string())
        .replace("__MESSAGES__", &messages.to_string())
        .replace("__LONG_EVERY__", &long_every.to_string())
        .replace("__USERS__", &users);
    conn.batch_execute(&sql).await?;
    let long = diesel::sql_query("SELECT id FROM seed_conv WHERE long ORDER BY id")
        .load::<Id>(conn)
        .await?;
    Ok(long.into_iter().map(|row| row.id).collect())
}

/// Starts an ingress in this process on a free port; it stops when `stop` turns true.
async fn start_ingress(
    config: Config,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<SocketAddr> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = otklik_ingress::AppState::connect(config).await?;
    tokio::spawn(async move {
        let shutdown = async move {
            let _ = stop.wait_for(|stop| *stop).await;
        };
        if let Err(err) = otklik_ingress::serve(state, listener, shutdown).await {
            tracing::error!(error = %err, "bench ingress stopped");
        }
    });
    Ok(addr)
}

/// Latency figures in milliseconds.
fn summary(mut micros: Vec<u64>) -> Value {
    micros.sort_unstable();
    let at = |q: f64| {
        let rank = ((micros.len() as f64 * q).ceil() as usize).clamp(1, micros.len().max(1));
        micros.get(rank - 1).copied().unwrap_or(0) as f64 / 1000.0
    };
    let round = |ms: f64| (ms * 100.0).round() / 100.0;
    json!({
        "count": micros.len(),
        "p50_ms": round(at(0.50)),
        "p99_ms": round(at(0.99)),
        "max_ms": round(micros.last().copied().unwrap_or(0) as f64 / 1000.0),
    })
}

/// Times `count` GETs after `warm_up` untimed ones, cycling through `paths`; every answer
/// must be 200.
async fn timed(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    paths: &[String],
    (warm_up, count): (usize, usize),
) -> anyhow::Result<Value> {
    let mut micros = Vec::with_capacity(count);
    let mut items = 0;
    for n in 0..warm_up + count {
        let path = &paths[n % paths.len()];
        let started = Instant::now();
        let response = http
            .get(format!("{base}{path}"))
            .bearer_auth(token)
            .send()
            .await?;
        let status = response.status();
        let body = response.bytes().await?;
        let elapsed = started.elapsed();
        if !status.is_success() {
            bail!(
                "GET {path} answered {status}: {}",
                String::from_utf8_lossy(&body)
            );
        }
        if n >= warm_up {
            micros.push(u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
            let page: Value = serde_json::from_slice(&body)?;
            items += page["items"].as_array().map_or(0, Vec::len);
        }
    }
    let mut figures = summary(micros);
    figures["mean_items"] = json!(items / count.max(1));
    Ok(figures)
}

/// GETs `path` and returns its `next_cursor`.
async fn next_cursor(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    path: &str,
) -> anyhow::Result<String> {
    let page: Value = http
        .get(format!("{base}{path}"))
        .bearer_auth(token)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    page["next_cursor"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("GET {path} has no next page"))
}

fn with_query(path: &str, key: &str, value: &str) -> String {
    let sep = if path.contains('?') { '&' } else { '?' };
    let value: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
    format!("{path}{sep}{key}={value}")
}

async fn inbox_latencies(
    http: &reqwest::Client,
    base: &str,
    token: &str,
    long: &[i64],
    args: &Args,
) -> anyhow::Result<Value> {
    let count = (WARM_UP, args.requests);
    const LIST: &str = "/api/v1/conversations";
    let views = ["waiting", "mine", "bot", "closed", "all"];
    let mut results = serde_json::Map::new();
    for view in views {
        let path = with_query(LIST, "view", view);
        results.insert(
            format!("list_{view}"),
            timed(http, base, token, &[path], count).await?,
        );
    }
    let searches: Vec<String> = SEARCHES.iter().map(|q| with_query(LIST, "q", q)).collect();
    results.insert(
        "search".into(),
        timed(http, base, token, &searches, (1, args.search_requests)).await?,
    );
    let mut second_pages = Vec::new();
    for view in views {
        let first = with_query(LIST, "view", view);
        let cursor = next_cursor(http, base, token, &first).await?;
        second_pages.push(with_query(&first, "cursor", &cursor));
    }
    results.insert(
        "list_next_page".into(),
        timed(http, base, token, &second_pages, count).await?,
    );
    results.insert(
        "counters".into(),
        timed(http, base, token, &[format!("{LIST}/counters")], count).await?,
    );
    let first_pages: Vec<String> = long
        .iter()
        .map(|id| format!("{LIST}/{id}/messages"))
        .collect();
    results.insert(
        "history_first_page".into(),
        timed(http, base, token, &first_pages, count).await?,
    );
    let mut older_pages = Vec::new();
    for first in &first_pages {
        let cursor = next_cursor(http, base, token, first).await?;
        older_pages.push(with_query(first, "cursor", &cursor));
    }
    results.insert(
        "history_older_page".into(),
        timed(http, base, token, &older_pages, count).await?,
    );
    Ok(Value::Object(results))
}

/// What one socket saw: each event's latency in µs (by sequence number), and `lagged` notices.
struct Received {
    latencies: Vec<Option<u64>>,
    lagged: usize,
}

/// The shop whose operators the events are for, and the Redis the workers publish them to.
struct Publisher {
    redis: redis::aio::ConnectionManager,
    namespace: String,
    tenant: TenantId,
}

/// Opens the sockets over `addrs` in turn, waits for every `ready`, publishes the events as the
/// workers do and collects what each socket received.
async fn fan_out(
    addrs: &[SocketAddr],
    token: &str,
    publisher: &mut Publisher,
    args: &Args,
) -> anyhow::Result<Value> {
    let clock = Instant::now();
    let micros = move || u64::try_from(clock.elapsed().as_micros()).unwrap_or(u64::MAX);
    let urls: Vec<String> = (0..args.operators)
        .map(|n| format!("ws://{}/ws", addrs[n % addrs.len()]))
        .collect();
    let connected = Instant::now();
    let sockets: Vec<_> = futures::stream::iter(urls)
        .map(|url| async move {
            let (mut socket, _) = tokio_tungstenite::connect_async(url).await?;
            // The token as the first message, as the dashboard sends it.
            socket
                .send(Message::text(
                    serde_json::json!({ "token": token }).to_string(),
                ))
                .await?;
            loop {
                match tokio::time::timeout(Duration::from_secs(10), socket.next()).await {
                    Ok(Some(Ok(Message::Text(text)))) if text.as_str().contains("\"ready\"") => {
                        return anyhow::Ok(socket);
                    }
                    Ok(Some(Ok(_))) => {}
                    other => bail!("a socket closed before it was ready: {other:?}"),
                }
            }
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let connect_secs = connected.elapsed().as_secs_f64();

    let events = args.events;
    let (done, _) = watch::channel(false);
    let readers: Vec<_> = sockets
        .into_iter()
        .map(|mut socket| {
            let mut done = done.subscribe();
            tokio::spawn(async move {
                let mut seen = Received {
                    latencies: vec![None; events],
                    lagged: 0,
                };
                let mut got = 0;
                while got < events {
                    let message = tokio::select! {
                        message = socket.next() => message,
                        _ = done.wait_for(|done| *done) => break,
                    };
                    let Some(Ok(Message::Text(text))) = message else {
                        if matches!(message, Some(Ok(_))) {
                            continue;
                        }
                        break;
                    };
                    let at = micros();
                    let Ok(event) = serde_json::from_str::<Value>(text.as_str()) else {
                        continue;
                    };
                    if event["type"] == "lagged" {
                        seen.lagged += 1;
                    }
                    let (Some(seq), Some(sent)) =
                        (event["seq"].as_u64(), event["sent_us"].as_u64())
                    else {
                        continue;
                    };
                    if let Some(slot) = usize::try_from(seq)
                        .ok()
                        .and_then(|seq| seen.latencies.get_mut(seq))
                        && slot.is_none()
                    {
                        *slot = Some(at.saturating_sub(sent));
                        got += 1;
                    }
                }
                let _ = socket.close(None).await;
                seen
            })
        })
        .collect();

    let mut pace = tokio::time::interval(Duration::from_millis(args.event_interval_ms));
    for seq in 0..events {
        pace.tick().await;
        let event = json!({"type": "conversation", "action": "bench.ping", "conversation_id": 0,
                           "seq": seq, "sent_us": micros()});
        // Not an operator event the product publishes: the socket forwards any text on the
        // topic, and the readers need the sequence number and the send time.
        redis::cmd("PUBLISH")
            .arg(otklik_jobs::topics::operators(
                &publisher.namespace,
                publisher.tenant,
            ))
            .arg(event.to_string())
            .query_async::<i64>(&mut publisher.redis)
            .await?;
    }
    // Whatever has not arrived a few seconds after the last publish counts as lost.
    let collect = tokio::spawn(futures::future::join_all(readers));
    tokio::time::sleep(Duration::from_secs(3)).await;
    let _ = done.send(true);
    let seen: Vec<Received> = collect.await?.into_iter().collect::<Result<_, _>>()?;

    let mut deliveries = Vec::with_capacity(args.operators * events);
    let mut last_socket = vec![0_u64; events];
    let mut lost = 0;
    let mut lagged = 0;
    for socket in &seen {
        lagged += socket.lagged;
        for (seq, latency) in socket.latencies.iter().enumerate() {
            match latency {
                Some(us) => {
                    deliveries.push(*us);
                    last_socket[seq] = last_socket[seq].max(*us);
                }
                None => lost += 1,
            }
        }
    }
    Ok(json!({
        "sockets": args.operators,
        "ingress_instances": addrs.len(),
        "events": events,
        "connect_and_ready_secs": (connect_secs * 100.0).round() / 100.0,
        "delivery": summary(deliveries),
        "last_socket": summary(last_socket),
        "lost": lost,
        "lagged": lagged,
    }))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut config = Config::load()?;
    config.redis_namespace = format!("benchadmin{}", std::process::id());
    let (stop, stopped) = watch::channel(false);
    let first = start_ingress(config.clone(), stopped.clone()).await?;
    let base = format!("http://{first}");
    let http = reqwest::Client::new();
    let pid = std::process::id();
    let admin = sign_up(&http, &base, &format!("bench-admin-{pid}")).await?;
    let other = sign_up(&http, &base, &format!("bench-other-{pid}")).await?;

    let mut conn = otklik_db::connect(config.database_url.expose_secret()).await?;
    let seeding = Instant::now();
    seed(&mut conn, &other, 2, 2000, 20_000, 500).await?;
    let long = seed(
        &mut conn,
        &admin,
        9,
        args.conversations,
        args.messages,
        LONG_EVERY,
    )
    .await?;
    for table in [
        "channels",
        "customers",
        "conversations",
        "messages",
        "users",
    ] {
        conn.batch_execute(&format!("VACUUM ANALYZE {table}"))
            .await?;
    }
    let seed_secs = seeding.elapsed().as_secs_f64();
    let token = sign_in(&http, &base, &admin).await?;

    let inbox = inbox_latencies(&http, &base, &token, &long, &args).await?;

    let second = start_ingress(config.clone(), stopped).await?;
    let redis_client = redis::Client::open(config.redis_url.expose_secret())?;
    let mut publisher = Publisher {
        redis: redis_client.get_connection_manager().await?,
        namespace: config.redis_namespace.clone(),
        tenant: TenantId(admin.tenant),
    };
    let one = fan_out(&[first], &token, &mut publisher, &args).await?;
    let two = fan_out(&[first, second], &token, &mut publisher, &args).await?;
    let _ = stop.send(true);

    let mut sizes = BTreeMap::new();
    sizes.insert("conversations", args.conversations);
    sizes.insert("messages", args.messages);
    sizes.insert("long_histories", i64::try_from(long.len())?);
    sizes.insert(
        "messages_per_long_history",
        long_history_len(&mut conn, &long).await?,
    );
    let line = json!({
        "sizes": sizes,
        "seed_secs": (seed_secs * 10.0).round() / 10.0,
        "requests_per_kind": args.requests,
        "search_requests": args.search_requests,
        "http": inbox,
        "fanout_one_ingress": one,
        "fanout_two_ingress": two,
    });
    #[expect(clippy::print_stdout, reason = "the figures are the program's output")]
    {
        println!("{line}");
    }
    Ok(())
}

/// Messages in the first long history, as seeded.
async fn long_history_len(conn: &mut AsyncPgConnection, long: &[i64]) -> anyhow::Result<i64> {
    let Some(first) = long.first() else {
        return Ok(0);
    };
    let row: Id =
        diesel::sql_query("SELECT count(*) AS id FROM messages WHERE conversation_id = $1")
            .bind::<BigInt, _>(*first)
            .get_result(conn)
            .await?;
    Ok(row.id)
}
