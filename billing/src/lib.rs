#![doc = include_str!("../README.md")]

pub mod accounts;
mod plans;
mod provider;
pub mod stripe;

pub use plans::{Catalog, CatalogError, Currency, Money, Plan, PlanCode, StripePrices, Trial};
pub use provider::{
    BillingEvent, CheckoutCompleted, CheckoutRequest, CustomerId, EventId, HostedLink,
    InvalidKeyPart, InvoiceId, InvoiceStatus, InvoiceSummary, NewSubscription, OperationId,
    PaymentProvider, PlanChange, PortalRequest, ProviderError, SubscriptionId, SubscriptionState,
    SubscriptionStatus, TenantId, TenantRef, UsageId, UsageReport, WebhookError, WebhookEvent,
    WebhookRequest,
};
pub use stripe::{StripeProvider, StripeSettings};
