//! `xseg check --trace-checks` on the built binary: each crafted stream of the trace checks,
//! in every output format and input format, and the same output for any number of jobs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::Write as _;

use common::Run;

use serde_json::Value;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus/samples");

const MESSAGE: &str = "Trace Size Exceeded. Reduce the number of segments per trace and the size of your segment documents.";

fn xseg(args: &[&str], stdin: &[u8]) -> Run {
    common::run(None, args, stdin)
}

fn trace(n: u32) -> String {
    format!("1-68000000-{n:024x}")
}

/// A complete segment of trace `t` with `id`, and `more` members (each with a leading comma).
fn segment(t: u32, id: u64, more: &str) -> String {
    format!(
        r#"{{"name":"web","id":"{id:016x}","trace_id":"{}","start_time":1,"end_time":2{more}}}"#,
        trace(t)
    )
}

/// A segment of exactly `len` bytes, padded with metadata.
fn sized(t: u32, id: u64, len: usize) -> String {
    let bare = segment(t, id, r#","metadata":{"default":{"p":""}}"#).len();
    let doc = segment(
        t,
        id,
        &format!(
            r#","metadata":{{"default":{{"p":"{}"}}}}"#,
            "x".repeat(len - bare)
        ),
    );
    assert_eq!(doc.len(), len);
    doc
}

fn annotations(keys: std::ops::Range<u32>) -> String {
    let keys: Vec<String> = keys.map(|k| format!(r#""k{k}":{k}"#)).collect();
    format!(r#","annotations":{{{}}}"#, keys.join(","))
}

/// The crafted streams, one document per line, and the findings each should give: (line, kind).
fn crafted() -> (Vec<String>, Vec<(u64, &'static str)>) {
    let mut lines = Vec::new();
    // 1. Trace 1 crosses 512,000 bytes at its ninth document (9 × 60,000 = 540,000); the
    //    document of trace 2 between is not affected, the tenth of trace 1 is rejected too.
    for i in 1..=8 {
        lines.push(sized(1, i, 60_000));
    }
    lines.push(segment(2, 1, ""));
    lines.push(sized(1, 9, 60_000)); // line 10
    lines.push(segment(1, 10, "")); // line 11
                                    // 2. 51 annotation keys over three documents of trace 3.
    lines.push(segment(3, 1, &annotations(0..20)));
    lines.push(segment(3, 2, &annotations(10..35)));
    lines.push(segment(3, 3, &annotations(30..51)));
    // 3. A complete id sent twice (trace 4).
    lines.push(segment(4, 7, ""));
    lines.push(segment(4, 7, ""));
    // 4. In progress, then complete (trace 5): no warning.
    lines.push(format!(
        r#"{{"name":"web","id":"{:016x}","trace_id":"{}","start_time":1,"in_progress":true}}"#,
        8,
        trace(5)
    ));
    lines.push(segment(5, 8, ""));
    // 5. A streamed subsegment whose parent arrives later (trace 6): no warning.
    lines.push(segment(
        6,
        0x21,
        r#","type":"subsegment","parent_id":"0000000000000020""#,
    ));
    lines.push(segment(6, 0x20, ""));
    // 6. A standalone subsegment whose parent never arrives (trace 7).
    lines.push(segment(
        7,
        0x31,
        r#","type":"subsegment","parent_id":"0000000000000030""#,
    ));
    let want = vec![
        (10, "TraceSizeExceeded"),
        (11, "TraceSizeExceeded"),
        (14, "TraceAnnotationsOverLimit"),
        (16, "DuplicateId"),
        (21, "OrphanSubsegment"),
    ];
    (lines, want)
}

fn ndjson(lines: &[String]) -> Vec<u8> {
    let mut s = lines.join("\n");
    s.push('\n');
    s.into_bytes()
}

/// (line, kind, severity) of the trace findings of a JSON report, and its summary.
fn json_findings(stdout: &str) -> (Vec<(u64, String)>, Vec<Value>, Value) {
    let mut found = Vec::new();
    let mut objects = Vec::new();
    let mut summary = Value::Null;
    for line in stdout.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        if let Some(s) = v.get("summary") {
            summary = s.clone();
            continue;
        }
        if v.get("trace_id").is_some() {
            let kind = v
                .get("kind")
                .or_else(|| v.get("warning"))
                .and_then(Value::as_str)
                .unwrap()
                .to_owned();
            found.push((v["line"].as_u64().unwrap_or(0), kind));
            objects.push(v);
        }
    }
    (found, objects, summary)
}

#[test]
fn crafted_streams_as_json() {
    let (lines, want) = crafted();
    let input = ndjson(&lines);
    let run = xseg(
        &["check", "--trace-checks", "--format", "json", "-"],
        &input,
    );
    assert_eq!(run.status, 1, "{}", run.stderr);
    let (found, objects, summary) = json_findings(&run.stdout);
    let want: Vec<(u64, String)> = want.iter().map(|(l, k)| (*l, k.to_string())).collect();
    assert_eq!(found, want);
    // The rejections: the service's answer, at the document's start.
    let offset_of =
        |line: usize| -> u64 { lines[..line - 1].iter().map(|l| l.len() as u64 + 1).sum() };
    for (o, (line, id)) in objects
        .iter()
        .zip([(10, "0000000000000009"), (11, "000000000000000a")])
    {
        assert_eq!(o["file"], "<stdin>");
        assert_eq!(o["ErrorCode"], "InvalidSegment");
        assert_eq!(o["Message"], MESSAGE);
        assert_eq!(o["Id"], id);
        assert_eq!(o["column"], 1);
        assert_eq!(o["offset"], offset_of(line));
        assert_eq!(o["trace_id"], trace(1));
    }
    assert!(objects[0]["detail"]
        .as_str()
        .unwrap()
        .contains("holds 540000 bytes"));
    assert_eq!(objects[3]["Id"], "0000000000000007");
    assert_eq!(objects[3]["pointer"], "/id");
    assert_eq!(objects[4]["Id"], "0000000000000031");
    assert_eq!(objects[4]["offset"], offset_of(21));
    // Counted: two accepted documents became rejections.
    assert_eq!(summary["documents"], 21);
    assert_eq!(summary["accepted"], 19);
    assert_eq!(summary["rejected"], 2);
    assert_eq!(summary["by_code"]["InvalidSegment"], 2);
    assert_eq!(summary["by_warning"]["DuplicateId"], 1);
    assert_eq!(summary["by_warning"]["TraceAnnotationsOverLimit"], 1);
    assert_eq!(summary["by_warning"]["OrphanSubsegment"], 1);

    // Without --trace-checks: everything accepted, no finding.
    let run = xseg(&["check", "--format", "json", "-"], &input);
    assert_eq!(run.status, 0, "{}", run.stdout);
    let (found, _, summary) = json_findings(&run.stdout);
    assert!(found.is_empty());
    assert_eq!(summary["accepted"], 21);
}

#[test]
fn crafted_streams_as_text_and_sarif() {
    let (lines, _) = crafted();
    let input = ndjson(&lines);
    let run = xseg(&["check", "--trace-checks", "-"], &input);
    assert_eq!(run.status, 1);
    let t1 = trace(1);
    let want = [
        format!("<stdin>:10:1: 0000000000000009 InvalidSegment \u{2014} trace {t1} holds 540000 bytes with this document, over the trace size limit of 512000"),
        format!("<stdin>:11:1: 000000000000000a InvalidSegment \u{2014} trace {t1} went over the trace size limit of 512000 with an earlier document"),
        format!("<stdin>:14:1: warning: trace {} has more than 50 distinct annotation keys", trace(3)),
        format!("<stdin>:16:1: warning: `id` 0000000000000007 was already sent complete in trace {}; this document replaces it at /id", trace(4)),
        format!("<stdin>:21:1: warning: standalone subsegment's `parent_id` 0000000000000030 never showed up in trace {} at /parent_id", trace(7)),
        "21 documents: 19 accepted, 2 rejected, 3 warnings".to_owned(),
        "  InvalidSegment    2".to_owned(),
    ];
    let got: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(got.len(), want.len(), "{}", run.stdout);
    for (g, w) in got.iter().zip(&want) {
        assert!(g.starts_with(w.as_str()), "{g}\n  wanted {w}");
    }

    let run = xseg(
        &["check", "--trace-checks", "--format", "sarif", "-"],
        &input,
    );
    assert_eq!(run.status, 1);
    let log: Value = serde_json::from_str(&run.stdout).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let got: Vec<(String, String, u64)> = results
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap().to_owned(),
                r["level"].as_str().unwrap().to_owned(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
            )
        })
        .collect();
    let s = |k: &str, l: &str, n| (k.to_owned(), l.to_owned(), n);
    assert_eq!(
        got,
        [
            s("TraceSizeExceeded", "error", 10),
            s("TraceSizeExceeded", "error", 11),
            s("TraceAnnotationsOverLimit", "warning", 14),
            s("DuplicateId", "warning", 16),
            s("OrphanSubsegment", "warning", 21),
        ]
    );
    assert_eq!(results[0]["properties"]["ErrorCode"], "InvalidSegment");
    assert_eq!(results[0]["properties"]["Message"], MESSAGE);
    assert_eq!(log["runs"][0]["properties"]["summary"]["rejected"], 2);
}

#[test]
fn limits_are_options() {
    let (lines, _) = crafted();
    let input = ndjson(&lines);
    // A higher limit: nothing rejected.
    let run = xseg(
        &[
            "check",
            "--trace-checks",
            "--max-trace-bytes",
            "600000",
            "-q",
            "-",
        ],
        &input,
    );
    assert_eq!(run.status, 0, "{}", run.stdout);
    assert!(run
        .stdout
        .starts_with("21 documents: 21 accepted, 0 rejected, 3 warnings"));
    // One open trace: a document of another trace between a streamed subsegment and its
    // parent closes the subsegment's trace first.
    let stream = [
        segment(
            6,
            0x21,
            r#","type":"subsegment","parent_id":"0000000000000020""#,
        ),
        segment(8, 1, ""),
        segment(6, 0x20, ""),
    ];
    let run = xseg(
        &[
            "check",
            "--trace-checks",
            "--max-open-traces",
            "1",
            "--format",
            "json",
            "-",
        ],
        &ndjson(&stream),
    );
    let (found, _, _) = json_findings(&run.stdout);
    // Trace 6 was closed when trace 8 opened: its subsegment had no parent yet.
    assert_eq!(found, [(1, "OrphanSubsegment".to_owned())]);
    let run = xseg(
        &["check", "--trace-checks", "--format", "json", "-"],
        &ndjson(&stream),
    );
    assert!(json_findings(&run.stdout).0.is_empty());
    let run = xseg(
        &["check", "--trace-checks", "--max-open-traces", "0", "-"],
        b"",
    );
    assert_eq!(run.status, 2);
    assert!(run.stderr.contains("--max-open-traces"), "{}", run.stderr);
}

#[test]
fn output_does_not_depend_on_jobs_or_chunks() {
    let (lines, _) = crafted();
    let input = ndjson(&lines);
    let samples = [
        format!("{SAMPLES}/python.ndjson"),
        format!("{SAMPLES}/node.ndjson"),
    ];
    for format in ["text", "json"] {
        let mut first: Option<(String, String)> = None;
        for jobs in ["1", "2", "3"] {
            for chunk in ["100", "65536", "8388608"] {
                let crafted = xseg(
                    &[
                        "check",
                        "--trace-checks",
                        "--format",
                        format,
                        "-j",
                        jobs,
                        "--chunk-bytes",
                        chunk,
                        "-",
                    ],
                    &input,
                );
                let mut args = vec![
                    "check",
                    "--trace-checks",
                    "--format",
                    format,
                    "-j",
                    jobs,
                    "--chunk-bytes",
                    chunk,
                ];
                args.extend(samples.iter().map(String::as_str));
                let real = xseg(&args, b"");
                let got = (crafted.stdout, real.stdout);
                match &first {
                    None => first = Some(got),
                    Some(want) => assert_eq!(&got, want, "{format} jobs {jobs} chunk {chunk}"),
                }
            }
        }
    }
}

#[test]
fn the_samples_give_the_recorded_findings() {
    // corpus/README.md, "Trace-level findings": python.ndjson has TraceAnnotationsOverLimit at
    // lines 2 and 28 and 19 orphans; node.ndjson has it at line 12 and 12 orphans.
    for (file, annotations, orphans) in [("python", vec![2, 28], 19), ("node", vec![12], 12)] {
        let path = format!("{SAMPLES}/{file}.ndjson");
        let plain = xseg(&["check", "--format", "json", &path], b"");
        let run = xseg(&["check", "--trace-checks", "--format", "json", &path], b"");
        assert_eq!(run.status, plain.status);
        let (found, _, summary) = json_findings(&run.stdout);
        let lines_of = |kind: &str| -> Vec<u64> {
            found
                .iter()
                .filter(|(_, k)| k == kind)
                .map(|(l, _)| *l)
                .collect()
        };
        assert_eq!(lines_of("TraceAnnotationsOverLimit"), annotations, "{file}");
        assert_eq!(lines_of("OrphanSubsegment").len(), orphans, "{file}");
        assert_eq!(found.len(), annotations.len() + orphans, "{file}");
        let (_, _, plain_summary) = json_findings(&plain.stdout);
        assert_eq!(summary["rejected"], plain_summary["rejected"], "{file}");
    }
}

/// A daemon datagram capture: each frame a `u32` little-endian length, then the header line
/// and the document.
fn frames(lines: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        let datagram = format!("{{\"format\":\"json\",\"version\":1}}\n{l}");
        out.extend_from_slice(&(datagram.len() as u32).to_le_bytes());
        out.extend_from_slice(datagram.as_bytes());
    }
    out
}

#[test]
fn every_input_format_gets_the_checks() {
    let (lines, want) = crafted();
    let kinds: Vec<&str> = want.iter().map(|(_, k)| *k).collect();
    let kinds_of = |stdout: &str| -> Vec<String> {
        json_findings(stdout)
            .1
            .iter()
            .map(|o| {
                o.get("kind")
                    .or_else(|| o.get("warning"))
                    .and_then(Value::as_str)
                    .unwrap()
                    .to_owned()
            })
            .collect()
    };
    // JSON texts, one per line: the same lines.
    let run = xseg(
        &[
            "check",
            "--trace-checks",
            "--input",
            "json",
            "--format",
            "json",
            "-",
        ],
        &ndjson(&lines),
    );
    assert_eq!(
        json_findings(&run.stdout).0,
        want.iter()
            .map(|(l, k)| (*l, k.to_string()))
            .collect::<Vec<_>>()
    );
    // Requests of at most 50 documents, one after the other (sizes count unescaped).
    let mut body = Vec::new();
    for chunk in lines.chunks(5) {
        body.extend(
            serde_json::to_vec(&serde_json::json!({ "TraceSegmentDocuments": chunk })).unwrap(),
        );
        body.push(b'\n');
    }
    let run = xseg(
        &[
            "check",
            "--trace-checks",
            "--input",
            "json",
            "--format",
            "json",
            "-",
        ],
        &body,
    );
    assert_eq!(kinds_of(&run.stdout), kinds, "{}", run.stdout);
    let first = &json_findings(&run.stdout).1[0];
    assert_eq!(first["Id"], "0000000000000009");
    assert_eq!(first["line"], 2);
    // Datagram captures: offsets only.
    let run = xseg(
        &[
            "check",
            "--trace-checks",
            "--input",
            "frames",
            "--format",
            "json",
            "-",
        ],
        &frames(&lines),
    );
    assert_eq!(kinds_of(&run.stdout), kinds, "{}", run.stderr);
    let first = &json_findings(&run.stdout).1[0];
    assert_eq!(first["frame"], 10);
    assert!(first.get("line").is_none());
    // Compressed.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&ndjson(&lines)).unwrap();
    let run = xseg(
        &["check", "--trace-checks", "--format", "json", "-"],
        &gz.finish().unwrap(),
    );
    assert_eq!(kinds_of(&run.stdout), kinds, "{}", run.stderr);
}
