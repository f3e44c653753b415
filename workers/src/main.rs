//! The worker binary. See the crate README for the commands.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use otklik_config::Config;
use otklik_jobs::dead_letters;
use otklik_jobs::{Pool, Queue};
use secrecy::ExposeSecret;

#[derive(Parser)]
#[command(name = "workers", about = "Otklik background workers")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run worker pools until SIGTERM or Ctrl-C.
    Run {
        /// Comma-separated pools: inbound, ai, outbound, sync.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "inbound,ai,outbound,sync"
        )]
        pools: Vec<Pool>,
    },
    /// Enqueue marketplace syncs on schedule (incremental every 15 minutes, full at 03:00
    /// Moscow) until SIGTERM or Ctrl-C. Safe to run in several replicas.
    Schedule,
    /// Sync one marketplace account now, showing progress.
    Sync {
        /// The account's id.
        #[arg(long)]
        account: otklik_schema::AccountId,
        /// Read everything, not only what changed since the last sync.
        #[arg(long)]
        full: bool,
    },
    /// Check a seller's marketplace credentials and connect the account when they will do.
    /// Reads the credentials as one JSON line on stdin: `{"token"}` for Wildberries,
    /// `{"client_id","api_key"}` for Ozon (not as arguments, which other users can see).
    Connect {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        /// wb or ozon.
        #[arg(long)]
        marketplace: otklik_schema::Marketplace,
        /// The account's name in the dashboard.
        #[arg(long)]
        name: String,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Create the demo tenant and its web-chat channel; print the chat URL, then the ids of its
    /// marketplace accounts on a second line.
    DemoSeed {
        /// The line `sandbox` printed: the demo accounts then sync from the sandboxes.
        #[arg(long)]
        sandbox: Option<String>,
        /// The line `messengers` printed: the demo shop's MAX bot and VK community are then
        /// connected to the fake MAX and VK at `OTKLIK_MAX_API_URL` and `OTKLIK_VK_API_URL`.
        #[arg(long)]
        messengers: Option<String>,
    },
    /// Jobs that failed for good: list them, or replay one after fixing its cause.
    DeadLetters {
        #[command(subcommand)]
        action: DeadLetterAction,
    },
    /// Print the webhook secret to register for a Telegram channel (`setWebhook` secret_token).
    WebhookSecret {
        /// The channel's id.
        channel: otklik_schema::ChannelId,
    },
    /// The offline language understanding: parse messages or evaluate it on a labelled set.
    Nlu {
        #[command(subcommand)]
        action: NluAction,
    },
}

#[derive(Subcommand)]
enum NluAction {
    /// JSON lines `{"id","text"}` on stdin; `{"id","intent","confidence","entities","handoff"}`
    /// on stdout.
    Parse,
    /// Report per-intent precision/recall/F1, a confusion matrix, a confidence histogram and
    /// the errors on a labelled JSON-lines file.
    Eval {
        /// Lines `{"id","text","intent","entities","handoff"}`.
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum DeadLetterAction {
    /// One JSON line per dead letter: id, status, error, died_at, payload.
    List {
        /// inbound, turns or deliveries; all when omitted.
        #[arg(long)]
        queue: Option<Queue>,
    },
    /// Enqueue a dead letter's payload again and remove it from the dead letters.
    Replay {
        #[arg(long)]
        queue: Queue,
        /// The dead letter's id, as `list` prints it.
        id: String,
    },
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Nlu { action } = cli.command {
        // Offline: needs no configuration, database or queue.
        return match nlu(action) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("{err:#}");
                ExitCode::FAILURE
            }
        };
    }
    let config = match Config::load() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            return ExitCode::from(2);
        }
    };
    otklik_config::init_tracing(config.log_format);
    match execute(cli.command, config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            tracing::error!("{err:#}");
            ExitCode::FAILURE
        }
    }
}

/// `workers sync`'s progress on stderr: rows and pages per resource as they are stored.
struct ProgressLine {
    bar: indicatif::ProgressBar,
    seen: std::sync::Mutex<std::collections::BTreeMap<String, (u64, u64)>>,
}

impl ProgressLine {
    fn new() -> Self {
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Self {
            bar,
            seen: std::sync::Mutex::default(),
        }
    }

    fn finish(&self) {
        self.bar.finish();
    }
}

impl otklik_workers::sync::Progress for ProgressLine {
    fn page(&self, resource: &str, rows: usize) {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let entry = seen.entry(resource.to_owned()).or_default();
        entry.0 += 1;
        entry.1 += rows as u64;
        let line = seen
            .iter()
            .map(|(name, (pages, rows))| format!("{name}: {rows} rows/{pages} pages"))
            .collect::<Vec<_>>()
            .join("  ");
        self.bar.set_message(line);
    }
}

fn nlu(action: NluAction) -> anyhow::Result<()> {
    use std::io::{BufRead, Write};

    #[derive(serde::Deserialize)]
    struct Line {
        id: serde_json::Value,
        text: String,
    }

    match action {
        NluAction::Parse => {
            let stdout = std::io::stdout();
            let mut out = std::io::BufWriter::new(stdout.lock());
            for (number, line) in std::io::stdin().lock().lines().enumerate() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                let Line { id, text } = match serde_json::from_str(&line) {
                    Ok(parsed) => parsed,
                    Err(err) => {
                        eprintln!(
                            "line {}: skipped, expected {{\"id\",\"text\"}}: {err}",
                            number + 1
                        );
                        continue;
                    }
                };
                let analysis = otklik_nlu::analyse(&text);
                let mut row = serde_json::to_value(&analysis)?;
                row["id"] = id;
                writeln!(out, "{row}")?;
            }
            out.flush()?;
        }
        NluAction::Eval { file } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
            let mut lines = Vec::new();
            for (number, line) in text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty())
            {
                lines.push(serde_json::from_str(line).map_err(|e| {
                    anyhow::anyhow!(
                        "{}:{}: not a labelled line: {e}",
                        file.display(),
                        number + 1
                    )
                })?);
            }
            let report = otklik_nlu::report::evaluate(lines);
            #[expect(clippy::print_stdout, reason = "the report is the command's output")]
            {
                print!("{report}");
            }
        }
    }
    Ok(())
}

async fn execute(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Run { pools } => {
            otklik_workers::run(config, &pools, otklik_config::shutdown_signal()).await?
        }
        Command::Migrate => {
            let applied = otklik_db::run_migrations(config.database_url.expose_secret()).await?;
            tracing::info!(count = applied.len(), "migrations applied: {applied:?}");
        }
        Command::DemoSeed {
            sandbox,
            messengers,
        } => {
            let sandbox: Option<otklik_workers::demo::Sandbox> = sandbox
                .map(|line| serde_json::from_str(&line))
                .transpose()
                .map_err(|err| anyhow::anyhow!("--sandbox: not the sandbox's line: {err}"))?;
            let messengers: Option<otklik_workers::demo::messengers::Messengers> = messengers
                .map(|line| serde_json::from_str(&line))
                .transpose()
                .map_err(|err| anyhow::anyhow!("--messengers: not the messengers' line: {err}"))?;
            let mut conn = otklik_db::connect(config.database_url.expose_secret()).await?;
            let seeded = otklik_workers::demo::seed(&mut conn, sandbox.as_ref()).await?;
            if let Some(messengers) = &messengers {
                otklik_workers::demo::messengers::connect(
                    &mut conn,
                    seeded.scope,
                    &config,
                    messengers,
                )
                .await?;
            }
            let accounts: Vec<String> = seeded.accounts.iter().map(ToString::to_string).collect();
            #[expect(
                clippy::print_stdout,
                reason = "the URL and accounts are the command's output, for scripts"
            )]
            {
                println!(
                    "{}/chat/{}",
                    config.public_url.trim_end_matches('/'),
                    seeded.channel
                );
                println!("{}", accounts.join(" "));
            }
        }
        Command::DeadLetters { action } => {
            let redis = otklik_jobs::connect(config.redis_url.expose_secret()).await?;
            let settings = otklik_jobs::QueueSettings::from_config(&config);
            match action {
                DeadLetterAction::List { queue } => {
                    let queues = queue.map_or_else(|| Queue::ALL.to_vec(), |queue| vec![queue]);
                    for queue in queues {
                        for letter in dead_letters::list(&redis, &settings, queue).await? {
                            let line = serde_json::json!({ "queue": format!("{queue:?}").to_lowercase(), "letter": letter });
                            #[expect(
                                clippy::print_stdout,
                                reason = "the list is the command's output"
                            )]
                            {
                                println!("{line}");
                            }
                        }
                    }
                }
                DeadLetterAction::Replay { queue, id } => {
                    dead_letters::replay(&redis, &settings, queue, &id).await?;
                    tracing::info!(job.id = %id, "dead letter replayed");
                }
            }
        }
        Command::Nlu { .. } => unreachable!("handled before configuration is loaded"),
        Command::Schedule => {
            let ctx = otklik_workers::Context::connect(config).await?;
            ctx.schedule(otklik_config::shutdown_signal()).await?;
        }
        Command::Sync { account, full } => {
            let ctx = otklik_workers::Context::connect(config).await?;
            let kind = if full {
                otklik_schema::SyncKind::Full
            } else {
                otklik_schema::SyncKind::Incremental
            };
            let progress = ProgressLine::new();
            let summary = ctx.sync_account(account, kind, &progress).await;
            progress.finish();
            let summary = summary?;
            #[expect(clippy::print_stdout, reason = "the summary is the command's output")]
            {
                println!(
                    "{}",
                    serde_json::json!({
                        "account": account, "kind": kind, "pages": summary.pages, "rows": summary.rows,
                        "details": summary.details,
                    })
                );
            }
        }
        Command::Connect {
            tenant,
            marketplace,
            name,
        } => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            let credentials: serde_json::Value =
                serde_json::from_str(line.trim()).map_err(|err| {
                    anyhow::anyhow!("stdin: expected the credentials as one JSON object: {err}")
                })?;
            let ctx = otklik_workers::Context::connect(config).await?;
            let (report, account) = ctx
                .connect_account(&tenant, marketplace, &name, &credentials)
                .await?;
            #[expect(clippy::print_stdout, reason = "the report is the command's output")]
            {
                println!(
                    "{}",
                    serde_json::json!({"account": account, "report": report})
                );
            }
            if account.is_none() {
                anyhow::bail!(
                    "the account was not connected: {}",
                    report.problems.join(" ")
                );
            }
        }
        Command::WebhookSecret { channel } => {
            let secret =
                otklik_jobs::WebhookSecrets::new(config.master_key.clone()).telegram(channel);
            #[expect(clippy::print_stdout, reason = "the secret is the command's output")]
            {
                println!("{secret}");
            }
        }
    }
    Ok(())
}
