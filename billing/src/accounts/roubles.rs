//! Tenants paying in roubles through ЮKassa. ЮKassa moves money; the subscription is ours:
//! the first payment (the merchant on ЮKassa's page, 3-D Secure included) saves the card,
//! each later period is an autopayment by the billing run, a declined one is retried every
//! [`Billing::retry_after`] while the account goes past due and, after the grace period,
//! suspended. Every payment is recorded with its amount and 54-FZ receipt before ЮKassa is
//! called, and whatever ЮKassa says (an answer, a notification, a reconciliation read) is
//! applied through [`apply`], which applies a final status once.

use chrono::{DateTime, Months, Utc};
use otklik_db::payments::{self, Applied, ChargeSnapshot, NewPayment, Payment};
use otklik_db::{AsyncPgConnection, DbError, DbPool, TenantPool, TenantScope, billing as accounts};
use otklik_schema::{BillingCurrency, PaymentPurpose, PaymentStatus, TenantId};
use serde_json::{Value, json};

use super::{Billing, BillingError, standing};
use crate::yookassa::NotificationEvent;
use crate::{
    ChargeId, ChargeMethod, ChargeProvider, ChargeRequest, ChargeState, ChargeStatus, Currency,
    HostedLink, Money, OperationId, PaymentMode, PaymentSubject, Plan, Receipt, ReceiptItem,
    RefundId, RefundRequest, RefundState, TenantId as ProviderTenant, YooKassaProvider,
};

fn provider(billing: &Billing) -> Result<&YooKassaProvider, BillingError> {
    billing
        .yookassa
        .as_ref()
        .ok_or(BillingError::NoProviderFor(BillingCurrency::Rub))
}

fn rub(minor: u64) -> Money {
    Money {
        minor,
        currency: Currency::parse("RUB").unwrap_or_else(|_| unreachable!("RUB is three letters")),
    }
}

fn operation_id(operation: &str) -> Result<OperationId, BillingError> {
    OperationId::parse(operation)
        .map_err(|err| BillingError::Invalid(format!("operation id: {err}")))
}

fn plan_item(billing: &Billing, plan: &Plan, monthly: &Money) -> ReceiptItem {
    ReceiptItem {
        description: format!("Подписка на Отклик, тариф «{}», 1 месяц", plan.name),
        quantity: 1,
        unit_price: monthly.clone(),
        vat_code: billing.vat_code,
        subject: PaymentSubject::Service,
        mode: PaymentMode::FullPrepayment,
    }
}

/// The merchant's click on "Оплатить": ЮKassa's page for the first month of `plan`, saving the
/// card for the months after. A double click, or a click while an earlier page is still open,
/// gets that page again, so there is at most one first payment in flight.
pub async fn checkout(
    db: &TenantPool,
    billing: &Billing,
    scope: TenantScope,
    plan: &str,
    operation: &str,
    return_url: &str,
) -> Result<HostedLink, BillingError> {
    let yookassa = provider(billing)?;
    let plan = billing
        .catalog
        .plan(plan)
        .map_err(|err| BillingError::Invalid(err.to_string()))?;
    let prices = plan.rub.as_ref().ok_or_else(|| {
        BillingError::Invalid(format!("plan `{}` is not sold in roubles", plan.code))
    })?;
    operation_id(operation)?;
    // Twice at most: an open payment found to be finished makes room for a new one.
    for _ in 0..2 {
        let payment = {
            let mut conn = db.get(scope).await?;
            standing(&mut conn, billing, scope).await?;
            let email = payments::receipt_email(&mut conn, scope)
                .await?
                .ok_or_else(|| {
                    BillingError::Invalid(
                        "the shop has no administrator e-mail for receipts".into(),
                    )
                })?;
            let receipt = Receipt {
                email,
                items: vec![plan_item(billing, plan, &prices.monthly_price)],
            };
            let now = Utc::now();
            let receipt_json = receipt_to_json(&receipt);
            payments::record(
                &mut conn,
                scope,
                &NewPayment {
                    purpose: PaymentPurpose::First,
                    plan_code: plan.code.as_str(),
                    operation,
                    amount: to_i64(prices.monthly_price.minor)?,
                    currency: "RUB",
                    receipt: &receipt_json,
                    period_start: now,
                    period_end: one_month_after(now),
                    attempt: 1,
                },
            )
            .await?
        };
        if let Some(provider_payment) = &payment.provider_payment {
            // Sent before: the page stands while ЮKassa still waits for the merchant.
            let current = yookassa.charge(&ChargeId(provider_payment.clone())).await?;
            let mut conn = db.get(scope).await?;
            apply(&mut conn, &payment, &current).await?;
            if matches!(
                current.status,
                ChargeStatus::Pending | ChargeStatus::WaitingForCapture
            ) && let Some(url) = current.confirmation_url.or(payment.confirmation_url)
            {
                return Ok(HostedLink {
                    id: provider_payment.clone(),
                    url,
                });
            }
            if current.status == ChargeStatus::Succeeded {
                return Err(BillingError::Invalid(
                    "this payment has already gone through".into(),
                ));
            }
            continue;
        }
        let state = send(
            yookassa,
            &payment,
            ChargeMethod::Redirect {
                return_url: return_url.to_owned(),
            },
        )
        .await?;
        let mut conn = db.get(scope).await?;
        payments::mark_sent(
            &mut conn,
            payment.id,
            state.id.as_str(),
            state.confirmation_url.as_deref(),
        )
        .await?;
        apply(&mut conn, &payment, &state).await?;
        let url = state.confirmation_url.clone().ok_or_else(|| {
            BillingError::Provider(crate::ProviderError::Decode(format!(
                "payment {} has no confirmation_url",
                state.id.as_str()
            )))
        })?;
        return Ok(HostedLink {
            id: state.id.0,
            url,
        });
    }
    Err(BillingError::Invalid(
        "the payment page could not be opened; try again".into(),
    ))
}

/// Creates the recorded payment at ЮKassa, under the key its operation gives: sending a row
/// twice is one payment.
async fn send(
    yookassa: &YooKassaProvider,
    payment: &Payment,
    method: ChargeMethod,
) -> Result<ChargeState, BillingError> {
    let receipt = receipt_from_json(&payment.receipt).ok_or_else(|| {
        BillingError::Invalid(format!("payment {} has an unreadable receipt", payment.id))
    })?;
    let request = ChargeRequest {
        tenant: ProviderTenant(payment.tenant_id.0),
        amount: rub(u64::try_from(payment.amount).unwrap_or(0)),
        description: format!("Отклик: оплата тарифа, счёт № {}", payment.id),
        method,
        receipt,
        operation: operation_id(&payment.operation)?,
    };
    Ok(yookassa.create_charge(&request).await?)
}

/// Applies ЮKassa's current view of `payment`. A state that does not match the record (other
/// amount, other tenant) is not ours to believe and changes nothing.
pub async fn apply(
    conn: &mut AsyncPgConnection,
    payment: &Payment,
    state: &ChargeState,
) -> Result<Applied, BillingError> {
    let matches = state.amount.currency.as_str() == payment.currency
        && i64::try_from(state.amount.minor).ok() == Some(payment.amount)
        && state
            .tenant
            .is_none_or(|tenant| tenant.0 == payment.tenant_id.0);
    if !matches {
        tracing::warn!(
            payment.id = payment.id,
            provider.payment = state.id.as_str(),
            "ЮKassa's payment does not match our record; ignored"
        );
        return Ok(Applied::Unchanged);
    }
    let status = match state.status {
        ChargeStatus::Succeeded => PaymentStatus::Succeeded,
        ChargeStatus::Canceled => PaymentStatus::Canceled,
        ChargeStatus::Pending | ChargeStatus::WaitingForCapture | ChargeStatus::Other(_) => {
            PaymentStatus::Pending
        }
    };
    let reason = state
        .decline
        .as_ref()
        .map(|decline| format!("{}:{}", decline.party, decline.reason));
    let applied = payments::apply(
        conn,
        payment.id,
        &ChargeSnapshot {
            status,
            decline_reason: reason.as_deref(),
            refunded: i64::try_from(state.refunded.minor).unwrap_or(i64::MAX),
            saved_method: state.saved_method.as_deref(),
        },
    )
    .await?;
    if applied != Applied::Unchanged {
        tracing::info!(
            tenant.id = %payment.tenant_id, payment.id = payment.id, outcome = ?applied,
            decline = reason.as_deref().unwrap_or(""), "ЮKassa payment applied"
        );
    }
    Ok(applied)
}

/// A notification, checked against the API: the object is looked up among ours (an unknown
/// id costs no API call), read back, and its current state applied.
pub async fn on_notification(
    db: &DbPool,
    billing: &Billing,
    event: NotificationEvent,
    object: &str,
) -> Result<&'static str, BillingError> {
    let yookassa = provider(billing)?;
    let mut conn = db.get().await.map_err(DbError::from)?;
    if event.is_refund() {
        let Some(refund) = payments::refund_by_provider_id(&mut conn, object).await? else {
            return Ok("unknown_refund");
        };
        drop(conn);
        let current = yookassa.refund_state(&RefundId(object.to_owned())).await?;
        let mut conn = db.get().await.map_err(DbError::from)?;
        payments::set_refund(&mut conn, refund.id, object, &current.status).await?;
        let scope = TenantScope::trusted(refund.tenant_id);
        let Some(payment) = payments::get(&mut conn, scope, refund.payment_id).await? else {
            return Ok("refund_recorded");
        };
        drop(conn);
        refresh(db, yookassa, &payment).await?;
        return Ok("refund_recorded");
    }
    let Some(payment) = payments::by_provider_id(&mut conn, object).await? else {
        return Ok("unknown_payment");
    };
    // A final payment does not change (refunds come as their own events): a replay costs
    // no API call.
    if payment.applied_at.is_some() {
        return Ok("already_final");
    }
    drop(conn);
    Ok(match refresh(db, yookassa, &payment).await? {
        Applied::Paid => "paid",
        Applied::Declined => "declined",
        Applied::Abandoned => "abandoned",
        Applied::Unchanged => "unchanged",
    })
}

/// Reads a sent payment back and applies it.
async fn refresh(
    db: &DbPool,
    yookassa: &YooKassaProvider,
    payment: &Payment,
) -> Result<Applied, BillingError> {
    let Some(id) = &payment.provider_payment else {
        return Ok(Applied::Unchanged);
    };
    let current = yookassa.charge(&ChargeId(id.clone())).await?;
    let mut conn = db.get().await.map_err(DbError::from)?;
    apply(&mut conn, payment, &current).await
}

/// What a billing run did in roubles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RenewalSummary {
    pub charged: usize,
    pub declined: usize,
    pub pending: usize,
    /// Pending payments read back (missed notifications).
    pub reconciled: usize,
}

/// The billing run's rouble part: each account whose paid period ended is charged for the next
/// one with its saved card (the month ahead plus the replies beyond the plan in the period
/// that ended), a declined card again once [`Billing::retry_after`] has passed, and every
/// payment still pending is read back.
pub async fn renew(
    db: &DbPool,
    billing: &Billing,
    now: DateTime<Utc>,
) -> Result<RenewalSummary, BillingError> {
    let mut summary = RenewalSummary::default();
    let Some(yookassa) = &billing.yookassa else {
        return Ok(summary);
    };
    let pending = {
        let mut conn = db.get().await.map_err(DbError::from)?;
        payments::unfinished(&mut conn).await?
    };
    for payment in pending.iter().filter(|p| p.provider_payment.is_some()) {
        refresh(db, yookassa, payment).await?;
        summary.reconciled += 1;
    }
    let due = {
        let mut conn = db.get().await.map_err(DbError::from)?;
        payments::renewals_due(&mut conn, now).await?
    };
    for renewal in due {
        let attempt = match (renewal.last_status.as_deref(), renewal.last_attempt) {
            (None, _) => 1,
            // Recorded but never sent: send that one.
            (Some("new"), Some(attempt)) => attempt,
            (Some("canceled"), Some(attempt))
                if renewal
                    .last_tried_at
                    .is_some_and(|at| at + billing.retry_after <= now) =>
            {
                attempt.saturating_add(1)
            }
            _ => continue,
        };
        let scope = TenantScope::trusted(TenantId(renewal.tenant_id));
        let Ok(plan) = billing.catalog.plan(&renewal.plan_code) else {
            tracing::warn!(
                tenant.id = renewal.tenant_id,
                plan = renewal.plan_code,
                "a rouble account is on a plan no longer on sale; not charged"
            );
            continue;
        };
        let Some(prices) = &plan.rub else {
            tracing::warn!(
                tenant.id = renewal.tenant_id,
                plan = renewal.plan_code,
                "a rouble account is on a plan without rouble prices; not charged"
            );
            continue;
        };
        let payment = {
            let mut conn = db.get().await.map_err(DbError::from)?;
            let Some(email) = payments::receipt_email(&mut conn, scope).await? else {
                tracing::warn!(
                    tenant.id = renewal.tenant_id,
                    "no administrator e-mail for the receipt; not charged"
                );
                continue;
            };
            let used = accounts::replies_between(
                &mut conn,
                scope,
                renewal.previous_start,
                renewal.period_start,
            )
            .await?;
            let extra = u64::try_from(used)
                .unwrap_or(0)
                .saturating_sub(plan.included_replies);
            let mut items = vec![plan_item(billing, plan, &prices.monthly_price)];
            if extra > 0 && prices.overage_per_reply.minor > 0 {
                items.push(ReceiptItem {
                    description: format!(
                        "Ответы ассистента сверх тарифа «{}» за прошедший период",
                        plan.name
                    ),
                    quantity: extra,
                    unit_price: prices.overage_per_reply.clone(),
                    vat_code: billing.vat_code,
                    subject: PaymentSubject::Service,
                    mode: PaymentMode::FullPayment,
                });
            }
            let receipt = Receipt { email, items };
            let total = receipt.total_minor().ok_or_else(|| {
                BillingError::Invalid(format!(
                    "tenant {}: the charge overflows",
                    renewal.tenant_id
                ))
            })?;
            let operation = format!(
                "renewal-{}-{}-{attempt}",
                renewal.tenant_id,
                renewal.period_start.timestamp_micros()
            );
            payments::record(
                &mut conn,
                scope,
                &NewPayment {
                    purpose: PaymentPurpose::Renewal,
                    plan_code: plan.code.as_str(),
                    operation: &operation,
                    amount: to_i64(total)?,
                    currency: "RUB",
                    receipt: &receipt_to_json(&receipt),
                    period_start: renewal.period_start,
                    period_end: one_month_after(renewal.period_start),
                    attempt,
                },
            )
            .await?
        };
        if payment.status != PaymentStatus::New {
            continue;
        }
        let state = send(
            yookassa,
            &payment,
            ChargeMethod::Saved {
                payment_method: renewal.payment_method.clone(),
            },
        )
        .await?;
        let mut conn = db.get().await.map_err(DbError::from)?;
        payments::mark_sent(
            &mut conn,
            payment.id,
            state.id.as_str(),
            state.confirmation_url.as_deref(),
        )
        .await?;
        match apply(&mut conn, &payment, &state).await? {
            Applied::Paid => summary.charged += 1,
            Applied::Declined => summary.declined += 1,
            Applied::Abandoned | Applied::Unchanged => summary.pending += 1,
        }
    }
    Ok(summary)
}

/// Refunds `amount` kopecks of a payment, never more than is left of it (refunds made and in
/// flight counted, the payment read back from ЮKassa first). `operation` names the request: a
/// retry is the same refund.
pub async fn refund(
    db: &DbPool,
    billing: &Billing,
    scope: TenantScope,
    payment: i64,
    amount: u64,
    operation: &str,
) -> Result<RefundState, BillingError> {
    let yookassa = provider(billing)?;
    let operation = operation_id(operation)?;
    let record = {
        let mut conn = db.get().await.map_err(DbError::from)?;
        payments::get(&mut conn, scope, payment).await?
    }
    .ok_or_else(|| BillingError::RefundRefused("no such payment".into()))?;
    let Some(provider_payment) = record.provider_payment.clone() else {
        return Err(BillingError::RefundRefused(
            "the payment was never made".into(),
        ));
    };
    // The refunds ЮKassa knows of, made here or in its dashboard, count.
    refresh(db, yookassa, &record).await?;
    let amount_i64 = i64::try_from(amount)
        .map_err(|_| BillingError::RefundRefused("the amount is too large".into()))?;
    let refund = {
        let mut conn = db.get().await.map_err(DbError::from)?;
        payments::record_refund(&mut conn, scope, payment, operation.as_str(), amount_i64).await?
    }
    .ok_or_else(|| {
        BillingError::RefundRefused(format!(
            "{amount} kopecks is more than is left of payment {payment}, or it did not succeed"
        ))
    })?;
    let description = receipt_from_json(&record.receipt)
        .and_then(|receipt| receipt.items.into_iter().next())
        .map_or_else(|| "Подписка на Отклик".to_owned(), |item| item.description);
    let email = receipt_from_json(&record.receipt)
        .map(|receipt| receipt.email)
        .unwrap_or_default();
    let refunded = rub(u64::try_from(refund.amount).unwrap_or(0));
    let request = RefundRequest {
        tenant: ProviderTenant(scope.tenant_id().0),
        charge: ChargeId(provider_payment),
        amount: refunded.clone(),
        receipt: Receipt {
            email,
            items: vec![ReceiptItem {
                description,
                quantity: 1,
                unit_price: refunded,
                vat_code: billing.vat_code,
                subject: PaymentSubject::Service,
                mode: PaymentMode::FullPrepayment,
            }],
        },
        operation,
    };
    let state = yookassa.refund(&request).await?;
    let mut conn = db.get().await.map_err(DbError::from)?;
    payments::set_refund(&mut conn, refund.id, state.id.as_str(), &state.status).await?;
    drop(conn);
    refresh(db, yookassa, &record).await?;
    Ok(state)
}

fn to_i64(minor: u64) -> Result<i64, BillingError> {
    i64::try_from(minor).map_err(|_| BillingError::Invalid("the amount is too large".into()))
}

fn one_month_after(at: DateTime<Utc>) -> DateTime<Utc> {
    at.checked_add_months(Months::new(1))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// The receipt as stored with the payment, so a retry sends exactly the same one.
fn receipt_to_json(receipt: &Receipt) -> Value {
    json!({
        "email": receipt.email,
        "items": receipt.items.iter().map(|item| json!({
            "description": item.description,
            "quantity": item.quantity,
            "unit_price": item.unit_price.minor,
            "vat_code": item.vat_code,
            "payment_subject": item.subject.as_str(),
            "payment_mode": item.mode.as_str(),
        })).collect::<Vec<_>>(),
    })
}

fn receipt_from_json(value: &Value) -> Option<Receipt> {
    let items = value["items"]
        .as_array()?
        .iter()
        .map(|item| {
            Some(ReceiptItem {
                description: item["description"].as_str()?.to_owned(),
                quantity: item["quantity"].as_u64()?,
                unit_price: rub(item["unit_price"].as_u64()?),
                vat_code: u8::try_from(item["vat_code"].as_u64()?).ok()?,
                subject: match item["payment_subject"].as_str()? {
                    "service" => PaymentSubject::Service,
                    _ => return None,
                },
                mode: match item["payment_mode"].as_str()? {
                    "full_prepayment" => PaymentMode::FullPrepayment,
                    "full_payment" => PaymentMode::FullPayment,
                    _ => return None,
                },
            })
        })
        .collect::<Option<Vec<_>>>()?;
    Some(Receipt {
        email: value["email"].as_str()?.to_owned(),
        items,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_receipts_read_back_as_written() {
        let receipt = Receipt {
            email: "owner@shop.example".into(),
            items: vec![
                ReceiptItem {
                    description: "Подписка".into(),
                    quantity: 1,
                    unit_price: rub(3_990_000),
                    vat_code: 1,
                    subject: PaymentSubject::Service,
                    mode: PaymentMode::FullPrepayment,
                },
                ReceiptItem {
                    description: "Ответы сверх тарифа".into(),
                    quantity: 120,
                    unit_price: rub(500),
                    vat_code: 1,
                    subject: PaymentSubject::Service,
                    mode: PaymentMode::FullPayment,
                },
            ],
        };
        assert_eq!(receipt_from_json(&receipt_to_json(&receipt)), Some(receipt));
        assert_eq!(
            receipt_from_json(&json!({"email": "a@b", "items": [{}]})),
            None
        );
    }
}
