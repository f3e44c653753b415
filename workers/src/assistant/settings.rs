//! A tenant's assistant settings, read from `tenants.settings.assistant`; every field has a
//! default so an empty document is a working configuration.

use chrono_tz::Tz;
use otklik_db::tenants::Tenant;
use otklik_llm::ProviderKind;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct WorkingHours {
    /// Local hour the operators start, 0–23.
    pub from: u32,
    /// Local hour they stop, 1–24.
    pub to: u32,
    /// How the time zone is named to shoppers.
    pub zone_name: String,
    /// The tenant's zone (`tenants.timezone`), so daylight saving follows the tz database.
    #[serde(skip)]
    pub time_zone: Tz,
}

impl Default for WorkingHours {
    fn default() -> Self {
        Self {
            from: 9,
            to: 21,
            zone_name: "по Москве".to_owned(),
            time_zone: Tz::Europe__Moscow,
        }
    }
}

impl WorkingHours {
    pub fn contains(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        use chrono::Timelike;
        let hour = now.with_timezone(&self.time_zone).hour();
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
    /// Publish answers on marketplaces (public questions, reviews, chats) without an operator.
    /// Off by default: they are public and count toward the seller's rating, so a person approves
    /// the assistant's drafts until the merchant trusts it.
    pub marketplace_auto_publish: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            working_hours: WorkingHours::default(),
            max_turns_per_minute: 6,
            responders: vec!["local".to_owned()],
            persona: String::new(),
            marketplace_auto_publish: false,
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

    /// A malformed document or zone falls back to the defaults, loudly: a typo in settings
    /// must not silence the assistant.
    pub fn of(tenant: &Tenant) -> Settings {
        let mut settings: Settings = match tenant.settings.get("assistant") {
            None => Settings::default(),
            Some(doc) => serde_json::from_value(doc.clone()).unwrap_or_else(|err| {
                tracing::warn!(error = %err, "tenant assistant settings are invalid; using defaults");
                Settings::default()
            }),
        };
        match tenant.timezone.parse::<Tz>() {
            Ok(zone) => settings.working_hours.time_zone = zone,
            Err(err) => {
                tracing::warn!(timezone = %tenant.timezone, error = %err, "tenant time zone is unknown; using Moscow time");
            }
        }
        settings
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use otklik_schema::TenantId;
    use serde_json::json;

    use super::*;

    fn tenant(timezone: &str, settings: serde_json::Value) -> Tenant {
        Tenant {
            id: TenantId(1),
            name: "Ромашка".into(),
            slug: "romashka".into(),
            operator_only: false,
            timezone: timezone.into(),
            settings,
        }
    }

    #[test]
    fn working_hours_follow_the_tenant_zone_and_its_daylight_saving() {
        let hours = |zone: &str| Settings::of(&tenant(zone, json!({}))).working_hours;
        // 06:30 UTC in January: 09:30 in Moscow (UTC+3), 07:30 in Berlin (UTC+1).
        let winter = chrono::Utc.with_ymd_and_hms(2026, 1, 15, 6, 30, 0).single();
        // 07:30 UTC in July: 09:30 in Berlin (UTC+2 in summer).
        let summer = chrono::Utc.with_ymd_and_hms(2026, 7, 15, 7, 30, 0).single();
        let (Some(winter), Some(summer)) = (winter, summer) else {
            panic!("valid test instants");
        };
        assert!(hours("Europe/Moscow").contains(winter));
        assert!(!hours("Europe/Berlin").contains(winter));
        assert!(hours("Europe/Berlin").contains(summer));
        assert!(
            hours("Mars/Olympus").contains(winter),
            "an unknown zone is Moscow time"
        );
    }

    #[test]
    fn responders_default_to_local_and_keep_the_tenant_order() {
        assert!(
            Settings::of(&tenant("Europe/Moscow", json!({})))
                .model_providers()
                .is_empty()
        );
        let settings = Settings::of(&tenant(
            "Europe/Moscow",
            json!({
                "assistant": { "responders": ["yandexgpt", "gigachat", "openai", "local"] }
            }),
        ));
        assert_eq!(
            settings.model_providers(),
            [ProviderKind::YandexGpt, ProviderKind::OpenAi]
        );
    }
}
