//! otklik-billing's Stripe provider against the fake Stripe: the wire format async-stripe
//! sends and decodes, idempotency under retries, error classification, and webhook
//! verification with signed fixtures. No database or Redis needed.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue};
use chrono::Utc;
use otklik_billing::stripe::{self as billing_stripe, StripeProvider, StripeSettings};
use otklik_billing::{
    BillingEvent, Catalog, CheckoutRequest, CustomerId, InvoiceStatus, NewSubscription,
    OperationId, PaymentProvider, PlanChange, PlanCode, PortalRequest, ProviderError,
    SubscriptionStatus, TenantId, TenantRef, UsageId, UsageReport, WebhookError, WebhookEvent,
    WebhookRequest,
};
use otklik_tests::stripe::{self, Failure, FakePrice, FakeStripe};
use secrecy::SecretString;

const METER: &str = "ai_replies";

fn catalog() -> Arc<Catalog> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../config/plans.toml");
    Arc::new(Catalog::load(&path).expect("config/plans.toml"))
}

/// A fake that sells the shipped catalog, and the provider pointed at it.
async fn setup() -> (FakeStripe, StripeProvider, Arc<Catalog>) {
    let fake = FakeStripe::start().await.expect("fake stripe");
    let catalog = catalog();
    for plan in catalog.plans() {
        let currency = plan.monthly_price.currency.as_str();
        let flat = i64::try_from(plan.monthly_price.minor).expect("price fits");
        fake.add_price(FakePrice::flat(&plan.stripe.flat, flat, currency));
        fake.add_price(FakePrice::metered(&plan.stripe.metered, currency, METER));
    }
    let provider = provider_for(&fake, stripe::SECRET_KEY, catalog.clone());
    (fake, provider, catalog)
}

fn provider_for(fake: &FakeStripe, key: &str, catalog: Arc<Catalog>) -> StripeProvider {
    let settings = StripeSettings {
        api_base: fake.url(),
        secret_key: SecretString::from(key),
        webhook_secrets: vec![SecretString::from(stripe::WEBHOOK_SECRET)],
        meter_event_name: METER.into(),
        timeout: Duration::from_secs(5),
    };
    StripeProvider::new(&settings, catalog).expect("stripe provider")
}

fn tenant(id: i64) -> TenantRef {
    TenantRef {
        id: TenantId(id),
        name: "ООО «Ромашка»".into(),
        email: Some("billing@romashka.example".into()),
    }
}

fn operation(id: &str) -> OperationId {
    OperationId::parse(id).expect("operation id")
}

fn code(code: &str) -> PlanCode {
    PlanCode::parse(code).expect("plan code")
}

fn usage(tenant: i64, customer: &CustomerId, id: &str, replies: u64) -> UsageReport {
    UsageReport {
        tenant: TenantId(tenant),
        customer: customer.clone(),
        usage: UsageId::parse(id).expect("usage id"),
        replies,
        occurred_at: Utc::now(),
    }
}

#[tokio::test]
async fn a_trial_subscription_is_created_on_the_flat_and_metered_prices() {
    let (fake, provider, catalog) = setup().await;
    let customer = provider
        .ensure_customer(&tenant(7))
        .await
        .expect("customer");
    let trial_end = catalog.trial().ends_at(Utc::now());
    let state = provider
        .create_subscription(&NewSubscription {
            tenant: TenantId(7),
            customer: customer.clone(),
            plan: code("business"),
            trial_end: Some(trial_end),
            operation: operation("signup-7"),
        })
        .await
        .expect("subscription");

    assert_eq!(state.status, SubscriptionStatus::Trialing);
    assert_eq!(state.customer, customer);
    assert_eq!(state.plan, Some(code("business")));
    assert_eq!(
        state.trial_end.map(|t| t.timestamp()),
        Some(trial_end.timestamp())
    );
    assert_eq!(
        state.current_period_end, state.trial_end,
        "the trial is the first period"
    );
    assert!(state.current_period_start <= Some(Utc::now()), "{state:?}");
    assert!(state.current_period_start.is_some());

    // What went over the wire: nested form keys, metered item without quantity, metadata.
    let request = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/subscriptions")
        .expect("subscription request");
    assert_eq!(
        request.idempotency_key.as_deref(),
        Some("otklik:subscription:7:signup-7")
    );
    let business = catalog.plan("business").expect("business");
    let items = &request.params["items"];
    assert_eq!(items[0]["price"], business.stripe.flat.as_str());
    assert_eq!(items[0]["quantity"], "1");
    assert_eq!(items[1]["price"], business.stripe.metered.as_str());
    assert!(items[1].get("quantity").is_none(), "{items}");
    assert_eq!(
        request.params["trial_end"],
        trial_end.timestamp().to_string()
    );
    assert_eq!(request.params["metadata"]["tenant_id"], "7");
    assert_eq!(request.params["metadata"]["plan"], "business");

    // Fetching it back reads the same state.
    let fetched = provider.subscription(&state.id).await.expect("fetch");
    assert_eq!(fetched, state);
}

#[tokio::test]
async fn usage_reported_twice_with_one_id_is_counted_once() {
    let (fake, provider, _) = setup().await;
    let customer = provider
        .ensure_customer(&tenant(8))
        .await
        .expect("customer");

    let first = usage(8, &customer, "reply-1001", 3);
    provider.report_usage(&first).await.expect("first report");
    // A retried job: same usage id, same parameters.
    provider
        .report_usage(&first)
        .await
        .expect("replayed report");
    provider
        .report_usage(&usage(8, &customer, "reply-1002", 2))
        .await
        .expect("second usage");

    assert_eq!(fake.meter_total(customer.as_str()), 5);
    let events = fake.meter_events();
    assert_eq!(events.len(), 2, "{events:?}");
    assert_eq!(events[0].identifier, "otklik:meter:8:reply-1001");
    assert_eq!(events[0].event_name, METER);

    let posts: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == "/v1/billing/meter_events")
        .collect();
    assert_eq!(posts.len(), 3);
    assert!(
        posts[1].replayed,
        "the retry was answered from the idempotency store"
    );
    assert_eq!(
        posts[0].params["payload"]["stripe_customer_id"],
        customer.as_str()
    );
    assert_eq!(posts[0].params["payload"]["value"], "3");

    // Zero usage sends nothing.
    provider
        .report_usage(&usage(8, &customer, "reply-1003", 0))
        .await
        .expect("nothing to report");
    assert_eq!(fake.requests().len(), 4, "customer + three meter posts");
}

#[tokio::test]
async fn the_same_usage_id_under_a_new_key_is_still_counted_once() {
    // Stripe's meter `identifier` dedupe is independent of the idempotency key: a report
    // whose timestamp changed (new parameters) must not add usage either. Sent raw, since
    // the provider derives both from the same id.
    let (fake, provider, _) = setup().await;
    let customer = provider
        .ensure_customer(&tenant(9))
        .await
        .expect("customer");
    provider
        .report_usage(&usage(9, &customer, "run-42", 10))
        .await
        .expect("report");
    let client = reqwest::Client::new();
    let response = client
        .post(format!("{}v1/billing/meter_events", fake.url()))
        .bearer_auth(stripe::SECRET_KEY)
        .header("idempotency-key", "another-key")
        .form(&[
            ("event_name", METER),
            ("identifier", "otklik:meter:9:run-42"),
            ("payload[stripe_customer_id]", customer.as_str()),
            ("payload[value]", "10"),
        ])
        .send()
        .await
        .expect("raw meter event");
    assert!(response.status().is_success(), "{}", response.status());
    assert_eq!(fake.meter_total(customer.as_str()), 10);
}

#[tokio::test]
async fn a_retried_customer_creation_creates_one_customer() {
    let (fake, provider, _) = setup().await;
    let first = provider.ensure_customer(&tenant(11)).await.expect("first");
    let again = provider.ensure_customer(&tenant(11)).await.expect("retry");
    assert_eq!(first, again);
    assert_eq!(fake.customers().len(), 1);
    let requests = fake.requests();
    assert_eq!(
        requests[0].idempotency_key.as_deref(),
        Some("otklik:customer:11")
    );
    assert!(requests[1].replayed);

    // The tenant's details changed between attempts: Stripe refuses the reused key.
    let mut renamed = tenant(11);
    renamed.name = "ООО «Василёк»".into();
    let err = provider
        .ensure_customer(&renamed)
        .await
        .expect_err("changed parameters");
    assert!(
        matches!(err, ProviderError::IdempotencyConflict(_)),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(fake.customers().len(), 1);
}

/// The provider sends each call once and does not retry: a 500 surfaces as a retryable
/// `Unavailable`, and the caller's retry (the same key) succeeds without duplicating.
#[tokio::test]
async fn a_server_error_surfaces_typed_and_the_retry_with_the_same_key_succeeds() {
    let (fake, provider, _) = setup().await;
    fake.fail_next(1, Failure::ServerError);
    let err = provider
        .ensure_customer(&tenant(12))
        .await
        .expect_err("500");
    assert!(
        matches!(
            err,
            ProviderError::Unavailable {
                status: Some(500),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(
        fake.requests().len(),
        1,
        "async-stripe did not retry on its own"
    );

    let customer = provider.ensure_customer(&tenant(12)).await.expect("retry");
    let again = provider.ensure_customer(&tenant(12)).await.expect("again");
    assert_eq!(customer, again);
    assert_eq!(fake.customers().len(), 1);
    let keys: Vec<_> = fake
        .requests()
        .into_iter()
        .map(|r| r.idempotency_key)
        .collect();
    assert!(
        keys.iter()
            .all(|k| k.as_deref() == Some("otklik:customer:12")),
        "{keys:?}"
    );

    // A proxy's HTML 502: async-stripe loses the status, still classified as retryable.
    fake.fail_next(1, Failure::BadGateway);
    let err = provider
        .subscription(&otklik_billing::SubscriptionId("sub_x".into()))
        .await;
    let err = err.expect_err("502");
    assert!(
        matches!(err, ProviderError::Unavailable { status: None, .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn declines_missing_objects_and_bad_keys_are_classified() {
    let (fake, provider, catalog) = setup().await;
    let customer = provider
        .ensure_customer(&tenant(13))
        .await
        .expect("customer");
    let subscribe = NewSubscription {
        tenant: TenantId(13),
        customer: customer.clone(),
        plan: code("start"),
        trial_end: None,
        operation: operation("upgrade-1"),
    };
    fake.fail_next(1, Failure::CardDeclined);
    let err = provider
        .create_subscription(&subscribe)
        .await
        .expect_err("declined");
    assert!(
        matches!(err, ProviderError::Declined { ref code, .. } if code == "card_declined"),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    // Stripe stored the decline under the key: the same operation replays it.
    let replay = provider
        .create_subscription(&subscribe)
        .await
        .expect_err("replayed decline");
    assert!(
        matches!(replay, ProviderError::Declined { .. }),
        "{replay:?}"
    );
    assert!(fake.subscriptions().is_empty());

    let missing = provider
        .subscription(&otklik_billing::SubscriptionId("sub_missing".into()))
        .await
        .expect_err("404");
    assert!(matches!(missing, ProviderError::NotFound(_)), "{missing:?}");

    let unknown_plan = provider
        .create_subscription(&NewSubscription {
            plan: code("gold"),
            operation: operation("upgrade-2"),
            ..subscribe.clone()
        })
        .await
        .expect_err("unknown plan");
    assert!(
        matches!(unknown_plan, ProviderError::Catalog(_)),
        "{unknown_plan:?}"
    );

    let wrong_key = provider_for(&fake, "sk_test_wrong", catalog);
    let err = wrong_key
        .ensure_customer(&tenant(14))
        .await
        .expect_err("401");
    assert!(
        matches!(
            err,
            ProviderError::Rejected { status: 401, ref message, .. }
                if message.contains("Invalid API Key")
        ),
        "{err:?}"
    );
}

#[tokio::test]
async fn checkout_and_portal_links_come_back() {
    let (fake, provider, catalog) = setup().await;
    let customer = provider
        .ensure_customer(&tenant(15))
        .await
        .expect("customer");
    let checkout = provider
        .checkout_link(&CheckoutRequest {
            tenant: TenantId(15),
            customer: customer.clone(),
            plan: code("pro"),
            trial_end: None,
            success_url: "https://app.otklik.example/billing?done=1".into(),
            cancel_url: "https://app.otklik.example/billing".into(),
            operation: operation("click-1"),
        })
        .await
        .expect("checkout");
    assert!(
        checkout.url.starts_with("https://checkout.stripe.com/"),
        "{checkout:?}"
    );
    let request = fake
        .requests()
        .into_iter()
        .find(|r| r.path == "/v1/checkout/sessions")
        .expect("checkout request");
    let pro = catalog.plan("pro").expect("pro");
    assert_eq!(request.params["mode"], "subscription");
    assert_eq!(request.params["client_reference_id"], "15");
    assert_eq!(
        request.params["line_items"][1]["price"],
        pro.stripe.metered.as_str()
    );
    assert_eq!(
        request.params["subscription_data"]["metadata"]["plan"],
        "pro"
    );

    let portal = provider
        .portal_link(&PortalRequest {
            tenant: TenantId(15),
            customer: customer.clone(),
            return_url: "https://app.otklik.example/billing".into(),
            operation: operation("click-2"),
        })
        .await
        .expect("portal");
    assert!(
        portal.url.starts_with("https://billing.stripe.com/"),
        "{portal:?}"
    );
    let session = fake
        .portal_session(&portal.id)
        .expect("stored portal session");
    assert_eq!(session["customer"], customer.as_str());

    // Paying on the hosted page creates the subscription; the webhook says so.
    let completed = fake.complete_checkout(&checkout.id).expect("session");
    let event = stripe::checkout_session_completed(&completed);
    let (body, signature) = stripe::signed_delivery(&event, stripe::WEBHOOK_SECRET);
    let verified = verify(&provider, &body, &signature)
        .await
        .expect("verified");
    let BillingEvent::CheckoutCompleted(done) = verified.event else {
        panic!("{verified:?}");
    };
    assert_eq!(done.tenant, Some(TenantId(15)));
    let subscription = done.subscription.expect("subscription id");
    let state = provider.subscription(&subscription).await.expect("fetch");
    assert_eq!(state.status, SubscriptionStatus::Active);
    assert_eq!(state.plan, Some(code("pro")));
}

#[tokio::test]
async fn plan_changes_swap_both_prices_and_invoices_list_newest_first() {
    let (fake, provider, catalog) = setup().await;
    let customer = provider
        .ensure_customer(&tenant(16))
        .await
        .expect("customer");
    let state = provider
        .create_subscription(&NewSubscription {
            tenant: TenantId(16),
            customer: customer.clone(),
            plan: code("start"),
            trial_end: Some(catalog.trial().ends_at(Utc::now())),
            operation: operation("signup-16"),
        })
        .await
        .expect("subscription");

    let change = PlanChange {
        tenant: TenantId(16),
        subscription: state.id.clone(),
        plan: code("pro"),
        operation: operation("change-1"),
    };
    let changed = provider.change_plan(&change).await.expect("change");
    assert_eq!(changed.plan, Some(code("pro")));
    let stored = fake.subscription(state.id.as_str()).expect("stored");
    let prices: Vec<&str> = stored["items"]["data"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|item| item["price"]["id"].as_str())
        .collect();
    let pro = catalog.plan("pro").expect("pro");
    assert_eq!(
        prices,
        [pro.stripe.flat.as_str(), pro.stripe.metered.as_str()]
    );
    // A retried change replays.
    assert_eq!(provider.change_plan(&change).await.expect("retry"), changed);

    fake.create_invoice(state.id.as_str(), false)
        .expect("failed invoice");
    fake.create_invoice(state.id.as_str(), true)
        .expect("paid invoice");
    let invoices = provider
        .list_invoices(&customer, 10)
        .await
        .expect("invoices");
    assert_eq!(invoices.len(), 2);
    assert_eq!(invoices[0].status, Some(InvoiceStatus::Paid));
    assert_eq!(invoices[0].amount_paid.minor, pro.monthly_price.minor);
    assert_eq!(invoices[0].amount_paid.currency.as_str(), "USD");
    assert_eq!(invoices[0].subscription.as_ref(), Some(&state.id));
    assert_eq!(invoices[1].status, Some(InvoiceStatus::Open));
    assert!(invoices[0].hosted_url.is_some());
    let only_one = provider.list_invoices(&customer, 1).await.expect("limit");
    assert_eq!(only_one.len(), 1);
}

/// Verifies a delivery the way the ingress will: raw body plus the signature header.
async fn verify(
    provider: &StripeProvider,
    body: &[u8],
    signature: &str,
) -> Result<WebhookEvent, WebhookError> {
    let mut headers = HeaderMap::new();
    headers.insert(
        billing_stripe::SIGNATURE_HEADER,
        HeaderValue::from_str(signature).expect("header value"),
    );
    provider
        .verify_webhook(WebhookRequest {
            body,
            headers: &headers,
            remote_addr: None,
        })
        .await
}

#[tokio::test]
async fn webhooks_signed_by_the_fixture_helper_verify_and_forgeries_do_not() {
    let (fake, provider, catalog) = setup().await;
    let customer = provider
        .ensure_customer(&tenant(17))
        .await
        .expect("customer");
    let state = provider
        .create_subscription(&NewSubscription {
            tenant: TenantId(17),
            customer,
            plan: code("business"),
            trial_end: Some(catalog.trial().ends_at(Utc::now())),
            operation: operation("signup-17"),
        })
        .await
        .expect("subscription");
    let sub = state.id.as_str();

    // All five event types, from the fake's own objects.
    let failed = fake.create_invoice(sub, false).expect("invoice");
    let past_due = fake.subscription(sub).expect("subscription");
    let paid = fake.create_invoice(sub, true).expect("invoice");
    let canceled = fake.cancel_subscription(sub).expect("canceled");
    let fixtures = [
        stripe::invoice_payment_failed(&failed),
        stripe::subscription_updated(&past_due, "trialing"),
        stripe::invoice_paid(&paid),
        stripe::subscription_deleted(&canceled),
    ];
    let mut seen = Vec::new();
    for fixture in &fixtures {
        let (body, signature) = stripe::signed_delivery(fixture, stripe::WEBHOOK_SECRET);
        let event = verify(&provider, &body, &signature)
            .await
            .expect("verified");
        assert_eq!(event.id.as_str(), fixture["id"].as_str().expect("id"));
        seen.push(event.event);
    }
    match &seen[..] {
        [
            BillingEvent::InvoicePaymentFailed(failed),
            BillingEvent::SubscriptionUpdated(updated),
            BillingEvent::InvoicePaid(paid),
            BillingEvent::SubscriptionDeleted(deleted),
        ] => {
            assert_eq!(failed.subscription, Some(state.id.clone()));
            assert_eq!(failed.amount_paid.minor, 0);
            assert_eq!(updated.status, SubscriptionStatus::PastDue);
            assert_eq!(updated.plan, Some(code("business")));
            assert_eq!(paid.status, Some(InvoiceStatus::Paid));
            assert_eq!(deleted.status, SubscriptionStatus::Canceled);
        }
        other => panic!("{other:?}"),
    }

    let body = stripe::invoice_paid(&paid).to_string().into_bytes();
    let now = Utc::now().timestamp();

    let forged = stripe::sign_webhook(&body, "whsec_attacker", now);
    let err = verify(&provider, &body, &forged).await.expect_err("forged");
    assert_eq!(err, WebhookError::NoMatchingSignature);
    assert!(err.is_unauthenticated());

    let stale = stripe::sign_webhook(&body, stripe::WEBHOOK_SECRET, now - 600);
    let err = verify(&provider, &body, &stale).await.expect_err("stale");
    assert!(
        matches!(err, WebhookError::Stale { age_secs } if age_secs >= 600),
        "{err:?}"
    );

    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    let genuine = stripe::sign_webhook(&body, stripe::WEBHOOK_SECRET, now);
    let err = verify(&provider, &tampered, &genuine)
        .await
        .expect_err("tampered");
    assert_eq!(err, WebhookError::NoMatchingSignature);

    let unsigned = WebhookRequest {
        body: &body,
        headers: &HeaderMap::new(),
        remote_addr: None,
    };
    let err = provider
        .verify_webhook(unsigned)
        .await
        .expect_err("unsigned");
    assert_eq!(err, WebhookError::MissingHeader("stripe-signature"));

    // Pinned time: the boundary of the tolerance is inclusive.
    let mut headers = HeaderMap::new();
    let at = stripe::sign_webhook(&body, stripe::WEBHOOK_SECRET, now);
    headers.insert(
        billing_stripe::SIGNATURE_HEADER,
        HeaderValue::from_str(&at).expect("header value"),
    );
    let request = WebhookRequest {
        body: &body,
        headers: &headers,
        remote_addr: None,
    };
    let edge = now + billing_stripe::TOLERANCE_SECS;
    assert!(provider.verify_webhook_at(request, edge).is_ok());
    assert!(matches!(
        provider.verify_webhook_at(request, edge + 1),
        Err(WebhookError::Stale { .. })
    ));
}
