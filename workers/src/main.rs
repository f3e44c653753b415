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
        /// Comma-separated pools: inbound, ai, outbound.
        #[arg(long, value_delimiter = ',', default_value = "inbound,ai,outbound")]
        pools: Vec<Pool>,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Create the demo tenant and its web-chat channel; print the chat URL.
    DemoSeed,
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

async fn execute(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Run { pools } => {
            otklik_workers::run(config, &pools, otklik_config::shutdown_signal()).await?
        }
        Command::Migrate => {
            let applied = otklik_db::run_migrations(config.database_url.expose_secret()).await?;
            tracing::info!(count = applied.len(), "migrations applied: {applied:?}");
        }
        Command::DemoSeed => {
            let mut conn = otklik_db::connect(config.database_url.expose_secret()).await?;
            let channel = otklik_workers::demo::seed(&mut conn).await?;
            #[expect(
                clippy::print_stdout,
                reason = "the URL is the command's output, for scripts"
            )]
            {
                println!("{}/chat/{channel}", config.public_url.trim_end_matches('/'));
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
