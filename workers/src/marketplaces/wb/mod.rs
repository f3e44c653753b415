//! Wildberries seller API: one host per API family, a token in `Authorization`, limits per
//! seller and family (`marketplaces.md` §2).

mod chats;
mod content;
mod envelope;
mod feedbacks;
mod orders;
mod questions;
mod returns;
mod statistics;
mod stocks;
pub mod token;

use std::time::Duration;

use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Moscow;
use reqwest::{Method, RequestBuilder};
use secrecy::{ExposeSecret, SecretString};

pub use chats::{ChatEvent, GoodCard, SENDER_CLIENT, SENDER_SELLER};
pub use content::{Card, CardSize, CardsCursor, CardsPage};
pub use feedbacks::Feedback;
pub use orders::{FbsOrder, FbsStatus, OrdersPage, STATUS_BATCH};
pub use questions::{ProductDetails, Question};
pub use returns::{CLAIMS_PAGE, Claim};
pub use statistics::{StatisticsOrder, WB_WAREHOUSE};
pub use stocks::{STOCKS_BATCH, Stock, Warehouse};

use super::limits::Bucket;
use super::transport::{Call, Transport};

/// A time as the statistics and returns APIs write it: Moscow time without an offset.
pub fn moscow_time(naive: NaiveDateTime) -> DateTime<Utc> {
    Moscow
        .from_local_datetime(&naive)
        .earliest()
        .map_or_else(|| naive.and_utc(), |t| t.with_timezone(&Utc))
}

/// The API families we call, each with its host and published limit for Personal, Service and
/// "Base with secret" tokens (`marketplaces.md` §2.3, from WB's `x-wb-rate-limits`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Content,
    Marketplace,
    Statistics,
    /// Questions and feedbacks share one limit.
    Feedbacks,
    BuyerChat,
    /// Shoppers' return claims.
    Returns,
}

impl Family {
    fn host(self) -> &'static str {
        match self {
            Self::Content => "https://content-api.wildberries.ru",
            Self::Marketplace => "https://marketplace-api.wildberries.ru",
            Self::Statistics => "https://statistics-api.wildberries.ru",
            Self::Feedbacks => "https://feedbacks-api.wildberries.ru",
            Self::BuyerChat => "https://buyer-chat-api.wildberries.ru",
            Self::Returns => "https://returns-api.wildberries.ru",
        }
    }

    pub fn bucket(self) -> Bucket {
        const MINUTE: Duration = Duration::from_secs(60);
        match self {
            Self::Content => Bucket::per(100, MINUTE, 5),
            Self::Marketplace => Bucket::per(300, MINUTE, 20),
            Self::Statistics => Bucket::per(1, MINUTE, 10),
            Self::Feedbacks => Bucket::per(3, Duration::from_secs(1), 6),
            Self::BuyerChat => Bucket::per(10, Duration::from_secs(10), 10),
            Self::Returns => Bucket::per(20, MINUTE, 10),
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Content => "content",
            Self::Marketplace => "marketplace",
            Self::Statistics => "statistics",
            Self::Feedbacks => "feedbacks",
            Self::BuyerChat => "chat",
            Self::Returns => "returns",
        }
    }
}

#[derive(Clone)]
pub struct WbClient {
    transport: Transport,
    /// Replaces every family's host (a sandbox), when set.
    base_url: Option<String>,
    token: SecretString,
    client_secret: Option<SecretString>,
    /// Whose limits the calls spend: the seller named in the token, else the account.
    limit_owner: String,
}

impl WbClient {
    pub(crate) fn new(
        transport: Transport,
        base_url: Option<String>,
        token: SecretString,
        client_secret: Option<SecretString>,
        limit_owner: String,
    ) -> Self {
        Self {
            transport,
            base_url: base_url.map(|url| url.trim_end_matches('/').to_owned()),
            token,
            client_secret,
            limit_owner,
        }
    }

    fn call(&self, family: Family, endpoint: &'static str) -> Call {
        Call {
            endpoint,
            limit_key: format!("wb:{}:{}", self.limit_owner, family.as_str()),
            bucket: family.bucket(),
        }
    }

    fn request(&self, family: Family, method: Method, path: &str) -> RequestBuilder {
        let base = self.base_url.as_deref().unwrap_or(family.host());
        let mut request = self
            .transport
            .http()
            .request(method, format!("{base}{path}"))
            .header("Authorization", self.token.expose_secret());
        if let Some(secret) = &self.client_secret {
            request = request.header("X-Client-Secret", secret.expose_secret());
        }
        request
    }
}
