//! Ozon Seller API: one host, `Client-Id` + `Api-Key` headers, every method a JSON POST, about
//! 50 requests a second per seller shared by all the seller's integrations (`marketplaces.md`
//! §7–8). We keep to 40 to leave the seller's other tools room.

mod chats;
mod postings;
mod products;
mod public;
mod returns;
mod roles;

use std::time::Duration;

use reqwest::RequestBuilder;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

pub use chats::{ChatContext, ChatMessage};
pub use postings::{Posting, PostingProduct, PostingsPage, Window};
pub use products::{ProductInfo, ProductListPage, StockItem, StocksPage};
pub use public::{
    OzonQuestion, OzonReview, QuestionAnswer, ReviewComment, UNPROCESSED_QUESTIONS,
    UNPROCESSED_REVIEWS,
};
pub use returns::{OzonReturn, RETURNS_PAGE, ReturnsPage};
pub use roles::Roles;

use super::limits::Bucket;
use super::transport::{Call, Transport};

const LIMIT: Bucket = Bucket::per(40, Duration::from_secs(1), 10);

#[derive(Clone)]
pub struct OzonClient {
    transport: Transport,
    base_url: String,
    client_id: String,
    api_key: SecretString,
}

impl OzonClient {
    pub(crate) fn new(
        transport: Transport,
        base_url: &str,
        client_id: String,
        api_key: SecretString,
    ) -> Self {
        Self {
            transport,
            base_url: base_url.trim_end_matches('/').to_owned(),
            client_id,
            api_key,
        }
    }

    fn call(&self, endpoint: &'static str) -> Call {
        Call {
            endpoint,
            limit_key: format!("ozon:{}", self.client_id),
            bucket: LIMIT,
        }
    }

    fn post(&self, path: &str, body: &serde_json::Value) -> RequestBuilder {
        self.transport
            .http()
            .post(format!("{}{path}", self.base_url))
            .header("Client-Id", &self.client_id)
            .header("Api-Key", self.api_key.expose_secret())
            .json(body)
    }

    async fn json<T: serde::de::DeserializeOwned>(
        &self,
        endpoint: &'static str,
        path: &str,
        body: serde_json::Value,
    ) -> Result<T, super::MarketplaceError> {
        self.transport
            .json(&self.call(endpoint), || self.post(path, &body))
            .await
    }
}

/// A body that some accounts still get wrapped in `result` (older method versions) and others
/// get bare: both read the same.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum MaybeWrapped<T> {
    Wrapped { result: T },
    Bare(T),
}

impl<T> MaybeWrapped<T> {
    fn into_inner(self) -> T {
        match self {
            Self::Wrapped { result } | Self::Bare(result) => result,
        }
    }
}
