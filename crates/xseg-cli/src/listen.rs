//! `xseg listen`: a validating stand-in for the X-Ray daemon.
//!
//! Datagrams are received on a UDP socket as the daemon receives them, optionally forwarded
//! unchanged to a real daemon, split and checked with [`Validator::validate_datagram`]
//! (RULES.md section 7), and reported with the lines of [`crate::report`].
//!
//! The receive loop reuses one buffer, one [`Validator`] and one line buffer: a datagram whose
//! document is accepted without warnings allocates nothing. Report lines go to a buffered
//! writer that is flushed when no datagram is waiting, so a burst of rejections costs one
//! write per burst rather than one per datagram.

use std::fmt::Write as _;
use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use socket2::{Domain, Protocol, Socket, Type};
use xseg::{DatagramOutcome, Document, Entity, ErrorCode, FrameError, Options, Outcome, Validator};

use crate::args::{ColorArg, Format, ListenArgs};
use crate::exit;
use crate::report::{write_more_warnings, Rejected, Warned};

/// Size of the receive buffer: one byte more than the largest datagram the daemon takes, so
/// that a datagram which fills it is known to be over the limit (and is reported so by the
/// core). No UDP datagram over IPv4 or IPv6 is that large; the check is there for the rule.
pub const BUFFER_BYTES: usize = xseg::limits::MAX_DATAGRAM_BYTES + 1;

/// How often a waiting receive wakes up to notice a signal or the end of `--duration`.
pub const TICK: Duration = Duration::from_millis(100);

/// Exit status after a second Ctrl-C (or SIGTERM) while the first is being handled.
const FORCED_EXIT: i32 = 130;

/// Codes a datagram can be rejected with: the two of RULES.md section 7 that come before the
/// document is read, then the document codes of section 4.
pub const CODE_COUNT: usize = 2 + ErrorCode::ALL.len();

/// The name of code number `i` (see [`CODE_COUNT`]), in summary order.
pub fn code_name(i: usize) -> Option<&'static str> {
    match i {
        0 => Some("MissingBody"),
        1 => Some("InvalidHeader"),
        _ => ErrorCode::ALL.get(i - 2).map(|c| c.as_str()),
    }
}

fn code_index(name: &str) -> Option<usize> {
    (0..CODE_COUNT).find(|&i| code_name(i) == Some(name))
}

/// The `Message` of a datagram rejected before its document was read. The service never sees
/// such a datagram (the daemon drops it), so `MissingBody` and `InvalidHeader` have messages
/// of xseg's own; an oversized datagram gets the service's `InvalidSegment` message.
pub fn frame_message(error: &FrameError) -> &'static str {
    match error.code().as_str() {
        "MissingBody" => "Invalid datagram. ErrorCode: MissingBody",
        "InvalidHeader" => "Invalid datagram. ErrorCode: InvalidHeader",
        _ => ErrorCode::InvalidSegment.message(Entity::Segment),
    }
}

/// The counts of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    /// Datagrams received.
    pub received: u64,
    /// Datagrams whose document was accepted.
    pub accepted: u64,
    /// Datagrams rejected, before or after their document was read.
    pub rejected: u64,
    /// Warnings, over all documents.
    pub warnings: u64,
    /// Bytes received (headers included).
    pub bytes: u64,
    /// Rejections per code, indexed as [`code_name`].
    pub by_code: [u64; CODE_COUNT],
}

impl Tally {
    /// Rejections with the code `name`.
    pub fn code(&self, name: &str) -> u64 {
        code_index(name)
            .and_then(|i| self.by_code.get(i).copied())
            .unwrap_or(0)
    }

    fn reject(&mut self, code: &str) {
        self.rejected += 1;
        if let Some(n) = code_index(code).and_then(|i| self.by_code.get_mut(i)) {
            *n += 1;
        }
    }
}

/// What to print for each datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    /// Text or JSON lines.
    pub format: Format,
    /// Only the summary.
    pub quiet: bool,
    /// ANSI colors in text lines.
    pub color: bool,
}

const RED: &[u8] = b"\x1b[31m";
const YELLOW: &[u8] = b"\x1b[33m";
const RESET: &[u8] = b"\x1b[0m";

/// A rejection as a JSON line: the fields of `xseg check --format json`, then the sender and
/// the datagram's number.
#[derive(Serialize)]
struct JsonRejected<'a> {
    #[serde(flatten)]
    rejected: &'a Rejected<'a>,
    peer: &'a str,
    datagram: u64,
}

/// A warning as a JSON line.
#[derive(Serialize)]
struct JsonWarned<'a> {
    file: &'a str,
    #[serde(rename = "Id", skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    warning: &'a str,
    pointer: &'a str,
    offset: u64,
    detail: &'a str,
    peer: &'a str,
    datagram: u64,
}

/// The warnings of a document past the ones the core keeps, as a JSON line.
#[derive(Serialize)]
struct JsonMoreWarnings<'a> {
    file: &'a str,
    #[serde(rename = "Id", skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    warnings_not_shown: usize,
    peer: &'a str,
    datagram: u64,
}

fn json_line(out: &mut Vec<u8>, value: &impl Serialize) -> io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(io::Error::from)?;
    out.push(b'\n');
    Ok(())
}

/// Writes `write`'s one line in `color` (the newline stays outside the color).
fn colored(
    out: &mut Vec<u8>,
    color: Option<&[u8]>,
    write: impl FnOnce(&mut Vec<u8>) -> io::Result<()>,
) -> io::Result<()> {
    match color {
        None => write(out),
        Some(color) => {
            out.extend_from_slice(color);
            write(out)?;
            if out.last() == Some(&b'\n') {
                out.pop();
            }
            out.extend_from_slice(RESET);
            out.push(b'\n');
            Ok(())
        }
    }
}

/// Validates datagrams and writes their report lines; keeps the [`Tally`].
#[derive(Debug)]
pub struct Inspector {
    validator: Validator,
    style: Style,
    label: String,
    peer: String,
    tally: Tally,
}

impl Inspector {
    /// An inspector with the core's `options`. `label` names the listening socket in JSON lines
    /// (their `file`), e.g. `udp:127.0.0.1:2000`.
    pub fn new(options: Options, style: Style, label: String) -> Inspector {
        Inspector {
            validator: Validator::new(options),
            style,
            label,
            peer: String::with_capacity(48),
            tally: Tally::default(),
        }
    }

    /// The counts so far.
    pub const fn tally(&self) -> &Tally {
        &self.tally
    }

    /// Checks one datagram from `peer`, counts it, and appends its report lines to `out`.
    ///
    /// # Errors
    ///
    /// None in practice: the lines are written to memory.
    pub fn inspect(
        &mut self,
        datagram: &[u8],
        peer: SocketAddr,
        out: &mut Vec<u8>,
    ) -> io::Result<()> {
        self.tally.received += 1;
        self.tally.bytes += datagram.len() as u64;
        let seq = self.tally.received;
        match self.validator.validate_datagram(datagram) {
            DatagramOutcome::Frame(error) => {
                self.tally.reject(error.code().as_str());
                if self.style.quiet {
                    return Ok(());
                }
                self.set_peer(peer);
                let rejected = Rejected {
                    file: self.file(),
                    line: None,
                    id: None,
                    code: error.code().as_str(),
                    message: frame_message(&error),
                    pointer: "",
                    offset: error.offset() as u64,
                    detail: error.kind().description(),
                };
                self.write_rejected(&rejected, seq, out)
            }
            DatagramOutcome::Document { frame, outcome } => {
                let warnings = self.validator.warnings().total();
                self.tally.warnings += warnings as u64;
                match &outcome {
                    Outcome::Accepted(_) => self.tally.accepted += 1,
                    Outcome::Rejected(r) => self.tally.reject(r.code().as_str()),
                }
                if self.style.quiet || (outcome.is_accepted() && warnings == 0) {
                    return Ok(());
                }
                self.set_peer(peer);
                let base = frame.body_offset;
                let id = match &outcome {
                    Outcome::Rejected(r) => r.id(),
                    Outcome::Accepted(_) => match self.validator.parse_at(frame.body, base) {
                        Ok(Document::Segment(segment)) => segment.id().map(|s| s.decode()),
                        _ => None,
                    },
                };
                if let Outcome::Rejected(r) = &outcome {
                    let error = r.error();
                    let location = error.locate(datagram, base);
                    let rejected = Rejected {
                        file: self.file(),
                        line: None,
                        id: id.as_deref(),
                        code: error.code().as_str(),
                        message: error.message(),
                        pointer: &location.pointer,
                        offset: error.offset() as u64,
                        detail: error.kind().description(),
                    };
                    self.write_rejected(&rejected, seq, out)?;
                }
                let kept = self.validator.warnings().clone();
                for warning in kept.iter() {
                    let location = warning.locate(datagram, base);
                    let kind = warning.kind();
                    self.write_warning(
                        &JsonWarned {
                            file: self.file(),
                            id: id.as_deref(),
                            warning: kind.name(),
                            pointer: &location.pointer,
                            offset: warning.offset() as u64,
                            detail: kind.description(),
                            peer: &self.peer,
                            datagram: seq,
                        },
                        out,
                    )?;
                }
                let more = warnings.saturating_sub(kept.as_slice().len());
                if more > 0 {
                    match self.style.format {
                        Format::Text => colored(out, self.color(YELLOW), |o| {
                            write_more_warnings(o, &self.peer, None, more)
                        })?,
                        Format::Json => json_line(
                            out,
                            &JsonMoreWarnings {
                                file: &self.label,
                                id: id.as_deref(),
                                warnings_not_shown: more,
                                peer: &self.peer,
                                datagram: seq,
                            },
                        )?,
                    }
                }
                Ok(())
            }
        }
    }

    fn set_peer(&mut self, peer: SocketAddr) {
        self.peer.clear();
        let _ = write!(self.peer, "{peer}");
    }

    /// The source named in a line: the sender in text, the listening socket in JSON (which
    /// names the sender in `peer`).
    fn file(&self) -> &str {
        match self.style.format {
            Format::Text => &self.peer,
            Format::Json => &self.label,
        }
    }

    fn color(&self, color: &'static [u8]) -> Option<&'static [u8]> {
        self.style.color.then_some(color)
    }

    fn write_rejected(&self, r: &Rejected<'_>, seq: u64, out: &mut Vec<u8>) -> io::Result<()> {
        match self.style.format {
            Format::Text => colored(out, self.color(RED), |o| r.write_text(o)),
            Format::Json => json_line(
                out,
                &JsonRejected {
                    rejected: r,
                    peer: &self.peer,
                    datagram: seq,
                },
            ),
        }
    }

    fn write_warning(&self, w: &JsonWarned<'_>, out: &mut Vec<u8>) -> io::Result<()> {
        match self.style.format {
            Format::Text => colored(out, self.color(YELLOW), |o| {
                Warned {
                    file: w.file,
                    line: None,
                    detail: w.detail,
                    pointer: w.pointer,
                    offset: w.offset,
                }
                .write_text(o)
            }),
            Format::Json => json_line(out, w),
        }
    }
}

/// Error kinds already reported, so that each kind is reported once.
#[derive(Debug, Default)]
struct Reported(Vec<io::ErrorKind>);

impl Reported {
    /// Whether `e` is the first error of its kind (and remembers it).
    fn first(&mut self, e: &io::Error) -> bool {
        let kind = e.kind();
        if self.0.contains(&kind) {
            false
        } else {
            self.0.push(kind);
            true
        }
    }
}

/// The socket that forwards datagrams to a real daemon.
#[derive(Debug)]
pub struct Forwarder {
    socket: UdpSocket,
    target: SocketAddr,
    sent: u64,
    errors: u64,
    reported: Reported,
}

/// Whether sending to `target` would reach the socket bound at `local`.
pub fn forwards_to_itself(local: SocketAddr, target: SocketAddr) -> bool {
    local.port() == target.port()
        && (local.ip() == target.ip()
            || (local.ip().is_unspecified()
                && (target.ip().is_loopback() || target.ip().is_unspecified())))
}

impl Forwarder {
    /// Resolves `target` (`HOST:PORT`; an IPv4 address is preferred) and connects a socket to
    /// it. Refuses a target that is the listener itself (`local`), which would loop.
    ///
    /// # Errors
    ///
    /// When the name does not resolve, is the listener, or the socket cannot be set up.
    pub fn connect(target: &str, local: SocketAddr) -> io::Result<Forwarder> {
        let addrs: Vec<SocketAddr> = target.to_socket_addrs()?.collect();
        let target = addrs
            .iter()
            .find(|a| a.is_ipv4())
            .or_else(|| addrs.first())
            .copied()
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no address found"))?;
        if forwards_to_itself(local, target) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "that is the address xseg listens on",
            ));
        }
        let any: SocketAddr = if target.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(any)?;
        // Connected, so that the system reports a refusal (nothing listens at the target).
        socket.connect(target)?;
        Ok(Forwarder {
            socket,
            target,
            sent: 0,
            errors: 0,
            reported: Reported::default(),
        })
    }

    /// Where datagrams go.
    pub const fn target(&self) -> SocketAddr {
        self.target
    }

    /// Datagrams handed to the system for sending.
    pub const fn sent(&self) -> u64 {
        self.sent
    }

    /// Send errors.
    pub const fn errors(&self) -> u64 {
        self.errors
    }

    /// Sends `datagram` unchanged. An error is counted and reported on `err` the first time
    /// its kind occurs; it never stops the listener. A refusal reports that an earlier
    /// datagram found nobody listening; this one is then sent again.
    pub fn send(&mut self, datagram: &[u8], err: &mut impl Write) {
        let mut result = self.socket.send(datagram);
        if let Err(e) = &result {
            if e.kind() == io::ErrorKind::ConnectionRefused {
                self.error(e, err);
                result = self.socket.send(datagram);
            }
        }
        match result {
            Ok(_) => self.sent += 1,
            Err(e) => self.error(&e, err),
        }
    }

    fn error(&mut self, e: &io::Error, err: &mut impl Write) {
        self.errors += 1;
        if self.reported.first(e) {
            let _ = writeln!(
                err,
                "xseg: cannot forward to {}: {e} (further errors of this kind are only counted)",
                self.target
            );
        }
    }
}

/// The receiving socket.
#[derive(Debug)]
pub struct Listener {
    socket: UdpSocket,
    local: SocketAddr,
    recv_buffer: Option<usize>,
}

impl Listener {
    /// Binds `addr` with a socket receive buffer of `recv_buffer` bytes if the system allows
    /// it (Linux caps it at `net.core.rmem_max`, and reports twice the size it grants).
    ///
    /// # Errors
    ///
    /// When the address cannot be bound.
    pub fn bind(addr: SocketAddr, recv_buffer: usize) -> io::Result<Listener> {
        let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
        let _ = socket.set_recv_buffer_size(recv_buffer);
        socket.bind(&addr.into())?;
        let recv_buffer = socket.recv_buffer_size().ok();
        let socket: UdpSocket = socket.into();
        socket.set_read_timeout(Some(TICK))?;
        let local = socket.local_addr()?;
        Ok(Listener {
            socket,
            local,
            recv_buffer,
        })
    }

    /// The bound address (with the port chosen when port 0 was asked for).
    pub const fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// The socket receive buffer the system reports, in bytes.
    pub const fn recv_buffer(&self) -> Option<usize> {
        self.recv_buffer
    }

    /// Datagrams the system dropped on this socket because its receive buffer was full, where
    /// the system tells (Linux: the `drops` column of `/proc/net/udp`).
    pub fn dropped(&self) -> Option<u64> {
        system_drops(&self.socket)
    }
}

#[cfg(target_os = "linux")]
fn system_drops(socket: &UdpSocket) -> Option<u64> {
    use std::os::fd::AsRawFd;
    let link = std::fs::read_link(format!("/proc/self/fd/{}", socket.as_raw_fd())).ok()?;
    let inode = link.to_str()?.strip_prefix("socket:[")?.strip_suffix(']')?;
    for table in ["/proc/net/udp", "/proc/net/udp6"] {
        let Ok(text) = std::fs::read_to_string(table) else {
            continue;
        };
        // sl local rem st tx:rx tr:tm retrnsmt uid timeout inode ref pointer drops
        for line in text.lines().skip(1) {
            let mut fields = line.split_whitespace();
            if fields.nth(9) == Some(inode) {
                return fields.nth(2)?.parse().ok();
            }
        }
    }
    None
}

#[cfg(not(target_os = "linux"))]
fn system_drops(_: &UdpSocket) -> Option<u64> {
    None
}

/// When to stop receiving.
#[derive(Clone, Copy, Debug)]
pub struct Until<'a> {
    /// Set by a signal handler (or anyone else) to stop.
    pub flag: &'a AtomicBool,
    /// Stop after this many datagrams.
    pub count: Option<u64>,
    /// Stop at this time.
    pub deadline: Option<Instant>,
}

/// When the first and the last datagram arrived.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    /// Arrival of the first datagram.
    pub first: Option<Instant>,
    /// Arrival of the last datagram.
    pub last: Option<Instant>,
}

impl Span {
    /// Time from the first datagram to the last.
    pub fn elapsed(&self) -> Duration {
        match (self.first, self.last) {
            (Some(first), Some(last)) => last.saturating_duration_since(first),
            _ => Duration::ZERO,
        }
    }
}

/// Receives until `until` says stop: each datagram is forwarded first, then inspected; its
/// lines go to `out`, which is flushed whenever no datagram is waiting. Receive errors are
/// reported on `err` once per kind and never stop the loop.
///
/// # Errors
///
/// When `out` fails.
pub fn serve(
    listener: &Listener,
    mut forward: Option<&mut Forwarder>,
    inspector: &mut Inspector,
    until: &Until<'_>,
    out: &mut impl Write,
    err: &mut impl Write,
) -> io::Result<Span> {
    let socket = &listener.socket;
    let mut buf = vec![0u8; BUFFER_BYTES];
    let mut lines: Vec<u8> = Vec::with_capacity(8192);
    let mut span = Span::default();
    let mut unflushed = false;
    let mut nonblocking = false;
    let mut timeout = TICK;
    let mut reported = Reported::default();
    loop {
        if until.flag.load(Ordering::Relaxed)
            || until.count.is_some_and(|n| inspector.tally().received >= n)
        {
            break;
        }
        if let Some(deadline) = until.deadline {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                break;
            }
            // Wake up in time for the deadline.
            let wanted = left.min(TICK);
            if !nonblocking && wanted < timeout {
                socket.set_read_timeout(Some(wanted))?;
                timeout = wanted;
            }
        }
        match socket.recv_from(&mut buf) {
            Ok((n, peer)) => {
                let now = Instant::now();
                span.first.get_or_insert(now);
                span.last = Some(now);
                let datagram = buf.get(..n).unwrap_or(&[]);
                if let Some(f) = forward.as_deref_mut() {
                    f.send(datagram, err);
                }
                lines.clear();
                inspector.inspect(datagram, peer, &mut lines)?;
                if !lines.is_empty() {
                    out.write_all(&lines)?;
                    unflushed = true;
                    if !nonblocking {
                        // Look for more without waiting; flush once nothing is waiting.
                        socket.set_nonblocking(true)?;
                        nonblocking = true;
                    }
                }
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                if unflushed {
                    out.flush()?;
                    unflushed = false;
                }
                if nonblocking {
                    socket.set_nonblocking(false)?;
                    nonblocking = false;
                }
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => {
                if reported.first(&e) {
                    let _ = writeln!(
                        err,
                        "xseg: error receiving on {}: {e} (further errors of this kind are not shown)",
                        listener.local
                    );
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }
    if unflushed {
        out.flush()?;
    }
    Ok(span)
}

/// The totals of a run, for the closing summary.
#[derive(Clone, Copy, Debug)]
pub struct Summary<'a> {
    /// The counts.
    pub tally: &'a Tally,
    /// With `--forward`: the target, datagrams sent and send errors.
    pub forward: Option<(SocketAddr, u64, u64)>,
    /// Datagrams the system dropped before they could be read, where it tells.
    pub dropped: Option<u64>,
    /// From the first datagram to the last.
    pub elapsed: Duration,
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        word.to_owned()
    } else {
        format!("{word}s")
    }
}

fn format_mb(mb: f64) -> String {
    if mb >= 1.0 || mb == 0.0 {
        format!("{mb:.3}")
    } else {
        format!("{mb:.6}")
    }
}

/// The nonzero per-code counts as a JSON object, in summary order.
struct Codes<'a>(&'a Tally);

impl Serialize for Codes<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (i, &n) in self.0.by_code.iter().enumerate() {
            if let (Some(name), true) = (code_name(i), n > 0) {
                map.serialize_entry(name, &n)?;
            }
        }
        map.end()
    }
}

#[derive(Serialize)]
struct JsonSummary<'a> {
    received: u64,
    accepted: u64,
    rejected: u64,
    warnings: u64,
    bytes: u64,
    #[serde(rename = "ErrorCode")]
    codes: Codes<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dropped: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    forwarded: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    forward_errors: Option<u64>,
}

#[derive(Serialize)]
struct JsonSummaryLine<'a> {
    summary: JsonSummary<'a>,
}

impl Summary<'_> {
    /// The human summary:
    ///
    /// ```text
    /// 6 datagrams received: 2 accepted, 4 rejected, 1 warning
    ///   MissingBody       2
    ///   InvalidHeader     1
    ///   InvalidName       1
    /// forwarded 6 datagrams to 127.0.0.1:2001, 0 send errors
    /// 0.000961 MB in 0.002 s from the first datagram to the last: 3000 datagrams/s
    /// ```
    ///
    /// A line `N datagrams dropped by the system before they were read (socket receive buffer
    /// full)` follows the codes when the system reports such drops; the `forwarded` line is
    /// there with `--forward` only.
    ///
    /// # Errors
    ///
    /// Errors of the writer.
    pub fn write_text(&self, w: &mut impl Write) -> io::Result<()> {
        let t = self.tally;
        writeln!(
            w,
            "{} {} received: {} accepted, {} rejected, {} {}",
            t.received,
            plural(t.received, "datagram"),
            t.accepted,
            t.rejected,
            t.warnings,
            plural(t.warnings, "warning"),
        )?;
        for (i, &n) in t.by_code.iter().enumerate() {
            if let (Some(name), true) = (code_name(i), n > 0) {
                writeln!(w, "  {name:<18}{n}")?;
            }
        }
        if let Some(dropped) = self.dropped.filter(|&n| n > 0) {
            writeln!(
                w,
                "{dropped} {} dropped by the system before they were read (socket receive buffer full)",
                plural(dropped, "datagram")
            )?;
        }
        if let Some((target, sent, errors)) = self.forward {
            writeln!(
                w,
                "forwarded {sent} {} to {target}, {errors} send {}",
                plural(sent, "datagram"),
                plural(errors, "error")
            )?;
        }
        let secs = self.elapsed.as_secs_f64();
        let rate = if secs > 0.0 {
            t.received as f64 / secs
        } else {
            0.0
        };
        writeln!(
            w,
            "{} MB in {secs:.3} s from the first datagram to the last: {rate:.0} datagrams/s",
            format_mb(t.bytes as f64 / 1e6)
        )
    }

    /// `{"summary":{"received":N,"accepted":N,"rejected":N,"warnings":N,"bytes":N,
    /// "ErrorCode":{"MissingBody":N,...},"dropped":N}}`, with `"forwarded":N,"forward_errors":N`
    /// at the end under `--forward`; `dropped` is left out where the system does not tell.
    /// Nothing in it depends on the clock.
    ///
    /// # Errors
    ///
    /// Errors of the writer.
    pub fn write_json(&self, w: &mut impl Write) -> io::Result<()> {
        let t = self.tally;
        let line = JsonSummaryLine {
            summary: JsonSummary {
                received: t.received,
                accepted: t.accepted,
                rejected: t.rejected,
                warnings: t.warnings,
                bytes: t.bytes,
                codes: Codes(t),
                dropped: self.dropped,
                forwarded: self.forward.map(|f| f.1),
                forward_errors: self.forward.map(|f| f.2),
            },
        };
        serde_json::to_writer(&mut *w, &line).map_err(io::Error::from)?;
        writeln!(w)
    }
}

/// Whether to color: `--color`, the format, a terminal on standard output and `NO_COLOR`.
pub fn use_color(color: ColorArg, format: Format, terminal: bool, no_color: bool) -> bool {
    format == Format::Text
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
        format: args.format,
        quiet: args.quiet,
        color,
    };
    let mut inspector = Inspector::new(args.validation.options(), style, format!("udp:{local}"));
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
        Err(e) => return output_failed(&e, err),
    };
    let summary = Summary {
        tally: inspector.tally(),
        forward: forward.as_ref().map(|f| (f.target(), f.sent(), f.errors())),
        dropped: listener.dropped(),
        elapsed: span.elapsed(),
    };
    let written = match args.format {
        Format::Text => summary.write_text(out),
        Format::Json => summary.write_json(out),
    }
    .and_then(|()| out.flush());
    match written {
        Ok(()) => exit::OK,
        Err(e) => output_failed(&e, err),
    }
}

/// Standard output failed: say so, unless the reader went away (`xseg listen | head`).
fn output_failed(e: &io::Error, err: &mut impl Write) -> u8 {
    if e.kind() != io::ErrorKind::BrokenPipe {
        let _ = writeln!(err, "xseg: cannot write the report: {e}");
    }
    exit::TROUBLE
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;
    use xseg::Profile;

    const HEADER: &str = "{\"format\":\"json\",\"version\":1}\n";
    const GOOD: &str = r#"{"name":"checkout","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#;
    const PEER: &str = "127.0.0.1:40312";
    const LABEL: &str = "udp:127.0.0.1:2000";

    fn style(format: Format) -> Style {
        Style {
            format,
            quiet: false,
            color: false,
        }
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
                "{{\"file\":\"{LABEL}\",\"Id\":\"70de5b6f19ff9a0a\",\"ErrorCode\":\"InvalidName\",\"Message\":\"Invalid segment. ErrorCode: InvalidName\",\"pointer\":\"/name\",\"offset\":{name_at},\"detail\":\"`name` contains a character outside the allowed set\",\"peer\":\"{PEER}\",\"datagram\":2}}\n"
            ),
            format!(
                "{{\"file\":\"{LABEL}\",\"ErrorCode\":\"InvalidHeader\",\"Message\":\"Invalid datagram. ErrorCode: InvalidHeader\",\"pointer\":\"\",\"offset\":27,\"detail\":\"header `version` is not 1\",\"peer\":\"{PEER}\",\"datagram\":3}}\n"
            ),
            format!(
                "{{\"file\":\"{LABEL}\",\"ErrorCode\":\"MissingBody\",\"Message\":\"Invalid datagram. ErrorCode: MissingBody\",\"pointer\":\"\",\"offset\":29,\"detail\":\"datagram has no newline between header and body\",\"peer\":\"{PEER}\",\"datagram\":4}}\n"
            ),
            format!(
                "{{\"file\":\"{LABEL}\",\"ErrorCode\":\"MissingBody\",\"Message\":\"Invalid datagram. ErrorCode: MissingBody\",\"pointer\":\"\",\"offset\":30,\"detail\":\"datagram has an empty body\",\"peer\":\"{PEER}\",\"datagram\":5}}\n"
            ),
            format!(
                "{{\"file\":\"{LABEL}\",\"Id\":\"70DE5B6F19FF9A0A\",\"warning\":\"UppercaseId\",\"pointer\":\"/id\",\"offset\":{id_at},\"detail\":\"`id` has upper-case hex digits\",\"peer\":\"{PEER}\",\"datagram\":6}}\n"
            ),
        ];
        assert_eq!(lines, want);
        let t = ins.tally();
        assert_eq!(
            (t.received, t.accepted, t.rejected, t.warnings),
            (6, 2, 4, 1)
        );
        assert_eq!(t.code("MissingBody"), 2);
        assert_eq!(t.code("InvalidHeader"), 1);
        assert_eq!(t.code("InvalidName"), 1);
        assert_eq!(t.by_code.iter().sum::<u64>(), 4);
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
        // As in `xseg check`, the finding is also listed as the warning it is under `service`.
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["warning"], "UppercaseId");
        assert_eq!(lines[1]["offset"], lines[0]["offset"]);
        let t = ins.tally();
        assert_eq!((t.accepted, t.rejected), (0, 1));
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

    #[test]
    fn summaries() {
        let mut ins = inspector(Profile::Service, style(Format::Json));
        inspect_all(&mut ins, &mixed());
        let bytes = ins.tally().bytes;
        let s = Summary {
            tally: ins.tally(),
            forward: None,
            dropped: None,
            elapsed: Duration::from_millis(2),
        };
        let mut out = Vec::new();
        s.write_text(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!(
                "6 datagrams received: 2 accepted, 4 rejected, 1 warning\n  \
                 MissingBody       2\n  \
                 InvalidHeader     1\n  \
                 InvalidName       1\n\
                 0.000{bytes} MB in 0.002 s from the first datagram to the last: 3000 datagrams/s\n"
            )
        );
        let mut out = Vec::new();
        s.write_json(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("{{\"summary\":{{\"received\":6,\"accepted\":2,\"rejected\":4,\"warnings\":1,\"bytes\":{bytes},\"ErrorCode\":{{\"MissingBody\":2,\"InvalidHeader\":1,\"InvalidName\":1}}}}}}\n")
        );
        let empty = Tally::default();
        let s = Summary {
            tally: &empty,
            forward: Some(("127.0.0.1:2001".parse().unwrap(), 1, 1)),
            dropped: Some(3),
            elapsed: Duration::ZERO,
        };
        let mut out = Vec::new();
        s.write_text(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "0 datagrams received: 0 accepted, 0 rejected, 0 warnings\n\
             3 datagrams dropped by the system before they were read (socket receive buffer full)\n\
             forwarded 1 datagram to 127.0.0.1:2001, 1 send error\n\
             0.000 MB in 0.000 s from the first datagram to the last: 0 datagrams/s\n"
        );
        let mut out = Vec::new();
        s.write_json(&mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"summary\":{\"received\":0,\"accepted\":0,\"rejected\":0,\"warnings\":0,\"bytes\":0,\"ErrorCode\":{},\"dropped\":3,\"forwarded\":1,\"forward_errors\":1}}\n"
        );
    }

    #[test]
    fn codes_in_summary_order() {
        assert_eq!(code_name(0), Some("MissingBody"));
        assert_eq!(code_name(1), Some("InvalidHeader"));
        assert_eq!(code_name(2), Some("ParseError"));
        assert_eq!(code_name(CODE_COUNT - 1), Some("InvalidSegment"));
        assert_eq!(code_name(CODE_COUNT), None);
        assert_eq!(
            code_index("InvalidName"),
            Some(2 + ErrorCode::InvalidName.index())
        );
        assert_eq!(code_index("Nope"), None);
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
        assert!(use_color(ColorArg::Auto, Format::Text, true, false));
        assert!(!use_color(ColorArg::Auto, Format::Text, true, true));
        assert!(!use_color(ColorArg::Auto, Format::Text, false, false));
        assert!(use_color(ColorArg::Always, Format::Text, false, true));
        assert!(!use_color(ColorArg::Always, Format::Json, true, false));
        assert!(!use_color(ColorArg::Never, Format::Text, true, false));
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
        assert_eq!(l.format, Format::Text);
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
        assert_eq!(ins.tally().received, 5);
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
        assert_eq!(ins.tally().received, 0);
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
