//! The merchant's billing page: `GET /api/v1/billing` (plan, standing, replies this period),
//! invoices, Checkout and portal links, plan changes and the merchant's own reply cap. Admins
//! only. Hosted links are created per request; an `Idempotency-Key` header makes a retried
//! request get the same page.

use axum::Json;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{get, post, put};
use chrono::{DateTime, Utc};
use otklik_billing::accounts::limits::{self, Limit};
use otklik_billing::accounts::{Billing, BillingError, merchant};
use otklik_schema::{AccountState, BillingCurrency, PaymentStatus};
use serde::{Deserialize, Serialize};

use super::auth::Principal;
use super::body::JsonBody;
use super::permissions::Permission;
use crate::error::{Conflict, FieldError, Service};
use crate::problems::Problem;
use crate::{ApiError, AppState};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/billing", get(overview))
        .route("/api/v1/billing/invoices", get(invoices))
        .route("/api/v1/billing/checkout", post(checkout))
        .route("/api/v1/billing/portal", post(portal))
        .route("/api/v1/billing/plan", post(change_plan))
        .route("/api/v1/billing/reply-cap", put(reply_cap))
}

impl From<BillingError> for ApiError {
    fn from(err: BillingError) -> Self {
        match err {
            BillingError::Database(err) => err.into(),
            BillingError::Invalid(reason) => ApiError::Validation(vec![FieldError::new(
                "plan",
                Problem::PlanUnavailable { reason },
            )]),
            BillingError::Off => ApiError::Conflict(
                Conflict::BillingOff,
                "billing is not enabled on this installation".into(),
            ),
            BillingError::NoProviderFor(currency) => ApiError::Conflict(
                Conflict::CurrencyOff,
                format!("payments in {currency} are not enabled on this installation"),
            ),
            BillingError::RefundRefused(reason) => {
                ApiError::Conflict(Conflict::RefundRefused, reason)
            }
            BillingError::Provider(err) => ApiError::Upstream(
                Service::Payments,
                format!("the payment provider failed: {err}"),
            ),
        }
    }
}

/// Refuses (409, in Russian, offering the plan that allows more) to add a channel or a seat
/// beyond the tenant's plan.
pub(crate) async fn within_plan(
    state: &AppState,
    principal: &Principal,
    limit: Limit,
) -> Result<(), ApiError> {
    let mut conn = state.db_for(principal).await?;
    match limits::check(&mut conn, state.billing(), principal.tenant, limit).await? {
        None => Ok(()),
        Some(reached) => Err(ApiError::Conflict(Conflict::PlanLimit, reached.message())),
    }
}

/// The client's key for this operation, or a fresh one: a retried click reuses the page.
fn operation(headers: &HeaderMap) -> String {
    headers
        .get("idempotency-key")
        .and_then(|value| value.to_str().ok())
        .map(|key| {
            key.chars()
                .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                .take(64)
                .collect::<String>()
        })
        .filter(|key| !key.is_empty())
        .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string())
}

/// The billing page: plan, standing, replies this period and the plans on sale. Prices are in
/// minor units of `currency`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct BillingOverview {
    plan: String,
    state: AccountState,
    period_start: DateTime<Utc>,
    #[schema(required = true)]
    period_end: Option<DateTime<Utc>>,
    /// AI replies this period.
    replies: i64,
    /// Replies the period includes: the plan's, or the trial's cap.
    included_replies: u64,
    /// The merchant's own cap on AI replies per period; `null` for none.
    #[schema(required = true)]
    reply_cap: Option<i64>,
    currency: BillingCurrency,
    #[schema(required = true)]
    trial_ends_at: Option<DateTime<Utc>>,
    /// While past due: when the assistant stops unless the shop pays first.
    #[schema(required = true)]
    suspends_at: Option<DateTime<Utc>>,
    /// This installation can take payments in `currency`.
    payments_enabled: bool,
    plans: Vec<PlanOffer>,
}

/// A plan on sale, priced in the shop's currency.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PlanOffer {
    code: String,
    name: String,
    monthly_price: u64,
    overage_per_reply: u64,
    included_replies: u64,
    channels: u32,
    operator_seats: u32,
}

/// The overview with what the page offers: the plans on sale priced in the tenant's currency
/// (minor units), and whether this installation can take that currency at all.
fn overview_view(billing: &Billing, overview: &merchant::Overview) -> BillingOverview {
    let roubles = overview.currency == BillingCurrency::Rub;
    let plans = billing
        .catalog
        .plans()
        .iter()
        .filter_map(|plan| {
            let (price, overage) = if roubles {
                let rub = plan.rub.as_ref()?;
                (&rub.monthly_price, &rub.overage_per_reply)
            } else {
                (&plan.monthly_price, &plan.overage_per_reply)
            };
            Some(PlanOffer {
                code: plan.code.as_str().to_owned(),
                name: plan.name.clone(),
                monthly_price: price.minor,
                overage_per_reply: overage.minor,
                included_replies: plan.included_replies,
                channels: plan.channels,
                operator_seats: plan.operator_seats,
            })
        })
        .collect();
    let payments = if roubles {
        billing.yookassa.is_some()
    } else {
        billing.provider.is_some()
    };
    BillingOverview {
        plan: overview.plan.clone(),
        state: overview.state,
        period_start: overview.period_start,
        period_end: overview.period_end,
        replies: overview.replies,
        included_replies: overview.included,
        reply_cap: overview.reply_cap,
        currency: overview.currency,
        trial_ends_at: overview.trial_ends_at,
        suspends_at: overview.suspends_at,
        payments_enabled: payments,
        plans,
    }
}

/// The shop's invoices, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceList {
    items: Vec<InvoiceView>,
}

/// An invoice (Stripe's, or a ЮKassa payment in its shape). Amounts in minor units.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceView {
    id: String,
    #[schema(required = true)]
    number: Option<String>,
    /// The provider's status (`draft`, `open`, `paid`, `uncollectible`, `void`); `null` while
    /// Stripe still assembles it.
    #[schema(required = true)]
    status: Option<String>,
    amount_due: u64,
    amount_paid: u64,
    currency: String,
    period_start: DateTime<Utc>,
    period_end: DateTime<Utc>,
    /// The provider's page to see and pay it.
    #[schema(required = true)]
    hosted_url: Option<String>,
    #[schema(required = true)]
    pdf_url: Option<String>,
    /// The act (акт) for a paid ЮKassa period, printable; `null` elsewhere.
    #[schema(required = true)]
    act_url: Option<String>,
}

/// A page at the payment provider to send the merchant to.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct HostedPage {
    id: String,
    url: String,
}

#[utoipa::path(get, path = "/api/v1/billing", tag = "billing",
    summary = "Plan, standing and replies this period",
    description = "Role: admin (manage_billing).", security(("bearer" = [])),
    responses(
        (status = 200, description = "The overview; prices in minor units of `currency`", body = BillingOverview),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Billing is not enabled on this installation", body = crate::error::ErrorEnvelope),
        (status = 502, description = "The payment provider failed", body = crate::error::ErrorEnvelope),
    ))]
async fn overview(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<BillingOverview>, ApiError> {
    principal.require(Permission::ManageBilling)?;
    let mut conn = state.db_for(&principal).await?;
    let overview = merchant::overview(&mut conn, state.billing(), principal.tenant).await?;
    Ok(Json(overview_view(state.billing(), &overview)))
}

#[utoipa::path(get, path = "/api/v1/billing/invoices", tag = "billing",
    summary = "Invoices",
    description = "Role: admin (manage_billing). A shop paying in dollars gets Stripe's invoices; \
        a shop paying in roubles its ЮKassa payments, newest first (`open` while the payment \
        waits for the payer or the bank, `paid`, `void` when declined or abandoned; `hosted_url` \
        is the payment page while it waits; `act_url`, for a paid one, its act).", security(("bearer" = [])),
    responses(
        (status = 200, description = "The invoices; amounts in minor units", body = InvoiceList),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Billing is not enabled on this installation", body = crate::error::ErrorEnvelope),
        (status = 502, description = "The payment provider failed", body = crate::error::ErrorEnvelope),
    ))]
async fn invoices(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<InvoiceList>, ApiError> {
    principal.require(Permission::ManageBilling)?;
    let roubles = {
        let mut conn = state.db_for(&principal).await?;
        match otklik_db::billing::get(&mut conn, principal.tenant).await? {
            Some(account) if account.currency == BillingCurrency::Rub => {
                Some(otklik_db::payments::list(&mut conn, principal.tenant, 24).await?)
            }
            _ => None,
        }
    };
    if let Some(payments) = roubles {
        return Ok(Json(InvoiceList {
            items: payments.iter().map(payment_view).collect(),
        }));
    }
    let invoices =
        merchant::invoices(state.tenant_pool(), state.billing(), principal.tenant).await?;
    let items = invoices
        .iter()
        .map(|invoice| InvoiceView {
            id: invoice.id.as_str().to_owned(),
            number: invoice.number.clone(),
            status: invoice
                .status
                .as_ref()
                .map(|status| status.as_str().to_owned()),
            amount_due: invoice.amount_due.minor,
            amount_paid: invoice.amount_paid.minor,
            currency: invoice.amount_due.currency.as_str().to_owned(),
            period_start: invoice.period_start,
            period_end: invoice.period_end,
            hosted_url: invoice.hosted_url.clone(),
            pdf_url: invoice.pdf_url.clone(),
            act_url: None,
        })
        .collect();
    Ok(Json(InvoiceList { items }))
}

/// A ЮKassa payment in the shape of an invoice: what a rouble shop was charged for which period.
fn payment_view(payment: &otklik_db::payments::Payment) -> InvoiceView {
    let status = match payment.status {
        PaymentStatus::New | PaymentStatus::Pending => "open",
        PaymentStatus::Succeeded => "paid",
        PaymentStatus::Canceled => "void",
    };
    // Amounts are never negative; the database keeps them as BIGINT.
    let amount = u64::try_from(payment.amount).unwrap_or(0);
    let paid = if payment.status == PaymentStatus::Succeeded {
        amount
    } else {
        0
    };
    InvoiceView {
        id: payment
            .provider_payment
            .clone()
            .unwrap_or_else(|| payment.id.to_string()),
        number: Some(payment.id.to_string()),
        status: Some(status.to_owned()),
        amount_due: amount,
        amount_paid: paid,
        currency: payment.currency.clone(),
        period_start: payment.period_start,
        period_end: payment.period_end,
        hosted_url: (status == "open")
            .then_some(payment.confirmation_url.clone())
            .flatten(),
        pdf_url: None,
        // The act for a paid period (what was refunded taken off; none once all of it was).
        act_url: (status == "paid" && payment.amount > payment.refunded)
            .then(|| format!("/api/v1/billing/acts/{}", payment.id)),
    }
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CheckoutRequest {
    plan: String,
    /// An http(s) URL on this installation's own origin.
    #[schema(max_length = 2048, pattern = r"^https?://[!-~]+$")]
    success_url: String,
    /// An http(s) URL on this installation's own origin.
    #[schema(max_length = 2048, pattern = r"^https?://[!-~]+$")]
    cancel_url: String,
}

/// A page the payment provider sends the merchant back to: it must be on this installation's
/// own origin (`OTKLIK_PUBLIC_URL`), so a link made here cannot forward anyone elsewhere.
fn check_url(state: &AppState, field: &'static str, url: &str) -> Result<(), ApiError> {
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(ApiError::Validation(vec![FieldError::new(
            field,
            Problem::NotHttpUrl,
        )]));
    }
    if same_origin(&state.config().public_url, url) {
        Ok(())
    } else {
        Err(ApiError::Validation(vec![FieldError::new(
            field,
            Problem::NotOwnOrigin,
        )]))
    }
}

/// Whether `url` has `public_url`'s scheme, host and port.
fn same_origin(public_url: &str, url: &str) -> bool {
    let origin = |url: &str| {
        reqwest::Url::parse(url).ok().map(|url| {
            (
                url.scheme().to_owned(),
                url.host_str().map(str::to_lowercase),
                url.port_or_known_default(),
            )
        })
    };
    origin(public_url).is_some_and(|own| origin(url) == Some(own))
}

#[utoipa::path(post, path = "/api/v1/billing/checkout", tag = "billing",
    summary = "A Checkout link to subscribe to a plan",
    description = "Role: admin (manage_billing).", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = r"^[!-~]+$", description = "A retried request with the same key gets the same page")),
    request_body = CheckoutRequest,
    responses(
        (status = 200, description = "The hosted page to send the merchant to", body = HostedPage),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Billing is not enabled on this installation", body = crate::error::ErrorEnvelope),
        (status = 422, description = "An unknown plan or a URL that is not http(s)", body = crate::error::ErrorEnvelope),
        (status = 502, description = "The payment provider failed", body = crate::error::ErrorEnvelope),
    ))]
async fn checkout(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    JsonBody(request): JsonBody<CheckoutRequest>,
) -> Result<Json<HostedPage>, ApiError> {
    principal.require(Permission::ManageBilling)?;
    check_url(&state, "success_url", &request.success_url)?;
    check_url(&state, "cancel_url", &request.cancel_url)?;
    let link = merchant::checkout(
        state.tenant_pool(),
        state.billing(),
        principal.tenant,
        &request.plan,
        &operation(&headers),
        &request.success_url,
        &request.cancel_url,
    )
    .await?;
    Ok(Json(HostedPage {
        id: link.id,
        url: link.url,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PortalRequest {
    /// An http(s) URL on this installation's own origin.
    #[schema(max_length = 2048, pattern = r"^https?://[!-~]+$")]
    return_url: String,
}

#[utoipa::path(post, path = "/api/v1/billing/portal", tag = "billing",
    summary = "A billing portal link", description = "Role: admin (manage_billing).", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = r"^[!-~]+$", description = "A retried request with the same key gets the same page")),
    request_body = PortalRequest,
    responses(
        (status = 200, description = "The hosted page to send the merchant to", body = HostedPage),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Billing is not enabled on this installation", body = crate::error::ErrorEnvelope),
        (status = 422, description = "A URL that is not http(s)", body = crate::error::ErrorEnvelope),
        (status = 502, description = "The payment provider failed", body = crate::error::ErrorEnvelope),
    ))]
async fn portal(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    JsonBody(request): JsonBody<PortalRequest>,
) -> Result<Json<HostedPage>, ApiError> {
    principal.require(Permission::ManageBilling)?;
    check_url(&state, "return_url", &request.return_url)?;
    let link = merchant::portal(
        state.tenant_pool(),
        state.billing(),
        principal.tenant,
        &operation(&headers),
        &request.return_url,
    )
    .await?;
    Ok(Json(HostedPage {
        id: link.id,
        url: link.url,
    }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct PlanRequest {
    plan: String,
}

#[utoipa::path(post, path = "/api/v1/billing/plan", tag = "billing",
    summary = "Change the plan", description = "Role: admin (manage_billing).", security(("bearer" = [])),
    params(("Idempotency-Key" = Option<String>, Header, min_length = 1, max_length = 255, pattern = r"^[!-~]+$", description = "A retried request with the same key gets the same page")),
    request_body = PlanRequest,
    responses(
        (status = 200, description = "The overview; prices in minor units of `currency`", body = BillingOverview),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Billing is not enabled on this installation", body = crate::error::ErrorEnvelope),
        (status = 422, description = "An unknown plan, or no subscription to change", body = crate::error::ErrorEnvelope),
        (status = 502, description = "The payment provider failed", body = crate::error::ErrorEnvelope),
    ))]
async fn change_plan(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    JsonBody(request): JsonBody<PlanRequest>,
) -> Result<Json<BillingOverview>, ApiError> {
    principal.require(Permission::ManageBilling)?;
    let overview = merchant::change_plan(
        state.tenant_pool(),
        state.billing(),
        principal.tenant,
        &request.plan,
        &operation(&headers),
    )
    .await?;
    Ok(Json(overview_view(state.billing(), &overview)))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct CapRequest {
    /// AI replies per period at most (overage included); `null` lifts the cap.
    #[schema(minimum = 0)]
    reply_cap: Option<i64>,
}

#[utoipa::path(put, path = "/api/v1/billing/reply-cap", tag = "billing",
    summary = "The merchant's own cap on AI replies per period",
    description = "Role: admin (manage_billing).", security(("bearer" = [])),
    request_body = CapRequest,
    responses(
        (status = 200, description = "The overview; prices in minor units of `currency`", body = BillingOverview),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 409, description = "Billing is not enabled on this installation", body = crate::error::ErrorEnvelope),
        (status = 422, description = "A negative cap", body = crate::error::ErrorEnvelope),
        (status = 502, description = "The payment provider failed", body = crate::error::ErrorEnvelope),
    ))]
async fn reply_cap(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(request): JsonBody<CapRequest>,
) -> Result<Json<BillingOverview>, ApiError> {
    principal.require(Permission::ManageBilling)?;
    if request.reply_cap.is_some_and(|cap| cap < 0) {
        return Err(ApiError::Validation(vec![FieldError::new(
            "reply_cap",
            Problem::OutOfRange { min: 0, max: None },
        )]));
    }
    let mut conn = state.db_for(&principal).await?;
    let overview = merchant::set_reply_cap(
        &mut conn,
        state.billing(),
        principal.tenant,
        request.reply_cap,
    )
    .await?;
    Ok(Json(overview_view(state.billing(), &overview)))
}
