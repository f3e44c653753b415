//! The feedbacks API wraps every answer, errors included and sometimes with status 200, in
//! `{"data","error","errorText"}` (`marketplaces.md` §2.6).

use serde::Deserialize;

use crate::marketplaces::error::MarketplaceError;

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Envelope<T> {
    pub data: Option<T>,
    #[serde(default)]
    pub error: bool,
    #[serde(default)]
    pub error_text: String,
}

impl<T> Envelope<T> {
    /// The data, or the refusal the envelope reports.
    pub fn into_data(self, endpoint: &'static str) -> Result<T, MarketplaceError> {
        self.check(endpoint)?.ok_or(MarketplaceError::Malformed {
            endpoint,
            detail: "`data` is missing".into(),
        })
    }

    /// Success or the refusal, for writes whose `data` is null.
    pub fn into_result(self, endpoint: &'static str) -> Result<(), MarketplaceError> {
        self.check(endpoint).map(drop)
    }

    fn check(self, endpoint: &'static str) -> Result<Option<T>, MarketplaceError> {
        if self.error {
            return Err(MarketplaceError::Rejected {
                endpoint,
                status: 200,
                message: self.error_text,
            });
        }
        Ok(self.data)
    }
}
