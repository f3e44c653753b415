#![doc = include_str!("../README.md")]

pub mod max;
pub mod vk;
pub mod whatsapp;

/// A button the shopper can press instead of typing: `label` is shown, `payload` comes back
/// with the press and is recorded as what the shopper said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice<'a> {
    pub label: &'a str,
    pub payload: &'a str,
}

/// How a call to a messenger ended, when it did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CallError<E: std::error::Error + 'static> {
    /// The provider answered and refused.
    #[error(transparent)]
    Refused(E),
    /// Nothing reached the provider (connection refused, DNS): safe to try again.
    #[error("could not reach the provider: {0}")]
    Unreachable(#[source] reqwest::Error),
    /// The request may have reached the provider but no answer came back (a timeout, a broken
    /// or unreadable response): whether it took effect is unknown.
    #[error("no usable answer from the provider: {0}")]
    Interrupted(String),
}

/// Sorts a transport error into the two cases callers treat differently.
fn transport<E: std::error::Error + 'static>(err: reqwest::Error) -> CallError<E> {
    if err.is_connect() {
        CallError::Unreachable(err)
    } else {
        CallError::Interrupted(err.to_string())
    }
}
