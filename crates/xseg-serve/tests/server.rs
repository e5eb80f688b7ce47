//! The server in this process, on a loopback port: a graceful shutdown finishes the request in
//! flight and closes the listener; a public address needs credentials.

#![cfg(feature = "server")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::Duration;

use xseg_serve::server::{runtime, Server};
use xseg_serve::{Config, Endpoint};

const GOOD: &str = r#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#;

#[test]
fn shutdown_finishes_the_request_in_flight() {
    let rt = runtime(1).unwrap();
    let endpoint = Arc::new(Endpoint::new(Config::default()));
    let server = rt
        .block_on(Server::bind(
            "127.0.0.1:0".parse().unwrap(),
            Arc::clone(&endpoint),
        ))
        .unwrap();
    let addr = server.local_addr();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = rt.spawn(server.run(
        async {
            let _ = stopped.await;
        },
        |e| panic!("{e}"),
    ));

    let body =
        serde_json::to_vec(&serde_json::json!({ "TraceSegmentDocuments": [GOOD, "{}"] })).unwrap();
    let mut client = TcpStream::connect(addr).unwrap();
    client
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let head = format!(
        "POST /TraceSegments HTTP/1.1\r\nHost: {addr}\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    client.write_all(head.as_bytes()).unwrap();
    client.write_all(&body[..10]).unwrap();
    std::thread::sleep(Duration::from_millis(300));

    stop.send(()).unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(!running.is_finished(), "stopped with a request in flight");
    assert!(
        TcpStream::connect(addr).is_err(),
        "still accepting after shutdown"
    );

    client.write_all(&body[10..]).unwrap();
    let mut answer = String::new();
    client.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 200 OK\r\n"), "{answer}");
    assert!(
        answer.ends_with(
            "\r\n\r\n{\"UnprocessedTraceSegments\":[{\"ErrorCode\":\"MissingId\",\"Message\":\"Invalid segment. ErrorCode: MissingId\"}]}\n"
        ),
        "{answer}"
    );
    rt.block_on(async {
        tokio::time::timeout(Duration::from_secs(10), running)
            .await
            .expect("the server stopped once the request was answered")
            .unwrap();
    });
    let summary = endpoint.summary();
    assert_eq!((summary.requests, summary.processed), (1, 1));
    assert_eq!(summary.documents.accepted, 1);
}

#[test]
fn a_public_address_needs_credentials() {
    let rt = runtime(1).unwrap();
    let open = Arc::new(Endpoint::new(Config::default()));
    let refused = rt
        .block_on(Server::bind("0.0.0.0:0".parse().unwrap(), open))
        .unwrap_err();
    assert_eq!(refused.kind(), std::io::ErrorKind::PermissionDenied);
    assert!(refused.to_string().contains("not a loopback address"));
    // loopback is fine without credentials
    let open = Arc::new(Endpoint::new(Config::default()));
    assert!(rt
        .block_on(Server::bind("127.0.0.1:0".parse().unwrap(), open))
        .is_ok());
    assert!(xseg_serve::server::is_loopback(&"[::1]:1".parse().unwrap()));
    assert!(!xseg_serve::server::is_loopback(
        &"10.0.0.1:1".parse().unwrap()
    ));
}
