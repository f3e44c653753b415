//! A tenant's assistant settings, read from `tenants.settings.assistant`; every field has a
//! default so an empty document is a working configuration.

use otklik_llm::ProviderKind;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct WorkingHours {
    /// Local hour the operators start, 0–23.
    pub from: u32,
    /// Local hour they stop, 1–24.
    pub to: u32,
    /// The tenant's offset from UTC in hours (Moscow: 3, no daylight saving).
    pub utc_offset: i32,
    /// How the time zone is named to shoppers.
    pub zone_name: String,
}

impl Default for WorkingHours {
    fn default() -> Self {
        Self {
            from: 9,
            to: 21,
            utc_offset: 3,
            zone_name: "по Москве".to_owned(),
        }
    }
}

impl WorkingHours {
    pub fn contains(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        use chrono::Timelike;
        let hour = (now.hour() as i32 + self.utc_offset).rem_euclid(24) as u32;
        self.from <= hour && hour < self.to
    }

    /// «с 9:00 до 21:00 по Москве»
    pub fn describe(&self) -> String {
        format!("с {}:00 до {}:00 {}", self.from, self.to, self.zone_name)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    pub working_hours: WorkingHours,
    /// Assistant turns a conversation may take in a minute before people take over.
    pub max_turns_per_minute: usize,
    /// Who writes replies, in order of preference: `openai`, `yandexgpt`, `local`. The local
    /// responder is always the last resort, and people after it.
    pub responders: Vec<String>,
    /// How the shop speaks, in the merchant's words («тепло, с лёгким юмором»).
    pub persona: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            working_hours: WorkingHours::default(),
            max_turns_per_minute: 6,
            responders: vec!["local".to_owned()],
            persona: String::new(),
        }
    }
}

impl Settings {
    /// The model providers the tenant wants, in order; empty means the local responder only.
    /// Names that are not providers are skipped with a warning.
    pub fn model_providers(&self) -> Vec<ProviderKind> {
        self.responders
            .iter()
            .filter(|name| name.trim() != "local")
            .filter_map(|name| match name.parse() {
                Ok(kind) => Some(kind),
                Err(err) => {
                    tracing::warn!(error = %err, "tenant responder skipped");
                    None
                }
            })
            .collect()
    }

    /// A malformed document falls back to the defaults, loudly: a typo in settings must not
    /// silence the assistant.
    pub fn of(tenant_settings: &serde_json::Value) -> Settings {
        match tenant_settings.get("assistant") {
            None => Settings::default(),
            Some(doc) => serde_json::from_value(doc.clone()).unwrap_or_else(|err| {
                tracing::warn!(error = %err, "tenant assistant settings are invalid; using defaults");
                Settings::default()
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn responders_default_to_local_and_keep_the_tenant_order() {
        assert!(Settings::of(&json!({})).model_providers().is_empty());
        let settings = Settings::of(&json!({
            "assistant": { "responders": ["yandexgpt", "gigachat", "openai", "local"] }
        }));
        assert_eq!(
            settings.model_providers(),
            [ProviderKind::YandexGpt, ProviderKind::OpenAi]
        );
    }
}
