//! Where shoppers reach the shop: `GET /api/v1/channels`, connecting a Telegram bot (the token
//! is checked with Telegram and the webhook registered with a per-channel secret), a MAX bot
//! (`max`), a VK community (`vk`), a WhatsApp Business number (`whatsapp`), a web chat, and
//! switching a channel off. Credentials never leave the server.

pub(crate) mod max;
pub(crate) mod vk;
pub(crate) mod whatsapp;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use otklik_billing::accounts::limits::Limit;
use otklik_db::DbError;
use otklik_db::channels::{self, Channel};
use otklik_db::sealed::Sealed;
use otklik_schema::{ChannelId, ChannelKind};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use teloxide::payloads::SetWebhookSetters;
use teloxide::prelude::Requester;
use teloxide::types::AllowedUpdate;
use teloxide::{ApiError as TelegramError, Bot, RequestError};

use super::auth::Principal;
use super::body::JsonBody;
use super::params::ApiPath;
use super::permissions::Permission;
use crate::error::{FieldError, Service};
use crate::problems::Problem;
use crate::{ApiError, AppState};

const MAX_NAME: usize = 100;
/// Longer than any provider's token; a longer paste is not one.
const MAX_TOKEN: usize = 512;

pub fn routes() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/api/v1/channels", get(list))
        .route("/api/v1/channels/telegram", post(connect_telegram))
        .route("/api/v1/channels/max", post(max::connect))
        .route("/api/v1/channels/vk", post(vk::connect))
        .route("/api/v1/channels/whatsapp", post(whatsapp::connect))
        .route("/api/v1/channels/webchat", post(create_webchat))
        .route("/api/v1/channels/{id}", delete(switch_off))
}

fn public_url(state: &AppState) -> &str {
    state.config().public_url.trim_end_matches('/')
}

/// A channel; which optional fields it has depends on its kind.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChannelView {
    id: ChannelId,
    kind: ChannelKind,
    name: String,
    enabled: bool,
    /// Connected before the owner confirmed their address, so off until they do.
    awaiting_verification: bool,
    /// Telegram and MAX: the bot's username.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    bot_username: Option<String>,
    /// MAX: the bot's page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    bot_url: Option<String>,
    /// VK: the community's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    group_id: Option<i64>,
    /// VK: the community's page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    community_url: Option<String>,
    /// WhatsApp: Meta's id of the number.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    phone_number_id: Option<String>,
    /// WhatsApp: the number as people dial it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    display_phone_number: Option<String>,
    /// WhatsApp: the business name Meta verified.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    verified_name: Option<String>,
    /// WhatsApp: the chat link for shoppers.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    whatsapp_url: Option<String>,
    /// WhatsApp: where Meta's webhook must point.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    webhook_url: Option<String>,
    /// A web chat: the page shoppers chat on.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    chat_url: Option<String>,
}

fn view(state: &AppState, channel: &Channel) -> ChannelView {
    let mut view = ChannelView {
        id: channel.id,
        kind: channel.kind,
        name: channel.name.clone(),
        enabled: channel.enabled,
        awaiting_verification: channel.awaiting_verification,
        bot_username: None,
        bot_url: None,
        group_id: None,
        community_url: None,
        phone_number_id: None,
        display_phone_number: None,
        verified_name: None,
        whatsapp_url: None,
        webhook_url: None,
        chat_url: None,
    };
    // Public names (a bot's username, a community's id) are kept sealed with the token.
    let public = state
        .vault()
        .open(&channel.credentials)
        .unwrap_or(Value::Null);
    let text = |field: &str| public.get(field).and_then(Value::as_str).map(str::to_owned);
    match channel.kind {
        ChannelKind::Telegram => view.bot_username = text("bot_username"),
        ChannelKind::Webchat => {
            view.chat_url = Some(format!("{}/chat/{}", public_url(state), channel.id.0));
        }
        ChannelKind::Max => {
            view.bot_username = text("bot_username");
            view.bot_url = view
                .bot_username
                .as_ref()
                .map(|name| format!("https://max.ru/{name}"));
        }
        ChannelKind::Vk => {
            view.group_id = public.get("group_id").and_then(Value::as_i64);
            view.community_url = view.group_id.map(|id| format!("https://vk.com/club{id}"));
        }
        ChannelKind::Whatsapp => {
            view.display_phone_number = text("display_phone_number");
            let digits: Option<String> = view
                .display_phone_number
                .as_ref()
                .map(|number| number.chars().filter(char::is_ascii_digit).collect());
            view.whatsapp_url = digits
                .filter(|d| !d.is_empty())
                .map(|d| format!("https://wa.me/{d}"));
            view.phone_number_id = text("phone_number_id");
            view.verified_name = text("verified_name");
            view.webhook_url = Some(whatsapp::hook_url(state, channel.id));
        }
        _ => {}
    }
    view
}

/// The shop's channels.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ChannelList {
    items: Vec<ChannelView>,
}

#[utoipa::path(get, path = "/api/v1/channels", tag = "channels",
    summary = "The shop's channels", description = "Role: any (read_settings).", security(("bearer" = [])),
    responses(
        (status = 200, description = "Every channel, switched off ones included", body = ChannelList),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
    ))]
async fn list(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<ChannelList>, ApiError> {
    principal.require(Permission::ReadSettings)?;
    let mut conn = state.db_for(&principal).await?;
    let channels = channels::list(&mut conn, principal.tenant).await?;
    Ok(Json(ChannelList {
        items: channels.iter().map(|c| view(&state, c)).collect(),
    }))
}

fn checked_name(name: &str) -> Result<&str, ApiError> {
    // Measured as sent, as the schema measures it; stored trimmed.
    if !name.trim().is_empty() && name.chars().count() <= MAX_NAME {
        Ok(name.trim())
    } else {
        Err(ApiError::Validation(vec![FieldError::new(
            "name",
            Problem::LengthOutOfRange {
                min: 1,
                max: MAX_NAME,
            },
        )]))
    }
}

/// A provider token as pasted: one line of visible characters.
fn checked_token<'a>(field: &'static str, token: &'a str) -> Result<&'a str, ApiError> {
    let token = token.trim();
    let problem = if token.is_empty() {
        Some(Problem::Required)
    } else if token.chars().count() > MAX_TOKEN {
        Some(Problem::TooLong { max: MAX_TOKEN })
    } else if token.chars().any(|c| c.is_whitespace() || c.is_control()) {
        Some(Problem::NotOneLine)
    } else {
        None
    };
    match problem {
        Some(problem) => Err(ApiError::Validation(vec![FieldError::new(field, problem)])),
        None => Ok(token),
    }
}

async fn audit(
    state: &AppState,
    principal: &Principal,
    action: &str,
    channel: ChannelId,
) -> Result<(), ApiError> {
    let mut conn = state.db_for(principal).await?;
    let channel = channel.0.to_string();
    otklik_db::audit::record(
        &mut conn,
        principal.tenant,
        principal.user,
        action,
        "channel",
        Some(&channel),
        json!({}),
    )
    .await
    .map_err(DbError::from)?;
    Ok(())
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct TelegramBot {
    /// 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    name: String,
    /// From @BotFather; checked with Telegram, never answered back.
    #[schema(
        pattern = r"^\s*[0-9]+:[A-Za-z0-9_-]{20,}\s*$",
        example = "123456789:AAH0123456789abcdefghij"
    )]
    bot_token: String,
}
super::auth::redacted_debug!(TelegramBot { name } hides bot_token);

fn bot(state: &AppState, token: &str) -> Result<Bot, ApiError> {
    let api = reqwest::Url::parse(state.config().telegram_api_url.trim_end_matches('/'))
        .map_err(|err| ApiError::Internal(format!("OTKLIK_TELEGRAM_API_URL: {err}")))?;
    Ok(Bot::new(token).set_api_url(api))
}

/// Telegram's refusal as the merchant should read it.
fn telegram_error(err: RequestError) -> ApiError {
    match err {
        RequestError::Api(TelegramError::InvalidToken) => {
            ApiError::Validation(vec![FieldError::new(
                "bot_token",
                Problem::BotTokenRejected,
            )])
        }
        other => ApiError::Upstream(
            Service::Telegram,
            format!("Telegram did not answer as expected: {other}"),
        ),
    }
}

#[utoipa::path(post, path = "/api/v1/channels/telegram", tag = "channels",
    summary = "Connect a Telegram bot",
    description = "Role: admin (manage_channels). The token is checked with `getMe` and the \
        webhook registered with the channel's own secret.", security(("bearer" = [])),
    request_body = TelegramBot,
    responses(
        (status = 201, description = "The channel", body = ChannelView),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The plan's channel limit is reached; the message offers the plan that allows more", body = crate::error::ErrorEnvelope),
        (status = 422, description = "A bad name, or a token Telegram does not accept", body = crate::error::ErrorEnvelope),
        (status = 502, description = "Telegram did not answer as expected", body = crate::error::ErrorEnvelope),
    ))]
/// `POST /api/v1/channels/telegram`: checks the token with `getMe`, stores the channel, and
/// points the bot's webhook at us with the channel's secret. If Telegram refuses the webhook,
/// the channel is switched off again.
async fn connect_telegram(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(request): JsonBody<TelegramBot>,
) -> Result<(StatusCode, Json<ChannelView>), ApiError> {
    principal.require(Permission::ManageChannels)?;
    let name = checked_name(&request.name)?;
    crate::api::billing::within_plan(&state, &principal, Limit::Channels).await?;
    let token = request.bot_token.trim();
    let shaped = token
        .split_once(':')
        .is_some_and(|(id, secret)| id.parse::<u64>().is_ok() && secret.len() >= 20);
    if !shaped {
        return Err(ApiError::Validation(vec![FieldError::new(
            "bot_token",
            Problem::BotTokenMalformed,
        )]));
    }
    let bot = bot(&state, token)?;
    let me = bot.get_me().await.map_err(telegram_error)?;
    let credentials = state
        .vault()
        .seal(&json!({ "bot_token": token, "bot_username": me.username() }));
    let channel = {
        let mut conn = state.db_for(&principal).await?;
        channels::create(
            &mut conn,
            principal.tenant,
            ChannelKind::Telegram,
            name,
            &credentials,
        )
        .await?
    };
    let hook = format!("{}/hooks/telegram/{}", public_url(&state), channel.id.0);
    let hook = reqwest::Url::parse(&hook)
        .map_err(|err| ApiError::Internal(format!("OTKLIK_PUBLIC_URL: {err}")))?;
    let registered = bot
        .set_webhook(hook)
        .secret_token(state.secrets().telegram(channel.id))
        .allowed_updates(vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery])
        .await;
    if let Err(err) = registered {
        let mut conn = state.db_for(&principal).await?;
        channels::switch_off(&mut conn, principal.tenant, channel.id).await?;
        return Err(telegram_error(err));
    }
    audit(&state, &principal, "channel.connect", channel.id).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &channel))))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Webchat {
    /// 1 to 100 characters.
    #[schema(min_length = 1, max_length = 100, pattern = r"\S")]
    name: String,
}

#[utoipa::path(post, path = "/api/v1/channels/webchat", tag = "channels",
    summary = "Create a web chat", description = "Role: admin (manage_channels).", security(("bearer" = [])),
    request_body = Webchat,
    responses(
        (status = 201, description = "The channel", body = ChannelView),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 409, description = "The plan's channel limit is reached; the message offers the plan that allows more", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Some fields are invalid", body = crate::error::ErrorEnvelope),
    ))]
async fn create_webchat(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(request): JsonBody<Webchat>,
) -> Result<(StatusCode, Json<ChannelView>), ApiError> {
    principal.require(Permission::ManageChannels)?;
    let name = checked_name(&request.name)?;
    crate::api::billing::within_plan(&state, &principal, Limit::Channels).await?;
    let channel = {
        let mut conn = state.db_for(&principal).await?;
        channels::create(
            &mut conn,
            principal.tenant,
            ChannelKind::Webchat,
            name,
            &Sealed::none(),
        )
        .await?
    };
    audit(&state, &principal, "channel.connect", channel.id).await?;
    Ok((StatusCode::CREATED, Json(view(&state, &channel))))
}

/// `DELETE /api/v1/channels/{id}`: switched off, not deleted — its conversations stay.
#[utoipa::path(delete, path = "/api/v1/channels/{id}", tag = "channels",
    summary = "Switch a channel off (its conversations stay)",
    description = "Role: admin (manage_channels).", security(("bearer" = [])),
    params(("id" = i64, Path, description = "The channel's id")),
    responses(
        (status = 204, description = "Switched off"),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 404, description = "No such channel in this shop", body = crate::error::ErrorEnvelope),
    ))]
async fn switch_off(
    State(state): State<AppState>,
    principal: Principal,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, ApiError> {
    principal.require(Permission::ManageChannels)?;
    let id = ChannelId(id);
    let channel = {
        let mut conn = state.db_for(&principal).await?;
        let channel = channels::get(&mut conn, principal.tenant, id)
            .await?
            .ok_or(ApiError::NotFound)?;
        channels::switch_off(&mut conn, principal.tenant, id).await?;
        channel
    };
    state.webchat_channels().forget(id);
    match channel.kind {
        ChannelKind::Max => max::switch_off(&state, &channel).await,
        ChannelKind::Vk => vk::switch_off(&state, &channel).await,
        ChannelKind::Whatsapp => whatsapp::switch_off(&state, &channel).await,
        ChannelKind::Telegram => {
            if let Some(token) = channel.bot_token(state.vault())
                && let Err(err) = bot(&state, &token)?.delete_webhook().await
            {
                tracing::warn!(channel.id = %id, error = %err, "the bot's webhook could not be removed");
            }
        }
        _ => {}
    }
    audit(&state, &principal, "channel.disable", id).await?;
    Ok(StatusCode::NO_CONTENT)
}
