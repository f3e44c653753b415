//! Worker processes killed with SIGKILL: after a restart nothing accepted is lost — a send
//! that was waiting is sent once, one whose outcome the crash made unknown is sent again — and
//! the system keeps answering.

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use otklik_tests::telegram::Script;

use crate::support::{Options, TestApp, outbound_statuses};

pub(crate) fn workers_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("OTKLIK_WORKERS_BIN") {
        return path.into();
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target"));
    target.join("debug/workers")
}

/// The workers binary as a child process, killed when dropped (also when a test fails).
pub(crate) struct WorkerProcess(pub(crate) Child);

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn spawn_workers(app: &TestApp) -> WorkerProcess {
    let binary = workers_binary();
    assert!(
        binary.exists(),
        "build the workers binary first (cargo build --bins): {}",
        binary.display()
    );
    Command::new(binary)
        .args(["run", "--pools", "inbound,ai,outbound"])
        .env_clear()
        .envs(app.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env(
            "RUST_LOG",
            std::env::var("OTKLIK_TEST_WORKER_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .stdout(Stdio::null())
        .spawn()
        .map(WorkerProcess)
        .expect("start the workers binary")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_send_whose_outcome_a_crash_made_unknown_is_sent_again_and_work_goes_on() {
    let app = TestApp::with(Options {
        workers: false,
        ..Options::default()
    })
    .await;
    // The first send hangs long enough to kill the worker while Telegram holds the request.
    app.telegram
        .script("sendMessage", Script::Delay(Duration::from_secs(3)));

    let mut first = spawn_workers(&app);
    app.shopper_writes(1, 1111, 1, "Где заказ?").await;
    let sent = app.telegram.wait_for_sent(1, Duration::from_secs(30)).await;
    assert_eq!(sent.len(), 1, "the send reached Telegram");
    first.0.kill().expect("SIGKILL the worker");
    first.0.wait().expect("reap");

    // The restarted worker takes the dead one's jobs back at once (same host, its process is
    // gone), waits until the interrupted claim is stale, and sends again: whether the first
    // request arrived is unknown, and a duplicate is better than silence.
    let _second = spawn_workers(&app);
    let statuses = app
        .eventually(Duration::from_secs(30), "sent".to_owned(), || async {
            outbound_statuses(&mut app.db().await)
                .await
                .first()
                .map(|(s, _)| s.clone())
                .unwrap_or_default()
        })
        .await;
    assert_eq!(statuses, "sent");
    assert_eq!(app.telegram.sent().len(), 2, "sent again after the crash");
    assert_eq!(
        app.count("SELECT delivery_attempts::int8 AS n FROM messages WHERE direction = 'outbound'")
            .await,
        2
    );

    // Work goes on: another shopper is answered by the new worker.
    app.shopper_writes(2, 2222, 1, "Здравствуйте").await;
    let sent = app.expect_replies(3).await;
    assert_eq!(sent[2].body["chat_id"], 2222);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replies_waiting_for_the_rate_limit_survive_a_kill_and_arrive_once() {
    // One send a second through the bot: most replies wait for the limiter when the worker dies.
    let app = TestApp::with(Options {
        workers: false,
        env: vec![("OTKLIK_TELEGRAM_PER_BOT_PER_SEC", "1".to_owned())],
        ..Options::default()
    })
    .await;
    let mut first = spawn_workers(&app);
    for chat in 0..6_i64 {
        app.shopper_writes(300 + chat as u32, 7000 + chat, 1, "Добрый день")
            .await;
    }
    app.telegram.wait_for_sent(2, Duration::from_secs(30)).await;
    first.0.kill().expect("SIGKILL the worker");
    first.0.wait().expect("reap");
    // Waiting for the limiter claims nothing: at most the one send in flight is `sending`.
    let sending = app
        .count("SELECT count(*) AS n FROM messages WHERE delivery_status = 'sending'")
        .await;
    assert!(sending <= 1, "{sending} sends claimed while waiting");

    let _second = spawn_workers(&app);
    let delivered = app
        .eventually(Duration::from_secs(40), 6, || async {
            app.count("SELECT count(*) AS n FROM messages WHERE delivery_status = 'sent'")
                .await
        })
        .await;
    assert_eq!(delivered, 6, "every reply was delivered");
    let mut chats: Vec<i64> = app
        .telegram
        .delivered()
        .iter()
        .filter_map(|c| c.body["chat_id"].as_i64())
        .collect();
    chats.sort_unstable();
    chats.dedup();
    assert_eq!(
        chats,
        (7000..7006).collect::<Vec<_>>(),
        "every shopper answered"
    );
    assert!(
        app.telegram.delivered().len() <= 7,
        "at most the one send in flight arrives twice"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_accepted_while_no_worker_runs_are_answered_once_it_starts() {
    let app = TestApp::with(Options {
        workers: false,
        ..Options::default()
    })
    .await;
    for chat in 0..5_i64 {
        app.shopper_writes(100 + chat as u32, 9000 + chat, 1, "Добрый день")
            .await;
    }
    let mut workers = spawn_workers(&app);
    let sent = app.telegram.wait_for_sent(5, Duration::from_secs(30)).await;
    assert_eq!(sent.len(), 5);
    let mut chats: Vec<i64> = sent
        .iter()
        .filter_map(|c| c.body["chat_id"].as_i64())
        .collect();
    chats.sort_unstable();
    assert_eq!(chats, (9000..9005).collect::<Vec<_>>());

    // A graceful stop (SIGTERM) exits 0.
    Command::new("kill")
        .args(["-TERM", &workers.0.id().to_string()])
        .status()
        .expect("kill -TERM");
    let status = workers.0.wait().expect("wait");
    assert!(status.success(), "graceful shutdown exits 0: {status}");
}
