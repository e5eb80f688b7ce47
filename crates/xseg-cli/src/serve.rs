//! `xseg serve`: a local X-Ray endpoint that answers PutTraceSegments as the service would.
//!
//! The HTTP server and the request handler are the `xseg-serve` crate; this command opens the
//! files, starts the server, prints one line per [`Event`] as it arrives (through a bounded
//! channel, on the calling thread) and the summary when a signal stops the server.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::Path;
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;
use xseg::ErrorCode;
use xseg_serve::server::{self, Server};
use xseg_serve::{Config, Credentials, Endpoint, Event, Origin, RefusedRequest, Summary};

use crate::args::{Format, ServeArgs};
use crate::exit;
use crate::report::{self, write_more_warnings, Rejected, Warned};

/// Events waiting to be printed at most; a handler that finds the queue full waits.
const EVENT_QUEUE: usize = 4096;

/// The endpoint's configuration from the command line.
pub fn config(args: &ServeArgs) -> Config {
    let credentials = match (&args.access_key_id, &args.secret_access_key) {
        (Some(id), Some(secret)) => Some(Credentials::new(id.as_str(), secret.as_str())),
        _ => None,
    };
    Config {
        options: args.validation.options(),
        max_documents: args.max_documents,
        max_body_bytes: args.max_body_bytes,
        max_segments_per_second: args.max_segments_per_second,
        credentials,
        header_timeout: args.header_timeout,
        body_timeout: args.body_timeout,
        max_connections: args.max_connections,
        ..Config::default()
    }
}

fn append(path: &Path) -> io::Result<BufWriter<File>> {
    let file = OpenOptions::new().create(true).append(true).open(path)?;
    Ok(BufWriter::new(file))
}

/// Where a document came from, as the `file` of a report line:
/// `127.0.0.1:40312 request 3 document 0`.
fn place(origin: &Origin) -> String {
    let peer = origin
        .peer
        .map_or_else(|| "-".to_owned(), |p| p.to_string());
    format!(
        "{peer} request {} document {}",
        origin.request, origin.index
    )
}

#[derive(Serialize)]
struct JsonRejected<'a> {
    #[serde(flatten)]
    rejected: &'a Rejected<'a>,
    request: u64,
    document: usize,
}

#[derive(Serialize)]
struct JsonWarned<'a> {
    file: &'a str,
    #[serde(rename = "Id", skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    warning: &'a str,
    pointer: &'a str,
    offset: u64,
    detail: &'a str,
    request: u64,
    document: usize,
}

#[derive(Serialize)]
struct JsonMoreWarnings<'a> {
    file: &'a str,
    #[serde(rename = "Id", skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    warnings_not_shown: usize,
    request: u64,
    document: usize,
}

#[derive(Serialize)]
struct JsonRefused<'a> {
    peer: Option<String>,
    request: u64,
    status: u16,
    #[serde(rename = "ErrorType")]
    error_type: &'a str,
    message: &'a str,
}

fn json_line(w: &mut impl Write, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *w, value).map_err(io::Error::from)?;
    writeln!(w)
}

fn write_refused(w: &mut impl Write, r: &RefusedRequest, format: Format) -> io::Result<()> {
    let peer = r.peer.map(|p| p.to_string());
    match format {
        Format::Text => writeln!(
            w,
            "{} request {}: {} {} \u{2014} {}",
            peer.as_deref().unwrap_or("-"),
            r.request,
            r.status,
            r.error_type,
            r.message
        ),
        Format::Json => json_line(
            w,
            &JsonRefused {
                peer,
                request: r.request,
                status: r.status,
                error_type: r.error_type,
                message: &r.message,
            },
        ),
    }
}

/// Writes the report line of one event.
///
/// # Errors
///
/// Errors of the writer.
pub fn write_event(w: &mut impl Write, event: &Event, format: Format) -> io::Result<()> {
    match event {
        Event::Rejected(r) => {
            let file = place(&r.origin);
            let rejected = Rejected {
                file: &file,
                line: None,
                id: r.id.as_deref(),
                code: r.error.code().as_str(),
                message: r.error.message(),
                pointer: &r.pointer,
                offset: r.error.offset() as u64,
                detail: r.error.kind().description(),
            };
            match format {
                Format::Text => rejected.write_text(w),
                Format::Json => json_line(
                    w,
                    &JsonRejected {
                        rejected: &rejected,
                        request: r.origin.request,
                        document: r.origin.index,
                    },
                ),
            }
        }
        Event::Warning(warned) => {
            let file = place(&warned.origin);
            let kind = warned.warning.kind();
            match format {
                Format::Text => Warned {
                    file: &file,
                    line: None,
                    detail: kind.description(),
                    pointer: &warned.pointer,
                    offset: warned.warning.offset() as u64,
                }
                .write_text(w),
                Format::Json => json_line(
                    w,
                    &JsonWarned {
                        file: &file,
                        id: warned.id.as_deref(),
                        warning: kind.name(),
                        pointer: &warned.pointer,
                        offset: warned.warning.offset() as u64,
                        detail: kind.description(),
                        request: warned.origin.request,
                        document: warned.origin.index,
                    },
                ),
            }
        }
        Event::MoreWarnings { origin, id, count } => {
            let file = place(origin);
            match format {
                Format::Text => write_more_warnings(w, &file, None, *count),
                Format::Json => json_line(
                    w,
                    &JsonMoreWarnings {
                        file: &file,
                        id: id.as_deref(),
                        warnings_not_shown: *count,
                        request: origin.request,
                        document: origin.index,
                    },
                ),
            }
        }
        Event::Throttled(r) | Event::Refused(r) => write_refused(w, r, format),
    }
}

struct Codes<'a>(&'a Summary);

impl Serialize for Codes<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = s.serialize_map(None)?;
        for code in ErrorCode::ALL {
            let n = self.0.code(code);
            if n > 0 {
                map.serialize_entry(code.as_str(), &n)?;
            }
        }
        map.end()
    }
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    requests: u64,
    processed: u64,
    invalid: u64,
    throttled: u64,
    too_large: u64,
    unauthorized: u64,
    unknown_operation: u64,
    unread: u64,
    failed: u64,
    documents: u64,
    accepted: u64,
    rejected: u64,
    warnings: u64,
    bytes: u64,
    #[serde(rename = "ErrorCode")]
    codes: Codes<'a>,
}

/// Writes the summary: a line of requests, then the documents as `xseg check` reports them.
///
/// ```text
/// 12 requests: 10 processed, 1 invalid, 1 throttled, 0 too large, 0 unauthorized, 0 unknown operation, 0 unread, 0 failed
/// 500 documents: 480 accepted, 20 rejected, 3 warnings
///   InvalidName       20
/// 0.412000 MB in 2.000 s: 0.21 MB/s, 250 docs/s
/// ```
///
/// # Errors
///
/// Errors of the writer.
pub fn write_summary(
    w: &mut impl Write,
    s: &Summary,
    elapsed: Duration,
    format: Format,
) -> io::Result<()> {
    match format {
        Format::Text => {
            writeln!(
                w,
                "{} request{}: {} processed, {} invalid, {} throttled, {} too large, \
                 {} unauthorized, {} unknown operation, {} unread, {} failed",
                s.requests,
                if s.requests == 1 { "" } else { "s" },
                s.processed,
                s.invalid,
                s.throttled,
                s.too_large,
                s.unauthorized,
                s.unknown_operation,
                s.unread,
                s.failed
            )?;
            report::Summary {
                counters: s.documents.clone(),
                bytes: s.documents.bytes,
                elapsed,
            }
            .write_text(w)
        }
        Format::Json => {
            let d = &s.documents;
            json_line(
                w,
                &serde_json::json!({ "summary": JsonSummary {
                    requests: s.requests,
                    processed: s.processed,
                    invalid: s.invalid,
                    throttled: s.throttled,
                    too_large: s.too_large,
                    unauthorized: s.unauthorized,
                    unknown_operation: s.unknown_operation,
                    unread: s.unread,
                    failed: s.failed,
                    documents: d.documents,
                    accepted: d.accepted,
                    rejected: d.rejected,
                    warnings: d.warnings,
                    bytes: d.bytes,
                    codes: Codes(s),
                }}),
            )
        }
    }
}

/// Runs the command until Ctrl-C or SIGTERM; see the module documentation.
pub fn run(args: &ServeArgs, out: &mut impl Write, err: &mut impl Write) -> u8 {
    let mut endpoint = Endpoint::new(config(args));
    for (path, is_out) in [(&args.out, true), (&args.rejected, false)] {
        let Some(path) = path else { continue };
        match append(path) {
            Ok(file) => {
                let name = path.display().to_string();
                endpoint = if is_out {
                    endpoint.with_out(file, &name)
                } else {
                    endpoint.with_rejected(file, &name)
                };
            }
            Err(e) => {
                let _ = writeln!(err, "xseg: cannot open {}: {e}", path.display());
                return exit::TROUBLE;
            }
        }
    }
    let (events, received) = mpsc::sync_channel::<Event>(EVENT_QUEUE);
    if !args.quiet {
        endpoint = endpoint.with_events(move |event| {
            let _ = events.send(event.clone());
        });
    }
    let endpoint = Arc::new(endpoint);
    let runtime = match server::runtime(2) {
        Ok(rt) => rt,
        Err(e) => {
            let _ = writeln!(err, "xseg: cannot start the server threads: {e}");
            return exit::TROUBLE;
        }
    };
    let server = match runtime.block_on(Server::bind(args.bind, Arc::clone(&endpoint))) {
        Ok(server) => server,
        Err(e) => {
            let _ = writeln!(err, "xseg: cannot serve on {}: {e}", args.bind);
            return exit::TROUBLE;
        }
    };
    let _ = writeln!(err, "xseg: listening on {}", server.local_addr());
    let _ = err.flush();
    let started = Instant::now();
    let running = runtime.spawn(server.run(server::shutdown_signal(), |e| {
        eprintln!("xseg: cannot accept a connection: {e}");
    }));
    let mut failed = None;
    loop {
        match received.recv_timeout(Duration::from_millis(100)) {
            Ok(event) => {
                if failed.is_none() {
                    if let Err(e) = write_event(out, &event, args.format) {
                        failed = Some(e);
                    }
                }
                continue;
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => {}
        }
        if failed.is_none() {
            if let Err(e) = out.flush() {
                failed = Some(e);
            }
        }
        if running.is_finished() {
            // the server is done: print what is left
            while let Ok(event) = received.try_recv() {
                if failed.is_none() {
                    if let Err(e) = write_event(out, &event, args.format) {
                        failed = Some(e);
                    }
                }
            }
            break;
        }
    }
    let _ = runtime.block_on(running);
    let summary = endpoint.summary();
    let written = match failed {
        Some(e) => Err(e),
        None => {
            write_summary(out, &summary, started.elapsed(), args.format).and_then(|()| out.flush())
        }
    };
    match written {
        Ok(()) => exit::OK,
        Err(e) => {
            if e.kind() != io::ErrorKind::BrokenPipe {
                let _ = writeln!(err, "xseg: cannot write the report: {e}");
            }
            exit::TROUBLE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;
    use std::net::SocketAddr;
    use xseg::Validator;

    fn parse(args: &[&str]) -> ServeArgs {
        let cli = Cli::try_parse_from(["xseg", "serve"].iter().chain(args)).unwrap();
        let Command::Serve(s) = cli.command else {
            panic!("serve")
        };
        s
    }

    #[test]
    fn options() {
        let s = parse(&[]);
        assert_eq!(s.bind, "127.0.0.1:2001".parse::<SocketAddr>().unwrap());
        let c = config(&s);
        assert_eq!(c, Config::default());
        let s = parse(&[
            "--max-segments-per-second",
            "5",
            "--access-key-id",
            "k",
            "--secret-access-key",
            "s",
            "--header-timeout",
            "0.5",
            "--max-documents",
            "0",
            "--profile",
            "strict",
        ]);
        let c = config(&s);
        assert_eq!(c.max_segments_per_second, Some(5));
        assert_eq!(c.credentials, Some(Credentials::new("k", "s")));
        assert_eq!(c.header_timeout, Duration::from_millis(500));
        assert_eq!(c.max_documents, 0);
        assert_eq!(c.options.profile(), xseg::Profile::Strict);
        for bad in [
            &["--access-key-id", "k"][..],
            &["--secret-access-key", "s"],
            &["--max-segments-per-second", "0"],
            &["--max-body-bytes", "0"],
            &["--header-timeout", "0"],
            &["--bind", "localhost"],
        ] {
            assert!(
                Cli::try_parse_from(["xseg", "serve"].iter().chain(bad)).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn event_lines() {
        let doc = br#"{"name":"a,b","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#;
        let mut v = Validator::default();
        let error = v.validate(doc).rejection().unwrap().error();
        let origin = Origin {
            request: 3,
            peer: Some("127.0.0.1:40312".parse().unwrap()),
            index: 1,
        };
        let event = Event::Rejected(xseg_serve::RejectedDocument {
            origin,
            id: Some("70de5b6f19ff9a0a".into()),
            error,
            pointer: "/name".into(),
        });
        let mut text = Vec::new();
        write_event(&mut text, &event, Format::Text).unwrap();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "127.0.0.1:40312 request 3 document 1: 70de5b6f19ff9a0a InvalidName \u{2014} `name` contains a character outside the allowed set at /name (byte 8)\n"
        );
        let mut json = Vec::new();
        write_event(&mut json, &event, Format::Json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["ErrorCode"], "InvalidName");
        assert_eq!(v["request"], 3);
        assert_eq!(v["document"], 1);
        assert_eq!(v["pointer"], "/name");

        let refused = Event::Throttled(RefusedRequest {
            request: 4,
            peer: None,
            status: 429,
            error_type: "ThrottledException",
            message: "Rate exceeded".into(),
        });
        let mut text = Vec::new();
        write_event(&mut text, &refused, Format::Text).unwrap();
        assert_eq!(
            String::from_utf8(text).unwrap(),
            "- request 4: 429 ThrottledException \u{2014} Rate exceeded\n"
        );
    }

    #[test]
    fn summaries() {
        let mut s = Summary {
            requests: 3,
            processed: 2,
            throttled: 1,
            ..Summary::default()
        };
        s.documents.documents = 4;
        s.documents.accepted = 3;
        s.documents.rejected = 1;
        s.documents.by_code[ErrorCode::InvalidName.index()] = 1;
        let mut text = Vec::new();
        write_summary(&mut text, &s, Duration::from_secs(2), Format::Text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.starts_with(
                "3 requests: 2 processed, 0 invalid, 1 throttled, 0 too large, 0 unauthorized, \
                 0 unknown operation, 0 unread, 0 failed\n4 documents: 3 accepted, 1 rejected, \
                 0 warnings\n  InvalidName       1\n"
            ),
            "{text}"
        );
        let mut json = Vec::new();
        write_summary(&mut json, &s, Duration::from_secs(2), Format::Json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["summary"]["throttled"], 1);
        assert_eq!(v["summary"]["ErrorCode"]["InvalidName"], 1);
        assert_eq!(v["summary"]["documents"], 4);
    }
}
