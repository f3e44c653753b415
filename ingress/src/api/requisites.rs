//! A Russian shop's legal requisites and its acts: `GET`/`PUT /api/v1/billing/requisites`
//! (legal name, ИНН with its check digits, КПП for a company, ОГРН or ОГРНИП, address) and
//! `GET /api/v1/billing/acts/{number}`, the act (акт оказанных услуг) for a paid ЮKassa
//! payment, naming the shop by those requisites. Admins only.

use std::sync::LazyLock;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use otklik_billing::acts::{self, Act};
use otklik_billing::requisites::{self, Draft, Invalid};
use otklik_schema::PaymentStatus;
use serde::Deserialize;
use sha2::{Digest, Sha256};

use super::auth::Principal;
use super::body::JsonBody;
use super::params::ApiPath;
use super::permissions::Permission;
use crate::error::{Conflict, FieldError};
use crate::problems::Problem;
use crate::{ApiError, AppState};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route(
            "/api/v1/billing/requisites",
            get(show_requisites).put(put_requisites),
        )
        .route("/api/v1/billing/acts/{number}", get(act))
}

/// The requisites as sent; checked by [`requisites::parse`].
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequisitesRequest {
    /// The full legal name, e.g. `ООО «Северный ветер»` or `ИП Иванова Анна Сергеевна`.
    #[schema(min_length = 1, max_length = 300, pattern = r"\S")]
    legal_name: String,
    /// 10 digits (a company) or 12 (an individual entrepreneur); the check digits must match.
    #[schema(pattern = r"^([0-9]{10}|[0-9]{12})$")]
    inn: String,
    /// A company's КПП (9 characters); absent or `null` for an entrepreneur.
    #[serde(default)]
    #[schema(pattern = r"^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$")]
    kpp: Option<String>,
    /// ОГРН (13 digits, a company) or ОГРНИП (15, an entrepreneur); the check digit must match.
    #[schema(pattern = r"^([0-9]{13}|[0-9]{15})$")]
    ogrn: String,
    /// The legal address.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    address: String,
}

/// The shop's requisites as its acts name it; `null` until given.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct RequisitesView {
    #[schema(required = true)]
    requisites: Option<Requisites>,
}

/// A shop's legal requisites.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Requisites {
    legal_name: String,
    inn: String,
    /// A company's КПП; `null` for an entrepreneur.
    #[schema(required = true)]
    kpp: Option<String>,
    ogrn: String,
    address: String,
}

fn view(stored: Option<&otklik_db::requisites::Requisites>) -> RequisitesView {
    RequisitesView {
        requisites: stored.map(|r| Requisites {
            legal_name: r.legal_name.clone(),
            inn: r.inn.clone(),
            kpp: r.kpp.clone(),
            ogrn: r.ogrn.clone(),
            address: r.address.clone(),
        }),
    }
}

#[utoipa::path(get, path = "/api/v1/billing/requisites", tag = "billing",
    summary = "The shop's legal requisites",
    description = "Role: admin (manage_billing). What the shop's acts name it by.",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The requisites; `null` until given", body = RequisitesView),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
    ))]
async fn show_requisites(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<RequisitesView>, ApiError> {
    principal.require(Permission::ManageBilling)?;
    let mut conn = state.db_for(&principal).await?;
    let stored = otklik_db::requisites::get(&mut conn, principal.tenant).await?;
    Ok(Json(view(stored.as_ref())))
}

/// The field problem the dashboard words for each check that failed.
fn problem(invalid: &Invalid) -> FieldError {
    let problem = match invalid {
        Invalid::LegalName => Problem::LengthOutOfRange {
            min: 1,
            max: requisites::MAX_LEGAL_NAME,
        },
        Invalid::Address => Problem::LengthOutOfRange {
            min: 1,
            max: requisites::MAX_ADDRESS,
        },
        Invalid::Inn => Problem::InvalidInn,
        Invalid::Kpp => Problem::InvalidKpp,
        Invalid::KppNotForEntrepreneur => Problem::KppNotForEntrepreneur,
        Invalid::Ogrn { digits } => Problem::InvalidOgrn { digits: *digits },
    };
    FieldError::new(invalid.field(), problem)
}

#[utoipa::path(put, path = "/api/v1/billing/requisites", tag = "billing",
    summary = "Set the shop's legal requisites",
    description = "Role: admin (manage_billing). Replaces them whole. A 10-digit ИНН is a \
        company's: it needs a КПП and a 13-digit ОГРН; a 12-digit ИНН is an individual \
        entrepreneur's: no КПП, a 15-digit ОГРНИП. Check digits of the ИНН and the ОГРН are \
        verified. Audit-logged.",
    security(("bearer" = [])),
    request_body = RequisitesRequest,
    responses(
        (status = 200, description = "As `GET`", body = RequisitesView),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 422, description = "A field is invalid: `invalid_inn`, `invalid_kpp`, `kpp_not_for_entrepreneur`, `invalid_ogrn`, `length_out_of_range`", body = crate::error::ErrorEnvelope),
    ))]
async fn put_requisites(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(request): JsonBody<RequisitesRequest>,
) -> Result<Json<RequisitesView>, ApiError> {
    principal.require(Permission::ManageBilling)?;
    let parsed = requisites::parse(&Draft {
        legal_name: &request.legal_name,
        inn: &request.inn,
        kpp: request.kpp.as_deref(),
        ogrn: &request.ogrn,
        address: &request.address,
    })
    .map_err(|problems| ApiError::Validation(problems.iter().map(problem).collect()))?;
    let stored = otklik_db::requisites::Requisites {
        legal_name: parsed.legal_name,
        inn: parsed.inn,
        kpp: parsed.kpp,
        ogrn: parsed.ogrn,
        address: parsed.address,
    };
    let mut conn = state.db_for(&principal).await?;
    otklik_db::requisites::put(&mut conn, principal.tenant, principal.user, &stored).await?;
    Ok(Json(view(Some(&stored))))
}

/// Only the act's own style; nothing runs, nothing loads.
static POLICY: LazyLock<HeaderValue> = LazyLock::new(|| {
    let policy = format!(
        "default-src 'none'; style-src 'sha256-{}'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'self'",
        STANDARD.encode(Sha256::digest(acts::STYLE.as_bytes()))
    );
    HeaderValue::from_str(&policy)
        .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'"))
});

#[utoipa::path(get, path = "/api/v1/billing/acts/{number}", tag = "billing",
    summary = "The act for a paid period",
    description = "Role: admin (manage_billing). The act (акт оказанных услуг) for a ЮKassa \
        payment that succeeded (`number` as in the invoices list, whose `act_url` links here), \
        naming the shop by its requisites: a printable A4 HTML page (`text/html`, \
        `Content-Disposition: inline` with a file name), to print or save as PDF.",
    security(("bearer" = [])),
    params(("number" = i64, Path, description = "The payment's number")),
    responses(
        (status = 200, description = "The act", body = String, content_type = "text/html"),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No paid payment with this number in this shop", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The shop's requisites are not given yet (`requisites_missing`)", body = crate::error::ErrorEnvelope),
    ))]
async fn act(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(number): ApiPath<i64>,
) -> Result<Response, ApiError> {
    principal.require(Permission::ManageBilling)?;
    let mut conn = state.db_for(&principal).await?;
    let payment = otklik_db::payments::get(&mut conn, principal.tenant, number)
        .await?
        .filter(|p| p.status == PaymentStatus::Succeeded && p.amount > p.refunded)
        .ok_or(ApiError::NotFound)?;
    let stored = otklik_db::requisites::get(&mut conn, principal.tenant)
        .await?
        .ok_or_else(|| {
            ApiError::Conflict(
                Conflict::RequisitesMissing,
                "give the shop's requisites first: PUT /api/v1/billing/requisites".into(),
            )
        })?;
    drop(conn);
    let customer = requisites::Requisites {
        legal_name: stored.legal_name,
        inn: stored.inn,
        kpp: stored.kpp,
        ogrn: stored.ogrn,
        address: stored.address,
    };
    let config = state.config();
    let plan = state
        .billing()
        .catalog
        .plan(&payment.plan_code)
        .map_or(payment.plan_code.clone(), |plan| plan.name.clone());
    let page = Act {
        number: payment.id,
        paid_at: payment.applied_at.unwrap_or(payment.created_at),
        supplier: config.supplier_requisites.as_deref().unwrap_or("Otklik"),
        customer: &customer,
        plan: &plan,
        period_start: payment.period_start,
        period_end: payment.period_end,
        amount: payment.amount - payment.refunded,
        vat_code: config.yookassa_vat_code,
    }
    .html();
    let file = format!("inline; filename=\"akt-{}.html\"", payment.id);
    let mut response = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        page,
    )
        .into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, POLICY.clone());
    if let Ok(file) = HeaderValue::from_str(&file) {
        headers.insert(header::CONTENT_DISPOSITION, file);
    }
    Ok(response)
}
