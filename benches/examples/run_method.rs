//! Runs one method over the whole corpus a number of times, for profilers:
//!
//! `XSEG_CORPUS=corpus/out/frames.bin cargo build --profile bench -p xseg-benches --example run_method`
//! then e.g. `valgrind --tool=callgrind target/release/examples/run_method xseg/validate 1`.
//!
//! Methods: `xseg/validate`, `xseg/parse_view`, `a/serde_value`, `b/serde_struct`,
//! `c/simd_tape`, `d/sonic_struct`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Instant;

use xseg::{Options, Profile, Validator};
use xseg_benches::baseline::{self, SimdTape};
use xseg_benches::Corpus;

type Method<'v> = Box<dyn FnMut(&[u8]) -> bool + 'v>;

fn main() {
    let mut args = std::env::args().skip(1);
    let method = args.next().unwrap_or_else(|| "xseg/validate".to_owned());
    let reps: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
    let corpus = Corpus::load().unwrap_or_else(|e| panic!("cannot load the corpus: {e}"));
    let docs: Vec<&[u8]> = corpus.docs().collect();
    let mut v = Validator::new(Options::new(Profile::Service));
    let mut simd = SimdTape::new();
    let mut f: Method<'_> = match method.as_str() {
        "xseg/validate" => Box::new(|d| v.validate(d).is_accepted()),
        "xseg/parse_view" => Box::new(|d| v.parse(d).is_ok()),
        "a/serde_value" => Box::new(baseline::serde_value),
        "b/serde_struct" => Box::new(baseline::serde_struct),
        "c/simd_tape" => Box::new(|d| simd.validate(d)),
        "d/sonic_struct" => Box::new(baseline::sonic_struct),
        other => panic!("unknown method {other}"),
    };
    let t = Instant::now();
    let mut accepted = 0usize;
    for _ in 0..reps {
        for d in &docs {
            accepted += usize::from(f(black_box(d)));
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let bytes = corpus.bytes() as f64 * reps as f64;
    println!(
        "{method}: {reps} × {} docs, accepted {}, {:.3} s, {:.1} MB/s, {:.0} docs/s",
        docs.len(),
        accepted / reps.max(1),
        secs,
        bytes / secs / 1e6,
        (docs.len() * reps) as f64 / secs
    );
}
