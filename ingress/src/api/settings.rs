//! `GET`/`PATCH /api/v1/settings`: the shop's assistant settings. Everyone signed in may read
//! them; admins change them, and each change is in the audit log.

use axum::Json;
use axum::extract::State;
use otklik_db::{DbError, tenants};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::auth::Principal;
use super::body::JsonBody;
use super::permissions::Permission;
use crate::error::FieldError;
use crate::{ApiError, AppState};

const RESPONDERS: [&str; 3] = ["local", "openai", "yandexgpt"];
const MAX_PERSONA: usize = 2000;

/// Only the fields sent change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    operator_only: Option<bool>,
    marketplace_auto_publish: Option<bool>,
    /// At most 2000 characters.
    persona: Option<String>,
    /// A non-empty list of `local`, `openai`, `yandexgpt`, in the order to try.
    responders: Option<Vec<String>>,
    working_hours: Option<Hours>,
}

/// Hours of the day, `from` < `to` ≤ 24.
#[derive(Debug, Deserialize, serde::Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Hours {
    from: u32,
    to: u32,
}

fn view(tenant: &tenants::Tenant) -> Value {
    json!({
        "name": tenant.name,
        "slug": tenant.slug,
        "timezone": tenant.timezone,
        "operator_only": tenant.operator_only,
        "assistant": tenant.settings.get("assistant").cloned().unwrap_or_else(|| json!({})),
    })
}

#[utoipa::path(get, path = "/api/v1/settings", tag = "settings",
    summary = "The shop's assistant settings", description = "Role: any (read_settings).", security(("bearer" = [])),
    responses(
        (status = 200, description = "`{name, slug, timezone, operator_only, assistant: {persona?, \
            responders?, working_hours?, marketplace_auto_publish?}}`", body = Object),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
    ))]
pub async fn show(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<Value>, ApiError> {
    principal.require(Permission::ReadSettings)?;
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    Ok(Json(view(
        &tenants::get(&mut conn, principal.tenant).await?,
    )))
}

/// Checks every field and builds the `assistant` keys to merge.
fn assistant_patch(patch: SettingsPatch) -> Result<(Option<bool>, Value), ApiError> {
    let mut fields = Vec::new();
    let mut assistant = Map::new();
    if let Some(publish) = patch.marketplace_auto_publish {
        assistant.insert("marketplace_auto_publish".into(), json!(publish));
    }
    if let Some(persona) = patch.persona {
        if persona.chars().count() > MAX_PERSONA {
            fields.push(FieldError::new(
                "persona",
                format!("at most {MAX_PERSONA} characters"),
            ));
        }
        assistant.insert("persona".into(), json!(persona.trim()));
    }
    if let Some(responders) = patch.responders {
        if responders.is_empty() || responders.iter().any(|r| !RESPONDERS.contains(&r.as_str())) {
            fields.push(FieldError::new(
                "responders",
                "a non-empty list of local, openai, yandexgpt",
            ));
        }
        assistant.insert("responders".into(), json!(responders));
    }
    if let Some(hours) = patch.working_hours {
        if !(hours.from < hours.to && hours.to <= 24) {
            fields.push(FieldError::new("working_hours", "from < to, hours 0 to 24"));
        }
        assistant.insert("working_hours".into(), json!(hours));
    }
    if fields.is_empty() {
        Ok((patch.operator_only, Value::Object(assistant)))
    } else {
        Err(ApiError::Validation(fields))
    }
}

#[utoipa::path(patch, path = "/api/v1/settings", tag = "settings",
    summary = "Change the assistant settings",
    description = "Role: admin (edit_settings). Audit-logged.", security(("bearer" = [])),
    request_body = SettingsPatch,
    responses(
        (status = 200, description = "The settings after the change, as `GET` answers them", body = Object),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Some fields are invalid", body = crate::error::ErrorEnvelope),
    ))]
pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(patch): JsonBody<SettingsPatch>,
) -> Result<Json<Value>, ApiError> {
    principal.require(Permission::EditSettings)?;
    let (operator_only, assistant) = assistant_patch(patch)?;
    let mut conn = state.db().get().await.map_err(DbError::from)?;
    let tenant = tenants::update_settings(
        &mut conn,
        principal.tenant,
        principal.user,
        operator_only,
        &assistant,
    )
    .await?;
    Ok(Json(view(&tenant)))
}
