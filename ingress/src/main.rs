//! The ingress binary: `ingress` (no arguments). Configuration comes from the environment.

use anyhow::Context;
use otklik_config::Config;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let config = match Config::load() {
        Ok(config) => config,
        Err(err) => {
            eprintln!("{err}");
            std::process::exit(2);
        }
    };
    otklik_config::init_tracing(config.log_format);
    let listener = tokio::net::TcpListener::bind(config.http_addr)
        .await
        .with_context(|| {
            format!(
                "could not listen on {} (OTKLIK_HTTP_ADDR)",
                config.http_addr
            )
        })?;
    let addr = listener.local_addr()?;
    let state = otklik_ingress::AppState::connect(config).await?;
    tracing::info!(http.addr = %addr, "ingress listening on {addr}");
    otklik_ingress::serve(state, listener, otklik_config::shutdown_signal()).await?;
    tracing::info!("ingress stopped");
    Ok(())
}
