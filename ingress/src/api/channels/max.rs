//! `POST /api/v1/channels/max`: a MAX bot from business.max.ru. The token is checked with
//! `GET /me`, the channel stored, and its webhook registered with `POST /subscriptions` and the
//! channel's own secret; switching the channel off deletes the subscription.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use otklik_billing::accounts::limits::Limit;
use otklik_db::channels::{self, Channel};
use otklik_messengers::CallError;
use otklik_messengers::max::{MaxApi, MaxError};
use otklik_schema::{ChannelId, ChannelKind};
use serde::Deserialize;
use serde_json::json;

use super::{ChannelView, audit, checked_name, checked_token, public_url, view};
use crate::api::auth::Principal;
use crate::api::body::JsonBody;
use crate::api::permissions::Permission;
use crate::error::{FieldError, Service};
use crate::problems::Problem;
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MaxBot {
    /// 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    name: String,
    /// The bot's token from business.max.ru (Чат-боты → Интеграция); checked with MAX, never
    /// answered back.
    #[schema(min_length = 1, max_length = 512, pattern = r"^\s*[!-~]+\s*$")]
    bot_token: String,
    /// Answer in group chats the bot is added to (default: only one-to-one dialogs).
    #[serde(default)]
    group_chats: bool,
}

pub(super) fn api(state: &AppState) -> Result<MaxApi, ApiError> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(state.config().send_timeout_secs))
        .build()
        .map_err(|err| ApiError::Internal(format!("HTTP client: {err}")))?;
    Ok(MaxApi::new(&state.config().max_api_url, http))
}

pub(super) fn hook_url(state: &AppState, channel: ChannelId) -> String {
    format!("{}/hooks/max/{channel}", public_url(state))
}

/// MAX's refusal as the merchant should read it.
fn max_error(err: MaxError) -> ApiError {
    match err {
        CallError::Refused(refusal) if refusal.is_unauthorized() => {
            ApiError::Validation(vec![FieldError::new(
                "bot_token",
                Problem::MaxTokenRejected,
            )])
        }
        other => ApiError::Upstream(
            Service::Max,
            format!("MAX did not answer as expected: {other}"),
        ),
    }
}

#[utoipa::path(post, path = "/api/v1/channels/max", tag = "channels", operation_id = "connect_max",
    summary = "Connect a MAX bot",
    description = "Role: admin (manage_channels). The token is checked with MAX's `GET /me` and \
        the webhook registered with `POST /subscriptions` and the channel's own secret.",
    security(("bearer" = [])),
    request_body = MaxBot,
    responses(
        (status = 201, description = "The channel", body = ChannelView),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The plan's channel limit is reached; the message offers the plan that allows more", body = crate::error::ErrorEnvelope),
        (status = 422, description = "A bad name, or a token MAX does not accept", body = crate::error::ErrorEnvelope),
        (status = 502, description = "MAX did not answer as expected", body = crate::error::ErrorEnvelope),
    ))]
pub(crate) async fn connect(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(request): JsonBody<MaxBot>,
) -> Result<(StatusCode, Json<ChannelView>), ApiError> {
    principal.require(Permission::ManageChannels)?;
    let name = checked_name(&request.name)?;
    crate::api::billing::within_plan(&state, &principal, Limit::Channels).await?;
    let token = checked_token("bot_token", &request.bot_token)?;
    let api = api(&state)?;
    let me = api.me(token).await.map_err(max_error)?;
    let credentials = state.vault().seal(&json!({
        "bot_token": token,
        "bot_user_id": me.user_id,
        "bot_username": me.username,
        "group_chats": request.group_chats,
    }));
    let channel = {
        let mut conn = state.db_for(&principal).await?;
        channels::create(
            &mut conn,
            principal.tenant,
            ChannelKind::Max,
            name,
            &credentials,
        )
        .await?
    };
    let hook = hook_url(&state, channel.id);
    if let Err(err) = api
        .subscribe(token, &hook, &state.secrets().max(channel.id))
        .await
    {
        let mut conn = state.db_for(&principal).await?;
        channels::switch_off(&mut conn, principal.tenant, channel.id).await?;
        return Err(max_error(err));
    }
    audit(&state, &principal, "channel.connect", channel.id).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &channel))))
}

/// Stops MAX sending the switched-off channel's updates. Best effort: a subscription left
/// behind only brings updates the workers drop.
pub(super) async fn switch_off(state: &AppState, channel: &Channel) {
    let Some(token) = channel.bot_token(state.vault()) else {
        return;
    };
    let removed = match api(state) {
        Ok(api) => api.unsubscribe(&token, &hook_url(state, channel.id)).await,
        Err(_) => return,
    };
    if let Err(err) = removed {
        tracing::warn!(channel.id = %channel.id, error = %err, "the MAX subscription could not be removed");
    }
}
