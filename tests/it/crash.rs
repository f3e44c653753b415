//! A worker killed with SIGKILL in the middle of a send: after a restart, the shopper has
//! received the reply exactly once, and the system keeps answering.

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
async fn a_worker_killed_mid_send_never_sends_twice_and_the_next_one_carries_on() {
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

    let _second = spawn_workers(&app);
    // The restarted worker takes over the dead one's jobs after the orphan timeout, sees the
    // interrupted send, and records it instead of sending again.
    let statuses = app
        .eventually(Duration::from_secs(40), "failed".to_owned(), || async {
            outbound_statuses(&mut app.db().await)
                .await
                .first()
                .map(|(s, _)| s.clone())
                .unwrap_or_default()
        })
        .await;
    assert_eq!(statuses, "failed");
    let (_, reason) = outbound_statuses(&mut app.db().await).await.remove(0);
    assert!(reason.unwrap_or_default().contains("interrupted"));
    assert_eq!(
        app.telegram.sent().len(),
        1,
        "the shopper got the reply once"
    );

    // Work goes on: another shopper is answered by the new worker.
    app.shopper_writes(2, 2222, 1, "Здравствуйте").await;
    let sent = app.expect_replies(2).await;
    assert_eq!(sent[1].body["chat_id"], 2222);
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
