//! A tenant's assistant settings, read from `tenants.settings.assistant`; every field has a
//! default so an empty document is a working configuration.

use chrono_tz::Tz;
use otklik_db::tenants::Tenant;
use otklik_llm::ProviderKind;
use otklik_nlu::Intent;
use serde::Deserialize;

use super::catalogue::{Arg, Speech};
use super::topics::Topic;

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct WorkingHours {
    /// Local hour the operators start, 0–23.
    pub from: u32,
    /// Local hour they stop, 1–24.
    pub to: u32,
    /// How the time zone is named to shoppers; empty names the tenant's zone by the catalogue
    /// («по Москве» for Moscow time).
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
            zone_name: String::new(),
            time_zone: Tz::Europe__Moscow,
        }
    }
}

impl WorkingHours {
    pub fn contains(&self, now: chrono::DateTime<chrono::Utc>) -> bool {
        use chrono::Timelike;
        let hour = now.with_timezone(&self.time_zone).hour();
        if self.from < self.to {
            self.from <= hour && hour < self.to
        } else {
            // Hours that span midnight: 20 to 2.
            hour >= self.from || hour < self.to
        }
    }

    /// «с 9:00 до 21:00 по Москве», in the reply's language.
    pub fn describe(&self, speech: Speech) -> String {
        let zone = if !self.zone_name.trim().is_empty() {
            self.zone_name.trim().to_owned()
        } else if self.time_zone == Tz::Europe__Moscow {
            speech.text("zone-moscow", &[])
        } else {
            speech.text("zone-named", &[("zone", Arg::Text(self.time_zone.name()))])
        };
        speech.text(
            "hours-span",
            &[
                ("from", Arg::Owned(self.from.to_string())),
                ("to", Arg::Owned(self.to.to_string())),
                ("zone", Arg::Owned(zone)),
            ],
        )
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// When operators answer; `None` (the default) means always.
    pub working_hours: Option<WorkingHours>,
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
    /// Tell shoppers, unasked, when an order they proved theirs ships, reaches the pickup
    /// point or is cancelled (messengers and web chat only; on by default).
    pub order_news: bool,
    pub tone: Tone,
    pub policies: Policies,
    pub handoff: HandoffRules,
}

/// How many words the assistant spends around the answer. Every tone says «вы» and stays
/// polite; only the warmth changes (voice.md).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tone {
    #[default]
    Neutral,
    /// A friendly closing line after an answer.
    Warm,
    /// The answer and a greeting, no pleasantries.
    Concise,
}

/// The shop's own policy texts. When one covers the question it is quoted ahead of the
/// knowledge base: the merchant wrote it for exactly this.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct Policies {
    pub returns: String,
    pub delivery: String,
    pub payment: String,
    pub warranty: String,
}

impl Policies {
    /// The policies as data a reply may quote, for the guardrails and the model.
    pub fn grounding(&self) -> String {
        self.topics()
            .filter(|(_, text)| !text.trim().is_empty())
            .map(|(title, text)| format!("Правила магазина, {title}: {}\n", text.trim()))
            .collect()
    }

    fn topics(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("возврат и обмен", self.returns.as_str()),
            ("доставка", self.delivery.as_str()),
            ("оплата", self.payment.as_str()),
            ("гарантия", self.warranty.as_str()),
        ]
        .into_iter()
    }

    /// The shop's policy on a general topic, if it wrote one.
    pub fn for_topic(&self, topic: Topic) -> Option<&str> {
        let text = match topic {
            Topic::Delivery => &self.delivery,
            Topic::Payment => &self.payment,
            Topic::Warranty => &self.warranty,
            Topic::Hours => return None,
        };
        Some(text.trim()).filter(|t| !t.is_empty())
    }

    /// The policy that answers a question, if the shop wrote one: by intent for returns, and
    /// by the words of the question for the rest («гарантия», «оплата», «доставка»).
    pub fn covering(&self, intent: Intent, question: &str) -> Option<&str> {
        let asked = question.to_lowercase().replace('ё', "е");
        let mentions = |stems: &[&str]| stems.iter().any(|s| asked.contains(s));
        let text = if matches!(
            intent,
            Intent::ReturnRequest | Intent::ExchangeRequest | Intent::RefundStatus
        ) {
            &self.returns
        } else if mentions(&["гарант"]) {
            &self.warranty
        } else if mentions(&["оплат", "оплач", "рассрочк", "наличны"]) {
            &self.payment
        } else if mentions(&["доставк", "доставля", "привез", "курьер"])
        {
            &self.delivery
        } else if mentions(&["возврат", "вернуть"]) {
            &self.returns
        } else {
            return None;
        };
        Some(text.trim()).filter(|t| !t.is_empty())
    }
}

/// When people take over whatever the assistant could say.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct HandoffRules {
    /// Intent labels (intents.md) that always go to people.
    pub intents: Vec<String>,
    /// Words that hand the conversation over when a shopper message contains one.
    pub keywords: Vec<String>,
    /// Bot replies in a row, with no operator between, after which people take over.
    pub after_bot_replies: Option<u32>,
}

impl HandoffRules {
    pub fn covers(&self, intent: Intent) -> bool {
        self.intents.iter().any(|label| label == intent.as_str())
    }

    /// The first keyword that starts a word of the text, without regard to case or «ё»:
    /// «суд» finds «в суде» but not «посуда».
    pub fn keyword_in(&self, text: &str) -> Option<&str> {
        let fold = |s: &str| s.to_lowercase().replace('ё', "е");
        let text = fold(text);
        self.keywords.iter().map(|k| k.trim()).find(|k| {
            let k = fold(k);
            !k.is_empty()
                && text.match_indices(&k).any(|(at, _)| {
                    !text[..at]
                        .chars()
                        .next_back()
                        .is_some_and(char::is_alphanumeric)
                })
        })
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            working_hours: None,
            max_turns_per_minute: 6,
            responders: vec!["local".to_owned()],
            persona: String::new(),
            marketplace_auto_publish: false,
            order_news: true,
            tone: Tone::default(),
            policies: Policies::default(),
            handoff: HandoffRules::default(),
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
        Self::from_document(&tenant.settings, &tenant.timezone)
    }

    /// The settings in a tenant's `settings` document, with its time zone (`tenants.timezone`).
    pub fn from_document(document: &serde_json::Value, timezone: &str) -> Settings {
        let mut settings: Settings = match document.get("assistant") {
            None => Settings::default(),
            Some(doc) => serde_json::from_value(doc.clone()).unwrap_or_else(|err| {
                tracing::warn!(error = %err, "tenant assistant settings are invalid; using defaults");
                Settings::default()
            }),
        };
        match timezone.parse::<Tz>() {
            Ok(zone) => {
                if let Some(hours) = &mut settings.working_hours {
                    hours.time_zone = zone;
                }
            }
            Err(err) => {
                tracing::warn!(%timezone, error = %err, "tenant time zone is unknown; using Moscow time");
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
            awaiting_verification: false,
        }
    }

    #[test]
    fn working_hours_follow_the_tenant_zone_and_its_daylight_saving() {
        let hours = |zone: &str| {
            Settings::of(&tenant(
                zone,
                json!({"assistant": {"working_hours": {"from": 9, "to": 21}}}),
            ))
            .working_hours
            .unwrap_or_else(|| panic!("hours are set"))
        };
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
    fn working_hours_may_span_midnight() {
        let night = Settings::of(&tenant(
            "Europe/Moscow",
            json!({"assistant": {"working_hours": {"from": 20, "to": 2}}}),
        ))
        .working_hours
        .unwrap_or_else(|| panic!("hours are set"));
        // Moscow is UTC+3: 18:30, 22:30 and 00:30 UTC are 21:30, 01:30 and 03:30 there.
        let at = |hour| {
            chrono::Utc
                .with_ymd_and_hms(2026, 3, 10, hour, 30, 0)
                .single()
                .unwrap_or_else(|| panic!("a valid instant"))
        };
        assert!(night.contains(at(18)));
        assert!(night.contains(at(22)));
        assert!(!night.contains(at(0)));
        assert!(!night.contains(at(12)));
    }

    #[test]
    fn tone_policies_and_handoff_rules_are_read_with_defaults() {
        let plain = Settings::of(&tenant("Europe/Moscow", json!({})));
        assert_eq!(plain.tone, Tone::Neutral);
        assert!(plain.working_hours.is_none(), "no hours set: always");
        assert!(
            plain
                .policies
                .covering(Intent::ReturnRequest, "как вернуть?")
                .is_none()
        );
        assert!(plain.handoff.keyword_in("подам в суд").is_none());

        let settings = Settings::of(&tenant(
            "Europe/Moscow",
            json!({"assistant": {
                "tone": "warm",
                "policies": {"returns": "  Возврат в течение 30 дней.  ", "warranty": "Гарантия год."},
                "handoff": {"intents": ["order_cancel"], "keywords": ["Юрист", "суд"]}
            }}),
        ));
        assert_eq!(settings.tone, Tone::Warm);
        assert_eq!(
            settings
                .policies
                .covering(Intent::ExchangeRequest, "поменять размер"),
            Some("Возврат в течение 30 дней.")
        );
        assert_eq!(
            settings
                .policies
                .covering(Intent::Other, "Какая ГАРАНТИЯ на чайник?"),
            Some("Гарантия год.")
        );
        assert_eq!(
            settings.policies.covering(Intent::Other, "когда доставка?"),
            None,
            "no delivery policy written"
        );
        assert!(settings.handoff.covers(Intent::OrderCancel));
        assert!(!settings.handoff.covers(Intent::OrderStatus));
        assert_eq!(
            settings.handoff.keyword_in("Мне нужен ЮРИСТ"),
            Some("Юрист")
        );
        assert_eq!(settings.handoff.keyword_in("пойду в суд"), Some("суд"));
        assert_eq!(
            settings.handoff.keyword_in("где моя посуда?"),
            None,
            "a keyword inside another word is not it"
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
