//! [`Validator`]: the pipeline that takes one document from bytes to verdict (RULES.md §3).
//!
//! Size, then the `T1S` form, then UTF-8 and one pass of grammar, depth, keys and entity
//! fields (`rules::Checker` over a `json::Reader`), then the entity
//! checks a–h; the first failing stage decides (D2).

use crate::error::{Entity, Error, ErrorKind};
use crate::frame;
use crate::json::{JsonStr, Scratch};
use crate::outcome::{DatagramOutcome, Document, DocumentKind, Outcome, Rejection};
use crate::profile::Options;
use crate::rules::fields::{Field, Fields};
use crate::rules::table::EntityTable;
use crate::rules::{Checker, Top};
use crate::scan;
use crate::segment::Segment;
use crate::trace_keys::TraceKeys;
use crate::warning::Warnings;

/// A reusable validator: the options plus scratch buffers kept between documents.
///
/// ```
/// let mut v = xseg::Validator::default();
/// for doc in [&b"{}"[..], b"[]", b"nope"] {
///     assert!(!v.validate(doc).is_accepted());
/// }
/// ```
#[derive(Debug)]
pub struct Validator {
    opts: Options,
    scratch: Scratch,
    warnings: Warnings,
    /// What `parse` keeps of its pass for the view (every entity and annotation member),
    /// and what `validate_for_traces` gathers.
    table: EntityTable,
    /// Whether the last document was validated for traces and accepted as a segment or
    /// standalone subsegment.
    traced: bool,
    /// Whether the last document validated was accepted.
    accepted: bool,
}

impl Default for Validator {
    fn default() -> Self {
        Validator::new(Options::default())
    }
}

impl Validator {
    /// A validator with the given options.
    pub fn new(opts: Options) -> Self {
        Validator {
            opts,
            scratch: Scratch::with_capacity(),
            warnings: Warnings::default(),
            table: EntityTable::default(),
            traced: false,
            accepted: false,
        }
    }

    /// The options.
    pub const fn options(&self) -> &Options {
        &self.opts
    }

    /// The warnings of the last document validated (sorted by offset).
    pub const fn warnings(&self) -> &Warnings {
        &self.warnings
    }

    /// Validates one document; offsets are relative to `doc`.
    pub fn validate<'a>(&mut self, doc: &'a [u8]) -> Outcome<'a> {
        self.validate_at(doc, 0)
    }

    /// Validates one document that sits at offset `base` of a larger buffer (a request or a
    /// datagram): every offset reported is `base` + the offset in `doc`.
    pub fn validate_at<'a>(&mut self, doc: &'a [u8], base: usize) -> Outcome<'a> {
        match self.run(doc, base, false, false) {
            Ok((kind, _, _)) => Outcome::Accepted(kind),
            Err(r) => Outcome::Rejected(r),
        }
    }

    /// [`validate_at`](Self::validate_at), gathering on the way what trace-level checks need
    /// of the document ([`trace_keys`](Self::trace_keys)): ids as numbers as they are
    /// checked, annotation key hashes as the keys are checked. Cheaper than reading the same
    /// from a [`parse`](Self::parse) view, which records every field of every entity. With
    /// the verdict comes the accepted document's `id` as written (a rejection carries its own,
    /// [`Rejection::id_raw`]).
    pub fn validate_for_traces_at<'a>(
        &mut self,
        doc: &'a [u8],
        base: usize,
    ) -> (Outcome<'a>, Option<JsonStr<'a>>) {
        match self.run(doc, base, false, true) {
            Ok((kind, text, fields)) => {
                self.traced = kind != DocumentKind::Otlp;
                (Outcome::Accepted(kind), raw_id(&fields, text))
            }
            Err(r) => (Outcome::Rejected(r), None),
        }
    }

    /// What [`validate_for_traces_at`](Self::validate_for_traces_at) gathered of the last
    /// document, when that was an accepted segment or standalone subsegment; `None` after
    /// any other call or outcome.
    pub fn trace_keys(&self) -> Option<&TraceKeys> {
        self.traced.then_some(&self.table.trace)
    }

    /// Whether the document would be accepted.
    pub fn is_valid(&mut self, doc: &[u8]) -> bool {
        self.run(doc, 0, false, false).is_ok()
    }

    /// Validates one document and returns its borrowed view.
    ///
    /// The one pass keeps what it found of every entity (the document and each embedded
    /// subsegment, at every depth: the position of each documented field, the annotation
    /// members) in this validator's reusable buffers, and the view reads from there: neither
    /// the view nor [`Segment::subsegments`] reads the text again. The view therefore borrows
    /// the validator until it is dropped; a rejection borrows only the document.
    pub fn parse<'v, 'a: 'v>(&'v mut self, doc: &'a [u8]) -> Result<Document<'v>, Rejection<'a>> {
        self.parse_at(doc, 0)
    }

    /// [`parse`](Self::parse) for a document at offset `base` of a larger buffer.
    pub fn parse_at<'v, 'a: 'v>(
        &'v mut self,
        doc: &'a [u8],
        base: usize,
    ) -> Result<Document<'v>, Rejection<'a>> {
        let (kind, text, _) = self.run(doc, base, true, false)?;
        Ok(match kind {
            DocumentKind::Otlp => Document::Otlp(doc.get(3..).unwrap_or(&[])),
            _ => Document::Segment(Segment::top(
                text,
                base,
                &self.table.entities,
                &self.table.annotations,
            )),
        })
    }

    /// Splits a daemon datagram and validates its body (RULES.md §7).
    ///
    /// ```
    /// let mut v = xseg::Validator::default();
    /// match v.validate_datagram(b"{\"format\":\"json\",\"version\":1}\n[]") {
    ///     xseg::DatagramOutcome::Document { outcome, .. } => {
    ///         assert_eq!(outcome.code(), Some(xseg::ErrorCode::MissingId));
    ///     }
    ///     other => panic!("{other:?}"),
    /// }
    /// ```
    pub fn validate_datagram<'a>(&mut self, datagram: &'a [u8]) -> DatagramOutcome<'a> {
        self.datagram(datagram, false)
    }

    /// [`validate_datagram`](Self::validate_datagram), gathering the body's
    /// [`trace_keys`](Self::trace_keys) as
    /// [`validate_for_traces_at`](Self::validate_for_traces_at) does.
    pub fn validate_datagram_for_traces<'a>(&mut self, datagram: &'a [u8]) -> DatagramOutcome<'a> {
        self.datagram(datagram, true)
    }

    fn datagram<'a>(&mut self, datagram: &'a [u8], gather: bool) -> DatagramOutcome<'a> {
        self.warnings.clear();
        self.traced = false;
        match frame::split_with(datagram, &mut self.scratch) {
            Err(e) => DatagramOutcome::Frame(e),
            Ok(frame) => DatagramOutcome::Document {
                frame,
                outcome: if gather {
                    self.validate_for_traces_at(frame.body, frame.body_offset).0
                } else {
                    self.validate_at(frame.body, frame.body_offset)
                },
            },
        }
    }

    /// [`is_daemon_header`](Self::is_daemon_header) for `line` when it is the document this
    /// validator has just validated (with [`validate`](Self::validate),
    /// [`validate_for_traces_at`](Self::validate_for_traces_at) or [`parse`](Self::parse)),
    /// with the same answer but cheaper: a document the pass accepted can only be a header when
    /// its object has both header keys, which the pass noted, so no other accepted document is
    /// searched again. For a stream's workers, which validate each line anyway.
    ///
    /// ```
    /// let mut v = xseg::Validator::default();
    /// let doc = br#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1,"end_time":2}"#;
    /// assert!(v.validate(doc).is_accepted());
    /// assert!(!v.is_daemon_header_of_last(doc));
    /// let header = br#"{"format": "json", "version": 1, "x": "----------------------------"}"#;
    /// assert!(!v.validate(header).is_accepted());
    /// assert!(v.is_daemon_header_of_last(header));
    /// ```
    pub fn is_daemon_header_of_last(&mut self, line: &[u8]) -> bool {
        use crate::rules::entity::{HEADER_FORMAT, HEADER_VERSION};
        if self.accepted && self.table.header_keys != HEADER_FORMAT | HEADER_VERSION {
            return false;
        }
        self.is_daemon_header(line)
    }

    /// Whether `line` is a valid daemon header, using this validator's buffers (no
    /// allocation in steady state). Streams skip such lines (RULES.md §1).
    pub fn is_daemon_header(&mut self, line: &[u8]) -> bool {
        self.traced = false;
        frame::is_header_with(line, &mut self.scratch)
    }

    fn reject<'a>(
        kind: ErrorKind,
        at: usize,
        id: Option<JsonStr<'a>>,
        form: Entity,
    ) -> Rejection<'a> {
        Rejection {
            error: Error::new(kind, at, form),
            id,
        }
    }

    /// The pipeline; with `record`, the entity table is filled for the view; with `gather`,
    /// the trace keys are gathered.
    fn run<'a>(
        &mut self,
        doc: &'a [u8],
        base: usize,
        record: bool,
        gather: bool,
    ) -> Result<(DocumentKind, &'a str, Fields), Rejection<'a>> {
        self.warnings.clear();
        self.traced = false;
        self.accepted = false;
        self.table.reset(record, gather);
        let seg = Entity::Segment;
        // 1. size
        if doc.len() > self.opts.max_document_bytes() {
            return Err(Self::reject(ErrorKind::DocumentTooLarge, base, None, seg));
        }
        // T1S: OTLP transit form
        if let Some(rest) = doc.strip_prefix(b"T1S") {
            return match otlp_bad_at(rest) {
                None => {
                    self.accepted = true;
                    Ok((DocumentKind::Otlp, "", Fields::default()))
                }
                Some(at) => Err(Self::reject(
                    ErrorKind::InvalidOtlpPayload,
                    base + 3 + at,
                    None,
                    seg,
                )),
            };
        }
        if doc.starts_with(b"\xEF\xBB\xBF") {
            return Err(Self::reject(ErrorKind::ByteOrderMark, base, None, seg));
        }
        // 2–3. UTF-8, grammar, depth: the first problem in document order (D2).
        let (text, utf8_err) = match scan::utf8(doc) {
            Ok(t) => (t, None),
            Err(valid) => {
                let prefix = doc.get(..valid).unwrap_or(&[]);
                (core::str::from_utf8(prefix).unwrap_or(""), Some(valid))
            }
        };
        let mut checker = Checker::new(
            text,
            base,
            &self.opts,
            &mut self.scratch,
            &mut self.warnings,
            &mut self.table,
        );
        let result = checker.run();
        let dup_anywhere = checker.dup_anywhere();
        let top = match (result, utf8_err) {
            (Err((kind, at)), Some(valid)) if at >= valid || kind == ErrorKind::UnexpectedEof => {
                return Err(Self::reject(
                    ErrorKind::InvalidUtf8,
                    base + valid,
                    None,
                    seg,
                ));
            }
            (Ok(_), Some(valid)) => {
                return Err(Self::reject(
                    ErrorKind::InvalidUtf8,
                    base + valid,
                    None,
                    seg,
                ));
            }
            (Err((kind, at)), _) => return Err(Self::reject(kind, base + at, None, seg)),
            (Ok(top), None) => top,
        };
        self.warnings.sort();
        // 4. top-level object
        let (fields, error, form) = match top {
            Top::NotObject(at) => {
                return Err(Self::reject(ErrorKind::NotAnObject, base + at, None, seg))
            }
            Top::Entity {
                fields,
                error,
                form,
            } => (fields, error, form),
        };
        let id = raw_id(&fields, text);
        // strict: a repeated key anywhere rejects before any entity check
        if let Some(at) = dup_anywhere {
            return Err(Self::reject(
                ErrorKind::DuplicateKey,
                base + at as usize,
                id,
                form,
            ));
        }
        // 5. entities
        if let Some(error) = error {
            return Err(Rejection { error, id });
        }
        let kind = match form {
            Entity::Segment => DocumentKind::Segment,
            Entity::Subsegment => DocumentKind::Subsegment,
        };
        self.accepted = true;
        Ok((kind, text, fields))
    }
}

/// D5: the `T1S` payload must be standard base64, a non-zero multiple of 4 long, with `=` only
/// in the last one or two positions. Returns the offset of the first bad byte.
fn otlp_bad_at(rest: &[u8]) -> Option<usize> {
    if rest.is_empty() {
        return Some(0);
    }
    let n = rest.len();
    for (i, &c) in rest.iter().enumerate() {
        let ok = match c {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'+' | b'/' => true,
            b'=' => i + 2 >= n && (i + 1 == n || rest.get(i + 1) == Some(&b'=')),
            _ => false,
        };
        if !ok {
            return Some(i);
        }
    }
    if !n.is_multiple_of(4) {
        return Some(n);
    }
    None
}

/// The document's `id` as written, when it is a string.
fn raw_id<'a>(fields: &Fields, text: &'a str) -> Option<JsonStr<'a>> {
    fields
        .get(Field::Id)
        .filter(|v| v.is_str())
        .map(|v| v.str_in(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn otlp_base64() {
        assert_eq!(otlp_bad_at(b"AAAA"), None);
        assert_eq!(otlp_bad_at(b"AAA="), None);
        assert_eq!(otlp_bad_at(b"AA=="), None);
        assert_eq!(otlp_bad_at(b""), Some(0));
        assert_eq!(otlp_bad_at(b"AAA"), Some(3));
        assert_eq!(otlp_bad_at(b"A=AA"), Some(1));
        assert_eq!(otlp_bad_at(b"A==="), Some(1));
        assert_eq!(otlp_bad_at(b"AA-A"), Some(2));
        assert_eq!(otlp_bad_at(b"AAAA=AAA"), Some(4));
    }
}
