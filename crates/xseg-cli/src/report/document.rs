//! From a validated document to its findings, for every command that reads documents:
//! positions in the source, the sentence of an oversized document, the strict-profile rule
//! that a warning which became the rejection is reported once, requests rejected as a whole,
//! and datagrams rejected before their document is read.

use std::borrow::Cow;
use std::io;

use xseg::{Error, ErrorKind, Options, Validator, Warning, Warnings};
use xseg_batch::{InvalidRequest, InvalidRequestReason};

use crate::input::texts;
use crate::report::{Extra, Finding, Printer};

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
    /// Where the document starts in `document`, and what the offsets of the error and the
    /// warnings count from: `0` when they count from the document, the body's offset for a
    /// datagram validated whole (whose offsets count from the datagram).
    pub base: usize,
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
    report_document_findings(printer, r, limit, out)
}

/// [`report_document`] without recording the verdict, for a host that decides it with more
/// than the document (the trace checks, [`crate::trace`]).
///
/// # Errors
///
/// Errors of the printer.
pub fn report_document_findings(
    printer: &mut Printer,
    r: &Report<'_>,
    limit: usize,
    out: &mut Vec<u8>,
) -> io::Result<()> {
    if let Some(error) = r.error {
        let oversized = error.kind() == ErrorKind::DocumentTooLarge;
        let at = if oversized {
            0
        } else {
            error.offset().saturating_sub(r.base)
        };
        let loc = error.locate(r.document, r.base);
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
    let kept = r.warnings.as_slice();
    let is_the_error = |w: &Warning| {
        r.error
            .is_some_and(|e| e.kind() == w.kind() && e.offset() == w.offset())
    };
    if printer.style().quiet {
        // A quiet report prints no finding, only the counts: no place nor `Id` to look for.
        for w in kept.iter().filter(|w| !is_the_error(w)) {
            printer.finding(&Finding::warning(r.source, w.kind().name()), out)?;
        }
        let more = r.total_warnings.saturating_sub(kept.len());
        return printer.more_warnings(&Finding::warning(r.source, ""), more, out);
    }
    let own_id;
    let id = match (r.id, r.error) {
        (Some(id), _) => Some(id),
        (None, Some(_)) => None,
        (None, None) => {
            own_id = texts::top_level_id(r.document.get(r.base..).unwrap_or(&[]));
            own_id.as_deref()
        }
    };
    for w in kept {
        if is_the_error(w) {
            continue;
        }
        let loc = w.locate(r.document, r.base);
        let at = w.offset().saturating_sub(r.base);
        let (line, column, offset) = r.place.position(at, &loc);
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
                .with_max_document_bytes(usize::MAX)
                .with_max_depth(xseg::limits::MAX_DEPTH_CEILING);
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

/// Reports a text too long to keep as the core reports a document over the size limit
/// (`InvalidSegment`), with its size and the limit.
pub fn report_oversized(
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
        xseg::FrameErrorCode::MissingBody => "Invalid datagram. ErrorCode: MissingBody",
        xseg::FrameErrorCode::InvalidHeader => "Invalid datagram. ErrorCode: InvalidHeader",
        _ => xseg::ErrorCode::InvalidSegment.message(xseg::Entity::Segment),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use xseg_batch::Request;

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
