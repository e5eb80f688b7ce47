//! Round-robin timing: every method makes one pass over a bucket in turn, for a number of
//! rounds, and the median pass time of each is reported in the same tables as `bench-table`;
//! the batch at 1 and 2 threads then gets rounds of its own over the whole corpus. On a shared, noisy machine this keeps every method exposed to
//! the same background load, so ratios hold up better than between criterion benchmarks run
//! one after another.
//!
//! `XSEG_CORPUS=corpus/out/frames.bin cargo run --profile bench -p xseg-benches --example round_robin -- [ROUNDS] [batch]`
//!
//! With `batch`, only the batch at 1 and 2 threads is timed (a few seconds).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::time::Instant;

use xseg::{Options, Profile};
use xseg_benches::report::{markdown, Measurement};
use xseg_benches::{methods, Bucket, Corpus};

type Pass<'d> = Box<dyn FnMut(&[&'d [u8]]) -> usize + 'd>;

fn single_passes<'d>() -> Vec<(String, Pass<'d>)> {
    let mut out: Vec<(String, Pass<'d>)> = Vec::new();
    for (label, mut m) in methods::all() {
        out.push((
            label.to_owned(),
            Box::new(move |docs| methods::run(docs, &mut m)),
        ));
    }
    out
}

fn batch_passes<'d>() -> Vec<(String, Pass<'d>)> {
    let mut out: Vec<(String, Pass<'d>)> = Vec::new();
    for jobs in [1usize, 2] {
        let mut b = xseg_batch::Batch::with_jobs(Options::new(Profile::Service), jobs)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut results = Vec::new();
        out.push((
            format!("xseg-batch/threads={jobs}"),
            Box::new(move |docs| {
                b.validate_into(docs, &mut results);
                results.iter().filter(|r| r.outcome().is_accepted()).count()
            }),
        ));
    }
    out
}

/// Median pass time of each of `ps` over `docs`: one warm-up pass each, then `rounds` rounds,
/// each starting with the next method so that no method always follows the same one.
fn time_round_robin<'d>(
    ps: &mut [(String, Pass<'d>)],
    docs: &[&'d [u8]],
    rounds: usize,
) -> Vec<Vec<f64>> {
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); ps.len()];
    for (_, p) in ps.iter_mut() {
        p(docs); // warm-up: buffers grown, caches and branch predictors primed
    }
    let n = ps.len();
    for r in 0..rounds {
        for k in 0..n {
            let i = (r + k) % n;
            let t = Instant::now();
            std::hint::black_box((ps[i].1)(docs));
            times[i].push(t.elapsed().as_nanos() as f64);
        }
    }
    times
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(9);
    let batch_only = std::env::args().nth(2).as_deref() == Some("batch");
    let corpus = Corpus::load().unwrap_or_else(|e| panic!("cannot load the corpus: {e}"));
    let mut measurements = Vec::new();
    for bucket in Bucket::ALL {
        if batch_only && bucket != Bucket::All {
            continue;
        }
        let docs = corpus.bucket(bucket);
        let bytes: usize = docs.iter().map(|d| d.len()).sum();
        let mut ps = if batch_only {
            Vec::new()
        } else {
            single_passes()
        };
        let mut times = time_round_robin(&mut ps, &docs, rounds);
        if bucket == Bucket::All {
            // the pool's threads spin for a while after a batch, so batches get rounds of their own
            let mut bs = batch_passes();
            times.extend(time_round_robin(&mut bs, &docs, rounds));
            ps.extend(bs);
        }
        for ((label, _), t) in ps.iter().zip(&mut times) {
            let (lo, hi) = t
                .iter()
                .fold((f64::MAX, 0f64), |(lo, hi), &x| (lo.min(x), hi.max(x)));
            let batch = label.starts_with("xseg-batch");
            measurements.push(Measurement {
                group: if batch {
                    format!("batch_{}", bucket.group())
                } else {
                    bucket.group().to_owned()
                },
                function: label.clone(),
                median_ns: median(t),
                median_ci_ns: (lo, hi),
                bytes: Some(bytes as u64),
            });
            eprintln!(
                "{} {label}: median {:.2} ms, max/min {:.2}",
                bucket.label(),
                median(t) / 1e6,
                hi / lo
            );
        }
    }
    let stats: BTreeMap<Bucket, _> = Bucket::ALL.map(|b| (b, corpus.stats(b))).into();
    println!(
        "corpus: {}, {} documents, {:.1} MB; {rounds} rounds, round-robin\n",
        corpus.source(),
        corpus.len(),
        corpus.bytes() as f64 / 1e6
    );
    print!("{}", markdown(&measurements, &stats));
}
