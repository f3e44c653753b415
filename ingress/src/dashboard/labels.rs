//! Every handoff reason the service writes has a label in each of the dashboard's languages,
//! so an operator never reads a code or the catch-all «вопрос для сотрудника» for a known one.

use std::collections::BTreeSet;

use otklik_schema::HandoffReason;

use super::catalogues::{CATALOGUES, keys};

#[test]
fn every_handoff_reason_has_a_label_in_each_language() {
    let codes: BTreeSet<String> = HandoffReason::ALL
        .iter()
        .map(|reason| reason.as_str().to_owned())
        .collect();
    for (name, catalogue) in CATALOGUES {
        let labelled = keys(catalogue, "reason");
        let missing: Vec<&String> = codes.difference(&labelled).collect();
        assert!(missing.is_empty(), "no label in {name} for {missing:?}");
        let stale: Vec<&String> = labelled.difference(&codes).collect();
        assert!(
            stale.is_empty(),
            "labels in {name} for no reason: {stale:?}"
        );
    }
}
