//! The handler with the trace-level checks: a trace-size rejection in the answer, in the
//! files and in the counts, across requests; warnings as events; orphans at shutdown.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use http::Request;
use serde_json::{json, Value};
use xseg::ErrorCode;
use xseg_batch::{Batch, TraceConfig, TraceFindingKind};
use xseg_serve::{Config, Endpoint, Event};

const MESSAGE: &str = "Trace Size Exceeded. Reduce the number of segments per trace and the size of your segment documents.";

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn lines(&self) -> Vec<String> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// A segment of trace `t` with `id`, padded with metadata to `len` bytes.
fn segment(t: u32, id: u64, len: usize) -> String {
    let make = |pad: usize| {
        format!(
            r#"{{"name":"web","id":"{id:016x}","trace_id":"1-68000000-{t:024x}","start_time":1,"end_time":2,"metadata":{{"default":{{"p":"{}"}}}}}}"#,
            "x".repeat(pad)
        )
    };
    let doc = make(len - make(0).len());
    assert_eq!(doc.len(), len);
    doc
}

fn answer(endpoint: &Endpoint, docs: &[String]) -> Value {
    let body = serde_json::to_vec(&json!({ "TraceSegmentDocuments": docs })).unwrap();
    let request = Request::post("/TraceSegments").body(body).unwrap();
    let mut batch = Batch::sequential(endpoint.config().options);
    let response = endpoint.handle(&mut batch, request, None);
    assert_eq!(response.status(), 200);
    serde_json::from_slice(response.body()).unwrap()
}

fn endpoint(config: Option<TraceConfig>) -> (Endpoint, Shared, Shared, Arc<Mutex<Vec<Event>>>) {
    let (out, rejected) = (Shared::default(), Shared::default());
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let mut e = Endpoint::new(Config::default())
        .with_out(out.clone(), "out")
        .with_rejected(rejected.clone(), "rejected")
        .with_events(move |event| seen.lock().unwrap().push(event.clone()));
    if let Some(config) = config {
        e = e.with_trace_checks(config);
    }
    (e, out, rejected, events)
}

#[test]
fn the_trace_size_rejection_is_in_the_answer_and_in_rejected() {
    let (endpoint, out, rejected, events) = endpoint(Some(TraceConfig::new()));
    assert!(endpoint.trace_checks());
    // Nine documents of 60,000 bytes over three requests: the ninth takes the trace to
    // 540,000 bytes. A document of another trace in the same request is not affected.
    let docs: Vec<String> = (1..=9).map(|i| segment(1, i, 60_000)).collect();
    for request in docs.chunks(4).take(2) {
        assert_eq!(
            answer(&endpoint, request),
            json!({"UnprocessedTraceSegments": []})
        );
    }
    let last = vec![docs[8].clone(), segment(2, 1, 1_000), segment(1, 10, 500)];
    assert_eq!(
        answer(&endpoint, &last),
        json!({"UnprocessedTraceSegments": [
            {"Id": "0000000000000009", "ErrorCode": "InvalidSegment", "Message": MESSAGE},
            {"Id": "000000000000000a", "ErrorCode": "InvalidSegment", "Message": MESSAGE},
        ]})
    );
    // --out holds the eight accepted documents of trace 1 and the one of trace 2.
    let written = out.lines();
    assert_eq!(written.len(), 9);
    assert!(written[8].contains("-000000000000000000000002"));
    let refused = rejected.lines();
    assert_eq!(refused.len(), 2);
    let first: Value = serde_json::from_str(&refused[0]).unwrap();
    assert_eq!(first["ErrorCode"], "InvalidSegment");
    assert_eq!(first["Message"], MESSAGE);
    assert_eq!(first["document"], docs[8].as_str());
    let s = endpoint.summary();
    assert_eq!((s.documents.accepted, s.documents.rejected), (9, 2));
    assert_eq!(s.code(ErrorCode::InvalidSegment), 2);
    let events = events.lock().unwrap();
    let traces: Vec<_> = events
        .iter()
        .filter_map(|e| match e {
            Event::Trace(t) => Some(t),
            _ => None,
        })
        .collect();
    assert_eq!(traces.len(), 2);
    assert_eq!(traces[0].finding.position.request, 3);
    assert_eq!(traces[0].finding.position.index, 0);
    assert_eq!(traces[0].id.as_deref(), Some("0000000000000009"));
    assert!(matches!(
        traces[1].finding.kind,
        TraceFindingKind::TraceSizeExceeded { .. }
    ));
}

#[test]
fn without_trace_checks_the_answer_depends_on_the_body_alone() {
    let (endpoint, out, _, events) = endpoint(None);
    assert!(!endpoint.trace_checks());
    let docs: Vec<String> = (1..=12).map(|i| segment(1, i, 60_000)).collect();
    for request in docs.chunks(4) {
        assert_eq!(
            answer(&endpoint, request),
            json!({"UnprocessedTraceSegments": []})
        );
    }
    assert_eq!(out.lines().len(), 12);
    assert!(events.lock().unwrap().is_empty());
    assert!(endpoint.finish_traces().is_empty());
}

#[test]
fn warnings_are_events_and_orphans_wait_for_shutdown() {
    let (endpoint, out, _, events) = endpoint(Some(TraceConfig::new()));
    let trace = "1-68000000-000000000000000000000005";
    let sub = format!(
        r#"{{"name":"q","id":"0000000000000031","trace_id":"{trace}","start_time":1,"end_time":2,"type":"subsegment","parent_id":"0000000000000030"}}"#
    );
    let seg = format!(
        r#"{{"name":"web","id":"0000000000000007","trace_id":"{trace}","start_time":1,"end_time":2}}"#
    );
    assert_eq!(
        answer(&endpoint, &[sub, seg.clone()]),
        json!({"UnprocessedTraceSegments": []})
    );
    assert_eq!(
        answer(&endpoint, &[seg]),
        json!({"UnprocessedTraceSegments": []})
    );
    // Repeated ids are accepted and written: only a warning.
    assert_eq!(out.lines().len(), 3);
    let kinds: Vec<&str> = events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            Event::Trace(t) => Some(t.finding.name()),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["DuplicateId"]);
    let closed = endpoint.finish_traces();
    assert_eq!(closed.len(), 1);
    let Event::Trace(orphan) = &closed[0] else {
        panic!("{closed:?}")
    };
    assert_eq!(
        orphan.finding.kind,
        TraceFindingKind::OrphanSubsegment { parent_id: 0x30 }
    );
    assert_eq!(
        (
            orphan.finding.position.request,
            orphan.finding.position.index
        ),
        (1, 0)
    );
    assert_eq!(endpoint.summary().documents.warnings, 2);
    assert!(endpoint.finish_traces().is_empty());
}
