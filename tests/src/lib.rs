#![doc = include_str!("../README.md")]

pub mod openai;
mod script;
pub mod telegram;
pub mod yandexgpt;

pub use openai::FakeOpenAi;
pub use telegram::FakeTelegram;
pub use yandexgpt::FakeYandexGpt;
