//! The worker binary. See the crate README for the commands.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use otklik_config::Config;
use otklik_db::sealed::Vault;
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
    /// Apply pending database migrations, then seal any credentials still stored in plaintext.
    Migrate,
    /// Credentials at rest (channel tokens, marketplace keys).
    Secrets {
        #[command(subcommand)]
        action: SecretsAction,
    },
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
    /// Analytics rollups (docs/metrics.md).
    Analytics {
        #[command(subcommand)]
        action: AnalyticsAction,
    },
    /// Measure the assistant on scripted conversations (see docs/eval.md).
    Eval {
        #[command(subcommand)]
        action: EvalAction,
    },
}

#[derive(Subcommand)]
enum EvalAction {
    /// Run scripted multi-turn conversations against a seeded shop through the real turn
    /// pipeline, in a scratch database and Redis namespace; print each verdict and the totals
    /// `conversations= resolved= asked= handed_off= missed= wrong= wrong_language=`.
    Conversations {
        /// JSON lines, one conversation each.
        file: std::path::PathBuf,
        /// The shop to seed (products, orders, returns, articles, settings); the demo shop when
        /// omitted.
        #[arg(long)]
        shop: Option<std::path::PathBuf>,
        /// Print every conversation, not only those that went wrong.
        #[arg(long)]
        verbose: bool,
    },
}

#[derive(Subcommand)]
enum NluAction {
    /// JSON lines `{"id","text"}` on stdin; `{"id","intent","confidence","entities","handoff",
    /// "language"}` on stdout.
    Parse,
    /// Report per-intent precision/recall/F1, a confusion matrix, a confidence histogram, the
    /// errors, and language accuracy when the lines carry a language, on a labelled JSON-lines
    /// file.
    Eval {
        /// Lines `{"id","text","intent","entities","handoff"}`, optionally `"tags"` and
        /// `"language"` (a BCP-47 tag, or null for a message without one).
        file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum SecretsAction {
    /// Re-seal every stored credential under the current master key. After setting a new
    /// `OTKLIK_MASTER_KEY`, keep the old one in `OTKLIK_PREVIOUS_MASTER_KEYS` until this ran.
    Rotate,
}

#[derive(Subcommand)]
enum AnalyticsAction {
    /// Recompute the rollups from the recorded messages, handoffs and ratings.
    Rebuild {
        /// The tenant's slug; every tenant when omitted.
        #[arg(long)]
        tenant: Option<String>,
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

/// Re-seals stored credentials under the current master key (and seals plaintext ones), and
/// restores the webhook secrets the ingress reads from Redis under it; `strict`: a Redis failure
/// fails the command.
async fn rotate_secrets(config: &Config, strict: bool) -> anyhow::Result<()> {
    let vault = Vault::new(&config.master_keys());
    let mut conn = otklik_db::connect(config.database_url.expose_secret()).await?;
    let rotation = otklik_db::sealed::rotate(&mut conn, &vault).await?;
    tracing::info!(
        key_id = vault.current_key_id(),
        resealed = rotation.resealed,
        failed = rotation.failed,
        "credentials sealed under the current key"
    );
    anyhow::ensure!(
        rotation.failed == 0,
        "{} credentials open with no configured key (OTKLIK_PREVIOUS_MASTER_KEYS)",
        rotation.failed
    );
    let restored = async {
        let mut redis = otklik_jobs::connect(config.redis_url.expose_secret()).await?;
        let restored = otklik_workers::handshakes::restore(
            &mut conn,
            &mut redis,
            &config.redis_namespace,
            &vault,
        )
        .await?;
        anyhow::Ok(restored)
    };
    match restored.await {
        Ok(restored) => {
            tracing::info!(
                restored,
                "WhatsApp webhook secrets kept for the ingress under the current key"
            );
        }
        // Migrations must not wait for Redis; `workers secrets rotate` says it failed.
        Err(err) if !strict => {
            tracing::warn!(error = %err, "WhatsApp webhook secrets not restored in Redis; run `workers secrets rotate` once Redis is up");
        }
        Err(err) => return Err(err),
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
            rotate_secrets(&config, false).await?;
        }
        Command::Secrets {
            action: SecretsAction::Rotate,
        } => rotate_secrets(&config, true).await?,
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
            let vault = Vault::new(&config.master_keys());
            let seeded =
                otklik_workers::demo::seed(&mut conn, sandbox.as_ref().map(|s| (s, &vault)))
                    .await?;
            if let Some(messengers) = &messengers {
                otklik_workers::demo::messengers::connect(
                    &mut conn,
                    seeded.scope,
                    &config,
                    &vault,
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
        Command::Analytics {
            action: AnalyticsAction::Rebuild { tenant },
        } => {
            let mut conn = otklik_db::connect(config.database_url.expose_secret()).await?;
            let tenants = otklik_db::analytics::tenants(&mut conn, tenant.as_deref()).await?;
            if tenant.is_some() && tenants.is_empty() {
                anyhow::bail!("no tenant with this slug");
            }
            for scope in tenants {
                let replayed = otklik_db::analytics::rebuild(&mut conn, scope).await?;
                tracing::info!(tenant.id = %scope.tenant_id(), replayed, "analytics rebuilt");
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
        Command::Eval {
            action:
                EvalAction::Conversations {
                    file,
                    shop,
                    verbose,
                },
        } => {
            let scripts = otklik_workers::eval::read_scripts(&file)?;
            let shop = match shop {
                Some(path) => otklik_workers::demo::Shop::from_file(&path)?,
                None => otklik_workers::demo::Shop::demo(),
            };
            let totals = otklik_workers::eval::run(&config, &scripts, &shop, |report| {
                if verbose || !report.verdict.correct() {
                    print_report(report, verbose);
                }
            })
            .await?;
            #[expect(clippy::print_stdout, reason = "the totals are the command's output")]
            {
                println!("{}", totals.line());
            }
        }
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

/// One conversation's verdict and what went wrong in it; every turn when `all`.
fn print_report(report: &otklik_workers::eval::Report, all: bool) {
    #[expect(clippy::print_stdout, reason = "the verdicts are the command's output")]
    {
        println!("{} {}", report.verdict.as_str(), report.id);
        for (number, turn) in report.turns.iter().enumerate() {
            if !all && turn.misses.is_empty() {
                continue;
            }
            println!("  turn {}: «{}»", number + 1, turn.shopper);
            let reply = turn.reply.as_deref().unwrap_or("").replace('\n', " / ");
            println!("    {}: «{reply}»", turn.outcome.describe());
            for miss in &turn.misses {
                println!("    {}", miss.describe());
            }
        }
    }
}
