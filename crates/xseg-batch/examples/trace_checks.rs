//! Trace-level checks over NDJSON document streams, with the library alone.
//!
//! ```sh
//! cargo run --release -p xseg-batch --example trace_checks -- corpus/samples/*.ndjson
//! cargo run --release -p xseg-batch --example trace_checks -- --jobs 2 --max-trace-bytes 100000 FILE...
//! ```
//!
//! Every file is one input: its documents are validated in parallel ([`Batch::validate_traced`],
//! which also reads each accepted document's trace facts), then the trace checks run over the
//! results in input order ([`TraceChecker::check_in_order`]), so the findings are the same for
//! any `--jobs`. Prints one line per finding (`file:line: id Name — sentence`) and a summary.
//! Blank lines and daemon header lines are skipped, as `xseg check` does (RULES.md §1).

use std::process::ExitCode;

use xseg::Options;
use xseg_batch::{Batch, TraceChecker, TraceConfig, TraceFinding};

/// Documents validated per parallel pass.
const PASS: usize = 4096;

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let mut jobs = 0;
    let mut config = TraceConfig::new();
    let mut files = Vec::new();
    while let Some(arg) = args.next() {
        let mut number = |name: &str| -> Option<u64> {
            let n = args.next().and_then(|v| v.parse().ok());
            if n.is_none() {
                eprintln!("trace_checks: {name} needs a number");
            }
            n
        };
        match arg.as_str() {
            "--jobs" => match number("--jobs") {
                Some(n) => jobs = n as usize,
                None => return ExitCode::from(2),
            },
            "--max-trace-bytes" => match number("--max-trace-bytes") {
                Some(n) => config = config.with_max_trace_bytes(n),
                None => return ExitCode::from(2),
            },
            "--max-open-traces" => match number("--max-open-traces") {
                Some(n) => config = config.with_max_open_traces(n as usize),
                None => return ExitCode::from(2),
            },
            _ => files.push(arg),
        }
    }
    if files.is_empty() {
        eprintln!(
            "usage: trace_checks [--jobs N] [--max-trace-bytes N] [--max-open-traces N] FILE..."
        );
        return ExitCode::from(2);
    }
    let mut batch = match Batch::with_jobs(Options::default(), jobs) {
        Ok(batch) => batch,
        Err(e) => {
            eprintln!("trace_checks: {e}");
            return ExitCode::from(2);
        }
    };
    let mut status = ExitCode::SUCCESS;
    for file in &files {
        let data = match std::fs::read(file) {
            Ok(data) => data,
            Err(e) => {
                eprintln!("trace_checks: cannot read {file}: {e}");
                status = ExitCode::from(2);
                continue;
            }
        };
        // The documents and their 1-based line numbers.
        let mut header = xseg::Validator::default();
        let (lines, docs): (Vec<u64>, Vec<&[u8]>) = data
            .split(|&b| b == b'\n')
            .zip(1u64..)
            .filter(|(line, _)| {
                !line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r'))
                    && !header.is_daemon_header(line)
            })
            .map(|(line, n)| (n, line))
            .unzip();
        let mut checker = TraceChecker::new(config);
        let mut findings: Vec<TraceFinding<u64>> = Vec::new();
        let (mut accepted, mut rejected) = (0u64, 0u64);
        for (pass, pass_lines) in docs.chunks(PASS).zip(lines.chunks(PASS)) {
            let results = batch.validate_traced(pass);
            for r in &results {
                if r.checked.outcome().is_accepted() {
                    accepted += 1;
                } else {
                    rejected += 1;
                }
            }
            checker.check_in_order(pass_lines.iter().copied().zip(&results), &mut findings);
        }
        checker.finish(&mut findings);
        for f in &findings {
            let id =
                f.id.map_or_else(|| "-".to_string(), |id| format!("{id:016x}"));
            match f.message() {
                Some(message) => println!(
                    "{file}:{}: {id} {} ({message}) \u{2014} {f}",
                    f.position,
                    f.name()
                ),
                None => println!(
                    "{file}:{}: {id} warning: {} \u{2014} {f}",
                    f.position,
                    f.name()
                ),
            }
        }
        let s = checker.stats();
        println!(
            "{file}: {} documents ({accepted} accepted, {rejected} rejected by the document rules), {} traces; trace findings: {} TraceSizeExceeded, {} DuplicateId, {} TraceAnnotationsOverLimit, {} OrphanSubsegment; {} traces evicted",
            docs.len(),
            s.traces,
            s.size_rejections,
            s.duplicate_ids,
            s.annotations_over_limit,
            s.orphans,
            s.evicted
        );
        if s.size_rejections > 0 {
            status = ExitCode::from(1);
        }
    }
    status
}
