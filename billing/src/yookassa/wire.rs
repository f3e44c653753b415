//! ЮKassa's JSON: the request bodies we send and the objects we read back, leniently (only the
//! fields used; ЮKassa adds fields without notice).

use serde::Deserialize;
use serde_json::{Value, json};

use super::amount::Amount;
use crate::plans::Money;
use crate::provider::{
    ChargeId, ChargeMethod, ChargeRequest, ChargeState, ChargeStatus, Decline, ProviderError,
    Receipt, RefundId, RefundRequest, RefundState, TenantId,
};

/// ЮKassa takes at most 6 items per receipt for some fiscal setups and 100 for others; we send
/// at most two (the month, the overage), so the lower bound is checked.
const MAX_RECEIPT_ITEMS: usize = 6;

fn receipt(receipt: &Receipt, amount: &Money) -> Result<Value, ProviderError> {
    if receipt.email.trim().is_empty() || !receipt.email.contains('@') {
        return Err(ProviderError::Config(
            "a fiscal receipt needs the payer's e-mail".into(),
        ));
    }
    if receipt.items.is_empty() || receipt.items.len() > MAX_RECEIPT_ITEMS {
        return Err(ProviderError::Config(format!(
            "a fiscal receipt takes 1-{MAX_RECEIPT_ITEMS} items, not {}",
            receipt.items.len()
        )));
    }
    // 54-FZ: the receipt must add up to what is charged.
    if receipt.total_minor() != Some(amount.minor) {
        return Err(ProviderError::Config(format!(
            "the receipt's items add up to {:?} kopecks, the charge is {}",
            receipt.total_minor(),
            amount.minor
        )));
    }
    let items: Vec<Value> = receipt
        .items
        .iter()
        .map(|item| {
            json!({
                "description": item.description,
                "quantity": item.quantity,
                "amount": Amount::from_money(&item.unit_price),
                "vat_code": item.vat_code,
                "payment_subject": item.subject.as_str(),
                "payment_mode": item.mode.as_str(),
            })
        })
        .collect();
    Ok(json!({ "customer": { "email": receipt.email }, "items": items }))
}

pub(super) fn payment_request(request: &ChargeRequest) -> Result<Value, ProviderError> {
    let mut body = json!({
        "amount": Amount::from_money(&request.amount),
        // One stage: the money is taken at once, no separate capture.
        "capture": true,
        "description": request.description,
        "receipt": receipt(&request.receipt, &request.amount)?,
        "metadata": { "tenant_id": request.tenant.to_string() },
    });
    match &request.method {
        ChargeMethod::Redirect { return_url } => {
            body["confirmation"] = json!({ "type": "redirect", "return_url": return_url });
            body["save_payment_method"] = json!(true);
        }
        ChargeMethod::Saved { payment_method } => {
            body["payment_method_id"] = json!(payment_method);
        }
    }
    Ok(body)
}

pub(super) fn refund_request(request: &RefundRequest) -> Result<Value, ProviderError> {
    Ok(json!({
        "payment_id": request.charge.as_str(),
        "amount": Amount::from_money(&request.amount),
        "receipt": receipt(&request.receipt, &request.amount)?,
    }))
}

#[derive(Deserialize)]
pub(super) struct Payment {
    id: String,
    status: String,
    amount: Amount,
    #[serde(default)]
    refunded_amount: Option<Amount>,
    #[serde(default)]
    confirmation: Option<Confirmation>,
    #[serde(default)]
    payment_method: Option<PaymentMethod>,
    #[serde(default)]
    cancellation_details: Option<CancellationDetails>,
    #[serde(default)]
    metadata: Option<serde_json::Map<String, Value>>,
}

#[derive(Deserialize)]
struct Confirmation {
    #[serde(default)]
    confirmation_url: Option<String>,
}

#[derive(Deserialize)]
struct PaymentMethod {
    id: String,
    #[serde(default)]
    saved: bool,
}

#[derive(Deserialize)]
struct CancellationDetails {
    party: String,
    reason: String,
}

impl Payment {
    pub(super) fn state(self) -> Result<ChargeState, ProviderError> {
        let amount = self.amount.to_money().map_err(ProviderError::Decode)?;
        let refunded = match self.refunded_amount {
            Some(refunded) => refunded.to_money().map_err(ProviderError::Decode)?,
            None => Money {
                minor: 0,
                currency: amount.currency.clone(),
            },
        };
        let tenant = self
            .metadata
            .as_ref()
            .and_then(|metadata| metadata.get("tenant_id"))
            .and_then(Value::as_str)
            .and_then(|id| id.parse().ok())
            .map(TenantId);
        Ok(ChargeState {
            id: ChargeId(self.id),
            status: ChargeStatus::parse(&self.status),
            amount,
            refunded,
            confirmation_url: self.confirmation.and_then(|c| c.confirmation_url),
            saved_method: self
                .payment_method
                .filter(|method| method.saved)
                .map(|method| method.id),
            decline: self.cancellation_details.map(|details| Decline {
                party: details.party,
                reason: details.reason,
            }),
            tenant,
        })
    }
}

#[derive(Deserialize)]
pub(super) struct Refund {
    id: String,
    payment_id: String,
    status: String,
    amount: Amount,
}

impl Refund {
    pub(super) fn state(self) -> Result<RefundState, ProviderError> {
        Ok(RefundState {
            id: RefundId(self.id),
            charge: ChargeId(self.payment_id),
            status: self.status,
            amount: self.amount.to_money().map_err(ProviderError::Decode)?,
        })
    }
}

/// ЮKassa's error envelope: `{"type":"error","id","code","description","parameter"}`.
#[derive(Deserialize)]
struct ErrorBody {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    parameter: Option<String>,
}

/// Classifies a non-2xx answer. A 500 means the outcome is unknown: retry with the same key.
pub(super) fn error(status: u16, body: &[u8]) -> ProviderError {
    let parsed = serde_json::from_slice::<ErrorBody>(body)
        .ok()
        .filter(|err| err.kind == "error");
    let Some(err) = parsed else {
        return match status {
            429 => ProviderError::RateLimited("ЮKassa: too many requests".into()),
            500.. => ProviderError::Unavailable {
                status: Some(status),
                message: "not ЮKassa's error body".into(),
            },
            _ => ProviderError::Rejected {
                status,
                kind: "unknown".into(),
                message: "not ЮKassa's error body".into(),
            },
        };
    };
    let code = err.code.unwrap_or_default();
    let mut message = err.description.unwrap_or_default();
    if let Some(parameter) = err.parameter {
        message = format!("{message} (parameter `{parameter}`)");
    }
    match status {
        404 => ProviderError::NotFound(message),
        429 => ProviderError::RateLimited(message),
        500.. => ProviderError::Unavailable {
            status: Some(status),
            message,
        },
        _ => ProviderError::Rejected {
            status,
            kind: code,
            message,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plans::Currency;
    use crate::provider::{OperationId, PaymentMode, PaymentSubject, ReceiptItem};

    fn rub(minor: u64) -> Money {
        Money {
            minor,
            currency: Currency::parse("RUB").expect("RUB"),
        }
    }

    fn request(method: ChargeMethod, items: Vec<(u64, u64)>) -> ChargeRequest {
        let items: Vec<ReceiptItem> = items
            .into_iter()
            .map(|(quantity, price)| ReceiptItem {
                description: "Тариф «Бизнес»".into(),
                quantity,
                unit_price: rub(price),
                vat_code: 1,
                subject: PaymentSubject::Service,
                mode: PaymentMode::FullPrepayment,
            })
            .collect();
        let total = items.iter().map(|i| i.quantity * i.unit_price.minor).sum();
        ChargeRequest {
            tenant: TenantId(7),
            amount: rub(total),
            description: "Отклик: тариф «Бизнес»".into(),
            method,
            receipt: Receipt {
                email: "owner@shop.example".into(),
                items,
            },
            operation: OperationId::parse("op-1").expect("op"),
        }
    }

    #[test]
    fn a_first_payment_redirects_saves_the_method_and_carries_a_receipt() {
        let body = payment_request(&request(
            ChargeMethod::Redirect {
                return_url: "https://app.example/billing".into(),
            },
            vec![(1, 3_990_000)],
        ))
        .expect("valid");
        assert_eq!(
            body["amount"],
            json!({"value": "39900.00", "currency": "RUB"})
        );
        assert_eq!(body["capture"], json!(true));
        assert_eq!(body["save_payment_method"], json!(true));
        assert_eq!(
            body["confirmation"],
            json!({"type": "redirect", "return_url": "https://app.example/billing"})
        );
        assert_eq!(body["receipt"]["customer"]["email"], "owner@shop.example");
        let item = &body["receipt"]["items"][0];
        assert_eq!(item["vat_code"], 1);
        assert_eq!(item["payment_subject"], "service");
        assert_eq!(item["payment_mode"], "full_prepayment");
        assert_eq!(item["quantity"], 1);
        assert_eq!(body["metadata"]["tenant_id"], "7");
        assert!(body.get("payment_method_id").is_none());
    }

    #[test]
    fn an_autopayment_names_the_saved_method_and_no_confirmation() {
        let body = payment_request(&request(
            ChargeMethod::Saved {
                payment_method: "2f3b588d-000f-5000-8000-1d6e87c7fbde".into(),
            },
            vec![(1, 100), (3, 50)],
        ))
        .expect("valid");
        assert_eq!(
            body["payment_method_id"],
            "2f3b588d-000f-5000-8000-1d6e87c7fbde"
        );
        assert!(body.get("confirmation").is_none());
        assert!(body.get("save_payment_method").is_none());
        assert_eq!(body["amount"]["value"], "2.50");
    }

    #[test]
    fn a_receipt_that_does_not_add_up_or_has_no_email_is_refused_before_sending() {
        let mut bad = request(
            ChargeMethod::Saved {
                payment_method: "pm".into(),
            },
            vec![(1, 100)],
        );
        bad.amount = rub(101);
        assert!(payment_request(&bad).is_err());
        let mut no_email = request(
            ChargeMethod::Saved {
                payment_method: "pm".into(),
            },
            vec![(1, 100)],
        );
        no_email.receipt.email = String::new();
        assert!(payment_request(&no_email).is_err());
    }

    #[test]
    fn payments_are_read_with_decline_details_and_saved_methods() {
        let canceled: Payment = serde_json::from_value(json!({
            "id": "2f3b588d-000f-5000-8000-1d6e87c7fbde", "status": "canceled", "paid": false,
            "amount": {"value": "39900.00", "currency": "RUB"},
            "payment_method": {"type": "bank_card", "id": "pm-1", "saved": false},
            "cancellation_details": {"party": "payment_network", "reason": "insufficient_funds"},
            "metadata": {"tenant_id": "42"}, "test": true, "refundable": false,
        }))
        .expect("payment");
        let state = canceled.state().expect("readable");
        assert_eq!(state.status, ChargeStatus::Canceled);
        assert_eq!(
            state.saved_method, None,
            "an unsaved method is not reusable"
        );
        assert_eq!(state.tenant, Some(TenantId(42)));
        assert_eq!(
            state.decline.map(|d| d.reason),
            Some("insufficient_funds".to_owned())
        );
        assert_eq!(state.refunded, rub(0));
    }

    #[test]
    fn errors_are_classified_for_retrying() {
        let body = br#"{"type":"error","id":"x","code":"invalid_request","description":"bad","parameter":"amount"}"#;
        assert!(
            matches!(error(400, body), ProviderError::Rejected { ref kind, .. } if kind == "invalid_request")
        );
        assert!(error(500, b"<html>").is_retryable());
        assert!(error(429, b"").is_retryable());
        assert!(matches!(
            error(
                404,
                br#"{"type":"error","code":"not_found","description":"no"}"#
            ),
            ProviderError::NotFound(_)
        ));
        assert!(!error(401, br#"{"type":"error","code":"invalid_credentials"}"#).is_retryable());
    }
}
