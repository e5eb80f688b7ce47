//! xseg against the baseline validators, per size bucket, in one criterion group per bucket so
//! that every ratio comes from one run. One iteration validates every document of the bucket.
//!
//! `XSEG_CORPUS=path cargo bench -p xseg-benches` (see docs/BENCHMARKING.md).
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkGroup, Criterion, SamplingMode, Throughput};
use xseg::{Options, Profile};
use xseg_benches::methods::{self, run};
use xseg_benches::{Bucket, Corpus};

fn configure(g: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, bytes: usize) {
    // One iteration is a whole bucket (milliseconds to a second): flat sampling keeps the
    // iteration count per sample fixed instead of growing it linearly.
    g.sampling_mode(SamplingMode::Flat);
    g.throughput(Throughput::Bytes(bytes as u64));
}

fn buckets(c: &mut Criterion, corpus: &Corpus) {
    for bucket in Bucket::ALL {
        let docs = corpus.bucket(bucket);
        if docs.is_empty() {
            eprintln!("{}: no documents, skipped", bucket.label());
            continue;
        }
        let bytes: usize = docs.iter().map(|d| d.len()).sum();
        let mut verdicts = Vec::new();
        for (label, mut f) in methods::all() {
            verdicts.push(format!("{label} {}", run(&docs, &mut f)));
        }
        eprintln!(
            "{}: {} docs, {} bytes; accepted: {}",
            bucket.label(),
            docs.len(),
            bytes,
            verdicts.join(", ")
        );
        let mut g = c.benchmark_group(bucket.group());
        configure(&mut g, bytes);
        for (label, mut f) in methods::all() {
            g.bench_function(label, |b| b.iter(|| run(&docs, &mut f)));
        }
        g.finish();
    }
}

/// The whole corpus through `xseg_batch::Batch` with 1 and 2 workers (1 runs on the calling
/// thread, 2 on a pool of two). The batch is handed all documents at once and returns the
/// verdicts in order, as `xseg check` does per chunk.
fn batch(c: &mut Criterion, corpus: &Corpus) {
    let docs = corpus.bucket(Bucket::All);
    let mut g = c.benchmark_group(format!("batch_{}", Bucket::All.group()));
    configure(&mut g, corpus.bytes());
    for jobs in [1usize, 2] {
        let mut b = xseg_batch::Batch::with_jobs(Options::new(Profile::Service), jobs)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut out = Vec::with_capacity(docs.len());
        b.validate_into(&docs, &mut out);
        let accepted = out.iter().filter(|r| r.outcome().is_accepted()).count();
        eprintln!(
            "batch, {jobs} job(s): accepted {accepted} of {}",
            docs.len()
        );
        g.bench_function(format!("xseg-batch/threads={jobs}"), |bench| {
            bench.iter(|| {
                b.validate_into(black_box(&docs), &mut out);
                out.len()
            });
        });
    }
    g.finish();
}

/// What the trace checks add, in-process: the whole corpus through `xseg_batch::Batch` with
/// and without them, with 1 and 2 workers. `traced` validates while gathering each accepted
/// document's trace facts (`validate_traced_into`) and then runs a fresh `TraceChecker` over
/// the results in order, orphans included (`check_in_order`, `finish`), as `xseg check
/// --trace-checks` does.
fn trace_checks(c: &mut Criterion, corpus: &Corpus) {
    let docs = corpus.bucket(Bucket::All);
    let mut g = c.benchmark_group(format!("trace_{}", Bucket::All.group()));
    configure(&mut g, corpus.bytes());
    for jobs in [1usize, 2] {
        let mut b = xseg_batch::Batch::with_jobs(Options::new(Profile::Service), jobs)
            .unwrap_or_else(|e| panic!("{e}"));
        let mut plain = Vec::with_capacity(docs.len());
        let mut traced = Vec::with_capacity(docs.len());
        let mut findings = Vec::new();
        g.bench_function(format!("check/threads={jobs}"), |bench| {
            bench.iter(|| {
                b.validate_into(black_box(&docs), &mut plain);
                plain.len()
            });
        });
        g.bench_function(format!("check+trace/threads={jobs}"), |bench| {
            bench.iter(|| {
                b.validate_traced_into(black_box(&docs), &mut traced);
                let mut checker = xseg_batch::TraceChecker::default();
                findings.clear();
                checker.check_in_order((0u64..).zip(&traced), &mut findings);
                checker.finish(&mut findings);
                findings.len()
            });
        });
        eprintln!("trace checks, {jobs} job(s): {} findings", findings.len());
    }
    g.finish();
}

fn main() {
    let corpus = Corpus::load().unwrap_or_else(|e| panic!("cannot load the corpus: {e}"));
    eprintln!(
        "corpus: {}: {} documents, {} bytes ({} lines or frames skipped)",
        corpus.source(),
        corpus.len(),
        corpus.bytes(),
        corpus.skipped()
    );
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    buckets(&mut c, &corpus);
    batch(&mut c, &corpus);
    trace_checks(&mut c, &corpus);
    c.final_summary();
}
