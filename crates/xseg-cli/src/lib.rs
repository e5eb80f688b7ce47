//! # xseg-cli — the `xseg` command
//!
//! `xseg put-trace-segments` answers a PutTraceSegments request body as the X-Ray service
//! would; `xseg check` validates files of documents (NDJSON, JSON texts, requests, datagram
//! captures, compressed or not) and reports each rejection and warning, then a summary;
//! `xseg listen` receives daemon datagrams on UDP, as the X-Ray daemon does, and reports each
//! rejection and warning as they arrive; `xseg fix` repairs what can be repaired and writes one
//! NDJSON line per document, reporting each change; `xseg completions` and `xseg man` print shell
//! completions and the manual page. `docs/CLI.md` in the repository describes every option,
//! output format and exit status.
//!
//! The modules hold the logic so that it can be tested and reused: [`report`] is the one
//! printer of every command (text, JSON, SARIF, GitHub workflow commands) and
//! [`report::document`] turns a validated document into its findings; [`input`] opens,
//! decompresses and sorts the inputs of `check`; [`trace`] runs the trace-level checks of
//! `check --trace-checks`, `listen` and `serve` and reports their findings.
//!
//! ```
//! use clap::Parser;
//! use xseg_cli::args::{Cli, Command};
//!
//! let cli = Cli::parse_from(["xseg", "check", "--format", "json", "traces.ndjson"]);
//! assert!(matches!(cli.command, Command::Check(_)));
//! ```

#![deny(missing_docs)]

pub mod args;
pub mod check;
pub mod fix;
pub mod input;
pub mod listen;
pub mod progress;
pub mod put;
pub mod report;
pub mod serve;
pub mod trace;

use std::io;
use std::process::ExitCode;

use args::{Cli, Command};

/// Exit statuses.
pub mod exit {
    /// Success: every document accepted (`check`), the request processed
    /// (`put-trace-segments`), or the listener stopped as asked (`listen`).
    pub const OK: u8 = 0;
    /// `check`: at least one document was rejected; `fix`: at least one document is left
    /// unfixable.
    pub const REJECTED: u8 = 1;
    /// A usage or I/O error.
    pub const TROUBLE: u8 = 2;
    /// `put-trace-segments`: the request was rejected as a whole (InvalidRequestException).
    pub const INVALID_REQUEST: u8 = 3;
}

/// Runs a parsed command line with the process's standard output and error.
pub fn run(cli: &Cli) -> ExitCode {
    let stdout = io::stdout();
    let mut out = io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut err = io::stderr().lock();
    let status = match &cli.command {
        Command::PutTraceSegments(args) => put::run(args, &mut out, &mut err),
        Command::Check(args) => check::run(args, &mut out, &mut err),
        Command::Fix(args) => fix::run(args, &mut out, &mut err),
        Command::Listen(args) => listen::run(args, &mut out, &mut err),
        Command::Completions(args) => completions(args.shell, &mut out, &mut err),
        Command::Man => man(&mut out, &mut err),
        Command::Serve(args) => serve::run(args, &mut out, &mut err),
    };
    ExitCode::from(status)
}

/// Writes the completion script for `shell` (`clap_complete`).
pub fn completions(
    shell: clap_complete::Shell,
    out: &mut impl io::Write,
    err: &mut impl io::Write,
) -> u8 {
    use clap::CommandFactory;
    let mut command = Cli::command();
    clap_complete::generate(shell, &mut command, "xseg", out);
    finish_output(out, err)
}

/// Writes the manual page, roff (`clap_mangen`).
pub fn man(out: &mut impl io::Write, err: &mut impl io::Write) -> u8 {
    use clap::CommandFactory;
    let page = clap_mangen::Man::new(Cli::command());
    match page.render(out) {
        Ok(()) => finish_output(out, err),
        Err(e) => report::output_failed(&e, err),
    }
}

fn finish_output(out: &mut impl io::Write, err: &mut impl io::Write) -> u8 {
    match out.flush() {
        Ok(()) => exit::OK,
        Err(e) => report::output_failed(&e, err),
    }
}
