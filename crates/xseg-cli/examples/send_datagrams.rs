//! Load generator for `xseg listen`: sends daemon datagrams taken from NDJSON captures (such as
//! `corpus/samples/*.ndjson`, where each document is a `header` line and a `body` line) to a
//! loopback address, as fast as it can or at a given rate, and tells how many it sent.
//!
//! ```text
//! cargo run --release -p xseg-cli --example send_datagrams -- \
//!     --to 127.0.0.1:2000 --count 200000 corpus/samples/python.ndjson corpus/samples/node.ndjson
//! ```
//!
//! Only loopback addresses are accepted: this is a benchmark tool, not a traffic source.

use std::error::Error;
use std::net::{SocketAddr, UdpSocket};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Parser;

/// Send daemon datagrams from NDJSON captures to a loopback address.
#[derive(Debug, Parser)]
struct Args {
    /// Where to send (a loopback address).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:2000")]
    to: SocketAddr,
    /// Datagrams to send, cycling through those of the files.
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    count: u64,
    /// Datagrams per second; 0 sends as fast as possible.
    #[arg(long, value_name = "N", default_value_t = 0)]
    rate: u64,
    /// NDJSON captures: a daemon header line before each document line.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
}

/// The datagrams of a capture: each header line joined to the line after it.
fn datagrams(text: &[u8]) -> Vec<Vec<u8>> {
    let lines: Vec<&[u8]> = text.split(|&b| b == b'\n').collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let (Some(header), Some(body)) = (lines.get(i), lines.get(i + 1)) {
        if xseg::is_daemon_header(header) && !body.is_empty() {
            let mut d = Vec::with_capacity(header.len() + 1 + body.len());
            d.extend_from_slice(header);
            d.push(b'\n');
            d.extend_from_slice(body);
            out.push(d);
            i += 2;
        } else {
            i += 1;
        }
    }
    out
}

fn main() -> Result<(), Box<dyn Error>> {
    let args = Args::parse();
    if !args.to.ip().is_loopback() {
        return Err(format!("{} is not a loopback address", args.to).into());
    }
    let mut all = Vec::new();
    for file in &args.files {
        all.extend(datagrams(&std::fs::read(file)?));
    }
    if all.is_empty() {
        return Err("no datagrams in the files".into());
    }
    let socket = UdpSocket::bind(SocketAddr::new(args.to.ip(), 0))?;
    socket.connect(args.to)?;
    let gap = (args.rate > 0).then(|| Duration::from_secs_f64(1.0 / args.rate as f64));
    let start = Instant::now();
    let (mut sent, mut bytes, mut failed) = (0u64, 0u64, 0u64);
    for (n, d) in (0..args.count).zip(all.iter().cycle()) {
        if let Some(gap) = gap {
            let due = start + gap.mul_f64(n as f64);
            while Instant::now() < due {
                std::hint::spin_loop();
            }
        }
        match socket.send(d) {
            Ok(_) => {
                sent += 1;
                bytes += d.len() as u64;
            }
            Err(_) => failed += 1,
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "sent {sent} datagrams ({bytes} bytes, {} distinct) in {secs:.3} s: {:.0} datagrams/s; {failed} failed",
        all.len(),
        sent as f64 / secs.max(f64::MIN_POSITIVE)
    );
    Ok(())
}
