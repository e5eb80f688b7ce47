//! `xseg serve`, the built binary on a loopback port: real AWS clients (boto3, the AWS CLI, the
//! JavaScript SDK v3) calling it, a load of concurrent clients, and bad input.
//!
//! The clients are installed by `bash crates/xseg-cli/tests/clients/setup.sh`. A test whose
//! client is missing is skipped with a message saying so, unless that script has run (it
//! leaves `corpus/out/env/serve-clients.ok`): then the test fails.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use xseg::Options;
use xseg_batch::Batch;

const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../..");
const CLIENTS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients");
const SETUP: &str = "bash crates/xseg-cli/tests/clients/setup.sh";

/// A web segment as the SDKs write it.
const GOOD: &str = r#"{"id":"70de5b6f19ff9a0a","name":"checkout","start_time":1764554403.3447082,"trace_id":"1-692d2f4c-a006649127e371903a2de979","end_time":1764554403.4012,"http":{"request":{"method":"PUT"},"response":{"status":200}}}"#;

/// A running `xseg serve`.
struct Serving {
    child: Option<Child>,
    addr: SocketAddr,
    stdout: Option<JoinHandle<String>>,
    stderr: Option<JoinHandle<String>>,
}

struct Finished {
    status: i32,
    stdout: String,
    stderr: String,
}

impl Drop for Serving {
    fn drop(&mut self) {
        if let Some(child) = &mut self.child {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn reader(mut r: impl Read + Send + 'static) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut s = String::new();
        let _ = r.read_to_string(&mut s);
        s
    })
}

/// Starts `xseg serve --bind 127.0.0.1:0 ARGS` and waits for `xseg: listening on ADDR`. Its
/// output is read all along, so that it never waits on a full pipe. The child is waited for by
/// [`Serving::stop`], or when the [`Serving`] is dropped.
#[allow(clippy::zombie_processes)]
fn serve(args: &[&str]) -> Serving {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xseg"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = reader(child.stdout.take().unwrap());
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut banner = String::new();
    loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).unwrap_or(0) == 0 {
            let status = child.wait();
            panic!("xseg serve ended before listening ({status:?}): {banner}");
        }
        banner.push_str(&line);
        if let Some(rest) = line.strip_prefix("xseg: listening on ") {
            let addr = rest.trim().parse().unwrap();
            return Serving {
                child: Some(child),
                addr,
                stdout: Some(stdout),
                stderr: Some(reader(stderr)),
            };
        }
    }
}

impl Serving {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    /// Resident memory of the server, in KiB (Linux).
    fn rss_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
        line.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    /// Sends SIGTERM (or `signal`) and collects the output; fails after 30 s.
    fn stop_with(mut self, signal: &str) -> Finished {
        let mut child = self.child.take().unwrap();
        let ok = Command::new("kill")
            .args(["-s", signal, &child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill -s {signal}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                panic!("xseg serve did not stop within 30 s of SIG{signal}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Finished {
            status: status.code().expect("exited"),
            stdout: self.stdout.take().unwrap().join().unwrap(),
            stderr: self.stderr.take().unwrap().join().unwrap(),
        }
    }

    fn stop(self) -> Finished {
        self.stop_with("TERM")
    }
}

// ---------------------------------------------------------------------------------------------
// An HTTP client (hyper), for the load and the good requests between bad ones.

async fn connect(addr: SocketAddr) -> SendRequest<Full<Bytes>> {
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    sender
}

async fn send(
    sender: &mut SendRequest<Full<Bytes>>,
    addr: SocketAddr,
    body: Vec<u8>,
) -> (u16, Option<String>, Vec<u8>) {
    let request = hyper::Request::post("/TraceSegments")
        .header("host", addr.to_string())
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let status = response.status().as_u16();
    let kind = response
        .headers()
        .get("x-amzn-errortype")
        .map(|v| v.to_str().unwrap().to_owned());
    let body = response.into_body().collect().await.unwrap().to_bytes();
    (status, kind, body.to_vec())
}

/// One request on a new connection, within 30 s.
fn post(addr: SocketAddr, body: Vec<u8>) -> (u16, Option<String>, Vec<u8>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(30), async {
            let mut sender = connect(addr).await;
            send(&mut sender, addr, body).await
        })
        .await
        .expect("answered within 30 s")
    })
}

fn body_of<S: AsRef<str>>(docs: &[S]) -> Vec<u8> {
    let docs: Vec<&str> = docs.iter().map(AsRef::as_ref).collect();
    serde_json::to_vec(&json!({ "TraceSegmentDocuments": docs })).unwrap()
}

/// What `xseg put-trace-segments` answers for `body` (the library call it makes).
fn put_trace_segments(body: &[u8]) -> Result<String, String> {
    let mut copy = body.to_vec();
    match Batch::sequential(Options::default()).put_trace_segments(&mut copy, 50) {
        Ok(response) => Ok(response.to_json() + "\n"),
        Err(e) => Err(e.message().to_owned()),
    }
}

// ---------------------------------------------------------------------------------------------
// Data.

fn edge_cases() -> Vec<Value> {
    let path = format!("{ROOT}/../shared/data/edge-cases.json");
    let text = std::fs::read_to_string(&path).expect("shared/data/edge-cases.json");
    serde_json::from_str(&text).unwrap()
}

/// The answer a case expects under the service profile, as `UnprocessedTraceSegments`.
fn expected_entries(case: &Value) -> Value {
    let expected = &case["service"];
    if expected["accepted"] == true {
        return json!([]);
    }
    let mut want = serde_json::Map::new();
    for key in ["Id", "ErrorCode", "Message"] {
        if let Some(value) = expected.get(key) {
            want.insert(key.to_owned(), value.clone());
        }
    }
    json!([want])
}

/// The real-SDK documents of `corpus/samples/` (daemon header lines left out).
fn sample_documents() -> Vec<String> {
    let mut docs = Vec::new();
    for name in ["python.ndjson", "node.ndjson"] {
        let text = std::fs::read_to_string(format!("{ROOT}/corpus/samples/{name}")).unwrap();
        docs.extend(
            text.lines()
                .filter(|l| !l.trim().is_empty() && !xseg::is_daemon_header(l.as_bytes()))
                .map(str::to_owned),
        );
    }
    docs
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

// ---------------------------------------------------------------------------------------------
// The real clients.

/// Whether `what` may be skipped: yes, with a message, unless the setup script has run.
fn skip(what: &str) {
    let marker = Path::new(ROOT).join("corpus/out/env/serve-clients.ok");
    assert!(
        !marker.exists(),
        "{what} is missing although {SETUP} has run ({} exists)",
        marker.display()
    );
    eprintln!("skipped: {what} is not installed; install it with `{SETUP}`");
}

fn venv_bin(name: &str) -> PathBuf {
    Path::new(ROOT).join("corpus/out/env/venv/bin").join(name)
}

/// The venv's python when it can import boto3.
fn boto3_python() -> Option<PathBuf> {
    let python = venv_bin("python");
    let ok = Command::new(&python)
        .args(["-c", "import boto3"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        Some(python)
    } else {
        skip("boto3");
        None
    }
}

fn sdk_v3() -> bool {
    let installed = Path::new(CLIENTS)
        .join("node_modules/@aws-sdk/client-xray/package.json")
        .exists();
    let node = Command::new("node")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !(installed && node) {
        skip("node with @aws-sdk/client-xray");
    }
    installed && node
}

/// Runs a client script on `calls` (see `tests/clients/boto3_calls.py`) and returns its
/// results, one per call.
fn run_calls(program: &Path, script: &str, endpoint: &str, calls: &Value) -> Vec<Value> {
    let mut child = Command::new(program)
        .arg(Path::new(CLIENTS).join(script))
        .arg(endpoint)
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("NODE_NO_WARNINGS", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let input = serde_json::to_vec(calls).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "{script}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let results: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(results.len(), calls.as_array().unwrap().len());
    results
}

fn answer(entries: Value) -> Value {
    json!({ "answer": { "UnprocessedTraceSegments": entries } })
}

fn error(code: &str, message: &str, status: u16) -> Value {
    json!({ "error": { "code": code, "message": message, "status": status } })
}

/// Every edge case through a client, then 51 documents, a throttled call and a call signed
/// with the wrong secret.
fn a_client_gets_the_service_answers(program: &Path, script: &str) {
    let cases = edge_cases();
    let run = serve(&["-q"]);
    let calls: Vec<Value> = cases
        .iter()
        .map(|c| json!({ "documents": [c["document"]] }))
        .chain([json!({ "documents": vec![GOOD; 51] })])
        .collect();
    let results = run_calls(program, script, &run.url(), &Value::from(calls));
    for (case, result) in cases.iter().zip(&results) {
        assert_eq!(result, &answer(expected_entries(case)), "{}", case["case"]);
    }
    assert_eq!(
        results[cases.len()],
        error(
            "InvalidRequestException",
            "Exceeding maximum segment count: 50",
            400
        )
    );
    let done = run.stop();
    assert_eq!(done.status, 0, "{}", done.stderr);
    assert!(
        done.stdout.starts_with(&format!(
            "{} requests: {} processed, 1 invalid, 0 throttled",
            cases.len() + 1,
            cases.len()
        )),
        "{}",
        done.stdout
    );

    // 1 document a second: a first call of 5 passes on the full bucket and leaves 4 s of
    // debt, so the second is throttled, and a client that retries gets through
    let run = serve(&["-q", "--max-segments-per-second", "1"]);
    let five = vec![GOOD; 5];
    let calls = json!([
        { "documents": five, "attempts": 1 },
        { "documents": five, "attempts": 1 },
        { "documents": five, "attempts": 10 },
    ]);
    let results = run_calls(program, script, &run.url(), &calls);
    assert_eq!(results[0], answer(json!([])));
    let e = &results[1]["error"];
    assert_eq!(
        (&e["code"], &e["status"]),
        (&json!("ThrottledException"), &json!(429))
    );
    assert_eq!(results[2], answer(json!([])));
    let done = run.stop();
    assert!(
        done.stdout.contains(" 2 processed, 0 invalid, "),
        "{}",
        done.stdout
    );

    // with credentials, a wrong secret is refused
    let run = serve(&[
        "-q",
        "--access-key-id",
        "test",
        "--secret-access-key",
        "test",
    ]);
    let calls = json!([
        { "documents": [GOOD], "secret": "test" },
        { "documents": [GOOD], "secret": "wrong" },
    ]);
    let results = run_calls(program, script, &run.url(), &calls);
    assert_eq!(results[0], answer(json!([])));
    let e = &results[1]["error"];
    assert_eq!(
        (&e["code"], &e["status"]),
        (&json!("InvalidSignatureException"), &json!(403))
    );
    assert!(e["message"]
        .as_str()
        .unwrap()
        .starts_with("The request signature we calculated does not match"));
    let done = run.stop();
    assert!(done.stdout.contains(" 1 unauthorized"), "{}", done.stdout);
}

#[test]
fn boto3_gets_the_service_answers() {
    if let Some(python) = boto3_python() {
        a_client_gets_the_service_answers(&python, "boto3_calls.py");
    }
}

#[test]
fn the_javascript_sdk_v3_gets_the_service_answers() {
    if sdk_v3() {
        a_client_gets_the_service_answers(Path::new("node"), "sdk_v3_calls.mjs");
    }
}

#[test]
fn the_aws_cli_prints_the_same_answer() {
    let aws = venv_bin("aws");
    if !aws.exists() {
        skip("the AWS CLI");
        return;
    }
    let run = serve(&["-q"]);
    let cli = |docs: &[&str]| {
        Command::new(venv_bin("python"))
            .arg(&aws)
            .args(["xray", "put-trace-segments", "--endpoint-url", &run.url()])
            .args(["--region", "us-east-1", "--output", "json"])
            .arg("--trace-segment-documents")
            .args(docs)
            .env("AWS_ACCESS_KEY_ID", "test")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env("AWS_CONFIG_FILE", "/nonexistent")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_MAX_ATTEMPTS", "1")
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ENDPOINT_URL")
            .output()
            .unwrap()
    };
    let cases = edge_cases();
    let docs: Vec<&str> = cases
        .iter()
        .take(40)
        .map(|c| c["document"].as_str().unwrap())
        .collect();
    let out = cli(&docs);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let printed: Value = serde_json::from_slice(&out.stdout).unwrap();
    let expected: Value =
        serde_json::from_str(&put_trace_segments(&body_of(&docs)).unwrap()).unwrap();
    assert!(!expected["UnprocessedTraceSegments"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(printed, expected);

    let out = cli(&[GOOD; 51]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("(InvalidRequestException)")
            && stderr.contains("Exceeding maximum segment count: 50"),
        "{stderr}"
    );
    let done = run.stop();
    assert!(
        done.stdout
            .starts_with("2 requests: 1 processed, 1 invalid"),
        "{}",
        done.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// Load.

/// A request body, its exact answer, and which of its documents are accepted.
type Expected = (Vec<u8>, Vec<u8>, Vec<bool>);

#[test]
fn load_of_8_clients_each_sending_200_requests_of_50_sdk_documents() {
    const CLIENTS: usize = 8;
    const REQUESTS: usize = 200;
    const DOCS: usize = 50;
    let docs = sample_documents();
    let n = docs.len();
    assert!(n >= 100, "{n} sample documents");
    let dir = temp_dir("serve-load");
    let out = dir.join("accepted.ndjson");
    // The load repeats the same documents, so the trace checks would reject them once their
    // traces fill: each answer here is the body's answer alone.
    let run = serve(&["-q", "--no-trace-checks", "--out", out.to_str().unwrap()]);
    let addr = run.addr;

    // Each request sends the 50 documents from a start position; few starts repeat, so each
    // expected answer is computed once.
    let start_of = move |client: usize, request: usize| ((client * REQUESTS + request) * DOCS) % n;
    let mut expected: HashMap<usize, Expected> = HashMap::new();
    for c in 0..CLIENTS {
        for r in 0..REQUESTS {
            let start = start_of(c, r);
            expected.entry(start).or_insert_with(|| {
                let window: Vec<&str> = (0..DOCS).map(|k| docs[(start + k) % n].as_str()).collect();
                let body = body_of(&window);
                let mut copy = body.clone();
                let mut batch = Batch::sequential(Options::default());
                let response = batch.put_trace_segments(&mut copy, DOCS).unwrap();
                let accepted = response
                    .results()
                    .iter()
                    .map(|c| c.outcome().is_accepted())
                    .collect();
                let answer = (response.to_json() + "\n").into_bytes();
                (body, answer, accepted)
            });
        }
    }
    let expected = std::sync::Arc::new(expected);

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let started = Instant::now();
    let counts: Vec<Vec<u64>> = rt.block_on(async {
        let mut tasks = Vec::new();
        for c in 0..CLIENTS {
            let expected = std::sync::Arc::clone(&expected);
            tasks.push(tokio::spawn(async move {
                let mut sender = connect(addr).await;
                let mut sent = vec![0u64; n];
                for r in 0..REQUESTS {
                    let start = start_of(c, r);
                    let (body, answer, accepted) = &expected[&start];
                    let (status, _, got) = send(&mut sender, addr, body.clone()).await;
                    assert_eq!(status, 200);
                    assert!(
                        got == *answer,
                        "client {c} request {r}: {}",
                        String::from_utf8_lossy(&got)
                    );
                    for (k, ok) in accepted.iter().enumerate() {
                        if *ok {
                            sent[(start + k) % n] += 1;
                        }
                    }
                }
                sent
            }));
        }
        let all = async {
            let mut counts = Vec::new();
            for t in tasks {
                counts.push(t.await.unwrap());
            }
            counts
        };
        tokio::time::timeout(Duration::from_secs(300), all)
            .await
            .expect("the load finished within 300 s")
    });
    let secs = started.elapsed().as_secs_f64();
    let requests = (CLIENTS * REQUESTS) as f64;
    eprintln!(
        "load: {requests} requests of {DOCS} documents in {secs:.2} s: {:.0} requests/s, {:.0} documents/s",
        requests / secs,
        requests * DOCS as f64 / secs
    );

    let done = run.stop();
    assert_eq!(done.status, 0, "{}", done.stderr);
    assert!(
        done.stdout
            .starts_with("1600 requests: 1600 processed, 0 invalid"),
        "{}",
        done.stdout
    );
    assert!(
        done.stdout.contains("\n80000 documents: "),
        "{}",
        done.stdout
    );

    // --out holds every accepted document exactly as often as it was sent and accepted
    let mut want = vec![0u64; n];
    for client in &counts {
        for (w, c) in want.iter_mut().zip(client) {
            *w += c;
        }
    }
    let index: HashMap<&str, usize> = docs
        .iter()
        .enumerate()
        .map(|(i, d)| (d.as_str(), i))
        .collect();
    assert_eq!(index.len(), n, "the sample documents are distinct");
    let mut got = vec![0u64; n];
    let file = BufReader::new(std::fs::File::open(&out).unwrap());
    for line in file.lines() {
        let line = line.unwrap();
        let i = *index
            .get(line.as_str())
            .unwrap_or_else(|| panic!("not a document that was sent: {line}"));
        got[i] += 1;
    }
    assert!(want.iter().sum::<u64>() > 0);
    assert_eq!(got, want);
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------------
// Bad input.

fn raw(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s
}

/// Reads what the server sends until it closes the connection (a reset counts as closed).
fn read_until_closed(s: &mut TcpStream) -> String {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match s.read(&mut chunk) {
            Ok(0) => break,
            Ok(k) => buf.extend_from_slice(&chunk[..k]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
            Err(e) => panic!("the server kept the connection open: {e}"),
        }
    }
    String::from_utf8_lossy(&buf).into_owned()
}

fn head(content_length: usize) -> String {
    format!(
        "POST /TraceSegments HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {content_length}\r\n\r\n"
    )
}

fn assert_good_request_answered(addr: SocketAddr) {
    let body = body_of(&[GOOD, "{}"]);
    let (status, _, answer) = post(addr, body.clone());
    assert_eq!(status, 200);
    assert_eq!(
        String::from_utf8(answer).unwrap(),
        put_trace_segments(&body).unwrap()
    );
}

#[test]
fn bad_input_leaves_the_server_up_and_its_memory_bounded() {
    let run = serve(&["-q", "--header-timeout", "1", "--body-timeout", "1"]);
    let addr = run.addr;
    assert_good_request_answered(addr);
    let baseline = run.rss_kib();
    let mut peaks = Vec::new();
    for _round in 0..2 {
        let mut peak = 0;
        let mut check = |what: &str| {
            assert_good_request_answered(addr);
            let rss = run.rss_kib();
            eprintln!("after {what}: {rss} KiB resident");
            peak = peak.max(rss);
        };

        // a truncated body: the client stops sending and closes its side
        let mut s = raw(addr);
        s.write_all(head(1000).as_bytes()).unwrap();
        s.write_all(&body_of(&[GOOD])[..100]).unwrap();
        s.shutdown(Shutdown::Write).unwrap();
        let answer = read_until_closed(&mut s);
        assert!(answer.starts_with("HTTP/1.1 400 "), "{answer}");
        assert!(answer.contains("could not be read"), "{answer}");
        check("a truncated body");

        // a body that stops coming: cut off by the body timeout
        let mut s = raw(addr);
        s.write_all(head(1000).as_bytes()).unwrap();
        s.write_all(b"{\"TraceSegmentDocuments\":[").unwrap();
        let t = Instant::now();
        let answer = read_until_closed(&mut s);
        assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
        assert!(t.elapsed() < Duration::from_secs(5));
        check("a stalled body");

        // 10 MB announced: refused before it is read
        let mut s = raw(addr);
        s.write_all(head(10_000_000).as_bytes()).unwrap();
        let answer = read_until_closed(&mut s);
        assert!(answer.starts_with("HTTP/1.1 413 "), "{answer}");
        assert!(
            answer.contains("x-amzn-errortype: RequestEntityTooLargeException"),
            "{answer}"
        );
        check("10 MB announced");

        // 10 MB sent in chunks, without a length: read up to the limit, then refused
        let mut s = raw(addr);
        let mut w = s.try_clone().unwrap();
        let writer = std::thread::spawn(move || {
            let _ = w.write_all(
                b"POST /TraceSegments HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            );
            let chunk = format!("{:x}\r\n{}\r\n", 1 << 20, " ".repeat(1 << 20));
            for _ in 0..10 {
                if w.write_all(chunk.as_bytes()).is_err() {
                    break;
                }
            }
            let _ = w.write_all(b"0\r\n\r\n");
        });
        let answer = read_until_closed(&mut s);
        writer.join().unwrap();
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 413 "),
            "{answer}"
        );
        check("10 MB chunked");

        // 1 MiB of `[`
        let (status, kind, message) = post(addr, vec![b'['; 1 << 20]);
        assert_eq!(
            (status, kind.as_deref()),
            (400, Some("InvalidRequestException"))
        );
        assert!(String::from_utf8_lossy(&message).contains("not well-formed JSON"));
        check("1 MiB of [");

        // a slow client, one byte a second: cut off by the header timeout
        let mut s = raw(addr);
        s.set_read_timeout(Some(Duration::from_millis(900)))
            .unwrap();
        let request = head(2);
        let t = Instant::now();
        let mut closed = false;
        for b in request.bytes() {
            if s.write_all(&[b]).is_err() {
                closed = true;
                break;
            }
            match s.read(&mut [0u8; 512]) {
                Ok(0) => {
                    closed = true;
                    break;
                }
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
                    closed = true;
                    break;
                }
                _ => {}
            }
            if t.elapsed() > Duration::from_secs(8) {
                break;
            }
        }
        assert!(closed, "a client sending a byte a second was not cut off");
        assert!(t.elapsed() < Duration::from_secs(5), "{:?}", t.elapsed());
        check("a slow client");

        // 1,000 idle connections
        let idle: Vec<TcpStream> = (0..1000).map(|_| raw(addr)).collect();
        let t = Instant::now();
        assert_good_request_answered(addr);
        assert!(t.elapsed() < Duration::from_secs(20), "{:?}", t.elapsed());
        for mut s in idle {
            let answer = read_until_closed(&mut s);
            assert!(!answer.starts_with("HTTP/1.1 200"), "{answer}");
        }
        check("1000 idle connections");

        // garbage that is not HTTP
        let mut s = raw(addr);
        s.write_all(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 not http\r\n\r\n\x00\xff")
            .unwrap();
        let answer = read_until_closed(&mut s);
        assert!(
            answer.is_empty() || answer.starts_with("HTTP/1.1 400"),
            "{answer}"
        );
        check("garbage");
        peaks.push(peak);
    }
    eprintln!("resident: {baseline} KiB at the start, peaks {peaks:?} KiB");
    // bounded: well under the sum of what was sent, and no growth from one round to the next
    assert!(
        peaks[0] < baseline + 128 * 1024,
        "{peaks:?} from {baseline}"
    );
    assert!(peaks[1] < peaks[0] + 32 * 1024, "{peaks:?}");
    let done = run.stop();
    assert_eq!(done.status, 0);
    // per round: two bodies too large, two not received (truncated, stalled), one invalid
    assert!(
        done.stdout.contains(
            "29 requests: 19 processed, 2 invalid, 0 throttled, 4 too large, 0 unauthorized, \
             0 unknown operation, 4 unread, 0 failed"
        ),
        "{}",
        done.stdout
    );
}

// ---------------------------------------------------------------------------------------------
// The command itself.

#[test]
fn refuses_a_public_address_without_credentials() {
    let out = Command::new(env!("CARGO_BIN_EXE_xseg"))
        .args(["serve", "--bind", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("xseg: cannot serve on 0.0.0.0:0: 0.0.0.0:0 is not a loopback address"),
        "{stderr}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_xseg"))
        .args(["serve", "--out", "/nonexistent/dir/out.ndjson"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8(out.stderr)
        .unwrap()
        .starts_with("xseg: cannot open /nonexistent/dir/out.ndjson: "));
}

#[test]
fn reports_live_lines_and_a_summary_on_ctrl_c() {
    let dir = temp_dir("serve-live");
    let rejected = dir.join("rejected.ndjson");
    // The same id twice: without --no-trace-checks a DuplicateId line would follow.
    let run = serve(&[
        "--format",
        "json",
        "--no-trace-checks",
        "--rejected",
        rejected.to_str().unwrap(),
    ]);
    let bad_name = GOOD.replace("checkout", "a,b");
    let warned = GOOD.replace("70de5b6f19ff9a0a", "70DE5B6F19FF9A0A");
    let body = body_of(&[GOOD, &bad_name, &warned]);
    let (status, _, answer) = post(run.addr, body.clone());
    assert_eq!(status, 200);
    assert_eq!(
        String::from_utf8(answer).unwrap(),
        put_trace_segments(&body).unwrap()
    );
    let (status, kind, _) = post(run.addr, b"{}".to_vec());
    assert_eq!(
        (status, kind.as_deref()),
        (400, Some("InvalidRequestException"))
    );
    let done = run.stop_with("INT");
    assert_eq!(done.status, 0, "{}", done.stderr);
    let lines: Vec<Value> = done
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "{}", done.stdout);
    assert_eq!(
        (
            &lines[0]["ErrorCode"],
            &lines[0]["pointer"],
            &lines[0]["document"]
        ),
        (&json!("InvalidName"), &json!("/name"), &json!(1))
    );
    assert_eq!(
        (&lines[1]["pointer"], &lines[1]["document"]),
        (&json!("/id"), &json!(2))
    );
    assert_eq!(
        (
            &lines[2]["status"],
            &lines[2]["ErrorCode"],
            &lines[2]["request"]
        ),
        (&json!(400), &json!("InvalidRequestException"), &json!(2))
    );
    let s = &lines[3]["summary"];
    assert_eq!(
        (
            &s["requests"],
            &s["processed"],
            &s["invalid"],
            &s["documents"],
            &s["accepted"]
        ),
        (&json!(2), &json!(1), &json!(1), &json!(3), &json!(2))
    );
    assert_eq!(s["by_code"], json!({"InvalidName": 1}));
    let kept: Value =
        serde_json::from_str(std::fs::read_to_string(&rejected).unwrap().trim()).unwrap();
    assert_eq!(kept["document"], json!(bad_name));
    assert_eq!(kept["ErrorCode"], "InvalidName");
    let _ = std::fs::remove_dir_all(&dir);
}

/// A segment of trace 1-68000000-…0c with `id`, padded with metadata to `len` bytes.
fn traced_segment(id: u64, len: usize) -> String {
    let make = |pad: usize| {
        format!(
            r#"{{"name":"web","id":"{id:016x}","trace_id":"1-68000000-00000000000000000000000c","start_time":1,"end_time":2,"metadata":{{"default":{{"p":"{}"}}}}}}"#,
            "x".repeat(pad)
        )
    };
    let doc = make(len - make(0).len());
    assert_eq!(doc.len(), len);
    doc
}

#[test]
fn a_trace_over_the_size_limit_is_answered_as_the_service_does() {
    const MESSAGE: &str = "Trace Size Exceeded. Reduce the number of segments per trace and the size of your segment documents.";
    let dir = temp_dir("serve-trace");
    let (out, rejected) = (dir.join("out.ndjson"), dir.join("rejected.ndjson"));
    let run = serve(&[
        "--format",
        "json",
        "--max-trace-bytes",
        "2000",
        "--out",
        out.to_str().unwrap(),
        "--rejected",
        rejected.to_str().unwrap(),
    ]);
    // Three documents of 600 bytes fit in 2,000; the fourth, in a later request, does not.
    let docs: Vec<String> = (1..=5).map(|i| traced_segment(i, 600)).collect();
    let (status, _, body) = post(run.addr, body_of(&docs[..3]));
    assert_eq!(status, 200);
    assert_eq!(body, b"{\"UnprocessedTraceSegments\":[]}\n");
    let (status, _, body) = post(run.addr, body_of(&docs[3..4]));
    assert_eq!(status, 200);
    let want = json!({"UnprocessedTraceSegments": [
        {"Id": "0000000000000004", "ErrorCode": "InvalidSegment", "Message": MESSAGE}
    ]});
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap(), want);
    // The same body in isolation is accepted: the answer depends on the earlier requests.
    assert_eq!(
        put_trace_segments(&body_of(&docs[3..4])).unwrap(),
        "{\"UnprocessedTraceSegments\":[]}\n"
    );
    // boto3 gets the same answer for the next document of the trace.
    let mut rejected_ids = vec!["0000000000000004"];
    if let Some(python) = boto3_python() {
        let calls = json!([{ "documents": [docs[4]] }]);
        let results = run_calls(&python, "boto3_calls.py", &run.url(), &calls);
        assert_eq!(
            results[0],
            answer(json!([
                {"Id": "0000000000000005", "ErrorCode": "InvalidSegment", "Message": MESSAGE}
            ]))
        );
        rejected_ids.push("0000000000000005");
    }
    let done = run.stop();
    assert_eq!(done.status, 0, "{}", done.stderr);
    let lines: Vec<Value> = done
        .stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let size: Vec<&Value> = lines
        .iter()
        .filter(|l| l["kind"] == "TraceSizeExceeded")
        .collect();
    assert_eq!(size.len(), rejected_ids.len(), "{}", done.stdout);
    assert_eq!(size[0]["ErrorCode"], "InvalidSegment");
    assert_eq!(size[0]["Id"], "0000000000000004");
    assert_eq!(
        (&size[0]["request"], &size[0]["document"]),
        (&json!(2), &json!(0))
    );
    let summary = &lines.last().unwrap()["summary"];
    assert_eq!(summary["accepted"], 3);
    assert_eq!(summary["rejected"], rejected_ids.len());
    assert_eq!(summary["by_code"]["InvalidSegment"], rejected_ids.len());
    // --out has the three accepted documents only; --rejected the others with their answer.
    let written = std::fs::read_to_string(&out).unwrap();
    assert_eq!(written.lines().count(), 3);
    let refused: Vec<Value> = std::fs::read_to_string(&rejected)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let ids: Vec<&str> = refused.iter().map(|r| r["Id"].as_str().unwrap()).collect();
    assert_eq!(ids, rejected_ids);
    assert_eq!(refused[0]["Message"], MESSAGE);
    assert_eq!(refused[0]["document"], docs[3].as_str());
}
