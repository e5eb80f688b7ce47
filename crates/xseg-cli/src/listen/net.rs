//! The network side of `xseg listen`: the receiving socket, the forwarding socket and the
//! receive loop.
//!
//! The loop reuses one buffer and hands each datagram to the [`Inspector`]; report lines go
//! to a buffered writer that is flushed when no datagram is waiting, so a burst of rejections
//! costs one write per burst rather than one per datagram.

use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use socket2::{Domain, Protocol, Socket, Type};

use super::inspect::Inspector;

/// Size of the receive buffer: one byte more than the largest datagram the daemon takes, so
/// that a datagram which fills it is known to be over the limit (and is reported so by the
/// core). No UDP datagram over IPv4 or IPv6 is that large; the check is there for the rule.
pub const BUFFER_BYTES: usize = xseg::limits::MAX_DATAGRAM_BYTES + 1;

/// How often a waiting receive wakes up to notice a signal or the end of `--duration`.
pub const TICK: Duration = Duration::from_millis(100);

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

/// Receives until `until` says stop: each datagram is repaired when the inspector fixes
/// ([`Inspector::repair`]: the repaired datagram is forwarded in its place) and forwarded
/// first, then inspected as received; its
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
    // With --fix: the repaired datagram and the report of its changes.
    let (mut fixed, mut changes) = (Vec::new(), Vec::new());
    let mut span = Span::default();
    let mut unflushed = false;
    let mut nonblocking = false;
    let mut timeout = TICK;
    let mut reported = Reported::default();
    loop {
        if until.flag.load(Ordering::Relaxed)
            || until
                .count
                .is_some_and(|n| inspector.tally().documents >= n)
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
                changes.clear();
                let repaired = inspector.repair(datagram, peer, &mut fixed, &mut changes)?;
                if let Some(f) = forward.as_deref_mut() {
                    f.send(if repaired { &fixed } else { datagram }, err);
                }
                lines.clear();
                inspector.inspect(datagram, peer, &mut lines)?;
                lines.extend_from_slice(&changes);
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
