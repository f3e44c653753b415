#![doc = include_str!("../README.md")]

pub mod accounts;
pub mod acts;
pub mod amounts;
mod plans;
mod provider;
pub mod requisites;
pub mod stripe;
pub mod yookassa;

pub use plans::{
    Catalog, CatalogError, Currency, Money, Plan, PlanCode, RoublePrices, StripePrices, Trial,
};
pub use provider::{
    BillingEvent, ChargeId, ChargeMethod, ChargeProvider, ChargeRequest, ChargeState, ChargeStatus,
    CheckoutCompleted, CheckoutRequest, CustomerId, Decline, EventId, HostedLink, InvalidKeyPart,
    InvoiceId, InvoiceStatus, InvoiceSummary, NewSubscription, OperationId, PaymentMode,
    PaymentProvider, PaymentSubject, PlanChange, PortalRequest, ProviderError, Receipt,
    ReceiptItem, RefundId, RefundRequest, RefundState, SubscriptionId, SubscriptionState,
    SubscriptionStatus, TenantId, TenantRef, UsageId, UsageReport, WebhookError, WebhookEvent,
    WebhookRequest,
};
pub use stripe::{StripeProvider, StripeSettings};
pub use yookassa::{YooKassaProvider, YooKassaSettings};
