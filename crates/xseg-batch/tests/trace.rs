//! Trace-level checks: crafted streams for each finding, through validation and the checker;
//! the same findings for any number of threads and any interleaving of traces. The memory
//! bound is tested in `trace_memory.rs`, a binary of its own so that its allocator counts the
//! checker alone.

// Outside `#[test]` functions too, a failed expectation is how a test reports.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use proptest::prelude::*;
use xseg::{ErrorCode, Options};
use xseg_batch::trace::TRACE_SIZE_EXCEEDED_MESSAGE;
use xseg_batch::{Batch, TraceChecker, TraceConfig, TraceFacts, TraceFinding, TraceFindingKind};

// ---- documents ----

const TRACE: &str = "1-68000000-a006649127e371903a2de979";
const OTHER_TRACE: &str = "1-68000000-b006649127e371903a2de979";

/// A segment of `trace` with `id` and extra members (`extra` starts with a comma or is empty).
fn segment(trace: &str, id: u64, extra: &str) -> String {
    format!(
        r#"{{"name":"web","id":"{id:016x}","trace_id":"{trace}","start_time":1.5,"end_time":2{extra}}}"#
    )
}

/// A standalone subsegment of `trace` under `parent`.
fn subsegment(trace: &str, id: u64, parent: u64, extra: &str) -> String {
    format!(
        r#"{{"name":"db","id":"{id:016x}","trace_id":"{trace}","type":"subsegment","parent_id":"{parent:016x}","start_time":1.5,"end_time":2{extra}}}"#
    )
}

/// `doc` padded with metadata to exactly `size` bytes.
fn padded(doc: &str, size: usize) -> String {
    let open = doc.len() - 1; // before the closing brace
    let frame = r#","metadata":{"pad":""}"#.len();
    let fill = size - doc.len() - frame;
    let out = format!(
        r#"{},"metadata":{{"pad":"{}"}}}}"#,
        &doc[..open],
        "x".repeat(fill)
    );
    assert_eq!(out.len(), size);
    out
}

/// Runs `docs` through validation (every document must be accepted) and the checks, with
/// `jobs` threads; findings carry the 0-based document index.
fn run_with(docs: &[String], config: TraceConfig, jobs: usize) -> Vec<TraceFinding<u64>> {
    let refs: Vec<&[u8]> = docs.iter().map(|d| d.as_bytes()).collect();
    let mut batch = Batch::with_jobs(Options::default(), jobs).expect("a pool");
    let results = batch.validate_traced(&refs);
    for (i, r) in results.iter().enumerate() {
        assert!(
            r.checked.outcome().is_accepted(),
            "document {i}: {:?}",
            r.checked
        );
    }
    let mut checker = TraceChecker::new(config);
    let mut findings = Vec::new();
    checker.check_in_order((0u64..).zip(&results), &mut findings);
    checker.finish(&mut findings);
    findings
}

fn run(docs: &[String]) -> Vec<TraceFinding<u64>> {
    let findings = run_with(docs, TraceConfig::new(), 1);
    for jobs in [2, 4] {
        assert_eq!(
            run_with(docs, TraceConfig::new(), jobs),
            findings,
            "jobs {jobs}"
        );
    }
    findings
}

fn summary(findings: &[TraceFinding<u64>]) -> Vec<(u64, &'static str)> {
    findings.iter().map(|f| (f.position, f.name())).collect()
}

// ---- crafted streams ----

#[test]
fn a_trace_crossing_500_kb_is_rejected_from_that_document_on() {
    // Eight documents of 60,000 bytes make 480,000; the ninth takes the trace to 540,000.
    let mut docs: Vec<String> = (1..=8)
        .map(|i| padded(&segment(TRACE, i, ""), 60_000))
        .collect();
    docs.push(segment(OTHER_TRACE, 100, "")); // another trace is not affected
    docs.push(padded(&segment(TRACE, 9, ""), 60_000)); // index 9: over the limit
    docs.push(segment(TRACE, 10, "")); // a small later one is rejected too
    docs.push(segment(OTHER_TRACE, 101, ""));
    let findings = run(&docs);
    assert_eq!(
        summary(&findings),
        [(9, "TraceSizeExceeded"), (10, "TraceSizeExceeded")]
    );
    let first = &findings[0];
    assert!(first.is_rejection());
    assert_eq!(first.code(), Some(ErrorCode::InvalidSegment));
    assert_eq!(
        first.message(),
        Some("Trace Size Exceeded. Reduce the number of segments per trace and the size of your segment documents.")
    );
    assert_eq!(first.message(), Some(TRACE_SIZE_EXCEEDED_MESSAGE));
    assert_eq!(first.id, Some(9));
    assert_eq!(first.trace_id_string(), TRACE);
    assert_eq!(
        first.kind,
        TraceFindingKind::TraceSizeExceeded {
            trace_bytes: 540_000,
            limit: 512_000
        }
    );
    // A later document counts with the accepted ones only, not with the rejected one.
    assert_eq!(
        findings[1].kind,
        TraceFindingKind::TraceSizeExceeded {
            trace_bytes: 480_000 + docs[10].len() as u64,
            limit: 512_000
        }
    );
    let entry = first
        .unprocessed(Some("0000000000000009".into()))
        .expect("an entry");
    assert_eq!(entry.error_code, ErrorCode::InvalidSegment);
    assert_eq!(entry.message, TRACE_SIZE_EXCEEDED_MESSAGE);

    // Exactly at the limit is accepted.
    let at_limit: Vec<String> = (1..=8)
        .map(|i| padded(&segment(TRACE, i, ""), 64_000))
        .collect();
    assert!(run(&at_limit).is_empty());
}

#[test]
fn the_51st_annotation_key_over_three_documents_warns_once() {
    let keys = |range: std::ops::Range<u32>| {
        let members: Vec<String> = range.map(|k| format!(r#""key_{k}":{k}"#)).collect();
        format!(r#","annotations":{{{}}}"#, members.join(","))
    };
    let docs = vec![
        segment(TRACE, 1, &keys(0..17)),
        // the embedded subsegment's keys count too
        segment(
            TRACE,
            2,
            &format!(
                r#","subsegments":[{{"name":"s","id":"00000000000000f2","start_time":1.5,"end_time":2{}}}]"#,
                keys(17..34)
            ),
        ),
        segment(OTHER_TRACE, 3, &keys(0..50)),
        segment(TRACE, 4, &keys(30..51)), // keys 34..=50 are new: the 51st is in here
        segment(TRACE, 5, &keys(51..60)), // no second warning
    ];
    let findings = run(&docs);
    assert_eq!(summary(&findings), [(3, "TraceAnnotationsOverLimit")]);
    assert_eq!(findings[0].id, Some(4));
    assert!(!findings[0].is_rejection());

    // Fifty distinct keys, repeated and spread out, and keys the service drops: no warning.
    let docs = vec![
        segment(TRACE, 1, &keys(0..30)),
        segment(TRACE, 2, &keys(10..50)),
        segment(
            TRACE,
            3,
            r#","annotations":{"bad-key":1,"also bad":2,"k":null}"#,
        ),
    ];
    assert!(run(&docs).is_empty());
}

#[test]
fn a_complete_id_sent_twice_warns() {
    let docs = vec![
        segment(TRACE, 1, ""),
        segment(OTHER_TRACE, 1, ""), // same id, another trace: fine
        segment(TRACE, 2, ""),
        segment(TRACE, 1, ""),
        segment(TRACE, 1, ""),
    ];
    let findings = run(&docs);
    assert_eq!(summary(&findings), [(3, "DuplicateId"), (4, "DuplicateId")]);
    assert_eq!(findings[0].id, Some(1));
    assert!(findings[0].to_string().contains("0000000000000001"));
}

#[test]
fn in_progress_then_complete_is_the_normal_pattern() {
    let in_progress = format!(
        r#"{{"name":"web","id":"0000000000000001","trace_id":"{TRACE}","start_time":1.5,"in_progress":true}}"#
    );
    let docs = vec![
        in_progress.clone(),
        in_progress,
        segment(TRACE, 1, r#","in_progress":false"#),
    ];
    assert!(run(&docs).is_empty());
}

#[test]
fn a_streamed_subsegment_whose_parent_arrives_later_is_attached() {
    let docs = vec![
        // parent 0x10 arrives later as the segment itself
        subsegment(TRACE, 0x21, 0x10, ""),
        // parent 0x22 arrives later embedded in the segment
        subsegment(TRACE, 0x31, 0x22, ""),
        // parent 0x21 arrived earlier as a standalone subsegment
        subsegment(TRACE, 0x41, 0x21, ""),
        segment(
            TRACE,
            0x10,
            r#","subsegments":[{"name":"s","id":"0000000000000022","start_time":1.5,"end_time":2}]"#,
        ),
        // a segment whose parent is in another service is normal
        format!(
            r#"{{"name":"web","id":"0000000000000050","trace_id":"{OTHER_TRACE}","parent_id":"00000000000000ee","start_time":1.5,"end_time":2}}"#
        ),
    ];
    assert!(run(&docs).is_empty());
}

#[test]
fn a_standalone_subsegment_whose_parent_never_arrives_warns_at_the_end() {
    let docs = vec![
        subsegment(TRACE, 0x21, 0x99, ""),
        segment(TRACE, 0x10, ""),
        subsegment(TRACE, 0x22, 0x10, ""),
    ];
    let refs: Vec<&[u8]> = docs.iter().map(|d| d.as_bytes()).collect();
    let results = Batch::sequential(Options::default()).validate_traced(&refs);
    let mut checker = TraceChecker::default();
    let mut findings = Vec::new();
    checker.check_in_order((0u64..).zip(&results), &mut findings);
    assert!(findings.is_empty(), "nothing before the trace closes");
    checker.finish(&mut findings);
    assert_eq!(summary(&findings), [(0, "OrphanSubsegment")]);
    assert_eq!(
        findings[0].kind,
        TraceFindingKind::OrphanSubsegment { parent_id: 0x99 }
    );
    assert_eq!(findings[0].id, Some(0x21));
    assert_eq!(run(&docs), findings);
}

#[test]
fn an_evicted_trace_reports_its_orphans_then() {
    let docs = vec![
        subsegment(TRACE, 0x21, 0x99, ""),
        segment(OTHER_TRACE, 1, ""), // closes TRACE when one trace is kept open
        segment(OTHER_TRACE, 2, ""),
    ];
    let findings = run_with(&docs, TraceConfig::new().with_max_open_traces(1), 2);
    assert_eq!(summary(&findings), [(0, "OrphanSubsegment")]);
}

#[test]
fn the_real_sdk_samples_give_only_findings_that_are_really_there() {
    // Each sample file is a selection of single documents from the full capture: its
    // streamed subsegments' parents were mostly not selected (corpus/README.md lists them).
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus/samples");
    let mut batch = Batch::with_jobs(Options::default(), 2).expect("a pool");
    let mut header = xseg::Validator::default();
    let mut got = Vec::new();
    for (file, want_orphans, want_annotations) in [
        ("python.ndjson", 19, [2, 28].as_slice()),
        ("node.ndjson", 12, &[12]),
    ] {
        let data = std::fs::read(format!("{root}/{file}")).expect("the committed samples");
        let (lines, docs): (Vec<u64>, Vec<&[u8]>) = data
            .split(|&b| b == b'\n')
            .zip(1u64..)
            .filter(|(l, _)| !l.is_empty() && !header.is_daemon_header(l))
            .map(|(l, n)| (n, l))
            .unzip();
        let results = batch.validate_traced(&docs);
        let mut checker = TraceChecker::default();
        let mut findings = Vec::new();
        checker.check_in_order(lines.iter().copied().zip(&results), &mut findings);
        checker.finish(&mut findings);
        let annotations: Vec<u64> = findings
            .iter()
            .filter(|f| f.kind == TraceFindingKind::TraceAnnotationsOverLimit)
            .map(|f| f.position)
            .collect();
        let orphans = findings
            .iter()
            .filter(|f| matches!(f.kind, TraceFindingKind::OrphanSubsegment { .. }))
            .count();
        assert_eq!(annotations, want_annotations, "{file}");
        assert_eq!(orphans, want_orphans, "{file}");
        assert_eq!(findings.len(), orphans + annotations.len(), "{file}");
        got.push(findings.len());
    }
    assert_eq!(got, [21, 13]);
}

/// The facts the validator gathers during its pass are the facts read from the borrowed
/// view, for every committed sample and every edge case, under both profiles; and the raw
/// `id` kept for an `UnprocessedTraceSegments` entry is the view's.
#[test]
fn gathered_facts_are_the_views_facts() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
    let mut docs: Vec<Vec<u8>> = Vec::new();
    for file in ["python.ndjson", "node.ndjson"] {
        let data = std::fs::read(format!("{root}/corpus/samples/{file}")).expect("the samples");
        docs.extend(data.split(|&b| b == b'\n').map(<[u8]>::to_vec));
    }
    let cases = std::fs::read_to_string(format!("{root}/../shared/data/edge-cases.json"))
        .expect("the edge cases");
    let cases: serde_json::Value = serde_json::from_str(&cases).expect("JSON");
    for case in cases.as_array().into_iter().flatten() {
        if let Some(doc) = case.get("document").and_then(|d| d.as_str()) {
            docs.push(doc.as_bytes().to_vec());
        }
    }
    assert!(docs.len() > 250, "{}", docs.len());
    let mut compared = 0;
    for options in [Options::default(), Options::new(xseg::Profile::Strict)] {
        let mut v = xseg::Validator::new(options);
        for doc in &docs {
            let traced = xseg_batch::Traced::validate(&mut v, doc);
            let view = v.parse(doc).ok();
            let read = view
                .as_ref()
                .and_then(|d| TraceFacts::from_document(d, doc.len()));
            assert_eq!(traced.facts, read, "{}", String::from_utf8_lossy(doc));
            let view_id = match &view {
                Some(xseg::Document::Segment(s)) => s.id().map(|id| id.raw().to_owned()),
                _ => None,
            };
            if traced.checked.outcome().is_accepted() {
                assert_eq!(traced.id.map(|id| id.raw().to_owned()), view_id);
            }
            compared += usize::from(read.is_some());
        }
    }
    assert!(compared > 400, "{compared}");
}

// ---- order: the same findings for any interleaving of traces ----

/// One generated document: facts in a small id space, so that repeats and parents meet.
fn arb_doc() -> impl Strategy<Value = (u64, bool, Option<u64>, bool, u64, Vec<u64>, Vec<u8>)> {
    (
        0u64..12,                                  // id
        any::<bool>(),                             // in progress
        proptest::option::of(0u64..12),            // parent (standalone when set)
        any::<bool>(),                             // standalone
        1u64..300,                                 // size
        proptest::collection::vec(0u64..12, 0..3), // embedded ids
        proptest::collection::vec(0u8..70, 0..12), // annotation keys
    )
}

fn facts_of(
    trace: u128,
    (id, in_progress, parent, standalone, size, embedded, keys): &(
        u64,
        bool,
        Option<u64>,
        bool,
        u64,
        Vec<u64>,
        Vec<u8>,
    ),
) -> TraceFacts {
    let mut f = TraceFacts::new(trace, *id, *size)
        .with_in_progress(*in_progress)
        .with_standalone_subsegment(*standalone);
    if let Some(p) = parent {
        f = f.with_parent_id(*p);
    }
    for e in embedded {
        f = f.with_embedded_id(100 + e);
    }
    for k in keys {
        f = f.with_annotation_key(&format!("k{}", u32::from(*k) + 8 * (trace as u32)));
    }
    f
}

/// The findings of the documents taken in `order` (trace numbers; each trace's documents in
/// their own order), as a sorted list of (trace, index in trace, finding name).
fn findings_in(traces: &[Vec<TraceFacts>], order: &[usize]) -> Vec<(usize, usize, &'static str)> {
    let mut next = vec![0usize; traces.len()];
    let mut checker = TraceChecker::new(TraceConfig::new().with_max_trace_bytes(2_000));
    let mut out = Vec::new();
    for &t in order {
        let i = next[t];
        next[t] += 1;
        checker.check((t, i), &traces[t][i], &mut out);
    }
    checker.finish(&mut out);
    let mut got: Vec<_> = out
        .iter()
        .map(|f| (f.position.0, f.position.1, f.name()))
        .collect();
    got.sort_unstable();
    got
}

#[test]
fn the_shuffle_property_sees_every_kind_of_finding() {
    // One fixed stream of the kind the property generates, so that the property is known to
    // compare findings of every kind, not empty lists.
    let mut traces = Vec::new();
    for t in 0..3u128 {
        let mut docs = Vec::new();
        for i in 0..12u64 {
            let mut f = TraceFacts::new(t + 1, i % 5, 200).with_in_progress(i == 7);
            if i % 4 == 3 {
                f = f.with_standalone_subsegment(true).with_parent_id(40 + i);
            }
            for k in 0..6 {
                f = f.with_annotation_key(&format!("k{}", i * 6 + k));
            }
            docs.push(f);
        }
        traces.push(docs);
    }
    let order: Vec<usize> = (0..36).map(|i| i % 3).collect();
    let got = findings_in(&traces, &order);
    for name in [
        "TraceSizeExceeded",
        "DuplicateId",
        "TraceAnnotationsOverLimit",
        "OrphanSubsegment",
    ] {
        assert!(got.iter().any(|f| f.2 == name), "{name} in {got:?}");
    }
    let sequential: Vec<usize> = (0..36).map(|i| i / 12).collect();
    assert_eq!(findings_in(&traces, &sequential), got);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn shuffling_traces_keeps_the_findings(
        traces in proptest::collection::vec(proptest::collection::vec(arb_doc(), 1..25), 1..6),
        seed in any::<u64>(),
    ) {
        let traces: Vec<Vec<TraceFacts>> = traces
            .iter()
            .enumerate()
            .map(|(t, docs)| docs.iter().map(|d| facts_of(t as u128 + 1, d)).collect())
            .collect();
        // Trace after trace, then a random interleaving that keeps each trace's order.
        let sequential: Vec<usize> = traces
            .iter()
            .enumerate()
            .flat_map(|(t, docs)| std::iter::repeat_n(t, docs.len()))
            .collect();
        let mut shuffled = sequential.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let want = findings_in(&traces, &sequential);
        prop_assert_eq!(findings_in(&traces, &shuffled), want);
    }
}
