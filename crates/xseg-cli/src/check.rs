//! `xseg check`: validate files of documents in any input format and report through the
//! [printer](crate::report).

use std::cell::Cell;
use std::io::{self, IsTerminal, Read, Write};
use std::time::Instant;

use xseg::{JsonStr, Warnings};
use xseg_batch::request::MAX_DOCUMENTS;
use xseg_batch::stream::MAX_LINE_BYTES;
use xseg_batch::{Batch, Checked, Request, StreamConfig, StreamError, TraceFacts};

use crate::args::CheckArgs;
use crate::exit;
use crate::input::frames::{Frames, FramesError};
use crate::input::texts::{self, Texts};
use crate::input::{sniff, InputFormat, Refused, Source};
use crate::progress::Progress;
use crate::report::document::{
    datagram_message, explain_request, frame_kind, report_oversized, thousands, Place, Report,
};
use crate::report::{self, Extra, Finding, Printer, Style};
use crate::trace::{report_traced, TraceHost};

/// One document's verdict, its kept warnings and, with the trace checks, its trace facts and
/// its `id` as written.
type Verdict<'a> = (
    Checked<'a>,
    Warnings,
    Option<TraceFacts>,
    Option<JsonStr<'a>>,
);

/// The longest JSON text kept whole: room for a request of [`MAX_DOCUMENTS`] documents of the
/// size limit with their escapes (twice their size), at most [`MAX_LINE_BYTES`]. Longer texts
/// are skipped as they are read and reported as too large.
pub fn text_limit(document_limit: usize) -> usize {
    document_limit
        .saturating_mul(2 * MAX_DOCUMENTS)
        .min(MAX_LINE_BYTES)
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

/// Why reading a source stopped.
enum Stop {
    /// The input failed: reported, and the next source is read.
    Input(String),
    /// The output failed: the run ends.
    Output(io::Error),
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Stop {
        Stop::Output(e)
    }
}

/// The state of a run.
struct Checker<'r, W> {
    batch: Batch,
    printer: Printer,
    limit: usize,
    chunk: usize,
    lines: Vec<u8>,
    out: &'r mut W,
    progress: &'r mut Progress,
    /// Raw bytes read before the current source.
    raw_before: u64,
    /// The trace checks, when asked for.
    trace: Option<TraceHost>,
}

impl<W: Write> Checker<'_, W> {
    /// Writes the pending lines.
    fn emit(&mut self) -> io::Result<()> {
        if !self.lines.is_empty() {
            self.progress.write(self.out, &self.lines)?;
            self.lines.clear();
        }
        Ok(())
    }

    /// Validates `docs` in parallel, with their trace facts when the trace checks are on.
    fn validate<'a>(&mut self, docs: &[&'a [u8]]) -> Vec<Verdict<'a>> {
        if self.trace.is_some() {
            self.batch
                .validate_traced_map(docs, |t, w| (t.checked, w.clone(), t.facts, t.id))
        } else {
            self.batch.validate_map(docs, |_, outcome, w| {
                (Checked::new(&outcome, w), w.clone(), None, None)
            })
        }
    }

    fn ndjson(&mut self, label: &str, reader: impl Read, raw: &Cell<u64>) -> Result<(), Stop> {
        let config = StreamConfig::new()
            .with_chunk_bytes(self.chunk)
            .with_trace_facts(self.trace.is_some());
        let limit = self.limit;
        let (printer, lines, progress, out, trace) = (
            &mut self.printer,
            &mut self.lines,
            &mut *self.progress,
            &mut *self.out,
            &mut self.trace,
        );
        let raw_before = self.raw_before;
        let result = self.batch.check_stream(reader, &config, |item| {
            let result = item.result();
            let id = result.outcome().id();
            let error = result.outcome().error();
            let oversized = item.is_oversized();
            report_traced(
                printer,
                trace.as_mut(),
                &Report {
                    source: label,
                    place: Place::Line {
                        line: item.line(),
                        offset: item.offset(),
                    },
                    document: item.document(),
                    base: 0,
                    len: item.len(),
                    error,
                    id: id.as_deref(),
                    warnings: item.warnings(),
                    total_warnings: if oversized { 0 } else { result.warnings() },
                    note: None,
                    extra: &[],
                },
                item.facts(),
                item.id(),
                limit,
                lines,
            )?;
            progress.set(raw_before + raw.get());
            if !lines.is_empty() {
                progress.write(out, lines)?;
                lines.clear();
            }
            Ok(())
        });
        match result {
            Ok(stats) => {
                self.printer.tally_mut().bytes += stats.bytes_read;
                Ok(())
            }
            Err(StreamError::Read(e)) => Err(Stop::Input(format!("error reading {label}: {e}"))),
            Err(StreamError::Sink(e)) => Err(Stop::Output(e)),
        }
    }

    /// Validates `docs` and reports them with their places.
    fn documents(
        &mut self,
        label: &str,
        docs: &[&[u8]],
        places: &[(Place<'_>, u64, Option<String>)],
    ) -> io::Result<()> {
        let results = self.validate(docs);
        for ((doc, (checked, warnings, facts, raw_id)), (place, len, note)) in
            docs.iter().zip(&results).zip(places)
        {
            let id = checked.outcome().id();
            report_traced(
                &mut self.printer,
                self.trace.as_mut(),
                &Report {
                    source: label,
                    place: *place,
                    document: doc,
                    base: 0,
                    len: *len,
                    error: checked.outcome().error(),
                    id: id.as_deref(),
                    warnings,
                    total_warnings: checked.warnings(),
                    note: note.as_deref(),
                    extra: &[],
                },
                facts.as_ref(),
                *raw_id,
                self.limit,
                &mut self.lines,
            )?;
        }
        self.emit()
    }

    /// A request body at `place` (a [`Place::Text`]): the request's verdict, then its
    /// documents.
    fn request(&mut self, label: &str, body: &[u8], place: Place<'_>) -> io::Result<()> {
        self.printer.tally_mut().count("requests", 1);
        let (line, column, offset) = place.start();
        let (line, column) = (line.unwrap_or(1), column.unwrap_or(1));
        let mut copy = body.to_vec();
        let parsed = Request::parse(&mut copy, MAX_DOCUMENTS);
        let request = match parsed {
            Ok(request) => request,
            Err(invalid) => {
                let (kind, detail, at) = explain_request(body, &invalid);
                let (l, c) = texts::advance(line, column, body.get(..at).unwrap_or(body));
                let finding = Finding {
                    detail: &detail,
                    line: Some(l),
                    column: Some(c),
                    offset: Some(offset + at as u64),
                    ..Finding::error(label, "InvalidRequestException", invalid.message(), kind)
                };
                self.printer.finding(&finding, &mut self.lines)?;
                return self.emit();
            }
        };
        let strings = texts::member(body, texts::DOCUMENTS_KEY).and_then(|r| {
            let elements = texts::string_elements(body.get(r.clone())?)?;
            Some(
                elements
                    .into_iter()
                    .map(|e| e.start + r.start..e.end + r.start)
                    .collect::<Vec<_>>(),
            )
        });
        let docs = request.documents();
        let places: Vec<(Place<'_>, u64, Option<String>)> = docs
            .iter()
            .enumerate()
            .map(|(i, doc)| {
                let place = match strings.as_ref().and_then(|s| s.get(i)) {
                    Some(r) if strings.as_ref().is_some_and(|s| s.len() == docs.len()) => {
                        let (l, c) =
                            texts::advance(line, column, body.get(..r.start).unwrap_or(&[]));
                        Place::Escaped {
                            line: l,
                            column: c,
                            offset: offset + r.start as u64,
                            raw: body.get(r.clone()).unwrap_or(&[]),
                        }
                    }
                    _ => place,
                };
                (place, doc.len() as u64, None)
            })
            .collect();
        self.documents(label, docs, &places)
    }

    fn texts(&mut self, label: &str, reader: impl Read, raw: &Cell<u64>) -> Result<(), Stop> {
        let mut splitter = Texts::new(reader, self.chunk, text_limit(self.limit));
        let mut found = Vec::new();
        loop {
            let more = splitter
                .next_chunk(&mut found)
                .map_err(|e| Stop::Input(format!("error reading {label}: {e}")))?;
            let buf = splitter.buffer();
            let mut docs: Vec<&[u8]> = Vec::new();
            let mut places = Vec::new();
            for t in &found {
                let text = buf.get(t.range.clone()).unwrap_or(&[]);
                let place = Place::Text {
                    line: t.line,
                    column: t.column,
                    offset: t.offset,
                };
                let note = if t.unterminated {
                    Some(format!(
                        "this text never closes, so the rest of the input ({} bytes from line {}) was read as part of it and not checked",
                        thousands(t.len),
                        t.line
                    ))
                } else if t.stray {
                    Some(format!(
                        "{} {} up to the next `{{` or `[` were skipped",
                        thousands(t.len),
                        report::plural(t.len, "byte")
                    ))
                } else {
                    None
                };
                if t.oversized {
                    self.documents(label, &docs, &places)?;
                    docs.clear();
                    places.clear();
                    report_oversized(
                        &mut self.printer,
                        label,
                        place,
                        t.len,
                        self.limit.min(MAX_LINE_BYTES),
                        note.as_deref(),
                        &mut self.lines,
                    )?;
                } else if !t.unterminated && xseg::is_daemon_header(text) {
                    // A daemon header, as in NDJSON captures: not a document.
                } else if !t.unterminated && texts::is_request(text) {
                    self.documents(label, &docs, &places)?;
                    docs.clear();
                    places.clear();
                    self.request(label, text, place)?;
                } else {
                    docs.push(text);
                    places.push((place, t.len, note));
                }
            }
            self.documents(label, &docs, &places)?;
            self.progress.set(self.raw_before + raw.get());
            if !more {
                self.printer.tally_mut().bytes += splitter.bytes_read();
                return Ok(());
            }
        }
    }

    fn whole_request(&mut self, label: &str, mut reader: impl Read) -> Result<(), Stop> {
        let mut body = Vec::new();
        reader
            .read_to_end(&mut body)
            .map_err(|e| Stop::Input(format!("error reading {label}: {e}")))?;
        self.printer.tally_mut().bytes += body.len() as u64;
        let place = Place::Text {
            line: 1,
            column: 1,
            offset: 0,
        };
        self.request(label, &body, place)?;
        Ok(())
    }

    fn frames(&mut self, label: &str, reader: impl Read, raw: &Cell<u64>) -> Result<(), Stop> {
        let mut frames = Frames::new(reader, self.chunk);
        let mut found = Vec::new();
        loop {
            let result = frames.next_chunk(&mut found);
            let buf = frames.buffer();
            let mut bodies: Vec<&[u8]> = Vec::new();
            let mut at: Vec<(usize, u64)> = Vec::new();
            let mut rejected: Vec<(usize, xseg::FrameError)> = Vec::new();
            for (i, d) in found.iter().enumerate() {
                let datagram = buf.get(d.range.clone()).unwrap_or(&[]);
                self.printer.tally_mut().bytes += 4 + datagram.len() as u64;
                match xseg::split_datagram(datagram) {
                    Ok(frame) => {
                        bodies.push(frame.body);
                        at.push((i, d.offset + frame.body_offset as u64));
                    }
                    Err(e) => rejected.push((i, e)),
                }
            }
            let results = self.validate(&bodies);
            let (mut next_body, mut next_rejected) = (0, 0);
            for (i, d) in found.iter().enumerate() {
                let extra = [("frame", Extra::Num(d.index))];
                if let Some((_, e)) = rejected.get(next_rejected).filter(|(j, _)| *j == i) {
                    next_rejected += 1;
                    self.printer.tally_mut().verdict(false);
                    let finding = Finding {
                        detail: e.kind().description(),
                        offset: Some(d.offset + e.offset() as u64),
                        extra: &extra,
                        ..Finding::error(
                            label,
                            e.code().as_str(),
                            datagram_message(e),
                            frame_kind(e),
                        )
                    };
                    self.printer.finding(&finding, &mut self.lines)?;
                    continue;
                }
                let (Some(body), Some((checked, warnings, facts, raw_id)), Some(&(_, offset))) = (
                    bodies.get(next_body),
                    results.get(next_body),
                    at.get(next_body),
                ) else {
                    continue;
                };
                next_body += 1;
                let id = checked.outcome().id();
                report_traced(
                    &mut self.printer,
                    self.trace.as_mut(),
                    &Report {
                        source: label,
                        place: Place::Binary { offset },
                        document: body,
                        base: 0,
                        len: body.len() as u64,
                        error: checked.outcome().error(),
                        id: id.as_deref(),
                        warnings,
                        total_warnings: checked.warnings(),
                        note: None,
                        extra: &extra,
                    },
                    facts.as_ref(),
                    *raw_id,
                    self.limit,
                    &mut self.lines,
                )?;
            }
            self.emit()?;
            self.progress.set(self.raw_before + raw.get());
            match result {
                Ok(true) => {}
                Ok(false) => return Ok(()),
                Err(FramesError::Read(e)) => {
                    return Err(Stop::Input(format!("error reading {label}: {e}")))
                }
                Err(e) => return Err(Stop::Input(format!("{label}: {e}"))),
            }
        }
    }
}

/// Runs the command over the files of `args`, printing the report to `out` and problems with
/// the inputs (and, when asked or on a terminal, the throughput) to `err`; returns the exit
/// status.
pub fn run(args: &CheckArgs, out: &mut impl Write, err: &mut impl Write) -> u8 {
    let sources = Source::all(&args.files);
    let typing = sources.contains(&Source::Stdin) && io::stdin().is_terminal();
    if typing {
        let _ = writeln!(
            err,
            "xseg: reading documents from the terminal; end with Ctrl-D (xseg check FILE reads a file)"
        );
    }
    let total: Option<u64> = sources.iter().map(Source::size).sum();
    // No bar while someone types the input.
    let mut progress = if typing {
        Progress::new(None, false)
    } else {
        Progress::for_stderr(total)
    };
    let stats = args.stats || io::stderr().is_terminal();
    let status = check_sources(args, &sources, out, err, &mut progress, stats);
    progress.finish();
    status
}

/// [`run`] with the sources and the progress bar given; `stats` asks for the throughput line.
pub fn check_sources(
    args: &CheckArgs,
    sources: &[Source],
    out: &mut impl Write,
    err: &mut impl Write,
    progress: &mut Progress,
    stats: bool,
) -> u8 {
    let start = Instant::now();
    let options = args.validation.options();
    let batch = match Batch::with_jobs(options, args.jobs()) {
        Ok(batch) => batch,
        Err(e) => {
            let _ = writeln!(err, "xseg: {e}");
            return exit::TROUBLE;
        }
    };
    let style = Style {
        quiet: args.quiet,
        ..Style::new(args.format)
    };
    let mut checker = Checker {
        batch,
        printer: Printer::new(style),
        limit: options.max_document_bytes(),
        chunk: args.chunk_bytes,
        lines: Vec::new(),
        out,
        progress,
        raw_before: 0,
        trace: args
            .trace_checks
            .then(|| TraceHost::new(args.trace_limits.config())),
    };
    let mut trouble = false;
    for source in sources {
        let label = source.label();
        let opened = match source.open() {
            Ok(reader) => reader,
            Err(e) => {
                let _ = writeln!(err, "xseg: cannot open {label}: {e}");
                trouble = true;
                continue;
            }
        };
        let raw = Cell::new(0u64);
        let counted: Box<dyn Read + '_> = Box::new(Counted {
            inner: opened,
            count: &raw,
        });
        let result = check_one(&mut checker, &label, counted, args.input, &raw, err);
        checker.raw_before += raw.get();
        match result {
            Ok(()) => {}
            Err(Stop::Input(message)) => {
                let _ = writeln!(err, "xseg: {message}");
                trouble = true;
            }
            Err(Stop::Output(e)) => return report::output_failed(&e, err),
        }
    }
    let mut lines = std::mem::take(&mut checker.lines);
    let closed = match checker.trace.as_mut() {
        Some(host) => host.finish(&mut checker.printer, &mut lines),
        None => Ok(()),
    };
    // When no source could be read at all, the error lines on standard error are the whole
    // report: a text summary of zero documents would only hide them. JSON and SARIF keep their
    // summary, which scripts and code scanning expect.
    let nothing_read = trouble
        && checker.printer.tally().documents == 0
        && matches!(
            checker.printer.style().format,
            report::Format::Text | report::Format::Github
        );
    let written = closed
        .and_then(|()| {
            if nothing_read {
                Ok(())
            } else {
                checker.printer.finish(&[], &mut lines)
            }
        })
        .and_then(|()| checker.progress.write(checker.out, &lines))
        .and_then(|()| checker.out.flush());
    if let Err(e) = written {
        return report::output_failed(&e, err);
    }
    checker.progress.finish();
    let tally = checker.printer.tally();
    if stats && !trouble {
        let _ = writeln!(
            err,
            "xseg: {}",
            report::throughput(tally.bytes, tally.documents, "document", start.elapsed())
        );
    }
    if trouble {
        exit::TROUBLE
    } else if tally.errors > 0 {
        exit::REJECTED
    } else {
        exit::OK
    }
}

fn check_one<'r, W: Write>(
    checker: &mut Checker<'_, W>,
    label: &str,
    reader: Box<dyn Read + 'r>,
    format: InputFormat,
    raw: &Cell<u64>,
    err: &mut impl Write,
) -> Result<(), Stop> {
    let sniffed = match sniff(reader, format) {
        Ok(s) => s,
        Err(Refused::Binary) => {
            return Err(Stop::Input(format!(
                "{label}: looks like binary data, not JSON text"
            )))
        }
        Err(Refused::Read(e)) => return Err(Stop::Input(format!("error reading {label}: {e}"))),
    };
    if let Some(note) = &sniffed.note {
        let _ = writeln!(err, "xseg: {label}: {note}");
    }
    let reader = sniffed.reader;
    match sniffed.format {
        InputFormat::Ndjson | InputFormat::Auto => checker.ndjson(label, reader, raw),
        InputFormat::Json => checker.texts(label, reader, raw),
        InputFormat::Request => checker.whole_request(label, reader),
        InputFormat::Frames => checker.frames(label, reader, raw),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_kept_up_to_a_full_request() {
        assert_eq!(text_limit(65_536), 65_536 * 100);
        assert_eq!(text_limit(usize::MAX), MAX_LINE_BYTES);
        assert_eq!(text_limit(0), 0);
    }
}
