//! Lenient decoding of marketplace JSON. Both vendors' docs disagree with their servers about
//! types (ids as numbers or strings, prices as strings or objects), so fields that have been
//! seen both ways are read both ways, and enums stay raw strings.

use serde::{Deserialize, Deserializer};

#[derive(Deserialize)]
#[serde(untagged)]
enum NumberOrString {
    Int(i64),
    Float(f64),
    Text(String),
}

impl NumberOrString {
    fn into_string(self) -> String {
        match self {
            Self::Int(n) => n.to_string(),
            Self::Float(f) => format!("{f}"),
            Self::Text(t) => t,
        }
    }
}

/// An id sent as a number or a string, kept as its string.
pub fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    NumberOrString::deserialize(d).map(NumberOrString::into_string)
}

/// An optional id sent as a number or a string; `null` and absence are `None`.
pub fn opt_id_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<NumberOrString>::deserialize(d)?.map(NumberOrString::into_string))
}

/// An integer sent as a number or a numeric string.
pub fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    match NumberOrString::deserialize(d)? {
        NumberOrString::Int(n) => Ok(n),
        NumberOrString::Float(f) if f.fract() == 0.0 => Ok(f as i64),
        NumberOrString::Float(f) => Err(serde::de::Error::custom(format!("{f} is not an integer"))),
        NumberOrString::Text(t) => t.trim().parse().map_err(serde::de::Error::custom),
    }
}

/// A decimal amount of currency units (`"2500.00"`, `2490`, `"1390.000000"`) in minor units
/// (kopecks), without going through floating point for strings.
pub fn minor_units(amount: &str) -> Option<i64> {
    let amount = amount.trim();
    let (whole, fraction) = amount.split_once('.').unwrap_or((amount, ""));
    let whole: i64 = whole.parse().ok()?;
    let mut cents = 0;
    for (i, digit) in fraction.chars().take(2).enumerate() {
        cents += i64::from(digit.to_digit(10)?) * if i == 0 { 10 } else { 1 };
    }
    if !fraction.chars().skip(2).all(|c| c.is_ascii_digit()) {
        return None;
    }
    whole
        .checked_mul(100)?
        .checked_add(if whole < 0 { -cents } else { cents })
}

/// A price as Ozon has sent it: `{"amount","currency"}` (2026 lists), a bare string with a
/// separate currency code (older shapes), or a number.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Price {
    Object {
        #[serde(deserialize_with = "id_string")]
        amount: String,
        #[serde(default)]
        currency: Option<String>,
    },
    Text(String),
    Number(f64),
}

impl Price {
    pub fn minor(&self) -> Option<i64> {
        match self {
            Self::Object { amount, .. } | Self::Text(amount) => minor_units(amount),
            Self::Number(n) => minor_units(&format!("{n:.2}")),
        }
    }

    pub fn currency(&self) -> Option<&str> {
        match self {
            Self::Object { currency, .. } => currency.as_deref().filter(|c| !c.is_empty()),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_become_exact_minor_units() {
        assert_eq!(minor_units("2500.00"), Some(250_000));
        assert_eq!(minor_units("1390.000000"), Some(139_000));
        assert_eq!(minor_units("279.5"), Some(27_950));
        assert_eq!(minor_units("2490"), Some(249_000));
        assert_eq!(minor_units("12,5"), None);
        assert_eq!(minor_units("1.2x"), None);
    }

    #[test]
    fn ids_and_prices_are_read_in_every_shape_seen() {
        #[derive(Deserialize)]
        struct Row {
            #[serde(deserialize_with = "id_string")]
            id: String,
            #[serde(deserialize_with = "int")]
            sku: i64,
            price: Price,
        }
        let a: Row = serde_json::from_str(
            r#"{"id":1000015552,"sku":"148591503","price":{"amount":"2500.00","currency":"RUB"}}"#,
        )
        .expect("numbers and objects");
        let b: Row =
            serde_json::from_str(r#"{"id":"1000015552","sku":148591503,"price":"1390.000000"}"#)
                .expect("strings");
        assert_eq!(
            (a.id.as_str(), a.sku, a.price.minor()),
            ("1000015552", 148_591_503, Some(250_000))
        );
        assert_eq!(
            (b.id.as_str(), b.sku, b.price.minor()),
            ("1000015552", 148_591_503, Some(139_000))
        );
        assert_eq!(a.price.currency(), Some("RUB"));
    }
}
