//! Stripe webhook authentication and reading.
//!
//! `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…][,v0=…]`. The signature is
//! HMAC-SHA256, keyed with the endpoint secret (`whsec_…`, the whole string), over
//! `"{t}.{raw body}"`; a delivery is authentic if any `v1` matches (Stripe sends one per
//! active secret while one is being rolled) and `t` is within 300 s of now (replay
//! protection; Stripe's libraries only check the past, we check both sides). The signature is
//! checked before the time, so a forged request is never reported as merely stale.
//!
//! Events are read leniently with serde rather than through async-stripe's strict types: an
//! event carries the endpoint's API version, which need not be the one async-stripe was
//! generated for, and a missing field we do not use must not turn an authentic event away.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::convert;
use crate::plans::Catalog;
use crate::provider::{
    BillingEvent, CheckoutCompleted, CustomerId, EventId, InvoiceId, InvoiceStatus, InvoiceSummary,
    SubscriptionId, SubscriptionState, SubscriptionStatus, TenantId, WebhookError, WebhookEvent,
};

/// The header name, lower-case as `http::HeaderMap` keys are.
pub const SIGNATURE_HEADER: &str = "stripe-signature";
/// Stripe's default tolerance for `t`.
pub const TOLERANCE_SECS: i64 = 300;

/// Checks a `Stripe-Signature` header against the raw body with each of `secrets`.
pub fn verify_signature(
    payload: &[u8],
    header: &str,
    secrets: &[&str],
    now_unix: i64,
) -> Result<(), WebhookError> {
    let (timestamp, signatures) = parse_header(header)?;
    let mut matched = false;
    for secret in secrets {
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(secret.as_bytes()) else {
            continue;
        };
        mac.update(timestamp.as_bytes());
        mac.update(b".");
        mac.update(payload);
        let expected = hex::encode(mac.finalize().into_bytes());
        for signature in &signatures {
            // No early exit: every candidate is compared, each in constant time.
            matched |= bool::from(expected.as_bytes().ct_eq(signature.as_bytes()));
        }
    }
    if !matched {
        return Err(WebhookError::NoMatchingSignature);
    }
    let signed_at: i64 = timestamp
        .parse()
        .map_err(|_| WebhookError::MalformedHeader("timestamp out of range".into()))?;
    let age_secs = now_unix.saturating_sub(signed_at);
    if age_secs.abs() > TOLERANCE_SECS {
        return Err(WebhookError::Stale { age_secs });
    }
    Ok(())
}

/// The raw `t` (it is signed as written) and every `v1`. Other schemes (`v0`, test-mode
/// extras) are ignored, as Stripe's libraries do.
fn parse_header(header: &str) -> Result<(&str, Vec<&str>), WebhookError> {
    let mut timestamp = None;
    let mut signatures = Vec::new();
    for item in header.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let Some((key, value)) = item.split_once('=') else {
            return Err(WebhookError::MalformedHeader(format!(
                "`{item}` is not key=value"
            )));
        };
        match key.trim() {
            "t" => timestamp = Some(value.trim()),
            "v1" => signatures.push(value.trim()),
            _ => {}
        }
    }
    let timestamp =
        timestamp.ok_or_else(|| WebhookError::MalformedHeader("no timestamp (t=)".into()))?;
    if timestamp.is_empty() || !timestamp.bytes().all(|b| b.is_ascii_digit()) {
        return Err(WebhookError::MalformedHeader(format!(
            "timestamp `{timestamp}` is not Unix seconds"
        )));
    }
    if signatures.is_empty() {
        return Err(WebhookError::MalformedHeader("no v1 signature".into()));
    }
    Ok((timestamp, signatures))
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    created: i64,
    data: EnvelopeData,
}

#[derive(Deserialize)]
struct EnvelopeData {
    object: serde_json::Value,
}

/// An id, or the expanded object carrying it.
#[derive(Deserialize)]
#[serde(untagged)]
enum Ref {
    Id(String),
    Object { id: String },
}

impl Ref {
    fn into_id(self) -> String {
        match self {
            Self::Id(id) | Self::Object { id } => id,
        }
    }
}

#[derive(Deserialize)]
struct InvoiceObject {
    id: String,
    customer: Ref,
    /// Where API versions from 2025-03-31 put it.
    parent: Option<InvoiceParent>,
    /// Where older API versions put it.
    subscription: Option<Ref>,
    number: Option<String>,
    status: Option<String>,
    amount_due: i64,
    amount_paid: i64,
    currency: String,
    created: i64,
    period_start: i64,
    period_end: i64,
    hosted_invoice_url: Option<String>,
    invoice_pdf: Option<String>,
}

#[derive(Deserialize)]
struct InvoiceParent {
    subscription_details: Option<SubscriptionDetails>,
}

#[derive(Deserialize)]
struct SubscriptionDetails {
    subscription: Ref,
}

#[derive(Deserialize)]
struct SubscriptionObject {
    id: String,
    customer: Ref,
    status: String,
    items: Items,
    /// Older API versions; newer ones have the period per item.
    current_period_start: Option<i64>,
    current_period_end: Option<i64>,
    trial_end: Option<i64>,
    #[serde(default)]
    cancel_at_period_end: bool,
}

#[derive(Deserialize)]
struct Items {
    data: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    price: Ref,
    current_period_start: Option<i64>,
    current_period_end: Option<i64>,
}

#[derive(Deserialize)]
struct CheckoutObject {
    id: String,
    client_reference_id: Option<String>,
    customer: Option<Ref>,
    subscription: Option<Ref>,
}

/// Reads an event body that was verified already (by [`verify_signature`], possibly in
/// another process: the ingress verifies and enqueues, a worker reads).
pub fn parse_event(body: &[u8], catalog: &Catalog) -> Result<WebhookEvent, WebhookError> {
    let envelope: Envelope = serde_json::from_slice(body)
        .map_err(|err| WebhookError::Payload(format!("event envelope: {err}")))?;
    let created = convert::time(envelope.created)
        .ok_or_else(|| WebhookError::Payload(format!("created {}", envelope.created)))?;
    let object = envelope.data.object;
    let event = match envelope.kind.as_str() {
        "invoice.paid" => BillingEvent::InvoicePaid(invoice(object)?),
        "invoice.payment_failed" => BillingEvent::InvoicePaymentFailed(invoice(object)?),
        "customer.subscription.updated" => {
            BillingEvent::SubscriptionUpdated(subscription(object, catalog)?)
        }
        "customer.subscription.deleted" => {
            BillingEvent::SubscriptionDeleted(subscription(object, catalog)?)
        }
        "checkout.session.completed" => BillingEvent::CheckoutCompleted(checkout(object)?),
        _ => BillingEvent::Other(envelope.kind),
    };
    Ok(WebhookEvent {
        id: EventId(envelope.id),
        created,
        event,
    })
}

fn object<T: serde::de::DeserializeOwned>(
    object: serde_json::Value,
    what: &str,
) -> Result<T, WebhookError> {
    serde_json::from_value(object).map_err(|err| WebhookError::Payload(format!("{what}: {err}")))
}

fn payload_time(unix: i64, what: &str) -> Result<chrono::DateTime<chrono::Utc>, WebhookError> {
    convert::time(unix).ok_or_else(|| WebhookError::Payload(format!("{what} {unix}")))
}

fn invoice(value: serde_json::Value) -> Result<InvoiceSummary, WebhookError> {
    let invoice: InvoiceObject = object(value, "invoice")?;
    let money = |minor, what| {
        convert::money(minor, &invoice.currency, what)
            .map_err(|err| WebhookError::Payload(err.to_string()))
    };
    let subscription = invoice
        .parent
        .and_then(|parent| parent.subscription_details)
        .map(|details| details.subscription)
        .or(invoice.subscription)
        .map(|s| SubscriptionId(s.into_id()));
    Ok(InvoiceSummary {
        amount_due: money(invoice.amount_due, "amount_due")?,
        amount_paid: money(invoice.amount_paid, "amount_paid")?,
        id: InvoiceId(invoice.id),
        customer: CustomerId(invoice.customer.into_id()),
        subscription,
        number: invoice.number,
        status: invoice.status.as_deref().map(InvoiceStatus::parse),
        created: payload_time(invoice.created, "invoice created")?,
        period_start: payload_time(invoice.period_start, "invoice period_start")?,
        period_end: payload_time(invoice.period_end, "invoice period_end")?,
        hosted_url: invoice.hosted_invoice_url,
        pdf_url: invoice.invoice_pdf,
    })
}

fn subscription(
    value: serde_json::Value,
    catalog: &Catalog,
) -> Result<SubscriptionState, WebhookError> {
    let subscription: SubscriptionObject = object(value, "subscription")?;
    let items = subscription.items.data;
    let item_period_start = items
        .iter()
        .filter_map(|item| item.current_period_start)
        .max();
    let item_period_end = items
        .iter()
        .filter_map(|item| item.current_period_end)
        .max();
    let plan = items
        .into_iter()
        .find_map(|item| catalog.plan_by_stripe_price(&item.price.into_id()))
        .map(|plan| plan.code.clone());
    Ok(SubscriptionState {
        id: SubscriptionId(subscription.id),
        customer: CustomerId(subscription.customer.into_id()),
        status: SubscriptionStatus::parse(&subscription.status),
        plan,
        current_period_start: item_period_start
            .or(subscription.current_period_start)
            .and_then(convert::time),
        current_period_end: item_period_end
            .or(subscription.current_period_end)
            .and_then(convert::time),
        trial_end: subscription.trial_end.and_then(convert::time),
        cancel_at_period_end: subscription.cancel_at_period_end,
    })
}

fn checkout(value: serde_json::Value) -> Result<CheckoutCompleted, WebhookError> {
    let session: CheckoutObject = object(value, "checkout session")?;
    Ok(CheckoutCompleted {
        session: session.id,
        tenant: session
            .client_reference_id
            .and_then(|reference| reference.parse().ok())
            .map(TenantId),
        customer: session.customer.map(|c| CustomerId(c.into_id())),
        subscription: session.subscription.map(|s| SubscriptionId(s.into_id())),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::plans::PlanCode;

    const SECRET: &str = "whsec_test_secret";
    const NOW: i64 = 1_760_000_000;

    fn sign(payload: &[u8], secret: &str, t: i64) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
        mac.update(format!("{t}.").as_bytes());
        mac.update(payload);
        hex::encode(mac.finalize().into_bytes())
    }

    const BODY: &[u8] = br#"{"id":"evt_1","object":"event","type":"invoice.paid"}"#;

    #[test]
    fn a_correct_signature_within_tolerance_verifies() {
        let header = format!("t={NOW},v1={}", sign(BODY, SECRET, NOW));
        assert_eq!(verify_signature(BODY, &header, &[SECRET], NOW), Ok(()));
        // At the edge of the tolerance, on both sides.
        let old = NOW - TOLERANCE_SECS;
        let header = format!("t={old},v1={}", sign(BODY, SECRET, old));
        assert_eq!(verify_signature(BODY, &header, &[SECRET], NOW), Ok(()));
        let ahead = NOW + TOLERANCE_SECS;
        let header = format!("t={ahead},v1={}", sign(BODY, SECRET, ahead));
        assert_eq!(verify_signature(BODY, &header, &[SECRET], NOW), Ok(()));
    }

    #[test]
    fn forged_or_tampered_deliveries_match_no_signature() {
        let forged = format!("t={NOW},v1={}", sign(BODY, "whsec_attacker", NOW));
        assert_eq!(
            verify_signature(BODY, &forged, &[SECRET], NOW),
            Err(WebhookError::NoMatchingSignature)
        );
        let genuine = format!("t={NOW},v1={}", sign(BODY, SECRET, NOW));
        let tampered = br#"{"id":"evt_1","object":"event","type":"invoice.paid" }"#;
        assert_eq!(
            verify_signature(tampered, &genuine, &[SECRET], NOW),
            Err(WebhookError::NoMatchingSignature)
        );
        // The timestamp is signed too: moving it breaks the signature.
        let moved = format!("t={},v1={}", NOW + 1, sign(BODY, SECRET, NOW));
        assert_eq!(
            verify_signature(BODY, &moved, &[SECRET], NOW),
            Err(WebhookError::NoMatchingSignature)
        );
        // v0 is not a scheme we accept, even if it carries the right HMAC.
        let v0 = format!("t={NOW},v0={},v1=00", sign(BODY, SECRET, NOW));
        assert_eq!(
            verify_signature(BODY, &v0, &[SECRET], NOW),
            Err(WebhookError::NoMatchingSignature)
        );
    }

    #[test]
    fn stale_and_future_timestamps_are_rejected_after_the_signature_checks_out() {
        let old = NOW - TOLERANCE_SECS - 1;
        let header = format!("t={old},v1={}", sign(BODY, SECRET, old));
        assert_eq!(
            verify_signature(BODY, &header, &[SECRET], NOW),
            Err(WebhookError::Stale {
                age_secs: TOLERANCE_SECS + 1
            })
        );
        let ahead = NOW + 3600;
        let header = format!("t={ahead},v1={}", sign(BODY, SECRET, ahead));
        assert_eq!(
            verify_signature(BODY, &header, &[SECRET], NOW),
            Err(WebhookError::Stale { age_secs: -3600 })
        );
        // A forged old delivery is a forgery, not "stale".
        let forged = format!("t={old},v1={}", sign(BODY, "whsec_attacker", old));
        assert_eq!(
            verify_signature(BODY, &forged, &[SECRET], NOW),
            Err(WebhookError::NoMatchingSignature)
        );
    }

    #[test]
    fn any_v1_may_match_and_any_configured_secret_may_sign() {
        let rolled = "whsec_new_secret";
        let header = format!(
            "t={NOW},v1={},v1={},v0=ignored",
            sign(BODY, "whsec_old_unknown", NOW),
            sign(BODY, SECRET, NOW)
        );
        assert_eq!(verify_signature(BODY, &header, &[SECRET], NOW), Ok(()));
        // Our own rotation: the new secret is configured next to the old one.
        let header = format!("t={NOW},v1={}", sign(BODY, rolled, NOW));
        assert_eq!(
            verify_signature(BODY, &header, &[SECRET, rolled], NOW),
            Ok(())
        );
        // Whitespace and order do not matter.
        let header = format!(" v1={} , t={NOW} ", sign(BODY, SECRET, NOW));
        assert_eq!(verify_signature(BODY, &header, &[SECRET], NOW), Ok(()));
    }

    #[test]
    fn malformed_headers_say_what_is_wrong() {
        let sig = sign(BODY, SECRET, NOW);
        for (header, reason) in [
            (format!("v1={sig}"), "no timestamp"),
            (format!("t=,v1={sig}"), "not Unix seconds"),
            (format!("t=-5,v1={sig}"), "not Unix seconds"),
            (format!("t=12ab,v1={sig}"), "not Unix seconds"),
            (format!("t={NOW}"), "no v1"),
            (format!("t={NOW},v0={sig}"), "no v1"),
            (format!("t={NOW},{sig}"), "not key=value"),
            (String::new(), "no timestamp"),
        ] {
            match verify_signature(BODY, &header, &[SECRET], NOW) {
                Err(WebhookError::MalformedHeader(message)) => {
                    assert!(message.contains(reason), "{header:?}: {message}")
                }
                other => panic!("{header:?}: {other:?}"),
            }
        }
    }

    fn catalog() -> Catalog {
        Catalog::builtin().expect("shipped catalog")
    }

    fn event(kind: &str, object: serde_json::Value) -> Vec<u8> {
        json!({
            "id": "evt_1QzX", "object": "event", "api_version": "2025-03-31.basil",
            "created": NOW, "type": kind, "livemode": false, "pending_webhooks": 1,
            "request": {"id": null, "idempotency_key": null},
            "data": {"object": object, "previous_attributes": {}}
        })
        .to_string()
        .into_bytes()
    }

    #[test]
    fn invoices_are_read_in_the_current_and_the_legacy_shape() {
        let current = json!({
            "id": "in_1", "object": "invoice", "customer": "cus_1", "number": "ABC-0001",
            "status": "paid", "amount_due": 40000, "amount_paid": 40000, "currency": "usd",
            "created": NOW, "period_start": NOW - 86_400, "period_end": NOW,
            "hosted_invoice_url": "https://invoice.stripe.com/i/1", "invoice_pdf": null,
            "parent": {"type": "subscription_details", "quote_details": null,
                       "subscription_details": {"metadata": {}, "subscription": "sub_1"}}
        });
        let parsed = parse_event(&event("invoice.paid", current), &catalog()).expect("parses");
        assert_eq!(parsed.id, EventId("evt_1QzX".into()));
        let BillingEvent::InvoicePaid(invoice) = parsed.event else {
            panic!("{parsed:?}");
        };
        assert_eq!(invoice.subscription, Some(SubscriptionId("sub_1".into())));
        assert_eq!(invoice.amount_paid.minor, 40_000);
        assert_eq!(invoice.amount_paid.currency.as_str(), "USD");
        assert_eq!(invoice.status, Some(InvoiceStatus::Paid));

        let legacy = json!({
            "id": "in_2", "object": "invoice", "customer": {"id": "cus_1", "object": "customer"},
            "subscription": "sub_2", "status": "open", "amount_due": 20000, "amount_paid": 0,
            "currency": "usd", "created": NOW, "period_start": NOW, "period_end": NOW
        });
        let parsed =
            parse_event(&event("invoice.payment_failed", legacy), &catalog()).expect("parses");
        let BillingEvent::InvoicePaymentFailed(invoice) = parsed.event else {
            panic!("{parsed:?}");
        };
        assert_eq!(invoice.subscription, Some(SubscriptionId("sub_2".into())));
        assert_eq!(invoice.customer, CustomerId("cus_1".into()));
    }

    #[test]
    fn subscriptions_map_prices_back_to_plans() {
        let object = json!({
            "id": "sub_1", "object": "subscription", "customer": "cus_1", "status": "past_due",
            "cancel_at_period_end": false, "trial_end": null,
            "items": {"object": "list", "data": [
                {"id": "si_1", "price": {"id": "price_pro_monthly"},
                 "current_period_start": NOW - 10, "current_period_end": NOW + 10},
                {"id": "si_2", "price": {"id": "price_pro_replies"},
                 "current_period_end": NOW + 10}
            ]}
        });
        let parsed = parse_event(&event("customer.subscription.updated", object), &catalog())
            .expect("parses");
        let BillingEvent::SubscriptionUpdated(state) = parsed.event else {
            panic!("{parsed:?}");
        };
        assert_eq!(state.status, SubscriptionStatus::PastDue);
        assert_eq!(state.plan, Some(PlanCode::parse("pro").expect("code")));
        assert_eq!(state.current_period_start, convert::time(NOW - 10));
        assert_eq!(state.current_period_end, convert::time(NOW + 10));
        assert_eq!(state.status.as_str(), "past_due");
    }

    #[test]
    fn checkout_carries_the_tenant_and_unknown_types_pass_through() {
        let object = json!({
            "id": "cs_1", "object": "checkout.session", "client_reference_id": "42",
            "customer": "cus_1", "subscription": "sub_1", "mode": "subscription"
        });
        let parsed =
            parse_event(&event("checkout.session.completed", object), &catalog()).expect("parses");
        assert_eq!(
            parsed.event,
            BillingEvent::CheckoutCompleted(CheckoutCompleted {
                session: "cs_1".into(),
                tenant: Some(TenantId(42)),
                customer: Some(CustomerId("cus_1".into())),
                subscription: Some(SubscriptionId("sub_1".into())),
            })
        );
        let parsed = parse_event(&event("charge.refunded", json!({"id": "ch_1"})), &catalog())
            .expect("parses");
        assert_eq!(parsed.event, BillingEvent::Other("charge.refunded".into()));
    }

    #[test]
    fn unreadable_payloads_are_not_authentication_failures() {
        let err = parse_event(b"not json", &catalog()).expect_err("garbage");
        assert!(!err.is_unauthenticated(), "{err}");
        let err = parse_event(&event("invoice.paid", json!({"id": "in_1"})), &catalog())
            .expect_err("incomplete invoice");
        assert!(matches!(err, WebhookError::Payload(_)), "{err}");
        assert!(WebhookError::NoMatchingSignature.is_unauthenticated());
    }
}
