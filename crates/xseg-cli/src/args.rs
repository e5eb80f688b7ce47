//! The command line, as clap parses it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use xseg::fix::{FixOptions, Repair};
use xseg::{Options, Profile, TimeWindow};

use crate::input::InputFormat;
pub use crate::report::Format;

/// Exact validation of AWS X-Ray segment documents.
#[derive(Debug, Parser)]
#[command(name = "xseg", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Answer a PutTraceSegments request body as the X-Ray service would.
    ///
    /// Reads the request body `{"TraceSegmentDocuments": [...]}` and prints the response body
    /// `{"UnprocessedTraceSegments": [...]}`. Exit status: 0 when the request was processed,
    /// 3 when the request itself is rejected (InvalidRequestException), 2 for usage and I/O
    /// errors.
    PutTraceSegments(PutArgs),
    /// Check files of segment documents: NDJSON, pretty-printed JSON, requests, captures.
    ///
    /// Reads NDJSON streams (daemon header lines and blank lines are skipped), JSON texts
    /// separated by white space, PutTraceSegments request bodies and length-prefixed datagram
    /// captures, gzip- or zstd-compressed or not; `--input auto` tells them apart. Exit status:
    /// 0 when every document was accepted, 1 when any was rejected, 2 for usage and I/O errors
    /// and for input that is not text.
    Check(CheckArgs),
    /// Repair what the service would reject or drop for cosmetic reasons, and say what changed.
    ///
    /// Reads the same inputs as `check` and writes one NDJSON line per document, in input
    /// order, to standard output or --out: the repaired document, or the original when it
    /// needs no repair or cannot be repaired. Each change and each document left unfixable is
    /// reported on standard error, then a summary. Exit status: 0 when no document is left
    /// unfixable, 1 when some is, 2 for usage and I/O errors and for input that is not text.
    Fix(FixArgs),
    /// Receive daemon datagrams on UDP like the X-Ray daemon, and report every rejection.
    ///
    /// Binds the daemon's address (127.0.0.1:2000 unless --bind says otherwise), checks each
    /// datagram's header and document, prints a line per rejected document and per warning,
    /// and optionally forwards every datagram to a real daemon, unchanged or (--fix) repaired. Stops on Ctrl-C,
    /// SIGTERM, --count or --duration, prints a summary and exits 0; 2 for usage errors and
    /// when the address cannot be bound.
    Listen(ListenArgs),
    /// Answer PutTraceSegments over HTTP as the X-Ray service would: a local X-Ray endpoint.
    ///
    /// Serves `POST /TraceSegments` on 127.0.0.1:2001 unless --bind says otherwise; point a
    /// real client at it (boto3 `endpoint_url=`, `aws --endpoint-url`, the daemon's
    /// `Endpoint` setting). Prints a line per rejection, warning and refused request; Ctrl-C or
    /// SIGTERM finishes the requests in flight and prints a summary. Exit status: 0 when
    /// stopped so, 2 for usage errors and when the address cannot be bound or a file opened.
    Serve(ServeArgs),
    /// Print a shell completion script to standard output.
    ///
    /// For example `xseg completions bash > /etc/bash_completion.d/xseg`, or
    /// `xseg completions zsh > "${fpath[1]}/_xseg"`.
    Completions(CompletionsArgs),
    /// Print the manual page (roff) to standard output: `xseg man | man -l -`.
    Man,
}

/// `xseg completions`.
#[derive(Clone, Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

/// The rule profile.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ProfileArg {
    /// What the X-Ray service accepts; tolerated findings are warnings.
    #[default]
    Service,
    /// Every warning is a rejection.
    Strict,
}

impl From<ProfileArg> for Profile {
    fn from(p: ProfileArg) -> Profile {
        match p {
            ProfileArg::Service => Profile::Service,
            ProfileArg::Strict => Profile::Strict,
        }
    }
}

/// Options shared by the commands that validate documents.
#[derive(Clone, Debug, Args)]
pub struct ValidationArgs {
    /// Rule profile.
    #[arg(long, value_enum, default_value_t = ProfileArg::Service)]
    pub profile: ProfileArg,
    /// Document size limit in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = xseg::limits::MAX_DOCUMENT_BYTES)]
    pub max_document_bytes: usize,
    /// Reject trace ids whose time is older than this (e.g. `30d`, `12h`, `90m`, `45s`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_trace_age: Option<u64>,
    /// Reject trace ids whose time is further ahead than this (e.g. `5m`).
    #[arg(long, value_name = "DURATION", value_parser = parse_duration)]
    pub max_future_skew: Option<u64>,
    /// The current time for the trace-id window, in Unix seconds [default: the clock].
    #[arg(long, value_name = "EPOCH_SECONDS")]
    pub now: Option<u64>,
}

impl ValidationArgs {
    /// The core's options.
    pub fn options(&self) -> Options {
        Options::new(self.profile.into())
            .with_max_document_bytes(self.max_document_bytes)
            .with_time_window(self.time_window())
    }

    /// The trace-id time window: on when `--max-trace-age` or `--max-future-skew` is given
    /// (the other then has no limit), against `--now` or the clock.
    pub fn time_window(&self) -> Option<TimeWindow> {
        if self.max_trace_age.is_none() && self.max_future_skew.is_none() {
            return None;
        }
        let now = self.now.unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| d.as_secs())
        });
        Some(TimeWindow {
            now,
            max_age: self.max_trace_age.unwrap_or(u64::MAX),
            max_future_skew: self.max_future_skew.unwrap_or(u64::MAX),
        })
    }
}

/// A duration in whole seconds: a number with an optional unit, `s`, `m`, `h`, `d` or `w`
/// (`90`, `90s`, `15m`, `12h`, `30d`, `2w`), or several (`1h30m`).
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let bad = || format!("`{s}` is not a duration such as 30d, 12h, 15m or 90s");
    let mut total: u64 = 0;
    let mut rest = s.trim();
    if rest.is_empty() {
        return Err(bad());
    }
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let (number, after) = rest.split_at(digits);
        let n: u64 = number.parse().map_err(|_| bad())?;
        let unit_len = after
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let scale = match unit {
            "" | "s" => 1,
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            "w" => 604_800,
            _ => return Err(bad()),
        };
        total = n
            .checked_mul(scale)
            .and_then(|v| total.checked_add(v))
            .ok_or_else(bad)?;
        rest = next;
    }
    Ok(total)
}

/// `xseg put-trace-segments`.
#[derive(Clone, Debug, Args)]
pub struct PutArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub validation: ValidationArgs,
    /// Most documents in one request; 0 for no limit.
    #[arg(long, value_name = "N", default_value_t = xseg_batch::request::MAX_DOCUMENTS)]
    pub max_documents: usize,
    /// Also write each rejected document's diagnostic (index, pointer, offset, sentence), or
    /// why the request itself is rejected, to standard error.
    #[arg(long)]
    pub explain: bool,
    /// The request body; `-` or nothing for standard input.
    #[arg(value_name = "FILE")]
    pub input: Option<PathBuf>,
}

/// The report format of commands that report as they receive (`listen`, `serve`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum LiveFormat {
    /// One line per rejection and warning, then a summary.
    #[default]
    Text,
    /// One JSON object per rejection and warning, then a summary object.
    Json,
}

impl From<LiveFormat> for Format {
    fn from(f: LiveFormat) -> Format {
        match f {
            LiveFormat::Text => Format::Text,
            LiveFormat::Json => Format::Json,
        }
    }
}

/// `xseg check`.
#[derive(Clone, Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub validation: ValidationArgs,
    /// Worker threads; 1 validates on the main thread only [default: the number of cores].
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub jobs: Option<u32>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// How to read the input; `auto` decides from its content.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = InputFormat::Auto)]
    pub input: InputFormat,
    /// Print only the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Print the time taken and the throughput to standard error (always done when standard
    /// error is a terminal).
    #[arg(long)]
    pub stats: bool,
    /// Bytes read at a time (NDJSON: at most 1 MiB a round, validated in parallel while the
    /// next round is read; other formats: each chunk validated in parallel).
    #[arg(long, value_name = "BYTES", default_value_t = xseg_batch::stream::DEFAULT_CHUNK_BYTES,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub chunk_bytes: usize,
    /// Also check what the service does to each trace as a whole: its size limit, repeated
    /// ids, annotations past 50, orphan subsegments (docs/TRACES.md).
    #[arg(long)]
    pub trace_checks: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub trace_limits: crate::trace::TraceLimits,
    /// Files, plain, gzip or zstd; `-` or nothing for standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

/// A repair's name, as `--no-fix` takes it.
fn parse_repair(s: &str) -> Result<Repair, String> {
    s.parse::<Repair>().map_err(|e| e.to_string())
}

/// The fixer's options: `validation`, with the repairs named in `no_fix` off.
pub fn fix_options(validation: &ValidationArgs, no_fix: &[Repair]) -> FixOptions {
    no_fix
        .iter()
        .fold(FixOptions::new(validation.options()), |opts, &repair| {
            opts.with_repair(repair, false)
        })
}

/// `xseg fix`.
#[derive(Clone, Debug, Args)]
pub struct FixArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub validation: ValidationArgs,
    /// Do not make this repair: name, annotation-key, annotation-value, id, strict
    /// (repeatable).
    #[arg(long, value_name = "REPAIR", value_parser = parse_repair)]
    pub no_fix: Vec<Repair>,
    /// Write the documents to FILE (created or truncated) instead of standard output.
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Report format (on standard error).
    #[arg(long, value_enum, default_value_t = LiveFormat::Text)]
    pub format: LiveFormat,
    /// How to read the input; `auto` decides from its content.
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = InputFormat::Auto)]
    pub input: InputFormat,
    /// Print only the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Files, plain, gzip or zstd; `-` or nothing for standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

impl FixArgs {
    /// The fixer's options.
    pub fn options(&self) -> FixOptions {
        fix_options(&self.validation, &self.no_fix)
    }
}

/// `--fix` and `--no-fix` of `listen` and `serve`.
#[derive(Clone, Debug, Default, Args)]
pub struct FixFlags {
    /// Repair each document before forwarding it (`listen`) or writing it to --out (`serve`),
    /// and report each change.
    #[arg(long)]
    pub fix: bool,
    /// With --fix: do not make this repair (repeatable).
    #[arg(long, value_name = "REPAIR", value_parser = parse_repair, requires = "fix")]
    pub no_fix: Vec<Repair>,
}

impl FixFlags {
    /// The fixer's options, with --fix.
    pub fn options(&self, validation: &ValidationArgs) -> Option<FixOptions> {
        self.fix.then(|| fix_options(validation, &self.no_fix))
    }
}

/// When to color the text report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum ColorArg {
    /// When standard output is a terminal and `NO_COLOR` is not set.
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// The default address of `xseg listen`: the X-Ray daemon's.
pub const DAEMON_ADDRESS: &str = "127.0.0.1:2000";

/// `xseg listen`.
#[derive(Clone, Debug, Args)]
pub struct ListenArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub validation: ValidationArgs,
    /// UDP address to receive datagrams on; port 0 picks a free port.
    #[arg(long, value_name = "ADDR", default_value = DAEMON_ADDRESS)]
    pub bind: SocketAddr,
    /// Also send every datagram to this address (a real daemon): unchanged, or repaired with
    /// --fix.
    #[arg(long, value_name = "HOST:PORT")]
    pub forward: Option<String>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub fix: FixFlags,
    /// Report format.
    #[arg(long, value_enum, default_value_t = LiveFormat::Text)]
    pub format: LiveFormat,
    /// Print only the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Color the text report.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
    /// Stop after N datagrams.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub count: Option<u64>,
    /// Stop after this many seconds (a decimal number).
    #[arg(long, value_name = "SECONDS", value_parser = parse_seconds)]
    pub duration: Option<Duration>,
    /// Socket receive buffer to ask the system for (SO_RCVBUF), in bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 8 << 20,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub recv_buffer: usize,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub traces: crate::trace::LiveTraceArgs,
}

/// The default address of `xseg serve`.
pub const SERVE_ADDRESS: &str = "127.0.0.1:2001";

/// `xseg serve`.
#[derive(Clone, Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    #[allow(missing_docs)]
    pub validation: ValidationArgs,
    /// TCP address to serve on; port 0 picks a free port. A non-loopback address needs
    /// --access-key-id and --secret-access-key.
    #[arg(long, value_name = "ADDR", default_value = SERVE_ADDRESS)]
    pub bind: SocketAddr,
    /// Append every accepted document to FILE, one NDJSON line each, before answering (with
    /// --fix: every document repaired or needing no repair, as the fixer writes it).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Append every rejected document to FILE with its answer, one JSON line each.
    #[arg(long, value_name = "FILE")]
    pub rejected: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub fix: FixFlags,
    /// Most documents in one request; 0 for no limit.
    #[arg(long, value_name = "N", default_value_t = xseg_batch::request::MAX_DOCUMENTS)]
    pub max_documents: usize,
    /// Answer 429 ThrottledException over N documents a second [default: no limit].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_segments_per_second: Option<u32>,
    /// Largest request body in bytes; larger ones get 413.
    #[arg(long, value_name = "BYTES", default_value_t = xseg_serve::endpoint::DEFAULT_MAX_BODY_BYTES,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_body_bytes: usize,
    /// Verify every request's SigV4 signature with this access key id (needs
    /// --secret-access-key).
    #[arg(long, value_name = "ID", requires = "secret_access_key")]
    pub access_key_id: Option<String>,
    /// The secret key of --access-key-id.
    #[arg(long, value_name = "SECRET", requires = "access_key_id")]
    pub secret_access_key: Option<String>,
    /// Seconds a connection has to send a request head (and may stay idle between requests).
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    pub header_timeout: Duration,
    /// Seconds a request has to send its body.
    #[arg(long, value_name = "SECONDS", default_value = "10", value_parser = parse_seconds)]
    pub body_timeout: Duration,
    /// Most connections served at once; more wait to be accepted.
    #[arg(long, value_name = "N", default_value_t = 256,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub max_connections: usize,
    /// Report format.
    #[arg(long, value_enum, default_value_t = LiveFormat::Text)]
    pub format: LiveFormat,
    /// Print only the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub traces: crate::trace::LiveTraceArgs,
}

/// A positive, finite number of seconds.
fn parse_seconds(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("`{s}` is not a number of seconds"))?;
    if secs.is_nan() || secs <= 0.0 {
        return Err(format!("`{s}` is not a positive number of seconds"));
    }
    Duration::try_from_secs_f64(secs).map_err(|e| format!("`{s}`: {e}"))
}

impl CheckArgs {
    /// The number of worker threads: `--jobs`, else the number of cores.
    pub fn jobs(&self) -> usize {
        match self.jobs {
            Some(n) => n as usize,
            None => std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn check_defaults_and_options() {
        let cli = Cli::try_parse_from(["xseg", "check"]).unwrap();
        let Command::Check(c) = cli.command else {
            panic!("check")
        };
        assert_eq!(c.format, Format::Text);
        assert_eq!(c.validation.profile, ProfileArg::Service);
        assert!(c.files.is_empty());
        assert!(c.jobs() >= 1);
        assert!(!c.quiet);

        let cli = Cli::try_parse_from([
            "xseg",
            "check",
            "--profile",
            "strict",
            "-j",
            "1",
            "--format",
            "json",
            "-q",
            "a",
            "-",
        ])
        .unwrap();
        let Command::Check(c) = cli.command else {
            panic!("check")
        };
        assert_eq!(c.jobs(), 1);
        assert_eq!(c.format, Format::Json);
        assert_eq!(c.validation.options().profile(), Profile::Strict);
        assert!(c.quiet);
        assert_eq!(c.files, [PathBuf::from("a"), PathBuf::from("-")]);
        assert!(Cli::try_parse_from(["xseg", "check", "--jobs", "0"]).is_err());
        assert!(Cli::try_parse_from(["xseg", "check", "--format", "xml"]).is_err());
        assert!(Cli::try_parse_from(["xseg", "check", "--chunk-bytes", "0"]).is_err());
    }

    #[test]
    fn fix_defaults_and_options() {
        let cli = Cli::try_parse_from(["xseg", "fix"]).unwrap();
        let Command::Fix(f) = cli.command else {
            panic!("fix")
        };
        assert_eq!(
            (f.format, f.input, f.quiet),
            (LiveFormat::Text, InputFormat::Auto, false)
        );
        assert_eq!(f.out, None);
        assert_eq!(f.options(), FixOptions::new(Options::default()));
        let cli = Cli::try_parse_from([
            "xseg",
            "fix",
            "--no-fix",
            "name",
            "--no-fix",
            "id",
            "--profile",
            "strict",
            "-o",
            "fixed.ndjson",
            "--format",
            "json",
            "a.ndjson.gz",
        ])
        .unwrap();
        let Command::Fix(f) = cli.command else {
            panic!("fix")
        };
        let opts = f.options();
        assert!(!opts.repair(Repair::Name) && !opts.repair(Repair::Id));
        assert!(opts.repair(Repair::AnnotationKey) && opts.repair(Repair::Strict));
        assert_eq!(opts.validation().profile(), Profile::Strict);
        assert_eq!(f.out, Some(PathBuf::from("fixed.ndjson")));
        assert_eq!(f.files, [PathBuf::from("a.ndjson.gz")]);
        let e = Cli::try_parse_from(["xseg", "fix", "--no-fix", "names"]).unwrap_err();
        assert!(e.to_string().contains("unknown repair `names`"), "{e}");
        assert!(Cli::try_parse_from(["xseg", "fix", "--format", "sarif"]).is_err());
    }

    #[test]
    fn fix_flags_of_listen_and_serve() {
        for command in ["listen", "serve"] {
            let validation = |cli: Cli| match cli.command {
                Command::Listen(l) => (l.fix.options(&l.validation), l.fix),
                Command::Serve(s) => (s.fix.options(&s.validation), s.fix),
                _ => panic!("{command}"),
            };
            let (opts, _) = validation(Cli::try_parse_from(["xseg", command]).unwrap());
            assert_eq!(opts, None);
            let (opts, flags) = validation(
                Cli::try_parse_from(["xseg", command, "--fix", "--no-fix", "annotation-value"])
                    .unwrap(),
            );
            let opts = opts.expect("--fix");
            assert!(
                flags.fix && !opts.repair(Repair::AnnotationValue) && opts.repair(Repair::Name)
            );
            // --no-fix without --fix is a usage error
            assert!(Cli::try_parse_from(["xseg", command, "--no-fix", "id"]).is_err());
        }
    }

    #[test]
    fn put_defaults_and_options() {
        let cli = Cli::try_parse_from(["xseg", "put-trace-segments"]).unwrap();
        let Command::PutTraceSegments(p) = cli.command else {
            panic!("put")
        };
        assert_eq!(p.max_documents, 50);
        assert_eq!(p.input, None);
        assert_eq!(p.validation.options(), Options::default());
        let cli = Cli::try_parse_from([
            "xseg",
            "put-trace-segments",
            "--max-documents",
            "0",
            "r.json",
        ])
        .unwrap();
        let Command::PutTraceSegments(p) = cli.command else {
            panic!("put")
        };
        assert_eq!(p.max_documents, 0);
        assert_eq!(p.input, Some(PathBuf::from("r.json")));
        assert!(Cli::try_parse_from(["xseg", "put-trace-segments", "a", "b"]).is_err());
        assert!(Cli::try_parse_from(["xseg", "put-trace-segments", "--profile", "lax"]).is_err());
    }
}
