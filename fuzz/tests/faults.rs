//! Every fault of the catalogue (`xseg_reference::fault`), injected into every entity of a few
//! hand-written clean documents: the model and the engine must both give exactly the answer
//! the fault implies (code, message, Id, pointer; warnings under `service`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{engine, expected, model, show, Answer, PROFILES};
use xseg_reference::fault::{self, arr, n, obj, s, Case, DocFault};
use xseg_reference::json::Json;
use xseg_reference::write::Style;
use xseg_reference::Options;

const TRACE: &str = "1-68000000-a006649127e371903a2de979";

/// A segment with nested subsegments and one of each documented block.
pub fn full_segment() -> Json {
    let child = |id: &str, name: &str, subs: Vec<Json>| {
        let mut m = vec![
            ("id", s(id)),
            ("name", s(name)),
            ("start_time", n("1744830464.6")),
            ("end_time", n("1744830464.7")),
            ("namespace", s("remote")),
        ];
        if !subs.is_empty() {
            m.push(("subsegments", arr(subs)));
        }
        obj(m)
    };
    obj(vec![
        ("name", s("example.com")),
        ("id", s("70de5b6f19ff9a0a")),
        ("trace_id", s(TRACE)),
        ("start_time", n("1744830464.5")),
        ("end_time", n("1.74483046525e9")),
        (
            "http",
            obj(vec![
                (
                    "request",
                    obj(vec![
                        ("method", s("GET")),
                        ("url", s("https://example.com/")),
                    ]),
                ),
                (
                    "response",
                    obj(vec![("status", n("200")), ("content_length", n("42"))]),
                ),
            ]),
        ),
        ("annotations", obj(vec![("k1", s("v")), ("k2", n("2"))])),
        (
            "metadata",
            obj(vec![("default", obj(vec![("x", arr(vec![n("1")]))]))]),
        ),
        ("aws", obj(vec![("account_id", s("123456789012"))])),
        (
            "subsegments",
            arr(vec![
                child(
                    "0000000000000001",
                    "db",
                    vec![child("0000000000000002", "query", vec![])],
                ),
                child("0000000000000003", "cache", vec![]),
            ]),
        ),
        ("precursor_ids", arr(vec![s("0000000000000004")])),
    ])
}

/// An in-progress standalone subsegment with one child.
pub fn standalone() -> Json {
    obj(vec![
        ("type", s("subsegment")),
        ("id", s("0000000000000005")),
        ("parent_id", s("70de5b6f19ff9a0a")),
        ("trace_id", s(TRACE)),
        ("name", s("Dienst Ünïcödé")),
        ("start_time", n("1744830464")),
        ("in_progress", Json::Bool(true)),
        (
            "subsegments",
            arr(vec![obj(vec![
                ("id", s("0000000000000006")),
                ("name", s("inner")),
                ("start_time", n("1744830464")),
                ("in_progress", Json::Bool(true)),
                ("trace_id", s(TRACE)),
            ])]),
        ),
    ])
}

/// The smallest segment.
pub fn minimal() -> Json {
    obj(vec![
        ("name", s("a")),
        ("id", s("70de5b6f19ff9a0a")),
        ("trace_id", s(TRACE)),
        ("start_time", n("1")),
        ("end_time", n("2")),
    ])
}

fn bases() -> Vec<Json> {
    vec![full_segment(), standalone(), minimal()]
}

/// Checks one case with both implementations; returns the mismatches.
fn check(case: &Case) -> Vec<String> {
    let mut bad = Vec::new();
    for profile in PROFILES {
        let opts: Options = case.options(profile);
        let want = expected(case.expect(profile));
        let answers = [
            ("model", model(&case.doc, &opts)),
            ("engine", engine(&case.doc, &opts)),
        ];
        for (who, got) in answers {
            if got != want {
                bad.push(format!(
                    "{who} {profile:?} {}:\n  want {want:?}\n  got  {got:?}\n  doc  {}",
                    case.name,
                    show(&case.doc)
                ));
            }
        }
    }
    bad
}

#[test]
fn clean_bases_are_accepted_without_warnings() {
    for base in bases() {
        let doc = xseg_reference::write::to_vec(&base, Style::PLAIN);
        for profile in PROFILES {
            let opts = Options::new(profile);
            for got in [model(&doc, &opts), engine(&doc, &opts)] {
                match got {
                    Answer::Accepted { warnings, .. } => assert!(warnings.is_empty()),
                    other => panic!("{other:?}: {}", show(&doc)),
                }
            }
        }
    }
}

#[test]
fn every_entity_fault_gives_its_answer() {
    let faults = fault::entity_faults();
    let mut names: Vec<_> = faults.iter().map(|f| f.name.as_str()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), faults.len(), "fault names are unique");
    let mut bad = Vec::new();
    let mut applied = vec![0usize; faults.len()];
    let mut seed = 0;
    for base in bases() {
        for target in fault::entities(&base) {
            for (i, f) in faults.iter().enumerate() {
                seed += 1;
                let style = Style {
                    seed,
                    escapes: seed % 2 == 0,
                    whitespace: seed % 3 == 0,
                };
                if let Some(case) = fault::apply(&base, &target, f, style) {
                    applied[i] += 1;
                    bad.extend(check(&case));
                }
            }
        }
    }
    for (i, f) in faults.iter().enumerate() {
        assert!(applied[i] > 0, "{} never applied", f.name);
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

#[test]
fn every_document_fault_gives_its_answer() {
    let mut bad = Vec::new();
    for (b, base) in bases().into_iter().enumerate() {
        for f in fault::doc_faults() {
            for pick in 0..4u64 {
                let style = Style {
                    seed: pick,
                    escapes: pick % 2 == 1,
                    whitespace: pick >= 2,
                };
                match fault::apply_doc_fault(&base, f, pick * 7 + b as u64, style) {
                    Some(case) => bad.extend(check(&case)),
                    // a depth limit below 1 cannot be set
                    None if f == DocFault::DepthLimitBelow && b == 2 => {}
                    None => panic!("{f:?} on base {b}"),
                }
            }
        }
    }
    assert!(
        bad.is_empty(),
        "{} mismatches:\n{}",
        bad.len(),
        bad.join("\n")
    );
}

/// Runs one named fault on every entity of every base, engine included.
fn run_fault(name: &str) -> Vec<String> {
    let f = fault::entity_faults()
        .iter()
        .find(|f| f.name == name)
        .expect("a fault of the catalogue");
    let mut bad = Vec::new();
    for base in bases() {
        for target in fault::entities(&base) {
            if let Some(case) = fault::apply(&base, &target, f, Style::PLAIN) {
                bad.extend(check(&case));
            }
        }
    }
    bad
}

// RULES.md §6 and D17 make every `http.request.*` string over 250 code points a warning, not
// only those of `method`, `url`, `user_agent` and `client_ip`.
#[test]
fn long_undocumented_http_request_string_warns() {
    let bad = run_fault("undocumented http.request string 251 chars");
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}
