//! Throughput of the stage-1 block classifiers alone, per backend, against `simdutf8` over the
//! same bytes: every document of the corpus, in turn, for a number of round-robin rounds; the
//! median pass of each method is reported, with its ratio to `simdutf8` from the same run.
//!
//! `XSEG_CORPUS=corpus/out/frames.bin cargo run --profile bench -p xseg-benches --example scan_blocks -- [ROUNDS]`
//!
//! With a method label instead of a number (`simdutf8`, `index/avx2`, `blocks/sse2`, ...),
//! that method alone runs `REPS` passes (default 10), for profilers:
//! `valgrind --tool=callgrind target/release/examples/scan_blocks index/avx2 2`.
//!
//! Methods: `simdutf8` (UTF-8 validation); `index/<backend>` (structural indices of each
//! document into a reused vector: one dispatch per document); `blocks/<backend>` (the block
//! iterator, every bitmap of every block: one dispatch per block).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

// The classifiers are internal to `xseg` and not yet used by its engine; their
// self-contained source is compiled in here.
#[allow(dead_code)]
#[path = "../../crates/xseg/src/scan/block/mod.rs"]
mod block;

use std::hint::black_box;
use std::time::Instant;

use block::{Backend, BlockScanner, Kernel, StructuralIndex};
use xseg_benches::Corpus;

type Pass = Box<dyn FnMut(&[&[u8]]) -> u64>;

fn methods() -> Vec<(String, Pass)> {
    let mut out: Vec<(String, Pass)> = vec![(
        "simdutf8".to_owned(),
        Box::new(|docs: &[&[u8]]| {
            docs.iter()
                .map(|d| u64::from(simdutf8::basic::from_utf8(black_box(d)).is_ok()))
                .sum()
        }),
    )];
    for kernel in Backend::ALL.iter().filter_map(|&b| Kernel::new(b)) {
        let name = kernel.backend().name();
        let mut index = StructuralIndex::new();
        out.push((
            format!("index/{name}"),
            Box::new(move |docs: &[&[u8]]| {
                let mut n = 0;
                for d in docs {
                    index
                        .build_with(kernel, black_box(d))
                        .expect("documents are short");
                    n += black_box(index.positions()).len() as u64;
                }
                n
            }),
        ));
        out.push((
            format!("blocks/{name}"),
            Box::new(move |docs: &[&[u8]]| {
                let mut n = 0u64;
                for d in docs {
                    for b in BlockScanner::with_kernel(black_box(d), kernel) {
                        n += u64::from(black_box(b).structural.count_ones());
                    }
                }
                n
            }),
        ));
    }
    out
}

fn main() {
    let corpus = Corpus::load().unwrap_or_else(|e| panic!("cannot load the corpus: {e}"));
    let docs: Vec<&[u8]> = corpus.docs().collect();
    let bytes = corpus.bytes() as f64;
    let mut args = std::env::args().skip(1);
    let first = args.next().unwrap_or_else(|| "9".to_owned());
    let mut ms = methods();
    println!(
        "{} documents, {:.1} MB, from {}; best backend: {}",
        docs.len(),
        bytes / 1e6,
        corpus.source(),
        Kernel::best().backend().name()
    );
    if let Some((label, pass)) = ms.iter_mut().find(|(l, _)| *l == first) {
        let reps: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(10);
        let t = Instant::now();
        let mut n = 0;
        for _ in 0..reps {
            n = pass(&docs);
        }
        let secs = t.elapsed().as_secs_f64();
        println!(
            "{label}: {reps} passes, result {n}, {:.0} MB/s",
            bytes * reps as f64 / secs / 1e6
        );
        return;
    }
    let rounds: usize = first
        .parse()
        .unwrap_or_else(|_| panic!("not a method or a round count: {first}"));
    let mut times = vec![Vec::new(); ms.len()];
    let mut results = vec![0; ms.len()];
    for (i, (_, pass)) in ms.iter_mut().enumerate() {
        results[i] = pass(&docs); // warm-up
    }
    for round in 0..rounds {
        for k in 0..ms.len() {
            let i = (round + k) % ms.len();
            let t = Instant::now();
            let n = ms[i].1(&docs);
            times[i].push(t.elapsed().as_secs_f64());
            assert_eq!(n, results[i], "{}: a pass gave a different result", ms[i].0);
        }
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let utf8 = median(&mut times[0].clone());
    println!("| method | MB/s | vs simdutf8 |\n|---|---:|---:|");
    for (i, (label, _)) in ms.iter().enumerate() {
        let t = median(&mut times[i]);
        println!("| `{label}` | {:.0} | {:.2}× |", bytes / t / 1e6, utf8 / t);
    }
    // Every backend, through both entry points, finds the same number of structural bytes.
    assert!(results[1..].iter().all(|&n| n == results[1]), "{results:?}");
    println!("\n{} structural bytes in the corpus", results[1]);
}
