//! Measures how fast the workers drain the whole chain — inbound → turn → outbound — against
//! the fake Telegram: fills the inbound queue with one message per chat across many bots,
//! starts the `workers` binary, and times until every reply has arrived. Prints one JSON line.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use otklik_config::Config;
use otklik_jobs::{InboundEvent, QueueSettings, Queues};
use otklik_tests::FakeTelegram;
use secrecy::ExposeSecret;

#[derive(Parser)]
struct Args {
    /// Messages to drain, one per chat.
    #[arg(long, default_value_t = 5000)]
    messages: u32,
    /// Telegram bots to spread them over (each is limited to 30 sends/s).
    #[arg(long, default_value_t = 100)]
    bots: u32,
    /// The workers binary to run.
    #[arg(long, default_value = "target/release/workers")]
    workers: PathBuf,
    /// Worker processes to start.
    #[arg(long, default_value_t = 1)]
    processes: u32,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let telegram = FakeTelegram::start().await?;
    let namespace = format!("bench{}", std::process::id());
    // The worker processes get the same settings, pointed at this run's namespace and fake.
    let overrides = [
        ("OTKLIK_REDIS_NAMESPACE", namespace.clone()),
        ("OTKLIK_TELEGRAM_API_URL", telegram.url()),
    ];
    let mut pairs: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("OTKLIK_") || k.ends_with("_URL"))
        .collect();
    pairs.retain(|(k, _)| !overrides.iter().any(|(o, _)| o == k));
    pairs.extend(overrides.iter().map(|(k, v)| ((*k).to_owned(), v.clone())));
    let config = Config::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;

    let mut conn = otklik_db::connect(config.database_url.expose_secret()).await?;
    let slug = format!("bench-{}", std::process::id());
    let tenant = otklik_db::tenants::create(&mut conn, "Bench", &slug).await?;
    let vault = otklik_db::sealed::Vault::new(&config.master_keys());
    let mut channels = Vec::new();
    for bot in 0..args.bots {
        channels.push(
            otklik_tests::telegram_channel(&mut conn, &vault, tenant, &format!("{bot}:BENCH"))
                .await?,
        );
    }

    let redis = otklik_jobs::connect(config.redis_url.expose_secret()).await?;
    let settings = QueueSettings::from_config(&config);
    let queues = Queues::new(redis, &settings);
    for i in 0..args.messages {
        let channel_id = channels[(i % args.bots) as usize];
        let chat = 1_000_000 + i64::from(i);
        let update = serde_json::json!({"update_id": i, "message": {"message_id": 1,
            "from": {"id": chat, "is_bot": false, "first_name": "Bench"},
            "chat": {"id": chat, "type": "private", "first_name": "Bench"},
            "date": 1_718_000_000, "text": "Где мой заказ?"}});
        queues
            .push_inbound(InboundEvent::Telegram {
                channel_id,
                update_id: i64::from(i),
                update: update.to_string(),
            })
            .await
            .context("filling the inbound queue")?;
    }

    let started = Instant::now();
    let mut children = Vec::new();
    for _ in 0..args.processes {
        children.push(
            tokio::process::Command::new(&args.workers)
                .args(["run", "--pools", "inbound,ai,outbound"])
                .envs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
                .env("RUST_LOG", "error")
                .stdout(Stdio::null())
                .kill_on_drop(true)
                .spawn()
                .with_context(|| format!("starting {}", args.workers.display()))?,
        );
    }
    let pids: Vec<u32> = children
        .iter()
        .filter_map(tokio::process::Child::id)
        .collect();
    let sent = telegram
        .wait_for_sent(args.messages as usize, Duration::from_secs(600))
        .await
        .len();
    let elapsed = started.elapsed();
    let peak_rss_kib: Vec<u64> = pids.iter().map(|pid| peak_rss(*pid)).collect();
    for mut child in children {
        let _ = child.kill().await;
    }
    let result = serde_json::json!({
        "messages": args.messages,
        "answered": sent,
        "bots": args.bots,
        "worker_processes": args.processes,
        "seconds": elapsed.as_secs_f64(),
        "messages_per_second": sent as f64 / elapsed.as_secs_f64(),
        "worker_peak_rss_mib": peak_rss_kib.iter().map(|k| *k as f64 / 1024.0).collect::<Vec<_>>(),
    });
    #[expect(clippy::print_stdout, reason = "the measurement is the output")]
    {
        println!("{result}");
    }
    Ok(())
}

/// Peak resident memory of a process (VmHWM), in KiB.
fn peak_rss(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with("VmHWM:"))
                .and_then(|line| {
                    line.split_whitespace()
                        .nth(1)
                        .and_then(|kib| kib.parse().ok())
                })
        })
        .unwrap_or(0)
}
