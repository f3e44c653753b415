//! ЮKassa's amounts: `{"value": "400.00", "currency": "RUB"}`, the value a decimal string in
//! roubles. Ours are integers of kopecks; these convert exactly, without floats.

use serde::{Deserialize, Serialize};

use crate::plans::{Currency, Money};

/// An amount as ЮKassa writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    pub value: String,
    pub currency: String,
}

impl Amount {
    pub fn from_money(money: &Money) -> Self {
        Self {
            value: format!("{}.{:02}", money.minor / 100, money.minor % 100),
            currency: money.currency.as_str().to_owned(),
        }
    }

    /// Digits, optionally a point and one or two digits: anything else (signs, exponents,
    /// fractions of a kopeck, overflow) is refused rather than rounded.
    pub fn to_money(&self) -> Result<Money, String> {
        let currency = Currency::parse(&self.currency).map_err(|err| err.to_string())?;
        let (whole, fraction) = self
            .value
            .split_once('.')
            .unwrap_or((self.value.as_str(), ""));
        let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || (self.value.contains('.') && !digits(fraction)) || fraction.len() > 2 {
            return Err(format!("`{}` is not an amount", self.value));
        }
        let whole: u64 = whole
            .parse()
            .map_err(|_| format!("`{}` is too large", self.value))?;
        let kopecks: u64 = match fraction.len() {
            0 => 0,
            1 => u64::from(fraction.as_bytes()[0] - b'0') * 10,
            _ => fraction
                .parse()
                .map_err(|_| format!("`{}` is not an amount", self.value))?,
        };
        let minor = whole
            .checked_mul(100)
            .and_then(|m| m.checked_add(kopecks))
            .ok_or_else(|| format!("`{}` is too large", self.value))?;
        Ok(Money { minor, currency })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rub(minor: u64) -> Money {
        Money {
            minor,
            currency: Currency::parse("RUB").expect("RUB"),
        }
    }

    fn amount(value: &str) -> Amount {
        Amount {
            value: value.into(),
            currency: "RUB".into(),
        }
    }

    #[test]
    fn kopecks_round_trip_through_decimal_strings() {
        for (minor, text) in [
            (0, "0.00"),
            (5, "0.05"),
            (199_000, "1990.00"),
            (12_345, "123.45"),
        ] {
            assert_eq!(Amount::from_money(&rub(minor)).value, text);
            assert_eq!(amount(text).to_money().expect(text), rub(minor));
        }
        assert_eq!(amount("10").to_money().expect("whole"), rub(1000));
        assert_eq!(amount("10.5").to_money().expect("one digit"), rub(1050));
        assert_eq!(
            Amount::from_money(&rub(u64::MAX)).to_money(),
            Ok(rub(u64::MAX))
        );
    }

    #[test]
    fn anything_but_a_plain_decimal_is_refused() {
        for bad in [
            "",
            ".",
            "1.",
            ".5",
            "-1.00",
            "+1.00",
            "1e3",
            "1.005",
            "1,00",
            " 1.00",
            "1.0 ",
            "99999999999999999999.00",
            "NaN",
        ] {
            assert!(amount(bad).to_money().is_err(), "{bad:?}");
        }
    }
}
