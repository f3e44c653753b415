//! Runs the fake SMTP server for the browser tests, with a mailbox a test reads over HTTP:
//! `GET /mail?to=<address>` answers the messages to that address, oldest first, as
//! `[{"to": [..], "text": ".."}]` (the body decoded). Prints one JSON line (`smtp_url` for
//! `OTKLIK_SMTP_URL`, `mailbox_url`), then serves until killed.

use std::collections::HashMap;
use std::io::Write;

use anyhow::Context;
use axum::Json;
use axum::extract::{Query, State};
use axum::routing::get;
use clap::Parser;
use otklik_tests::smtp::FakeSmtp;
use serde_json::{Value, json};

/// A fake SMTP relay whose mail can be read over HTTP.
#[derive(Parser)]
#[command(name = "mailbox")]
struct Args {
    /// Where the mailbox answers over HTTP.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: String,
}

async fn mail(
    State(smtp): State<FakeSmtp>,
    Query(query): Query<HashMap<String, String>>,
) -> Json<Value> {
    let to = query.get("to").map(|to| to.to_lowercase());
    let items: Vec<Value> = smtp
        .mail()
        .iter()
        .filter(|mail| {
            to.as_ref()
                .is_none_or(|to| mail.to.iter().any(|t| t.to_lowercase() == *to))
        })
        .map(|mail| json!({"to": mail.to, "text": mail.text()}))
        .collect();
    Json(Value::Array(items))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let smtp = FakeSmtp::start()
        .await
        .context("Failed to start the fake SMTP server")?;
    let listener = tokio::net::TcpListener::bind(&args.addr)
        .await
        .with_context(|| format!("Failed to bind the mailbox to {}", args.addr))?;
    let mailbox = format!("http://{}", listener.local_addr()?);
    let app = axum::Router::new()
        .route("/mail", get(mail))
        .with_state(smtp.clone());
    let line = json!({"smtp_url": smtp.url(), "mailbox_url": mailbox});
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{line}")?;
    stdout.flush()?;
    drop(stdout);
    tokio::select! {
        served = axum::serve(listener, app) => served.context("The mailbox stopped")?,
        _ = tokio::signal::ctrl_c() => {}
    }
    Ok(())
}
