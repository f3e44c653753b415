//! Runs the fake MAX and VK for the demo: a demo bot and community whose webhooks the demo
//! seed registers, and a page on each where a person writes as a shopper and watches the
//! shop's replies. Prints one JSON line (the tokens for `workers demo-seed --messengers`), then
//! serves until killed.

use std::io::Write;

use anyhow::Context;
use clap::Parser;
use otklik_tests::{FakeMax, FakeVk};
use serde_json::json;

/// Fake MAX Bot API and VK API serving the demo shop's bot and community.
#[derive(Parser)]
#[command(name = "messengers")]
struct Args {
    #[arg(long, default_value = "127.0.0.1:8093")]
    max_addr: String,
    #[arg(long, default_value = "127.0.0.1:8094")]
    vk_addr: String,
}

/// Demo credentials of fakes, not secrets.
const MAX_TOKEN: &str = "demo-max-bot-token";
const VK_GROUP: i64 = 218_000_001;
const VK_TOKEN: &str = "vk1.a.demo-community-token";
const VK_CODE: &str = "5e1f0c2a";

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let max = FakeMax::start_on(&args.max_addr)
        .await
        .with_context(|| format!("Failed to bind the fake MAX to {}", args.max_addr))?;
    max.add_bot(MAX_TOKEN);
    let vk = FakeVk::start_on(&args.vk_addr)
        .await
        .with_context(|| format!("Failed to bind the fake VK to {}", args.vk_addr))?;
    vk.add_community(VK_GROUP, VK_TOKEN, VK_CODE);
    let line = json!({
        "max": {"url": max.url(), "token": MAX_TOKEN},
        "vk": {"url": vk.url(), "group_id": VK_GROUP, "token": VK_TOKEN},
    });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()?;
    drop(stdout);
    tokio::signal::ctrl_c().await?;
    Ok(())
}
