//! TLS for the reqwest 0.13 client async-openai needs.
//!
//! With its default `rustls` feature reqwest 0.13 compiles aws-lc-rs (C code, minutes on our
//! build machines) next to the ring that reqwest 0.12 already uses here. We enable it without a
//! provider and hand it a finished rustls config on ring, trusting the same webpki roots as
//! reqwest 0.12's `rustls-tls`.

use std::sync::Arc;

use crate::error::LlmError;

pub(crate) fn client_config() -> Result<rustls::ClientConfig, LlmError> {
    let roots = rustls::RootCertStore::from_iter(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|err| LlmError::Config(format!("TLS: {err}")))?
    .with_root_certificates(roots)
    .with_no_client_auth();
    Ok(config)
}
