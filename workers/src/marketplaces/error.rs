/// Why a marketplace call failed, with the endpoint, so a person can see what to fix.
#[derive(Debug, thiserror::Error)]
pub enum MarketplaceError {
    /// Revoked, expired or wrong credentials, or a missing scope: retrying cannot help.
    #[error("{endpoint}: credentials rejected ({status}): {message}")]
    Unauthorized {
        endpoint: &'static str,
        status: u16,
        message: String,
    },
    /// A request the marketplace will not serve as sent.
    #[error("{endpoint}: request refused ({status}): {message}")]
    Rejected {
        endpoint: &'static str,
        status: u16,
        message: String,
    },
    /// 429s, 5xx or timeouts that outlasted the retry budget.
    #[error("{endpoint}: still failing after {attempts} attempts: {last}")]
    Exhausted {
        endpoint: &'static str,
        attempts: u32,
        last: String,
    },
    /// The marketplace changed or broke a response.
    #[error("{endpoint}: unexpected response: {detail}")]
    Malformed {
        endpoint: &'static str,
        detail: String,
    },
    #[error("the account's credentials are incomplete: {0}")]
    Credentials(String),
    #[error("the shared rate limiter is unavailable: {0}")]
    Limiter(#[from] redis::RedisError),
}

impl MarketplaceError {
    /// Whether the seller must act (new token, more scopes) before syncs can succeed.
    pub fn needs_seller(&self) -> bool {
        matches!(self, Self::Unauthorized { .. } | Self::Credentials(_))
    }

    /// Ozon's refusal for a method the seller's subscription does not include (Premium Plus
    /// or Pro for chats and questions, «Управление отзывами» for reviews).
    pub fn missing_subscription(&self) -> bool {
        matches!(self, Self::Unauthorized { message, .. }
            if message.contains("not available with existing subscription"))
    }
}
