//! Measures marketplace syncs against in-process WB and Ozon sandboxes: a full sync of a large
//! seller, then an incremental one after `--changed` orders moved on, for each marketplace.
//! By default both sides keep the published limits, so the figures are what a real seller
//! gets; `--unlimited` lifts them to measure our own speed. Prints one JSON line.

use std::time::Instant;

use clap::Parser;
use otklik_config::Config;
use otklik_sandbox::{OzonOptions, OzonSandbox, Seller, SellerSpec, Traffic, WbOptions, WbSandbox};
use otklik_schema::{Marketplace, SyncKind};
use otklik_workers::Context;
use otklik_workers::sync::Silent;
use secrecy::ExposeSecret;
use serde_json::{Value, json};

#[derive(Parser)]
struct Args {
    /// Orders per marketplace.
    #[arg(long, default_value_t = 100_000)]
    orders: usize,
    #[arg(long, default_value_t = 10_000)]
    products: usize,
    /// Orders that change status before the incremental sync.
    #[arg(long, default_value_t = 1000)]
    changed: usize,
    /// No rate limits on either side.
    #[arg(long)]
    unlimited: bool,
}

fn rss_mib(field: &str) -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|line| line.starts_with(field))
                .and_then(|line| line.split_whitespace().nth(1))
                .and_then(|kib| kib.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Requests per second each API family saw during a run.
fn rates(traffic: &Traffic, families: &[&str], seconds: f64) -> Value {
    families
        .iter()
        .map(|family| {
            let rate = traffic.family_requests(family) as f64 / seconds.max(1e-9);
            ((*family).to_owned(), json!((rate * 100.0).round() / 100.0))
        })
        .collect::<serde_json::Map<_, _>>()
        .into()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let spec = SellerSpec {
        seed: 3,
        products: args.products,
        orders: args.orders,
        history_days: 90,
    };
    let generated = Instant::now();
    let seller = Seller::generate(spec);
    let generation_ms = generated.elapsed().as_millis();
    let (wb_options, ozon_options) = if args.unlimited {
        (WbOptions::unlimited(), OzonOptions::unlimited())
    } else {
        (WbOptions::default(), OzonOptions::default())
    };
    let wb = WbSandbox::start(seller.clone(), wb_options).await?;
    let ozon = OzonSandbox::start(seller, ozon_options).await?;

    let mut config = Config::load()?;
    config.redis_namespace = format!("benchsync{}", std::process::id());
    config.wb_base_url = Some(wb.base_url());
    config.ozon_base_url = ozon.base_url();
    config.marketplace_rate_limits = !args.unlimited;
    let mut conn = otklik_db::connect(config.database_url.expose_secret()).await?;
    let slug = format!("bench-sync-{}", std::process::id());
    otklik_db::tenants::create(&mut conn, "Bench", &slug).await?;
    let ctx = Context::connect(config).await?;

    let mut results = serde_json::Map::new();
    for marketplace in [Marketplace::Wb, Marketplace::Ozon] {
        let (credentials, traffic, families): (Value, &Traffic, &[&str]) = match marketplace {
            Marketplace::Wb => (
                json!({"token": wb.token()}),
                wb.traffic(),
                &["marketplace", "content", "statistics"],
            ),
            Marketplace::Ozon => (
                json!({"client_id": ozon.client_id(), "api_key": ozon.api_key()}),
                ozon.traffic(),
                &["posting", "product"],
            ),
        };
        let (report, account) = ctx
            .connect_account(&slug, marketplace, "Bench", &credentials)
            .await?;
        let account = account.ok_or_else(|| anyhow::anyhow!("not connected: {report:?}"))?;

        traffic.reset();
        let rss_before = rss_mib("VmRSS:");
        let started = Instant::now();
        let full = ctx.sync_account(account, SyncKind::Full, &Silent).await?;
        let full_secs = started.elapsed().as_secs_f64();
        let full_rates = rates(traffic, families, full_secs);
        let rss_after = rss_mib("VmRSS:");

        match marketplace {
            Marketplace::Wb => wb.advance(args.changed),
            Marketplace::Ozon => ozon.advance(args.changed),
        };
        traffic.reset();
        let started = Instant::now();
        let incremental = ctx
            .sync_account(account, SyncKind::Incremental, &Silent)
            .await?;
        let incremental_secs = started.elapsed().as_secs_f64();
        results.insert(
            marketplace.to_string(),
            json!({
                "full_secs": (full_secs * 100.0).round() / 100.0,
                "full_rows": full.rows,
                "full_pages": full.pages,
                "full_requests_per_sec": full_rates,
                "incremental_secs": (incremental_secs * 100.0).round() / 100.0,
                "incremental_rows": incremental.rows,
                "incremental_requests_per_sec": rates(traffic, families, incremental_secs),
                "rss_before_mib": rss_before.round(),
                "rss_after_mib": rss_after.round(),
                "refused_by_sandbox_limits": traffic.limited(),
                "consistency_mismatches": full.details["consistency"]["mismatched"].as_array().map_or(0, Vec::len),
            }),
        );
    }
    let line = json!({
        "orders_per_marketplace": args.orders,
        "products": args.products,
        "changed": args.changed,
        "limits": !args.unlimited,
        "generation_ms": generation_ms,
        "peak_rss_mib": rss_mib("VmHWM:").round(),
        "results": results,
    });
    #[expect(clippy::print_stdout, reason = "the figures are the program's output")]
    {
        println!("{line}");
    }
    Ok(())
}
