//! Runs one method over the whole corpus a number of times, for profilers:
//!
//! `cargo build --profile bench -p xseg-benches --example run_method`, then e.g.
//! `XSEG_CORPUS=corpus/out/frames.bin valgrind --tool=callgrind target/release/examples/run_method xseg/validate 2`
//! or `perf record -e cpu-clock ...` with the same arguments.
//!
//! Methods: `xseg/validate`, `xseg/parse_view`, `a/serde_value`, `b/serde_struct`,
//! `c/simd_tape`, `d/sonic_struct`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::time::Instant;

use xseg_benches::{methods, Corpus};

fn main() {
    let mut args = std::env::args().skip(1);
    let label = args.next().unwrap_or_else(|| "xseg/validate".to_owned());
    let reps: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let corpus = Corpus::load().unwrap_or_else(|e| panic!("cannot load the corpus: {e}"));
    let docs: Vec<&[u8]> = corpus.docs().collect();
    let mut m = methods::by_label(&label).unwrap_or_else(|| panic!("unknown method {label}"));
    let t = Instant::now();
    let mut accepted = 0usize;
    for _ in 0..reps {
        accepted = methods::run(&docs, &mut m);
    }
    let secs = t.elapsed().as_secs_f64();
    let bytes = corpus.bytes() as f64 * reps as f64;
    println!(
        "{label}: {reps} × {} docs, accepted {accepted}, {secs:.3} s, {:.1} MB/s, {:.0} docs/s",
        docs.len(),
        bytes / secs / 1e6,
        (docs.len() * reps) as f64 / secs
    );
}
