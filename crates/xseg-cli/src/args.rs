//! The command line, as clap parses it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use xseg::{Options, Profile};

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
    /// Check NDJSON streams of segment documents, one document per line.
    ///
    /// Daemon header lines and blank lines are skipped. Exit status: 0 when every document
    /// was accepted, 1 when any was rejected, 2 for usage and I/O errors.
    Check(CheckArgs),
    /// Receive daemon datagrams on UDP like the X-Ray daemon, and report every rejection.
    ///
    /// Binds the daemon's address (127.0.0.1:2000 unless --bind says otherwise), checks each
    /// datagram's header and document, prints a line per rejected document and per warning,
    /// and optionally forwards every datagram unchanged to a real daemon. Stops on Ctrl-C,
    /// SIGTERM, --count or --duration, prints a summary and exits 0; 2 for usage errors and
    /// when the address cannot be bound.
    Listen(ListenArgs),
    /// Answer PutTraceSegments over HTTP as the X-Ray service would: a local X-Ray endpoint.
    ///
    /// Serves `POST /TraceSegments` on 127.0.0.1:2001 unless --bind says otherwise; point a
    /// real client at it (boto3 `endpoint_url=`, `aws --endpoint-url`, the daemon's
    /// `--endpoint`). Prints a line per rejection, warning and refused request; Ctrl-C or
    /// SIGTERM finishes the requests in flight and prints a summary. Exit status: 0 when
    /// stopped so, 2 for usage errors and when the address cannot be bound or a file opened.
    Serve(ServeArgs),
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
}

impl ValidationArgs {
    /// The core's options.
    pub fn options(&self) -> Options {
        Options::new(self.profile.into()).max_document_bytes(self.max_document_bytes)
    }
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
    /// The request body; `-` or nothing for standard input.
    #[arg(value_name = "FILE")]
    pub input: Option<PathBuf>,
}

/// The report format of `xseg check`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One line per rejection and warning, then a summary.
    #[default]
    Text,
    /// One JSON object per rejection, then a summary object.
    Json,
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
    /// Print only the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
    /// Bytes read (and validated in parallel) at a time.
    #[arg(long, value_name = "BYTES", default_value_t = xseg_batch::stream::DEFAULT_CHUNK_BYTES,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub chunk_bytes: usize,
    /// NDJSON files; `-` or nothing for standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
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
    /// Also send every datagram, unchanged, to this address (a real daemon).
    #[arg(long, value_name = "HOST:PORT")]
    pub forward: Option<String>,
    /// Report format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
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
    /// Append every accepted document to FILE, one NDJSON line each, before answering.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Append every rejected document to FILE with its answer, one JSON line each.
    #[arg(long, value_name = "FILE")]
    pub rejected: Option<PathBuf>,
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
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Print only the summary.
    #[arg(long, short = 'q')]
    pub quiet: bool,
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
