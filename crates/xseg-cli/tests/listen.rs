//! `xseg listen`, the built binary on a loopback port: what it prints for each datagram, its
//! summary, how it stops, forwarding, and the real Python SDK sending to it.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Read};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const DATA: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
const HEADER: &str = "{\"format\":\"json\",\"version\":1}\n";

/// A web segment as the SDKs write it.
const GOOD: &str = r#"{"id":"70de5b6f19ff9a0a","name":"checkout","start_time":1764554403.3447082,"trace_id":"1-692d2f4c-a006649127e371903a2de979","end_time":1764554403.4012,"in_progress":false,"http":{"request":{"url":"https://shop.example.com/cart","method":"PUT","user_agent":"python-requests/2.32.3","client_ip":"127.0.0.1"},"response":{"status":200}},"annotations":{"region":"eu"},"aws":{"xray":{"sdk":"X-Ray for Python","sdk_version":"2.15.0"}}}"#;

/// A running `xseg listen`.
struct Listening {
    child: Child,
    addr: SocketAddr,
    stdout: BufReader<ChildStdout>,
    stderr: BufReader<ChildStderr>,
    /// Standard error up to the `listening on` line.
    banner: String,
}

struct Finished {
    status: i32,
    stdout: String,
    stderr: String,
}

/// Ends the listener if a test failed before it finished.
impl Drop for Listening {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts `xseg listen --bind 127.0.0.1:0 ARGS` (with a 60 s `--duration` so that no test can
/// hang) and waits for the `listening on` line. The child is waited for by
/// [`Listening::finish`], or when the [`Listening`] is dropped.
#[allow(clippy::zombie_processes)]
fn listen(args: &[&str]) -> Listening {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xseg"));
    cmd.args(["listen", "--bind", "127.0.0.1:0"]);
    if !args.contains(&"--duration") {
        cmd.args(["--duration", "60"]);
    }
    let mut child = cmd
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = BufReader::new(child.stdout.take().unwrap());
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut banner = String::new();
    loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            let status = child.wait();
            panic!("xseg listen ended before listening ({status:?}): {banner}");
        }
        banner.push_str(&line);
        if let Some(rest) = line.strip_prefix("xseg: listening on ") {
            let addr = rest.split(' ').next().unwrap().trim().parse().unwrap();
            return Listening {
                child,
                addr,
                stdout,
                stderr,
                banner,
            };
        }
    }
}

impl Listening {
    /// The next line of standard output (blocks until the listener prints it).
    fn next_line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line
    }

    /// Waits for the listener to end and collects the rest of its output.
    fn finish(mut self) -> Finished {
        let mut stdout = String::new();
        self.stdout.read_to_string(&mut stdout).unwrap();
        let mut stderr = String::new();
        self.stderr.read_to_string(&mut stderr).unwrap();
        let status = self.child.wait().unwrap().code().expect("exited");
        Finished {
            status,
            stdout,
            stderr,
        }
    }

    fn signal(&self, name: &str) {
        let ok = Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -s {name}");
    }
}

fn sender() -> UdpSocket {
    UdpSocket::bind("127.0.0.1:0").unwrap()
}

fn framed(body: &str) -> Vec<u8> {
    format!("{HEADER}{body}").into_bytes()
}

fn json_lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

#[test]
fn reports_every_kind_of_datagram_as_json() {
    let bad_name = GOOD.replace("checkout", "svc,eu");
    let warned = GOOD.replace("\"region\":\"eu\"", "\"user-id\":\"u-1\"");
    let nan = GOOD.replace("\"status\":200", "\"status\":NaN");
    let datagrams: Vec<Vec<u8>> = vec![
        framed(GOOD),
        framed(&bad_name),
        format!("{{\"format\":\"xml\",\"version\":1}}\n{GOOD}").into_bytes(),
        GOOD.as_bytes().to_vec(),
        HEADER.as_bytes().to_vec(),
        framed(&warned),
        framed(&nan),
    ];
    // GOOD and `warned` share an id: without --no-trace-checks a DuplicateId line would follow.
    let run = listen(&["--format", "json", "--count", "7", "--no-trace-checks"]);
    let file = format!("udp:{}", run.addr);
    let s = sender();
    let peer = s.local_addr().unwrap().to_string();
    for d in &datagrams {
        s.send_to(d, run.addr).unwrap();
    }
    let done = run.finish();
    assert_eq!(done.status, 0, "{}", done.stderr);
    assert_eq!(done.stderr, "");

    let h = HEADER.len();
    let name_at = h + bad_name.find("\"svc,eu\"").unwrap();
    let key_at = h + warned.find("\"u-1\"").unwrap();
    let nan_at = h + nan.find("NaN").unwrap();
    let want = [
        json!({"file": file, "Id": "70de5b6f19ff9a0a", "ErrorCode": "InvalidName",
               "Message": "Invalid segment. ErrorCode: InvalidName", "kind": "InvalidNameChar", "pointer": "/name",
               "offset": name_at, "detail": "`name` contains a character outside the allowed set",
               "peer": peer, "datagram": 2}),
        json!({"file": file, "ErrorCode": "InvalidHeader",
               "Message": "Invalid datagram. ErrorCode: InvalidHeader", "kind": "BadFormat", "pointer": "",
               "offset": 10, "detail": "header `format` is not \"json\"",
               "peer": peer, "datagram": 3}),
        json!({"file": file, "ErrorCode": "MissingBody",
               "Message": "Invalid datagram. ErrorCode: MissingBody", "kind": "NoNewline", "pointer": "",
               "offset": GOOD.len(), "detail": "datagram has no newline between header and body",
               "peer": peer, "datagram": 4}),
        json!({"file": file, "ErrorCode": "MissingBody",
               "Message": "Invalid datagram. ErrorCode: MissingBody", "kind": "EmptyBody", "pointer": "",
               "offset": h, "detail": "datagram has an empty body",
               "peer": peer, "datagram": 5}),
        json!({"file": file, "Id": "70de5b6f19ff9a0a", "warning": "InvalidAnnotationKey",
               "pointer": "/annotations/user-id", "offset": key_at,
               "detail": "annotation key is not `[A-Za-z0-9_.]{1,500}`",
               "peer": peer, "datagram": 6}),
        json!({"file": file, "ErrorCode": "ParseError",
               "Message": "Invalid segment. ErrorCode: ParseError", "kind": "ExpectedValue", "pointer": "",
               "offset": nan_at, "detail": "expected a JSON value",
               "peer": peer, "datagram": 7}),
        json!({"summary": {"documents": 7, "accepted": 2, "rejected": 5, "warnings": 1,
               "bytes": datagrams.iter().map(Vec::len).sum::<usize>(),
               "by_code": {"MissingBody": 2, "InvalidHeader": 1, "ParseError": 1,
                             "InvalidName": 1},
               "by_warning": {"InvalidAnnotationKey": 1},
               "received": 7, "dropped": 0}}),
    ];
    let got = json_lines(&done.stdout);
    assert_eq!(got.len(), want.len(), "{}", done.stdout);
    for (got, want) in got.iter().zip(&want) {
        let (g, w) = (got.as_object().unwrap(), want.as_object().unwrap());
        for (key, value) in w {
            assert_eq!(g.get(key), Some(value), "field {key} of {got}");
        }
        assert_eq!(g.len(), w.len(), "{got}");
    }
    // The summary line's per-code counts come in the order of the summary (section 7's codes
    // first), not sorted.
    assert!(done.stdout.lines().last().unwrap().contains(
        r#""by_code":{"MissingBody":2,"InvalidHeader":1,"ParseError":1,"InvalidName":1},"#
    ));
}

#[test]
fn text_report_and_summary() {
    let run = listen(&["--count", "3", "--color", "never"]);
    let s = sender();
    let peer = s.local_addr().unwrap();
    s.send_to(&framed(GOOD), run.addr).unwrap();
    s.send_to(b"{\"format\":\"json\",\"version\":1}\r\n", run.addr)
        .unwrap();
    s.send_to(
        &framed(&GOOD.replace("70de5b6f19ff9a0a", "70de5b6f19ff9a0")),
        run.addr,
    )
    .unwrap();
    let done = run.finish();
    assert_eq!(done.status, 0);
    let lines: Vec<&str> = done.stdout.lines().collect();
    assert_eq!(
        lines[..5],
        [
            format!("{peer}: - MissingBody \u{2014} datagram has an empty body (byte 31)"),
            format!("{peer}: 70de5b6f19ff9a0 InvalidId \u{2014} `id` is not 16 hex digits at /id (byte 36)"),
            "3 datagrams received: 1 accepted, 2 rejected, 0 warnings".to_owned(),
            "  MissingBody       1".to_owned(),
            "  InvalidId         1".to_owned(),
        ]
    );
    assert_eq!(lines.len(), 6);
    assert!(
        lines[5].starts_with("0.000") && lines[5].ends_with(" datagrams/s"),
        "{}",
        lines[5]
    );
}

#[test]
fn colors_on_request() {
    let run = listen(&["--count", "1", "--color", "always"]);
    sender().send_to(b"oops", run.addr).unwrap();
    let done = run.finish();
    let first = done.stdout.lines().next().unwrap();
    assert!(
        first.starts_with("\x1b[31m") && first.ends_with("\x1b[0m"),
        "{first:?}"
    );
    assert!(first.contains(" - MissingBody \u{2014} "));
}

#[test]
fn forward_delivers_every_datagram_unchanged() {
    let daemon = UdpSocket::bind("127.0.0.1:0").unwrap();
    daemon
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let target = daemon.local_addr().unwrap().to_string();
    let mut big = framed(GOOD);
    big.resize(60_000, b' ');
    let datagrams: Vec<Vec<u8>> = vec![
        framed(GOOD),
        framed(&GOOD.replace("checkout", "svc,eu")),
        b"{\"format\":\"json\",\"version\":2}\n{}".to_vec(),
        b"no header".to_vec(),
        HEADER.as_bytes().to_vec(),
        Vec::new(),
        b"\xff\xfe\x00binary\n\x00".to_vec(),
        big,
    ];
    let n = datagrams.len().to_string();
    let run = listen(&[
        "--forward",
        &target,
        "--count",
        &n,
        "--format",
        "json",
        "-q",
    ]);
    assert!(
        run.banner
            .contains(&format!("xseg: forwarding every datagram to {target}")),
        "{}",
        run.banner
    );
    let s = sender();
    let mut buf = vec![0u8; 65_536];
    for d in &datagrams {
        s.send_to(d, run.addr).unwrap();
        let (len, from) = daemon.recv_from(&mut buf).unwrap();
        assert_eq!(&buf[..len], &d[..], "forwarded bytes");
        assert_ne!(from, run.addr, "sent from its own socket");
    }
    let done = run.finish();
    assert_eq!(done.status, 0, "{}", done.stderr);
    assert_eq!(done.stderr, "");
    let summary = &json_lines(&done.stdout)[0]["summary"];
    assert_eq!(summary["received"], datagrams.len());
    assert_eq!(summary["forwarded"], datagrams.len());
    assert_eq!(summary["forward_errors"], 0);
    assert_eq!(summary["accepted"], 2);
    assert_eq!(summary["rejected"], datagrams.len() - 2);
}

#[test]
fn forward_errors_are_reported_once_and_do_not_stop_the_listener() {
    let closed = UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = closed.local_addr().unwrap().to_string();
    drop(closed);
    let mut run = listen(&["--forward", &target, "--count", "4"]);
    let s = sender();
    for _ in 0..4 {
        s.send_to(b"x", run.addr).unwrap();
        // The report line shows the datagram was handled (and its refusal has come back).
        assert!(run.next_line().contains(" MissingBody "));
    }
    let done = run.finish();
    assert_eq!(done.status, 0);
    let errors: Vec<&str> = done
        .stderr
        .lines()
        .filter(|l| !l.starts_with("xseg: forwarding every datagram"))
        .collect();
    assert_eq!(errors.len(), 1, "{}", done.stderr);
    assert!(
        errors[0].starts_with(&format!("xseg: cannot forward to {target}: ")),
        "{}",
        errors[0]
    );
    assert!(done
        .stdout
        .starts_with("4 datagrams received: 0 accepted, 4 rejected"));
    assert!(
        done.stdout.contains(&format!(
            "forwarded 4 datagrams to {target}, 3 send errors\n"
        )),
        "{}",
        done.stdout
    );
}

#[cfg(unix)]
#[test]
fn sigint_and_sigterm_print_the_summary_and_exit_zero() {
    for signal in ["INT", "TERM"] {
        let mut run = listen(&["--format", "json"]);
        let s = sender();
        s.send_to(&framed(GOOD), run.addr).unwrap();
        s.send_to(b"{}", run.addr).unwrap();
        // The rejection is printed once the socket is idle: both datagrams are handled.
        assert!(run.next_line().contains("\"datagram\":2"));
        run.signal(signal);
        let done = run.finish();
        assert_eq!(done.status, 0, "SIG{signal}: {}", done.stderr);
        let bytes = HEADER.len() + GOOD.len() + 2;
        assert_eq!(
            done.stdout,
            format!(
                "{{\"summary\":{{\"documents\":2,\"accepted\":1,\"rejected\":1,\"warnings\":0,\
                 \"bytes\":{bytes},\"by_code\":{{\"MissingBody\":1}},\"by_warning\":{{}},\
                 \"received\":2,\"dropped\":0}}}}\n"
            ),
            "SIG{signal}"
        );
    }
}

#[test]
fn duration_ends_a_quiet_run() {
    let start = Instant::now();
    let run = listen(&["--duration", "0.3"]);
    let done = run.finish();
    assert!(start.elapsed() < Duration::from_secs(30));
    assert_eq!(done.status, 0);
    assert!(
        done.stdout
            .starts_with("0 datagrams received: 0 accepted, 0 rejected, 0 warnings\n"),
        "{}",
        done.stdout
    );
}

#[test]
fn an_address_in_use_or_a_bad_target_is_an_error() {
    let taken = UdpSocket::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_xseg"))
        .args(["listen", "--bind", &addr, "--count", "1"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with(&format!("xseg: cannot listen on {addr}: ")),
        "{err}"
    );
    assert!(err.contains("--forward"), "{err}");

    let out = Command::new(env!("CARGO_BIN_EXE_xseg"))
        .args([
            "listen",
            "--bind",
            "127.0.0.1:0",
            "--forward",
            "127.0.0.1:daemon",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert_eq!(
        err,
        "xseg: cannot forward to 127.0.0.1:daemon: invalid port value\n"
    );
}

/// `(file, line of the body, service verdict)` of each sample document.
fn sample_verdicts() -> Vec<(String, u64, Option<String>)> {
    let text = std::fs::read_to_string(format!("{ROOT}/corpus/samples/verdicts.json")).unwrap();
    let all: Vec<Value> = serde_json::from_str(&text).unwrap();
    all.iter()
        .map(|v| {
            let service = &v["service"];
            let code = (service["accepted"] == false)
                .then(|| service["ErrorCode"].as_str().unwrap().to_owned());
            (
                v["file"].as_str().unwrap().to_owned(),
                v["line"].as_u64().unwrap(),
                code,
            )
        })
        .collect()
}

#[test]
fn the_sdk_samples_get_their_recorded_verdicts() {
    // Each sample document is two lines, `header` and `body`: one datagram as the SDK sent it.
    let mut datagrams = Vec::new();
    let mut expected = Vec::new();
    for (file, line, code) in sample_verdicts() {
        let text = std::fs::read(format!("{ROOT}/corpus/samples/{file}")).unwrap();
        let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
        let line = usize::try_from(line).unwrap();
        let mut d = lines[line - 2].to_vec();
        d.push(b'\n');
        d.extend_from_slice(lines[line - 1]);
        datagrams.push(d);
        expected.push(code);
    }
    assert_eq!(datagrams.len(), 220);
    let n = datagrams.len().to_string();
    let run = listen(&["--format", "json", "--count", &n]);
    let s = sender();
    for (i, d) in datagrams.iter().enumerate() {
        s.send_to(d, run.addr).unwrap();
        if i % 20 == 19 {
            std::thread::sleep(Duration::from_millis(2));
        }
    }
    let done = run.finish();
    assert_eq!(done.status, 0, "{}", done.stderr);
    let mut got: Vec<Option<String>> = vec![None; datagrams.len()];
    let lines = json_lines(&done.stdout);
    for v in &lines[..lines.len() - 1] {
        if let Some(code) = v.get("ErrorCode") {
            let i = usize::try_from(v["datagram"].as_u64().unwrap()).unwrap();
            got[i - 1] = Some(code.as_str().unwrap().to_owned());
        }
    }
    assert_eq!(got, expected);
    let summary = &lines[lines.len() - 1]["summary"];
    let rejected = expected.iter().filter(|c| c.is_some()).count();
    assert_eq!(summary["received"], 220);
    assert_eq!(summary["rejected"], rejected);
    assert_eq!(summary["accepted"], 220 - rejected);
}

/// The Python of the SDK environment that `corpus/capture/setup_python.sh` sets up, or the one
/// `XSEG_SDK_PYTHON` names, when `aws_xray_sdk` imports in it.
fn sdk_python() -> Option<PathBuf> {
    let python = std::env::var_os("XSEG_SDK_PYTHON").map_or_else(
        || Path::new(ROOT).join("corpus/out/env/venv/bin/python"),
        PathBuf::from,
    );
    let ok = Command::new(&python)
        .args(["-c", "import aws_xray_sdk"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    ok.then_some(python)
}

#[test]
fn the_python_sdk_sends_one_rejected_and_one_accepted_segment() {
    let Some(python) = sdk_python() else {
        eprintln!(
            "skipped: the AWS X-Ray SDK for Python (aws-xray-sdk) is not installed in \
             corpus/out/env/venv (run corpus/capture/setup_python.sh, or set XSEG_SDK_PYTHON)"
        );
        return;
    };
    let run = listen(&["--format", "json", "--count", "2"]);
    let sdk = Command::new(python)
        .arg(format!("{DATA}/sdk_two_segments.py"))
        .env("AWS_XRAY_DAEMON_ADDRESS", run.addr.to_string())
        .output()
        .unwrap();
    assert!(
        sdk.status.success(),
        "{}",
        String::from_utf8_lossy(&sdk.stderr)
    );
    let sent: Value = serde_json::from_slice(&sdk.stdout).unwrap();
    let ids = sent["ids"].as_array().unwrap();
    assert_eq!(ids.len(), 2);
    let done = run.finish();
    assert_eq!(done.status, 0, "{}", done.stderr);
    let lines = json_lines(&done.stdout);
    assert_eq!(lines.len(), 2, "{}", done.stdout);
    let rejection = &lines[0];
    assert_eq!(rejection["ErrorCode"], "InvalidName");
    assert_eq!(
        rejection["Message"],
        "Invalid segment. ErrorCode: InvalidName"
    );
    assert_eq!(rejection["Id"], ids[0]);
    assert_eq!(rejection["pointer"], "/name");
    assert_eq!(rejection["datagram"], 1);
    let summary = &lines[1]["summary"];
    assert_eq!(summary["received"], 2);
    assert_eq!(summary["accepted"], 1);
    assert_eq!(summary["rejected"], 1);
    assert_eq!(summary["by_code"], json!({"InvalidName": 1}));
}

#[test]
fn trace_findings_are_reported_by_default() {
    let other = "1-692d2f4c-00000000000000000000000b";
    let orphan = format!(
        r#"{{"id":"0000000000000031","name":"q","start_time":1,"end_time":2,"trace_id":"{other}","type":"subsegment","parent_id":"0000000000000030"}}"#
    );
    let seg = format!(
        r#"{{"id":"0000000000000007","name":"w","start_time":1,"end_time":2,"trace_id":"{other}"}}"#
    );
    // GOOD twice: the second takes its trace past the limit (so it is not a repeated id:
    // a rejected document counts for nothing); `seg` twice is a repeated id.
    let datagrams = [GOOD, GOOD, &orphan, &seg, &seg];
    let limit = (GOOD.len() + 100).to_string();
    let run = listen(&[
        "--format",
        "json",
        "--count",
        "5",
        "--max-trace-bytes",
        &limit,
    ]);
    let file = format!("udp:{}", run.addr);
    let s = sender();
    let peer = s.local_addr().unwrap().to_string();
    for d in datagrams {
        s.send_to(&framed(d), run.addr).unwrap();
    }
    let done = run.finish();
    assert_eq!(done.status, 0, "{}", done.stderr);
    let got = json_lines(&done.stdout);
    assert_eq!(got.len(), 4, "{}", done.stdout);
    let size = &got[0];
    assert_eq!(size["file"], file.as_str());
    assert_eq!(size["peer"], peer.as_str());
    assert_eq!(size["datagram"], 2);
    assert_eq!(size["Id"], "70de5b6f19ff9a0a");
    assert_eq!(size["ErrorCode"], "InvalidSegment");
    assert_eq!(size["kind"], "TraceSizeExceeded");
    assert_eq!(
        size["Message"],
        "Trace Size Exceeded. Reduce the number of segments per trace and the size of your segment documents."
    );
    assert_eq!(size["offset"], HEADER.len());
    assert_eq!(size["trace_id"], "1-692d2f4c-a006649127e371903a2de979");
    assert_eq!(
        (&got[1]["warning"], &got[1]["datagram"]),
        (&json!("DuplicateId"), &json!(5))
    );
    // The orphan, at the end of the run, at its own place.
    assert_eq!(got[2]["warning"], "OrphanSubsegment");
    assert_eq!(got[2]["Id"], "0000000000000031");
    assert_eq!(got[2]["offset"], HEADER.len());
    let summary = &got[3]["summary"];
    assert_eq!(
        (
            &summary["accepted"],
            &summary["rejected"],
            &summary["warnings"]
        ),
        (&json!(4), &json!(1), &json!(2))
    );
    assert_eq!(summary["by_code"]["InvalidSegment"], 1);

    // --no-trace-checks: nothing of it.
    let run = listen(&[
        "--format",
        "json",
        "--count",
        "5",
        "--no-trace-checks",
        "--max-trace-bytes",
        &limit,
    ]);
    for d in datagrams {
        s.send_to(&framed(d), run.addr).unwrap();
    }
    let done = run.finish();
    let got = json_lines(&done.stdout);
    assert_eq!(got.len(), 1, "{}", done.stdout);
    assert_eq!(got[0]["summary"]["accepted"], 5);
}
