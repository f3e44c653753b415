//! A Russian shop's legal requisites, as its closing documents (акты) name the customer: the
//! legal name, ИНН, КПП (companies only), ОГРН or ОГРНИП, and the legal address. Parsed, not
//! merely validated: ИНН and ОГРН carry check digits, so a mistyped digit is caught here rather
//! than on a document the shop's accountant rejects.

use std::fmt;

/// Longest legal name kept: the full names of Russian companies run long, but not this long.
pub const MAX_LEGAL_NAME: usize = 300;
/// Longest legal address kept.
pub const MAX_ADDRESS: usize = 500;

/// Who the customer is by law, as the ИНН's length tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entity {
    /// A company (ООО, АО…): a 10-digit ИНН, a КПП, a 13-digit ОГРН.
    Company,
    /// An individual entrepreneur (ИП): a 12-digit ИНН, no КПП, a 15-digit ОГРНИП.
    Entrepreneur,
}

/// Requisites that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requisites {
    pub legal_name: String,
    pub inn: String,
    /// A company's КПП; `None` for an entrepreneur.
    pub kpp: Option<String>,
    /// ОГРН (company) or ОГРНИП (entrepreneur).
    pub ogrn: String,
    pub address: String,
}

impl Requisites {
    pub fn entity(&self) -> Entity {
        if self.inn.len() == 10 {
            Entity::Company
        } else {
            Entity::Entrepreneur
        }
    }
}

/// What was sent, before the checks.
#[derive(Debug, Clone, Default)]
pub struct Draft<'a> {
    pub legal_name: &'a str,
    pub inn: &'a str,
    pub kpp: Option<&'a str>,
    pub ogrn: &'a str,
    pub address: &'a str,
}

/// Which field is wrong, and how.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Invalid {
    #[error("the legal name must be 1 to {MAX_LEGAL_NAME} characters on one line")]
    LegalName,
    #[error("the address must be 1 to {MAX_ADDRESS} characters on one line")]
    Address,
    /// Not 10 or 12 digits, or a check digit that does not match.
    #[error("an ИНН is 10 digits (a company) or 12 (an entrepreneur) with valid check digits")]
    Inn,
    /// A company without a 9-digit КПП.
    #[error("a company's КПП is 9 digits")]
    Kpp,
    /// An entrepreneur has no КПП.
    #[error("an entrepreneur has no КПП")]
    KppNotForEntrepreneur,
    /// Not the 13 (ОГРН) or 15 (ОГРНИП) digits the ИНН's entity has, or a wrong check digit.
    #[error("expected a {digits}-digit {name} with a valid check digit", name = if *digits == 13 { "ОГРН" } else { "ОГРНИП" })]
    Ogrn { digits: usize },
}

impl Invalid {
    /// The request field this is about.
    pub fn field(&self) -> &'static str {
        match self {
            Self::LegalName => "legal_name",
            Self::Address => "address",
            Self::Inn => "inn",
            Self::Kpp | Self::KppNotForEntrepreneur => "kpp",
            Self::Ogrn { .. } => "ogrn",
        }
    }
}

/// Every field checked; all the problems at once, so a form can show them together.
pub fn parse(draft: &Draft<'_>) -> Result<Requisites, Vec<Invalid>> {
    let mut problems = Vec::new();
    let line = |text: &str, max: usize| {
        let text = text.trim();
        let ok = (1..=max).contains(&text.chars().count()) && !text.chars().any(char::is_control);
        ok.then(|| text.to_owned())
    };
    let legal_name = line(draft.legal_name, MAX_LEGAL_NAME);
    if legal_name.is_none() {
        problems.push(Invalid::LegalName);
    }
    let address = line(draft.address, MAX_ADDRESS);
    if address.is_none() {
        problems.push(Invalid::Address);
    }
    let inn = draft.inn.trim();
    let entity = match inn.len() {
        10 if valid_inn(inn) => Some(Entity::Company),
        12 if valid_inn(inn) => Some(Entity::Entrepreneur),
        _ => {
            problems.push(Invalid::Inn);
            None
        }
    };
    let kpp = draft.kpp.map(str::trim).filter(|kpp| !kpp.is_empty());
    match (entity, kpp) {
        (Some(Entity::Company), Some(kpp)) if is_kpp(kpp) => {}
        (Some(Entity::Company), _) => problems.push(Invalid::Kpp),
        (Some(Entity::Entrepreneur), Some(_)) => problems.push(Invalid::KppNotForEntrepreneur),
        _ => {}
    }
    let ogrn = draft.ogrn.trim();
    let digits = match entity {
        Some(Entity::Entrepreneur) => 15,
        Some(Entity::Company) => 13,
        // Without a valid ИНН, whichever length was sent is checked on its own.
        None if ogrn.len() == 15 => 15,
        None => 13,
    };
    if !(ogrn.len() == digits && valid_ogrn(ogrn)) {
        problems.push(Invalid::Ogrn { digits });
    }
    match (legal_name, address) {
        (Some(legal_name), Some(address)) if problems.is_empty() => Ok(Requisites {
            legal_name,
            inn: inn.to_owned(),
            kpp: kpp.map(str::to_owned),
            ogrn: ogrn.to_owned(),
            address,
        }),
        _ => Err(problems),
    }
}

fn digits(text: &str) -> Option<Vec<u32>> {
    text.chars().map(|c| c.to_digit(10)).collect()
}

/// The ИНН's check digits (the Federal Tax Service's weights): one for a 10-digit ИНН, two for
/// a 12-digit one.
fn valid_inn(inn: &str) -> bool {
    let Some(d) = digits(inn) else {
        return false;
    };
    let check = |weights: &[u32], upto: usize| {
        let sum: u32 = weights.iter().zip(&d[..upto]).map(|(w, x)| w * x).sum();
        sum % 11 % 10
    };
    match d.len() {
        10 => check(&[2, 4, 10, 3, 5, 9, 4, 6, 8], 9) == d[9],
        12 => {
            check(&[7, 2, 4, 10, 3, 5, 9, 4, 6, 8], 10) == d[10]
                && check(&[3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8], 11) == d[11]
        }
        _ => false,
    }
}

/// A КПП: 9 characters, digits but for the 5th and 6th, which may be capital Latin letters.
fn is_kpp(kpp: &str) -> bool {
    kpp.len() == 9
        && kpp
            .char_indices()
            .all(|(i, c)| c.is_ascii_digit() || ((i == 4 || i == 5) && c.is_ascii_uppercase()))
}

/// An ОГРН (13 digits: the first 12 mod 11) or ОГРНИП (15: the first 14 mod 13); the last digit
/// of the remainder is the check digit.
fn valid_ogrn(ogrn: &str) -> bool {
    if !ogrn.bytes().all(|b| b.is_ascii_digit()) {
        return false;
    }
    let (body, modulus) = match ogrn.len() {
        13 => (&ogrn[..12], 11),
        15 => (&ogrn[..14], 13),
        _ => return false,
    };
    let Ok(number) = body.parse::<u64>() else {
        return false;
    };
    let check = u64::from(ogrn.as_bytes()[ogrn.len() - 1] - b'0');
    number % modulus % 10 == check
}

impl fmt::Display for Requisites {
    /// One line as documents print the customer: name, ИНН, КПП, ОГРН, address.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, ИНН {}", self.legal_name, self.inn)?;
        if let Some(kpp) = &self.kpp {
            write!(f, ", КПП {kpp}")?;
        }
        let ogrn = match self.entity() {
            Entity::Company => "ОГРН",
            Entity::Entrepreneur => "ОГРНИП",
        };
        write!(f, ", {ogrn} {}, {}", self.ogrn, self.address)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sberbank's published requisites: a real company's ИНН, КПП and ОГРН.
    fn company() -> Draft<'static> {
        Draft {
            legal_name: "ПАО Сбербанк",
            inn: "7707083893",
            kpp: Some("773601001"),
            ogrn: "1027700132195",
            address: "117312, г. Москва, ул. Вавилова, д. 19",
        }
    }

    #[test]
    fn a_company_with_valid_check_digits_passes() {
        let parsed = parse(&company()).expect("valid");
        assert_eq!(parsed.entity(), Entity::Company);
        assert_eq!(
            parsed.to_string(),
            "ПАО Сбербанк, ИНН 7707083893, КПП 773601001, ОГРН 1027700132195, \
             117312, г. Москва, ул. Вавилова, д. 19"
        );
    }

    #[test]
    fn an_entrepreneur_has_twelve_digits_no_kpp_and_an_ogrnip() {
        // Check digits computed by the rules above for a made-up entrepreneur.
        let inn = "500100732259";
        assert!(valid_inn(inn));
        let ogrnip = "304500116000157";
        assert!(valid_ogrn(ogrnip));
        let draft = Draft {
            legal_name: "ИП Иванова Анна Сергеевна",
            inn,
            kpp: None,
            ogrn: ogrnip,
            address: "г. Тверь",
        };
        assert_eq!(parse(&draft).map(|r| r.entity()), Ok(Entity::Entrepreneur));
        let with_kpp = Draft {
            kpp: Some("773601001"),
            ..draft.clone()
        };
        assert_eq!(parse(&with_kpp), Err(vec![Invalid::KppNotForEntrepreneur]));
        let with_ogrn = Draft {
            ogrn: "1027700132195",
            ..draft
        };
        assert_eq!(parse(&with_ogrn), Err(vec![Invalid::Ogrn { digits: 15 }]));
    }

    #[test]
    fn a_wrong_digit_anywhere_is_caught() {
        let wrong_inn = Draft {
            inn: "7707083894",
            ..company()
        };
        assert_eq!(parse(&wrong_inn), Err(vec![Invalid::Inn]));
        let wrong_ogrn = Draft {
            ogrn: "1027700132196",
            ..company()
        };
        assert_eq!(parse(&wrong_ogrn), Err(vec![Invalid::Ogrn { digits: 13 }]));
        let no_kpp = Draft {
            kpp: None,
            ..company()
        };
        assert_eq!(parse(&no_kpp), Err(vec![Invalid::Kpp]));
        let bad_kpp = Draft {
            kpp: Some("77360100"),
            ..company()
        };
        assert_eq!(parse(&bad_kpp), Err(vec![Invalid::Kpp]));
        assert_eq!(
            parse(&Draft::default()),
            Err(vec![
                Invalid::LegalName,
                Invalid::Address,
                Invalid::Inn,
                Invalid::Ogrn { digits: 13 }
            ])
        );
    }
}
