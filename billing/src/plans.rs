//! Plans as data. Prices, limits and the provider's price ids live in a TOML file
//! (`config/plans.toml`), so changing what a plan costs or includes is a config change, not a
//! release. The file is validated as a whole at start-up: a typo must stop the process instead
//! of billing someone by the wrong plan.

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Days, Utc};
use figment::Figment;
use figment::providers::{Format, Toml};
use serde::Deserialize;

/// A plan's stable identifier (`start`, `business`, `pro`): what tenants and price lookups
/// refer to, while the display name may change.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PlanCode(String);

impl PlanCode {
    /// Lower-case ASCII letters, digits, `-` and `_`, at most 32 characters, so a code is safe
    /// inside idempotency keys and metadata.
    pub fn parse(code: &str) -> Result<Self, CatalogError> {
        let valid = !code.is_empty()
            && code.len() <= 32
            && code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
        if valid {
            Ok(Self(code.to_owned()))
        } else {
            Err(CatalogError::Invalid(format!(
                "`{code}` is not a plan code: use 1-32 of a-z, 0-9, `-`, `_`"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PlanCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An ISO 4217 code, kept upper-case; Stripe's lower-case spelling is converted on the way in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Currency(String);

impl Currency {
    pub fn parse(code: &str) -> Result<Self, CatalogError> {
        if code.len() == 3 && code.bytes().all(|b| b.is_ascii_alphabetic()) {
            Ok(Self(code.to_ascii_uppercase()))
        } else {
            Err(CatalogError::Invalid(format!(
                "`{code}` is not a currency: expected three letters such as USD"
            )))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An amount in the currency's minor units (cents, kopecks): integers, so sums are exact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Money {
    pub minor: u64,
    pub currency: Currency,
}

/// The provider-side prices a plan is sold as. Stripe sells a plan as two prices on one
/// subscription: the flat monthly fee (billed in advance) and the per-reply overage on a
/// Billing Meter (billed in arrears, first `included_replies` free via a graduated tier).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripePrices {
    pub flat: String,
    pub metered: String,
}

/// One plan a tenant can be on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub code: PlanCode,
    pub name: String,
    pub monthly_price: Money,
    /// AI replies per billing period covered by the monthly price.
    pub included_replies: u64,
    pub channels: u32,
    pub operator_seats: u32,
    /// What each reply beyond `included_replies` costs.
    pub overage_per_reply: Money,
    pub stripe: StripePrices,
    /// The plan in roubles, for tenants paying through ЮKassa; `None` where the plan is not
    /// sold in roubles.
    pub rub: Option<RoublePrices>,
}

/// A plan's prices in kopecks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoublePrices {
    pub monthly_price: Money,
    pub overage_per_reply: Money,
}

/// The free trial every new tenant starts with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trial {
    pub days: u32,
    /// AI replies allowed during the whole trial; there is no overage to bill yet.
    pub reply_cap: u64,
    /// Whose limits (channels, seats) apply during the trial.
    pub plan: PlanCode,
}

impl Trial {
    /// When a trial that started at `start` ends.
    pub fn ends_at(&self, start: DateTime<Utc>) -> DateTime<Utc> {
        start
            .checked_add_days(Days::new(u64::from(self.days)))
            .unwrap_or(DateTime::<Utc>::MAX_UTC)
    }
}

/// Every plan on sale plus the trial, validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    plans: Vec<Plan>,
    trial: Trial,
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read the plan catalog {}: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// Not TOML, or a field is missing or has the wrong type; figment names the key.
    #[error("plan catalog: {0}")]
    Parse(Box<figment::Error>),
    #[error("unknown plan code `{0}`")]
    UnknownPlan(String),
    #[error("plan catalog: plan code `{0}` appears more than once")]
    DuplicatePlan(String),
    #[error("plan catalog: plan `{plan}` has a negative {field} ({value})")]
    NegativeAmount {
        plan: String,
        field: &'static str,
        value: i64,
    },
    #[error("plan catalog: {0}")]
    Invalid(String),
}

impl Catalog {
    /// Reads and validates a catalog file such as `config/plans.toml`.
    pub fn load(path: &Path) -> Result<Self, CatalogError> {
        // Read it ourselves: figment treats a missing file as an empty one.
        let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Read {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml(&text)
    }

    /// The catalog shipped in `config/plans.toml`, compiled in: the default when a deployment
    /// configures no file of its own. Its Stripe price ids are placeholders.
    pub fn builtin() -> Result<Self, CatalogError> {
        Self::from_toml(BUILTIN)
    }

    pub fn from_toml(text: &str) -> Result<Self, CatalogError> {
        let raw: RawCatalog = Figment::from(Toml::string(text))
            .extract()
            .map_err(|err| CatalogError::Parse(Box::new(err)))?;
        raw.validate()
    }

    pub fn plans(&self) -> &[Plan] {
        &self.plans
    }

    pub fn trial(&self) -> &Trial {
        &self.trial
    }

    pub fn plan(&self, code: &str) -> Result<&Plan, CatalogError> {
        self.plans
            .iter()
            .find(|plan| plan.code.as_str() == code)
            .ok_or_else(|| CatalogError::UnknownPlan(code.to_owned()))
    }

    /// The plan sold through this Stripe price (flat or metered): how a subscription seen at
    /// Stripe, possibly changed in the billing portal, maps back to a plan.
    pub fn plan_by_stripe_price(&self, price: &str) -> Option<&Plan> {
        self.plans
            .iter()
            .find(|plan| plan.stripe.flat == price || plan.stripe.metered == price)
    }
}

const BUILTIN: &str = include_str!("../../config/plans.toml");

/// The file's shape. Amounts are read signed so a negative price gets its own error instead
/// of a type mismatch.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    trial: RawTrial,
    plans: Vec<RawPlan>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrial {
    days: u32,
    reply_cap: u64,
    plan: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlan {
    code: String,
    name: String,
    currency: String,
    monthly_price: i64,
    included_replies: u64,
    channels: u32,
    operator_seats: u32,
    overage_per_reply: i64,
    stripe_flat_price: String,
    stripe_metered_price: String,
    /// Kopecks a month, for tenants paying in roubles.
    #[serde(default)]
    rub_monthly_price: Option<i64>,
    #[serde(default)]
    rub_overage_per_reply: Option<i64>,
}

impl RawCatalog {
    fn validate(self) -> Result<Catalog, CatalogError> {
        if self.plans.is_empty() {
            return Err(CatalogError::Invalid("no plans defined".into()));
        }
        let mut codes = HashSet::new();
        let mut prices = HashSet::new();
        let mut plans = Vec::with_capacity(self.plans.len());
        for raw in self.plans {
            let plan = raw.validate()?;
            if !codes.insert(plan.code.clone()) {
                return Err(CatalogError::DuplicatePlan(plan.code.0));
            }
            // A price shared by two plans would make a subscription's plan ambiguous.
            for price in [&plan.stripe.flat, &plan.stripe.metered] {
                if !prices.insert(price.clone()) {
                    return Err(CatalogError::Invalid(format!(
                        "Stripe price `{price}` is used more than once"
                    )));
                }
            }
            plans.push(plan);
        }
        let trial_plan = PlanCode::parse(&self.trial.plan)?;
        if !codes.contains(&trial_plan) {
            return Err(CatalogError::UnknownPlan(self.trial.plan));
        }
        if self.trial.days == 0 || self.trial.reply_cap == 0 {
            return Err(CatalogError::Invalid(
                "trial days and reply_cap must be positive".into(),
            ));
        }
        Ok(Catalog {
            plans,
            trial: Trial {
                days: self.trial.days,
                reply_cap: self.trial.reply_cap,
                plan: trial_plan,
            },
        })
    }
}

impl RawPlan {
    fn validate(self) -> Result<Plan, CatalogError> {
        let code = PlanCode::parse(&self.code)?;
        let currency = Currency::parse(&self.currency)?;
        let amount = |field: &'static str, value: i64| {
            u64::try_from(value).map_err(|_| CatalogError::NegativeAmount {
                plan: self.code.clone(),
                field,
                value,
            })
        };
        let monthly_price = amount("monthly_price", self.monthly_price)?;
        let overage = amount("overage_per_reply", self.overage_per_reply)?;
        let rub = match (self.rub_monthly_price, self.rub_overage_per_reply) {
            (None, None) => None,
            (Some(monthly), Some(overage)) => {
                let rouble = |minor| Money {
                    minor,
                    currency: Currency("RUB".into()),
                };
                Some(RoublePrices {
                    monthly_price: rouble(amount("rub_monthly_price", monthly)?),
                    overage_per_reply: rouble(amount("rub_overage_per_reply", overage)?),
                })
            }
            _ => {
                return Err(CatalogError::Invalid(format!(
                    "plan `{code}` needs both rub_monthly_price and rub_overage_per_reply, or neither"
                )));
            }
        };
        if self.name.trim().is_empty() {
            return Err(CatalogError::Invalid(format!("plan `{code}` has no name")));
        }
        if self.stripe_flat_price.is_empty() || self.stripe_metered_price.is_empty() {
            return Err(CatalogError::Invalid(format!(
                "plan `{code}` needs both stripe_flat_price and stripe_metered_price"
            )));
        }
        Ok(Plan {
            code,
            name: self.name,
            monthly_price: Money {
                minor: monthly_price,
                currency: currency.clone(),
            },
            included_replies: self.included_replies,
            channels: self.channels,
            operator_seats: self.operator_seats,
            overage_per_reply: Money {
                minor: overage,
                currency,
            },
            stripe: StripePrices {
                flat: self.stripe_flat_price,
                metered: self.stripe_metered_price,
            },
            rub,
        })
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn plan(code: &str, monthly_price: i64, flat: &str, metered: &str) -> String {
        format!(
            r#"
[[plans]]
code = "{code}"
name = "Plan {code}"
currency = "usd"
monthly_price = {monthly_price}
included_replies = 1000
channels = 2
operator_seats = 2
overage_per_reply = 5
stripe_flat_price = "{flat}"
stripe_metered_price = "{metered}"
"#
        )
    }

    fn catalog(trial_plan: &str, plans: &[String]) -> Result<Catalog, CatalogError> {
        let text = format!(
            "[trial]\ndays = 14\nreply_cap = 300\nplan = \"{trial_plan}\"\n{}",
            plans.concat()
        );
        Catalog::from_toml(&text)
    }

    #[test]
    fn the_shipped_catalog_sells_start_business_and_pro() {
        let catalog = Catalog::builtin().expect("config/plans.toml is valid");
        let prices: Vec<(&str, u64, &str)> = catalog
            .plans()
            .iter()
            .map(|p| {
                (
                    p.code.as_str(),
                    p.monthly_price.minor,
                    p.monthly_price.currency.as_str(),
                )
            })
            .collect();
        assert_eq!(
            prices,
            [
                ("start", 20_000, "USD"),
                ("business", 40_000, "USD"),
                ("pro", 60_000, "USD")
            ]
        );
        let roubles: Vec<(u64, u64)> = catalog
            .plans()
            .iter()
            .map(|p| {
                let rub = p
                    .rub
                    .as_ref()
                    .expect("every shipped plan is sold in roubles");
                assert_eq!(rub.monthly_price.currency.as_str(), "RUB");
                (rub.monthly_price.minor, rub.overage_per_reply.minor)
            })
            .collect();
        assert_eq!(
            roubles,
            [(1_990_000, 700), (3_990_000, 500), (5_990_000, 350)]
        );
        assert_eq!(catalog.trial().days, 14);
        assert!(catalog.trial().reply_cap > 0);
        let pro = catalog.plan("pro").expect("pro is on sale");
        assert!(pro.included_replies > catalog.plan("start").expect("start").included_replies);
        assert_eq!(
            catalog
                .plan_by_stripe_price(&pro.stripe.metered)
                .map(|p| p.code.as_str()),
            Some("pro")
        );
    }

    #[test]
    fn currency_is_normalised_and_trial_end_is_computed() {
        let catalog = catalog("a", &[plan("a", 100, "price_a", "price_am")]).expect("valid");
        assert_eq!(catalog.plans()[0].monthly_price.currency.as_str(), "USD");
        let start = Utc
            .with_ymd_and_hms(2026, 1, 25, 10, 0, 0)
            .single()
            .expect("date");
        assert_eq!(
            catalog.trial().ends_at(start),
            Utc.with_ymd_and_hms(2026, 2, 8, 10, 0, 0)
                .single()
                .expect("date")
        );
    }

    #[test]
    fn unknown_plan_codes_are_errors() {
        let err = catalog("gold", &[plan("a", 100, "price_a", "price_am")]).expect_err("gold");
        assert!(
            matches!(err, CatalogError::UnknownPlan(ref code) if code == "gold"),
            "{err}"
        );
        let ok = catalog("a", &[plan("a", 100, "price_a", "price_am")]).expect("valid");
        assert!(matches!(ok.plan("gold"), Err(CatalogError::UnknownPlan(_))));
        assert_eq!(ok.plan_by_stripe_price("price_other"), None);
    }

    #[test]
    fn duplicate_codes_and_shared_prices_are_rejected() {
        let err = catalog(
            "a",
            &[
                plan("a", 100, "price_a", "price_am"),
                plan("a", 200, "price_b", "price_bm"),
            ],
        )
        .expect_err("duplicate");
        assert!(
            matches!(err, CatalogError::DuplicatePlan(ref code) if code == "a"),
            "{err}"
        );

        let err = catalog(
            "a",
            &[
                plan("a", 100, "price_a", "price_m"),
                plan("b", 200, "price_b", "price_m"),
            ],
        )
        .expect_err("shared price");
        assert!(err.to_string().contains("price_m"), "{err}");
    }

    #[test]
    fn negative_prices_are_rejected_by_name() {
        let err = catalog("a", &[plan("a", -100, "price_a", "price_am")]).expect_err("negative");
        assert!(
            matches!(
                err,
                CatalogError::NegativeAmount {
                    ref plan,
                    field: "monthly_price",
                    value: -100
                } if plan == "a"
            ),
            "{err}"
        );
        let overage = plan("a", 100, "price_a", "price_am")
            .replace("overage_per_reply = 5", "overage_per_reply = -1");
        let err = catalog("a", &[overage]).expect_err("negative overage");
        assert!(
            matches!(
                err,
                CatalogError::NegativeAmount {
                    field: "overage_per_reply",
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn malformed_files_name_the_problem() {
        let err = Catalog::from_toml("[trial]\ndays = 14\n").expect_err("incomplete");
        assert!(matches!(err, CatalogError::Parse(_)), "{err}");

        let typo = plan("a", 100, "price_a", "price_am").replace("channels", "chanels");
        let err = catalog("a", &[typo]).expect_err("unknown field");
        assert!(err.to_string().contains("chanels"), "{err}");

        let err = catalog("a", &[plan("A b", 100, "price_a", "price_am")]).expect_err("code");
        assert!(err.to_string().contains("not a plan code"), "{err}");

        let empty = "plans = []\n[trial]\ndays = 14\nreply_cap = 300\nplan = \"a\"\n";
        let err = Catalog::from_toml(empty).expect_err("no plans");
        assert!(matches!(err, CatalogError::Invalid(_)), "{err}");

        let missing = Catalog::load(Path::new("/nonexistent/plans.toml")).expect_err("missing");
        assert!(matches!(missing, CatalogError::Read { .. }), "{missing}");
    }
}
