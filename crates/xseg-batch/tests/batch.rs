//! The batch layer gives every document the verdict it gets alone: in parallel batches, in
//! PutTraceSegments requests and in NDJSON streams, over the shared edge cases and a mixed
//! corpus, under both profiles.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use serde_json::Value;
use xseg::{Options, Profile, Validator, Warning};
use xseg_batch::{Batch, Checked, StreamConfig};

fn edge_cases() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/edge-cases.json"
    );
    let text = std::fs::read_to_string(path).expect("shared/data/edge-cases.json");
    serde_json::from_str(&text).expect("a JSON array")
}

const GOOD: &str = r#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2,"subsegments":[{"name":"db","id":"1111111111111111","start_time":1.6,"end_time":1.9}]}"#;

/// The edge cases plus valid, invalid and warning documents, repeated so that batches split
/// across workers.
fn corpus() -> Vec<String> {
    let mut docs: Vec<String> = edge_cases()
        .iter()
        .map(|c| c["document"].as_str().unwrap().to_owned())
        .collect();
    for i in 0..300 {
        docs.push(match i % 6 {
            0 => GOOD.to_owned(),
            1 => GOOD.replace("\"db\"", "\"d(b)\""),
            2 => GOOD.replace("70de5b6f19ff9a0a", &format!("{i:016X}")),
            3 => format!(r#"{{"id":"{i:016x}","name":"n{i}"}}"#),
            4 => "[".repeat(i),
            _ => GOOD.replace("\"end_time\":1.9", "\"end_time\":\"1.9\""),
        });
    }
    docs
}

/// What each document gets alone: the verdict and the kept warnings.
fn alone<'a>(options: Options, docs: &[&'a [u8]]) -> Vec<(Checked<'a>, Vec<Warning>)> {
    let mut v = Validator::new(options);
    docs.iter()
        .map(|d| {
            let o = v.validate(d);
            (
                Checked::new(&o, v.warnings()),
                v.warnings().iter().copied().collect(),
            )
        })
        .collect()
}

#[test]
fn edge_cases_hold_in_a_batch() {
    let cases = edge_cases();
    assert_eq!(cases.len(), 82);
    let docs: Vec<&[u8]> = cases
        .iter()
        .map(|c| c["document"].as_str().unwrap().as_bytes())
        .collect();
    for profile in [Profile::Service, Profile::Strict] {
        let mut batch = Batch::with_jobs(Options::new(profile), 2).unwrap();
        for (case, got) in cases.iter().zip(batch.validate(&docs)) {
            let want = &case[profile.name()];
            let what = format!("{} ({})", case["case"], profile.name());
            assert_eq!(
                got.outcome().is_accepted(),
                want["accepted"].as_bool().unwrap(),
                "{what}"
            );
            if !got.outcome().is_accepted() {
                assert_eq!(
                    got.outcome().code().map(|c| c.as_str()),
                    want["ErrorCode"].as_str(),
                    "{what}"
                );
                assert_eq!(
                    got.outcome().rejection().map(|r| r.message()),
                    want["Message"].as_str(),
                    "{what}"
                );
                assert_eq!(got.outcome().id().as_deref(), want["Id"].as_str(), "{what}");
            }
        }
    }
}

#[test]
fn batch_equals_sequential_in_order() {
    let docs = corpus();
    let refs: Vec<&[u8]> = docs.iter().map(|d| d.as_bytes()).collect();
    for profile in [Profile::Service, Profile::Strict] {
        let opts = Options::new(profile);
        let want = alone(opts, &refs);
        let want_checked: Vec<Checked<'_>> = want.iter().map(|(c, _)| *c).collect();
        assert!(want_checked.iter().any(|c| c.outcome().is_accepted()));
        assert!(want_checked.iter().any(|c| !c.outcome().is_accepted()));
        assert!(want_checked.iter().any(|c| c.warnings() > 0));
        for jobs in [1, 2] {
            let mut batch = Batch::with_jobs(opts, jobs).unwrap();
            assert_eq!(batch.validate(&refs), want_checked, "jobs {jobs}");
            let mapped = batch.validate_map(&refs, |_, o, w| {
                (Checked::new(&o, w), w.iter().copied().collect::<Vec<_>>())
            });
            assert_eq!(mapped, want, "jobs {jobs}");
        }
        // the global pool too
        assert_eq!(Batch::new(opts).validate(&refs), want_checked);
    }
}

#[test]
fn requests_answer_like_each_document_alone() {
    let docs = corpus();
    let refs: Vec<&[u8]> = docs.iter().map(|d| d.as_bytes()).collect();
    let body = serde_json::to_vec(&serde_json::json!({ "TraceSegmentDocuments": docs })).unwrap();
    for profile in [Profile::Service, Profile::Strict] {
        let opts = Options::new(profile);
        let want = alone(opts, &refs);
        let expected: Vec<Value> = want
            .iter()
            .filter_map(|(c, _)| c.unprocessed())
            .map(|e| {
                let mut m = serde_json::Map::new();
                if let Some(id) = e.id {
                    m.insert("Id".into(), Value::String(id.into_owned()));
                }
                m.insert("ErrorCode".into(), e.error_code.as_str().into());
                m.insert("Message".into(), e.message.into());
                Value::Object(m)
            })
            .collect();
        for jobs in [1, 2] {
            let mut batch = Batch::with_jobs(opts, jobs).unwrap();
            let mut buf = body.clone();
            let resp = batch.put_trace_segments(&mut buf, 0).unwrap();
            assert_eq!(resp.results().len(), docs.len());
            for (got, (want, _)) in resp.results().iter().zip(&want) {
                assert_eq!(got.outcome().error(), want.outcome().error());
                assert_eq!(got.outcome().id(), want.outcome().id());
                assert_eq!(got.warnings(), want.warnings());
            }
            let json: Value = serde_json::from_str(&resp.to_json()).unwrap();
            assert_eq!(
                json,
                serde_json::json!({ "UnprocessedTraceSegments": expected })
            );
        }
    }
}

#[test]
fn streams_answer_like_each_line_alone() {
    let header = r#"{"format":"json","version":1}"#;
    let docs = corpus();
    // A capture: header, document, header, document ...; an empty document is a blank line.
    let mut input = Vec::new();
    for d in &docs {
        input.extend_from_slice(header.as_bytes());
        input.push(b'\n');
        input.extend_from_slice(d.as_bytes());
        input.push(b'\n');
    }
    let refs: Vec<&[u8]> = docs
        .iter()
        .map(|d| d.as_bytes())
        .filter(|d| !d.iter().all(|b| b" \t\r".contains(b)))
        .collect();
    let limit = xseg::limits::MAX_DOCUMENT_BYTES;
    for profile in [Profile::Service, Profile::Strict] {
        let opts = Options::new(profile);
        let want = alone(opts, &refs);
        for jobs in [1, 2] {
            let mut batch = Batch::with_jobs(opts, jobs).unwrap();
            for chunk in [1, 7, 64, input.len()] {
                let mut got = Vec::new();
                let stats = batch
                    .check_stream(
                        &input[..],
                        &StreamConfig::new().with_chunk_bytes(chunk),
                        |item| {
                            got.push((
                                item.line(),
                                item.document().to_vec(),
                                item.result().outcome().error(),
                                item.result().outcome().id().map(|s| s.into_owned()),
                                item.warnings().iter().copied().collect::<Vec<_>>(),
                            ));
                            Ok::<(), ()>(())
                        },
                    )
                    .unwrap();
                assert_eq!(got.len(), want.len(), "jobs {jobs} chunk {chunk}");
                for (i, ((_, doc, error, id, warnings), (c, w))) in
                    got.iter().zip(&want).enumerate()
                {
                    let what = format!("jobs {jobs} chunk {chunk} doc {i}");
                    if refs[i].len() > limit {
                        assert!(doc.is_empty(), "{what}");
                    } else {
                        assert_eq!(doc.as_slice(), refs[i], "{what}");
                        assert_eq!(warnings, w, "{what}");
                    }
                    assert_eq!(*error, c.outcome().error(), "{what}");
                    assert_eq!(id.as_deref(), c.outcome().id().as_deref(), "{what}");
                }
                // every document line is an even line number, after its header
                assert!(got.iter().all(|g| g.0 % 2 == 0));
                assert_eq!(stats.headers, docs.len() as u64);
                assert_eq!(stats.lines, 2 * docs.len() as u64);
                assert_eq!(stats.counters.documents, want.len() as u64);
            }
        }
    }
}
