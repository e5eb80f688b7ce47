//! `xseg fix`, `xseg listen --fix` and `xseg serve --fix`, the built binary: the committed
//! real-SDK samples fixed then checked, every input format, the JSON report of the changes,
//! `--no-fix`, a repaired datagram forwarded to a UDP socket, and a repaired document in
//! `serve --out` while the client gets the answer to the original.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use xseg::fix::FixOptions;
use xseg::{ErrorKind, Options, Profile};

use common::Output;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const HEADER: &str = "{\"format\":\"json\",\"version\":1}";

/// A document with three repairs: a name with parentheses, an id in upper case, an annotation
/// key with a dash.
const BROKEN: &str = r#"{"name":"checkout (eu)","id":"70DE5B6F19FF9A0A","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2,"annotations":{"user-id":"u1"}}"#;
const REPAIRED: &str = r#"{"name":"checkout eu","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2,"annotations":{"user_id":"u1"}}"#;
const GOOD: &str = r#"{"name":"checkout","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#;
const MISSING_ID: &str = r#"{"name":"a(b)","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#;

fn xseg(args: &[&str], stdin: &[u8]) -> Output {
    common::run_bytes(None, args, stdin)
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xseg-fix-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The kinds a default fixer repairs under `profile`.
fn repairable(profile: Profile) -> BTreeSet<&'static str> {
    let opts = FixOptions::new(Options::new(profile));
    ErrorKind::ALL
        .iter()
        .filter(|k| opts.repairs_kind(**k))
        .map(|k| k.name())
        .collect()
}

#[test]
fn the_samples_fixed_then_checked() {
    for profile in ["service", "strict"] {
        for sample in ["python", "node"] {
            let input = Path::new(ROOT).join(format!("corpus/samples/{sample}.ndjson"));
            let fixed = xseg(
                &[
                    "fix",
                    "--profile",
                    profile,
                    "--format",
                    "json",
                    path(&input),
                ],
                b"",
            );
            assert!(fixed.status <= 1, "{}", fixed.stderr);
            let report = fixed.report();
            let summary = &report.last().unwrap()["summary"];
            assert!(summary["fixed"].as_u64().unwrap() > 0, "{summary}");
            // input lines that are documents, in order
            let text = std::fs::read_to_string(&input).unwrap();
            let docs: Vec<(usize, &str)> = text
                .lines()
                .enumerate()
                .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with(HEADER))
                .map(|(i, l)| (i + 1, l))
                .collect();
            let out = fixed.lines();
            assert_eq!(out.len(), docs.len());
            assert_eq!(summary["documents"].as_u64(), Some(docs.len() as u64));
            let changed: BTreeSet<u64> = report
                .iter()
                .filter(|v| v.get("fixed").is_some())
                .map(|v| v["line"].as_u64().unwrap())
                .collect();
            let mut same = 0;
            for ((line, original), written) in docs.iter().zip(&out) {
                if changed.contains(&(*line as u64)) {
                    assert_ne!(original, written, "line {line}");
                } else {
                    assert_eq!(original, written, "{sample} line {line} ({profile})");
                    same += 1;
                }
            }
            assert!(same > docs.len() / 2);
            // The result, checked: no rejection of a repairable kind is left.
            let checked = xseg(
                &["check", "--profile", profile, "--format", "json", "-"],
                &fixed.stdout,
            );
            let kinds = repairable(if profile == "strict" {
                Profile::Strict
            } else {
                Profile::Service
            });
            let findings: Vec<Value> = std::str::from_utf8(&checked.stdout)
                .unwrap()
                .lines()
                .map(|l| serde_json::from_str(l).unwrap())
                .collect();
            // Output lines (1-based) of the documents left unfixable: written unchanged, so
            // a repairable fault may still be the first one reported, before the one that
            // blocks.
            let unfixable_lines: BTreeSet<u64> = report
                .iter()
                .filter(|v| v.get("ErrorCode").is_some())
                .map(|v| {
                    let line = v["line"].as_u64().unwrap() as usize;
                    docs.iter().position(|(l, _)| *l == line).unwrap() as u64 + 1
                })
                .collect();
            assert_eq!(
                unfixable_lines.len() as u64,
                summary["unfixable"].as_u64().unwrap()
            );
            let (mut rejected, mut masked) = (0, 0);
            for f in &findings {
                if f.get("ErrorCode").is_some() {
                    rejected += 1;
                    // only a document left unfixable is rejected, so no rejection of a
                    // repairable kind is left on a line that was repaired
                    let line = f["line"].as_u64().unwrap();
                    assert!(unfixable_lines.contains(&line), "{sample} ({profile}): {f}");
                    if kinds.contains(f["kind"].as_str().unwrap()) {
                        masked += 1;
                    }
                }
            }
            assert_eq!(rejected, unfixable_lines.len(), "{sample} ({profile})");
            assert!(masked < rejected.max(1), "{sample} ({profile})");
            let after = &findings.last().unwrap()["summary"];
            assert_eq!(
                after["rejected"], summary["unfixable"],
                "{sample} ({profile})"
            );
        }
    }
}

fn gzip(data: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

fn frame(datagram: &[u8]) -> Vec<u8> {
    let mut v = u32::try_from(datagram.len())
        .unwrap()
        .to_le_bytes()
        .to_vec();
    v.extend_from_slice(datagram);
    v
}

#[test]
fn every_input_format_gives_one_line_per_document() {
    let want = [REPAIRED, GOOD];
    let ndjson = format!("{HEADER}\n{BROKEN}\n\n{GOOD}\r\n");
    let pretty = BROKEN
        .replace("{\"name\"", "{\n  \"name\"")
        .replace(",\"", ",\n  \"");
    let texts = format!("{pretty}\n{GOOD}");
    let request =
        serde_json::to_string(&serde_json::json!({ "TraceSegmentDocuments": [BROKEN, GOOD] }))
            .unwrap();
    let mut frames = frame(format!("{HEADER}\n{BROKEN}").as_bytes());
    frames.extend(frame(format!("{HEADER}\n{GOOD}").as_bytes()));
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("ndjson", ndjson.clone().into_bytes()),
        ("gzip ndjson", gzip(ndjson.as_bytes())),
        (
            "zstd ndjson",
            zstd::encode_all(ndjson.as_bytes(), 3).unwrap(),
        ),
        ("request", request.into_bytes()),
        ("frames", frames.clone()),
        ("gzip frames", gzip(&frames)),
    ];
    for (what, input) in cases {
        let out = xseg(&["fix", "-"], &input);
        assert_eq!(out.status, 0, "{what}: {}", out.stderr);
        assert_eq!(out.lines(), want, "{what}");
        assert!(
            out.stderr.contains("2 documents: 2 accepted, 0 rejected")
                && out
                    .stderr
                    .contains("1 fixed, 1 unchanged, 0 unfixable; 3 changes"),
            "{what}: {}",
            out.stderr
        );
        // the place of the first change: in the request body as written (inside its escaped
        // string), at the body of the first datagram (after its length and header)
        let place = match what {
            "request" => "<stdin>:1:38: ",
            "frames" | "gzip frames" => "<stdin>: ",
            _ => "<stdin>:2:9: ",
        };
        let byte = match what {
            "request" => 37,
            "frames" | "gzip frames" => 4 + HEADER.len() + 1 + 8,
            _ => HEADER.len() + 1 + 8,
        };
        let first = out.stderr.lines().next().unwrap();
        assert!(
            first.starts_with(&format!("{place}70DE5B6F19FF9A0A fixed InvalidNameChar"))
                && first.ends_with(&format!("(byte {byte})")),
            "{what}: {first}"
        );
    }
    // A pretty-printed document is written on one line: its line breaks become spaces.
    assert_eq!(pretty.lines().count(), 7);
    let out = xseg(&["fix", "--input", "json", "-"], texts.as_bytes());
    assert_eq!(out.status, 0, "{}", out.stderr);
    let lines = out.lines();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1], GOOD);
    let fixed: Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(fixed, serde_json::from_str::<Value>(REPAIRED).unwrap());
    assert_eq!(
        lines[0],
        pretty
            .replace("checkout (eu)", "checkout eu")
            .replace("70DE5B6F19FF9A0A", "70de5b6f19ff9a0a")
            .replace("user-id", "user_id")
            .replace('\n', " ")
    );
    // The place of a change in a pretty-printed text: its line and column there.
    assert!(out.stderr.starts_with("<stdin>:2:10: 70DE5B6F19FF9A0A fixed InvalidNameChar: \"checkout (eu)\" \u{2192} \"checkout eu\" at /name (byte 11)\n"), "{}", out.stderr);

    // Binary input: the one-line error of `check`, exit 2, nothing written.
    let noise: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let out = xseg(&["fix", "-"], &noise);
    assert_eq!(out.status, 2);
    assert!(out.stdout.is_empty());
    assert!(
        out.stderr
            .starts_with("xseg: <stdin>: looks like binary data, not JSON text\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn the_changes_as_json_and_unfixable_documents() {
    let input = format!("{BROKEN}\n{MISSING_ID}\n{GOOD}\n");
    let out = xseg(&["fix", "--format", "json"], input.as_bytes());
    assert_eq!(out.status, 1, "{}", out.stderr);
    // the unfixable document is written unchanged, in its place
    assert_eq!(out.lines(), [REPAIRED, MISSING_ID, GOOD]);
    let report = out.report();
    assert_eq!(report.len(), 5, "{}", out.stderr);
    let name = &report[0];
    assert_eq!(name["file"], "<stdin>");
    assert_eq!(
        (name["line"].as_u64(), name["column"].as_u64()),
        (Some(1), Some(9))
    );
    assert_eq!(name["offset"], 8);
    assert_eq!(name["Id"], "70DE5B6F19FF9A0A");
    assert_eq!(name["fixed"], "InvalidNameChar");
    assert_eq!(name["repair"], "name");
    assert_eq!(name["pointer"], "/name");
    assert_eq!(name["before"], "\"checkout (eu)\"");
    assert_eq!(name["after"], "\"checkout eu\"");
    assert_eq!(report[1]["fixed"], "UppercaseId");
    assert_eq!(report[2]["fixed"], "InvalidAnnotationKey");
    assert_eq!(report[2]["pointer"], "/annotations/user-id");
    let blocked = &report[3];
    assert_eq!(blocked["ErrorCode"], "MissingId");
    assert_eq!(blocked["kind"], "MissingId");
    assert_eq!(blocked["line"], 2);
    let summary = &report[4]["summary"];
    assert_eq!(
        (
            &summary["documents"],
            &summary["fixed"],
            &summary["unchanged"],
            &summary["unfixable"],
            &summary["changes"]
        ),
        (&3.into(), &1.into(), &1.into(), &1.into(), &3.into())
    );
    assert_eq!(summary["by_code"]["MissingId"], 1);
}

#[test]
fn no_fix_leaves_a_repair_out() {
    let out = xseg(
        &["fix", "--no-fix", "name", "--format", "json"],
        BROKEN.as_bytes(),
    );
    // the name is what the service rejects: without its repair the document is unfixable
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(out.lines(), [BROKEN]);
    let report = out.report();
    assert_eq!(report[0]["ErrorCode"], "InvalidName");
    assert_eq!(report[0]["kind"], "InvalidNameChar");
    let out = xseg(
        &["fix", "--no-fix", "id", "--no-fix", "annotation-key"],
        BROKEN.as_bytes(),
    );
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert_eq!(
        out.lines(),
        [BROKEN.replace("checkout (eu)", "checkout eu").as_str()]
    );
    let out = xseg(&["fix", "--no-fix", "names"], b"");
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains("unknown repair `names`"),
        "{}",
        out.stderr
    );
}

#[test]
fn out_writes_a_file_and_never_an_input() {
    let dir = temp_dir("out");
    let input = dir.join("in.ndjson");
    std::fs::write(&input, format!("{BROKEN}\n{GOOD}\n")).unwrap();
    let target = dir.join("fixed.ndjson");
    let out = xseg(&["fix", "-q", "--out", path(&target), path(&input)], b"");
    assert_eq!(out.status, 0, "{}", out.stderr);
    assert!(out.stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        format!("{REPAIRED}\n{GOOD}\n")
    );
    assert!(out.stderr.starts_with("2 documents"), "{}", out.stderr);
    let out = xseg(&["fix", "--out", path(&input), path(&input)], b"");
    assert_eq!(out.status, 2);
    assert!(
        out.stderr.contains("is one of the inputs"),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&input).unwrap(),
        format!("{BROKEN}\n{GOOD}\n")
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------------
// listen --fix and serve --fix

/// A running child, ended when dropped (so that a failed test leaves no server behind).
struct Running(Option<std::process::Child>);

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Starts `xseg ARGS` and waits for its `xseg: listening on ADDR` line.
#[allow(clippy::zombie_processes)]
fn start(args: &[&str]) -> (Running, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xseg"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut banner = String::new();
    loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            let _ = child.kill();
            let _ = child.wait();
            panic!("xseg ended before listening: {banner}");
        }
        banner.push_str(&line);
        if let Some(rest) = line.strip_prefix("xseg: listening on ") {
            let addr = rest.split(' ').next().unwrap().trim().parse().unwrap();
            // keep reading standard error so that the child never blocks on it
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut stderr, &mut std::io::sink());
            });
            return (Running(Some(child)), addr);
        }
    }
}

fn finish(mut running: Running) -> (i32, String) {
    let mut child = running.0.take().unwrap();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    (child.wait().unwrap().code().expect("exited"), stdout)
}

#[test]
fn listen_fix_forwards_the_repaired_datagram() {
    let daemon = UdpSocket::bind("127.0.0.1:0").unwrap();
    daemon
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let target = daemon.local_addr().unwrap().to_string();
    let (child, addr) = start(&[
        "listen",
        "--bind",
        "127.0.0.1:0",
        "--forward",
        &target,
        "--fix",
        "--format",
        "json",
        "--count",
        "2",
        "--duration",
        "60",
    ]);
    let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
    let mut received = Vec::new();
    let mut buf = vec![0u8; 70_000];
    for doc in [BROKEN, GOOD] {
        sender
            .send_to(format!("{HEADER}\n{doc}").as_bytes(), addr)
            .unwrap();
        let n = daemon.recv(&mut buf).unwrap();
        received.push(String::from_utf8(buf[..n].to_vec()).unwrap());
    }
    assert_eq!(
        received,
        [format!("{HEADER}\n{REPAIRED}"), format!("{HEADER}\n{GOOD}")]
    );
    let (status, stdout) = finish(child);
    assert_eq!(status, 0);
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    // the rejection of the datagram as received, then its three repairs, then the summary
    assert_eq!(lines[0]["ErrorCode"], "InvalidName", "{stdout}");
    let changes: Vec<&Value> = lines.iter().filter(|v| v.get("fixed").is_some()).collect();
    let fixed: Vec<&str> = changes
        .iter()
        .map(|v| v["fixed"].as_str().unwrap())
        .collect();
    assert_eq!(
        fixed,
        ["InvalidNameChar", "UppercaseId", "InvalidAnnotationKey"]
    );
    // offsets count from the datagram's first byte
    assert_eq!(changes[0]["offset"], HEADER.len() + 1 + 8);
    assert_eq!(changes[0]["datagram"], 1);
    assert_eq!(changes[0]["peer"], sender.local_addr().unwrap().to_string());
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(summary["rejected"], 1, "{stdout}");
    assert_eq!(
        (
            &summary["fixed"],
            &summary["changes"],
            &summary["forwarded"]
        ),
        (&1.into(), &3.into(), &2.into())
    );
}

/// One request with `Connection: close`; returns the status and the body.
fn post(addr: SocketAddr, body: &str) -> (u16, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let request = format!(
        "POST /TraceSegments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(request.as_bytes()).unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    let status = answer
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap();
    (status, body)
}

#[test]
fn serve_fix_answers_for_the_original_and_writes_the_repair() {
    let dir = temp_dir("serve");
    let out = dir.join("out.ndjson");
    let (child, addr) = start(&[
        "serve",
        "--bind",
        "127.0.0.1:0",
        "--fix",
        "--format",
        "json",
        "--out",
        path(&out),
    ]);
    let body =
        serde_json::json!({ "TraceSegmentDocuments": [BROKEN, GOOD, MISSING_ID] }).to_string();
    let (status, answer) = post(addr, &body);
    assert_eq!(status, 200);
    // the answer is the service's, for the documents as sent
    assert_eq!(
        answer,
        "{\"UnprocessedTraceSegments\":[{\"Id\":\"70DE5B6F19FF9A0A\",\"ErrorCode\":\"InvalidName\",\"Message\":\"Invalid segment. ErrorCode: InvalidName\"},{\"ErrorCode\":\"MissingId\",\"Message\":\"Invalid segment. ErrorCode: MissingId\"}]}\n"
    );
    // --out holds the repaired document and the good one; not the unfixable one
    let deadline = Instant::now() + Duration::from_secs(20);
    let written = loop {
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        if text.lines().count() >= 2 || Instant::now() > deadline {
            break text;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(written, format!("{REPAIRED}\n{GOOD}\n"));
    let ok = Command::new("kill")
        .args(["-s", "TERM", &child.0.as_ref().unwrap().id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok);
    let (status, stdout) = finish(child);
    assert_eq!(status, 0);
    let lines: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let fixed: Vec<&Value> = lines.iter().filter(|v| v.get("fixed").is_some()).collect();
    assert_eq!(fixed.len(), 3, "{stdout}");
    assert_eq!(fixed[0]["fixed"], "InvalidNameChar");
    assert_eq!(fixed[0]["request"], 1);
    assert_eq!(fixed[0]["document"], 0);
    assert_eq!(fixed[0]["offset"], 8);
    assert_eq!(fixed[0]["after"], "\"checkout eu\"");
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(
        (
            &summary["rejected"],
            &summary["fixed"],
            &summary["unchanged"],
            &summary["unfixable"],
            &summary["changes"]
        ),
        (&2.into(), &1.into(), &1.into(), &1.into(), &3.into()),
        "{stdout}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_line_over_the_size_limit_is_written_unchanged() {
    let long = BROKEN.replace("u1", &"u".repeat(300_000));
    let input = format!("{long}\n{BROKEN}\n");
    let out = xseg(
        &["fix", "--max-document-bytes", "1000", "--format", "json"],
        input.as_bytes(),
    );
    assert_eq!(out.status, 1, "{}", out.stderr);
    assert_eq!(out.lines(), [long.as_str(), REPAIRED]);
    let report = out.report();
    assert_eq!(report[0]["ErrorCode"], "InvalidSegment");
    assert_eq!(report[0]["kind"], "DocumentTooLarge");
    assert_eq!(report[0]["line"], 1);
    // the next line is placed after the long one
    assert_eq!(report[1]["line"], 2);
    assert_eq!(report[1]["offset"], long.len() + 1 + 8);
    assert_eq!(report.last().unwrap()["summary"]["unfixable"], 1);
}
