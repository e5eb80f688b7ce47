//! The trace checker's memory stays bounded on an endless stream: up to ten million traces go
//! through a checker that keeps 10,000 open, and the process's heap, counted by a capping
//! global allocator (the `cap` crate), never grows past a fixed ceiling.
//!
//! This binary holds this one test, so the allocator's peak is the checker's (plus the test
//! harness's few allocations, taken as the baseline).

// Outside `#[test]` functions too, a failed expectation is how a test reports.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::alloc::System;

use cap::Cap;
use xseg_batch::{TraceChecker, TraceConfig, TraceFacts};

#[global_allocator]
static ALLOCATOR: Cap<System> = Cap::new(System, usize::MAX);

/// Traces streamed. Ten million take minutes in an unoptimised build, so `cargo test` streams
/// two hundred thousand (20 times the open traces: the steady state is reached after the
/// first 10,000); `.ci/run` sets `XSEG_TRACE_MEMORY_TRACES=10000000` and runs this test
/// optimised (without fat LTO), where the ten million take about 3 s on a two-core machine.
fn traces() -> u64 {
    std::env::var("XSEG_TRACE_MEMORY_TRACES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000)
}

/// Open traces kept.
const OPEN: usize = 10_000;

/// The ceiling on the checker's heap. 10,000 open traces of 7 ids and keys each (and a waiting
/// subsegment for every tenth) measured 1.9 MB live and 2.1 MB at the peak after ten million
/// traces (3.2 MB and 3.4 MB before the common keys took no node), the same after two hundred
/// thousand and one million.
const CEILING: usize = 8 << 20;

#[test]
fn ten_million_traces_stay_within_the_memory_ceiling() {
    let traces = traces();
    let mut checker: TraceChecker<u64> =
        TraceChecker::new(TraceConfig::new().with_max_open_traces(OPEN));
    let mut out = Vec::with_capacity(16);
    let baseline = ALLOCATOR.allocated();
    // Any allocation past the ceiling fails (and aborts the test) rather than only being
    // seen afterwards.
    ALLOCATOR
        .set_limit(baseline + CEILING)
        .expect("the limit is above what is allocated");
    for i in 0..traces {
        // Every trace: a segment with two embedded subsegments and three annotation keys,
        // and for every tenth a standalone subsegment whose parent never comes.
        let trace = u128::from(i).wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835);
        let facts = TraceFacts::new(trace, i, 1_000)
            .with_embedded_id(i ^ 1)
            .with_embedded_id(i ^ 2)
            .with_annotation_key("user")
            .with_annotation_key("tenant")
            .with_annotation_key("order");
        checker.check(i, &facts, &mut out);
        drop(facts);
        if i % 10 == 0 {
            let orphan = TraceFacts::new(trace, i ^ 3, 300)
                .with_standalone_subsegment(true)
                .with_parent_id(u64::MAX);
            checker.check(i, &orphan, &mut out);
        }
        // The findings are the caller's to keep; only the checker is measured.
        out.clear();
    }
    let peak = ALLOCATOR.max_allocated() - baseline;
    let live = ALLOCATOR.allocated() - baseline;
    ALLOCATOR
        .set_limit(usize::MAX)
        .expect("raising the limit always works");
    let reported = checker.memory_bytes();
    let stats = checker.stats();
    println!(
        "{traces} traces: peak {peak} bytes, live {live}, reported {reported}, bound {}",
        checker.memory_bound()
    );
    assert_eq!(stats.traces, traces);
    assert_eq!(stats.evicted, traces.saturating_sub(OPEN as u64));
    assert_eq!(checker.open_traces(), OPEN.min(traces as usize));
    // Every tenth trace left an orphan; those of the evicted traces are already reported.
    let evicted_orphans = (0..traces.saturating_sub(OPEN as u64))
        .filter(|i| i % 10 == 0)
        .count() as u64;
    assert_eq!(stats.orphans, evicted_orphans);
    assert!(peak <= CEILING, "peak {peak} bytes over {CEILING}");
    assert!(reported <= checker.memory_bound());
    // The checker's own account of its memory agrees with the allocator's.
    assert!(
        live.abs_diff(reported) <= live / 4,
        "reported {reported} against measured {live}"
    );
    // The open traces' orphans come at the end, in input order.
    checker.finish(&mut out);
    let open_orphans: Vec<u64> = (traces.saturating_sub(OPEN as u64)..traces)
        .filter(|i| i % 10 == 0)
        .collect();
    let positions: Vec<u64> = out.iter().map(|f| f.position).collect();
    assert_eq!(positions, open_orphans);
    assert_eq!(checker.tracked(), 0);
}
