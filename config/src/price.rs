//! What a model provider charges, so each turn's cost can be recorded as it happens.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

/// Prices per million tokens, held in millionths of `currency` so sums stay exact.
/// Written as `"<prompt> <completion> <currency>"`: `"0.15 0.60 USD"`, `"200 200 RUB"`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Price {
    prompt_micros: u64,
    completion_micros: u64,
    currency: String,
}

/// What a call cost, in millionths of the currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cost {
    pub micros: u64,
    pub currency: String,
}

impl Price {
    /// Millionths of `currency` per million prompt and completion tokens.
    pub fn per_million(prompt_micros: u64, completion_micros: u64, currency: &str) -> Self {
        Self {
            prompt_micros,
            completion_micros,
            currency: currency.to_owned(),
        }
    }

    /// Rounded up: a fraction of a micro-unit is still spent.
    pub fn cost(&self, prompt_tokens: u64, completion_tokens: u64) -> Cost {
        let total = u128::from(prompt_tokens) * u128::from(self.prompt_micros)
            + u128::from(completion_tokens) * u128::from(self.completion_micros);
        Cost {
            micros: u64::try_from(total.div_ceil(1_000_000)).unwrap_or(u64::MAX),
            currency: self.currency.clone(),
        }
    }
}

/// A price that does not read as `"<prompt> <completion> <currency>"`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "`{0}` is not a price; expected `<prompt> <completion> <currency>` per million tokens, such as `0.15 0.60 USD`"
)]
pub struct InvalidPrice(String);

impl FromStr for Price {
    type Err = InvalidPrice;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let invalid = || InvalidPrice(s.to_owned());
        let parts: Vec<&str> = s.split([' ', ',']).filter(|p| !p.is_empty()).collect();
        let [prompt, completion, currency] = parts.as_slice() else {
            return Err(invalid());
        };
        let currency_ok = currency.len() == 3 && currency.chars().all(|c| c.is_ascii_alphabetic());
        if !currency_ok {
            return Err(invalid());
        }
        Ok(Self {
            prompt_micros: micros(prompt).ok_or_else(invalid)?,
            completion_micros: micros(completion).ok_or_else(invalid)?,
            currency: currency.to_ascii_uppercase(),
        })
    }
}

impl TryFrom<String> for Price {
    type Error = InvalidPrice;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl fmt::Display for Price {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |m: u64| format!("{}.{:06}", m / 1_000_000, m % 1_000_000);
        write!(
            f,
            "{} {} {}",
            show(self.prompt_micros),
            show(self.completion_micros),
            self.currency
        )
    }
}

/// `"0.15"` → 150000; at most six decimals, no sign, no exponent.
fn micros(decimal: &str) -> Option<u64> {
    let (whole, fraction) = decimal.split_once('.').unwrap_or((decimal, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty() || !digits(whole) || !digits(fraction) || fraction.len() > 6 {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let fraction: u64 = format!("{fraction:0<6}").parse().ok()?;
    whole.checked_mul(1_000_000)?.checked_add(fraction)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prices_parse_exactly_and_round_costs_up() {
        let price: Price = "0.15 0.60 USD".parse().expect("a price");
        assert_eq!(price.to_string(), "0.150000 0.600000 USD");
        // 85 prompt + 18 completion tokens: 12.75 + 10.8 micro-dollars.
        assert_eq!(price.cost(85, 18).micros, 24);
        assert_eq!(price.cost(0, 0).micros, 0);
        let rub: Price = "200,200,rub".parse().expect("a price");
        assert_eq!(
            rub.cost(1000, 0),
            Cost {
                micros: 200_000,
                currency: "RUB".into()
            }
        );
    }

    #[test]
    fn malformed_prices_are_refused() {
        for bad in [
            "",
            "0.15 USD",
            "0.15 0.60 US",
            "-1 0 USD",
            "1e3 0 USD",
            "0.1234567 0 USD",
            "a b USD",
        ] {
            assert!(bad.parse::<Price>().is_err(), "{bad:?} was accepted");
        }
    }
}
