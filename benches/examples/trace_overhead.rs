//! The cost of the trace-level checks relative to validation, one step at a time, for
//! instruction counts under `callgrind` (stable on a loaded machine) or plain timing:
//!
//! ```sh
//! cargo build --profile bench -p xseg-benches --example trace_overhead
//! export XSEG_CORPUS=$PWD/corpus/out/frames.bin
//! for step in load validate gather traced parse facts; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$step \
//!     target/release/examples/trace_overhead $step 1 2>&1 | grep -E 'refs|trace_overhead'
//! done
//! ```
//!
//! Steps, each over every document of the corpus, `REPS` times (default 1):
//!
//! - `load`: only load the corpus (subtract it from the others);
//! - `validate`: `Validator::validate`, what `xseg check` does per document;
//! - `gather`: `Validator::validate_for_traces_at`, the same verdict while gathering the trace
//!   keys, then `TraceFacts::from_trace_keys` on each accepted document (the part of the trace
//!   checks that runs in the parallel pass);
//! - `traced`: `gather`, then `TraceChecker::check` in input order and `finish` (everything);
//! - `parse`: `Validator::parse`, the same verdict plus the borrowed view;
//! - `facts`: `parse`, then `TraceFacts::from_document` on each accepted document (the same
//!   facts read from the view instead).
#![allow(clippy::expect_used, clippy::panic)]

use std::time::Instant;

use xseg::Validator;
use xseg_batch::{TraceChecker, TraceFacts};
use xseg_benches::Corpus;

fn main() {
    let mut args = std::env::args().skip(1);
    let step = args.next().unwrap_or_else(|| "traced".to_owned());
    let reps: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let corpus = Corpus::load().unwrap_or_else(|e| panic!("cannot load the corpus: {e}"));
    let docs: Vec<&[u8]> = corpus.docs().collect();
    let mut v = Validator::default();
    let mut checker: TraceChecker<usize> = TraceChecker::default();
    let mut findings = Vec::new();
    let t = Instant::now();
    let mut accepted = 0usize;
    for _ in 0..reps {
        accepted = 0;
        for (i, doc) in docs.iter().enumerate() {
            let ok = match step.as_str() {
                "load" => false,
                "validate" => v.validate(doc).is_accepted(),
                "parse" => v.parse(doc).is_ok(),
                "facts" => match v.parse(doc) {
                    Ok(d) => {
                        std::hint::black_box(TraceFacts::from_document(&d, doc.len())).is_some()
                    }
                    Err(_) => false,
                },
                "gather" => {
                    let ok = v.validate_for_traces_at(doc, 0).0.is_accepted();
                    let facts = v
                        .trace_keys()
                        .map(|k| TraceFacts::from_trace_keys(k, doc.len()));
                    std::hint::black_box(facts);
                    ok
                }
                "traced" => {
                    let ok = v.validate_for_traces_at(doc, 0).0.is_accepted();
                    if let Some(k) = v.trace_keys() {
                        checker.check(i, &TraceFacts::from_trace_keys(k, doc.len()), &mut findings);
                    }
                    ok
                }
                other => {
                    panic!("unknown step {other}: load, validate, gather, traced, parse, facts")
                }
            };
            accepted += usize::from(ok);
        }
        checker.finish(&mut findings);
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "trace_overhead {step}: {reps} x {} docs, accepted {accepted}, {} trace findings, {secs:.3} s, {:.1} MB/s",
        docs.len(),
        findings.len(),
        corpus.bytes() as f64 * reps as f64 / secs / 1e6
    );
}
