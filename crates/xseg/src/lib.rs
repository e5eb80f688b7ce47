//! # xseg — exact, zero-copy validation of AWS X-Ray segment documents
//!
//! One document in (bytes, as they arrive in a PutTraceSegments request or a daemon datagram),
//! one verdict out: accepted, or rejected with the `ErrorCode`, `Message` and `Id` the X-Ray
//! service would answer, plus a precise diagnostic (kind, byte offset, and on request line,
//! column and JSON pointer). Accepted documents can be read through a borrowed [`Segment`]
//! view. Warnings — what the service silently drops — come in a separate bounded list.
//!
//! The contract is `RULES.md` (see `docs/DECISIONS.md` in the repository for the details it
//! leaves open). This crate has no threads and no I/O; the batch layer (`xseg-batch`) and the
//! `xseg` command build on it.
//!
//! ```
//! use xseg::{ErrorCode, Options, Profile, Validator};
//!
//! let mut v = Validator::new(Options::new(Profile::Service));
//! let doc = br#"{"name":"web(1)","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#;
//! let out = v.validate(doc);
//! let rej = out.rejection().unwrap();
//! assert_eq!(rej.code(), ErrorCode::InvalidName);
//! assert_eq!(rej.message(), "Invalid segment. ErrorCode: InvalidName");
//! assert_eq!(rej.id().as_deref(), Some("70de5b6f19ff9a0a"));
//! assert_eq!(rej.error().locate(doc, 0).pointer, "/name");
//! ```
//!
//! ## Limits
//!
//! | limit | default | where |
//! |---|---|---|
//! | document size | 65,536 bytes | [`limits::MAX_DOCUMENT_BYTES`], [`Options::max_document_bytes`] |
//! | nesting depth | 128 | [`limits::MAX_DEPTH`], [`Options::max_depth`] (at most [`limits::MAX_DEPTH_CEILING`]) |
//! | datagram size | 65,536 bytes | [`limits::MAX_DATAGRAM_BYTES`] |
//! | warnings kept | 16 per document | [`limits::MAX_WARNINGS`] (all are counted) |
//!
//! ## Allocation and safety
//!
//! A [`Validator`] keeps its scratch buffers between documents, so validating document after
//! document allocates nothing once the buffers have grown to fit (the `steady_state_allocations`
//! test holds this). The crate holds no `unsafe` code: UTF-8 is validated by `simdutf8` (SIMD
//! with runtime CPU detection and a scalar fallback), byte search uses `memchr`, and string
//! scanning uses a portable SWAR kernel in `scan`, tested against a scalar oracle.

#![deny(missing_docs)]

mod engine;
mod error;
pub mod fix;
mod frame;
mod json;
pub mod limits;
mod locate;
mod profile;
mod rules;
mod scan;
mod segment;
mod warning;

use std::borrow::Cow;

pub use error::{Category, Entity, Error, ErrorCode, ErrorKind, Location};
pub use frame::{is_daemon_header, split_datagram, Frame, FrameError, FrameErrorKind};
pub use json::{DecodedChars, JsonStr};
pub use profile::{Options, Profile, TimeWindow};
pub use segment::{Segment, Subsegments, TraceId};
pub use warning::{Warning, Warnings};

use engine::{Engine, Scratch, Top};
use segment::{Field, Fields, VKind};

/// What an accepted document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// A top-level segment.
    Segment,
    /// A standalone subsegment (top-level `"type": "subsegment"`).
    Subsegment,
    /// An OTLP payload in X-Ray's `T1S` transit form (not JSON).
    Otlp,
}

/// A rejection: the service's answer (`ErrorCode`, `Message`, `Id`) and the diagnostic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejection<'a> {
    error: Error,
    id: Option<JsonStr<'a>>,
}

impl<'a> Rejection<'a> {
    /// The diagnostic: precise kind and absolute byte offset.
    pub const fn error(&self) -> Error {
        self.error
    }

    /// The `ErrorCode`.
    pub const fn code(&self) -> ErrorCode {
        self.error.code()
    }

    /// The `Message`, byte-exact.
    pub const fn message(&self) -> &'static str {
        self.error.message()
    }

    /// The `Id`: the top-level `id` when it is a JSON string (decoded), else `None`.
    pub fn id(&self) -> Option<Cow<'a, str>> {
        self.id.map(|s| s.decode())
    }

    /// The `Id` as it appears in the document, escapes undecoded.
    pub const fn id_raw(&self) -> Option<JsonStr<'a>> {
        self.id
    }
}

impl core::fmt::Display for Rejection<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.code(), self.error)
    }
}

/// The verdict on one document. Warnings are in [`Validator::warnings`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// The service would accept the document.
    Accepted(DocumentKind),
    /// The service would reject it.
    Rejected(Rejection<'a>),
}

impl<'a> Outcome<'a> {
    /// Whether the document was accepted.
    pub const fn is_accepted(&self) -> bool {
        matches!(self, Outcome::Accepted(_))
    }

    /// The rejection, if any.
    pub const fn rejection(&self) -> Option<&Rejection<'a>> {
        match self {
            Outcome::Rejected(r) => Some(r),
            Outcome::Accepted(_) => None,
        }
    }

    /// The `ErrorCode` of a rejection.
    pub fn code(&self) -> Option<ErrorCode> {
        self.rejection().map(Rejection::code)
    }

    /// The `Id` of a rejection.
    pub fn id(&self) -> Option<Cow<'a, str>> {
        self.rejection().and_then(Rejection::id)
    }
}

/// An accepted document, with its borrowed view (a few hundred bytes, no heap).
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug)]
pub enum Document<'a> {
    /// A segment or standalone subsegment.
    Segment(Segment<'a>),
    /// A `T1S` OTLP payload: the bytes after the prefix.
    Otlp(&'a [u8]),
}

impl<'a> Document<'a> {
    /// The segment view, unless this is an OTLP payload.
    pub fn segment(self) -> Option<Segment<'a>> {
        match self {
            Document::Segment(s) => Some(s),
            Document::Otlp(_) => None,
        }
    }
}

/// The verdict on one daemon datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatagramOutcome<'a> {
    /// Rejected before the document was read (size, newline, header, empty body).
    Frame(FrameError),
    /// The body was validated; offsets in the outcome are offsets in the datagram.
    Document {
        /// The split datagram.
        frame: Frame<'a>,
        /// The verdict on the body.
        outcome: Outcome<'a>,
    },
}

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
        match self.run(doc, base) {
            Ok((kind, _, _)) => Outcome::Accepted(kind),
            Err(r) => Outcome::Rejected(r),
        }
    }

    /// Whether the document would be accepted.
    pub fn is_valid(&mut self, doc: &[u8]) -> bool {
        self.run(doc, 0).is_ok()
    }

    /// Validates one document and returns its borrowed view.
    pub fn parse<'a>(&mut self, doc: &'a [u8]) -> Result<Document<'a>, Rejection<'a>> {
        self.parse_at(doc, 0)
    }

    /// [`parse`](Self::parse) for a document at offset `base` of a larger buffer.
    pub fn parse_at<'a>(
        &mut self,
        doc: &'a [u8],
        base: usize,
    ) -> Result<Document<'a>, Rejection<'a>> {
        let (kind, text, fields) = self.run(doc, base)?;
        Ok(match kind {
            DocumentKind::Otlp => Document::Otlp(doc.get(3..).unwrap_or(&[])),
            _ => Document::Segment(Segment::new(text, base, fields)),
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
        self.warnings.clear();
        match frame::split_with(datagram, &mut self.scratch) {
            Err(e) => DatagramOutcome::Frame(e),
            Ok(frame) => DatagramOutcome::Document {
                frame,
                outcome: self.validate_at(frame.body, frame.body_offset),
            },
        }
    }

    /// Whether `line` is a valid daemon header, using this validator's buffers (no
    /// allocation in steady state). Streams skip such lines (RULES.md §1).
    pub fn is_daemon_header(&mut self, line: &[u8]) -> bool {
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

    fn run<'a>(
        &mut self,
        doc: &'a [u8],
        base: usize,
    ) -> Result<(DocumentKind, &'a str, Fields), Rejection<'a>> {
        self.warnings.clear();
        let seg = Entity::Segment;
        // 1. size
        if doc.len() > self.opts.get_max_document_bytes() {
            return Err(Self::reject(ErrorKind::DocumentTooLarge, base, None, seg));
        }
        // T1S: OTLP transit form
        if let Some(rest) = doc.strip_prefix(b"T1S") {
            return match otlp_bad_at(rest) {
                None => Ok((DocumentKind::Otlp, "", Fields::default())),
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
        let mut engine = Engine::new(
            text,
            base,
            self.opts.get_max_depth(),
            self.opts.profile(),
            self.opts.get_time_window(),
            &mut self.scratch,
            &mut self.warnings,
        );
        let result = engine.run();
        let dup_anywhere = engine.dup_anywhere;
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
        let id = match fields.get(Field::Id) {
            Some(v) if v.is_str() => text
                .get(v.start as usize + 1..(v.end as usize).saturating_sub(1))
                .map(|raw| JsonStr::new(raw, v.kind == VKind::StrEsc)),
            _ => None,
        };
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

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
