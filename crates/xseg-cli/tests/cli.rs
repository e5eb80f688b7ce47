//! The built `xseg` binary: exit statuses and outputs, byte for byte.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::Path;

use common::Run;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

/// Runs `xseg args` in the fixture folder, with `stdin` as standard input.
fn xseg(args: &[&str], stdin: &[u8]) -> Run {
    common::run(Some(Path::new(DATA)), args, stdin)
}

fn request(docs: &[String]) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({ "TraceSegmentDocuments": docs })).unwrap()
}

const GOOD: &str = r#"{"name":"checkout","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1744830464.5,"end_time":1744830465.25}"#;

// ---- put-trace-segments ----

#[test]
fn put_valid_request() {
    let want = concat!(
        r#"{"UnprocessedTraceSegments":["#,
        r#"{"Id":"5a1b2c3d4e5f6071","ErrorCode":"MissingName","Message":"Invalid segment. ErrorCode: MissingName"},"#,
        r#"{"Id":"70de5b6f19ff9a0a","ErrorCode":"InvalidName","Message":"Invalid subsegment. ErrorCode: InvalidName, Cause: null"},"#,
        r#"{"Id":"quote\"d","ErrorCode":"InvalidId","Message":"Invalid segment. ErrorCode: InvalidId"},"#,
        r#"{"ErrorCode":"ParseError","Message":"Invalid segment. ErrorCode: ParseError"}"#,
        "]}\n"
    );
    let run = xseg(&["put-trace-segments", "request-valid.json"], b"");
    assert_eq!(
        (run.status, run.stdout.as_str(), run.stderr.as_str()),
        (0, want, "")
    );
    // the same body on standard input, with `-` and with no argument
    let body = std::fs::read(format!("{DATA}/request-valid.json")).unwrap();
    for args in [&["put-trace-segments", "-"][..], &["put-trace-segments"]] {
        let run = xseg(args, &body);
        assert_eq!((run.status, run.stdout.as_str()), (0, want), "{args:?}");
    }
}

#[test]
fn put_all_accepted_and_empty() {
    let run = xseg(&["put-trace-segments"], &request(&[GOOD.to_owned()]));
    assert_eq!(run.status, 0);
    assert_eq!(run.stdout, "{\"UnprocessedTraceSegments\":[]}\n");
    let run = xseg(&["put-trace-segments"], br#"{"TraceSegmentDocuments":[]}"#);
    assert_eq!(run.status, 0);
    assert_eq!(run.stdout, "{\"UnprocessedTraceSegments\":[]}\n");
}

#[test]
fn put_51_documents() {
    let docs = vec![GOOD.to_owned(); 51];
    let body = request(&docs);
    let run = xseg(&["put-trace-segments"], &body);
    assert_eq!(run.status, 3);
    assert_eq!(
        run.stdout,
        "{\"__type\":\"InvalidRequestException\",\"Message\":\"Exceeding maximum segment count: 50\"}\n"
    );
    assert_eq!(run.stderr, "");
    let run = xseg(&["put-trace-segments", "--max-documents", "10"], &body);
    assert_eq!(run.status, 3);
    assert_eq!(
        run.stdout,
        "{\"__type\":\"InvalidRequestException\",\"Message\":\"Exceeding maximum segment count: 10\"}\n"
    );
    for limit in ["51", "0"] {
        let run = xseg(&["put-trace-segments", "--max-documents", limit], &body);
        assert_eq!(run.status, 0, "{limit}");
        assert_eq!(run.stdout, "{\"UnprocessedTraceSegments\":[]}\n");
    }
    // 50 is within the limit
    let run = xseg(&["put-trace-segments"], &request(&docs[..50]));
    assert_eq!(run.status, 0);
}

#[test]
fn put_non_string_element() {
    let run = xseg(&["put-trace-segments", "request-non-string.json"], b"");
    assert_eq!(run.status, 3);
    assert_eq!(
        run.stdout,
        "{\"__type\":\"InvalidRequestException\",\"Message\":\"TraceSegmentDocuments[1] must be a string\"}\n"
    );
}

#[test]
fn put_request_not_json() {
    let run = xseg(&["put-trace-segments", "request-not-json.txt"], b"");
    assert_eq!(run.status, 3);
    assert_eq!(
        run.stdout,
        "{\"__type\":\"InvalidRequestException\",\"Message\":\"Request body is not well-formed JSON (near byte 0)\"}\n"
    );
    for (body, message) in [
        (&b"[]"[..], "Request body must be a JSON object"),
        (b"{}", "Missing required field TraceSegmentDocuments"),
        (
            br#"{"TraceSegmentDocuments":{}}"#,
            "TraceSegmentDocuments must be an array of strings",
        ),
    ] {
        let run = xseg(&["put-trace-segments"], body);
        assert_eq!(run.status, 3);
        assert_eq!(
            run.stdout,
            format!("{{\"__type\":\"InvalidRequestException\",\"Message\":\"{message}\"}}\n")
        );
    }
}

#[test]
fn put_strict_profile() {
    let upper = GOOD.replace("70de5b6f19ff9a0a", "70DE5B6F19FF9A0A");
    let body = request(&[upper]);
    let run = xseg(&["put-trace-segments"], &body);
    assert_eq!(run.stdout, "{\"UnprocessedTraceSegments\":[]}\n");
    let run = xseg(&["put-trace-segments", "--profile", "strict"], &body);
    assert_eq!(run.status, 0);
    assert_eq!(
        run.stdout,
        "{\"UnprocessedTraceSegments\":[{\"Id\":\"70DE5B6F19FF9A0A\",\"ErrorCode\":\"InvalidId\",\"Message\":\"Invalid segment. ErrorCode: InvalidId\"}]}\n"
    );
}

#[test]
fn put_missing_file_and_usage() {
    let run = xseg(&["put-trace-segments", "no-such-request.json"], b"");
    assert_eq!(run.status, 2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("xseg: cannot read no-such-request.json: "),
        "{}",
        run.stderr
    );
    let run = xseg(&["put-trace-segments", "--max-documents", "many"], b"");
    assert_eq!(run.status, 2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("--max-documents"), "{}", run.stderr);
    let run = xseg(&[], b"");
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("Usage"), "{}", run.stderr);
}

// ---- check ----

const CAPTURE_TEXT: &str = "\
capture.ndjson:4:55: 2222222222222222 InvalidTraceId \u{2014} `trace_id` is not `1-` + 8 hex + `-` + 24 hex at /trace_id (byte 264)
capture.ndjson:7:167: 70de5b6f19ff9a0a InvalidName \u{2014} `name` contains a character outside the allowed set at /subsegments/0/name (byte 553)
capture.ndjson:9:25: warning: `id` has upper-case hex digits at /id (byte 698)
capture.ndjson:12:143: 3333333333333333 InvalidSegment \u{2014} expected an integer at /http/response/status (byte 997)
capture.ndjson:14:12: - ParseError \u{2014} unexpected end of document (byte 1050)
7 documents: 3 accepted, 4 rejected, 1 warning
  ParseError        1
  InvalidName       1
  InvalidTraceId    1
  InvalidSegment    1
";

const CAPTURE_JSON: &str = r#"{"file":"capture.ndjson","line":4,"column":55,"Id":"2222222222222222","ErrorCode":"InvalidTraceId","Message":"Invalid segment. ErrorCode: InvalidTraceId","kind":"InvalidTraceId","pointer":"/trace_id","offset":264,"detail":"`trace_id` is not `1-` + 8 hex + `-` + 24 hex"}
{"file":"capture.ndjson","line":7,"column":167,"Id":"70de5b6f19ff9a0a","ErrorCode":"InvalidName","Message":"Invalid subsegment. ErrorCode: InvalidName, Cause: null","kind":"InvalidNameChar","pointer":"/subsegments/0/name","offset":553,"detail":"`name` contains a character outside the allowed set"}
{"file":"capture.ndjson","line":9,"column":25,"Id":"70DE5B6F19FF9A0A","warning":"UppercaseId","pointer":"/id","offset":698,"detail":"`id` has upper-case hex digits"}
{"file":"capture.ndjson","line":12,"column":143,"Id":"3333333333333333","ErrorCode":"InvalidSegment","Message":"Invalid segment. ErrorCode: InvalidSegment","kind":"ExpectedInteger","pointer":"/http/response/status","offset":997,"detail":"expected an integer"}
{"file":"capture.ndjson","line":14,"column":12,"ErrorCode":"ParseError","Message":"Invalid segment. ErrorCode: ParseError","kind":"UnexpectedEof","pointer":"","offset":1050,"detail":"unexpected end of document"}
{"summary":{"documents":7,"accepted":3,"rejected":4,"warnings":1,"bytes":1228,"by_code":{"ParseError":1,"InvalidName":1,"InvalidTraceId":1,"InvalidSegment":1},"by_warning":{"UppercaseId":1}}}
"#;

const CAPTURE_SUMMARY: &str = r#"{"summary":{"documents":7,"accepted":3,"rejected":4,"warnings":1,"bytes":1228,"by_code":{"ParseError":1,"InvalidName":1,"InvalidTraceId":1,"InvalidSegment":1},"by_warning":{"UppercaseId":1}}}"#;

#[test]
fn check_capture_as_text() {
    let run = xseg(&["check", "capture.ndjson"], b"");
    assert_eq!(run.status, 1);
    assert_eq!(run.stderr, "");
    assert_eq!(run.stdout, CAPTURE_TEXT);
}

#[test]
fn check_capture_as_json() {
    let run = xseg(&["check", "--format", "json", "capture.ndjson"], b"");
    assert_eq!(run.status, 1);
    assert_eq!(run.stderr, "");
    assert_eq!(run.stdout, CAPTURE_JSON);
}

#[test]
fn check_output_does_not_depend_on_jobs_or_chunks() {
    for jobs in ["1", "2", "3"] {
        for chunk in ["1", "7", "64", "100000"] {
            let run = xseg(
                &[
                    "check",
                    "--format",
                    "json",
                    "--jobs",
                    jobs,
                    "--chunk-bytes",
                    chunk,
                    "capture.ndjson",
                ],
                b"",
            );
            assert_eq!(run.status, 1);
            assert_eq!(run.stdout, CAPTURE_JSON, "jobs {jobs} chunk {chunk}");
        }
    }
}

#[test]
fn check_standard_input() {
    let capture = std::fs::read(format!("{DATA}/capture.ndjson")).unwrap();
    let run = xseg(&["check", "--format", "json"], &capture);
    assert_eq!(run.status, 1);
    assert_eq!(
        run.stdout,
        CAPTURE_JSON.replace("capture.ndjson", "<stdin>")
    );
    let run = xseg(&["check", "-"], &capture);
    assert_eq!(
        run.stdout,
        CAPTURE_TEXT.replace("capture.ndjson", "<stdin>")
    );
}

#[test]
fn check_quiet_prints_the_summary_only() {
    let run = xseg(&["check", "--quiet", "capture.ndjson"], b"");
    assert_eq!(run.status, 1);
    assert_eq!(
        run.stdout,
        "7 documents: 3 accepted, 4 rejected, 1 warning\n  ParseError        1\n  InvalidName       1\n  InvalidTraceId    1\n  InvalidSegment    1\n"
    );
    let run = xseg(&["check", "-q", "--format", "json", "capture.ndjson"], b"");
    assert_eq!(run.stdout, format!("{CAPTURE_SUMMARY}\n"));
}

#[test]
fn check_all_valid_exits_zero() {
    let run = xseg(&["check", "all-valid.ndjson"], b"");
    assert_eq!(run.status, 0);
    assert_eq!(
        run.stdout,
        "2 documents: 2 accepted, 0 rejected, 0 warnings\n"
    );
    // headers and blank lines only: nothing to reject
    let run = xseg(
        &["check", "--format", "json"],
        b"{\"format\":\"json\",\"version\":1}\n\n  \n",
    );
    assert_eq!(run.status, 0);
    assert_eq!(
        run.stdout,
        "{\"summary\":{\"documents\":0,\"accepted\":0,\"rejected\":0,\"warnings\":0,\"bytes\":34,\"by_code\":{},\"by_warning\":{}}}\n"
    );
}

#[test]
fn check_several_files() {
    let run = xseg(
        &[
            "check",
            "--format",
            "json",
            "all-valid.ndjson",
            "capture.ndjson",
        ],
        b"",
    );
    assert_eq!(run.status, 1);
    assert_eq!(
        run.stdout,
        CAPTURE_JSON.replace(
            "{\"summary\":{\"documents\":7,\"accepted\":3,\"rejected\":4,\"warnings\":1,\"bytes\":1228,",
            "{\"summary\":{\"documents\":9,\"accepted\":5,\"rejected\":4,\"warnings\":1,\"bytes\":1549,"
        )
    );
}

#[test]
fn check_strict_profile() {
    let run = xseg(
        &[
            "check",
            "--profile",
            "strict",
            "--format",
            "json",
            "capture.ndjson",
        ],
        b"",
    );
    assert_eq!(run.status, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    // the warning that became the rejection is reported once, as the rejection
    assert_eq!(lines.len(), 6);
    assert_eq!(
        lines[2],
        r#"{"file":"capture.ndjson","line":9,"column":25,"Id":"70DE5B6F19FF9A0A","ErrorCode":"InvalidId","Message":"Invalid segment. ErrorCode: InvalidId","kind":"UppercaseId","pointer":"/id","offset":698,"detail":"`id` has upper-case hex digits"}"#
    );
    assert!(
        lines[5].contains(r#""rejected":5,"warnings":0,"#),
        "{}",
        lines[5]
    );
}

#[test]
fn check_oversized_lines() {
    let long = format!(
        "{GOOD}\n{}\n{GOOD}\n",
        GOOD.replace("checkout", &"c".repeat(150))
    );
    let at = GOOD.len() + 1;
    let run = xseg(
        &[
            "check",
            "--max-document-bytes",
            "200",
            "--chunk-bytes",
            "16",
            "--format",
            "json",
        ],
        long.as_bytes(),
    );
    assert_eq!(run.status, 1);
    assert_eq!(
        run.stdout,
        format!(
            "{{\"file\":\"<stdin>\",\"line\":2,\"column\":1,\"ErrorCode\":\"InvalidSegment\",\"Message\":\"Invalid segment. ErrorCode: InvalidSegment\",\"kind\":\"DocumentTooLarge\",\"pointer\":\"\",\"offset\":{at},\"detail\":\"document is 285 bytes, over the size limit of 200 bytes (--max-document-bytes sets it)\"}}\n\
             {{\"summary\":{{\"documents\":3,\"accepted\":2,\"rejected\":1,\"warnings\":0,\"bytes\":{},\"by_code\":{{\"InvalidSegment\":1}},\"by_warning\":{{}}}}}}\n",
            long.len()
        )
    );
}

#[test]
fn check_missing_file() {
    let run = xseg(&["check", "missing.ndjson"], b"");
    assert_eq!(run.status, 2);
    assert_eq!(
        run.stderr,
        "xseg: cannot open missing.ndjson: No such file or directory (os error 2)\n"
    );
    // the other files are still checked and summed up; the status says an input failed
    let run = xseg(
        &[
            "check",
            "-q",
            "--format",
            "json",
            "missing.ndjson",
            "all-valid.ndjson",
        ],
        b"",
    );
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("missing.ndjson"));
    assert_eq!(
        run.stdout,
        "{\"summary\":{\"documents\":2,\"accepted\":2,\"rejected\":0,\"warnings\":0,\"bytes\":321,\"by_code\":{},\"by_warning\":{}}}\n"
    );
}

#[test]
fn check_usage_errors() {
    for args in [
        &["check", "--format", "xml"][..],
        &["check", "--jobs", "0"],
        &["check", "--profile", "lenient"],
        &["check", "--no-such-option"],
    ] {
        let run = xseg(args, b"");
        assert_eq!(run.status, 2, "{args:?}");
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(!run.stderr.is_empty(), "{args:?}");
    }
    let run = xseg(&["check", "--help"], b"");
    assert_eq!(run.status, 0);
    assert!(run.stdout.contains("--format <FORMAT>"));
}

#[test]
fn no_progress_bar_without_a_terminal() {
    // standard error is a pipe here: nothing but errors may appear on it
    let big: String = std::iter::repeat_n(format!("{GOOD}\n"), 20_000).collect();
    let run = xseg(&["check", "-q"], big.as_bytes());
    assert_eq!(run.status, 0);
    assert_eq!(run.stderr, "");
}

/// The real-SDK samples, when the corpus has them: every rejection `xseg check` reports is
/// the one `corpus/samples/verdicts.json` records, under both profiles, and nothing else.
#[test]
fn check_sdk_samples_match_their_verdicts() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus/samples");
    let Ok(text) = std::fs::read_to_string(format!("{dir}/verdicts.json")) else {
        eprintln!("no corpus/samples/verdicts.json: nothing to compare");
        return;
    };
    let verdicts: Vec<serde_json::Value> = serde_json::from_str(&text).unwrap();
    let mut files: Vec<&str> = verdicts
        .iter()
        .map(|v| v["file"].as_str().unwrap())
        .collect();
    files.sort_unstable();
    files.dedup();
    assert!(!files.is_empty());
    for profile in ["service", "strict"] {
        for file in &files {
            let path = format!("{dir}/{file}");
            let run = xseg(
                &["check", "--profile", profile, "--format", "json", &path],
                b"",
            );
            assert_eq!(run.stderr, "", "{profile} {file}");
            let mut got: Vec<(u64, String)> = Vec::new();
            let mut documents = None;
            for line in run.stdout.lines() {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                if let Some(s) = v.get("summary") {
                    documents = s["documents"].as_u64();
                } else if v.get("ErrorCode").is_some() {
                    got.push((
                        v["line"].as_u64().unwrap(),
                        v["ErrorCode"].as_str().unwrap().to_owned(),
                    ));
                }
            }
            let mine: Vec<&serde_json::Value> =
                verdicts.iter().filter(|v| v["file"] == *file).collect();
            let want: Vec<(u64, String)> = mine
                .iter()
                .filter(|v| v[profile]["accepted"] == false)
                .map(|v| {
                    (
                        v["line"].as_u64().unwrap(),
                        v[profile]["ErrorCode"].as_str().unwrap().to_owned(),
                    )
                })
                .collect();
            assert_eq!(got, want, "{profile} {file}");
            assert_eq!(documents, Some(mine.len() as u64), "{profile} {file}");
            assert_eq!(run.status, i32::from(!want.is_empty()), "{profile} {file}");
        }
    }
}
