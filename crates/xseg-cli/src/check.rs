//! `xseg check`: validate files of documents in any input format and report through the
//! [printer](crate::report).

use std::borrow::Cow;
use std::cell::Cell;
use std::io::{self, IsTerminal, Read, Write};
use std::time::Instant;

use xseg::{Error, ErrorKind, Options, Validator, Warnings};
use xseg_batch::request::MAX_DOCUMENTS;
use xseg_batch::stream::MAX_LINE_BYTES;
use xseg_batch::{
    Batch, Checked, InvalidRequest, InvalidRequestReason, Request, StreamConfig, StreamError,
};

use crate::args::CheckArgs;
use crate::exit;
use crate::input::frames::{Frames, FramesError};
use crate::input::texts::{self, Texts};
use crate::input::{sniff, InputFormat, Refused, Source};
use crate::progress::Progress;
use crate::report::{self, Extra, Finding, Printer, Style};

/// Where a document is in its source, to turn offsets in the document into positions in
/// the source.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place<'a> {
    /// An NDJSON line: the document is the line.
    Line {
        /// 1-based line number.
        line: u64,
        /// Offset of the line in the source.
        offset: u64,
    },
    /// A JSON text, which may span lines.
    Text {
        /// Line of its first byte.
        line: u64,
        /// Column of its first byte.
        column: u64,
        /// Offset of its first byte.
        offset: u64,
    },
    /// A string of a request: the document is the unescaped `raw`.
    Escaped {
        /// Line of the string's first byte after the quote.
        line: u64,
        /// Column of that byte.
        column: u64,
        /// Offset of that byte.
        offset: u64,
        /// The string as written, between the quotes.
        raw: &'a [u8],
    },
    /// A datagram body in a binary capture: offsets only.
    Binary {
        /// Offset of the body in the source.
        offset: u64,
    },
}

/// Line, column and offset in the source.
type Position = (Option<u64>, Option<u64>, u64);

impl Place<'_> {
    /// The position in the source of byte `at` of the document, which `loc` locates within
    /// the document.
    pub fn position(&self, at: usize, loc: &xseg::Location) -> Position {
        let (doc_line, doc_col) = (loc.line as u64, loc.column as u64);
        match *self {
            Place::Line { line, offset } => (Some(line), Some(doc_col), offset + at as u64),
            Place::Text {
                line,
                column,
                offset,
            } => {
                let (l, c) = if doc_line <= 1 {
                    (line, column + doc_col - 1)
                } else {
                    (line + doc_line - 1, doc_col)
                };
                (Some(l), Some(c), offset + at as u64)
            }
            Place::Escaped {
                line,
                column,
                offset,
                raw,
            } => {
                let r = texts::raw_index(raw, at) as u64;
                (Some(line), Some(column + r), offset + r)
            }
            Place::Binary { offset } => (None, None, offset + at as u64),
        }
    }

    /// Where the document starts.
    pub fn start(&self) -> Position {
        match *self {
            Place::Line { line, offset } => (Some(line), Some(1), offset),
            Place::Text {
                line,
                column,
                offset,
            }
            | Place::Escaped {
                line,
                column,
                offset,
                ..
            } => (Some(line), Some(column), offset),
            Place::Binary { offset } => (None, None, offset),
        }
    }
}

/// `65536` as `65,536`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The sentence of an oversized document: its size, the limit and the option.
pub fn too_large_detail(len: u64, limit: usize) -> String {
    format!(
        "document is {} bytes, over the size limit of {} bytes (--max-document-bytes sets it)",
        thousands(len),
        thousands(limit as u64)
    )
}

/// One validated document to report.
#[derive(Clone, Copy, Debug)]
pub struct Report<'a> {
    /// The source's label.
    pub source: &'a str,
    /// Where the document is.
    pub place: Place<'a>,
    /// The document (empty when it was too large to keep).
    pub document: &'a [u8],
    /// Its length in bytes.
    pub len: u64,
    /// The rejection, if any.
    pub error: Option<Error>,
    /// The rejection's `Id`.
    pub id: Option<&'a str>,
    /// The warnings the core kept.
    pub warnings: &'a Warnings,
    /// How many warnings there were.
    pub total_warnings: usize,
    /// Something to add to the rejection's sentence (what an unterminated text swallowed).
    pub note: Option<&'a str>,
    /// Command-specific fields.
    pub extra: &'a [(&'a str, Extra<'a>)],
}

/// Reports one document: its verdict in the tally, then its rejection and its warnings (a
/// warning that is the rejection, under `strict`, is reported once, as the rejection).
///
/// # Errors
///
/// Errors of the printer.
pub fn report_document(
    printer: &mut Printer,
    r: &Report<'_>,
    limit: usize,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    printer.tally_mut().verdict(r.error.is_none());
    if let Some(error) = r.error {
        let oversized = error.kind() == ErrorKind::DocumentTooLarge;
        let at = if oversized { 0 } else { error.offset() };
        let loc = error.locate(r.document, 0);
        let (line, column, offset) = r.place.position(at, &loc);
        let mut detail: Cow<'_, str> = if oversized {
            Cow::Owned(too_large_detail(r.len, limit))
        } else {
            Cow::Borrowed(error.kind().description())
        };
        if let Some(note) = r.note {
            detail = Cow::Owned(format!("{detail}; {note}"));
        }
        let finding = Finding {
            detail: &detail,
            id: r.id,
            pointer: &loc.pointer,
            line,
            column,
            offset: Some(offset),
            extra: r.extra,
            ..Finding::error(
                r.source,
                error.code().as_str(),
                error.message(),
                error.kind().name(),
            )
        };
        printer.finding(&finding, out)?;
    }
    if r.total_warnings == 0 {
        return Ok(());
    }
    let own_id;
    let id = match (r.id, r.error) {
        (Some(id), _) => Some(id),
        (None, Some(_)) => None,
        (None, None) => {
            own_id = texts::top_level_id(r.document);
            own_id.as_deref()
        }
    };
    let kept = r.warnings.as_slice();
    for w in kept {
        if r.error
            .is_some_and(|e| e.kind() == w.kind() && e.offset() == w.offset())
        {
            continue;
        }
        let loc = w.locate(r.document, 0);
        let (line, column, offset) = r.place.position(w.offset(), &loc);
        let finding = Finding {
            detail: w.kind().description(),
            id,
            pointer: &loc.pointer,
            line,
            column,
            offset: Some(offset),
            extra: r.extra,
            ..Finding::warning(r.source, w.kind().name())
        };
        printer.finding(&finding, out)?;
    }
    let (line, _, _) = r.place.start();
    let at = Finding {
        id,
        line,
        extra: r.extra,
        ..Finding::warning(r.source, "")
    };
    printer.more_warnings(&at, r.total_warnings.saturating_sub(kept.len()), out)
}

/// Why a request is rejected as a whole, and where: the kind's name, a sentence and the
/// offset in `body`. A body that is not well-formed JSON is read again by the core to find
/// the exact byte and cause (the response's `near byte N` comes from another parser).
pub fn explain_request(body: &[u8], invalid: &InvalidRequest) -> (&'static str, String, usize) {
    use InvalidRequestReason as R;
    let documents = || texts::member(body, texts::DOCUMENTS_KEY).map_or(0, |r| r.start);
    match invalid.reason() {
        R::Malformed if too_deep(body).is_some() => (
            "MalformedRequest",
            format!(
                "request body is not well-formed JSON: nested too deeply (more than {} levels)",
                thousands(REQUEST_MAX_DEPTH as u64)
            ),
            too_deep(body).unwrap_or(0),
        ),
        R::Malformed => {
            let options = Options::default()
                .max_document_bytes(usize::MAX)
                .max_depth(xseg::limits::MAX_DEPTH_CEILING);
            let mut v = Validator::new(options);
            match v.validate(body).rejection().map(|r| r.error()) {
                Some(e) if e.code() == xseg::ErrorCode::ParseError => {
                    let cause = if e.kind() == ErrorKind::NestingTooDeep {
                        Cow::Owned(format!(
                            "nested too deeply (more than {} levels)",
                            xseg::limits::MAX_DEPTH_CEILING
                        ))
                    } else {
                        Cow::Borrowed(e.kind().description())
                    };
                    (
                        "MalformedRequest",
                        format!("request body is not well-formed JSON: {cause}"),
                        e.offset(),
                    )
                }
                _ => (
                    "MalformedRequest",
                    format!(
                        "request body is not well-formed JSON ({})",
                        invalid.message()
                    ),
                    0,
                ),
            }
        }
        R::NotAnObject => (
            "RequestNotAnObject",
            "request body is not a JSON object".to_owned(),
            body.iter()
                .position(|b| !b.is_ascii_whitespace())
                .unwrap_or(0),
        ),
        R::MissingDocuments => (
            "MissingDocuments",
            "request has no `TraceSegmentDocuments` (or it is null)".to_owned(),
            documents(),
        ),
        R::RepeatedDocuments => (
            "RepeatedDocuments",
            "request has `TraceSegmentDocuments` more than once".to_owned(),
            documents(),
        ),
        R::DocumentsNotArray => (
            "DocumentsNotArray",
            "`TraceSegmentDocuments` is not an array".to_owned(),
            documents(),
        ),
        R::TooManyDocuments => (
            "TooManyDocuments",
            format!("request has too many documents ({})", invalid.message()),
            documents(),
        ),
        R::DocumentNotString => {
            let index: Option<usize> = invalid
                .message()
                .split_once('[')
                .and_then(|(_, rest)| rest.split_once(']'))
                .and_then(|(i, _)| i.parse().ok());
            let at = texts::member(body, texts::DOCUMENTS_KEY).and_then(|r| {
                let array = body.get(r.clone())?;
                element_start(array, index?).map(|e| r.start + e)
            });
            (
                "DocumentNotString",
                format!(
                    "a document of the request is not a string ({})",
                    invalid.message()
                ),
                at.unwrap_or_else(documents),
            )
        }
        _ => ("InvalidRequest", invalid.message().to_owned(), 0),
    }
}

/// The deepest nesting the request parser takes (simd-json's default).
pub const REQUEST_MAX_DEPTH: usize = 1024;

/// The offset of the bracket that nests `body` deeper than [`REQUEST_MAX_DEPTH`], if any.
fn too_deep(body: &[u8]) -> Option<usize> {
    let (mut depth, mut in_string, mut escape) = (0usize, false, false);
    for (i, &b) in body.iter().enumerate() {
        if in_string {
            match (b, escape) {
                (_, true) => escape = false,
                (b'\\', false) => escape = true,
                (b'"', false) => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > REQUEST_MAX_DEPTH {
                    return Some(i);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

/// The offset of element `index` of the array `array`.
fn element_start(array: &[u8], index: usize) -> Option<usize> {
    let mut i = array.iter().position(|&b| b == b'[')? + 1;
    for n in 0.. {
        i += array
            .get(i..)?
            .iter()
            .position(|b| !b.is_ascii_whitespace())?;
        if n == index {
            return Some(i);
        }
        let len = texts::text_end(array.get(i..)?)?;
        i += len;
        i += array.get(i..)?.iter().position(|&b| b == b',')? + 1;
    }
    None
}

/// The longest JSON text kept whole: room for a request of [`MAX_DOCUMENTS`] documents of the
/// size limit with their escapes (twice their size), at most [`MAX_LINE_BYTES`]. Longer texts
/// are skipped as they are read and reported as too large.
pub fn text_limit(document_limit: usize) -> usize {
    document_limit
        .saturating_mul(2 * MAX_DOCUMENTS)
        .min(MAX_LINE_BYTES)
}

/// Reports a text too long to keep as the core reports a document over the size limit
/// (`InvalidSegment`), with its size and the limit.
fn report_oversized(
    printer: &mut Printer,
    source: &str,
    place: Place<'_>,
    len: u64,
    limit: usize,
    note: Option<&str>,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    printer.tally_mut().verdict(false);
    let mut detail = too_large_detail(len, limit);
    if let Some(note) = note {
        detail = format!("{detail}; {note}");
    }
    let (line, column, offset) = place.start();
    let code = xseg::ErrorCode::InvalidSegment;
    let finding = Finding {
        detail: &detail,
        line,
        column,
        offset: Some(offset),
        ..Finding::error(
            source,
            code.as_str(),
            code.message(xseg::Entity::Segment),
            ErrorKind::DocumentTooLarge.name(),
        )
    };
    printer.finding(&finding, out)
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

    fn ndjson(&mut self, label: &str, reader: impl Read, raw: &Cell<u64>) -> Result<(), Stop> {
        let config = StreamConfig::new().chunk_bytes(self.chunk);
        let limit = self.limit;
        let (printer, lines, progress, out) = (
            &mut self.printer,
            &mut self.lines,
            &mut *self.progress,
            &mut *self.out,
        );
        let raw_before = self.raw_before;
        let result = self.batch.check_stream(reader, &config, |item| {
            let result = item.result();
            let id = result.id();
            let error = result.error();
            let oversized = item.is_oversized();
            report_document(
                printer,
                &Report {
                    source: label,
                    place: Place::Line {
                        line: item.line(),
                        offset: item.offset(),
                    },
                    document: item.document(),
                    len: item.len(),
                    error,
                    id: id.as_deref(),
                    warnings: item.warnings(),
                    total_warnings: if oversized { 0 } else { result.warnings() },
                    note: None,
                    extra: &[],
                },
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
        let results: Vec<(Checked<'_>, Warnings)> = self
            .batch
            .validate_map(docs, |_, outcome, w| (Checked::new(&outcome, w), w.clone()));
        for ((doc, (checked, warnings)), (place, len, note)) in
            docs.iter().zip(&results).zip(places)
        {
            let id = checked.id();
            report_document(
                &mut self.printer,
                &Report {
                    source: label,
                    place: *place,
                    document: doc,
                    len: *len,
                    error: checked.error(),
                    id: id.as_deref(),
                    warnings,
                    total_warnings: checked.warnings(),
                    note: note.as_deref(),
                    extra: &[],
                },
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
            let results: Vec<(Checked<'_>, Warnings)> =
                self.batch.validate_map(&bodies, |_, outcome, w| {
                    (Checked::new(&outcome, w), w.clone())
                });
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
                        ..Finding::error(label, e.code(), datagram_message(e), frame_kind(e))
                    };
                    self.printer.finding(&finding, &mut self.lines)?;
                    continue;
                }
                let (Some(body), Some((checked, warnings)), Some(&(_, offset))) = (
                    bodies.get(next_body),
                    results.get(next_body),
                    at.get(next_body),
                ) else {
                    continue;
                };
                next_body += 1;
                let id = checked.id();
                report_document(
                    &mut self.printer,
                    &Report {
                        source: label,
                        place: Place::Binary { offset },
                        document: body,
                        len: body.len() as u64,
                        error: checked.error(),
                        id: id.as_deref(),
                        warnings,
                        total_warnings: checked.warnings(),
                        note: None,
                        extra: &extra,
                    },
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

/// The diagnostic kind of a datagram rejected before its document was read.
pub fn frame_kind(e: &xseg::FrameError) -> &'static str {
    use xseg::FrameErrorKind as K;
    match e.kind() {
        K::DatagramTooLarge => "DatagramTooLarge",
        K::NoNewline => "NoNewline",
        K::EmptyBody => "EmptyBody",
        K::HeaderSyntax => "HeaderSyntax",
        K::HeaderNotObject => "HeaderNotObject",
        K::HeaderRepeatedKey => "HeaderRepeatedKey",
        K::BadFormat => "BadFormat",
        K::BadVersion => "BadVersion",
        _ => "InvalidDatagram",
    }
}

/// The `Message` of a datagram rejected before its document was read. The service never sees
/// such a datagram (the daemon drops it), so `MissingBody` and `InvalidHeader` have messages
/// of xseg's own; an oversized datagram gets the service's `InvalidSegment` message.
pub fn datagram_message(error: &xseg::FrameError) -> &'static str {
    match error.code() {
        "MissingBody" => "Invalid datagram. ErrorCode: MissingBody",
        "InvalidHeader" => "Invalid datagram. ErrorCode: InvalidHeader",
        _ => xseg::ErrorCode::InvalidSegment.message(xseg::Entity::Segment),
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
        limit: options.get_max_document_bytes(),
        chunk: args.chunk_bytes,
        lines: Vec::new(),
        out,
        progress,
        raw_before: 0,
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
    let written = checker
        .printer
        .finish(&[], &mut lines)
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

    fn loc(line: usize, column: usize) -> xseg::Location {
        xseg::Location {
            line,
            column,
            pointer: String::new(),
        }
    }

    #[test]
    fn positions_in_the_source() {
        let line = Place::Line {
            line: 4,
            offset: 100,
        };
        assert_eq!(line.position(9, &loc(1, 10)), (Some(4), Some(10), 109));
        let text = Place::Text {
            line: 3,
            column: 5,
            offset: 50,
        };
        assert_eq!(text.position(2, &loc(1, 3)), (Some(3), Some(7), 52));
        assert_eq!(text.position(20, &loc(2, 4)), (Some(4), Some(4), 70));
        let raw = br#"{\"a\":1}"#;
        let escaped = Place::Escaped {
            line: 2,
            column: 6,
            offset: 30,
            raw,
        };
        // byte 5 of `{"a":1}` is `1`, at index 7 of the escaped form
        assert_eq!(escaped.position(5, &loc(1, 6)), (Some(2), Some(13), 37));
        let binary = Place::Binary { offset: 7 };
        assert_eq!(binary.position(3, &loc(1, 4)), (None, None, 10));
        assert_eq!(binary.start(), (None, None, 7));
        assert_eq!(escaped.start(), (Some(2), Some(6), 30));
    }

    #[test]
    fn sizes_and_limits_in_words() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(65_536), "65,536");
        assert_eq!(thousands(1_234_567), "1,234,567");
        assert_eq!(
            too_large_detail(70_000, 65_536),
            "document is 70,000 bytes, over the size limit of 65,536 bytes (--max-document-bytes sets it)"
        );
    }

    #[test]
    fn request_problems_are_placed() {
        let explain = |body: &[u8]| {
            let mut copy = body.to_vec();
            let invalid = Request::parse(&mut copy, 2).unwrap_err();
            let (kind, detail, at) = explain_request(body, &invalid);
            (kind, detail, at)
        };
        let body = br#"{"TraceSegmentDocuments": ["{}", 7]}"#;
        assert_eq!(explain(body).0, "DocumentNotString");
        assert_eq!(
            explain(body).2,
            body.iter().position(|&b| b == b'7').unwrap()
        );
        let body = br#"{"TraceSegmentDocuments": ["{}","{}","{}"]}"#;
        assert_eq!(explain(body).0, "TooManyDocuments");
        assert_eq!(explain(body).2, 26);
        assert_eq!(explain(b"[1]").0, "RequestNotAnObject");
        assert_eq!(explain(b"{}").0, "MissingDocuments");
        let body = b"{\"TraceSegmentDocuments\": [\"\\u12\"]}";
        let (kind, detail, at) = explain(body);
        assert_eq!(kind, "MalformedRequest");
        assert!(detail.contains("invalid escape"), "{detail}");
        assert_eq!(at, 28);
        assert_eq!(too_deep(b"[[\"[[[[\"]]"), None);
        let deep = "[".repeat(REQUEST_MAX_DEPTH + 1);
        assert_eq!(too_deep(deep.as_bytes()), Some(REQUEST_MAX_DEPTH));
        assert_eq!(element_start(b"[ 1 , \"a,b\" ,[2,3], 4]", 3), Some(20));
        assert_eq!(element_start(b"[1]", 1), None);
    }
}
