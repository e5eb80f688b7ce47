//! The cost of the trace-level checks relative to validation, one step at a time, for
//! instruction counts under `callgrind` (stable on a loaded machine) or plain timing:
//!
//! ```sh
//! cargo build --profile bench -p xseg-benches --example trace_overhead
//! export XSEG_CORPUS=$PWD/corpus/out/frames.bin
//! for step in load validate parse facts traced; do
//!   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.$step \
//!     target/release/examples/trace_overhead $step 1 2>&1 | grep -E 'refs|trace_overhead'
//! done
//! ```
//!
//! Steps, each over every document of the corpus, `REPS` times (default 1):
//!
//! - `load`: only load the corpus (subtract it from the others);
//! - `validate`: `Validator::validate`, what `xseg check` does per document;
//! - `parse`: `Validator::parse`, the same verdict plus the borrowed view;
//! - `facts`: `parse`, then `TraceFacts::from_document` on each accepted document (the part of
//!   the trace checks that runs in the parallel pass);
//! - `traced`: `facts`, then `TraceChecker::check` in input order and `finish` (everything).
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
                "traced" => match v.parse(doc) {
                    Ok(d) => {
                        if let Some(facts) = TraceFacts::from_document(&d, doc.len()) {
                            checker.check(i, &facts, &mut findings);
                        }
                        true
                    }
                    Err(_) => false,
                },
                other => panic!("unknown step {other}: load, validate, parse, facts, traced"),
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
