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
use xseg::{Options, Profile, Segment, Validator};
use xseg_benches::baseline::{self, SimdTape};
use xseg_benches::{Bucket, Corpus};

/// What the view gives a consumer: the identity fields of every entity, subsegments included.
fn touch(seg: Segment<'_>) -> usize {
    let mut acc = seg.id().map_or(0, |s| s.raw().len());
    acc += seg.name().map_or(0, |s| s.raw().len());
    acc += seg.trace_id_str().map_or(0, |s| s.raw().len());
    acc += usize::from(black_box(seg.start_time()).is_some());
    acc += usize::from(black_box(seg.end_time()).is_some());
    for child in seg.subsegments() {
        acc += touch(child);
    }
    acc
}

fn parse_view(v: &mut Validator, doc: &[u8]) -> bool {
    match v.parse(doc) {
        Ok(d) => d.segment().is_none_or(|s| black_box(touch(s)) > 0),
        Err(_) => false,
    }
}

/// Every method: label and a fresh validator closure.
type Method = Box<dyn FnMut(&[u8]) -> bool>;

fn methods() -> Vec<(&'static str, Method)> {
    let mut v1 = Validator::new(Options::new(Profile::Service));
    let mut v2 = Validator::new(Options::new(Profile::Service));
    let mut simd = SimdTape::new();
    vec![
        (
            "xseg/validate",
            Box::new(move |d| v1.validate(d).is_accepted()),
        ),
        ("xseg/parse_view", Box::new(move |d| parse_view(&mut v2, d))),
        ("a/serde_value", Box::new(baseline::serde_value)),
        ("b/serde_struct", Box::new(baseline::serde_struct)),
        ("c/simd_tape", Box::new(move |d| simd.validate(d))),
        ("d/sonic_struct", Box::new(baseline::sonic_struct)),
    ]
}

fn run_all(docs: &[&[u8]], f: &mut Method) -> usize {
    let mut accepted = 0;
    for d in docs {
        accepted += usize::from(f(black_box(d)));
    }
    accepted
}

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
        for (label, mut f) in methods() {
            verdicts.push(format!("{label} {}", run_all(&docs, &mut f)));
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
        for (label, mut f) in methods() {
            g.bench_function(label, |b| b.iter(|| run_all(&docs, &mut f)));
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
        let accepted = out.iter().filter(|r| r.is_accepted()).count();
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
    c.final_summary();
}
