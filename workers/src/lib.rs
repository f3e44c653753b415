#![doc = include_str!("../README.md")]

pub mod assistant;
pub mod billing;
mod context;
pub mod demo;
pub mod eval;
pub mod handshakes;
mod inbound;
mod job_span;
pub mod marketplace_inbox;
pub mod marketplaces;
mod metrics;
mod notify;
mod outbound;
mod runner;
mod shopper_messages;
pub mod sync;
pub mod turns;

pub use context::{Context, StartError};
pub use outbound::{ApproveError, approve_draft};
pub use runner::{RunError, run};
