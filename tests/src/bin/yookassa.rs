//! Runs the fake ЮKassa for the demo and the browser tests: payments are created by the billing
//! code as against the real API (shop id and secret key below), and their confirmation page lets
//! a person pay or be declined; the settled payment's notification is posted to the ingress.
//! Prints one JSON line (the API base, shop id and secret key), then serves until killed.

use std::io::Write;

use anyhow::Context;
use clap::Parser;
use otklik_tests::yookassa::{FakeYooKassa, SECRET_KEY, SHOP_ID};
use serde_json::json;

/// A fake ЮKassa API v3 with a payment page.
#[derive(Parser)]
#[command(name = "yookassa")]
struct Args {
    #[arg(long, default_value = "127.0.0.1:8095")]
    addr: String,
    /// Where settled payments are notified: the ingress's `/hooks/yookassa`.
    #[arg(long)]
    notify_url: Option<String>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let fake = FakeYooKassa::start_on(&args.addr)
        .await
        .with_context(|| format!("Failed to bind the fake ЮKassa to {}", args.addr))?;
    if let Some(url) = &args.notify_url {
        fake.notify_to(url);
    }
    let line = json!({"api_base": fake.url(), "shop_id": SHOP_ID, "secret_key": SECRET_KEY});
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()?;
    drop(stdout);
    tokio::signal::ctrl_c().await?;
    Ok(())
}
