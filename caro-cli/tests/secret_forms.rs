//! End-to-end: every form in the secrets filter's table
//! (`src/privacy/secrets/examples.rs`, included below) given to the real
//! binary. A form exits 1 with the refusal naming its kind and nothing more
//! (so never the secret), and stores nothing; every near-miss is stored.

#[path = "../src/privacy/secrets/examples.rs"]
mod examples;

use crate::util::{stderr_of, stdout_of, Home};
use caro::privacy::Refusal;

#[test]
fn every_form_is_refused_without_echoing_it_and_stores_nothing() {
    let home = Home::new();
    let mut forms = 0;
    for rule in examples::rules() {
        let expected = Refusal::Secret {
            kind: rule.kind,
            field: "command",
        };
        for command in &rule.refused {
            let out = home
                .caro()
                .args(["history", "add", "--command", command])
                .output()
                .expect("run caro");
            assert_eq!(out.status.code(), Some(1), "{command:?}");
            assert_eq!(
                stderr_of(&out),
                format!("caro: {expected}\n"),
                "{command:?}"
            );
            assert!(stdout_of(&out).is_empty(), "{command:?}");
            forms += 1;
        }
    }
    assert!(forms > 100, "only {forms} forms");
    assert!(home.list().is_empty(), "a refused form was stored");
}

#[test]
fn every_near_miss_is_stored() {
    let home = Home::new();
    let mut expected: Vec<String> = examples::rules()
        .into_iter()
        .flat_map(|rule| rule.recorded)
        .collect();
    for command in &expected {
        home.add(command);
    }
    let mut stored = home.commands();
    stored.sort();
    expected.sort();
    assert_eq!(stored, expected);
}
