//! Runs both sandboxes for manual testing, benchmarks and the demo: prints one JSON line with
//! base URLs and credentials on stdout, then serves until SIGTERM or Ctrl-C.

use std::io::Write;
use std::time::Instant;

use anyhow::Context;
use clap::Parser;
use otklik_sandbox::{OzonOptions, OzonSandbox, Seller, SellerSpec, WbOptions, WbSandbox};
use serde_json::json;
use tracing_subscriber::EnvFilter;

/// Fake Wildberries and Ozon seller APIs serving one generated seller.
#[derive(Parser)]
#[command(name = "sandbox")]
struct Args {
    /// Address of the WB sandbox (every WB family).
    #[arg(long, default_value = "127.0.0.1:8091")]
    wb_addr: String,
    /// Address of the Ozon sandbox.
    #[arg(long, default_value = "127.0.0.1:8092")]
    ozon_addr: String,
    /// Catalogue size.
    #[arg(long)]
    products: Option<usize>,
    /// Orders per marketplace.
    #[arg(long)]
    orders: Option<usize>,
    /// Generation seed.
    #[arg(long)]
    seed: Option<u64>,
    /// Days of order history.
    #[arg(long)]
    history_days: Option<u32>,
    /// The demo shop: demo sizes plus the fixed demo records.
    #[arg(long)]
    demo: bool,
    /// Disable rate limits (benchmarks).
    #[arg(long)]
    no_limits: bool,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()))
        .init();
    let args = Args::parse();
    let base = if args.demo {
        SellerSpec::demo()
    } else {
        SellerSpec::default()
    };
    let spec = SellerSpec {
        seed: args.seed.unwrap_or(base.seed),
        products: args.products.unwrap_or(base.products),
        orders: args.orders.unwrap_or(base.orders),
        history_days: args.history_days.unwrap_or(base.history_days),
    };
    let started = Instant::now();
    let mut seller = Seller::generate(spec);
    if args.demo {
        seller = seller.with_demo_records();
    }
    tracing::info!(
        products = spec.products,
        orders = spec.orders,
        seed = spec.seed,
        duration_ms = started.elapsed().as_millis() as u64,
        "Generated the seller"
    );
    let (wb_options, ozon_options) = if args.no_limits {
        (WbOptions::unlimited(), OzonOptions::unlimited())
    } else {
        (WbOptions::default(), OzonOptions::default())
    };
    let wb = WbSandbox::start_on(&args.wb_addr, seller.clone(), wb_options)
        .await
        .with_context(|| format!("Failed to bind the WB sandbox to {}", args.wb_addr))?;
    let ozon = OzonSandbox::start_on(&args.ozon_addr, seller, ozon_options)
        .await
        .with_context(|| format!("Failed to bind the Ozon sandbox to {}", args.ozon_addr))?;
    let line = json!({
        "wb": {"base_url": wb.base_url(), "token": wb.token()},
        "ozon": {
            "base_url": ozon.base_url(),
            "client_id": ozon.client_id(),
            "api_key": ozon.api_key(),
        },
    });
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()?;
    drop(stdout);
    shutdown_signal().await?;
    tracing::info!("Sandboxes stopped");
    Ok(())
}

async fn shutdown_signal() -> anyhow::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("Failed to listen for SIGTERM")?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.context("Failed to listen for Ctrl-C")?,
        _ = terminate.recv() => {}
    }
    Ok(())
}
