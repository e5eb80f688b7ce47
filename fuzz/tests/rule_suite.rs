//! The rule suite (`crates/xseg/tests/rule_suite/rules.json`) through the reference model: the
//! model gives every case the `ErrorCode`, `Message`, `Id` and pointer the file expects, and for
//! an accepted document its kind and every warning's kind and pointer. (The model knows no
//! diagnostic kinds or byte offsets for rejections; the engine's entry points check those.)

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../crates/xseg/tests/rule_suite/loader.rs"]
mod loader;

use serde_json::{json, Value};
use xseg_reference::{Options, Profile, TimeWindow, Verdict};

/// The model's options for a case: the loader's, field by field.
fn model_options(case: &loader::Case, profile: xseg::Profile) -> Options {
    let o = case.options(profile);
    Options {
        profile: match profile {
            xseg::Profile::Service => Profile::Service,
            xseg::Profile::Strict => Profile::Strict,
        },
        max_document_bytes: o.max_document_bytes(),
        max_depth: o.max_depth(),
        time_window: o.time_window().map(|w| TimeWindow {
            now: w.now,
            max_age: w.max_age,
            max_future_skew: w.max_future_skew,
        }),
    }
}

/// What the model can answer of an expected verdict.
fn comparable(expected: &Value) -> Value {
    match expected.get("rejected") {
        Some(r) => json!({
            "code": r["code"],
            "message": r["message"],
            "id": r["id"],
            "pointer": r["pointer"],
        }),
        None => {
            let mut warnings: Vec<(String, String)> = expected["warnings"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|w| (w[0].as_str().unwrap().into(), w[2].as_str().unwrap().into()))
                .collect();
            warnings.sort();
            json!({
                "accepted": expected["accepted"],
                "warnings": warnings,
                "warnings_total": expected["warnings_total"],
            })
        }
    }
}

#[test]
fn the_model_gives_every_case_its_verdict() {
    for case in loader::cases() {
        for (p, key) in loader::PROFILES {
            let out = xseg_reference::check(&case.doc, &model_options(&case, p));
            let got = match &out.verdict {
                Verdict::Rejected(r) => json!({
                    "code": r.code.as_str(),
                    "message": r.message(),
                    "id": r.id,
                    "pointer": r.pointer,
                }),
                Verdict::Accepted(kind) => {
                    let mut warnings: Vec<(String, String)> = out
                        .warnings
                        .iter()
                        .map(|w| (w.kind.name(), w.pointer.clone()))
                        .collect();
                    warnings.sort();
                    json!({
                        "accepted": format!("{kind:?}"),
                        "warnings": warnings,
                        "warnings_total": out.warnings.len(),
                    })
                }
            };
            let want = comparable(case.expected(key));
            loader::check(&case, key, "the reference model", &got, &want);
        }
    }
}
