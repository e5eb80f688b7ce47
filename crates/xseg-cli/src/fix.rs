//! `xseg fix`: repair documents with [`xseg::fix`] and write one NDJSON line per document;
//! and [`report_fix`], which reports a document's repairs through the shared
//! [printer](crate::report) for `fix`, `listen --fix` and `serve --fix`.
//!
//! The inputs are `check`'s ([`crate::input`]): NDJSON, JSON texts, PutTraceSegments request
//! bodies and frames captures, gzip- or zstd-compressed or not. Every document becomes one
//! line of the output, in input order:
//!
//! - a repaired document replaces its original; one with nothing to repair, or that cannot be
//!   repaired, is written as read;
//! - daemon header lines and blank lines are not documents and are not written; a request
//!   body gives one line per document of `TraceSegmentDocuments` (the document, not the
//!   escaped string); a frames capture one line per datagram body (without its header);
//! - a document spread over several lines (pretty-printed JSON) is written on one line: each
//!   line break (`\n` or `\r`) becomes a space. In a JSON text a line break can only be white
//!   space between tokens, so the document means the same and every other byte is kept;
//!   `\r\n` line ends of an NDJSON input are written as `\n`.
//!
//! What cannot be written as a document is reported and not written: a request body that is
//! not a valid request, a datagram with no document (`MissingBody`, `InvalidHeader`), and a
//! JSON text longer than the reading limit (which `check` reports as too large too).

use std::fs::File;
use std::io::{self, BufRead, BufWriter, IsTerminal, Read, Write};
use std::path::Path;

use xseg::fix::{FixReport, FixStatus, Fixer};
use xseg_batch::request::MAX_DOCUMENTS;
use xseg_batch::Request;

use crate::args::FixArgs;
use crate::check::text_limit;
use crate::exit;
use crate::input::frames::{Frames, FramesError};
use crate::input::texts::{self, Texts};
use crate::input::{sniff, InputFormat, Refused, Source};
use crate::report::change::Change;
use crate::report::document::{
    datagram_message, explain_request, frame_kind, report_oversized, Place,
};
use crate::report::{self, Extra, Finding, Format, Printer, Style};

/// Bytes read at a time from a JSON texts or frames input.
const CHUNK_BYTES: usize = 1 << 20;

/// A document whose repairs are reported: where it is and what it is.
#[derive(Clone, Copy, Debug)]
pub struct Located<'a> {
    /// The source's label (a file name, `<stdin>`, an address).
    pub source: &'a str,
    /// Where the document is in the source; the offsets of the fix report count from its
    /// first byte.
    pub place: Place<'a>,
    /// The document as the fixer read it.
    pub document: &'a [u8],
    /// Command-specific fields for the JSON form.
    pub extra: &'a [(&'a str, Extra<'a>)],
}

impl Located<'_> {
    /// Line, column and offset in the source of byte `at` of the document.
    fn position(&self, at: usize) -> (Option<u64>, Option<u64>, u64) {
        let before = self.document.get(..at).unwrap_or(self.document);
        let (line, column) = texts::advance(1, 1, before);
        let loc = xseg::Location {
            line: usize::try_from(line).unwrap_or(usize::MAX),
            column: usize::try_from(column).unwrap_or(usize::MAX),
            pointer: String::new(),
        };
        self.place.position(at, &loc)
    }
}

/// Reports a document's fix: one [`Change`] line per change and, when `unfixable` is set and
/// the document is not fixable, its remaining rejection as a [`Finding`]. Counts the document
/// in the `fixed`, `unchanged` or `unfixable` counter of the tally (the verdict is the
/// caller's: `listen` and `serve` count the verdict of the original document).
///
/// # Errors
///
/// Errors of the printer (none in practice: the output is memory).
pub fn report_fix(
    printer: &mut Printer,
    at: &Located<'_>,
    fix: &FixReport<'_>,
    unfixable: bool,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    let status = fix.status();
    printer.tally_mut().count(status.name(), 1);
    if status == FixStatus::Unchanged {
        return Ok(());
    }
    let id = texts::top_level_id(at.document);
    for c in fix.changes() {
        let (line, column, offset) = at.position(c.offset);
        printer.change(
            &Change {
                source: at.source,
                line,
                column,
                offset: Some(offset),
                id: id.as_deref(),
                pointer: c.pointer,
                repair: c.repair.name(),
                kind: c.finding.name(),
                before: c.before,
                after: c.after,
                extra: at.extra,
            },
            out,
        )?;
    }
    if let (true, Some(u)) = (unfixable, fix.unfixable()) {
        let (line, column, offset) = at.position(u.offset);
        let detail = format!("{}; not fixable", u.kind.description());
        printer.finding(
            &Finding {
                detail: &detail,
                id: id.as_deref(),
                pointer: u.pointer,
                line,
                column,
                offset: Some(offset),
                extra: at.extra,
                ..Finding::error(at.source, u.code().as_str(), u.message(), u.kind.name())
            },
            out,
        )?;
    }
    Ok(())
}

/// Appends `doc` to `out` as one line: each `\n` and `\r` becomes a space (see the
/// [module documentation](self)), then a `\n`.
pub fn push_line(out: &mut Vec<u8>, doc: &[u8]) {
    xseg_serve::endpoint::push_ndjson_line(out, doc);
}

/// Why reading a source stopped.
enum Stop {
    /// The input failed: reported, and the next source is read.
    Input(String),
    /// An output failed: the run ends.
    Output(io::Error),
}

impl From<io::Error> for Stop {
    fn from(e: io::Error) -> Stop {
        Stop::Output(e)
    }
}

/// The state of a run: the fixer, the printer, and the two outputs.
struct Run<'w> {
    fixer: Fixer,
    printer: Printer,
    limit: usize,
    /// The fixed document, then its line.
    fixed: Vec<u8>,
    line: Vec<u8>,
    /// Report lines not yet written.
    lines: Vec<u8>,
    docs: &'w mut dyn Write,
    report: &'w mut dyn Write,
}

impl Run<'_> {
    /// Fixes one document at `place`, writes its line and reports it.
    fn document(&mut self, source: &str, place: Place<'_>, doc: &[u8]) -> io::Result<()> {
        self.fixed.clear();
        self.printer.tally_mut().bytes += doc.len() as u64;
        let fix = self.fixer.fix(doc, &mut self.fixed);
        self.printer
            .tally_mut()
            .verdict(fix.status() != FixStatus::Unfixable);
        let at = Located {
            source,
            place,
            document: doc,
            extra: &[],
        };
        report_fix(&mut self.printer, &at, &fix, true, &mut self.lines)?;
        self.line.clear();
        push_line(&mut self.line, &self.fixed);
        self.docs.write_all(&self.line)?;
        self.flush_report(false)
    }

    /// Writes the pending report lines (all when `all`, else once they add up).
    fn flush_report(&mut self, all: bool) -> io::Result<()> {
        if !self.lines.is_empty() && (all || self.lines.len() >= 1 << 14) {
            self.report.write_all(&self.lines)?;
            self.lines.clear();
        }
        Ok(())
    }

    /// One NDJSON line per document; lines longer than the limit are copied through and
    /// reported as too large.
    fn ndjson(&mut self, label: &str, mut reader: impl BufRead) -> Result<(), Stop> {
        let cap = self.limit;
        let mut buf = Vec::new();
        let (mut line_no, mut offset) = (0u64, 0u64);
        loop {
            buf.clear();
            let n = (&mut reader)
                .take(cap as u64 + 1)
                .read_until(b'\n', &mut buf)
                .map_err(|e| Stop::Input(format!("error reading {label}: {e}")))?;
            if n == 0 {
                return Ok(());
            }
            line_no += 1;
            let place = Place::Line {
                line: line_no,
                offset,
            };
            offset += n as u64;
            if buf.last() != Some(&b'\n') && buf.len() > cap {
                let len = self.copy_long_line(label, &mut reader, &buf)?;
                offset += len - n as u64;
                report_oversized(
                    &mut self.printer,
                    label,
                    place,
                    len,
                    cap,
                    None,
                    &mut self.lines,
                )?;
                self.printer
                    .tally_mut()
                    .count(FixStatus::Unfixable.name(), 1);
                self.flush_report(false)?;
                continue;
            }
            let mut doc = buf.as_slice();
            if let Some(rest) = doc.strip_suffix(b"\n") {
                doc = rest.strip_suffix(b"\r").unwrap_or(rest);
            }
            if doc.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r')) || xseg::is_daemon_header(doc)
            {
                continue;
            }
            self.document(label, place, doc)?;
        }
    }

    /// Writes a line too long to keep, `head` first then the rest up to its newline, as one
    /// line; returns its length in the input.
    fn copy_long_line(
        &mut self,
        label: &str,
        reader: &mut impl BufRead,
        head: &[u8],
    ) -> Result<u64, Stop> {
        let mut len = head.len() as u64;
        self.line.clear();
        push_line(&mut self.line, head);
        self.line.pop();
        self.docs.write_all(&self.line)?;
        loop {
            let chunk = reader
                .fill_buf()
                .map_err(|e| Stop::Input(format!("error reading {label}: {e}")))?;
            if chunk.is_empty() {
                break;
            }
            let (take, done) = match chunk.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (chunk.len(), false),
            };
            let part = chunk.get(..take).unwrap_or(chunk);
            let body = part.strip_suffix(b"\n").unwrap_or(part);
            self.line.clear();
            push_line(&mut self.line, body);
            self.line.pop();
            self.docs.write_all(&self.line)?;
            len += take as u64;
            reader.consume(take);
            if done {
                break;
            }
        }
        self.docs.write_all(b"\n")?;
        Ok(len)
    }

    /// JSON texts: each text a document, a request body its documents.
    fn texts(&mut self, label: &str, reader: impl Read) -> Result<(), Stop> {
        let mut splitter = Texts::new(reader, CHUNK_BYTES, text_limit(self.limit));
        let mut found = Vec::new();
        loop {
            let more = splitter
                .next_chunk(&mut found)
                .map_err(|e| Stop::Input(format!("error reading {label}: {e}")))?;
            let buf = splitter.buffer();
            for t in &found {
                let text = buf.get(t.range.clone()).unwrap_or(&[]);
                let place = Place::Text {
                    line: t.line,
                    column: t.column,
                    offset: t.offset,
                };
                if t.oversized {
                    let limit = text_limit(self.limit);
                    let note = "the text is reported and not written";
                    report_oversized(
                        &mut self.printer,
                        label,
                        place,
                        t.len,
                        limit,
                        Some(note),
                        &mut self.lines,
                    )?;
                    self.printer
                        .tally_mut()
                        .count(FixStatus::Unfixable.name(), 1);
                } else if !t.unterminated && xseg::is_daemon_header(text) {
                    // A daemon header: not a document.
                } else if !t.unterminated && texts::is_request(text) {
                    self.request(label, text, place)?;
                } else {
                    self.document(label, place, text)?;
                }
            }
            if !more {
                return Ok(());
            }
        }
    }

    /// A request body at `place`: its documents, or why it is not a valid request.
    fn request(&mut self, label: &str, body: &[u8], place: Place<'_>) -> io::Result<()> {
        self.printer.tally_mut().count("requests", 1);
        let (line, column, offset) = place.start();
        let (line, column) = (line.unwrap_or(1), column.unwrap_or(1));
        let mut copy = body.to_vec();
        let request = match Request::parse(&mut copy, MAX_DOCUMENTS) {
            Ok(request) => request,
            Err(invalid) => {
                let (kind, detail, at) = explain_request(body, &invalid);
                let (l, c) = texts::advance(line, column, body.get(..at).unwrap_or(body));
                let detail = format!("{detail}; its documents are not written");
                let finding = Finding {
                    detail: &detail,
                    line: Some(l),
                    column: Some(c),
                    offset: Some(offset + at as u64),
                    ..Finding::error(label, "InvalidRequestException", invalid.message(), kind)
                };
                return self.printer.finding(&finding, &mut self.lines);
            }
        };
        let docs = request.documents();
        let strings = texts::member(body, texts::DOCUMENTS_KEY)
            .and_then(|r| {
                let elements = texts::string_elements(body.get(r.clone())?)?;
                Some(
                    elements
                        .into_iter()
                        .map(|e| e.start + r.start..e.end + r.start)
                        .collect::<Vec<_>>(),
                )
            })
            .filter(|s| s.len() == docs.len());
        for (i, doc) in docs.iter().enumerate() {
            let place = match strings.as_ref().and_then(|s| s.get(i)) {
                Some(r) => {
                    let (l, c) = texts::advance(line, column, body.get(..r.start).unwrap_or(&[]));
                    Place::Escaped {
                        line: l,
                        column: c,
                        offset: offset + r.start as u64,
                        raw: body.get(r.clone()).unwrap_or(&[]),
                    }
                }
                None => place,
            };
            self.document(label, place, doc)?;
        }
        Ok(())
    }

    fn whole_request(&mut self, label: &str, mut reader: impl Read) -> Result<(), Stop> {
        let mut body = Vec::new();
        reader
            .read_to_end(&mut body)
            .map_err(|e| Stop::Input(format!("error reading {label}: {e}")))?;
        let place = Place::Text {
            line: 1,
            column: 1,
            offset: 0,
        };
        self.request(label, &body, place)?;
        Ok(())
    }

    /// A frames capture: each datagram's body a document.
    fn frames(&mut self, label: &str, reader: impl Read) -> Result<(), Stop> {
        let mut frames = Frames::new(reader, CHUNK_BYTES);
        let mut found = Vec::new();
        loop {
            let result = frames.next_chunk(&mut found);
            let buf = frames.buffer();
            for d in &found {
                let datagram = buf.get(d.range.clone()).unwrap_or(&[]);
                match xseg::split_datagram(datagram) {
                    Ok(frame) => {
                        let place = Place::Binary {
                            offset: d.offset + frame.body_offset as u64,
                        };
                        self.document(label, place, frame.body)?;
                    }
                    Err(e) => {
                        self.printer.tally_mut().verdict(false);
                        self.printer
                            .tally_mut()
                            .count(FixStatus::Unfixable.name(), 1);
                        let extra = [("frame", Extra::Num(d.index))];
                        let detail = format!("{}; no document to write", e.kind().description());
                        let finding = Finding {
                            detail: &detail,
                            offset: Some(d.offset + e.offset() as u64),
                            extra: &extra,
                            ..Finding::error(
                                label,
                                e.code().as_str(),
                                datagram_message(&e),
                                frame_kind(&e),
                            )
                        };
                        self.printer.finding(&finding, &mut self.lines)?;
                    }
                }
            }
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

    fn source(
        &mut self,
        label: &str,
        reader: Box<dyn Read + '_>,
        format: InputFormat,
    ) -> Result<(), Stop> {
        let sniffed = match sniff(reader, format) {
            Ok(s) => s,
            Err(Refused::Binary) => {
                return Err(Stop::Input(format!(
                    "{label}: looks like binary data, not JSON text"
                )))
            }
            Err(Refused::Read(e)) => {
                return Err(Stop::Input(format!("error reading {label}: {e}")))
            }
        };
        if let Some(note) = &sniffed.note {
            self.lines
                .extend_from_slice(format!("xseg: {label}: {note}\n").as_bytes());
        }
        let reader = sniffed.reader;
        match sniffed.format {
            InputFormat::Ndjson | InputFormat::Auto => self.ndjson(label, reader),
            InputFormat::Json => self.texts(label, reader),
            InputFormat::Request => self.whole_request(label, reader),
            InputFormat::Frames => self.frames(label, reader),
        }
    }
}

/// Whether `out` names the same file as one of `sources`.
fn overwrites_input(out: &Path, sources: &[Source]) -> bool {
    let Ok(out) = out.canonicalize() else {
        return false;
    };
    sources.iter().any(|s| match s {
        Source::File(p) => p.canonicalize().is_ok_and(|p| p == out),
        Source::Stdin => false,
    })
}

/// Runs the command: documents to `out` (or `--out`), the report to `err`; returns the exit
/// status.
pub fn run(args: &FixArgs, out: &mut impl Write, err: &mut impl Write) -> u8 {
    let sources = Source::all(&args.files);
    if sources.contains(&Source::Stdin) && io::stdin().is_terminal() {
        let _ = writeln!(
            err,
            "xseg: reading documents from the terminal; end with Ctrl-D (xseg fix FILE reads a file)"
        );
    }
    let mut report = BufWriter::new(err);
    let status = match &args.out {
        None => fix_sources(args, &sources, out, &mut report),
        Some(path) => {
            if overwrites_input(path, &sources) {
                let _ = writeln!(
                    report,
                    "xseg: --out {} is one of the inputs; write to another file",
                    path.display()
                );
                exit::TROUBLE
            } else {
                match File::create(path) {
                    Ok(file) => {
                        let mut file = BufWriter::with_capacity(1 << 16, file);
                        fix_sources(args, &sources, &mut file, &mut report)
                    }
                    Err(e) => {
                        let _ = writeln!(report, "xseg: cannot create {}: {e}", path.display());
                        exit::TROUBLE
                    }
                }
            }
        }
    };
    let _ = report.flush();
    status
}

/// [`run`] with the sources given: documents to `docs`, the report to `report`.
pub fn fix_sources(
    args: &FixArgs,
    sources: &[Source],
    docs: &mut dyn Write,
    report: &mut dyn Write,
) -> u8 {
    let options = args.options();
    let style = Style {
        quiet: args.quiet,
        ..Style::new(Format::from(args.format))
    };
    let mut run = Run {
        fixer: Fixer::new(options),
        printer: Printer::new(style),
        limit: options.validation().max_document_bytes(),
        fixed: Vec::new(),
        line: Vec::new(),
        lines: Vec::new(),
        docs,
        report,
    };
    for name in ["fixed", "unchanged", "unfixable", "changes"] {
        run.printer.tally_mut().count(name, 0);
    }
    let mut trouble = false;
    for source in sources {
        let label = source.label();
        let result = match source.open() {
            Ok(reader) => run.source(&label, reader, args.input),
            Err(e) => Err(Stop::Input(format!("cannot open {label}: {e}"))),
        };
        match result {
            Ok(()) => {}
            Err(Stop::Input(message)) => {
                run.lines
                    .extend_from_slice(format!("xseg: {message}\n").as_bytes());
                trouble = true;
            }
            Err(Stop::Output(e)) => {
                let _ = run.flush_report(true);
                return report::output_failed(&e, &mut run.report);
            }
        }
    }
    let written = run.docs.flush();
    let t = run.printer.tally();
    let note = format!(
        "{} fixed, {} unchanged, {} unfixable; {} {}",
        t.counter("fixed"),
        t.counter("unchanged"),
        t.counter("unfixable"),
        t.counter("changes"),
        report::plural(t.counter("changes"), "change")
    );
    let errors = t.errors;
    let mut lines = std::mem::take(&mut run.lines);
    let summary = run
        .printer
        .finish(&[note], &mut lines)
        .and_then(|()| run.report.write_all(&lines))
        .and_then(|()| run.report.flush());
    if let Err(e) = written.and(summary) {
        return report::output_failed(&e, &mut run.report);
    }
    if trouble {
        exit::TROUBLE
    } else if errors > 0 {
        exit::REJECTED
    } else {
        exit::OK
    }
}
