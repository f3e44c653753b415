//! [`ChargeProvider`] on ЮKassa (API v3), for tenants paying in roubles.
//!
//! ЮKassa has payments, not subscriptions: the first payment sends the merchant to ЮKassa's
//! page (`confirmation.type = redirect`, 3-D Secure included) with `save_payment_method: true`;
//! each later period is an autopayment with the saved `payment_method_id`, made by our billing
//! run. Every payment and refund carries a 54-FZ `receipt`. Requests authenticate with HTTP
//! Basic `shopId:secretKey`; every POST carries an `Idempotence-Key` derived from the
//! operation (see [`idempotence_key`]), so a retried job is the same payment.
//!
//! Notifications are unsigned: [`parse_notification`] only reads which object to look at, and
//! the billing worker reads that object back with [`ChargeProvider::charge`].

mod amount;
mod notification;
mod wire;

use std::time::Duration;

use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use sha2::{Digest, Sha256};

use crate::provider::{
    ChargeId, ChargeProvider, ChargeRequest, ChargeState, OperationId, ProviderError, RefundId,
    RefundRequest, RefundState, TenantId,
};

pub use amount::Amount;
pub use notification::{Notification, NotificationError, NotificationEvent, parse_notification};

/// ЮKassa's production API.
pub const DEFAULT_API_BASE: &str = "https://api.yookassa.ru/v3/";

/// How to reach ЮKassa.
#[derive(Debug, Clone)]
pub struct YooKassaSettings {
    /// [`DEFAULT_API_BASE`] in production; tests point it at a fake server. Ends with `/`.
    pub api_base: String,
    /// The shop's id (`shopId`), the Basic auth user name.
    pub shop_id: String,
    /// The shop's secret key (`live_…` / `test_…`), the Basic auth password.
    pub secret_key: SecretString,
    /// Per-request HTTP timeout.
    pub timeout: Duration,
}

/// ЮKassa, as the provider of tenants paying in roubles.
#[derive(Debug, Clone)]
pub struct YooKassaProvider {
    http: reqwest::Client,
    api_base: String,
    shop_id: String,
    secret_key: SecretString,
}

impl YooKassaProvider {
    pub fn new(settings: &YooKassaSettings) -> Result<Self, ProviderError> {
        if settings.shop_id.trim().is_empty() || settings.secret_key.expose_secret().is_empty() {
            return Err(ProviderError::Config(
                "the ЮKassa shop id and secret key must both be set".into(),
            ));
        }
        let mut api_base = settings.api_base.clone();
        if !api_base.ends_with('/') {
            api_base.push('/');
        }
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .build()
            .map_err(|err| ProviderError::Config(err.to_string()))?;
        Ok(Self {
            http,
            api_base,
            shop_id: settings.shop_id.clone(),
            secret_key: settings.secret_key.clone(),
        })
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ProviderError> {
        let request = self.http.get(format!("{}{path}", self.api_base));
        self.send(request).await
    }

    async fn post<T: DeserializeOwned>(
        &self,
        path: &str,
        key: &str,
        body: &serde_json::Value,
    ) -> Result<T, ProviderError> {
        let request = self
            .http
            .post(format!("{}{path}", self.api_base))
            .header("Idempotence-Key", key)
            .json(body);
        self.send(request).await
    }

    async fn send<T: DeserializeOwned>(
        &self,
        request: reqwest::RequestBuilder,
    ) -> Result<T, ProviderError> {
        let response = request
            .basic_auth(&self.shop_id, Some(self.secret_key.expose_secret()))
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        let body = response.bytes().await.map_err(transport)?;
        if status.is_success() {
            return serde_json::from_slice(&body)
                .map_err(|err| ProviderError::Decode(format!("ЮKassa answered {status}: {err}")));
        }
        Err(wire::error(status.as_u16(), &body))
    }
}

fn transport(err: reqwest::Error) -> ProviderError {
    if err.is_timeout() {
        ProviderError::Timeout
    } else {
        ProviderError::Transport(err.to_string())
    }
}

/// The `Idempotence-Key` of an operation: `otklik-` and 40 hex digits of a SHA-256 over what
/// the operation is, so any operation id fits ЮKassa's 64 characters and a retried job sends
/// the same key. `kind` keeps a payment and a refund of one operation apart.
pub fn idempotence_key(kind: &str, tenant: TenantId, operation: &OperationId) -> String {
    let digest = Sha256::digest(format!("{kind}:{tenant}:{operation}").as_bytes());
    let mut key = String::from("otklik-");
    key.push_str(&hex::encode(digest)[..40]);
    key
}

impl ChargeProvider for YooKassaProvider {
    async fn create_charge(&self, request: &ChargeRequest) -> Result<ChargeState, ProviderError> {
        let body = wire::payment_request(request)?;
        let key = idempotence_key("payment", request.tenant, &request.operation);
        let payment: wire::Payment = self.post("payments", &key, &body).await?;
        payment.state()
    }

    async fn charge(&self, id: &ChargeId) -> Result<ChargeState, ProviderError> {
        let payment: wire::Payment = self.get(&format!("payments/{}", path_id(&id.0)?)).await?;
        payment.state()
    }

    async fn refund(&self, request: &RefundRequest) -> Result<RefundState, ProviderError> {
        let body = wire::refund_request(request)?;
        let key = idempotence_key("refund", request.tenant, &request.operation);
        let refund: wire::Refund = self.post("refunds", &key, &body).await?;
        refund.state()
    }

    async fn refund_state(&self, id: &RefundId) -> Result<RefundState, ProviderError> {
        let refund: wire::Refund = self.get(&format!("refunds/{}", path_id(&id.0)?)).await?;
        refund.state()
    }
}

/// An object id safe inside a URL path: ЮKassa's ids are UUID-like.
fn path_id(id: &str) -> Result<&str, ProviderError> {
    if notification::is_object_id(id) {
        Ok(id)
    } else {
        Err(ProviderError::NotFound(format!(
            "`{id}` is not a ЮKassa object id"
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_short_and_distinct_per_kind_tenant_and_operation() {
        let op = OperationId::parse(&"x".repeat(64)).expect("64 chars");
        let key = idempotence_key("payment", TenantId(i64::MIN), &op);
        assert_eq!(key, idempotence_key("payment", TenantId(i64::MIN), &op));
        assert!(key.len() <= 64, "{key}");
        assert_ne!(key, idempotence_key("refund", TenantId(i64::MIN), &op));
        assert_ne!(key, idempotence_key("payment", TenantId(1), &op));
        let other = OperationId::parse("y").expect("short");
        assert_ne!(key, idempotence_key("payment", TenantId(i64::MIN), &other));
    }
}
