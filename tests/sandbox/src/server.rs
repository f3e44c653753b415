//! Runs a sandbox's router on a TCP port until the last handle to it is dropped.

use std::net::SocketAddr;

use axum::Router;
use tokio::net::TcpListener;
use tokio::task::AbortHandle;

/// A served router; dropping it stops the server.
pub(crate) struct Running {
    pub(crate) addr: SocketAddr,
    task: AbortHandle,
}

impl Running {
    pub(crate) async fn start(addr: &str, app: Router) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "sandbox server stopped");
            }
        });
        Ok(Self {
            addr,
            task: task.abort_handle(),
        })
    }

    pub(crate) fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.task.abort();
    }
}
