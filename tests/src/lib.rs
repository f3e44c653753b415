#![doc = include_str!("../README.md")]

pub mod telegram;

pub use telegram::FakeTelegram;
