//! The model against the contract's own verdicts (`shared/data/edge-cases.json`), and the
//! engine against the model on the same documents (which adds the pointer the data leaves
//! out).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{engine, model, show, Answer, PROFILES};
use serde_json::Value;
use xseg_reference::{Options, Profile};

fn cases() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/data/edge-cases.json"
    );
    let text = std::fs::read_to_string(path).expect("shared/data/edge-cases.json");
    serde_json::from_str(&text).expect("a JSON array")
}

fn profile_name(p: Profile) -> &'static str {
    match p {
        Profile::Service => "service",
        Profile::Strict => "strict",
    }
}

#[test]
fn model_gives_every_edge_case_its_verdict() {
    let cases = cases();
    assert_eq!(cases.len(), 82);
    for case in &cases {
        let doc = case["document"].as_str().unwrap().as_bytes();
        for profile in PROFILES {
            let want = &case[profile_name(profile)];
            let what = format!("{} {} ({profile:?})", case["case"], case["what"]);
            let got = model(doc, &Options::new(profile));
            match &got {
                Answer::Accepted { .. } => {
                    assert_eq!(want["accepted"], Value::Bool(true), "{what}: {got:?}")
                }
                Answer::Rejected {
                    code, message, id, ..
                } => {
                    assert_eq!(want["accepted"], Value::Bool(false), "{what}: {got:?}");
                    assert_eq!(want["ErrorCode"].as_str(), Some(code.as_str()), "{what}");
                    assert_eq!(want["Message"].as_str(), Some(message.as_str()), "{what}");
                    assert_eq!(
                        want.get("Id").and_then(Value::as_str),
                        id.as_deref(),
                        "{what}"
                    );
                }
            }
        }
    }
}

#[test]
fn engine_matches_model_on_every_edge_case() {
    for case in &cases() {
        let doc = case["document"].as_str().unwrap().as_bytes();
        for profile in PROFILES {
            let opts = Options::new(profile);
            assert_eq!(
                engine(doc, &opts),
                model(doc, &opts),
                "{} ({profile:?}): {}",
                case["case"],
                show(doc)
            );
        }
    }
}
