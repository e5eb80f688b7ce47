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
use std::time::Duration;

use xseg_serve::server::{self, Server};
use xseg_serve::{Config, Credentials, Endpoint, Event, Origin, Summary};

use crate::args::{LiveFormat, ServeArgs};
use crate::exit;
use crate::report::change::Change;
use crate::report::{self, Extra, Finding, Format, Printer, Style};
use crate::trace::write_trace_finding;

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

/// A printer for `serve`'s report: the shared printer in the chosen live format.
pub fn printer(format: LiveFormat, quiet: bool) -> Printer {
    Printer::new(Style {
        quiet,
        ..Style::new(Format::from(format))
    })
}

/// Counts one event and appends its report line to `out`: a rejected document, a warning, the
/// warnings past the ones the core keeps, a value repaired with `--fix`, or a refused request (its `x-amzn-ErrorType` as the
/// code; counted in the request counters of the summary, not per code).
///
/// # Errors
///
/// Errors of the printer (none in practice: the output is memory).
pub fn write_event(p: &mut Printer, event: &Event, out: &mut Vec<u8>) -> io::Result<()> {
    match event {
        Event::Rejected(r) => {
            let source = place(&r.origin);
            let extra = origin_extra(&r.origin);
            let kind = r.error.kind();
            p.finding(
                &Finding {
                    detail: kind.description(),
                    id: r.id.as_deref(),
                    pointer: &r.pointer,
                    offset: Some(r.error.offset() as u64),
                    extra: &extra,
                    ..Finding::error(
                        &source,
                        r.error.code().as_str(),
                        r.error.message(),
                        kind.name(),
                    )
                },
                out,
            )
        }
        Event::Warning(w) => {
            let source = place(&w.origin);
            let extra = origin_extra(&w.origin);
            let kind = w.warning.kind();
            p.finding(
                &Finding {
                    detail: kind.description(),
                    id: w.id.as_deref(),
                    pointer: &w.pointer,
                    offset: Some(w.warning.offset() as u64),
                    extra: &extra,
                    ..Finding::warning(&source, kind.name())
                },
                out,
            )
        }
        Event::MoreWarnings { origin, id, count } => {
            let source = place(origin);
            let extra = origin_extra(origin);
            let at = Finding {
                id: id.as_deref(),
                extra: &extra,
                ..Finding::warning(&source, "")
            };
            p.more_warnings(&at, *count, out)
        }
        Event::Repaired(r) => {
            let source = place(&r.origin);
            let extra = origin_extra(&r.origin);
            p.change(
                &Change {
                    source: &source,
                    line: None,
                    column: None,
                    offset: Some(r.offset as u64),
                    id: r.id.as_deref(),
                    pointer: &r.pointer,
                    repair: r.repair.name(),
                    kind: r.finding.name(),
                    before: &r.before,
                    after: r.after.as_deref(),
                    extra: &extra,
                },
                out,
            )
        }
        Event::Trace(t) => {
            let origin = &t.finding.position;
            let source = place(origin);
            let extra = origin_extra(origin);
            write_trace_finding(
                p,
                &t.finding,
                &source,
                t.id.as_deref(),
                (None, None, Some(0)),
                &extra,
                out,
            )
        }
        Event::Throttled(r) | Event::Refused(r) => {
            let peer = r.peer.map_or_else(|| "-".to_owned(), |a| a.to_string());
            let source = format!("{peer} request {}", r.request);
            let extra = [
                ("request", Extra::Num(r.request)),
                ("status", Extra::Num(u64::from(r.status))),
            ];
            p.uncounted(
                &Finding {
                    detail: &r.message,
                    extra: &extra,
                    ..Finding::error(&source, r.error_type, &r.message, r.error_type)
                },
                out,
            )
        }
    }
}

fn origin_extra(origin: &Origin) -> [(&'static str, Extra<'static>); 2] {
    [
        ("request", Extra::Num(origin.request)),
        ("document", Extra::Num(origin.index as u64)),
    ]
}

/// The request counters of the summary, in order.
fn request_counters(s: &Summary) -> [(&'static str, u64); 9] {
    [
        ("requests", s.requests),
        ("processed", s.processed),
        ("invalid", s.invalid),
        ("throttled", s.throttled),
        ("too_large", s.too_large),
        ("unauthorized", s.unauthorized),
        ("unknown_operation", s.unknown_operation),
        ("unread", s.unread),
        ("failed", s.failed),
    ]
}

/// Appends the summary: the requests by answer (a text line; counters in the JSON summary),
/// then the documents as `xseg check` reports them.
///
/// ```text
/// 12 requests: 10 processed, 1 invalid, 1 throttled, 0 too large, 0 unauthorized, 0 unknown operation, 0 unread, 0 failed
/// 500 documents: 480 accepted, 20 rejected, 3 warnings
///   InvalidName       20
/// ```
///
/// # Errors
///
/// Errors of the printer (none in practice: the output is memory).
pub fn write_summary(p: &mut Printer, s: &Summary, out: &mut Vec<u8>) -> io::Result<()> {
    let t = p.tally_mut();
    t.documents = s.documents.documents;
    t.accepted = s.documents.accepted;
    t.rejected = s.documents.rejected;
    t.bytes = s.documents.bytes;
    for (name, n) in request_counters(s) {
        t.count(name, n);
    }
    if let Some(r) = &s.repairs {
        for (name, n) in [
            ("fixed", r.fixed),
            ("unchanged", r.unchanged),
            ("unfixable", r.unfixable),
            ("changes", r.changes),
        ] {
            // `changes` was counted as each change was printed
            let counted = t.counter(name);
            t.count(name, n.saturating_sub(counted));
        }
    }
    let line = format!(
        "{} {}: {} processed, {} invalid, {} throttled, {} too large, {} unauthorized, \
         {} unknown operation, {} unread, {} failed",
        s.requests,
        report::plural(s.requests, "request"),
        s.processed,
        s.invalid,
        s.throttled,
        s.too_large,
        s.unauthorized,
        s.unknown_operation,
        s.unread,
        s.failed
    );
    if matches!(p.style().format, Format::Json | Format::Sarif) {
        p.finish(&[], out)
    } else {
        out.extend_from_slice(line.as_bytes());
        out.push(b'\n');
        let notes: Vec<String> = s
            .repairs
            .iter()
            .map(|r| {
                format!(
                    "{} fixed, {} unchanged, {} unfixable; {} {}",
                    r.fixed,
                    r.unchanged,
                    r.unfixable,
                    r.changes,
                    report::plural(r.changes, "change")
                )
            })
            .collect();
        p.finish(&notes, out)
    }
}

/// Runs the command until Ctrl-C or SIGTERM; see the module documentation.
pub fn run<W: Write>(args: &ServeArgs, out: &mut W, err: &mut impl Write) -> u8 {
    let mut endpoint = Endpoint::new(config(args));
    if let Some(options) = args.fix.options(&args.validation) {
        endpoint = endpoint.with_fix(options);
    }
    if let Some(traces) = args.traces.config() {
        endpoint = endpoint.with_trace_checks(traces);
    }
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
    // Every event goes to the printer, which counts it even when `--quiet` keeps it silent.
    endpoint = endpoint.with_events(move |event| {
        let _ = events.send(event.clone());
    });
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
    let running = runtime.spawn(server.run(server::shutdown_signal(), |e| {
        eprintln!("xseg: cannot accept a connection: {e}");
    }));
    let mut printer = printer(args.format, args.quiet);
    let mut buf = Vec::new();
    let mut failed = None;
    let mut print = |event: &Event, out: &mut W, failed: &mut Option<io::Error>| {
        buf.clear();
        let written = write_event(&mut printer, event, &mut buf).and_then(|()| out.write_all(&buf));
        if let (Err(e), None) = (written, &failed) {
            *failed = Some(e);
        }
    };
    loop {
        match received.recv_timeout(Duration::from_millis(100)) {
            Ok(event) => {
                print(&event, out, &mut failed);
                continue;
            }
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
        }
        // nothing waiting: show what was printed
        if failed.is_none() {
            if let Err(e) = out.flush() {
                failed = Some(e);
            }
        }
        if running.is_finished() {
            // the server is done: print what is left
            while let Ok(event) = received.try_recv() {
                print(&event, out, &mut failed);
            }
            break;
        }
    }
    let _ = runtime.block_on(running);
    // Shutdown closes the open traces: their orphans are reported now.
    for event in endpoint.finish_traces() {
        print(&event, out, &mut failed);
    }
    let summary = endpoint.summary();
    let mut buf = Vec::new();
    let written = match failed {
        Some(e) => Err(e),
        None => write_summary(&mut printer, &summary, &mut buf)
            .and_then(|()| out.write_all(&buf))
            .and_then(|()| out.flush()),
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

    fn event_text(event: &Event, format: LiveFormat) -> String {
        let mut p = printer(format, false);
        let mut out = Vec::new();
        write_event(&mut p, event, &mut out).unwrap();
        String::from_utf8(out).unwrap()
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
        assert_eq!(
            event_text(&event, LiveFormat::Text),
            "127.0.0.1:40312 request 3 document 1: 70de5b6f19ff9a0a InvalidName \u{2014} `name` contains a character outside the allowed set at /name (byte 8)\n"
        );
        let v: serde_json::Value =
            serde_json::from_str(&event_text(&event, LiveFormat::Json)).unwrap();
        assert_eq!(v["ErrorCode"], "InvalidName");
        assert_eq!(v["kind"], "InvalidNameChar");
        assert_eq!(v["request"], 3);
        assert_eq!(v["document"], 1);
        assert_eq!(v["pointer"], "/name");
        assert_eq!(v["offset"], 8);

        let refused = Event::Throttled(xseg_serve::RefusedRequest {
            request: 4,
            peer: None,
            status: 429,
            error_type: "ThrottledException",
            message: "Rate exceeded".into(),
        });
        assert_eq!(
            event_text(&refused, LiveFormat::Text),
            "- request 4: - ThrottledException \u{2014} Rate exceeded\n"
        );
        let v: serde_json::Value =
            serde_json::from_str(&event_text(&refused, LiveFormat::Json)).unwrap();
        assert_eq!(v["ErrorCode"], "ThrottledException");
        assert_eq!(v["status"], 429);
        assert_eq!(v["request"], 4);
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
        let mut p = printer(LiveFormat::Text, true);
        let mut text = Vec::new();
        write_summary(&mut p, &s, &mut text).unwrap();
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains("4 documents: 3 accepted, 1 rejected, 0 warnings\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "3 requests: 2 processed, 0 invalid, 1 throttled, 0 too large, 0 unauthorized, \
                 0 unknown operation, 0 unread, 0 failed\n"
            ),
            "{text}"
        );
        let mut p = printer(LiveFormat::Json, true);
        let mut json = Vec::new();
        write_summary(&mut p, &s, &mut json).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json).unwrap();
        assert_eq!(v["summary"]["throttled"], 1);
        assert_eq!(v["summary"]["requests"], 3);
        assert_eq!(v["summary"]["documents"], 4);
        assert_eq!(v["summary"]["rejected"], 1);
    }
}
