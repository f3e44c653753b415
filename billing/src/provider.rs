//! The seam between billing and whoever takes the money. Stripe is one implementation; it does
//! not serve Russian legal entities, so ЮKassa or CloudPayments must fit behind the same trait
//! (docs/payments.md lists what each needs). The types here are therefore the provider-neutral
//! vocabulary billing speaks: no Stripe type leaks out of `crate::stripe`.

use std::fmt;
use std::future::Future;
use std::net::IpAddr;

use chrono::{DateTime, Utc};
use http::HeaderMap;

use crate::plans::{CatalogError, Money, PlanCode};

/// Our tenant id as the provider sees it (in metadata and idempotency keys).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TenantId(pub i64);

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// What the provider needs to open an account for a tenant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantRef {
    pub id: TenantId,
    /// The merchant's legal or shop name, shown on invoices.
    pub name: String,
    pub email: Option<String>,
}

macro_rules! provider_id {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

provider_id! {
    /// The paying merchant at the provider (Stripe `cus_…`); not a shopper.
    CustomerId;
    /// Stripe `sub_…`.
    SubscriptionId;
    /// Stripe `in_…`.
    InvoiceId;
    /// A webhook delivery's event (Stripe `evt_…`): the dedupe key for webhooks.
    EventId;
}

macro_rules! key_part {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(String);

        impl $name {
            /// 1-64 of ASCII letters, digits, `-`, `_`, `.`: short and inert enough to be
            /// embedded in idempotency keys (≤ 255 chars) and meter identifiers (≤ 100).
            pub fn parse(value: &str) -> Result<Self, InvalidKeyPart> {
                let valid = !value.is_empty()
                    && value.len() <= 64
                    && value
                        .bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
                if valid {
                    Ok(Self(value.to_owned()))
                } else {
                    Err(InvalidKeyPart(value.to_owned()))
                }
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    )*};
}

key_part! {
    /// One unit of usage we counted (a reply id, or a billing run's bucket id). Reporting the
    /// same id twice must bill once, so it becomes the provider-side dedupe identifier.
    UsageId;
    /// The caller's identity for one business operation (a job id, a request id, a row id),
    /// for operations whose inputs alone do not make them unique: subscribing the same tenant
    /// to the same plan again next month is a new operation, retrying this one is not.
    OperationId;
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` cannot be part of an idempotency key: use 1-64 of A-Z, a-z, 0-9, `-`, `_`, `.`")]
pub struct InvalidKeyPart(String);

/// Where a subscription stands. Mirrors Stripe's statuses, which billing maps onto the
/// tenant's account state (trialing → active → past_due → suspended).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubscriptionStatus {
    Trialing,
    Active,
    PastDue,
    Canceled,
    Unpaid,
    Incomplete,
    IncompleteExpired,
    Paused,
    /// A status this code does not know yet; treat as "not paying".
    Other(String),
}

impl SubscriptionStatus {
    pub fn parse(status: &str) -> Self {
        match status {
            "trialing" => Self::Trialing,
            "active" => Self::Active,
            "past_due" => Self::PastDue,
            "canceled" => Self::Canceled,
            "unpaid" => Self::Unpaid,
            "incomplete" => Self::Incomplete,
            "incomplete_expired" => Self::IncompleteExpired,
            "paused" => Self::Paused,
            other => Self::Other(other.to_owned()),
        }
    }

    /// Stripe's spelling, for storing and logging.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Trialing => "trialing",
            Self::Active => "active",
            Self::PastDue => "past_due",
            Self::Canceled => "canceled",
            Self::Unpaid => "unpaid",
            Self::Incomplete => "incomplete",
            Self::IncompleteExpired => "incomplete_expired",
            Self::Paused => "paused",
            Self::Other(status) => status,
        }
    }
}

/// A subscription as the provider has it now. Webhooks arrive out of order, so billing acts
/// on this (fetched or carried by an event) rather than on the order events came in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionState {
    pub id: SubscriptionId,
    pub customer: CustomerId,
    pub status: SubscriptionStatus,
    /// `None` when the subscription's price is not in the catalog (changed by hand at the
    /// provider): a case for an operator, not a guess.
    pub plan: Option<PlanCode>,
    /// The billing period usage is counted in (the trial, while trialing).
    pub current_period_start: Option<DateTime<Utc>>,
    pub current_period_end: Option<DateTime<Utc>>,
    pub trial_end: Option<DateTime<Utc>>,
    pub cancel_at_period_end: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InvoiceStatus {
    Draft,
    Open,
    Paid,
    Uncollectible,
    Void,
    Other(String),
}

impl InvoiceStatus {
    pub fn parse(status: &str) -> Self {
        match status {
            "draft" => Self::Draft,
            "open" => Self::Open,
            "paid" => Self::Paid,
            "uncollectible" => Self::Uncollectible,
            "void" => Self::Void,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The provider's own spelling, unknown ones as received.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Draft => "draft",
            Self::Open => "open",
            Self::Paid => "paid",
            Self::Uncollectible => "uncollectible",
            Self::Void => "void",
            Self::Other(other) => other,
        }
    }
}

/// An invoice as the merchant's billing page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceSummary {
    pub id: InvoiceId,
    pub customer: CustomerId,
    pub subscription: Option<SubscriptionId>,
    /// The sequential number printed on the invoice, once finalized.
    pub number: Option<String>,
    /// `None` for an invoice that is still being assembled.
    pub status: Option<InvoiceStatus>,
    pub amount_due: Money,
    pub amount_paid: Money,
    pub created: DateTime<Utc>,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    /// The provider's page where the merchant can see and pay it.
    pub hosted_url: Option<String>,
    pub pdf_url: Option<String>,
}

/// A hosted page to send the merchant to (checkout, billing portal). Short-lived: create one
/// per click, never store it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostedLink {
    pub id: String,
    pub url: String,
}

/// Start a subscription for a customer that has no payment method yet (the trial).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSubscription {
    pub tenant: TenantId,
    pub customer: CustomerId,
    pub plan: PlanCode,
    /// When the trial ends (`Trial::ends_at`), or `None` to start paying now.
    pub trial_end: Option<DateTime<Utc>>,
    pub operation: OperationId,
}

/// Usage to bill beyond the plan's included replies: `replies` AI replies, counted once per
/// `usage` id however often this is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageReport {
    pub tenant: TenantId,
    pub customer: CustomerId,
    pub usage: UsageId,
    pub replies: u64,
    /// When the replies happened. Stripe accepts 35 days back and 5 minutes ahead.
    pub occurred_at: DateTime<Utc>,
}

/// A hosted checkout that creates the subscription once the merchant has paid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutRequest {
    pub tenant: TenantId,
    pub customer: CustomerId,
    pub plan: PlanCode,
    /// The rest of a running trial, carried over into the new subscription.
    pub trial_end: Option<DateTime<Utc>>,
    pub success_url: String,
    pub cancel_url: String,
    pub operation: OperationId,
}

/// The provider's self-service page: payment methods, invoices, cancellation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PortalRequest {
    pub tenant: TenantId,
    pub customer: CustomerId,
    pub return_url: String,
    pub operation: OperationId,
}

/// Move a subscription to another plan from now on (prorated by the provider).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanChange {
    pub tenant: TenantId,
    pub subscription: SubscriptionId,
    pub plan: PlanCode,
    pub operation: OperationId,
}

/// A webhook delivery as the HTTP layer received it, before anything is trusted.
#[derive(Debug, Clone, Copy)]
pub struct WebhookRequest<'a> {
    /// The body bytes exactly as received: signatures cover bytes, not parsed JSON.
    pub body: &'a [u8],
    pub headers: &'a HeaderMap,
    /// The peer address, for providers that authenticate by source network (ЮKassa).
    pub remote_addr: Option<IpAddr>,
}

/// A verified webhook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookEvent {
    /// Deliveries repeat; dedupe on this.
    pub id: EventId,
    pub created: DateTime<Utc>,
    pub event: BillingEvent,
}

/// The events billing acts on. Each carries enough to find the object; for state changes the
/// worker should re-fetch it ([`PaymentProvider::subscription`]) since events come out of order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BillingEvent {
    InvoicePaid(InvoiceSummary),
    InvoicePaymentFailed(InvoiceSummary),
    SubscriptionUpdated(SubscriptionState),
    SubscriptionDeleted(SubscriptionState),
    CheckoutCompleted(CheckoutCompleted),
    /// Any other event type, acknowledged and ignored.
    Other(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutCompleted {
    pub session: String,
    /// From the session's client reference, set when the link was created.
    pub tenant: Option<TenantId>,
    pub customer: Option<CustomerId>,
    pub subscription: Option<SubscriptionId>,
}

/// A provider call that failed, classified so a job knows whether to retry.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The payment method was refused (Stripe 402 / `card_error`). Retrying sends the same card.
    #[error("payment declined ({code}): {message}")]
    Declined { code: String, message: String },
    /// The idempotency key was used before with other parameters: the operation's inputs
    /// changed between attempts, a caller bug or a stale job.
    #[error("idempotency key reused with different parameters: {0}")]
    IdempotencyConflict(String),
    #[error("not found at the provider: {0}")]
    NotFound(String),
    #[error("rate limited by the provider: {0}")]
    RateLimited(String),
    /// 5xx, or a concurrent request with the same idempotency key (Stripe 409): the outcome
    /// is unknown, retry with the same key. `status` is `None` when the error body was not
    /// the provider's (a proxy's HTML page).
    #[error("provider unavailable ({}): {message}", status_text(*status))]
    Unavailable {
        status: Option<u16>,
        message: String,
    },
    #[error("provider timed out")]
    Timeout,
    #[error("transport: {0}")]
    Transport(String),
    /// Any other 4xx: bad key, bad parameters. Retrying sends the same mistake.
    #[error("rejected by the provider ({status}, {kind}): {message}")]
    Rejected {
        status: u16,
        kind: String,
        message: String,
    },
    /// The provider answered 2xx with something we could not read.
    #[error("undecodable provider reply: {0}")]
    Decode(String),
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// Settings that cannot work, found while building the provider.
    #[error("invalid provider settings: {0}")]
    Config(String),
}

fn status_text(status: Option<u16>) -> String {
    status.map_or_else(|| "no HTTP status".to_owned(), |status| status.to_string())
}

impl ProviderError {
    /// Transient failures: the same call (same idempotency key) may succeed later.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited(_) | Self::Unavailable { .. } | Self::Timeout | Self::Transport(_)
        )
    }
}

/// Why a webhook was not accepted. Everything but [`WebhookError::Payload`] means the request
/// is not proven to come from the provider: answer 400 and change nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    #[error("malformed signature header: {0}")]
    MalformedHeader(String),
    #[error("no signature matches")]
    NoMatchingSignature,
    /// Correctly signed, but too far from now (replay protection). Seconds: positive = old.
    #[error("signature timestamp is {age_secs} s from now, beyond the tolerance")]
    Stale { age_secs: i64 },
    /// Authentic, but not an event we can read: log it and acknowledge, or the provider retries
    /// it for days.
    #[error("authentic webhook with an unreadable payload: {0}")]
    Payload(String),
}

impl WebhookError {
    /// Whether the sender is unproven, as opposed to an authentic but unreadable event.
    pub fn is_unauthenticated(&self) -> bool {
        !matches!(self, Self::Payload(_))
    }
}

/// What billing needs from a payment provider.
///
/// Every mutating call is idempotent by construction: implementations derive the provider's
/// idempotency key from the operation and its inputs (never randomly), so a job retried by
/// the queue, even in another process, cannot create a second customer or charge twice.
/// A call is one HTTP request; retrying is the caller's decision ([`ProviderError::is_retryable`]).
///
/// Generic rather than `dyn`: one provider is chosen per deployment at start-up.
pub trait PaymentProvider: Send + Sync {
    /// The tenant's customer, created on first call. Callers store the id and stop calling
    /// once they have it; a retry within the provider's key window returns the same customer.
    fn ensure_customer(
        &self,
        tenant: &TenantRef,
    ) -> impl Future<Output = Result<CustomerId, ProviderError>> + Send;

    /// A subscription on the plan's flat and metered prices, trialing until `trial_end`.
    fn create_subscription(
        &self,
        request: &NewSubscription,
    ) -> impl Future<Output = Result<SubscriptionState, ProviderError>> + Send;

    /// Adds usage to the customer's metered price for the current period.
    fn report_usage(
        &self,
        usage: &UsageReport,
    ) -> impl Future<Output = Result<(), ProviderError>> + Send;

    /// The customer's most recent invoices, newest first.
    fn list_invoices(
        &self,
        customer: &CustomerId,
        limit: u8,
    ) -> impl Future<Output = Result<Vec<InvoiceSummary>, ProviderError>> + Send;

    fn checkout_link(
        &self,
        request: &CheckoutRequest,
    ) -> impl Future<Output = Result<HostedLink, ProviderError>> + Send;

    fn portal_link(
        &self,
        request: &PortalRequest,
    ) -> impl Future<Output = Result<HostedLink, ProviderError>> + Send;

    fn change_plan(
        &self,
        change: &PlanChange,
    ) -> impl Future<Output = Result<SubscriptionState, ProviderError>> + Send;

    /// The subscription as the provider has it now.
    fn subscription(
        &self,
        id: &SubscriptionId,
    ) -> impl Future<Output = Result<SubscriptionState, ProviderError>> + Send;

    /// Authenticates a webhook delivery and reads it. Async because some providers can only
    /// be trusted by fetching the object back from their API (ЮKassa).
    fn verify_webhook(
        &self,
        request: WebhookRequest<'_>,
    ) -> impl Future<Output = Result<WebhookEvent, WebhookError>> + Send;
}

/// A provider's payment (ЮKassa's payment id). Providers that charge payments rather than
/// run subscriptions keep the subscription on our side and charge each period themselves.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChargeId(pub String);

/// A refund at the provider.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RefundId(pub String);

impl ChargeId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl RefundId {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// How a charge is confirmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeMethod {
    /// The merchant is sent to the provider's page (card entry, 3-D Secure), then back to
    /// `return_url`; the method is saved for later charges without the merchant.
    Redirect { return_url: String },
    /// An autopayment with a method saved by an earlier charge.
    Saved { payment_method: String },
}

/// What the fiscal receipt (54-FZ) says an item is; the provider's spelling in `as_str`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentSubject {
    Service,
}

impl PaymentSubject {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Service => "service",
        }
    }
}

/// Whether the receipt item is paid before the service (the month ahead) or after it (the
/// replies beyond the plan in the period just ended).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PaymentMode {
    FullPrepayment,
    FullPayment,
}

impl PaymentMode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::FullPrepayment => "full_prepayment",
            Self::FullPayment => "full_payment",
        }
    }
}

/// One line of a fiscal receipt: `quantity` units at `unit_price`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceiptItem {
    /// Printed on the receipt: what the merchant paid for, in Russian.
    pub description: String,
    pub quantity: u64,
    pub unit_price: Money,
    /// The provider's VAT code (ЮKassa: 1 = без НДС), a deployment setting.
    pub vat_code: u8,
    pub subject: PaymentSubject,
    pub mode: PaymentMode,
}

impl ReceiptItem {
    /// `None` when the total does not fit.
    pub fn total_minor(&self) -> Option<u64> {
        self.unit_price.minor.checked_mul(self.quantity)
    }
}

/// The fiscal receipt sent with every charge and refund (54-FZ): whom it is e-mailed to and
/// what was paid for. The items add up to the charged amount.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub email: String,
    pub items: Vec<ReceiptItem>,
}

impl Receipt {
    /// The sum of the items; `None` on overflow.
    pub fn total_minor(&self) -> Option<u64> {
        self.items
            .iter()
            .try_fold(0u64, |sum, item| sum.checked_add(item.total_minor()?))
    }
}

/// Charge `amount` once: a retry with the same `operation` is the same charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeRequest {
    pub tenant: TenantId,
    pub amount: Money,
    /// Shown to the payer at the provider.
    pub description: String,
    pub method: ChargeMethod,
    pub receipt: Receipt,
    pub operation: OperationId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeStatus {
    /// Waiting for the payer (redirect, 3-D Secure) or the bank.
    Pending,
    /// Authorised, not captured: we always capture at once, so this is transient.
    WaitingForCapture,
    Succeeded,
    Canceled,
    Other(String),
}

impl ChargeStatus {
    pub fn parse(status: &str) -> Self {
        match status {
            "pending" => Self::Pending,
            "waiting_for_capture" => Self::WaitingForCapture,
            "succeeded" => Self::Succeeded,
            "canceled" => Self::Canceled,
            other => Self::Other(other.to_owned()),
        }
    }
}

/// Why the provider canceled a charge: who (`party`) and the provider's reason code
/// (`insufficient_funds`, `3d_secure_failed`, ...). For logs and the payment record, never
/// shown to people as is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decline {
    pub party: String,
    pub reason: String,
}

/// A charge as the provider has it now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChargeState {
    pub id: ChargeId,
    pub status: ChargeStatus,
    pub amount: Money,
    /// Refunded so far; zero when none.
    pub refunded: Money,
    /// Where to send the payer while the charge is pending.
    pub confirmation_url: Option<String>,
    /// The method saved for autopayments by this charge, once it succeeded.
    pub saved_method: Option<String>,
    pub decline: Option<Decline>,
    /// From the charge's metadata, set when it was created.
    pub tenant: Option<TenantId>,
}

/// Return `amount` of a charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundRequest {
    pub tenant: TenantId,
    pub charge: ChargeId,
    pub amount: Money,
    /// The refund receipt (54-FZ).
    pub receipt: Receipt,
    pub operation: OperationId,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundState {
    pub id: RefundId,
    pub charge: ChargeId,
    /// `pending`, `succeeded` or `canceled`, as the provider spells it.
    pub status: String,
    pub amount: Money,
}

/// What billing needs from a provider that charges payments (ЮKassa) rather than running
/// subscriptions: the subscription, its periods and retries are ours, the provider moves
/// money. Same rules as [`PaymentProvider`]: keys derived from the operation, one request
/// per call, retries are the caller's.
pub trait ChargeProvider: Send + Sync {
    fn create_charge(
        &self,
        request: &ChargeRequest,
    ) -> impl Future<Output = Result<ChargeState, ProviderError>> + Send;

    /// The charge as the provider has it now: the only truth a notification leads to.
    fn charge(
        &self,
        id: &ChargeId,
    ) -> impl Future<Output = Result<ChargeState, ProviderError>> + Send;

    fn refund(
        &self,
        request: &RefundRequest,
    ) -> impl Future<Output = Result<RefundState, ProviderError>> + Send;

    fn refund_state(
        &self,
        id: &RefundId,
    ) -> impl Future<Output = Result<RefundState, ProviderError>> + Send;
}
