//! The dashboard's string catalogues, one a language, as tests read them: the keys of one
//! section, so a test can hold a vocabulary of the API to the words operators read.

use std::collections::BTreeSet;

pub const CATALOGUES: [(&str, &str); 2] = [
    (
        "strings.ru.js",
        include_str!("../../assets/app/strings.ru.js"),
    ),
    (
        "strings.en.js",
        include_str!("../../assets/app/strings.en.js"),
    ),
];

/// The keys of a top-level section (`  name: {` … `  },`), whether one or several
/// `key: "…",` pairs stand on a line.
pub fn keys(catalogue: &str, section: &str) -> BTreeSet<String> {
    let opening = format!("\n  {section}: {{");
    let start = catalogue
        .find(&opening)
        .unwrap_or_else(|| panic!("the catalogue has a {section} section"));
    let end = start + catalogue[start..].find("\n  },").expect("the section ends");
    catalogue[start + opening.len()..end]
        .lines()
        .flat_map(|line| line.split("\", "))
        .filter_map(|pair| pair.trim().split_once(": "))
        .map(|(key, _)| key)
        .filter(|key| !key.is_empty() && key.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(str::to_owned)
        .collect()
}
