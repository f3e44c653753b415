//! Live load on the running product (`scripts/bench`): web-chat shoppers with open event streams
//! writing every few seconds, optionally Telegram webhooks and operators on `/ws` paging the
//! inbox, against the `ingress` and one `workers` process started here (release binaries), the
//! demo shop and the local responder. Measures reply latency (message posted → reply event on
//! the shopper's stream), response times of the chat, the webhook and the admin API, errors,
//! queue stalls (a second or more in which jobs wait and none finishes) and memory over time.
//! Prints one JSON line.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use futures::{SinkExt, StreamExt};
use otklik_jobs::{Queue, QueueSettings, WebhookSecrets};
use otklik_schema::ChannelKind;
use otklik_tests::FakeTelegram;
use rand::Rng;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

#[derive(Parser)]
struct Args {
    /// Web-chat shoppers, each with an open event stream.
    #[arg(long, default_value_t = 1000)]
    shoppers: usize,
    /// How long they write.
    #[arg(long, default_value_t = 180)]
    seconds: u64,
    /// Each shopper writes every `min_gap`..`max_gap` seconds.
    #[arg(long, default_value_t = 10)]
    min_gap: u64,
    #[arg(long, default_value_t = 20)]
    max_gap: u64,
    /// New Telegram shoppers a second, each writing once through the webhook.
    #[arg(long, default_value_t = 0)]
    telegram_per_sec: u32,
    /// Operators with a live `/ws` socket, each paging the inbox every few seconds.
    #[arg(long, default_value_t = 0)]
    operators: usize,
    /// Where the `ingress` and `workers` binaries are.
    #[arg(long, default_value = "target/release")]
    bin: PathBuf,
}

const PASSWORD: &str = "bench-live-password-2026";
const BOT_TOKEN: &str = "777001:LIVE-token";
const QUESTIONS: [&str; 4] = [
    "Где мой заказ 1456789012?",
    "Как вернуть товар?",
    "рост 170, обхват груди 92 — какой размер пуховика 139204857?",
    "Спасибо!",
];

/// Response times and reply latencies, in microseconds.
#[derive(Default)]
struct Samples {
    replies: Vec<u64>,
    chat_posts: Vec<u64>,
    webhooks: Vec<u64>,
    api: Vec<u64>,
}

#[derive(Default)]
struct Counters {
    sent: AtomicU64,
    answered: AtomicU64,
    errors: AtomicU64,
    dropped_streams: AtomicU64,
    ws_events: AtomicU64,
}

fn micros(since: Instant) -> u64 {
    u64::try_from(since.elapsed().as_micros()).unwrap_or(u64::MAX)
}

fn summary(mut values: Vec<u64>) -> Value {
    values.sort_unstable();
    let at = |q: f64| {
        let rank = ((values.len() as f64 * q).ceil() as usize).clamp(1, values.len().max(1));
        values.get(rank - 1).copied().unwrap_or(0) as f64 / 1000.0
    };
    let round = |ms: f64| (ms * 10.0).round() / 10.0;
    json!({
        "count": values.len(),
        "p50_ms": round(at(0.50)),
        "p95_ms": round(at(0.95)),
        "p99_ms": round(at(0.99)),
        "max_ms": round(values.last().copied().unwrap_or(0) as f64 / 1000.0),
    })
}

fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| (kib / 102.4).round() / 10.0)
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// One web-chat shopper: an open stream, a message every few seconds, the latency of each reply.
async fn shopper(
    (http, streams): (reqwest::Client, reqwest::Client),
    base: String,
    channel: i64,
    n: usize,
    args: (u64, u64, Instant),
    samples: Arc<Mutex<Samples>>,
    counters: Arc<Counters>,
) {
    let (min_gap, max_gap, until) = args;
    let visitor = format!("live-visitor-{n:08}");
    let pending: Arc<Mutex<VecDeque<Instant>>> = Arc::default();
    let stream_url = format!("{base}/chat/{channel}/events?visitor={visitor}");
    let reader = {
        let (http, pending, samples, counters) =
            (streams, pending.clone(), samples.clone(), counters.clone());
        tokio::spawn(async move {
            let mut response = match http.get(&stream_url).send().await {
                Ok(response) if response.status().is_success() => response,
                _ => {
                    counters.errors.fetch_add(1, Ordering::Relaxed);
                    return;
                }
            };
            let mut buffer = String::new();
            loop {
                match response.chunk().await {
                    Ok(Some(chunk)) => {
                        buffer.push_str(&String::from_utf8_lossy(&chunk));
                        while let Some(end) = buffer.find("\n\n") {
                            let event: String = buffer.drain(..end + 2).collect();
                            if !event.contains("event: message") {
                                continue;
                            }
                            // One reply answers everything the shopper wrote before it.
                            let waited: Vec<u64> = pending
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .drain(..)
                                .map(micros)
                                .collect();
                            counters
                                .answered
                                .fetch_add(waited.len() as u64, Ordering::Relaxed);
                            samples
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .replies
                                .extend(waited);
                        }
                    }
                    _ => {
                        counters.dropped_streams.fetch_add(1, Ordering::Relaxed);
                        return;
                    }
                }
            }
        })
    };
    // Spread the first messages over the first gap.
    let first = rand::rng().random_range(0..max_gap.max(1) * 1000);
    tokio::time::sleep(Duration::from_millis(first)).await;
    let mut k = 0_usize;
    while Instant::now() < until {
        let text = QUESTIONS[(n + k) % QUESTIONS.len()];
        let body = json!({"visitor_id": visitor, "client_message_id": format!("{visitor}-{k:06}"),
            "text": text});
        let started = Instant::now();
        pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push_back(started);
        let posted = http
            .post(format!("{base}/chat/{channel}/messages"))
            .json(&body)
            .send()
            .await;
        let took = micros(started);
        match posted {
            Ok(response) if response.status().is_success() => {
                counters.sent.fetch_add(1, Ordering::Relaxed);
                samples
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .chat_posts
                    .push(took);
            }
            _ => {
                counters.errors.fetch_add(1, Ordering::Relaxed);
                pending
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .pop_back();
            }
        }
        k += 1;
        let gap = rand::rng().random_range(min_gap * 1000..=max_gap.max(min_gap) * 1000);
        tokio::time::sleep(Duration::from_millis(gap)).await;
    }
    // Replies to the last messages may still come.
    tokio::time::sleep(Duration::from_secs(15)).await;
    reader.abort();
}

/// Counts windows of at least a second in which jobs of the chain's queues waited and none
/// finished, sampling Redis every 100 ms.
async fn watch_stalls(
    redis: redis::aio::ConnectionManager,
    settings: QueueSettings,
    until: Instant,
) -> (u64, f64) {
    let queues = [Queue::Inbound, Queue::Turns, Queue::Deliveries];
    let mut conn = redis;
    let (mut stalls, mut longest) = (0_u64, 0.0_f64);
    let mut stalled_since: Option<Instant> = None;
    let mut counted = false;
    let mut last_done = 0_i64;
    while Instant::now() < until {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        let mut pipe = redis::pipe();
        for queue in queues {
            let config = settings.config(queue);
            pipe.llen(config.active_jobs_list())
                .zcount(config.scheduled_jobs_set(), 0, now)
                .scard(config.done_jobs_set());
        }
        if let Ok(values) = pipe.query_async::<Vec<i64>>(&mut conn).await {
            let waiting: i64 = values.chunks(3).map(|c| c[0] + c[1]).sum();
            let done: i64 = values.chunks(3).map(|c| c[2]).sum();
            if waiting > 0 && done == last_done {
                let since = *stalled_since.get_or_insert_with(Instant::now);
                let length = since.elapsed().as_secs_f64();
                if length >= 1.0 && !counted {
                    stalls += 1;
                    counted = true;
                }
                longest = longest.max(length);
            } else {
                stalled_since = None;
                counted = false;
            }
            last_done = done;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (stalls, if stalls > 0 { longest } else { 0.0 })
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let database_url = std::env::var("DATABASE_URL").context("DATABASE_URL")?;
    let redis_url = std::env::var("REDIS_URL").context("REDIS_URL")?;
    let master_key = std::env::var("OTKLIK_MASTER_KEY").context("OTKLIK_MASTER_KEY")?;
    let namespace = format!("benchlive{}", std::process::id());
    let telegram = FakeTelegram::start().await?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let base = format!("http://127.0.0.1:{port}");
    let env = [
        ("DATABASE_URL", database_url.clone()),
        ("REDIS_URL", redis_url.clone()),
        ("OTKLIK_MASTER_KEY", master_key.clone()),
        ("OTKLIK_REDIS_NAMESPACE", namespace.clone()),
        ("OTKLIK_TELEGRAM_API_URL", telegram.url()),
        ("OTKLIK_HTTP_ADDR", format!("127.0.0.1:{port}")),
        ("OTKLIK_PUBLIC_URL", base.clone()),
        ("RUST_LOG", "error".to_owned()),
        // Every simulated shopper writes from 127.0.0.1 and to one channel; in production each
        // comes from an address of their own, so the per-address and per-channel web-chat
        // limits are lifted here. The load scenario's shoppers write every 5–10 s, more than
        // the default 10 a minute a visitor may.
        ("OTKLIK_WEBCHAT_PER_ADDRESS_PER_MIN", "1000000".to_owned()),
        ("OTKLIK_WEBCHAT_PER_CHANNEL_PER_MIN", "1000000".to_owned()),
        ("OTKLIK_LIVE_STREAMS_PER_ADDRESS", "100000".to_owned()),
        ("OTKLIK_WEBCHAT_PER_VISITOR_PER_MIN", "30".to_owned()),
    ];
    let spawn = |program: &str, run: &[&str]| {
        tokio::process::Command::new(args.bin.join(program))
            .args(run)
            .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {program}"))
    };
    let ingress = spawn("ingress", &[])?;
    let workers = spawn("workers", &["run", "--pools", "inbound,ai,outbound"])?;
    let pids = (
        ingress.id().unwrap_or_default(),
        workers.id().unwrap_or_default(),
    );
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .pool_max_idle_per_host(4096)
        .build()?;
    // Event streams stay open for the whole run: no overall timeout.
    let streams = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .pool_max_idle_per_host(4096)
        .build()?;
    let mut ready = false;
    for _ in 0..100 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            ready = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if !ready {
        bail!("the ingress did not start");
    }

    // The demo shop, signed up through the API, with its catalogue, orders and knowledge.
    let slug = format!("live-{}", std::process::id());
    let email = format!("{slug}@bench.example");
    let session: Value = http
        .post(format!("{base}/api/v1/auth/signup"))
        .json(
            &json!({"accept_terms": true, "accept_personal_data": true, "shop_name": "Демо-магазин", "slug": slug, "email": email,
            "password": PASSWORD, "name": "Администратор"}),
        )
        .send()
        .await?
        .error_for_status()?
        .json()
        .await?;
    let token = session["access_token"]
        .as_str()
        .context("no access token")?
        .to_owned();
    let tenant = otklik_db::TenantScope::trusted(otklik_schema::TenantId(
        session["user"]["tenant_id"].as_i64().context("no tenant")?,
    ));
    let mut conn = otklik_db::connect(&database_url).await?;
    otklik_workers::demo::seed_shop(&mut conn, tenant).await?;
    otklik_db::tenants::set_operator_only(&mut conn, tenant, false).await?;
    let webchat = otklik_db::channels::create(
        &mut conn,
        tenant,
        ChannelKind::Webchat,
        "Сайт",
        &otklik_db::sealed::Sealed::none(),
    )
    .await?
    .id;
    let vault = otklik_db::sealed::Vault::new(&[SecretString::from(master_key.clone())]);
    let bot = otklik_tests::telegram_channel(&mut conn, &vault, tenant, BOT_TOKEN).await?;
    drop(conn);
    let secret = WebhookSecrets::new(SecretString::from(master_key)).telegram(bot);

    let samples: Arc<Mutex<Samples>> = Arc::default();
    let counters: Arc<Counters> = Arc::default();
    let started = Instant::now();
    let until = started + Duration::from_secs(args.seconds);
    let load_before = load_average();

    // Memory every 10 s.
    let memory = tokio::spawn(async move {
        let mut series = Vec::new();
        let mut every = tokio::time::interval(Duration::from_secs(10));
        while Instant::now() < until + Duration::from_secs(10) {
            every.tick().await;
            series.push(json!({"t": started.elapsed().as_secs(),
                "ingress_mib": rss_mib(pids.0), "workers_mib": rss_mib(pids.1)}));
        }
        series
    });
    let redis = otklik_jobs::connect(&redis_url).await?;
    let settings = QueueSettings {
        namespace: namespace.clone(),
        heartbeat: Duration::from_secs(10),
        missed_heartbeats: 3,
        dedupe_ttl: Duration::from_secs(3600),
    };
    let stalls = tokio::spawn(watch_stalls(
        redis.clone(),
        settings,
        until + Duration::from_secs(10),
    ));

    // Shoppers connect in batches, as a crowd arriving.
    let mut tasks = Vec::new();
    for n in 0..args.shoppers {
        tasks.push(tokio::spawn(shopper(
            (http.clone(), streams.clone()),
            base.clone(),
            webchat.0,
            n,
            (args.min_gap, args.max_gap, until),
            samples.clone(),
            counters.clone(),
        )));
        if n % 100 == 99 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    // Telegram shoppers through the webhook, one message each.
    let webhooks = {
        let (http, base, samples, counters, secret) = (
            http.clone(),
            base.clone(),
            samples.clone(),
            counters.clone(),
            secret.clone(),
        );
        let per_sec = args.telegram_per_sec;
        tokio::spawn(async move {
            if per_sec == 0 {
                return Vec::new();
            }
            let mut posts = Vec::new();
            let mut every = tokio::time::interval(Duration::from_secs(1) / per_sec);
            let mut i = 0_i64;
            while Instant::now() < until {
                every.tick().await;
                i += 1;
                let chat = 9_000_000 + i;
                let update = json!({"update_id": i, "message": {"message_id": 1,
                    "from": {"id": chat, "is_bot": false, "first_name": "Покупатель"},
                    "chat": {"id": chat, "type": "private", "first_name": "Покупатель"},
                    "date": 1_718_000_000, "text": QUESTIONS[i as usize % QUESTIONS.len()]}});
                // Each webhook on its own: a slow answer must not lower the rate.
                let (http, base, secret, samples, counters) = (
                    http.clone(),
                    base.clone(),
                    secret.clone(),
                    samples.clone(),
                    counters.clone(),
                );
                posts.push(tokio::spawn(async move {
                    let begun = Instant::now();
                    let posted = http
                        .post(format!("{base}/hooks/telegram/{bot}"))
                        .header("X-Telegram-Bot-Api-Secret-Token", &secret)
                        .json(&update)
                        .send()
                        .await;
                    match posted {
                        Ok(response) if response.status().is_success() => {
                            samples
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .webhooks
                                .push(micros(begun));
                            Some((chat, begun))
                        }
                        _ => {
                            counters.errors.fetch_add(1, Ordering::Relaxed);
                            None
                        }
                    }
                }));
            }
            let mut sent_at = Vec::new();
            for post in posts {
                if let Ok(Some(sent)) = post.await {
                    sent_at.push(sent);
                }
            }
            sent_at
        })
    };

    // Operators: a live socket each, and the inbox paged every few seconds.
    let mut operators = Vec::new();
    for _ in 0..args.operators {
        let (http, base, token, samples, counters) = (
            http.clone(),
            base.clone(),
            token.clone(),
            samples.clone(),
            counters.clone(),
        );
        let ws = format!("ws://127.0.0.1:{port}/ws");
        operators.push(tokio::spawn(async move {
            // As the dashboard does: the access token is the socket's first message.
            let hello = json!({ "token": token }).to_string();
            let connected = match tokio_tungstenite::connect_async(ws).await {
                Ok((mut socket, _)) => socket
                    .send(Message::Text(hello.into()))
                    .await
                    .map(|()| socket),
                Err(err) => Err(err),
            };
            let Ok(socket) = connected else {
                counters.errors.fetch_add(1, Ordering::Relaxed);
                return;
            };
            let listening = {
                let counters = counters.clone();
                tokio::spawn(async move {
                    let mut socket = socket;
                    while let Some(Ok(message)) = socket.next().await {
                        if matches!(message, Message::Text(_)) {
                            counters.ws_events.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            };
            let views = ["waiting", "bot", "mine", "closed"];
            let mut k = rand::rng().random_range(0..views.len());
            while Instant::now() < until {
                let pause = rand::rng().random_range(2000..=6000);
                tokio::time::sleep(Duration::from_millis(pause)).await;
                let begun = Instant::now();
                let answered = http
                    .get(format!(
                        "{base}/api/v1/conversations?view={}&limit=50",
                        views[k % 4]
                    ))
                    .bearer_auth(&token)
                    .send()
                    .await;
                k += 1;
                match answered {
                    Ok(response) if response.status().is_success() => {
                        let _ = response.bytes().await;
                        samples
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .api
                            .push(micros(begun));
                    }
                    _ => {
                        counters.errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            listening.abort();
        }));
    }

    for task in tasks {
        let _ = task.await;
    }
    for task in operators {
        let _ = task.await;
    }
    let telegram_sent = webhooks.await?;
    let (stalls, longest_stall) = stalls.await?;
    let memory = memory.await?;
    let load_after = load_average();

    // Telegram replies: from the webhook to the reply at the fake.
    let mut telegram_replies = Vec::new();
    let delivered = telegram.delivered();
    let mut first: std::collections::HashMap<i64, Instant> = std::collections::HashMap::new();
    for call in &delivered {
        if let Some(chat) = call.body["chat_id"].as_i64() {
            first.entry(chat).or_insert(call.at);
        }
    }
    let mut telegram_unanswered = 0;
    for (chat, at) in &telegram_sent {
        match first.get(chat) {
            Some(answered) => telegram_replies
                .push(u64::try_from(answered.duration_since(*at).as_micros()).unwrap_or(0)),
            None => telegram_unanswered += 1,
        }
    }

    let samples = std::mem::take(&mut *samples.lock().unwrap_or_else(PoisonError::into_inner));
    let sent = counters.sent.load(Ordering::Relaxed);
    let answered = counters.answered.load(Ordering::Relaxed);
    let result = json!({
        "shoppers": args.shoppers,
        "seconds": args.seconds,
        "telegram_per_sec": args.telegram_per_sec,
        "operators": args.operators,
        "messages": sent,
        "answered": answered,
        "unanswered": sent.saturating_sub(answered),
        "errors": counters.errors.load(Ordering::Relaxed),
        "dropped_streams": counters.dropped_streams.load(Ordering::Relaxed),
        "reply": summary(samples.replies),
        "chat_post": summary(samples.chat_posts),
        "webhook": summary(samples.webhooks),
        "telegram_reply": summary(telegram_replies),
        "telegram_unanswered": telegram_unanswered,
        "api": summary(samples.api),
        "ws_events": counters.ws_events.load(Ordering::Relaxed),
        "stalls": stalls,
        "longest_stall_secs": (longest_stall * 10.0).round() / 10.0,
        "memory": memory,
        "load_average_before": load_before,
        "load_average_after": load_after,
    });
    #[expect(clippy::print_stdout, reason = "the measurement is the output")]
    {
        println!("{result}");
    }
    drop(ingress);
    drop(workers);
    Ok(())
}
