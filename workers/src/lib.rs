#![doc = include_str!("../README.md")]

pub mod assistant;
mod context;
pub mod demo;
mod inbound;
mod outbound;
mod runner;
pub mod turns;

pub use context::{Context, StartError};
pub use runner::{RunError, run};
