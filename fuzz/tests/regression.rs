//! One test per input a fuzz target (or a property test) once failed on, reading the input
//! from `tests/regression/<target>-<what>`, with the root cause. Tests marked `#[ignore]` pin
//! a known bug outside this crate: they fail until it is fixed, then lose the `ignore`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{engine, model, Answer, PROFILES};
use xseg_reference::Options;

fn input(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/regression/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn rejected(code: &str, pointer: &str, id: Option<&str>, segment_form: bool) -> Answer {
    Answer::Rejected {
        code: code.to_string(),
        message: if segment_form {
            format!("Invalid segment. ErrorCode: {code}")
        } else {
            format!("Invalid subsegment. ErrorCode: {code}, Cause: null")
        },
        id: id.map(str::to_string),
        pointer: pointer.to_string(),
    }
}

/// structured_segment: the fault "in_progress \"true\"" set `end_time` to 4102444800 (2100)
/// so that only the type of `in_progress` would be wrong, but generated start times go up to
/// 2106: `end_time < start_time` then came first (step f, a strict rejection). Root cause in
/// the fault catalogue, not in the engine; the catalogue now uses `1e300`.
#[test]
fn in_progress_type_error_after_a_late_start() {
    let doc = input("structured_segment-in-progress-start-after-2100");
    let want = rejected(
        "InvalidSegment",
        "/in_progress",
        Some("430815d20eb5bdca"),
        true,
    );
    for profile in PROFILES {
        let opts = Options::new(profile);
        assert_eq!(engine(&doc, &opts), want);
        assert_eq!(model(&doc, &opts), want);
    }
}

/// put_trace_segments_request: a request whose other members hold a number outside the f64
/// range (`1e400`, valid JSON by RULES.md §3) is refused whole as "not well-formed JSON".
/// Root cause in `xseg-batch`: `Request::parse` read the body with `simd_json::to_tape`, which
/// fails on numbers it cannot represent; RULES.md §8 only asks for a JSON object whose
/// `TraceSegmentDocuments` is an array of strings. Such numbers outside strings are now blanked
/// before simd-json reads a body the core finds well-formed.
#[test]
fn request_with_a_number_out_of_f64_range_is_read() {
    let body = input("put_trace_segments_request-number-out-of-range");
    let want = xseg_reference::request::parse_request(&body, 50).unwrap();
    assert_eq!(want.len(), 1);
    let mut copy = body.clone();
    let got = xseg_batch::Request::parse(&mut copy, 50)
        .map(|r| r.documents().iter().map(|d| d.to_vec()).collect::<Vec<_>>());
    assert_eq!(got.as_ref().ok(), Some(&want), "{got:?}");
}
