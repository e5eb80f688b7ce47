//! Tests of the fix layer (`xseg::fix`): the committed real-SDK samples, the properties, and
//! allocation in steady state.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod alloc;
#[path = "../common/counting.rs"]
mod counting;
mod docs;
mod props;
mod samples;

use xseg::fix::{FixOptions, FixReport};
use xseg::Validator;

/// Checks what every report must hold, whatever the input: an unfixable or unchanged document
/// is written byte for byte, a fixed one is accepted, and the listed changes, applied to the
/// input, give exactly the output.
pub fn check_report(opts: &FixOptions, input: &[u8], out: &[u8], report: &FixReport<'_>) {
    use xseg::fix::FixStatus;
    let what = || String::from_utf8_lossy(input).into_owned();
    match report.status() {
        FixStatus::Unchanged | FixStatus::Unfixable => {
            assert_eq!(out, input, "{}", what());
            assert_eq!(report.changes().len(), 0, "{}", what());
            assert_eq!(
                report.unfixable().is_some(),
                report.status() == FixStatus::Unfixable
            );
        }
        FixStatus::Fixed => {
            assert!(report.changes().len() > 0);
            let mut v = Validator::new(*opts.validation());
            assert!(
                v.validate(out).is_accepted(),
                "{}\n=> {}",
                what(),
                String::from_utf8_lossy(out)
            );
        }
    }
    // every change is listed: replaying them on the input gives the output
    let mut rebuilt = Vec::new();
    let mut last = 0;
    for c in report.changes() {
        assert!(c.start >= last && c.end >= c.start, "{c:?}");
        let replaced = &input[c.start..c.end];
        match c.after {
            Some(after) => {
                assert_eq!(replaced, c.before.as_bytes(), "{c:?}");
                assert_ne!(c.before, after);
            }
            None => assert!(
                std::str::from_utf8(replaced).unwrap().contains(c.before),
                "{c:?}"
            ),
        }
        // both sides are JSON text a report can embed
        for side in [Some(c.before), c.after].into_iter().flatten() {
            assert!(
                serde_json::from_str::<serde_json::Value>(side).is_ok(),
                "{c:?}"
            );
        }
        rebuilt.extend_from_slice(&input[last..c.start]);
        rebuilt.extend_from_slice(c.after.unwrap_or("").as_bytes());
        last = c.end;
    }
    rebuilt.extend_from_slice(&input[last..]);
    assert_eq!(rebuilt, out, "{}", what());
    // and each change's pointer names a value of the input
    if report.changes().len() > 0 {
        let tree: serde_json::Value = serde_json::from_slice(input).unwrap();
        for c in report.changes() {
            assert!(tree.pointer(c.pointer).is_some(), "{c:?} in {}", what());
        }
    }
}
