//! `TestApp`: a fresh database, a Redis namespace, a fake Telegram, the ingress and (usually)
//! the workers, all in this process.

use std::process::{Child, Command, Stdio};
use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use otklik_config::Config;
use otklik_db::channels;
use otklik_db::sealed::Sealed;
use otklik_jobs::{Pool, Queue, QueueSettings, WebhookSecrets};
use otklik_schema::{ChannelId, ChannelKind};
use otklik_tests::FakeTelegram;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tokio::sync::{Mutex, OnceCell, oneshot};

pub const BOT_TOKEN: &str = "123456:TEST-token";
/// Each test process migrates its own template, so runs on one machine do not drop each other's.
static TEMPLATE: LazyLock<String> =
    LazyLock::new(|| format!("otklik_test_template_{}", std::process::id()));
pub const MASTER_KEY: &str = "test-master-key-0123456789abcdef-0123456789";

pub fn admin_url() -> String {
    std::env::var("OTKLIK_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://otklik:otklik@127.0.0.1:5432".into())
}

/// The restricted login of the database at `url`, as the ingress derives it.
pub fn tenant_url(url: &str) -> String {
    Config::from_pairs([
        ("DATABASE_URL", url),
        ("REDIS_URL", "redis://127.0.0.1:6379"),
        ("OTKLIK_MASTER_KEY", MASTER_KEY),
    ])
    .expect("config")
    .tenant_database_url()
    .expose_secret()
    .to_owned()
}

pub fn redis_url() -> String {
    std::env::var("OTKLIK_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

static TEMPLATE_READY: OnceCell<()> = OnceCell::const_new();
/// PostgreSQL refuses to clone a template that another clone is reading.
static CLONING: LazyLock<Mutex<()>> = LazyLock::new(|| Mutex::new(()));

async fn admin() -> AsyncPgConnection {
    AsyncPgConnection::establish(&format!("{}/postgres", admin_url()))
        .await
        .expect("connect as the test admin")
}

/// Drops the templates of test processes that have ended (and the old shared one).
async fn drop_stale_templates(conn: &mut AsyncPgConnection) {
    #[derive(diesel::QueryableByName)]
    struct Database {
        #[diesel(sql_type = diesel::sql_types::Text)]
        datname: String,
    }
    let templates = diesel::sql_query(
        "SELECT datname::TEXT AS datname FROM pg_database WHERE datname LIKE 'otklik\\_test\\_template%'",
    )
    .load::<Database>(conn)
    .await
    .expect("list templates");
    for Database { datname } in templates {
        let alive = datname
            .rsplit('_')
            .next()
            .and_then(|pid| pid.parse::<u32>().ok())
            // This process's own name may be left by an earlier process with the same id.
            .is_some_and(|pid| {
                pid != std::process::id() && std::path::Path::new(&format!("/proc/{pid}")).exists()
            });
        if !alive {
            diesel::sql_query(format!("DROP DATABASE IF EXISTS {datname} WITH (FORCE)"))
                .execute(conn)
                .await
                .expect("drop a stale template");
        }
    }
}

/// A new database with every migration applied.
pub async fn fresh_database() -> String {
    TEMPLATE_READY
        .get_or_init(|| async {
            let mut conn = admin().await;
            drop_stale_templates(&mut conn).await;
            let template = &*TEMPLATE;
            diesel::sql_query(format!("CREATE DATABASE {template}"))
                .execute(&mut conn)
                .await
                .expect("create template");
            otklik_db::run_migrations(&format!("{}/{template}", admin_url()))
                .await
                .expect("migrate template");
        })
        .await;
    // Named for this process, so `scripts/test` drops only databases of runs that have ended.
    let name = format!("t_{}_{}", std::process::id(), uuid::Uuid::new_v4().simple());
    let _guard = CLONING.lock().await;
    let mut conn = admin().await;
    diesel::sql_query(format!("CREATE DATABASE {name} TEMPLATE {}", *TEMPLATE))
        .execute(&mut conn)
        .await
        .expect("clone template");
    format!("{}/{name}", admin_url())
}

/// A Redis server of the test's own, so the test can stop and restart it.
pub struct PrivateRedis {
    child: Child,
    port: u16,
}

impl PrivateRedis {
    /// Starts one on a free port and waits until it accepts connections.
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let redis = Self {
            child: Self::spawn(port),
            port,
        };
        redis.wait_ready().await;
        redis
    }

    fn spawn(port: u16) -> Child {
        Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server on PATH")
    }

    async fn wait_ready(&self) {
        for _ in 0..250 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("redis-server on port {} did not start", self.port);
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Kills the server: every connection to it breaks, and what it held is gone.
    pub fn stop(&mut self) {
        self.child.kill().expect("stop redis");
        self.child.wait().expect("reap redis");
    }

    /// Kills the server and starts a new, empty one on the same port.
    pub async fn restart(&mut self) {
        self.stop();
        self.child = Self::spawn(self.port);
        self.wait_ready().await;
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Options {
    pub workers: bool,
    pub redis_url: String,
    /// Transport tests keep the tenant with people, so replies do not depend on the assistant.
    pub operator_only: bool,
    /// More settings, such as model providers pointed at fakes.
    pub env: Vec<(&'static str, String)>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            workers: true,
            redis_url: redis_url(),
            operator_only: true,
            env: Vec::new(),
        }
    }
}

pub struct TestApp {
    pub http: reqwest::Client,
    pub base: String,
    pub telegram: FakeTelegram,
    pub config: Config,
    pub env: Vec<(String, String)>,
    pub telegram_channel: ChannelId,
    pub webchat_channel: ChannelId,
    pub tenant: otklik_db::TenantScope,
    stops: Vec<oneshot::Sender<()>>,
    /// Whether the test leaves dead-lettered jobs behind on purpose (see [`Drop`]).
    dead_letters_expected: AtomicBool,
}

impl TestApp {
    pub async fn start() -> Self {
        Self::with(Options::default()).await
    }

    /// The ingress alone on `redis_url` (a [`PrivateRedis`] the test stops), with no workers.
    pub async fn ingress_only(redis_url: String) -> Self {
        Self::with(Options {
            workers: false,
            redis_url,
            ..Options::default()
        })
        .await
    }

    pub async fn with(options: Options) -> Self {
        // Quiet unless RUST_LOG asks for more.
        if std::env::var_os("RUST_LOG").is_some() {
            otklik_config::init_tracing(otklik_config::LogFormat::Text);
        }
        let database_url = fresh_database().await;
        let telegram = FakeTelegram::start()
            .await
            .expect("start the fake Telegram");
        let namespace = format!("t{}", &uuid::Uuid::new_v4().simple().to_string()[..12]);
        // Bound first, so webhooks registered with fakes point at this ingress.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("addr"));
        let env: Vec<(String, String)> = [
            ("OTKLIK_PUBLIC_URL", base.as_str()),
            ("DATABASE_URL", database_url.as_str()),
            ("REDIS_URL", options.redis_url.as_str()),
            ("OTKLIK_MASTER_KEY", MASTER_KEY),
            ("OTKLIK_REDIS_NAMESPACE", namespace.as_str()),
            ("OTKLIK_TELEGRAM_API_URL", telegram.url().as_str()),
            ("OTKLIK_QUEUE_POLL_MS", "50"),
            ("OTKLIK_QUEUE_HEARTBEAT_SECS", "1"),
            ("OTKLIK_QUEUE_MISSED_HEARTBEATS", "3"),
            ("OTKLIK_SEND_TIMEOUT_SECS", "2"),
            ("OTKLIK_ENQUEUE_TIMEOUT_MS", "1000"),
            ("OTKLIK_DB_POOL_SIZE", "6"),
            ("OTKLIK_SHUTDOWN_TIMEOUT_SECS", "2"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .chain(
            options
                .env
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone())),
        )
        .collect();
        let config = Config::from_pairs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .expect("test config");

        let mut conn = AsyncPgConnection::establish(&database_url)
            .await
            .expect("connect to the test database");
        let tenant = otklik_db::tenants::create(&mut conn, "Тестовый магазин", "test-shop")
            .await
            .expect("tenant");
        otklik_db::tenants::set_operator_only(&mut conn, tenant, options.operator_only)
            .await
            .expect("operator-only mode");
        let vault = otklik_db::sealed::Vault::new(&config.master_keys());
        let telegram_channel = otklik_tests::telegram_channel(&mut conn, &vault, tenant, BOT_TOKEN)
            .await
            .expect("telegram channel");
        let webchat_channel = channels::create(
            &mut conn,
            tenant,
            ChannelKind::Webchat,
            "Сайт",
            &Sealed::none(),
        )
        .await
        .expect("webchat")
        .id;

        let state = otklik_ingress::AppState::connect(config.clone())
            .await
            .expect("ingress state");
        let (stop_ingress, stopped) = oneshot::channel::<()>();
        tokio::spawn(otklik_ingress::serve(state, listener, async move {
            let _ = stopped.await;
        }));
        let mut stops = vec![stop_ingress];
        if options.workers {
            let (stop_workers, stopped) = oneshot::channel::<()>();
            let workers_config = config.clone();
            tokio::spawn(async move {
                otklik_workers::run(workers_config, &Pool::ALL, async move {
                    let _ = stopped.await;
                })
                .await
            });
            stops.push(stop_workers);
        }
        Self {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(30))
                .build()
                .expect("http client"),
            base,
            telegram,
            config,
            env,
            telegram_channel,
            webchat_channel,
            tenant,
            stops,
            dead_letters_expected: AtomicBool::new(false),
        }
    }

    pub async fn db(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(self.config.database_url.expose_secret())
            .await
            .expect("connect")
    }

    /// Every event published on the test shop's operator topic from now on, as the dashboard's
    /// socket would hear it.
    pub async fn operator_events(&self) -> std::sync::Arc<std::sync::Mutex<Vec<Value>>> {
        use futures::StreamExt;
        let topic =
            otklik_jobs::topics::operators(&self.config.redis_namespace, self.tenant.tenant_id());
        let client = redis::Client::open(redis_url()).expect("redis url");
        let mut pubsub = client.get_async_pubsub().await.expect("pubsub");
        pubsub.subscribe(topic).await.expect("subscribe");
        let events = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let sink = events.clone();
        tokio::spawn(async move {
            let mut messages = pubsub.into_on_message();
            while let Some(message) = messages.next().await {
                if let Ok(event) = serde_json::from_slice::<Value>(message.get_payload_bytes()) {
                    sink.lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .push(event);
                }
            }
        });
        events
    }

    /// Runs a `SELECT count(*) AS n ...` on the test database.
    pub async fn count(&self, sql: &str) -> i64 {
        count(&mut self.db().await, sql).await
    }

    pub fn secret(&self) -> String {
        WebhookSecrets::new(SecretString::from(MASTER_KEY)).telegram(self.telegram_channel)
    }

    /// Posts an update to the Telegram webhook with the channel's secret.
    pub async fn post_update(&self, update: &Value) -> reqwest::StatusCode {
        self.http
            .post(format!(
                "{}/hooks/telegram/{}",
                self.base, self.telegram_channel
            ))
            .header("X-Telegram-Bot-Api-Secret-Token", self.secret())
            .json(update)
            .send()
            .await
            .expect("post update")
            .status()
    }

    /// The queue settings the app runs with.
    pub fn queue_settings(&self) -> QueueSettings {
        QueueSettings::from_config(&self.config)
    }

    /// A shopper's text message arrives through the webhook and is accepted.
    pub async fn shopper_writes(&self, update_id: u32, chat_id: i64, message_id: i64, text: &str) {
        let status = self
            .post_update(&text_update(update_id, chat_id, message_id, text))
            .await;
        assert_eq!(status, 200, "webhook accepted");
    }

    /// Waits until the fake Telegram has received exactly `count` messages, and returns them.
    pub async fn expect_replies(&self, count: usize) -> Vec<otklik_tests::telegram::Call> {
        let sent = self
            .telegram
            .wait_for_sent(count, Duration::from_secs(20))
            .await;
        assert_eq!(sent.len(), count, "messages received by Telegram");
        sent
    }

    /// How many jobs a queue holds (waiting, running or finished but not yet cleaned up).
    pub async fn jobs_in(&self, queue: Queue) -> i64 {
        let key = self.queue_settings().config(queue).job_data_hash();
        let client = redis::Client::open(redis_url()).expect("redis url");
        let mut conn = client
            .get_multiplexed_async_connection()
            .await
            .expect("redis");
        redis::cmd("HLEN")
            .arg(key)
            .query_async(&mut conn)
            .await
            .expect("HLEN")
    }

    /// Polls `query` until it returns `expected` or `timeout` passes; returns the last value.
    pub async fn eventually<T, F, Fut>(&self, timeout: Duration, expected: T, mut query: F) -> T
    where
        T: PartialEq,
        F: FnMut() -> Fut,
        Fut: Future<Output = T>,
    {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let value = query().await;
            if value == expected || tokio::time::Instant::now() >= deadline {
                return value;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl TestApp {
    /// The test dead-letters jobs on purpose: the check on drop is off.
    pub fn expect_dead_letters(&self) {
        self.dead_letters_expected.store(true, Ordering::Relaxed);
    }

    /// Jobs dead-lettered in this app's queues, as `queue/id`. Blocking: it runs on drop.
    fn dead_letters(&self) -> Vec<String> {
        let settings = self.queue_settings();
        let connected = redis::Client::open(self.config.redis_url.expose_secret())
            .and_then(|client| client.get_connection_with_timeout(Duration::from_secs(2)));
        // A test that stopped its own Redis has nothing left to check.
        let Ok(mut conn) = connected else {
            return Vec::new();
        };
        Queue::ALL
            .into_iter()
            .flat_map(|queue| {
                let ids: Vec<String> = redis::cmd("SMEMBERS")
                    .arg(settings.config(queue).dead_jobs_set())
                    .query(&mut conn)
                    .unwrap_or_default();
                ids.into_iter()
                    .map(move |id| format!("{}/{id}", queue.as_str()))
            })
            .collect()
    }
}

impl Drop for TestApp {
    /// Stops the app, and fails a test that left dead-lettered jobs behind unannounced: a job
    /// that failed for good is a bug the test's own assertions may not see.
    fn drop(&mut self) {
        for stop in self.stops.drain(..) {
            let _ = stop.send(());
        }
        if std::thread::panicking()
            || AtomicBool::load(&self.dead_letters_expected, Ordering::Relaxed)
        {
            return;
        }
        let dead = self.dead_letters();
        assert!(
            dead.is_empty(),
            "jobs dead-lettered during the test: {dead:?}"
        );
    }
}

/// A Telegram text-message update.
pub fn text_update(update_id: u32, chat_id: i64, message_id: i64, text: &str) -> Value {
    json!({
        "update_id": update_id,
        "message": {
            "message_id": message_id,
            "from": { "id": chat_id, "is_bot": false, "first_name": "Иван", "username": "ivan" },
            "chat": { "id": chat_id, "first_name": "Иван", "type": "private" },
            "date": 1_718_000_000,
            "text": text,
        }
    })
}

/// Delivery statuses of the bot's messages, oldest first.
pub async fn outbound_statuses(conn: &mut AsyncPgConnection) -> Vec<(String, Option<String>)> {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::Text)]
        status: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        error: Option<String>,
    }
    diesel::sql_query(
        "SELECT delivery_status AS status, delivery_error AS error FROM messages WHERE direction = 'outbound' ORDER BY id",
    )
    .load::<Row>(conn)
    .await
    .expect("statuses")
    .into_iter()
    .map(|row| (row.status, row.error))
    .collect()
}

pub async fn count(conn: &mut AsyncPgConnection, sql: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Row {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    diesel::sql_query(sql)
        .get_result::<Row>(conn)
        .await
        .expect("count")
        .n
}
