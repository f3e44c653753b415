#![doc = include_str!("../README.md")]

mod faults;
mod ozon;
mod ratelimit;
mod seller;
mod server;
mod traffic;
pub mod voices;
mod wb;

pub use faults::{Faults, UNKNOWN_STATUS};
pub use ozon::{OZON_METHODS, OzonOptions, OzonRole, OzonSandbox};
pub use seller::{
    BuyerMessage, Marketplace, OzonBuyerMessage, ReturnStage, SandboxChatMessage, SandboxFeedback,
    SandboxOrder, SandboxOzonQuestion, SandboxOzonReview, SandboxProduct, SandboxQuestion,
    SandboxReturn, Seller, SellerSpec,
};
pub use traffic::Traffic;
pub use wb::{ACC_SERVICE, DEFAULT_CATEGORIES, WbOptions, WbSandbox, wb_token};
