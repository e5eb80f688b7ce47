//! The built `xseg` binary on what users have: every input format, plain, gzip and zstd;
//! binary data; every output format (the SARIF log checked against the SARIF 2.1.0 schema);
//! the explanations of `put-trace-segments`; completions and the manual page.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use common::Run;

const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");

/// Runs `xseg args` in `dir`, with `stdin` as standard input.
fn xseg_in(dir: &Path, args: &[&str], stdin: &[u8]) -> Run {
    common::run(Some(dir), args, stdin)
}

/// A fresh folder for one test's files.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xseg-inputs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn zstd(data: &[u8]) -> Vec<u8> {
    zstd::encode_all(data, 3).unwrap()
}

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const GOOD: &str = r#"{"name":"checkout","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1744830464.5,"end_time":1744830465.25}"#;

/// `GOOD` with `name` set to `name`, pretty-printed with two-space indents.
fn pretty(name: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(GOOD).unwrap();
    v["name"] = name.into();
    serde_json::to_string_pretty(&v).unwrap()
}

/// The daemon frames of the documents of an NDJSON capture, as `corpus/capture` writes them.
fn frames_of(ndjson: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in ndjson.lines() {
        if line.trim().is_empty() || line.starts_with("{\"format\"") {
            continue;
        }
        let datagram = format!("{{\"format\":\"json\",\"version\":1}}\n{line}");
        out.extend_from_slice(&(datagram.len() as u32).to_le_bytes());
        out.extend_from_slice(datagram.as_bytes());
    }
    out
}

/// (line, column, ErrorCode or warning kind, pointer, offset) of each finding.
type Seen = (Option<u64>, Option<u64>, String, String, u64);

fn findings(stdout: &str) -> Vec<Seen> {
    json_lines(stdout)
        .iter()
        .filter(|v| v.get("summary").is_none())
        .map(|v| {
            (
                v["line"].as_u64(),
                v["column"].as_u64(),
                v.get("ErrorCode")
                    .or_else(|| v.get("warning"))
                    .unwrap()
                    .as_str()
                    .unwrap()
                    .to_owned(),
                v["pointer"].as_str().unwrap().to_owned(),
                v["offset"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn check_json(dir: &Path, file: &str, input: &str) -> Run {
    xseg_in(
        dir,
        &["check", "--format", "json", "--input", input, file],
        b"",
    )
}

#[test]
fn every_input_format_plain_and_compressed() {
    let dir = scratch("formats");
    let capture = std::fs::read_to_string(format!("{DATA}/capture.ndjson")).unwrap();
    let request = std::fs::read_to_string(format!("{DATA}/request-valid.json")).unwrap();
    let texts = format!("{}\n{}\n  {GOOD}\n", pretty("ok"), pretty("a,b"));
    let cases: [(&str, &str, Vec<u8>); 4] = [
        ("ndjson", "capture.ndjson", capture.clone().into_bytes()),
        ("json", "texts.json", texts.into_bytes()),
        ("request", "request.json", request.into_bytes()),
        ("frames", "capture.bin", frames_of(&capture)),
    ];
    for (format, name, bytes) in &cases {
        std::fs::write(dir.join(name), bytes).unwrap();
        let plain = check_json(&dir, name, format);
        assert_eq!(plain.stderr, "", "{format}");
        assert_eq!(plain.status, 1, "{format}: {}", plain.stdout);
        let want = findings(&plain.stdout);
        assert!(!want.is_empty(), "{format}");
        // `auto` says nothing and reads it the same way
        let auto = check_json(&dir, name, "auto");
        assert_eq!(auto.stderr, "", "{format}");
        assert_eq!(auto.stdout, plain.stdout, "{format}");
        for (ext, packed) in [("gz", gzip(bytes)), ("zst", zstd(bytes))] {
            let packed_name = format!("{name}.{ext}");
            std::fs::write(dir.join(&packed_name), packed).unwrap();
            for input in [*format, "auto"] {
                let run = check_json(&dir, &packed_name, input);
                assert_eq!(run.stderr, "", "{format} {ext} {input}");
                assert_eq!(run.status, 1, "{format} {ext} {input}");
                assert_eq!(
                    run.stdout,
                    plain
                        .stdout
                        .replace(&format!("\"{name}\""), &format!("\"{packed_name}\"")),
                    "{format} {ext} {input}"
                );
            }
        }
        // and on standard input
        let run = xseg_in(&dir, &["check", "--format", "json", "-"], &gzip(bytes));
        assert_eq!(findings(&run.stdout), want, "{format} on stdin");
    }
    // The frames of a capture give the verdicts of its documents, at offsets in the frames file.
    let ndjson = findings(&check_json(&dir, "capture.ndjson", "ndjson").stdout);
    let frames = findings(&check_json(&dir, "capture.bin", "frames").stdout);
    let codes = |f: &[Seen]| {
        f.iter()
            .map(|s| (s.2.clone(), s.3.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(codes(&ndjson), codes(&frames));
    assert!(frames.iter().all(|f| f.0.is_none()));
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_pretty_printed_document_gets_one_verdict_with_its_line_and_column() {
    let dir = scratch("pretty");
    let doc = pretty("a,b");
    std::fs::write(dir.join("segment.json"), &doc).unwrap();
    let run = xseg_in(&dir, &["check", "segment.json"], b"");
    assert_eq!(run.status, 1);
    assert_eq!(run.stderr, "");
    let at = doc.find("\"a,b\"").unwrap();
    let line = doc[..at].matches('\n').count() + 1;
    let column = at - doc[..at].rfind('\n').unwrap();
    assert_eq!((line, column), (4, 11));
    assert_eq!(
        run.stdout,
        format!(
            "segment.json:{line}:{column}: 70de5b6f19ff9a0a InvalidName \u{2014} `name` contains a character outside the allowed set at /name (byte {at})\n\
             1 document: 0 accepted, 1 rejected, 0 warnings\n  \
             InvalidName       1\n"
        )
    );
    // an accepted one, indented by jq, is just accepted
    std::fs::write(dir.join("ok.json"), pretty("ok")).unwrap();
    let run = xseg_in(&dir, &["check", "ok.json"], b"");
    assert_eq!(
        (run.status, run.stdout.as_str()),
        (0, "1 document: 1 accepted, 0 rejected, 0 warnings\n")
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn json_texts_say_what_a_syntax_error_swallowed() {
    let dir = scratch("texts");
    // the second text never closes: it runs to the end and is reported once, saying so
    let input = format!(
        "{}\n{{\"name\": \"x\",\n  \"id\": [\n{}\n",
        pretty("ok"),
        pretty("b")
    );
    std::fs::write(dir.join("broken.json"), &input).unwrap();
    let run = xseg_in(&dir, &["check", "--format", "json", "broken.json"], b"");
    assert_eq!(run.status, 1);
    let lines = json_lines(&run.stdout);
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    assert_eq!(lines[0]["ErrorCode"], "ParseError");
    // the text starting on line 8 ends with the input, on line 17
    assert_eq!(lines[0]["line"], 17);
    assert_eq!(lines[0]["kind"], "UnexpectedEof");
    let detail = lines[0]["detail"].as_str().unwrap();
    assert!(
        detail.contains("never closes")
            && detail.contains("from line 8")
            && detail.contains("not checked"),
        "{detail}"
    );
    assert_eq!(lines[1]["summary"]["documents"], 2);
    // stray words between documents are one finding that says how much was skipped, and a
    // daemon header is skipped as in NDJSON
    let input = format!(
        "{{\"format\":\"json\",\"version\":1}}\n{}\nnot json, at all\n{}\n",
        pretty("ok"),
        pretty("ok")
    );
    std::fs::write(dir.join("stray.json"), &input).unwrap();
    let run = xseg_in(&dir, &["check", "stray.json"], b"");
    assert_eq!(run.status, 1);
    let at = input.find("not json").unwrap();
    assert_eq!(
        run.stdout,
        format!(
            "stray.json:9:1: - ParseError \u{2014} invalid literal; 17 bytes up to the next `{{` or `[` were skipped (byte {at})\n\
             3 documents: 2 accepted, 1 rejected, 0 warnings\n  \
             ParseError        1\n"
        )
    );
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn a_request_file_expands_into_its_documents() {
    let run = xseg_in(Path::new(DATA), &["check", "request-valid.json"], b"");
    assert_eq!(run.status, 1);
    assert_eq!(run.stderr, "");
    let lines: Vec<&str> = run.stdout.lines().collect();
    // each document is named by the line and column of its string in the file
    assert!(
        lines[0].starts_with("request-valid.json:4:6: 5a1b2c3d4e5f6071 MissingName"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("request-valid.json:5:"),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].ends_with("at /subsegments/0/name (byte 534)"),
        "{}",
        lines[1]
    );
    assert_eq!(lines[4], "6 documents: 2 accepted, 4 rejected, 0 warnings");
    let body = std::fs::read(format!("{DATA}/request-valid.json")).unwrap();
    assert_eq!(&body[534..547], b"\\\"db(primary)");
    assert_eq!(
        534 - body[..534].iter().rposition(|&b| b == b'\n').unwrap(),
        192
    );
    // a request rejected as a whole is one finding, where the problem is
    let run = xseg_in(
        Path::new(DATA),
        &["check", "--format", "json", "request-non-string.json"],
        b"",
    );
    assert_eq!(run.status, 1);
    let lines = json_lines(&run.stdout);
    assert_eq!(lines[0]["ErrorCode"], "InvalidRequestException");
    assert_eq!(
        lines[0]["Message"],
        "TraceSegmentDocuments[1] must be a string"
    );
    assert_eq!(lines[0]["kind"], "DocumentNotString");
    assert_eq!(lines[1]["summary"]["requests"], 1);
}

#[test]
fn binary_data_gets_one_line_and_status_two() {
    let dir = scratch("binary");
    // 100 KB of pseudo-random bytes
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let bytes: Vec<u8> = (0..100_000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect();
    std::fs::write(dir.join("random.bin"), &bytes).unwrap();
    for args in [
        &["check", "random.bin"][..],
        &["check", "--input", "ndjson", "random.bin"],
    ] {
        let run = xseg_in(&dir, args, b"");
        assert_eq!(run.status, 2);
        assert_eq!(
            run.stderr,
            "xseg: random.bin: looks like binary data, not JSON text\n"
        );
        // the error line is the whole report: no summary of zero documents
        assert_eq!(run.stdout, "");
    }
    // JSON keeps its summary object for scripts
    let run = xseg_in(&dir, &["check", "--format", "json", "random.bin"], b"");
    assert_eq!(run.status, 2);
    assert_eq!(
        run.stdout,
        "{\"summary\":{\"documents\":0,\"accepted\":0,\"rejected\":0,\"warnings\":0,\
         \"bytes\":0,\"by_code\":{},\"by_warning\":{}}}\n"
    );
    let run = xseg_in(&dir, &["check", "-q"], &gzip(&bytes));
    assert_eq!(run.status, 2);
    assert_eq!(
        run.stderr,
        "xseg: <stdin>: looks like binary data, not JSON text\n"
    );
    std::fs::remove_dir_all(dir).unwrap();
}

/// The committed SDK samples read exactly as before: this output is the report `xseg check`
/// has always given on them, with the column added, and the warnings in JSON.
#[test]
fn the_sdk_samples_read_as_before() {
    let samples = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus/samples"));
    for name in ["python", "node"] {
        for profile in ["service", "strict"] {
            for (format, ext) in [("text", "txt"), ("json", "json")] {
                let file = format!("{name}.ndjson");
                let run = xseg_in(
                    samples,
                    &["check", "--profile", profile, "--format", format, &file],
                    b"",
                );
                let want = std::fs::read_to_string(format!("{DATA}/golden/{name}.{profile}.{ext}"))
                    .unwrap();
                assert_eq!(run.stdout, want, "{name} {profile} {format}");
                assert_eq!(run.status, 1);
            }
        }
    }
}

#[test]
fn sarif_validates_against_the_schema() {
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(format!("{DATA}/sarif-schema-2.1.0.json")).unwrap(),
    )
    .unwrap();
    let validator = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    for args in [
        &[
            "check",
            "--format",
            "sarif",
            "capture.ndjson",
            "request-valid.json",
        ][..],
        &[
            "check",
            "--format",
            "sarif",
            "--profile",
            "strict",
            "capture.ndjson",
        ],
        &["check", "--format", "sarif", "all-valid.ndjson"],
        &["check", "--format", "sarif", "-q", "capture.ndjson"],
        &["check", "--format", "sarif", "-"],
    ] {
        let run = xseg_in(Path::new(DATA), args, b"{\"id\":1}\n");
        let log: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let errors: Vec<String> = validator.iter_errors(&log).map(|e| e.to_string()).collect();
        assert!(errors.is_empty(), "{args:?}: {errors:?}");
        assert_eq!(log["version"], "2.1.0");
    }
    let run = xseg_in(
        Path::new(DATA),
        &["check", "--format", "sarif", "capture.ndjson"],
        b"",
    );
    assert_eq!(run.status, 1);
    let log: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let run0 = &log["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "InvalidTraceId",
            "InvalidNameChar",
            "UppercaseId",
            "ExpectedInteger",
            "UnexpectedEof"
        ]
    );
    let results = run0["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    assert_eq!(levels, ["error", "error", "warning", "error", "error"]);
    let location = &results[1]["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "capture.ndjson");
    assert_eq!(location["region"]["startLine"], 7);
    assert_eq!(location["region"]["startColumn"], 167);
    assert_eq!(location["region"]["byteOffset"], 553);
    assert_eq!(results[1]["properties"]["ErrorCode"], "InvalidName");
    assert_eq!(run0["properties"]["summary"]["rejected"], 4);
}

#[test]
fn github_workflow_commands() {
    let run = xseg_in(
        Path::new(DATA),
        &["check", "--format", "github", "capture.ndjson"],
        b"",
    );
    assert_eq!(run.status, 1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0],
        "::error file=capture.ndjson,line=4,col=55,title=InvalidTraceId::\"2222222222222222\": `trace_id` is not `1-` + 8 hex + `-` + 24 hex at /trace_id (byte 264)"
    );
    assert_eq!(
        lines[2],
        "::warning file=capture.ndjson,line=9,col=25,title=UppercaseId::\"70DE5B6F19FF9A0A\": `id` has upper-case hex digits at /id (byte 698)"
    );
    assert_eq!(lines[5], "7 documents: 3 accepted, 4 rejected, 1 warning");
}

#[test]
fn the_trace_id_window_and_the_throughput() {
    // 0x68000000 is 1744830464
    let now = "1744830464";
    let args = [
        "check",
        "-q",
        "--format",
        "json",
        "--now",
        now,
        "--max-trace-age",
        "1d",
        "all-valid.ndjson",
    ];
    let run = xseg_in(Path::new(DATA), &args, b"");
    assert_eq!(run.status, 0, "{}", run.stdout);
    let late = (1_744_830_464u64 + 2 * 86_400).to_string();
    let mut args = args;
    args[5] = &late;
    let run = xseg_in(Path::new(DATA), &args, b"");
    assert_eq!(run.status, 1);
    assert!(
        run.stdout.contains(r#""by_code":{"InvalidTraceId":2}"#),
        "{}",
        run.stdout
    );
    let run = xseg_in(
        Path::new(DATA),
        &[
            "check",
            "--max-future-skew",
            "5m",
            "--now",
            "1700000000",
            "all-valid.ndjson",
        ],
        b"",
    );
    assert_eq!(run.status, 1);
    assert!(run
        .stdout
        .contains("`trace_id` epoch is outside the time window"));
    let run = xseg_in(Path::new(DATA), &["check", "--max-trace-age", "soon"], b"");
    assert_eq!(run.status, 2);
    // --stats: one line on standard error, in MB; nothing after an I/O error
    let run = xseg_in(
        Path::new(DATA),
        &["check", "-q", "--stats", "all-valid.ndjson"],
        b"",
    );
    assert!(
        run.stderr.starts_with("xseg: 0.000321 MB in "),
        "{}",
        run.stderr
    );
    assert!(run.stderr.ends_with(" documents/s\n"), "{}", run.stderr);
    let run = xseg_in(
        Path::new(DATA),
        &["check", "-q", "--stats", "missing.ndjson"],
        b"",
    );
    assert_eq!(
        run.stderr,
        "xseg: cannot open missing.ndjson: No such file or directory (os error 2)\n"
    );
}

#[test]
fn put_trace_segments_explains_on_standard_error() {
    let run = xseg_in(
        Path::new(DATA),
        &["put-trace-segments", "--explain", "request-valid.json"],
        b"",
    );
    assert_eq!(run.status, 0);
    let plain = xseg_in(
        Path::new(DATA),
        &["put-trace-segments", "request-valid.json"],
        b"",
    );
    assert_eq!(run.stdout, plain.stdout);
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(
        lines,
        [
            "xseg: document 1: MissingName \u{2014} missing required field `name` (byte 0 of the document)",
            "xseg: document 2: InvalidName \u{2014} `name` contains a character outside the allowed set at /subsegments/0/name (byte 166 of the document)",
            "xseg: document 3: InvalidId \u{2014} `id` is not 16 hex digits at /id (byte 6 of the document)",
            "xseg: document 4: ParseError \u{2014} invalid literal (byte 0 of the document)",
        ]
    );
    // request-level errors: the exact byte, and nesting named as the cause
    let prefix = "{\"TraceSegmentDocuments\":[],\"x\":";
    let deep = format!("{prefix}{}{}}}", "[".repeat(1100), "]".repeat(1100));
    let run = xseg_in(
        Path::new(DATA),
        &["put-trace-segments", "--explain"],
        deep.as_bytes(),
    );
    assert_eq!(run.status, 3);
    let at = prefix.len() + 1023;
    assert_eq!(
        run.stderr,
        format!("xseg: request: request body is not well-formed JSON: nested too deeply (more than 1,024 levels) (byte {at}, line 1, column {})\n", at + 1)
    );
    let run = xseg_in(
        Path::new(DATA),
        &["put-trace-segments", "--explain"],
        b"{\"TraceSegmentDocuments\":\n [\"{}\" \"{}\"]}",
    );
    assert_eq!(run.status, 3);
    assert_eq!(
        run.stderr,
        "xseg: request: request body is not well-formed JSON: expected `,` or a closing bracket (byte 33, line 2, column 8)\n"
    );
}

#[test]
fn completions_and_manual_page() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = xseg_in(Path::new(DATA), &["completions", shell], b"");
        assert_eq!(run.status, 0, "{shell}");
        assert!(run.stdout.contains("put-trace-segments"), "{shell}");
        assert!(run.stdout.contains("max-trace-age"), "{shell}");
    }
    let run = xseg_in(Path::new(DATA), &["man"], b"");
    assert_eq!(run.status, 0);
    assert!(run.stdout.starts_with(".ie"), "{}", &run.stdout[..40]);
    assert!(run.stdout.contains(".TH xseg 1"));
    assert!(run.stdout.contains("check"));
}
