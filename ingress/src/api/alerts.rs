//! `GET`/`PATCH /api/v1/me/alerts`: which e-mail alerts the signed-in person gets. Every kind
//! is on unless they switch it off; who receives a kind is set by role (workers/README.md,
//! "Alerts"): viewers get none.

use axum::Json;
use axum::extract::State;
use otklik_db::alerts;
use otklik_schema::AlertKind;
use serde::{Deserialize, Serialize};

use super::auth::Principal;
use super::body::JsonBody;
use crate::{ApiError, AppState};

/// The person's alert choices: `true` is on.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AlertChoices {
    /// A shopper has waited for a person longer than the shop allows, in working hours
    /// (admins and operators; only the assignee of an assigned conversation).
    waiting_conversation: bool,
    /// A Wildberries or Ozon account has failed to sync for an hour (admins).
    sync_failing: bool,
    /// A WB question is within a day of its answer deadline (admins and operators).
    wb_question_deadline: bool,
    /// The shop's trial ends within three days, or a payment failed (admins).
    billing: bool,
}

impl AlertChoices {
    fn of(off: &[AlertKind]) -> Self {
        let on = |kind| !off.contains(&kind);
        Self {
            waiting_conversation: on(AlertKind::WaitingConversation),
            sync_failing: on(AlertKind::SyncFailing),
            wb_question_deadline: on(AlertKind::WbQuestionDeadline),
            billing: on(AlertKind::Billing),
        }
    }
}

/// Only the kinds sent change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AlertsPatch {
    waiting_conversation: Option<bool>,
    sync_failing: Option<bool>,
    wb_question_deadline: Option<bool>,
    billing: Option<bool>,
}

impl AlertsPatch {
    /// The kinds to switch on and those to switch off.
    fn split(&self) -> (Vec<AlertKind>, Vec<AlertKind>) {
        let sent = [
            (AlertKind::WaitingConversation, self.waiting_conversation),
            (AlertKind::SyncFailing, self.sync_failing),
            (AlertKind::WbQuestionDeadline, self.wb_question_deadline),
            (AlertKind::Billing, self.billing),
        ];
        let pick = |wanted: bool| {
            sent.iter()
                .filter(|(_, on)| *on == Some(wanted))
                .map(|(kind, _)| *kind)
                .collect()
        };
        (pick(true), pick(false))
    }
}

#[utoipa::path(get, path = "/api/v1/me/alerts", tag = "auth",
    summary = "Which e-mail alerts you get",
    description = "Role: signed in. Every kind is on until switched off; a kind reaches only \
        the roles it is for (viewers get none).", security(("bearer" = [])),
    responses(
        (status = 200, description = "Your choices", body = AlertChoices),
    ))]
pub async fn show_alerts(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<AlertChoices>, ApiError> {
    let mut conn = state.db_for(&principal).await?;
    let off = alerts::switched_off(&mut conn, principal.tenant, principal.user)
        .await?
        .ok_or(ApiError::Unauthenticated("the account is disabled"))?;
    Ok(Json(AlertChoices::of(&off)))
}

#[utoipa::path(patch, path = "/api/v1/me/alerts", tag = "auth",
    summary = "Switch e-mail alerts on or off",
    description = "Role: signed in (not with an API key). Kinds not sent keep their choice.",
    security(("bearer" = [])),
    request_body = AlertsPatch,
    responses(
        (status = 200, description = "Your choices now", body = AlertChoices),
        (status = 400, description = "Malformed JSON, a value that is not a boolean, or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "An API key cannot change a person's alerts", body = crate::error::ErrorEnvelope),
        (status = 422, description = "A NUL character in the body", body = crate::error::ErrorEnvelope),
    ))]
pub async fn update_alerts(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(patch): JsonBody<AlertsPatch>,
) -> Result<Json<AlertChoices>, ApiError> {
    if principal.api_key.is_some() {
        return Err(ApiError::Forbidden);
    }
    let (on, off) = patch.split();
    let mut conn = state.db_for(&principal).await?;
    let off = alerts::switch(&mut conn, principal.tenant, principal.user, &on, &off)
        .await?
        .ok_or(ApiError::Unauthenticated("the account is disabled"))?;
    Ok(Json(AlertChoices::of(&off)))
}
