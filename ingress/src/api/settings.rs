//! `GET`/`PATCH /api/v1/settings`: the shop's assistant settings. Everyone signed in may read
//! them; admins change them, and each change is in the audit log.

use axum::Json;
use axum::extract::State;
use diesel_async::AsyncConnection;
use otklik_db::tenants;
use otklik_nlu::Intent;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::auth::Principal;
use super::body::JsonBody;
use super::permissions::Permission;
use crate::error::FieldError;
use crate::problems::Problem;
use crate::{ApiError, AppState};

const RESPONDERS: [&str; 3] = ["local", "openai", "yandexgpt"];
const MAX_PERSONA: usize = 2000;
const TONES: [&str; 3] = ["neutral", "warm", "concise"];
/// Each policy's key and the field its errors name.
const POLICIES: [(&str, &str); 4] = [
    ("returns", "policies.returns"),
    ("delivery", "policies.delivery"),
    ("payment", "policies.payment"),
    ("warranty", "policies.warranty"),
];
const MAX_POLICY: usize = 2000;
const MAX_KEYWORDS: usize = 50;
const MAX_KEYWORD: usize = 64;
/// The assistant sees the conversation's last 20 lines, so it can count up to 10 of its replies.
const MAX_BOT_REPLIES: u32 = 10;
/// The longest a shopper may wait for a person before people are e-mailed: a day.
const MAX_WAITING_ALERT_MINUTES: u32 = 1440;

/// Only the fields sent change.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsPatch {
    operator_only: Option<bool>,
    marketplace_auto_publish: Option<bool>,
    /// Tell shoppers unasked when an order they proved theirs ships, reaches the pickup point
    /// or is cancelled (messengers and web chat; on unless set to false).
    order_news: Option<bool>,
    /// At most 2000 characters.
    #[schema(max_length = 2000)]
    persona: Option<String>,
    /// A non-empty list, in the order to try.
    #[schema(value_type = Option<Vec<super::vocabulary::ResponderSchema>>, min_items = 1)]
    responders: Option<Vec<String>>,
    /// When operators answer; `null` clears them (operators are always there).
    #[serde(default, deserialize_with = "super::body::present_object")]
    #[schema(value_type = Option<Hours>, nullable = true)]
    working_hours: Option<Option<Hours>>,
    /// `neutral` (default), `warm` (a friendly closing line) or `concise` (no pleasantries).
    /// The assistant says «вы» in every tone.
    #[schema(value_type = Option<super::vocabulary::ToneSchema>, example = "warm")]
    tone: Option<String>,
    /// The shop's own policy texts the assistant quotes ahead of the knowledge base. Keys:
    /// `returns`, `delivery`, `payment`, `warranty`; each text at most 2000 characters, trimmed;
    /// an empty text removes it. Keys not sent keep their text.
    #[schema(value_type = Option<Object>, example = json!({"returns": "Вернуть товар можно в течение 30 дней."}))]
    policies: Option<Map<String, Value>>,
    #[serde(default, deserialize_with = "super::body::object")]
    handoff: Option<HandoffPatch>,
    /// Minutes a shopper may wait for a person, in working hours, before the shop's people are
    /// e-mailed (1 to 1440; 10 unless set).
    #[schema(minimum = 1, maximum = 1440)]
    waiting_alert_minutes: Option<u32>,
}

/// When people take over whatever the assistant could answer. Fields not sent keep their value.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct HandoffPatch {
    /// Intent labels (see intents.md) that always go to people.
    #[schema(example = json!(["order_cancel", "exchange_request"]))]
    intents: Option<Vec<String>>,
    /// Words that hand the conversation over when a shopper's message contains them, in any
    /// case: at most 50, each 1 to 64 characters.
    #[schema(example = json!(["юрист", "суд"]))]
    keywords: Option<Vec<String>>,
    /// Bot replies in a row (no operator between) after which people take over, 1 to 10;
    /// `null` removes the cap.
    #[serde(default, deserialize_with = "super::params::present")]
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 10)]
    after_bot_replies: Option<Option<u32>>,
}

/// Hours of the day, `from` 0–23 and `to` 1–24, different; `from` after `to` spans midnight
/// (20 to 2: from 20:00 until 02:00).
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
struct Hours {
    #[schema(minimum = 0, maximum = 23)]
    from: u32,
    #[schema(minimum = 1, maximum = 24)]
    to: u32,
}

fn stored(tenant: &tenants::Tenant) -> Map<String, Value> {
    stored_object(tenant.settings.get("assistant"))
}

/// The shop's settings.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SettingsView {
    name: String,
    slug: String,
    timezone: String,
    operator_only: bool,
    assistant: AssistantSettings,
}

/// The assistant's settings as stored, with the tone, policies, handoff rules and the waiting
/// alert filled in with their defaults so a form can show every field; the others are absent
/// until set.
#[derive(Debug, Deserialize, Serialize, utoipa::ToSchema)]
pub struct AssistantSettings {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    persona: Option<String>,
    /// In the order tried.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Vec<super::vocabulary::ResponderSchema>>, nullable = false)]
    responders: Option<Vec<String>>,
    /// When operators answer; `null` once cleared (operators are always there).
    #[serde(
        default,
        deserialize_with = "super::params::present",
        skip_serializing_if = "Option::is_none"
    )]
    #[schema(value_type = Option<Hours>, nullable = true)]
    working_hours: Option<Option<Hours>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    marketplace_auto_publish: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(nullable = false)]
    order_news: Option<bool>,
    // Filled with their defaults, so always answered; `default` alone would document them as
    // optional.
    #[serde(default = "default_tone")]
    #[schema(value_type = super::vocabulary::ToneSchema, required = true)]
    tone: String,
    #[serde(default)]
    #[schema(required = true)]
    policies: Policies,
    #[serde(default)]
    #[schema(required = true)]
    handoff: HandoffRules,
    #[serde(default = "default_waiting_alert_minutes")]
    #[schema(required = true)]
    waiting_alert_minutes: i32,
}

fn default_tone() -> String {
    TONES[0].to_owned()
}

fn default_waiting_alert_minutes() -> i32 {
    otklik_db::alerts::DEFAULT_WAITING_MINUTES
}

/// The shop's policy texts; empty when not given.
#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct Policies {
    #[schema(required = true)]
    returns: String,
    #[schema(required = true)]
    delivery: String,
    #[schema(required = true)]
    payment: String,
    #[schema(required = true)]
    warranty: String,
}

/// When people take over whatever the assistant could answer.
#[derive(Debug, Default, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct HandoffRules {
    #[schema(required = true)]
    intents: Vec<String>,
    #[schema(required = true)]
    keywords: Vec<String>,
    /// `null` for no cap.
    #[schema(required = true)]
    after_bot_replies: Option<u32>,
}

fn view(tenant: &tenants::Tenant) -> Result<SettingsView, ApiError> {
    let assistant = serde_json::from_value(Value::Object(stored(tenant)))
        .map_err(|err| ApiError::Internal(format!("the stored assistant settings: {err}")))?;
    Ok(SettingsView {
        name: tenant.name.clone(),
        slug: tenant.slug.clone(),
        timezone: tenant.timezone.clone(),
        operator_only: tenant.operator_only,
        assistant,
    })
}

#[utoipa::path(get, path = "/api/v1/settings", tag = "settings",
    summary = "The shop's assistant settings", description = "Role: any (read_settings).", security(("bearer" = [])),
    responses(
        (status = 200, description = "The settings; tone, policies, handoff rules and the waiting alert filled with their defaults", body = SettingsView),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
    ))]
pub async fn show(
    State(state): State<AppState>,
    principal: Principal,
) -> Result<Json<SettingsView>, ApiError> {
    principal.require(Permission::ReadSettings)?;
    let mut conn = state.db_for(&principal).await?;
    Ok(Json(view(
        &tenants::get(&mut conn, principal.tenant).await?,
    )?))
}

/// The stored object a patch merges over; nothing stored yet is an empty one.
fn stored_object(current: Option<&Value>) -> Map<String, Value> {
    current
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// Checks the policies sent and merges them over the stored ones.
fn policies_patch(
    sent: Map<String, Value>,
    current: Option<&Value>,
    fields: &mut Vec<FieldError>,
) -> Value {
    let mut merged = stored_object(current);
    for (key, text) in sent {
        let Some(&(key, field)) = POLICIES.iter().find(|(name, _)| *name == key) else {
            fields.push(FieldError::new(
                "policies",
                Problem::UnknownValues {
                    values: vec![key],
                    allowed: POLICIES.iter().map(|(name, _)| *name).collect(),
                },
            ));
            continue;
        };
        match text.as_str().map(str::trim) {
            Some(text) if text.chars().count() > MAX_POLICY => {
                fields.push(FieldError::new(field, Problem::TooLong { max: MAX_POLICY }));
            }
            Some(text) => {
                merged.insert(key.into(), json!(text));
            }
            None => fields.push(FieldError::new(field, Problem::NotText)),
        }
    }
    Value::Object(merged)
}

/// Checks the handoff rules sent and merges them over the stored ones.
fn handoff_patch(
    sent: HandoffPatch,
    current: Option<&Value>,
    fields: &mut Vec<FieldError>,
) -> Value {
    let mut merged = stored_object(current);
    if let Some(mut intents) = sent.intents {
        let unknown: Vec<&str> = intents
            .iter()
            .map(String::as_str)
            .filter(|i| Intent::parse(i).is_none())
            .collect();
        if !unknown.is_empty() {
            fields.push(FieldError::new(
                "handoff.intents",
                Problem::UnknownValues {
                    values: unknown.into_iter().map(str::to_owned).collect(),
                    allowed: Intent::ALL.into_iter().map(Intent::as_str).collect(),
                },
            ));
        }
        intents.sort_by_key(|i| Intent::parse(i).map(Intent::index));
        intents.dedup();
        merged.insert("intents".into(), json!(intents));
    }
    if let Some(keywords) = sent.keywords {
        // Case-insensitive: the first spelling of each word is kept.
        let mut seen = std::collections::HashSet::new();
        let kept: Vec<String> = keywords
            .iter()
            .map(|k| k.trim())
            .filter(|k| !k.is_empty() && seen.insert(k.to_lowercase()))
            .map(str::to_owned)
            .collect();
        if kept.len() > MAX_KEYWORDS {
            fields.push(FieldError::new(
                "handoff.keywords",
                Problem::TooMany { max: MAX_KEYWORDS },
            ));
        } else if kept.iter().any(|k| k.chars().count() > MAX_KEYWORD) {
            fields.push(FieldError::new(
                "handoff.keywords",
                Problem::ItemTooLong { max: MAX_KEYWORD },
            ));
        }
        merged.insert("keywords".into(), json!(kept));
    }
    if let Some(limit) = sent.after_bot_replies {
        if limit.is_some_and(|n| !(1..=MAX_BOT_REPLIES).contains(&n)) {
            fields.push(FieldError::new(
                "handoff.after_bot_replies",
                Problem::OutOfRange {
                    min: 1,
                    max: Some(MAX_BOT_REPLIES.into()),
                },
            ));
        }
        merged.insert("after_bot_replies".into(), json!(limit));
    }
    Value::Object(merged)
}

/// Checks every field and builds the `assistant` keys to merge; `current` is the stored
/// document, over which policies and handoff rules merge key by key.
fn assistant_patch(
    patch: SettingsPatch,
    current: &Map<String, Value>,
) -> Result<(Option<bool>, Value), ApiError> {
    let mut fields = Vec::new();
    let mut assistant = Map::new();
    if let Some(publish) = patch.marketplace_auto_publish {
        assistant.insert("marketplace_auto_publish".into(), json!(publish));
    }
    if let Some(news) = patch.order_news {
        assistant.insert("order_news".into(), json!(news));
    }
    if let Some(persona) = patch.persona {
        if persona.chars().count() > MAX_PERSONA {
            fields.push(FieldError::new(
                "persona",
                Problem::TooLong { max: MAX_PERSONA },
            ));
        }
        assistant.insert("persona".into(), json!(persona.trim()));
    }
    if let Some(responders) = patch.responders {
        let unknown: Vec<String> = responders
            .iter()
            .filter(|r| !RESPONDERS.contains(&r.as_str()))
            .cloned()
            .collect();
        if responders.is_empty() {
            fields.push(FieldError::new(
                "responders",
                Problem::NoneChosen {
                    allowed: RESPONDERS.to_vec(),
                },
            ));
        } else if !unknown.is_empty() {
            fields.push(FieldError::new(
                "responders",
                Problem::UnknownValues {
                    values: unknown,
                    allowed: RESPONDERS.to_vec(),
                },
            ));
        }
        assistant.insert("responders".into(), json!(responders));
    }
    match patch.working_hours {
        Some(Some(hours)) => {
            if !(hours.from <= 23 && (1..=24).contains(&hours.to) && hours.from != hours.to) {
                fields.push(FieldError::new("working_hours", Problem::InvalidHours));
            }
            assistant.insert("working_hours".into(), json!(hours));
        }
        Some(None) => {
            assistant.insert("working_hours".into(), Value::Null);
        }
        None => {}
    }
    if let Some(tone) = patch.tone {
        if !TONES.contains(&tone.as_str()) {
            fields.push(FieldError::new(
                "tone",
                Problem::NotOneOf {
                    allowed: TONES.to_vec(),
                },
            ));
        }
        assistant.insert("tone".into(), json!(tone));
    }
    if let Some(policies) = patch.policies {
        let merged = policies_patch(policies, current.get("policies"), &mut fields);
        assistant.insert("policies".into(), merged);
    }
    if let Some(minutes) = patch.waiting_alert_minutes {
        if !(1..=MAX_WAITING_ALERT_MINUTES).contains(&minutes) {
            fields.push(FieldError::new(
                "waiting_alert_minutes",
                Problem::OutOfRange {
                    min: 1,
                    max: Some(MAX_WAITING_ALERT_MINUTES.into()),
                },
            ));
        }
        assistant.insert("waiting_alert_minutes".into(), json!(minutes));
    }
    if let Some(handoff) = patch.handoff {
        let merged = handoff_patch(handoff, current.get("handoff"), &mut fields);
        assistant.insert("handoff".into(), merged);
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
        (status = 200, description = "The settings after the change, as `GET` answers them", body = SettingsView),
        (status = 400, description = "Malformed JSON or unknown fields", body = crate::error::ErrorEnvelope),
        (status = 403, description = "Your role does not allow this", body = crate::error::ErrorEnvelope),
        (status = 422, description = "Some fields are invalid", body = crate::error::ErrorEnvelope),
    ))]
pub async fn update(
    State(state): State<AppState>,
    principal: Principal,
    JsonBody(patch): JsonBody<SettingsPatch>,
) -> Result<Json<SettingsView>, ApiError> {
    principal.require(Permission::EditSettings)?;
    let mut conn = state.db_for(&principal).await?;
    let tenant = conn
        .transaction::<_, ApiError, _>(async |conn| {
            // Policies and handoff rules are merged over the stored ones here: the row stays
            // locked until the change commits, so two saves of different keys both stay.
            let current = stored(&tenants::lock(conn, principal.tenant).await?);
            let (operator_only, assistant) = assistant_patch(patch, &current)?;
            Ok(tenants::update_settings(
                conn,
                principal.tenant,
                principal.user,
                operator_only,
                &assistant,
            )
            .await?)
        })
        .await?;
    Ok(Json(view(&tenant)?))
}
