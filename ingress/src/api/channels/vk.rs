//! `POST /api/v1/channels/vk`: a VK community's messages. The community token is checked by
//! asking for the Callback API confirmation string (only a token that manages the community gets
//! it); the string is kept for the handshake, then a callback server is added with the channel's
//! own secret and subscribed to message events. Switching the channel off removes the server.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use otklik_billing::accounts::limits::Limit;
use otklik_db::channels::{self, Channel};
use otklik_jobs::handshakes;
use otklik_messengers::CallError;
use otklik_messengers::vk::{VkApi, VkError};
use otklik_schema::{ChannelId, ChannelKind};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ChannelView, audit, checked_name, checked_token, public_url, view};
use crate::api::auth::Principal;
use crate::api::body::JsonBody;
use crate::api::permissions::Permission;
use crate::error::{FieldError, Service};
use crate::problems::Problem;
use crate::{ApiError, AppState};

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct VkCommunity {
    /// 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    name: String,
    /// The community's numeric id (Управление → Работа с API → Callback API shows it).
    #[schema(minimum = 1)]
    group_id: i64,
    /// A community access token with the rights to manage the community and its messages;
    /// checked with VK, never answered back.
    #[schema(min_length = 1, max_length = 512, pattern = r"^\s*[!-~]+\s*$")]
    access_token: String,
    /// Answer in group chats the community bot is added to (default: only private messages).
    #[serde(default)]
    group_chats: bool,
}

pub(super) fn api(state: &AppState) -> Result<VkApi, ApiError> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(state.config().send_timeout_secs))
        .build()
        .map_err(|err| ApiError::Internal(format!("HTTP client: {err}")))?;
    Ok(VkApi::new(&state.config().vk_api_url, http))
}

pub(super) fn hook_url(state: &AppState, channel: ChannelId) -> String {
    format!("{}/hooks/vk/{channel}", public_url(state))
}

/// VK's refusal as the merchant should read it.
fn vk_error(err: VkError) -> ApiError {
    match err {
        CallError::Refused(refusal) if matches!(refusal.code, 5 | 27 | 28) => ApiError::Validation(
            vec![FieldError::new("access_token", Problem::VkTokenRejected)],
        ),
        CallError::Refused(refusal) if matches!(refusal.code, 15 | 100 | 203) => {
            ApiError::Validation(vec![FieldError::new(
                "group_id",
                Problem::VkCommunityNotManaged,
            )])
        }
        other => ApiError::Upstream(
            Service::Vk,
            format!("VK did not answer as expected: {other}"),
        ),
    }
}

#[utoipa::path(post, path = "/api/v1/channels/vk", tag = "channels", operation_id = "connect_vk",
    summary = "Connect a VK community's messages",
    description = "Role: admin (manage_channels). The token is checked with \
        `groups.getCallbackConfirmationCode`, a callback server is added with \
        `groups.addCallbackServer` and the channel's own secret, and subscribed to message events \
        with `groups.setCallbackSettings`.",
    security(("bearer" = [])),
    request_body = VkCommunity,
    responses(
        (status = 201, description = "The channel", body = ChannelView),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The plan's channel limit is reached; the message offers the plan that allows more", body = crate::error::ErrorEnvelope),
        (status = 422, description = "A bad name or id, or a token VK does not accept for this community", body = crate::error::ErrorEnvelope),
        (status = 502, description = "VK did not answer as expected", body = crate::error::ErrorEnvelope),
    ))]
pub(crate) async fn connect(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(request): JsonBody<VkCommunity>,
) -> Result<(StatusCode, Json<ChannelView>), ApiError> {
    principal.require(Permission::ManageChannels)?;
    let name = checked_name(&request.name)?;
    crate::api::billing::within_plan(&state, &principal, Limit::Channels).await?;
    let token = checked_token("access_token", &request.access_token)?;
    let group_id = request.group_id;
    if group_id < 1 {
        return Err(ApiError::Validation(vec![FieldError::new(
            "group_id",
            Problem::OutOfRange { min: 1, max: None },
        )]));
    }
    let api = api(&state)?;
    let code = api
        .confirmation_code(token, group_id)
        .await
        .map_err(vk_error)?;
    let credentials = state.vault().seal(&json!({
        "bot_token": token,
        "group_id": group_id,
        "group_chats": request.group_chats,
    }));
    let channel = {
        let mut conn = state.db_for(&principal).await?;
        channels::create(
            &mut conn,
            principal.tenant,
            ChannelKind::Vk,
            name,
            &credentials,
        )
        .await?
    };
    let registered = async {
        let namespace = &state.config().redis_namespace;
        handshakes::remember_vk(&mut state.redis(), namespace, channel.id, group_id, &code)
            .await
            .map_err(|err| ApiError::Internal(format!("could not keep the confirmation: {err}")))?;
        let hook = hook_url(&state, channel.id);
        api.add_server(token, group_id, &hook, &state.secrets().vk(channel.id))
            .await
            .map_err(vk_error)
    };
    if let Err(err) = registered.await {
        let mut conn = state.db_for(&principal).await?;
        channels::switch_off(&mut conn, principal.tenant, channel.id).await?;
        return Err(err);
    }
    audit(&state, &principal, "channel.connect", channel.id).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &channel))))
}

/// Removes the channel's callback server and forgets its confirmation string. Best effort: a
/// server left behind only brings events the workers drop.
pub(super) async fn switch_off(state: &AppState, channel: &Channel) {
    let namespace = &state.config().redis_namespace;
    if let Err(err) = handshakes::forget_vk(&mut state.redis(), namespace, channel.id).await {
        tracing::warn!(channel.id = %channel.id, error = %err, "could not forget a VK confirmation string");
    }
    let Ok(open) = state.vault().open(&channel.credentials) else {
        return;
    };
    let (Some(token), Some(group_id)) = (
        open.get("bot_token").and_then(Value::as_str),
        open.get("group_id").and_then(Value::as_i64),
    ) else {
        return;
    };
    let removed = match api(state) {
        Ok(api) => {
            api.remove_servers(token, group_id, &hook_url(state, channel.id))
                .await
        }
        Err(_) => return,
    };
    if let Err(err) = removed {
        tracing::warn!(channel.id = %channel.id, error = %err, "the VK callback server could not be removed");
    }
}
