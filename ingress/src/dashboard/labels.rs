//! Every handoff reason the service writes has a label in each of the dashboard's languages,
//! so an operator never reads a code or the catch-all «вопрос для сотрудника» for a known one.

use std::collections::BTreeSet;

use otklik_schema::HandoffReason;

const CATALOGUES: [(&str, &str); 2] = [
    (
        "strings.ru.js",
        include_str!("../../assets/app/strings.ru.js"),
    ),
    (
        "strings.en.js",
        include_str!("../../assets/app/strings.en.js"),
    ),
];

/// The keys of a catalogue's `reason` section (`code: "…",` pairs, several a line).
fn labelled(catalogue: &str) -> BTreeSet<String> {
    let start = catalogue
        .find("\n  reason: {")
        .expect("the catalogue has a reason section");
    let end = start + catalogue[start..].find("\n  },").expect("the section ends");
    catalogue[start..end]
        .lines()
        .skip(2)
        .flat_map(|line| line.split("\", "))
        .filter_map(|pair| pair.trim().split_once(": "))
        .map(|(key, _)| key.to_owned())
        .collect()
}

#[test]
fn every_handoff_reason_has_a_label_in_each_language() {
    let codes: BTreeSet<String> = HandoffReason::ALL
        .iter()
        .map(|reason| reason.as_str().to_owned())
        .collect();
    for (name, catalogue) in CATALOGUES {
        let labelled = labelled(catalogue);
        let missing: Vec<&String> = codes.difference(&labelled).collect();
        assert!(missing.is_empty(), "no label in {name} for {missing:?}");
        let stale: Vec<&String> = labelled.difference(&codes).collect();
        assert!(
            stale.is_empty(),
            "labels in {name} for no reason: {stale:?}"
        );
    }
}
