//! `xseg listen`: a validating stand-in for the X-Ray daemon.
//!
//! Datagrams are received on a UDP socket as the daemon receives them ([`net`]), optionally
//! forwarded to a real daemon (unchanged, or repaired with `--fix`), then checked and reported ([`inspect`]) through the
//! shared [printer](crate::report), in the same formats as `xseg check`.

pub mod inspect;
pub mod net;

use std::io::{self, Write};
use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::args::{ColorArg, ListenArgs, LiveFormat};
use crate::exit;
use crate::report::{self, format_mb, plural, Format, Style};

pub use inspect::Inspector;
pub use net::{forwards_to_itself, serve, Forwarder, Listener, Span, Until, BUFFER_BYTES, TICK};

/// Exit status after a second Ctrl-C (or SIGTERM) while the first is being handled.
const FORCED_EXIT: i32 = 130;

/// The lines of the text summary that follow the per-code counts, and the counters of the
/// JSON summary, of a run: drops, forwarding, rate.
#[derive(Clone, Copy, Debug)]
pub struct Closing {
    /// With `--forward`: the target, datagrams sent and send errors.
    pub forward: Option<(std::net::SocketAddr, u64, u64)>,
    /// Datagrams the system dropped before they could be read, where it tells.
    pub dropped: Option<u64>,
    /// From the first datagram to the last.
    pub elapsed: Duration,
}

impl Closing {
    /// Records the counters in `inspector`'s tally (`received`, `dropped`, `forwarded`,
    /// `forward_errors`) and returns the text lines:
    ///
    /// ```text
    /// 3 datagrams dropped by the system before they were read (socket receive buffer full)
    /// forwarded 6 datagrams to 127.0.0.1:2001, 0 send errors
    /// 0.000961 MB in 0.002 s from the first datagram to the last: 3000 datagrams/s
    /// ```
    pub fn record(&self, inspector: &mut Inspector) -> Vec<String> {
        let tally = inspector.printer_mut().tally_mut();
        let received = tally.documents;
        let bytes = tally.bytes;
        tally.count("received", received);
        let mut notes = Vec::new();
        if let Some(dropped) = self.dropped {
            tally.count("dropped", dropped);
            if dropped > 0 {
                notes.push(format!(
                    "{dropped} {} dropped by the system before they were read (socket receive buffer full)",
                    plural(dropped, "datagram")
                ));
            }
        }
        if let Some((target, sent, errors)) = self.forward {
            tally.count("forwarded", sent);
            tally.count("forward_errors", errors);
            notes.push(format!(
                "forwarded {sent} {} to {target}, {errors} send {}",
                plural(sent, "datagram"),
                plural(errors, "error")
            ));
        }
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            received as f64 / secs
        } else {
            0.0
        };
        notes.push(format!(
            "{} MB in {secs:.3} s from the first datagram to the last: {rate:.0} datagrams/s",
            format_mb(bytes)
        ));
        notes
    }
}

/// The text summary's line of `--fix`: `2 datagrams fixed, 3 changes`.
pub fn fix_note(tally: &report::Tally) -> String {
    let (fixed, changes) = (tally.counter("fixed"), tally.counter("changes"));
    format!(
        "{fixed} {} fixed, {changes} {}",
        plural(fixed, "datagram"),
        plural(changes, "change")
    )
}

/// Whether to color: `--color`, the format, a terminal on standard output and `NO_COLOR`.
pub fn use_color(color: ColorArg, format: LiveFormat, terminal: bool, no_color: bool) -> bool {
    format == LiveFormat::Text
        && match color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => terminal && !no_color,
        }
}

/// Runs the command: installs the Ctrl-C and SIGTERM handlers, then [`run_with`].
pub fn run(args: &ListenArgs, out: &mut impl Write, err: &mut impl Write) -> u8 {
    use std::io::IsTerminal;
    let flag = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        // A second signal while the first is handled ends the process at once.
        let installed = signal_hook::flag::register_conditional_shutdown(
            signal,
            FORCED_EXIT,
            Arc::clone(&flag),
        )
        .and_then(|_| signal_hook::flag::register(signal, Arc::clone(&flag)));
        if let Err(e) = installed {
            let _ = writeln!(err, "xseg: cannot handle signals: {e}");
            return exit::TROUBLE;
        }
    }
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let color = use_color(
        args.color,
        args.format,
        io::stdout().is_terminal(),
        no_color,
    );
    run_with(args, color, &flag, out, err)
}

/// Binds, tells the address on `err` (last, `xseg: listening on ADDR ...`), receives until a
/// signal sets `flag` or `--count` / `--duration` ends the run, then prints the summary to
/// `out`. Returns the exit status: 0, or 2 when the address cannot be bound, the forward
/// target is unusable, or `out` fails.
pub fn run_with(
    args: &ListenArgs,
    color: bool,
    flag: &AtomicBool,
    out: &mut impl Write,
    err: &mut impl Write,
) -> u8 {
    let listener = match Listener::bind(args.bind, args.recv_buffer) {
        Ok(listener) => listener,
        Err(e) => {
            let hint = if e.kind() == io::ErrorKind::AddrInUse {
                " (is a daemon already running there? Bind another port and --forward to it)"
            } else {
                ""
            };
            let _ = writeln!(err, "xseg: cannot listen on {}: {e}{hint}", args.bind);
            return exit::TROUBLE;
        }
    };
    let local = listener.local_addr();
    let mut forward = match &args.forward {
        None => None,
        Some(target) => match Forwarder::connect(target, local) {
            Ok(f) => Some(f),
            Err(e) => {
                let _ = writeln!(err, "xseg: cannot forward to {target}: {e}");
                return exit::TROUBLE;
            }
        },
    };
    let buffer = listener
        .recv_buffer()
        .map(|b| format!(" (socket receive buffer {b} bytes)"))
        .unwrap_or_default();
    if let Some(f) = &forward {
        let _ = writeln!(err, "xseg: forwarding every datagram to {}", f.target());
    }
    // Last, as the sign that datagrams are being received.
    let _ = writeln!(err, "xseg: listening on {local}{buffer}");
    let _ = err.flush();
    let style = Style {
        quiet: args.quiet,
        color,
        ..Style::new(Format::from(args.format))
    };
    let mut inspector = Inspector::new(args.validation.options(), style, format!("udp:{local}"));
    if let Some(options) = args.fix.options(&args.validation) {
        inspector = inspector.with_fix(options);
    }
    if let Some(traces) = args.traces.config() {
        inspector = inspector.with_trace_checks(traces);
    }
    let until = Until {
        flag,
        count: args.count,
        deadline: args.duration.and_then(|d| Instant::now().checked_add(d)),
    };
    let served = serve(
        &listener,
        forward.as_mut(),
        &mut inspector,
        &until,
        out,
        err,
    );
    let span = match served {
        Ok(span) => span,
        Err(e) => return report::output_failed(&e, err),
    };
    let closing = Closing {
        forward: forward.as_ref().map(|f| (f.target(), f.sent(), f.errors())),
        dropped: listener.dropped(),
        elapsed: span.elapsed(),
    };
    let mut notes = closing.record(&mut inspector);
    if args.fix.fix {
        notes.push(fix_note(inspector.tally()));
    }
    let mut lines = Vec::new();
    let written = inspector
        .finish_traces(&mut lines)
        .and_then(|()| inspector.printer_mut().finish(&notes, &mut lines))
        .and_then(|()| out.write_all(&lines))
        .and_then(|()| out.flush());
    match written {
        Ok(()) => exit::OK,
        Err(e) => report::output_failed(&e, err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;
    use std::net::{SocketAddr, UdpSocket};
    use std::sync::atomic::Ordering;
    use xseg::{Options, Profile};

    const HEADER: &str = "{\"format\":\"json\",\"version\":1}\n";
    const GOOD: &str = r#"{"name":"checkout","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#;
    const PEER: &str = "127.0.0.1:40312";
    const LABEL: &str = "udp:127.0.0.1:2000";

    fn style(format: Format) -> Style {
        Style::new(format)
    }

    fn inspector(profile: Profile, style: Style) -> Inspector {
        Inspector::new(Options::new(profile), style, LABEL.to_owned())
    }

    /// The report lines of each datagram, and the tally.
    fn inspect_all(ins: &mut Inspector, datagrams: &[Vec<u8>]) -> Vec<String> {
        let peer: SocketAddr = PEER.parse().unwrap();
        datagrams
            .iter()
            .map(|d| {
                let mut out = Vec::new();
                ins.inspect(d, peer, &mut out).unwrap();
                String::from_utf8(out).unwrap()
            })
            .collect()
    }

    fn framed(body: &str) -> Vec<u8> {
        format!("{HEADER}{body}").into_bytes()
    }

    fn mixed() -> Vec<Vec<u8>> {
        vec![
            framed(GOOD),
            framed(&GOOD.replace("checkout", "svc,eu")),
            b"{\"format\":\"json\",\"version\":2}\n{}".to_vec(),
            b"{\"format\":\"json\",\"version\":1}".to_vec(),
            HEADER.as_bytes().to_vec(),
            framed(&GOOD.replace("70de5b6f19ff9a0a", "70DE5B6F19FF9A0A")),
        ]
    }

    #[test]
    fn each_kind_of_datagram_as_json() {
        let mut ins = inspector(Profile::Service, style(Format::Json));
        let lines = inspect_all(&mut ins, &mixed());
        let name_at = HEADER.len() + GOOD.find("\"checkout\"").unwrap();
        let id_at = HEADER.len() + GOOD.find("\"70de").unwrap();
        let want = [
            String::new(),
            format!(
                "{{\"file\":\"{LABEL}\",\"Id\":\"70de5b6f19ff9a0a\",\"ErrorCode\":\"InvalidName\",\"Message\":\"Invalid segment. ErrorCode: InvalidName\",\"kind\":\"InvalidNameChar\",\"pointer\":\"/name\",\"offset\":{name_at},\"detail\":\"`name` contains a character outside the allowed set\",\"peer\":\"{PEER}\",\"datagram\":2}}\n"
            ),
            format!(
                "{{\"file\":\"{LABEL}\",\"ErrorCode\":\"InvalidHeader\",\"Message\":\"Invalid datagram. ErrorCode: InvalidHeader\",\"kind\":\"BadVersion\",\"pointer\":\"\",\"offset\":27,\"detail\":\"header `version` is not 1\",\"peer\":\"{PEER}\",\"datagram\":3}}\n"
            ),
            format!(
                "{{\"file\":\"{LABEL}\",\"ErrorCode\":\"MissingBody\",\"Message\":\"Invalid datagram. ErrorCode: MissingBody\",\"kind\":\"NoNewline\",\"pointer\":\"\",\"offset\":29,\"detail\":\"datagram has no newline between header and body\",\"peer\":\"{PEER}\",\"datagram\":4}}\n"
            ),
            format!(
                "{{\"file\":\"{LABEL}\",\"ErrorCode\":\"MissingBody\",\"Message\":\"Invalid datagram. ErrorCode: MissingBody\",\"kind\":\"EmptyBody\",\"pointer\":\"\",\"offset\":30,\"detail\":\"datagram has an empty body\",\"peer\":\"{PEER}\",\"datagram\":5}}\n"
            ),
            format!(
                "{{\"file\":\"{LABEL}\",\"Id\":\"70DE5B6F19FF9A0A\",\"warning\":\"UppercaseId\",\"pointer\":\"/id\",\"offset\":{id_at},\"detail\":\"`id` has upper-case hex digits\",\"peer\":\"{PEER}\",\"datagram\":6}}\n"
            ),
        ];
        assert_eq!(lines, want);
        let t = ins.tally();
        assert_eq!(
            (t.documents, t.accepted, t.rejected, t.warnings),
            (6, 2, 4, 1)
        );
        assert_eq!(t.code("MissingBody"), 2);
        assert_eq!(t.code("InvalidHeader"), 1);
        assert_eq!(t.code("InvalidName"), 1);
        assert_eq!(t.by_code().iter().map(|(_, n)| n).sum::<u64>(), 4);
        assert_eq!(t.warning("UppercaseId"), 1);
        let bytes: usize = mixed().iter().map(Vec::len).sum();
        assert_eq!(t.bytes, bytes as u64);
    }

    #[test]
    fn each_kind_of_datagram_as_text() {
        let mut ins = inspector(Profile::Service, style(Format::Text));
        let lines = inspect_all(&mut ins, &mixed()).concat();
        assert_eq!(
            lines,
            format!(
                "{PEER}: 70de5b6f19ff9a0a InvalidName \u{2014} `name` contains a character outside the allowed set at /name (byte 38)\n\
                 {PEER}: - InvalidHeader \u{2014} header `version` is not 1 (byte 27)\n\
                 {PEER}: - MissingBody \u{2014} datagram has no newline between header and body (byte 29)\n\
                 {PEER}: - MissingBody \u{2014} datagram has an empty body (byte 30)\n\
                 {PEER}: warning: `id` has upper-case hex digits at /id (byte 54)\n"
            )
        );
    }

    #[test]
    fn colors_wrap_each_line() {
        let mut ins = inspector(
            Profile::Service,
            Style {
                color: true,
                ..style(Format::Text)
            },
        );
        let datagrams = [
            b"nope".to_vec(),
            framed(&GOOD.replace("70de5b6f19ff9a0a", "70DE5B6F19FF9A0A")),
        ];
        let lines = inspect_all(&mut ins, &datagrams);
        assert_eq!(
            lines[0],
            format!("\x1b[31m{PEER}: - MissingBody \u{2014} datagram has no newline between header and body (byte 4)\x1b[0m\n")
        );
        assert_eq!(
            lines[1],
            format!(
                "\x1b[33m{PEER}: warning: `id` has upper-case hex digits at /id (byte 54)\x1b[0m\n"
            )
        );
    }

    #[test]
    fn an_oversized_datagram_is_invalid_segment() {
        let mut big = HEADER.as_bytes().to_vec();
        big.resize(BUFFER_BYTES, b' ');
        let mut ins = inspector(Profile::Service, style(Format::Json));
        let lines = inspect_all(&mut ins, &[big]);
        let v: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(v["ErrorCode"], "InvalidSegment");
        assert_eq!(v["Message"], "Invalid segment. ErrorCode: InvalidSegment");
        assert_eq!(v["detail"], "datagram is larger than 65,536 bytes");
        assert_eq!(v["offset"], 0);
        assert!(v.get("Id").is_none());
        assert_eq!(ins.tally().code("InvalidSegment"), 1);
        // The largest datagram the rules allow is read as a datagram.
        let mut max = framed(GOOD);
        max.resize(xseg::limits::MAX_DATAGRAM_BYTES, b' ');
        let mut ins = inspector(Profile::Service, style(Format::Json));
        assert_eq!(inspect_all(&mut ins, &[max]), [String::new()]);
        assert_eq!(ins.tally().accepted, 1);
    }

    #[test]
    fn strict_turns_warnings_into_rejections() {
        let mut ins = inspector(Profile::Strict, style(Format::Json));
        let upper = framed(&GOOD.replace("70de5b6f19ff9a0a", "70DE5B6F19FF9A0A"));
        let lines = inspect_all(&mut ins, &[upper]);
        let lines: Vec<serde_json::Value> = lines[0]
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines[0]["ErrorCode"], "InvalidId");
        assert_eq!(lines[0]["Id"], "70DE5B6F19FF9A0A");
        assert_eq!(lines[0]["pointer"], "/id");
        assert_eq!(lines[0]["kind"], "UppercaseId");
        // The finding that became the rejection is reported once.
        assert_eq!(lines.len(), 1);
        let t = ins.tally();
        assert_eq!((t.accepted, t.rejected, t.warnings), (0, 1, 0));
        assert_eq!(t.code("InvalidId"), 1);
    }

    #[test]
    fn quiet_only_counts() {
        let mut ins = inspector(
            Profile::Service,
            Style {
                quiet: true,
                ..style(Format::Text)
            },
        );
        let lines = inspect_all(&mut ins, &mixed());
        assert!(lines.iter().all(String::is_empty));
        assert_eq!(ins.tally().rejected, 4);
        assert_eq!(ins.tally().warnings, 1);
    }

    #[test]
    fn warnings_past_the_kept_ones_are_counted_in_one_line() {
        let annotations: Vec<String> = (0..20).map(|i| format!("\"bad key {i}\":1")).collect();
        let doc = GOOD.replace(
            "\"end_time\":2}",
            &format!(
                "\"end_time\":2,\"annotations\":{{{}}}}}",
                annotations.join(",")
            ),
        );
        let mut ins = inspector(Profile::Service, style(Format::Json));
        let out = inspect_all(&mut ins, &[framed(&doc)]).concat();
        let lines: Vec<serde_json::Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), xseg::limits::MAX_WARNINGS + 1);
        assert_eq!(lines[0]["warning"], "InvalidAnnotationKey");
        assert_eq!(lines[0]["Id"], "70de5b6f19ff9a0a");
        let last = &lines[xseg::limits::MAX_WARNINGS];
        assert_eq!(last["warnings_not_shown"], 4);
        assert_eq!(last["datagram"], 1);
        assert_eq!(ins.tally().warnings, 20);
        assert_eq!(ins.tally().accepted, 1);

        let mut ins = inspector(Profile::Service, style(Format::Text));
        let out = inspect_all(&mut ins, &[framed(&doc)]).concat();
        assert!(out.ends_with(&format!("{PEER}: warning: 4 more warnings not shown\n")));
    }

    fn summary(ins: &mut Inspector, closing: &Closing) -> String {
        let notes = closing.record(ins);
        let mut out = Vec::new();
        ins.printer_mut().finish(&notes, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn summaries() {
        let closing = Closing {
            forward: None,
            dropped: None,
            elapsed: Duration::from_millis(2),
        };
        let mut ins = inspector(Profile::Service, style(Format::Text));
        inspect_all(&mut ins, &mixed());
        let bytes = ins.tally().bytes;
        assert_eq!(
            summary(&mut ins, &closing),
            format!(
                "6 datagrams received: 2 accepted, 4 rejected, 1 warning\n  \
                 MissingBody       2\n  \
                 InvalidHeader     1\n  \
                 InvalidName       1\n\
                 0.000{bytes} MB in 0.002 s from the first datagram to the last: 3000 datagrams/s\n"
            )
        );
        let mut ins = inspector(Profile::Service, style(Format::Json));
        inspect_all(&mut ins, &mixed());
        assert_eq!(
            summary(&mut ins, &closing),
            format!("{{\"summary\":{{\"documents\":6,\"accepted\":2,\"rejected\":4,\"warnings\":1,\"bytes\":{bytes},\"by_code\":{{\"MissingBody\":2,\"InvalidHeader\":1,\"InvalidName\":1}},\"by_warning\":{{\"UppercaseId\":1}},\"received\":6}}}}\n")
        );
        let closing = Closing {
            forward: Some(("127.0.0.1:2001".parse().unwrap(), 1, 1)),
            dropped: Some(3),
            elapsed: Duration::ZERO,
        };
        let mut ins = inspector(Profile::Service, style(Format::Text));
        assert_eq!(
            summary(&mut ins, &closing),
            "0 datagrams received: 0 accepted, 0 rejected, 0 warnings\n\
             3 datagrams dropped by the system before they were read (socket receive buffer full)\n\
             forwarded 1 datagram to 127.0.0.1:2001, 1 send error\n\
             0.000 MB in 0.000 s from the first datagram to the last: 0 datagrams/s\n"
        );
        let mut ins = inspector(Profile::Service, style(Format::Json));
        assert_eq!(
            summary(&mut ins, &closing),
            "{\"summary\":{\"documents\":0,\"accepted\":0,\"rejected\":0,\"warnings\":0,\"bytes\":0,\"by_code\":{},\"by_warning\":{},\"received\":0,\"dropped\":3,\"forwarded\":1,\"forward_errors\":1}}\n"
        );
    }

    #[test]
    fn accepted_datagrams_are_not_validated_twice_for_their_id() {
        // The Id of an accepted document with warnings comes from its `id` member.
        let mut ins = inspector(Profile::Service, style(Format::Json));
        let doc = GOOD.replace(
            "\"end_time\":2}",
            "\"end_time\":2,\"annotations\":{\"a-b\":1}}",
        );
        let lines = inspect_all(&mut ins, &[framed(&doc)]);
        let v: serde_json::Value = serde_json::from_str(&lines[0]).unwrap();
        assert_eq!(v["Id"], "70de5b6f19ff9a0a");
        assert_eq!(v["warning"], "InvalidAnnotationKey");
    }

    #[test]
    fn forwarding_to_the_listener_itself_is_refused() {
        let at = |s: &str| s.parse::<SocketAddr>().unwrap();
        assert!(forwards_to_itself(
            at("127.0.0.1:2000"),
            at("127.0.0.1:2000")
        ));
        assert!(forwards_to_itself(at("0.0.0.0:2000"), at("127.0.0.1:2000")));
        assert!(forwards_to_itself(at("[::]:2000"), at("[::1]:2000")));
        assert!(!forwards_to_itself(
            at("127.0.0.1:2000"),
            at("127.0.0.1:2001")
        ));
        assert!(!forwards_to_itself(
            at("127.0.0.1:2000"),
            at("127.0.0.2:2000")
        ));
        let e = Forwarder::connect("127.0.0.1:2000", at("127.0.0.1:2000")).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
    }

    #[test]
    fn color_only_for_text_on_a_terminal() {
        assert!(use_color(ColorArg::Auto, LiveFormat::Text, true, false));
        assert!(!use_color(ColorArg::Auto, LiveFormat::Text, true, true));
        assert!(!use_color(ColorArg::Auto, LiveFormat::Text, false, false));
        assert!(use_color(ColorArg::Always, LiveFormat::Text, false, true));
        assert!(!use_color(ColorArg::Always, LiveFormat::Json, true, false));
        assert!(!use_color(ColorArg::Never, LiveFormat::Text, true, false));
    }

    fn listen_args(argv: &[&str]) -> Result<ListenArgs, clap::Error> {
        let mut full = vec!["xseg", "listen"];
        full.extend_from_slice(argv);
        match Cli::try_parse_from(full)?.command {
            Command::Listen(l) => Ok(l),
            _ => panic!("listen"),
        }
    }

    #[test]
    fn options() {
        let l = listen_args(&[]).unwrap();
        assert_eq!(l.bind, "127.0.0.1:2000".parse().unwrap());
        assert_eq!(l.forward, None);
        assert_eq!(l.format, LiveFormat::Text);
        assert_eq!(l.color, ColorArg::Auto);
        assert_eq!((l.count, l.duration, l.quiet), (None, None, false));
        assert_eq!(l.validation.options(), Options::default());
        let l = listen_args(&[
            "--bind",
            "127.0.0.1:0",
            "--forward",
            "localhost:2000",
            "--profile",
            "strict",
            "--format",
            "json",
            "--count",
            "3",
            "--duration",
            "1.5",
            "-q",
            "--color",
            "never",
        ])
        .unwrap();
        assert_eq!(l.bind.port(), 0);
        assert_eq!(l.forward.as_deref(), Some("localhost:2000"));
        assert_eq!(l.validation.options().profile(), Profile::Strict);
        assert_eq!(l.count, Some(3));
        assert_eq!(l.duration, Some(Duration::from_millis(1500)));
        assert!(l.quiet);
        for bad in [
            &["--count", "0"][..],
            &["--duration", "0"],
            &["--duration", "-1"],
            &["--duration", "NaN"],
            &["--duration", "soon"],
            &["--bind", "localhost"],
            &["--format", "xml"],
            &["--format", "sarif"],
            &["stray"],
        ] {
            assert!(listen_args(bad).is_err(), "{bad:?}");
        }
    }

    /// A writer that counts its flushes.
    #[derive(Default)]
    struct Flushes {
        bytes: Vec<u8>,
        flushes: usize,
    }

    impl Write for Flushes {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.bytes.extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            self.flushes += 1;
            Ok(())
        }
    }

    fn loopback() -> Listener {
        Listener::bind("127.0.0.1:0".parse().unwrap(), 1 << 20).unwrap()
    }

    #[test]
    fn a_burst_is_written_at_once() {
        let listener = loopback();
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        for _ in 0..5 {
            sender
                .send_to(b"no newline", listener.local_addr())
                .unwrap();
        }
        let flag = AtomicBool::new(false);
        let until = Until {
            flag: &flag,
            count: Some(5),
            deadline: Instant::now().checked_add(Duration::from_secs(20)),
        };
        let mut ins = inspector(Profile::Service, style(Format::Text));
        let (mut out, mut err) = (Flushes::default(), Vec::new());
        let span = serve(&listener, None, &mut ins, &until, &mut out, &mut err).unwrap();
        assert_eq!(ins.tally().documents, 5);
        assert_eq!(ins.tally().code("MissingBody"), 5);
        let text = String::from_utf8(out.bytes).unwrap();
        assert_eq!(text.lines().count(), 5);
        let peer = sender.local_addr().unwrap();
        assert!(text
            .lines()
            .all(|l| l.starts_with(&format!("{peer}: - MissingBody"))));
        assert_eq!(out.flushes, 1, "one flush for the whole burst");
        assert!(err.is_empty());
        assert!(span.first.is_some() && span.last >= span.first);
    }

    #[test]
    fn the_flag_and_the_deadline_stop_a_quiet_socket() {
        let listener = loopback();
        let flag = AtomicBool::new(true);
        let mut ins = inspector(Profile::Service, style(Format::Text));
        let until = Until {
            flag: &flag,
            count: None,
            deadline: None,
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let span = serve(&listener, None, &mut ins, &until, &mut out, &mut err).unwrap();
        assert_eq!(span, Span::default());

        flag.store(false, Ordering::Relaxed);
        let start = Instant::now();
        let until = Until {
            deadline: start.checked_add(Duration::from_millis(150)),
            ..until
        };
        serve(&listener, None, &mut ins, &until, &mut out, &mut err).unwrap();
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(150), "{took:?}");
        assert!(took < Duration::from_secs(5), "{took:?}");
        assert_eq!(ins.tally().documents, 0);
        assert!(out.is_empty() && err.is_empty());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn drops_of_a_full_socket_are_counted() {
        let listener = Listener::bind("127.0.0.1:0".parse().unwrap(), 1).unwrap();
        assert_eq!(listener.dropped(), Some(0));
        let sender = UdpSocket::bind("127.0.0.1:0").unwrap();
        // Nothing reads: the smallest receive buffer holds a few of these at most.
        for _ in 0..50 {
            sender
                .send_to(&[b' '; 2000], listener.local_addr())
                .unwrap();
        }
        let dropped = listener.dropped().unwrap();
        assert!((40..=50).contains(&dropped), "{dropped}");
    }

    #[test]
    fn a_refusing_target_is_reported_once_and_sending_goes_on() {
        let closed = UdpSocket::bind("127.0.0.1:0").unwrap();
        let target = closed.local_addr().unwrap();
        drop(closed);
        let mut f =
            Forwarder::connect(&target.to_string(), "127.0.0.1:9".parse().unwrap()).unwrap();
        assert_eq!(f.target(), target);
        let mut err = Vec::new();
        for _ in 0..3 {
            f.send(b"x", &mut err);
            // Let the refusal of this datagram come back before the next send.
            std::thread::sleep(Duration::from_millis(50));
        }
        let err = String::from_utf8(err).unwrap();
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.starts_with(&format!("xseg: cannot forward to {target}: ")),
            "{err}"
        );
        assert_eq!(f.sent(), 3);
        assert_eq!(f.errors(), 2);
    }
}
