//! The rule suite's loader: `rules.json` beside this file holds documents with the verdict each
//! gets under both profiles — `ErrorCode`, `Message`, `Id`, diagnostic kind, byte offset and
//! JSON pointer of a rejection, and every warning with its kind, offset and pointer. Each entry
//! point's test (the core's `validate`, `parse`, `validate_at`, datagrams; the batch crate's
//! batches, PutTraceSegments requests and NDJSON streams; the reference model) runs every
//! case through this module and compares with the same expectations.
//!
//! Offsets in the file are offsets in the document; an entry point that places the document at
//! `base` in a larger buffer reports `base` more, and [`verdict`] subtracts it again.
//!
//! `XSEG_BLESS_RULES=1 cargo test -p xseg --test integration rule_suite` rewrites the
//! expectations from what `Validator::validate` answers today (review the diff before keeping
//! it).

#![allow(
    dead_code,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::unwrap_used
)]

use serde_json::{json, Value};
use xseg::{Options, Outcome, Profile, TimeWindow, Warnings};

/// The file, next to this loader.
pub const TEXT: &str = include_str!("rules.json");

/// Both profiles, with the key their expectation has in the file.
pub const PROFILES: [(Profile, &str); 2] =
    [(Profile::Service, "service"), (Profile::Strict, "strict")];

/// One document of the suite.
#[derive(Clone, Debug)]
pub struct Case {
    /// A unique name: the rule family and what the case shows.
    pub name: String,
    /// The document's bytes (`doc` in the file, or `doc_hex` for bytes that are not UTF-8).
    pub doc: Vec<u8>,
    /// The case as written in the file.
    pub raw: Value,
}

impl Case {
    /// The options the case is validated with under `profile`: the defaults, changed by the
    /// case's `options` (`max_depth`, `max_document_bytes`, `time_window` as
    /// `[now, max_age, max_future_skew]`).
    pub fn options(&self, profile: Profile) -> Options {
        let mut o = Options::new(profile);
        let opts = &self.raw["options"];
        if let Some(d) = opts["max_depth"].as_u64() {
            o = o.with_max_depth(d as usize);
        }
        if let Some(n) = opts["max_document_bytes"].as_u64() {
            o = o.with_max_document_bytes(n as usize);
        }
        if let Some(w) = opts["time_window"].as_array() {
            let n = |i: usize| {
                w.get(i)
                    .and_then(Value::as_u64)
                    .expect("time_window numbers")
            };
            o = o.with_time_window(Some(TimeWindow {
                now: n(0),
                max_age: n(1),
                max_future_skew: n(2),
            }));
        }
        o
    }

    /// Whether the case changes the default options.
    pub fn has_options(&self) -> bool {
        !self.raw["options"].is_null()
    }

    /// The expected verdict under the profile named `key` (`service` or `strict`).
    pub fn expected(&self, key: &str) -> &Value {
        &self.raw[key]
    }

    /// The document as text, when it is UTF-8.
    pub fn text(&self) -> Option<&str> {
        std::str::from_utf8(&self.doc).ok()
    }
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect()
}

/// Every case of the file, in file order.
pub fn cases() -> Vec<Case> {
    let all: Vec<Value> = serde_json::from_str(TEXT).expect("rules.json is a JSON array");
    let cases: Vec<Case> = all
        .into_iter()
        .map(|raw| {
            let doc = match (raw["doc"].as_str(), raw["doc_hex"].as_str()) {
                (Some(d), None) => d.as_bytes().to_vec(),
                (None, Some(h)) => unhex(h),
                _ => panic!("a case needs `doc` or `doc_hex`: {raw}"),
            };
            let name = raw["name"].as_str().expect("a name").to_string();
            Case { name, doc, raw }
        })
        .collect();
    let mut names: Vec<&str> = cases.iter().map(|c| c.name.as_str()).collect();
    names.sort_unstable();
    let n = names.len();
    names.dedup();
    assert_eq!(names.len(), n, "case names are unique");
    cases
}

/// One warning: kind, offset in the document, pointer.
fn warning_list(warnings: &Warnings, input: &[u8], base: usize) -> Value {
    warnings
        .iter()
        .map(|w| {
            json!([
                w.kind().name(),
                w.offset() - base,
                w.locate(input, base).pointer
            ])
        })
        .collect()
}

/// The verdict of `out`, the outcome for a document at `base` of `input`, with the warnings
/// the validator kept for it (when the entry point gives them) and their total.
pub fn verdict(
    out: &Outcome<'_>,
    warnings: Option<&Warnings>,
    warnings_total: usize,
    input: &[u8],
    base: usize,
) -> Value {
    let mut v = match out {
        Outcome::Accepted(kind) => json!({ "accepted": format!("{kind:?}") }),
        Outcome::Rejected(r) => {
            let e = r.error();
            json!({
                "rejected": {
                    "code": r.code().as_str(),
                    "message": r.message(),
                    "id": r.id().map(|s| s.into_owned()),
                    "kind": e.kind().name(),
                    "offset": e.offset() - base,
                    "pointer": e.locate(input, base).pointer,
                }
            })
        }
    };
    if let Some(w) = warnings {
        v["warnings"] = warning_list(w, input, base);
    }
    v["warnings_total"] = json!(warnings_total);
    v
}

/// `expected` without its list of warnings, for entry points that give only their number.
pub fn without_warning_list(expected: &Value) -> Value {
    let mut v = expected.clone();
    if let Some(m) = v.as_object_mut() {
        m.remove("warnings");
    }
    v
}

/// Asserts that `got` equals the expectation, naming the case and entry point.
#[track_caller]
pub fn check(case: &Case, key: &str, entry: &str, got: &Value, want: &Value) {
    assert_eq!(
        got, want,
        "case `{}` ({key}) through {entry}: got {got}, expected {want}",
        case.name
    );
}
