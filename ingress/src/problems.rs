//! What can be wrong with one field of a request, as a stable `code` with the numbers and values
//! a client needs to say it in its own words. The dashboard words it by code in each of its
//! languages (the `problem` section of `assets/app/strings.*.js`), so rewording an English
//! message never breaks it.

use std::fmt;

/// One kind of problem with a field; serialized as `{"code": "too_long", "max": 200}`.
/// The English message is [`Display`](fmt::Display); codes and parameter names are stable.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Problem {
    /// Empty, or only spaces.
    Required,
    /// Shorter than `min` characters.
    TooShort {
        min: usize,
    },
    /// Longer than `max` characters.
    TooLong {
        max: usize,
    },
    /// Not `min` to `max` characters long.
    LengthOutOfRange {
        min: usize,
        max: usize,
    },
    /// Line breaks or other control characters where one line is expected.
    NotOneLine,
    InvalidEmail,
    /// A consent that must be given (`true`), such as accepting the terms at sign-up.
    ConsentRequired,
    /// A shop address: `min` to `max` of `a-z`, `0-9` and `-`, not starting with `-`.
    InvalidSlug {
        min: usize,
        max: usize,
    },
    /// A quick reply's shortcut: 1 to `max` of `a-z`, `0-9`, `_` and `-`.
    InvalidShortcut {
        max: usize,
    },
    NotHttpUrl,
    /// A URL that leads off this installation's public origin (`OTKLIK_PUBLIC_URL`).
    NotOwnOrigin,
    NotText,
    /// A NUL character (U+0000) in a text, which nothing here can store; `at` is its JSON
    /// pointer in the body.
    NulCharacter {
        at: String,
    },
    NotObject,
    /// An object with keys other than `expected`.
    UnexpectedKeys {
        expected: Vec<&'static str>,
    },
    /// Not one of `allowed`.
    NotOneOf {
        allowed: Vec<&'static str>,
    },
    /// A list with `values` that are not among `allowed`.
    UnknownValues {
        values: Vec<String>,
        allowed: Vec<&'static str>,
    },
    /// An empty list where at least one of `allowed` is needed.
    NoneChosen {
        allowed: Vec<&'static str>,
    },
    /// A list of more than `max` items.
    TooMany {
        max: usize,
    },
    /// A list item longer than `max` characters.
    ItemTooLong {
        max: usize,
    },
    /// A tag not 1 to `max` characters, or with a comma or semicolon (they separate tags).
    InvalidTag {
        max: usize,
    },
    /// A number below `min` or above `max` (no upper bound when absent); `null`, no limit at
    /// all, is accepted too.
    OutOfRange {
        min: i64,
        #[serde(skip_serializing_if = "Option::is_none")]
        #[schema(nullable = false)]
        max: Option<i64>,
    },
    /// Working hours that do not start before they end, within 0 to 24.
    InvalidHours,
    /// An edit that sends none of `fields`.
    NothingToChange {
        fields: Vec<&'static str>,
    },
    /// An `Idempotency-Key` that came with a different request before.
    KeyReused,
    /// No active user with this id in the shop.
    NoSuchUser,
    /// A conversation given to a viewer, who may only read.
    ViewerCannotHandle,
    /// An admin changing their own role or access, which could lock the shop out.
    OwnAccount,
    ShortcutTaken,
    /// Not shaped like a Telegram bot token.
    BotTokenMalformed,
    /// Telegram refused the token.
    BotTokenRejected,
    /// MAX refused the bot token.
    MaxTokenRejected,
    /// VK refused the community token.
    VkTokenRejected,
    /// The token does not manage this community (another community's, or without the rights).
    VkCommunityNotManaged,
    /// A WhatsApp phone number id that is not 1 to `max` digits.
    WhatsappNumberIdMalformed {
        max: usize,
    },
    /// Meta refused the access token (invalid or expired).
    WhatsappTokenRejected,
    /// Meta has no such number, or this token may not use it.
    WhatsappNumberNotAccessible,
    /// A dead letter whose job no longer decodes, so it cannot be replayed.
    PayloadUndecodable,
    /// The billing service cannot serve this plan request (an unknown plan, no subscription to
    /// change yet); its reason is the message.
    PlanUnavailable {
        #[serde(skip)]
        reason: String,
    },
    /// An imported CSV row with another number of fields than the header.
    WrongFieldCount {
        expected: usize,
        found: usize,
    },
    /// Imported Markdown text before the first `# Title`, so in no article.
    BeforeFirstHeading,
    /// An import file without a single article.
    NoArticles,
    /// A report period that ends before it starts or spans more than `max_days` days.
    InvalidPeriod {
        max_days: i64,
    },
    /// An ИНН: 10 digits (a company) or 12 (an entrepreneur) whose check digits match.
    InvalidInn,
    /// A company's КПП: 9 characters (digits; the 5th and 6th may be capital Latin letters).
    InvalidKpp,
    /// A КПП given for an entrepreneur (12-digit ИНН), who has none.
    KppNotForEntrepreneur,
    /// An ОГРН (13 digits, a company) or ОГРНИП (15, an entrepreneur), as the ИНН says, whose
    /// check digit matches.
    InvalidOgrn {
        digits: usize,
    },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Required => f.write_str("must not be empty"),
            Self::TooShort { min } => write!(f, "at least {min} characters"),
            Self::TooLong { max } => write!(f, "at most {max} characters"),
            Self::LengthOutOfRange { min, max } => write!(f, "{min} to {max} characters"),
            Self::NotOneLine => f.write_str("one line without control characters"),
            Self::InvalidEmail => f.write_str("not an e-mail address"),
            Self::ConsentRequired => f.write_str("must be true: this consent is required"),
            Self::InvalidSlug { min, max } => write!(
                f,
                "{min} to {max} lower-case latin letters, digits or dashes, starting with a \
                 letter or digit"
            ),
            Self::InvalidShortcut { max } => write!(f, "1 to {max} of a-z, 0-9, _ and -"),
            Self::NotHttpUrl => f.write_str("an http(s) URL"),
            Self::NotOwnOrigin => f.write_str("a URL on this site's own address"),
            Self::NotText => f.write_str("must be text"),
            Self::NulCharacter { at } => write!(f, "a NUL character (U+0000) at {at}"),
            Self::NotObject => f.write_str("must be an object"),
            Self::UnexpectedKeys { expected } => {
                let keys: Vec<String> = expected.iter().map(|key| format!("\"{key}\"")).collect();
                write!(f, "expected {{{}}}", keys.join(", "))
            }
            Self::NotOneOf { allowed } => write!(f, "one of {}", allowed.join(", ")),
            Self::UnknownValues { values, allowed } => write!(
                f,
                "unknown {}: use {}",
                values.join(", "),
                allowed.join(", ")
            ),
            Self::NoneChosen { allowed } => write!(f, "a non-empty list of {}", allowed.join(", ")),
            Self::TooMany { max } => write!(f, "at most {max} items"),
            Self::ItemTooLong { max } => write!(f, "each at most {max} characters"),
            Self::InvalidTag { max } => write!(
                f,
                "each tag 1 to {max} characters, without commas or semicolons"
            ),
            Self::OutOfRange {
                min,
                max: Some(max),
            } => {
                write!(f, "{min} to {max}, or null for no limit")
            }
            Self::OutOfRange { min, max: None } => write!(f, "{min} or more, or null for no limit"),
            Self::InvalidHours => f.write_str("from 0 to 23 and to 1 to 24, not the same hour"),
            Self::NothingToChange { fields } => write!(f, "send {} to change", fields.join(" or ")),
            Self::KeyReused => f.write_str("this key was already used for a different request"),
            Self::NoSuchUser => f.write_str("no active user with this id in the shop"),
            Self::ViewerCannotHandle => f.write_str("viewers cannot handle conversations"),
            Self::OwnAccount => {
                f.write_str("you cannot change your own role or access; ask another admin")
            }
            Self::ShortcutTaken => f.write_str("another quick reply already uses this shortcut"),
            Self::BotTokenMalformed => {
                f.write_str("a bot token looks like 123456789:AA… — copy it from @BotFather")
            }
            Self::BotTokenRejected => {
                f.write_str("Telegram does not accept this token: copy it again from @BotFather")
            }
            Self::MaxTokenRejected => {
                f.write_str("MAX does not accept this token: copy it again from business.max.ru")
            }
            Self::VkTokenRejected => f.write_str(
                "VK does not accept this token: create a community token with the rights to \
                 manage the community and its messages",
            ),
            Self::VkCommunityNotManaged => f.write_str(
                "this token does not manage this community: check the community id and the \
                 token's rights",
            ),
            Self::WhatsappNumberIdMalformed { max } => write!(
                f,
                "1 to {max} digits: the phone number id from WhatsApp Manager, not the number itself"
            ),
            Self::WhatsappTokenRejected => f.write_str(
                "Meta does not accept this access token: create a system user token with \
                 whatsapp_business_messaging",
            ),
            Self::WhatsappNumberNotAccessible => f.write_str(
                "this token cannot use this phone number: check the phone number id and the \
                 token's access to the WhatsApp Business account",
            ),
            Self::PayloadUndecodable => {
                f.write_str("the job's payload no longer decodes; it cannot be replayed")
            }
            Self::PlanUnavailable { reason } => f.write_str(reason),
            Self::WrongFieldCount { expected, found } => write!(
                f,
                "expected {expected} fields as in the header, found {found}"
            ),
            Self::BeforeFirstHeading => {
                f.write_str("text before the first `# Title` heading belongs to no article")
            }
            Self::NoArticles => f.write_str("the file holds no articles"),
            Self::InvalidPeriod { max_days } => write!(
                f,
                "`from` must not be after `to`, and the period at most {max_days} days"
            ),
            Self::InvalidInn => {
                f.write_str("10 digits (a company) or 12 (an entrepreneur) with valid check digits")
            }
            Self::InvalidKpp => f.write_str("a company's КПП: 9 characters"),
            Self::KppNotForEntrepreneur => f.write_str("an entrepreneur has no КПП"),
            Self::InvalidOgrn { digits } => {
                write!(f, "{digits} digits with a valid check digit")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use serde_json::json;
    use utoipa::PartialSchema;

    use super::*;
    use crate::dashboard::catalogues::{CATALOGUES, keys};

    /// Every code, as the OpenAPI document lists them.
    fn codes() -> BTreeSet<String> {
        let schema = serde_json::to_value(Problem::schema()).expect("schema");
        let variants = schema["oneOf"].as_array().expect("one schema per problem");
        variants
            .iter()
            .map(|variant| {
                variant["properties"]["code"]["enum"][0]
                    .as_str()
                    .expect("a code")
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn every_code_has_text_in_each_of_the_dashboards_languages() {
        let codes = codes();
        assert!(codes.len() > 30, "{codes:?}");
        for (name, catalogue) in CATALOGUES {
            let translated = keys(catalogue, "problem");
            let missing: Vec<&String> = codes.difference(&translated).collect();
            assert!(missing.is_empty(), "no text in {name} for {missing:?}");
            let stale: Vec<&String> = translated.difference(&codes).collect();
            assert!(
                stale.is_empty(),
                "{name} words codes the API never sends: {stale:?}"
            );
        }
    }

    #[test]
    fn a_problem_is_its_code_and_parameters() {
        assert_eq!(
            serde_json::to_value(Problem::TooLong { max: 200 }).expect("json"),
            json!({"code": "too_long", "max": 200})
        );
        assert_eq!(
            serde_json::to_value(Problem::OutOfRange { min: 0, max: None }).expect("json"),
            json!({"code": "out_of_range", "min": 0})
        );
        let refused = Problem::PlanUnavailable {
            reason: "unknown plan code `gold`".into(),
        };
        assert_eq!(
            serde_json::to_value(&refused).expect("json"),
            json!({"code": "plan_unavailable"})
        );
        assert_eq!(refused.to_string(), "unknown plan code `gold`");
        assert_eq!(
            Problem::UnexpectedKeys {
                expected: vec!["client_id", "api_key"]
            }
            .to_string(),
            r#"expected {"client_id", "api_key"}"#
        );
        assert_eq!(
            serde_json::to_value(Problem::Required).expect("json"),
            json!({"code": "required"})
        );
    }
}
