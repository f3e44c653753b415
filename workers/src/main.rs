//! The worker binary. See the crate README for the commands.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use otklik_config::Config;
use otklik_jobs::Pool;
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
    /// Print the webhook secret to register for a Telegram channel (`setWebhook` secret_token).
    WebhookSecret {
        /// The channel's id.
        channel: otklik_schema::ChannelId,
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
