//! `xseg check`: validate NDJSON document streams and report.

use std::cell::Cell;
use std::io::{self, Read, Write};
use std::time::Instant;

use xseg_batch::{Batch, Counters, StreamConfig, StreamError, StreamItem};

use crate::args::{CheckArgs, Format};
use crate::exit;
use crate::input::Source;
use crate::progress::Progress;
use crate::report::{write_more_warnings, Rejected, Summary, Warned};

/// What to print for each document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Style {
    /// Text or JSON lines.
    pub format: Format,
    /// Only the summary.
    pub quiet: bool,
}

/// Writes the report lines of one stream document: its rejection, if any, and (in text) its
/// warnings. Offsets are offsets in the stream; pointers are computed on the document.
///
/// # Errors
///
/// Errors of the writer.
pub fn write_item(
    w: &mut impl Write,
    label: &str,
    item: &StreamItem<'_>,
    style: Style,
) -> io::Result<()> {
    if style.quiet {
        return Ok(());
    }
    let result = item.result();
    if let Some(error) = result.outcome().error() {
        let location = error.locate(item.document(), 0);
        let id = result.outcome().id();
        let rejected = Rejected {
            file: label,
            line: Some(item.line()),
            id: id.as_deref(),
            code: error.code().as_str(),
            message: error.message(),
            pointer: &location.pointer,
            offset: item.offset() + error.offset() as u64,
            detail: error.kind().description(),
        };
        match style.format {
            Format::Text => rejected.write_text(w)?,
            Format::Json => rejected.write_json(w)?,
        }
    }
    if style.format == Format::Text && result.warnings() > 0 {
        let kept = item.warnings().as_slice();
        for warning in kept {
            let location = warning.locate(item.document(), 0);
            Warned {
                file: label,
                line: Some(item.line()),
                detail: warning.kind().description(),
                pointer: &location.pointer,
                offset: item.offset() + warning.offset() as u64,
            }
            .write_text(w)?;
        }
        let more = result.warnings().saturating_sub(kept.len());
        if more > 0 {
            write_more_warnings(w, label, Some(item.line()), more)?;
        }
    }
    Ok(())
}

/// Counts the bytes read through it, even when a later read fails.
struct Counted<'c, R> {
    inner: R,
    count: &'c Cell<u64>,
}

impl<R: Read> Read for Counted<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Runs the command over `sources`, printing the report to `out` and problems with the
/// inputs to `err`; returns the exit status.
pub fn run(args: &CheckArgs, out: &mut impl Write, err: &mut impl Write) -> u8 {
    let sources = Source::all(&args.files);
    let total: Option<u64> = sources.iter().map(Source::size).sum();
    let mut progress = Progress::for_stderr(total);
    let status = check_sources(args, &sources, out, err, &mut progress);
    progress.finish();
    status
}

/// [`run`] with the sources and the progress bar given.
pub fn check_sources(
    args: &CheckArgs,
    sources: &[Source],
    out: &mut impl Write,
    err: &mut impl Write,
    progress: &mut Progress,
) -> u8 {
    let start = Instant::now();
    let mut batch = match Batch::with_jobs(args.validation.options(), args.jobs()) {
        Ok(batch) => batch,
        Err(e) => {
            let _ = writeln!(err, "xseg: {e}");
            return exit::TROUBLE;
        }
    };
    let config = StreamConfig::new().with_chunk_bytes(args.chunk_bytes);
    let style = Style {
        format: args.format,
        quiet: args.quiet,
    };
    let mut counters = Counters::default();
    let mut bytes_done = 0u64;
    let mut trouble = false;
    let mut line = Vec::new();
    for source in sources {
        let label = source.label();
        let reader = match source.open() {
            Ok(reader) => reader,
            Err(e) => {
                let _ = writeln!(err, "xseg: cannot open {label}: {e}");
                trouble = true;
                continue;
            }
        };
        let read = Cell::new(0u64);
        let counted = Counted {
            inner: reader,
            count: &read,
        };
        let result = batch.check_stream(counted, &config, |item| {
            counters.record(
                item.result(),
                usize::try_from(item.len()).unwrap_or(usize::MAX),
            );
            line.clear();
            write_item(&mut line, &label, item, style)?;
            progress.set(bytes_done + item.offset() + item.len());
            if line.is_empty() {
                Ok(())
            } else {
                progress.write(out, &line)
            }
        });
        bytes_done += read.get();
        progress.set(bytes_done);
        match result {
            Ok(_) => {}
            Err(StreamError::Read(e)) => {
                let _ = writeln!(err, "xseg: error reading {label}: {e}");
                trouble = true;
            }
            Err(StreamError::Sink(e)) => return output_failed(&e, err),
        }
    }
    let summary = Summary {
        counters,
        bytes: bytes_done,
        elapsed: start.elapsed(),
    };
    line.clear();
    let written = match args.format {
        Format::Text => summary.write_text(&mut line),
        Format::Json => summary.write_json(&mut line),
    }
    .and_then(|()| progress.write(out, &line))
    .and_then(|()| out.flush());
    if let Err(e) = written {
        return output_failed(&e, err);
    }
    if trouble {
        exit::TROUBLE
    } else if summary.counters.rejected > 0 {
        exit::REJECTED
    } else {
        exit::OK
    }
}

/// Standard output failed: say so, unless the reader went away (`xseg check | head`).
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
    use std::path::PathBuf;
    use xseg::Options;

    const GOOD: &str = r#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#;

    fn lines(input: &str, style: Style) -> String {
        let mut batch = Batch::sequential(Options::default());
        let mut out = Vec::new();
        batch
            .check_stream(input.as_bytes(), &StreamConfig::new(), |item| {
                write_item(&mut out, "in", item, style)
            })
            .unwrap();
        String::from_utf8(out).unwrap()
    }

    const TEXT: Style = Style {
        format: Format::Text,
        quiet: false,
    };
    const JSON: Style = Style {
        format: Format::Json,
        quiet: false,
    };

    #[test]
    fn items_as_text() {
        let sub = GOOD.replace(
            "\"end_time\":2}",
            "\"end_time\":2,\"subsegments\":[{\"name\":\"a,b\",\"id\":\"1111111111111111\",\"start_time\":1,\"end_time\":2}]}",
        );
        let upper = GOOD.replace("70de5b6f19ff9a0a", "70DE5B6F19FF9A0A");
        let input = format!("{GOOD}\n{sub}\n\nnope\n{upper}\n");
        let sub_at = GOOD.len() + 1;
        let name_at = sub_at + sub.find("\"a,b\"").unwrap();
        let nope_at = sub_at + sub.len() + 2;
        let upper_at = nope_at + 5;
        assert_eq!(
            lines(&input, TEXT),
            format!(
                "in:2: 70de5b6f19ff9a0a InvalidName \u{2014} `name` contains a character outside the allowed set at /subsegments/0/name (byte {name_at})\n\
                 in:4: - ParseError \u{2014} invalid literal (byte {nope_at})\n\
                 in:5: warning: `id` has upper-case hex digits at /id (byte {})\n",
                upper_at + upper.find("\"70DE").unwrap()
            )
        );
        assert_eq!(
            lines(
                &input,
                Style {
                    quiet: true,
                    ..TEXT
                }
            ),
            ""
        );
    }

    #[test]
    fn items_as_json() {
        let input = format!("{GOOD}\n{{\"id\":\"x\\u0022\"}}\n");
        let at = GOOD.len() + 1;
        assert_eq!(
            lines(&input, JSON),
            format!(
                "{{\"file\":\"in\",\"line\":2,\"Id\":\"x\\\"\",\"ErrorCode\":\"InvalidId\",\"Message\":\"Invalid segment. ErrorCode: InvalidId\",\"pointer\":\"/id\",\"offset\":{},\"detail\":\"`id` is not 16 hex digits\"}}\n",
                at + 6
            )
        );
    }

    #[test]
    fn more_warnings_than_kept() {
        let annotations: Vec<String> = (0..20).map(|i| format!("\"bad key {i}\":1")).collect();
        let doc = GOOD.replace(
            "\"end_time\":2}",
            &format!(
                "\"end_time\":2,\"annotations\":{{{}}}}}",
                annotations.join(",")
            ),
        );
        let text = lines(&doc, TEXT);
        let got: Vec<&str> = text.lines().collect();
        assert_eq!(got.len(), xseg::limits::MAX_WARNINGS + 1);
        assert_eq!(
            got[xseg::limits::MAX_WARNINGS],
            "in:1: warning: 4 more warnings not shown"
        );
        assert!(got[0].starts_with("in:1: warning: annotation key is not"));
    }

    fn args(argv: &[&str]) -> CheckArgs {
        let mut full = vec!["xseg", "check"];
        full.extend_from_slice(argv);
        match Cli::parse_from(full).command {
            Command::Check(c) => c,
            _ => panic!("check"),
        }
    }

    fn temp(name: &str, contents: &str) -> PathBuf {
        let path = std::env::temp_dir().join(format!("xseg-check-{}-{name}", std::process::id()));
        std::fs::write(&path, contents).unwrap();
        path
    }

    fn check(argv: &[&str], sources: &[Source]) -> (u8, String, String) {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let mut progress = Progress::new(None, false);
        let status = check_sources(&args(argv), sources, &mut out, &mut err, &mut progress);
        (
            status,
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
        )
    }

    #[test]
    fn exit_status_and_summary() {
        let good = temp("good", &format!("{GOOD}\n{GOOD}"));
        let bad = temp("bad", "[]\n");
        let g = Source::File(good.clone());
        let b = Source::File(bad.clone());
        let (status, out, err) = check(&["--format", "json", "-j", "1"], std::slice::from_ref(&g));
        assert_eq!(status, exit::OK);
        assert_eq!(err, "");
        let bytes = 2 * GOOD.len() + 1;
        assert_eq!(
            out,
            format!("{{\"summary\":{{\"documents\":2,\"accepted\":2,\"rejected\":0,\"warnings\":0,\"bytes\":{bytes}}}}}\n")
        );
        let (status, out, _) = check(
            &["--format", "json", "-q", "-j", "2"],
            &[g.clone(), b.clone()],
        );
        assert_eq!(status, exit::REJECTED);
        assert_eq!(
            out,
            format!("{{\"summary\":{{\"documents\":3,\"accepted\":2,\"rejected\":1,\"warnings\":0,\"bytes\":{}}}}}\n", bytes + 3)
        );
        let missing = Source::File("/nonexistent/x.ndjson".into());
        let (status, out, err) = check(&["-q"], &[missing, b]);
        assert_eq!(status, exit::TROUBLE);
        assert!(
            err.starts_with("xseg: cannot open /nonexistent/x.ndjson: "),
            "{err}"
        );
        assert!(
            out.starts_with(
                "1 document: 0 accepted, 1 rejected, 0 warnings\n  MissingId         1\n"
            ),
            "{out}"
        );
        std::fs::remove_file(good).unwrap();
        std::fs::remove_file(bad).unwrap();
    }

    #[test]
    fn output_failures() {
        let mut err = Vec::new();
        assert_eq!(
            output_failed(&io::Error::from(io::ErrorKind::BrokenPipe), &mut err),
            exit::TROUBLE
        );
        assert!(err.is_empty());
        assert_eq!(
            output_failed(&io::Error::other("full"), &mut err),
            exit::TROUBLE
        );
        assert_eq!(
            String::from_utf8(err).unwrap(),
            "xseg: cannot write the report: full\n"
        );
    }
}
