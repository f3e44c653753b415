//! The seam between the [`crate::Chain`] and a vendor.

use futures::future::BoxFuture;

use crate::error::LlmError;
use crate::types::{ChatRequest, Completion, ProviderKind};

/// A model behind some HTTP API.
///
/// One call is exactly one HTTP request: implementations never retry on their own, so the only
/// retry loop is the chain's and its attempt budget is the real number of requests sent.
/// The future is boxed to keep the trait object-safe (`Arc<dyn Provider>`).
pub trait Provider: Send + Sync {
    fn kind(&self) -> ProviderKind;

    fn complete<'a>(&'a self, req: &'a ChatRequest) -> BoxFuture<'a, Result<Completion, LlmError>>;
}
