//! `POST /api/v1/channels/whatsapp`: a WhatsApp Business number on the Cloud API. The access
//! token is checked by reading the number (`GET /{phone_number_id}`); the channel is stored with
//! the token, the app secret and the verify token sealed, and the two webhook secrets are put
//! where the ingress reads them (Redis, sealed). Meta's webhook is configured by the merchant in
//! the app's dashboard with the URL and verify token the answer gives; switching the channel off
//! makes the ingress refuse its webhooks.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use otklik_billing::accounts::limits::Limit;
use otklik_db::channels::{self, Channel};
use otklik_jobs::handshakes;
use otklik_messengers::CallError;
use otklik_messengers::whatsapp::{GraphApi, Verdict, WhatsAppError};
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

/// The longest phone number id (Meta's are 15 to 16 digits).
const MAX_NUMBER_ID: usize = 20;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct WhatsappNumber {
    /// 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    name: String,
    /// The number's id in WhatsApp Manager (API Setup → Phone number ID), digits only.
    #[schema(
        min_length = 1,
        max_length = 40,
        pattern = r"^\s*[0-9]{1,20}\s*$",
        example = "106540352242922"
    )]
    phone_number_id: String,
    /// A system user's access token with `whatsapp_business_messaging`; checked with Meta,
    /// never answered back.
    #[schema(min_length = 1, max_length = 512, pattern = r"^\s*[!-~]+\s*$")]
    access_token: String,
    /// The Meta app's secret (App settings → Basic), which signs every webhook; never answered
    /// back.
    #[schema(min_length = 1, max_length = 512, pattern = r"^\s*[!-~]+\s*$")]
    app_secret: String,
    /// The verify token to enter with the webhook URL in the app's WhatsApp configuration;
    /// never answered back.
    #[schema(min_length = 1, max_length = 512, pattern = r"^\s*[!-~]+\s*$")]
    verify_token: String,
}
crate::api::auth::redacted_debug!(WhatsappNumber { name, phone_number_id } hides access_token, app_secret, verify_token);

pub(super) fn api(state: &AppState) -> Result<GraphApi, ApiError> {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(state.config().send_timeout_secs))
        .build()
        .map_err(|err| ApiError::Internal(format!("HTTP client: {err}")))?;
    Ok(GraphApi::new(&state.config().whatsapp_api_url, http))
}

pub(super) fn hook_url(state: &AppState, channel: ChannelId) -> String {
    format!("{}/hooks/whatsapp/{channel}", public_url(state))
}

/// Meta's refusal as the merchant should read it.
fn graph_error(err: WhatsAppError) -> ApiError {
    match err {
        CallError::Refused(refusal) if refusal.code == 190 || refusal.status == 401 => {
            ApiError::Validation(vec![FieldError::new(
                "access_token",
                Problem::WhatsappTokenRejected,
            )])
        }
        // 803 and 100: no such number; 200…299 and 10: this token may not use it.
        CallError::Refused(refusal)
            if matches!(refusal.code, 803 | 100) || refusal.verdict() == Verdict::Unauthorized =>
        {
            ApiError::Validation(vec![FieldError::new(
                "phone_number_id",
                Problem::WhatsappNumberNotAccessible,
            )])
        }
        other => ApiError::Upstream(
            Service::WhatsApp,
            format!("WhatsApp did not answer as expected: {other}"),
        ),
    }
}

fn checked_number_id(given: &str) -> Result<&str, ApiError> {
    let id = given.trim();
    if (1..=MAX_NUMBER_ID).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_digit()) {
        Ok(id)
    } else {
        Err(ApiError::Validation(vec![FieldError::new(
            "phone_number_id",
            Problem::WhatsappNumberIdMalformed { max: MAX_NUMBER_ID },
        )]))
    }
}

#[utoipa::path(post, path = "/api/v1/channels/whatsapp", tag = "channels", operation_id = "connect_whatsapp",
    summary = "Connect a WhatsApp Business number (Cloud API)",
    description = "Role: admin (manage_channels). The access token is checked by reading the \
        number (`GET /{phone_number_id}` of the Graph API). The answer's `webhook_url`, with the \
        verify token you chose, goes into the Meta app's WhatsApp configuration (subscribe to \
        `messages`); webhooks are checked with the app secret.",
    security(("bearer" = [])),
    request_body = WhatsappNumber,
    responses(
        (status = 201, description = "The channel", body = ChannelView),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The plan's channel limit is reached; the message offers the plan that allows more", body = crate::error::ErrorEnvelope),
        (status = 422, description = "A bad name, number id or secret, a token Meta does not accept, or a number it may not use", body = crate::error::ErrorEnvelope),
        (status = 502, description = "WhatsApp did not answer as expected", body = crate::error::ErrorEnvelope),
    ))]
pub(crate) async fn connect(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(request): JsonBody<WhatsappNumber>,
) -> Result<(StatusCode, Json<ChannelView>), ApiError> {
    principal.require(Permission::ManageChannels)?;
    let name = checked_name(&request.name)?;
    crate::api::billing::within_plan(&state, &principal, Limit::Channels).await?;
    let number_id = checked_number_id(&request.phone_number_id)?;
    let token = checked_token("access_token", &request.access_token)?;
    let app_secret = checked_token("app_secret", &request.app_secret)?;
    let verify_token = checked_token("verify_token", &request.verify_token)?;
    let api = api(&state)?;
    let number = api
        .phone_number(token, number_id)
        .await
        .map_err(graph_error)?;
    let credentials = state.vault().seal(&json!({
        "bot_token": token,
        "phone_number_id": number_id,
        "display_phone_number": number.display_phone_number,
        "verified_name": number.verified_name,
        "app_secret": app_secret,
        "verify_token": verify_token,
    }));
    let webhook = state
        .vault()
        .seal(&json!({ "app_secret": app_secret, "verify_token": verify_token }));
    let channel = {
        let mut conn = state.db_for(&principal).await?;
        channels::create(
            &mut conn,
            principal.tenant,
            ChannelKind::Whatsapp,
            name,
            &credentials,
        )
        .await?
    };
    let namespace = &state.config().redis_namespace;
    if let Err(err) = handshakes::remember_whatsapp(
        &mut state.redis(),
        namespace,
        channel.id,
        &webhook.to_text(),
    )
    .await
    {
        let mut conn = state.db_for(&principal).await?;
        channels::switch_off(&mut conn, principal.tenant, channel.id).await?;
        return Err(ApiError::Internal(format!(
            "could not keep the webhook secrets: {err}"
        )));
    }
    audit(&state, &principal, "channel.connect", channel.id).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &channel))))
}

/// Forgets the channel's webhook secrets, so the ingress refuses its webhooks (Meta keeps the
/// app's webhook configuration; only the merchant can remove it there).
pub(super) async fn switch_off(state: &AppState, channel: &Channel) {
    let namespace = &state.config().redis_namespace;
    if let Err(err) = handshakes::forget_whatsapp(&mut state.redis(), namespace, channel.id).await {
        tracing::warn!(channel.id = %channel.id, error = %err, "could not forget a WhatsApp channel's webhook secrets");
    }
}
