//! What an API key may do and until when (`POST /v1/roles`): the onboarding check.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::OzonClient;
use crate::marketplaces::error::MarketplaceError;

#[derive(Debug, Clone, Deserialize)]
pub struct Roles {
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(default)]
    pub roles: Vec<Role>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Role {
    #[serde(default)]
    pub methods: Vec<String>,
}

impl Roles {
    pub fn allows(&self, method: &str) -> bool {
        self.roles
            .iter()
            .any(|role| role.methods.iter().any(|m| m == method))
    }
}

impl OzonClient {
    pub async fn roles(&self) -> Result<Roles, MarketplaceError> {
        self.json("ozon POST /v1/roles", "/v1/roles", serde_json::json!({}))
            .await
    }
}
