//! The chaos suite (`scripts/chaos`): shoppers write through Telegram and the web chat while
//! worker processes are SIGKILLed at random, PostgreSQL restarts, Redis is killed and restarted,
//! and the fake Telegram answers bursts of 429s, 5xx and slow responses. Counts at the fakes
//! what shoppers received — answered, handed to people, lost, duplicates — and how long each
//! fault took to heal, prints one JSON line, and exits non-zero when anything was lost.
//!
//! Everything runs on loopback with its own PostgreSQL cluster and Redis server (started here
//! in a temporary directory), so other tests on the machine are not disturbed. Bounded: the
//! shoppers write for `shoppers / rate` seconds, then the queues get at most `drain_secs`.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use otklik_jobs::WebhookSecrets;
use otklik_schema::ChannelKind;
use otklik_tests::FakeTelegram;
use otklik_tests::telegram::Script;
use rand::Rng;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::process::{Child, Command};
use tokio::sync::Mutex;

const MASTER_KEY: &str = "chaos-master-key-0123456789abcdef-0123456789";
const BOT_TOKEN: &str = "424242:CHAOS-token";
const NAMESPACE: &str = "chaos";

#[derive(Parser)]
struct Args {
    /// Shoppers, each writing one message (half through Telegram, half through the web chat).
    #[arg(long, default_value_t = 2000)]
    shoppers: u32,
    /// Messages per second while shoppers write.
    #[arg(long, default_value_t = 40)]
    rate: u32,
    /// Worker processes (each runs inbound, ai and outbound).
    #[arg(long, default_value_t = 2)]
    workers: usize,
    /// Seconds between worker kills (on average).
    #[arg(long, default_value_t = 6)]
    kill_every: u64,
    /// Longest wait for the queues to drain once shoppers stop writing.
    #[arg(long, default_value_t = 180)]
    drain_secs: u64,
    /// Where the `ingress` and `workers` binaries are.
    #[arg(long, default_value = "target/release")]
    bin: PathBuf,
    /// PostgreSQL's programs (`initdb`, `pg_ctl`).
    #[arg(long)]
    pg_bin: PathBuf,
    /// A scratch directory for the database cluster, Redis's files and the logs.
    #[arg(long)]
    dir: PathBuf,
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Runs a program to completion (as the `postgres` user for PostgreSQL's when we are root).
async fn run(program: &Path, args: &[&str], as_postgres: bool) -> anyhow::Result<()> {
    let mut command = if as_postgres && is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    };
    let status = command
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .with_context(|| format!("running {}", program.display()))?;
    if !status.success() {
        bail!("{} {args:?} failed: {status}", program.display());
    }
    Ok(())
}

fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("Uid:"))
                .map(|l| l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

/// A private PostgreSQL cluster.
struct Postgres {
    pg_ctl: PathBuf,
    data: String,
    port: u16,
}

impl Postgres {
    async fn create(pg_bin: &Path, dir: &Path) -> anyhow::Result<Self> {
        let data = dir.join("pgdata");
        std::fs::create_dir_all(&data)?;
        if is_root() {
            run(
                Path::new("chown"),
                &["-R", "postgres", &dir.to_string_lossy()],
                false,
            )
            .await?;
        }
        let data = data.to_string_lossy().into_owned();
        run(
            &pg_bin.join("initdb"),
            &["-D", &data, "-A", "trust", "-U", "postgres", "--no-sync"],
            true,
        )
        .await?;
        let pg = Self {
            pg_ctl: pg_bin.join("pg_ctl"),
            data,
            port: free_port()?,
        };
        pg.start().await?;
        Ok(pg)
    }

    async fn start(&self) -> anyhow::Result<()> {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=off",
            self.port, self.data
        );
        let log = format!("{}/postgres.log", self.data);
        run(
            &self.pg_ctl,
            &["-D", &self.data, "-o", &options, "-l", &log, "-w", "start"],
            true,
        )
        .await
    }

    /// Stops at once, as a crash would (`immediate`), and starts again.
    async fn crash_and_restart(&self) -> anyhow::Result<()> {
        run(
            &self.pg_ctl,
            &["-D", &self.data, "-m", "immediate", "-w", "stop"],
            true,
        )
        .await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.start().await
    }

    async fn stop(&self) {
        let _ = run(
            &self.pg_ctl,
            &["-D", &self.data, "-m", "fast", "-w", "stop"],
            true,
        )
        .await;
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }
}

/// A private Redis server that keeps every write (AOF, `appendfsync always`), as production
/// must run it (`docs/reliability.md`).
struct Redis {
    dir: PathBuf,
    port: u16,
    child: Option<Child>,
}

impl Redis {
    async fn start(dir: &Path) -> anyhow::Result<Self> {
        let dir = dir.join("redis");
        std::fs::create_dir_all(&dir)?;
        let mut redis = Self {
            dir,
            port: free_port()?,
            child: None,
        };
        redis.spawn().await?;
        Ok(redis)
    }

    async fn spawn(&mut self) -> anyhow::Result<()> {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args([
                "--appendonly",
                "yes",
                "--appendfsync",
                "always",
                "--save",
                "",
            ])
            .args(["--maxmemory-policy", "noeviction"])
            .arg("--dir")
            .arg(&self.dir)
            .stdout(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .context("redis-server on PATH")?;
        self.child = Some(child);
        for _ in 0..250 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        bail!("redis-server did not start")
    }

    async fn kill_and_restart(&mut self) -> anyhow::Result<()> {
        if let Some(mut child) = self.child.take() {
            child.start_kill()?;
            child.wait().await?;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.spawn().await
    }

    fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }
}

/// One process of ours, restartable.
struct Service {
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    log: PathBuf,
    child: Option<Child>,
}

impl Service {
    fn spawn(&mut self) -> anyhow::Result<()> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)?;
        let child = Command::new(&self.program)
            .args(&self.args)
            .env_clear()
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(log)
            .kill_on_drop(true)
            .spawn()
            .with_context(|| format!("starting {}", self.program.display()))?;
        self.child = Some(child);
        Ok(())
    }

    async fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.start_kill();
            let _ = child.wait().await;
        }
    }
}

/// One shopper's message as the load generator sent it.
#[derive(Clone)]
struct Shopper {
    telegram: bool,
    /// Telegram chat id or web-chat visitor id.
    who: String,
    accepted_at: Option<Instant>,
}

/// What a fault was and when it happened.
#[derive(Clone)]
struct Fault {
    what: String,
    at: Instant,
}

const QUESTIONS: [&str; 6] = [
    "Где мой заказ 1456789012?",
    "Здравствуйте! Как вернуть товар?",
    "рост 170, обхват груди 92 — какой размер пуховика 139204857?",
    "Можно обменять на другой размер?",
    "Спасибо!",
    "Добрый день, когда привезут заказ 1456789013?",
];

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    std::fs::create_dir_all(&args.dir)?;
    let logs = args.dir.join("logs");
    std::fs::create_dir_all(&logs)?;

    // Our own PostgreSQL and Redis.
    let pg = Postgres::create(&args.pg_bin, &args.dir).await?;
    let mut redis = Redis::start(&args.dir).await?;
    let admin_url = pg.url("postgres");
    let mut admin = otklik_db::connect(&admin_url).await?;
    {
        use diesel_async::RunQueryDsl;
        diesel::sql_query("CREATE ROLE otklik_tenant NOLOGIN")
            .execute(&mut admin)
            .await?;
        diesel::sql_query("CREATE DATABASE otklik")
            .execute(&mut admin)
            .await?;
    }
    drop(admin);
    let database_url = pg.url("otklik");
    let telegram = FakeTelegram::start().await?;
    let http_port = free_port()?;
    let base = format!("http://127.0.0.1:{http_port}");
    let env: Vec<(String, String)> = [
        ("DATABASE_URL", database_url.clone()),
        ("REDIS_URL", redis.url()),
        ("OTKLIK_MASTER_KEY", MASTER_KEY.to_owned()),
        ("OTKLIK_REDIS_NAMESPACE", NAMESPACE.to_owned()),
        ("OTKLIK_TELEGRAM_API_URL", telegram.url()),
        ("OTKLIK_HTTP_ADDR", format!("127.0.0.1:{http_port}")),
        ("OTKLIK_PUBLIC_URL", base.clone()),
        ("RUST_LOG", "warn".to_owned()),
        ("PATH", std::env::var("PATH").unwrap_or_default()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();

    let workers_bin = args.bin.join("workers");
    let migrated = Command::new(&workers_bin)
        .arg("migrate")
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdout(Stdio::null())
        .status()
        .await?;
    if !migrated.success() {
        bail!("workers migrate failed");
    }
    let mut conn = otklik_db::connect(&database_url).await?;
    let tenant = otklik_db::tenants::create(&mut conn, "Хаос", "chaos").await?;
    otklik_db::tenants::set_operator_only(&mut conn, tenant, false).await?;
    otklik_workers::demo::seed_shop(&mut conn, tenant).await?;
    let vault = otklik_db::sealed::Vault::new(&[SecretString::from(MASTER_KEY)]);
    let telegram_channel =
        otklik_tests::telegram_channel(&mut conn, &vault, tenant, BOT_TOKEN).await?;
    let webchat_channel = otklik_db::channels::create(
        &mut conn,
        tenant,
        ChannelKind::Webchat,
        "Сайт",
        &otklik_db::sealed::Sealed::none(),
    )
    .await?
    .id;
    drop(conn);
    let secret = WebhookSecrets::new(SecretString::from(MASTER_KEY)).telegram(telegram_channel);

    let mut ingress = Service {
        program: args.bin.join("ingress"),
        args: vec![],
        env: env.clone(),
        log: logs.join("ingress.log"),
        child: None,
    };
    ingress.spawn()?;
    let workers: Vec<Arc<Mutex<Service>>> = (0..args.workers)
        .map(|i| {
            Arc::new(Mutex::new(Service {
                program: workers_bin.clone(),
                args: ["run", "--pools", "inbound,ai,outbound"]
                    .map(str::to_owned)
                    .to_vec(),
                env: env.clone(),
                log: logs.join(format!("workers-{i}.log")),
                child: None,
            }))
        })
        .collect();
    for worker in &workers {
        worker.lock().await.spawn()?;
    }
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        .build()?;
    for _ in 0..100 {
        if http.get(format!("{base}/healthz")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    let started = Instant::now();
    let writing = Duration::from_secs_f64(f64::from(args.shoppers) / f64::from(args.rate.max(1)));
    let faults: Arc<std::sync::Mutex<Vec<Fault>>> = Arc::default();
    let note = {
        let faults = faults.clone();
        move |what: String| {
            eprintln!("[chaos] {:>6.1}s {what}", started.elapsed().as_secs_f64());
            faults
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .push(Fault {
                    what,
                    at: Instant::now(),
                });
        }
    };

    // Worker kills at random while shoppers write.
    let killer = {
        let (workers, note) = (workers.clone(), note.clone());
        let every = args.kill_every.max(1);
        tokio::spawn(async move {
            loop {
                let pause = rand::rng().random_range(every * 500..=every * 1500);
                tokio::time::sleep(Duration::from_millis(pause)).await;
                let victim = rand::rng().random_range(0..workers.len());
                let mut worker = workers[victim].lock().await;
                worker.kill().await;
                note(format!("SIGKILL worker {victim}"));
                let down = rand::rng().random_range(300..=2000);
                tokio::time::sleep(Duration::from_millis(down)).await;
                if let Err(err) = worker.spawn() {
                    eprintln!("[chaos] could not restart worker {victim}: {err}");
                }
            }
        })
    };

    // A supervisor, as honcho or systemd would be: a worker process that exited on its own
    // (too many Redis reconnects in a row) is started again.
    let exits = Arc::new(AtomicUsize::new(0));
    let supervisor = {
        let (workers, exits) = (workers.clone(), exits.clone());
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(1)).await;
                for worker in &workers {
                    let mut worker = worker.lock().await;
                    let exited = match worker.child.as_mut() {
                        Some(child) => matches!(child.try_wait(), Ok(Some(_))),
                        None => false,
                    };
                    if exited {
                        exits.fetch_add(1, Ordering::Relaxed);
                        if let Err(err) = worker.spawn() {
                            eprintln!("[chaos] could not restart a worker: {err}");
                        }
                    }
                }
            }
        })
    };

    // The one-off faults, spread over the writing phase.
    let at = |fraction: f64| started + writing.mul_f64(fraction);
    let schedule = vec![
        (at(0.15), "telegram 429"),
        (at(0.30), "redis"),
        (at(0.45), "telegram 5xx"),
        (at(0.60), "postgres"),
        (at(0.75), "telegram slow"),
    ];
    let chaos = {
        let (telegram, note) = (telegram.clone(), note.clone());
        tokio::spawn(async move {
            for (when, what) in schedule {
                tokio::time::sleep_until(when.into()).await;
                match what {
                    "redis" => {
                        note("SIGKILL redis".into());
                        if let Err(err) = redis.kill_and_restart().await {
                            eprintln!("[chaos] redis restart failed: {err}");
                        }
                        note("redis back".into());
                    }
                    "postgres" => {
                        note("postgres crash (immediate stop)".into());
                        if let Err(err) = pg.crash_and_restart().await {
                            eprintln!("[chaos] postgres restart failed: {err}");
                        }
                        note("postgres back".into());
                    }
                    burst => {
                        let (script, length) = match burst {
                            "telegram 429" => (Script::RetryAfter(2), 4),
                            "telegram 5xx" => (Script::ServerError, 4),
                            _ => (Script::Delay(Duration::from_secs(3)), 6),
                        };
                        note(format!("{burst} burst for {length}s"));
                        telegram.set_fault(Some(script));
                        tokio::time::sleep(Duration::from_secs(length)).await;
                        telegram.set_fault(None);
                    }
                }
            }
            (redis, pg)
        })
    };

    // The shoppers.
    let questions = QUESTIONS;
    let mut shoppers: Vec<Arc<std::sync::Mutex<Shopper>>> = Vec::new();
    let mut senders = Vec::new();
    for i in 0..args.shoppers {
        let due = started + Duration::from_secs_f64(f64::from(i) / f64::from(args.rate.max(1)));
        tokio::time::sleep_until(due.into()).await;
        let telegram_shopper = i % 2 == 0;
        let who = if telegram_shopper {
            (5_000_000 + i64::from(i)).to_string()
        } else {
            format!("chaos-visitor-{i:08}")
        };
        let shopper = Arc::new(std::sync::Mutex::new(Shopper {
            telegram: telegram_shopper,
            who: who.clone(),
            accepted_at: None,
        }));
        shoppers.push(shopper.clone());
        let text = questions[i as usize % questions.len()];
        let (http, base, secret) = (http.clone(), base.clone(), secret.clone());
        senders.push(tokio::spawn(async move {
            // Like Telegram and a page's retry: the same update again until it is accepted.
            for _ in 0..120 {
                let request = if telegram_shopper {
                    let chat: i64 = who.parse().unwrap_or_default();
                    let update = json!({"update_id": i, "message": {"message_id": 1,
                        "from": {"id": chat, "is_bot": false, "first_name": "Покупатель"},
                        "chat": {"id": chat, "type": "private", "first_name": "Покупатель"},
                        "date": 1_718_000_000, "text": text}});
                    http.post(format!("{base}/hooks/telegram/{telegram_channel}"))
                        .header("X-Telegram-Bot-Api-Secret-Token", &secret)
                        .json(&update)
                } else {
                    let body = json!({"visitor_id": who, "client_message_id": format!("m-{who}"),
                        "text": text});
                    http.post(format!("{base}/chat/{webchat_channel}/messages"))
                        .json(&body)
                };
                if let Ok(response) = request.send().await
                    && response.status().is_success()
                {
                    shopper
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .accepted_at = Some(Instant::now());
                    return;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }));
    }
    for sender in senders {
        let _ = sender.await;
    }
    killer.abort();
    supervisor.abort();
    // Whoever the killer left down comes back.
    for worker in &workers {
        let mut worker = worker.lock().await;
        if worker.child.is_none() {
            worker.spawn()?;
        }
    }
    let (redis, pg) = chaos.await?;
    let writing_done = Instant::now();

    // Drain: until every accepted message is answered or handed off, or the time is up.
    let shoppers: Vec<Shopper> = shoppers
        .iter()
        .map(|s| {
            s.lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .clone()
        })
        .collect();
    let accepted: Vec<&Shopper> = shoppers
        .iter()
        .filter(|s| s.accepted_at.is_some())
        .collect();
    let deadline = writing_done + Duration::from_secs(args.drain_secs);
    let mut outcome;
    loop {
        outcome = tally(&telegram, &database_url, webchat_channel, &accepted).await?;
        if outcome.lost.is_empty() || Instant::now() >= deadline {
            break;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
    // Anything sent late still counts as a duplicate.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let outcome = tally(&telegram, &database_url, webchat_channel, &accepted).await?;
    let drained_in = writing_done.elapsed().as_secs_f64();

    // How long each fault took to heal: until every Telegram message accepted before it and
    // unanswered at that moment was answered.
    let first_answer: HashMap<String, Instant> = {
        let mut first = HashMap::new();
        for call in telegram.delivered() {
            let chat = call.body["chat_id"].to_string();
            first.entry(chat).or_insert(call.at);
        }
        first
    };
    let faults = faults
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let recoveries: Vec<Value> = faults
        .iter()
        .filter(|f| !f.what.ends_with("back"))
        .map(|fault| {
            let healed = accepted
                .iter()
                .filter(|s| s.telegram && s.accepted_at.is_some_and(|a| a < fault.at))
                .filter_map(|s| match first_answer.get(&s.who) {
                    Some(answered) if *answered > fault.at => Some(Some(*answered)),
                    Some(_) => None,
                    None => Some(None),
                })
                .try_fold(fault.at, |latest, answered| answered.map(|a| latest.max(a)));
            json!({
                "fault": fault.what,
                "at_secs": round(fault.at.duration_since(started).as_secs_f64()),
                "recovered_in_secs": healed.map(|h| round(h.duration_since(fault.at).as_secs_f64())),
            })
        })
        .collect();
    let worst_recovery = recoveries
        .iter()
        .filter_map(|r| r["recovered_in_secs"].as_f64())
        .fold(0.0_f64, f64::max);

    let result = json!({
        "shoppers": args.shoppers,
        "accepted": accepted.len(),
        "answered": outcome.answered,
        "handed_off_undelivered": outcome.handed_off,
        "lost": outcome.lost.len(),
        "duplicate_sends": outcome.duplicates,
        "duplicate_percent": round(100.0 * outcome.duplicates as f64 / f64::from(args.shoppers.max(1))),
        "worker_kills": faults.iter().filter(|f| f.what.starts_with("SIGKILL worker")).count(),
        "worker_exits_restarted": exits.load(Ordering::Relaxed),
        "faults": recoveries,
        "worst_recovery_secs": round(worst_recovery),
        "writing_secs": round(writing.as_secs_f64()),
        "drained_in_secs": round(drained_in),
        "lost_examples": outcome.lost.iter().take(5).collect::<Vec<_>>(),
    });
    #[expect(clippy::print_stdout, reason = "the result is the output")]
    {
        println!("{result}");
    }

    ingress.kill().await;
    for worker in &workers {
        worker.lock().await.kill().await;
    }
    drop(redis);
    pg.stop().await;
    if !outcome.lost.is_empty() {
        std::process::exit(1);
    }
    Ok(())
}

fn round(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

struct Tally {
    answered: usize,
    handed_off: usize,
    duplicates: usize,
    lost: Vec<String>,
}

/// Who got an answer: Telegram shoppers at the fake, web-chat visitors in the history their
/// page reads when it (re)connects; a reply that could not be delivered but was handed to
/// people is not lost.
async fn tally(
    telegram: &FakeTelegram,
    database_url: &str,
    webchat_channel: otklik_schema::ChannelId,
    accepted: &[&Shopper],
) -> anyhow::Result<Tally> {
    let mut received: HashMap<String, usize> = HashMap::new();
    for call in telegram.delivered() {
        *received
            .entry(call.body["chat_id"].to_string())
            .or_default() += 1;
    }
    let mut conn = otklik_db::connect(database_url).await?;
    let mut webchat_received: HashMap<String, usize> = HashMap::new();
    let mut handed_off: HashSet<String> = HashSet::new();
    {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            chat: String,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            sent: i64,
            #[diesel(sql_type = diesel::sql_types::Bool)]
            undelivered_handoff: bool,
        }
        use diesel_async::RunQueryDsl;
        let rows = diesel::sql_query(
            "SELECT c.external_chat_id AS chat,
                    count(*) FILTER (WHERE m.delivery_status = 'sent' AND c.channel_id = $1) AS sent,
                    coalesce(bool_or(c.handoff_reason = 'delivery_failed'), false)
                        AS undelivered_handoff
               FROM conversations c LEFT JOIN messages m
                 ON m.conversation_id = c.id AND m.direction = 'outbound'
              GROUP BY c.external_chat_id, c.channel_id",
        )
        .bind::<diesel::sql_types::BigInt, _>(webchat_channel)
        .load::<Row>(&mut conn)
        .await?;
        for row in rows {
            if row.undelivered_handoff {
                handed_off.insert(row.chat.clone());
            }
            if row.sent > 0 {
                *webchat_received.entry(row.chat).or_default() += row.sent as usize;
            }
        }
    }
    let mut tally = Tally {
        answered: 0,
        handed_off: 0,
        duplicates: 0,
        lost: Vec::new(),
    };
    for shopper in accepted {
        let got = if shopper.telegram {
            received.get(&shopper.who).copied().unwrap_or(0)
        } else {
            webchat_received.get(&shopper.who).copied().unwrap_or(0)
        };
        if got > 0 {
            tally.answered += 1;
            tally.duplicates += got - 1;
        } else if handed_off.contains(&shopper.who) {
            tally.handed_off += 1;
        } else {
            tally.lost.push(shopper.who.clone());
        }
    }
    Ok(tally)
}
