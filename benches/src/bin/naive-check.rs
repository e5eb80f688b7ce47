//! `naive-check FILE`: the naive validator (serde_json into a borrowed struct plus the basic
//! checks) over an NDJSON file on one thread, for whole-process comparisons with
//! `xseg check --jobs 1 --quiet FILE` under `hyperfine`.
//!
//! The file is read line by line through a buffered reader into one reused line buffer. Daemon
//! header lines and blank lines are skipped, with the same header test `xseg check` uses.
//! Prints documents, accepted, rejected, bytes, seconds (reading included) and MB/s; exits 1
//! when a document was rejected and 2 on a usage or read error.

use std::fs::File;
use std::io::{BufRead, BufReader, Write as _};
use std::process::ExitCode;
use std::time::Instant;

use xseg::Validator;
use xseg_benches::baseline::serde_struct;

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let (Some(path), None) = (args.next(), args.next()) else {
        eprintln!("usage: naive-check FILE.ndjson");
        return ExitCode::from(2);
    };
    let shown = path.to_string_lossy().into_owned();
    let t = Instant::now();
    let file = match File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("naive-check: {shown}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut reader = BufReader::with_capacity(1 << 16, file);
    let mut headers = Validator::default();
    let mut buf = Vec::with_capacity(1 << 16);
    let (mut docs, mut accepted, mut doc_bytes) = (0u64, 0u64, 0u64);
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) => {}
            Err(e) => {
                eprintln!("naive-check: {shown}: {e}");
                return ExitCode::from(2);
            }
        }
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) || headers.is_daemon_header(line) {
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
