//! The request handler without a socket: every answer it gives, the files it writes and the
//! events it reports.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{self, Write};
use std::sync::{Arc, Mutex};

use http::{Request, Response};
use serde_json::{json, Value};
use xseg::{ErrorCode, Options, Profile};
use xseg_batch::Batch;
use xseg_serve::{Config, Credentials, Endpoint, Event};

const GOOD: &str = r#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#;

fn edge_cases() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/edge-cases.json"
    );
    let text = std::fs::read_to_string(path).expect("shared/data/edge-cases.json");
    serde_json::from_str(&text).unwrap()
}

fn body_of(docs: &[&str]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "TraceSegmentDocuments": docs })).unwrap()
}

fn post(body: Vec<u8>) -> Request<Vec<u8>> {
    Request::post("/TraceSegments")
        .header("content-type", "application/json")
        .body(body)
        .unwrap()
}

fn handle(endpoint: &Endpoint, request: Request<Vec<u8>>) -> Response<Vec<u8>> {
    let mut batch = Batch::sequential(endpoint.config().options);
    endpoint.handle(
        &mut batch,
        request,
        Some("127.0.0.1:40000".parse().unwrap()),
    )
}

/// What `xseg put-trace-segments` prints for `body`: the answer and a newline, or the
/// message of an invalid request.
fn put_trace_segments(body: &[u8], options: Options, max: usize) -> Result<String, String> {
    let mut copy = body.to_vec();
    match Batch::sequential(options).put_trace_segments(&mut copy, max) {
        Ok(response) => Ok(response.to_json() + "\n"),
        Err(e) => Err(e.message().to_owned()),
    }
}

fn error_of(response: &Response<Vec<u8>>) -> (u16, String, String) {
    let body: Value = serde_json::from_slice(response.body()).unwrap();
    assert_eq!(body.as_object().unwrap().len(), 1, "{body}");
    (
        response.status().as_u16(),
        response.headers()["x-amzn-errortype"]
            .to_str()
            .unwrap()
            .to_owned(),
        body["message"].as_str().unwrap().to_owned(),
    )
}

#[test]
fn every_edge_case_gets_the_expected_answer_under_both_profiles() {
    let cases = edge_cases();
    assert_eq!(cases.len(), 82);
    for profile in ["service", "strict"] {
        let options = Options::new(if profile == "service" {
            Profile::Service
        } else {
            Profile::Strict
        });
        let endpoint = Endpoint::new(Config {
            options,
            ..Config::default()
        });
        let mut all = Vec::new();
        for case in &cases {
            let doc = case["document"].as_str().unwrap();
            all.push(doc);
            let body = body_of(&[doc]);
            let response = handle(&endpoint, post(body.clone()));
            assert_eq!(response.status(), 200, "{}", case["case"]);
            assert_eq!(response.headers()["content-type"], "application/json");
            let answer = String::from_utf8(response.body().clone()).unwrap();
            assert_eq!(Ok(answer.clone()), put_trace_segments(&body, options, 50));
            let v: Value = serde_json::from_str(&answer).unwrap();
            let expected = &case[profile];
            let entries = v["UnprocessedTraceSegments"].as_array().unwrap();
            if expected["accepted"] == true {
                assert!(entries.is_empty(), "{}: {answer}", case["case"]);
            } else {
                let mut want = serde_json::Map::new();
                for key in ["Id", "ErrorCode", "Message"] {
                    if let Some(value) = expected.get(key) {
                        want.insert(key.to_owned(), value.clone());
                    }
                }
                assert_eq!(entries, &vec![Value::Object(want)], "{}", case["case"]);
            }
        }
        // all of them in one request (no document limit)
        let endpoint = Endpoint::new(Config {
            options,
            max_documents: 0,
            ..Config::default()
        });
        let body = body_of(&all);
        let response = handle(&endpoint, post(body.clone()));
        assert_eq!(
            Ok(String::from_utf8(response.body().clone()).unwrap()),
            put_trace_segments(&body, options, 0)
        );
        let s = endpoint.summary();
        assert_eq!((s.requests, s.processed), (1, 1));
        assert_eq!(s.documents.documents, 82);
        let rejected = cases
            .iter()
            .filter(|c| c[profile]["accepted"] == false)
            .count() as u64;
        assert_eq!(s.documents.rejected, rejected);
    }
}

#[test]
fn invalid_requests_get_400_with_the_put_trace_segments_message() {
    let endpoint = Endpoint::new(Config::default());
    let docs = vec![GOOD; 51];
    let body = body_of(&docs);
    let response = handle(&endpoint, post(body.clone()));
    assert_eq!(
        error_of(&response),
        (
            400,
            "InvalidRequestException".to_owned(),
            "Exceeding maximum segment count: 50".to_owned()
        )
    );
    for body in [
        &b"["[..],
        b"",
        b"[]",
        b"{}",
        br#"{"TraceSegmentDocuments":[1]}"#,
        br#"{"TraceSegmentDocuments":"x"}"#,
        b"\xff",
    ] {
        let response = handle(&endpoint, post(body.to_vec()));
        let (status, kind, message) = error_of(&response);
        assert_eq!((status, kind.as_str()), (400, "InvalidRequestException"));
        assert_eq!(
            Err(message),
            put_trace_segments(body, Options::default(), 50)
        );
    }
    let s = endpoint.summary();
    assert_eq!((s.requests, s.invalid, s.processed), (8, 8, 0));
}

#[test]
fn other_paths_methods_and_sizes() {
    let endpoint = Endpoint::new(Config {
        max_body_bytes: 200,
        ..Config::default()
    });
    let get = Request::get("/TraceSegments").body(Vec::new()).unwrap();
    let response = handle(&endpoint, get);
    assert_eq!(response.headers()["allow"], "POST");
    let (status, kind, message) = error_of(&response);
    assert_eq!((status, kind.as_str()), (405, "UnknownOperationException"));
    assert!(message.contains("GET /TraceSegments"), "{message}");

    let other = Request::post("/Traces").body(Vec::new()).unwrap();
    let (status, kind, _) = error_of(&handle(&endpoint, other));
    assert_eq!((status, kind.as_str()), (404, "UnknownOperationException"));

    let (status, kind, message) = error_of(&handle(&endpoint, post(vec![b' '; 201])));
    assert_eq!(
        (status, kind.as_str()),
        (413, "RequestEntityTooLargeException")
    );
    assert!(message.contains("200 bytes"), "{message}");
    assert_eq!(handle(&endpoint, post(body_of(&[GOOD]))).status(), 200);
    let s = endpoint.summary();
    assert_eq!(
        (s.requests, s.unknown_operation, s.too_large, s.processed),
        (4, 2, 1, 1)
    );
}

#[test]
fn throttling_takes_one_token_per_document() {
    let endpoint = Endpoint::new(Config {
        max_segments_per_second: Some(3),
        ..Config::default()
    });
    assert_eq!(
        handle(&endpoint, post(body_of(&[GOOD, GOOD, GOOD]))).status(),
        200
    );
    let response = handle(&endpoint, post(body_of(&[GOOD])));
    let (status, kind, message) = error_of(&response);
    assert_eq!((status, kind.as_str()), (429, "ThrottledException"));
    assert!(message.starts_with("Rate exceeded"), "{message}");
    // an invalid request is refused as such, not throttled
    assert_eq!(error_of(&handle(&endpoint, post(b"[".to_vec()))).0, 400);
    std::thread::sleep(std::time::Duration::from_millis(400));
    assert_eq!(handle(&endpoint, post(body_of(&[GOOD]))).status(), 200);
    let s = endpoint.summary();
    assert_eq!((s.processed, s.throttled, s.invalid), (2, 1, 1));
    assert_eq!(s.documents.documents, 4);
}

/// The request botocore 1.44.8 signs for key `test`/`test` at 20260101T000000Z (see
/// `sigv4`'s tests).
fn botocore_signed() -> Request<Vec<u8>> {
    Request::post("/TraceSegments")
        .header("host", "127.0.0.1:2001")
        .header("content-type", "application/json")
        .header("x-amz-date", "20260101T000000Z")
        .header(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/xray/aws4_request, \
             SignedHeaders=content-type;host;x-amz-date, \
             Signature=090fde13c73218ebb044ae644b404052b9864371890744157ba1f29903790ad0",
        )
        .body(br#"{"TraceSegmentDocuments": ["{}"]}"#.to_vec())
        .unwrap()
}

#[test]
fn signatures_are_verified_when_credentials_are_set() {
    let endpoint = Endpoint::new(Config {
        credentials: Some(Credentials::new("test", "test")),
        ..Config::default()
    });
    assert_eq!(handle(&endpoint, botocore_signed()).status(), 200);
    let (status, kind, _) = error_of(&handle(&endpoint, post(body_of(&[GOOD]))));
    assert_eq!(
        (status, kind.as_str()),
        (403, "MissingAuthenticationTokenException")
    );
    let wrong = Endpoint::new(Config {
        credentials: Some(Credentials::new("test", "not the secret")),
        ..Config::default()
    });
    let (status, kind, message) = error_of(&handle(&wrong, botocore_signed()));
    assert_eq!((status, kind.as_str()), (403, "InvalidSignatureException"));
    assert!(message.starts_with("The request signature we calculated does not match"));
    // without credentials the header is not looked at
    let open = Endpoint::new(Config::default());
    assert_eq!(handle(&open, botocore_signed()).status(), 200);
    assert_eq!(wrong.summary().unauthorized, 1);
}

/// A writer into shared memory.
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
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

struct Broken;

impl Write for Broken {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::other("disk full"))
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

#[test]
fn documents_go_to_their_files_and_events_are_reported() {
    let (out, rejected) = (Shared::default(), Shared::default());
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let endpoint = Endpoint::new(Config::default())
        .with_out(out.clone(), "out.ndjson")
        .with_rejected(rejected.clone(), "rejected.ndjson")
        .with_events(move |e| seen.lock().unwrap().push(e.clone()));
    let pretty = GOOD.replace(",", ",\n  ").replace("{", "{\r\n");
    let bad_name = GOOD.replace("\"web\"", "\"a,b\"");
    let warned = GOOD.replace("70de5b6f19ff9a0a", "70DE5B6F19FF9A0A");
    let body = body_of(&[GOOD, &bad_name, &pretty, &warned, "{}"]);
    let response = handle(&endpoint, post(body));
    assert_eq!(response.status(), 200);

    let lines: Vec<String> = out.text().lines().map(str::to_owned).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0], GOOD);
    let reread: Value = serde_json::from_str(&lines[1]).unwrap();
    assert_eq!(reread, serde_json::from_str::<Value>(GOOD).unwrap());
    assert_eq!(lines[2], warned);

    let rejected: Vec<Value> = rejected
        .text()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        rejected,
        vec![
            json!({"Id":"70de5b6f19ff9a0a","ErrorCode":"InvalidName",
                   "Message":"Invalid segment. ErrorCode: InvalidName","document":bad_name}),
            json!({"ErrorCode":"MissingId","Message":"Invalid segment. ErrorCode: MissingId",
                   "document":"{}"}),
        ]
    );

    let events = events.lock().unwrap();
    assert_eq!(events.len(), 3, "{events:?}");
    let Event::Rejected(r) = &events[0] else {
        panic!("{:?}", events[0])
    };
    assert_eq!(
        (r.origin.request, r.origin.index, r.error.code()),
        (1, 1, ErrorCode::InvalidName)
    );
    assert_eq!(r.id.as_deref(), Some("70de5b6f19ff9a0a"));
    assert_eq!(r.pointer, "/name");
    let Event::Warning(w) = &events[1] else {
        panic!("{:?}", events[1])
    };
    assert_eq!((w.origin.index, w.pointer.as_str()), (3, "/id"));
    assert_eq!(w.id.as_deref(), Some("70DE5B6F19FF9A0A"));
    assert!(matches!(&events[2], Event::Rejected(r) if r.origin.index == 4 && r.id.is_none()));

    let s = endpoint.summary();
    assert_eq!(
        (
            s.documents.accepted,
            s.documents.rejected,
            s.documents.warnings
        ),
        (3, 2, 1)
    );
}

#[test]
fn an_unwritable_out_file_fails_the_request() {
    let endpoint = Endpoint::new(Config::default()).with_out(Broken, "full.ndjson");
    let (status, kind, message) = error_of(&handle(&endpoint, post(body_of(&[GOOD]))));
    assert_eq!((status, kind.as_str()), (500, "InternalFailure"));
    assert_eq!(message, "cannot write to full.ndjson: disk full");
    // nothing accepted, nothing to write: answered
    assert_eq!(handle(&endpoint, post(body_of(&["{}"]))).status(), 200);
    let s = endpoint.summary();
    assert_eq!((s.failed, s.processed), (1, 1));
}

#[test]
fn warnings_past_the_kept_ones_are_reported_as_a_count() {
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let endpoint =
        Endpoint::new(Config::default()).with_events(move |e| seen.lock().unwrap().push(e.clone()));
    // 20 annotation keys the service drops: 20 warnings, more than the core keeps
    let keys: Vec<String> = (0..20).map(|i| format!("\"bad-key-{i}\":1")).collect();
    let doc = GOOD.replace(
        "\"end_time\":2}",
        &format!("\"end_time\":2,\"annotations\":{{{}}}}}", keys.join(",")),
    );
    let response = handle(&endpoint, post(body_of(&[&doc])));
    assert_eq!(response.body(), b"{\"UnprocessedTraceSegments\":[]}\n");
    let events = events.lock().unwrap();
    let kept = xseg::limits::MAX_WARNINGS;
    assert_eq!(events.len(), kept + 1, "{events:?}");
    for e in &events[..kept] {
        assert!(matches!(e, Event::Warning(w) if w.pointer.starts_with("/annotations/bad-key-")));
    }
    assert_eq!(
        events[kept],
        Event::MoreWarnings {
            origin: xseg_serve::Origin {
                request: 1,
                peer: Some("127.0.0.1:40000".parse().unwrap()),
                index: 0
            },
            id: Some("70de5b6f19ff9a0a".to_owned()),
            count: 20 - kept,
        }
    );
    assert_eq!(endpoint.summary().documents.warnings, 20);
}

#[test]
fn with_fix_out_holds_the_repairs_and_the_answer_the_originals() {
    let (out, rejected) = (Shared::default(), Shared::default());
    let events = Arc::new(Mutex::new(Vec::new()));
    let seen = Arc::clone(&events);
    let options = Options::default();
    let endpoint = Endpoint::new(Config::default())
        .with_out(out.clone(), "out.ndjson")
        .with_rejected(rejected.clone(), "rejected.ndjson")
        .with_fix(xseg::fix::FixOptions::new(options))
        .with_events(move |e| seen.lock().unwrap().push(e.clone()));
    let bad_name = GOOD.replace("\"web\"", "\"a,b\"");
    let body = body_of(&[GOOD, &bad_name, "{}"]);
    let response = handle(&endpoint, post(body.clone()));
    assert_eq!(response.status(), 200);
    // the answer is the one for the documents as sent
    assert_eq!(
        String::from_utf8(response.body().clone()).unwrap(),
        put_trace_segments(&body, options, 50).unwrap()
    );
    // --out: the good document, the repaired one; not the unfixable one
    assert_eq!(
        out.text(),
        format!("{GOOD}\n{}\n", GOOD.replace("\"web\"", "\"ab\""))
    );
    // --rejected: what the answer rejected
    assert_eq!(rejected.text().lines().count(), 2);
    let events = events.lock().unwrap();
    let repaired: Vec<&xseg_serve::RepairedValue> = events
        .iter()
        .filter_map(|e| match e {
            Event::Repaired(r) => Some(r),
            _ => None,
        })
        .collect();
    assert_eq!(repaired.len(), 1);
    let r = repaired[0];
    assert_eq!((r.origin.request, r.origin.index), (1, 1));
    assert_eq!(r.id.as_deref(), Some("70de5b6f19ff9a0a"));
    assert_eq!(r.repair, xseg::fix::Repair::Name);
    assert_eq!(r.finding, xseg::ErrorKind::InvalidNameChar);
    assert_eq!(r.offset, 8);
    assert_eq!(r.pointer, "/name");
    assert_eq!(
        (r.before.as_str(), r.after.as_deref()),
        ("\"a,b\"", Some("\"ab\""))
    );
    // the repair is reported after the verdicts
    assert!(matches!(events.last(), Some(Event::Repaired(_))));
    let summary = endpoint.summary();
    assert_eq!(summary.documents.rejected, 2);
    assert_eq!(
        summary.repairs,
        Some(xseg_serve::Repairs {
            fixed: 1,
            unchanged: 1,
            unfixable: 1,
            changes: 1
        })
    );
    assert_eq!(Endpoint::new(Config::default()).summary().repairs, None);
}
