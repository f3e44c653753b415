//! `GET /api/v1/onboarding`: the first-run checklist of a new shop, each step read from what the
//! shop has actually set up, so the dashboard ticks only what is done.

use axum::Json;
use axum::extract::State;
use axum::routing::get;
use otklik_db::onboarding::{self, Progress};
use serde::Serialize;

use super::auth::Principal;
use super::permissions::Permission;
use crate::{ApiError, AppState};

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new().route("/api/v1/onboarding", get(checklist))
}

/// Which first-run steps the shop has done.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Checklist {
    /// A Wildberries or Ozon seller account is connected.
    marketplace_account: bool,
    /// A Telegram, MAX, VK, WhatsApp or web-chat channel is switched on.
    channel: bool,
    /// The knowledge base holds an article (draft or approved).
    knowledge_article: bool,
    /// A colleague works in the shop or has an open invitation.
    colleague: bool,
    /// Somebody has written in one of the shop's web chats.
    webchat_tried: bool,
    /// Every step is done.
    complete: bool,
}

impl From<Progress> for Checklist {
    fn from(progress: Progress) -> Self {
        let Progress {
            marketplace_account,
            channel,
            knowledge_article,
            colleague,
            webchat_tried,
        } = progress;
        Self {
            marketplace_account,
            channel,
            knowledge_article,
            colleague,
            webchat_tried,
            complete: marketplace_account
                && channel
                && knowledge_article
                && colleague
                && webchat_tried,
        }
    }
}

#[utoipa::path(get, path = "/api/v1/onboarding", tag = "settings",
    summary = "The first-run checklist: which setup steps the shop has done",
    description = "Role: admin (edit_settings).", security(("bearer" = [])),
    responses(
        (status = 200, description = "Each step, done or not", body = Checklist),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
    ))]
pub async fn checklist(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Checklist>, ApiError> {
    principal.require(Permission::EditSettings)?;
    let mut conn = state.db_for(&principal).await?;
    let progress = onboarding::progress(&mut conn, principal.tenant).await?;
    Ok(Json(progress.into()))
}
