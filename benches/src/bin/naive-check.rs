//! `naive-check FILE`: the naive validator (serde_json into a borrowed struct plus the basic
//! checks) over an NDJSON file on one thread, for whole-process comparisons with
//! `xseg check --jobs 1 --quiet FILE` under `hyperfine`.
//!
//! Daemon header lines and blank lines are skipped, as `xseg check` does. Prints documents,
//! accepted, rejected, bytes, seconds (validation only, reading excluded) and MB/s; exits 1 when
//! a document was rejected and 2 on a usage or read error.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Instant;

use xseg_benches::baseline::serde_struct;
use xseg_benches::corpus::is_header_line;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(path), None) = (args.next(), args.next()) else {
        eprintln!("usage: naive-check FILE.ndjson");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("naive-check: {}: {e}", path.to_string_lossy());
            return ExitCode::from(2);
        }
    };
    let t = Instant::now();
    let (mut docs, mut accepted, mut doc_bytes) = (0u64, 0u64, 0u64);
    for line in bytes.split(|&c| c == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) || is_header_line(line) {
            continue;
        }
        docs += 1;
        doc_bytes += line.len() as u64;
        accepted += u64::from(serde_struct(line));
    }
    let secs = t.elapsed().as_secs_f64();
    let rejected = docs - accepted;
    let mbps = if secs > 0.0 {
        doc_bytes as f64 / secs / 1e6
    } else {
        0.0
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "documents {docs}\naccepted {accepted}\nrejected {rejected}\nbytes {doc_bytes}\nseconds {secs:.6}\nMB/s {mbps:.1}"
    );
    if rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
