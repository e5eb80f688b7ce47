//! Daemon datagrams (RULES.md §7): `header` `\n` `document`, split at the first newline.

use core::fmt;
use core::ops::Range;
use std::sync::LazyLock;

use memchr::memmem::Finder;

use crate::json::keys::min_opt;
use crate::json::{self, Reader, RepeatSink, Scratch};
use crate::limits;

/// Where the header check keeps the first repeated key.
#[derive(Default)]
struct FirstRepeat(Option<u32>);

impl RepeatSink for FirstRepeat {
    fn repeated_key(&mut self, at: u32) {
        self.0 = min_opt(self.0, Some(at));
    }
}

/// Why a datagram was rejected before its document was read.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameErrorKind {
    /// More than 65,536 bytes (answered `InvalidSegment`).
    DatagramTooLarge,
    /// No `\n` in the datagram.
    NoNewline,
    /// Nothing after the first `\n`.
    EmptyBody,
    /// The header is not well-formed JSON (or is not UTF-8, or starts with a BOM).
    HeaderSyntax,
    /// The header is not a JSON object.
    HeaderNotObject,
    /// A key repeats in the header.
    HeaderRepeatedKey,
    /// `format` is missing or not the string `json` (any case).
    BadFormat,
    /// `version` is missing or not the number `1`.
    BadVersion,
}

/// The code a rejected datagram is reported with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FrameErrorCode {
    /// No body: no `\n`, or nothing after it.
    MissingBody,
    /// The header is not a valid daemon header.
    InvalidHeader,
    /// The datagram is too large; the service's own `InvalidSegment`.
    InvalidSegment,
}

impl FrameErrorCode {
    /// The code as reported, e.g. `"MissingBody"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            FrameErrorCode::MissingBody => "MissingBody",
            FrameErrorCode::InvalidHeader => "InvalidHeader",
            FrameErrorCode::InvalidSegment => "InvalidSegment",
        }
    }
}

impl fmt::Display for FrameErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FrameErrorKind {
    /// The code reported for this kind: `MissingBody`, `InvalidHeader` or `InvalidSegment`.
    pub const fn code(self) -> FrameErrorCode {
        match self {
            FrameErrorKind::DatagramTooLarge => FrameErrorCode::InvalidSegment,
            FrameErrorKind::NoNewline | FrameErrorKind::EmptyBody => FrameErrorCode::MissingBody,
            _ => FrameErrorCode::InvalidHeader,
        }
    }

    /// A lower-case sentence describing the problem.
    pub const fn description(self) -> &'static str {
        match self {
            FrameErrorKind::DatagramTooLarge => "datagram is larger than 65,536 bytes",
            FrameErrorKind::NoNewline => "datagram has no newline between header and body",
            FrameErrorKind::EmptyBody => "datagram has an empty body",
            FrameErrorKind::HeaderSyntax => "header is not well-formed JSON",
            FrameErrorKind::HeaderNotObject => "header is not a JSON object",
            FrameErrorKind::HeaderRepeatedKey => "header repeats a key",
            FrameErrorKind::BadFormat => "header `format` is not \"json\"",
            FrameErrorKind::BadVersion => "header `version` is not 1",
        }
    }
}

/// A rejected datagram: kind and byte offset in the datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FrameError {
    kind: FrameErrorKind,
    offset: u32,
}

impl FrameError {
    #[cold]
    fn new(kind: FrameErrorKind, offset: usize) -> Self {
        FrameError {
            kind,
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
        }
    }

    /// The precise kind.
    pub const fn kind(&self) -> FrameErrorKind {
        self.kind
    }

    /// `MissingBody`, `InvalidHeader` or `InvalidSegment`.
    pub const fn code(&self) -> FrameErrorCode {
        self.kind.code()
    }

    /// Byte offset in the datagram.
    pub const fn offset(&self) -> usize {
        self.offset as usize
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.kind.description(), self.offset)
    }
}

impl std::error::Error for FrameError {}

/// A datagram split into header and body.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The header bytes, without the `\n`.
    pub header: &'a [u8],
    /// The document.
    pub body: &'a [u8],
    /// Offset of the body in the datagram (header length + 1).
    pub body_offset: usize,
}

impl Frame<'_> {
    /// The range of the body in the datagram.
    pub fn body_range(&self) -> Range<usize> {
        self.body_offset..self.body_offset + self.body.len()
    }
}

/// Splits a datagram at its first `\n` and checks the size and the header.
///
/// ```
/// let f = xseg::split_datagram(b"{\"format\":\"json\",\"version\":1}\n{}").unwrap();
/// assert_eq!(f.body, b"{}");
/// assert_eq!(f.body_offset, 30);
/// let e = xseg::split_datagram(b"{\"format\":\"json\",\"version\":2}\n{}").unwrap_err();
/// assert_eq!(e.code(), xseg::FrameErrorCode::InvalidHeader);
/// ```
pub fn split_datagram(datagram: &[u8]) -> Result<Frame<'_>, FrameError> {
    let mut scratch = Scratch::default();
    split_with(datagram, &mut scratch)
}

pub(crate) fn split_with<'a>(
    datagram: &'a [u8],
    scratch: &mut Scratch,
) -> Result<Frame<'a>, FrameError> {
    if datagram.len() > limits::MAX_DATAGRAM_BYTES {
        return Err(FrameError::new(FrameErrorKind::DatagramTooLarge, 0));
    }
    let nl = memchr::memchr(b'\n', datagram)
        .ok_or_else(|| FrameError::new(FrameErrorKind::NoNewline, datagram.len()))?;
    let header = datagram.get(..nl).unwrap_or(&[]);
    let body = datagram.get(nl + 1..).unwrap_or(&[]);
    check_header_with(header, scratch)?;
    if body.is_empty() {
        return Err(FrameError::new(FrameErrorKind::EmptyBody, nl + 1));
    }
    Ok(Frame {
        header,
        body,
        body_offset: nl + 1,
    })
}

/// Whether `line` is a valid daemon header (used to skip header lines in document streams).
///
/// ```
/// assert!(xseg::is_daemon_header(b"{\"format\": \"JSON\", \"version\": 1}\r"));
/// assert!(!xseg::is_daemon_header(b"{\"format\":\"json\",\"version\":\"1\"}"));
/// ```
pub fn is_daemon_header(line: &[u8]) -> bool {
    let mut scratch = Scratch::default();
    is_header_with(line, &mut scratch)
}

/// The searchers for the two keys, built once: building one for every line cost as much as a
/// quarter of the search itself.
static FORMAT_KEY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"format\""));
static VERSION_KEY: LazyLock<Finder<'static>> = LazyLock::new(|| Finder::new(b"\"version\""));

/// Whether `line` can be a header at all: it holds both keys, byte for byte (D24). This keeps
/// header detection in streams from re-reading every document. `"format"` is searched first:
/// SDK documents often hold a `"version"` (of a service or an SDK), almost never a
/// `"format"`, so a document is passed over after one search.
#[inline]
fn may_be_header(line: &[u8]) -> bool {
    FORMAT_KEY.find(line).is_some() && VERSION_KEY.find(line).is_some()
}

/// The header every X-Ray SDK and the daemon write, byte for byte: a valid header without
/// parsing it (a test holds it to the full check).
const USUAL_HEADER: &[u8] = br#"{"format":"json","version":1}"#;

pub(crate) fn is_header_with(line: &[u8], scratch: &mut Scratch) -> bool {
    line == USUAL_HEADER || (may_be_header(line) && check_header_with(line, scratch).is_ok())
}

pub(crate) fn check_header_with(header: &[u8], scratch: &mut Scratch) -> Result<(), FrameError> {
    let syntax = |at: usize| FrameError::new(FrameErrorKind::HeaderSyntax, at);
    let text = core::str::from_utf8(header).map_err(|e| syntax(e.valid_up_to()))?;
    if header.starts_with(b"\xEF\xBB\xBF") {
        return Err(syntax(0));
    }
    let mut reader = Reader::new(text, limits::MAX_DEPTH, scratch, FirstRepeat::default());
    let start = reader.document().map_err(|(_, at)| syntax(at))?;
    if let Some(at) = reader.sink.0 {
        return Err(FrameError::new(
            FrameErrorKind::HeaderRepeatedKey,
            at as usize,
        ));
    }
    if header.get(start) != Some(&b'{') {
        return Err(FrameError::new(FrameErrorKind::HeaderNotObject, start));
    }
    let (mut format_ok, mut version_ok) = (false, false);
    for (k, v) in json::Members::new(header, start) {
        let key = k.str_in(text);
        let raw = v.raw_in(text);
        // D24: the keys are matched exactly, byte for byte (an escaped spelling is another key)
        if key.raw() == "format" {
            format_ok = v.is_str()
                && v.str_in(text)
                    .decode_small::<4>()
                    .is_some_and(|b| b.eq_ignore_ascii_case(b"json"));
            if !format_ok {
                return Err(FrameError::new(FrameErrorKind::BadFormat, v.start as usize));
            }
        } else if key.raw() == "version" {
            version_ok = raw == "1";
            if !version_ok {
                return Err(FrameError::new(
                    FrameErrorKind::BadVersion,
                    v.start as usize,
                ));
            }
        }
    }
    if !format_ok {
        return Err(FrameError::new(FrameErrorKind::BadFormat, start));
    }
    if !version_ok {
        return Err(FrameError::new(FrameErrorKind::BadVersion, start));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(d: &[u8]) -> Result<usize, (&'static str, FrameErrorKind)> {
        split_datagram(d)
            .map(|f| f.body_offset)
            .map_err(|e| (e.code().as_str(), e.kind()))
    }

    #[test]
    fn the_usual_header_passes_the_full_check() {
        let mut scratch = Scratch::default();
        assert_eq!(check_header_with(USUAL_HEADER, &mut scratch), Ok(()));
        assert!(is_header_with(USUAL_HEADER, &mut scratch));
        // one byte off takes the full check
        assert!(!is_header_with(
            br#"{"format":"json","version":2}"#,
            &mut scratch
        ));
        assert!(is_header_with(
            br#"{"format":"JSON","version":1}"#,
            &mut scratch
        ));
        assert!(!may_be_header(br#"{"name":"svc","version":"1"}"#));
    }

    #[test]
    fn header_like_lines() {
        let mut scratch = Scratch::default();
        let mut is = |l: &[u8]| is_header_with(l, &mut scratch);
        // the keys deeper down: a document, not a header
        assert!(!is(
            br#"{"name":"web","id":"70de5b6f19ff9a0a","metadata":{"format":"json","version":1}}"#
        ));
        assert!(!is(br#"{"a":[{"format":"json"},{"version":1}]}"#));
        assert!(!is(br#"{"name":"x","format":"json","sub":{"version":1}}"#));
        // in a string value: not keys at all
        assert!(!is(br#"{"name":""format":"json","version":1"}"#));
        // at the top level, beside a segment's fields: a header (so a stream skips it)
        assert!(is(br#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2,"format":"json","version":1}"#));
        // extra keys and white space anywhere JSON allows it
        assert!(is(
            b" {\t\"extra\" : {\"format\":\"xml\"} ,\"version\":1,\n\"format\":\"jSoN\" }\r"
        ));
        assert!(is(br#"{"version":1,"x":"\"version\"","format":"json"}"#));
        // one key only, or a key in another spelling
        assert!(!is(br#"{"format":"json","Version":1}"#));
        assert!(!is(br#"{"format":"json","versions":1}"#));
        assert!(!is(br#"{"format":"json","version":1"#));
    }

    #[test]
    fn header_forms() {
        use FrameErrorKind::*;
        let ok = |h: &str| {
            let d = format!("{h}\n{{}}");
            assert_eq!(code(d.as_bytes()), Ok(h.len() + 1), "{h:?}");
        };
        ok(r#"{"format":"json","version":1}"#);
        ok(r#"{ "format" : "json" , "version" : 1 }"#);
        ok(r#"{"version":1,"format":"json"}"#);
        ok(r#"{"format":"JSON","version":1}"#);
        ok(r#"{"format":"Json","version":1,"extra":[1,{"a":2}]}"#);
        ok("{\"format\":\"json\",\"version\":1}\r");
        ok(r#"{"format":"js\u006fn","version":1}"#);
        let bad = |d: &[u8], want: FrameErrorKind| {
            assert_eq!(
                code(d).map_err(|e| e.1),
                Err(want),
                "{:?}",
                String::from_utf8_lossy(d)
            );
        };
        bad(b"{\"format\":\"json\",\"version\":2}\n{}", BadVersion);
        bad(b"{\"format\":\"json\",\"version\":\"1\"}\n{}", BadVersion);
        bad(b"{\"format\":\"json\",\"version\":1.0}\n{}", BadVersion);
        bad(b"{\"format\":\"json\",\"version\":1e0}\n{}", BadVersion);
        bad(b"{\"format\":\"json\",\"version\":-0}\n{}", BadVersion);
        bad(b"{\"format\":\"json\"}\n{}", BadVersion);
        bad(b"{\"format\":\"xml\",\"version\":1}\n{}", BadFormat);
        bad(b"{\"Format\":\"json\",\"version\":1}\n{}", BadFormat);
        bad(b"{\"version\":1}\n{}", BadFormat);
        bad(b"{\"f\\u006frmat\":\"json\",\"version\":1}\n{}", BadFormat);
        bad(
            b"{\"format\":\"json\",\"version\":1,\"version\":1}\n{}",
            HeaderRepeatedKey,
        );
        bad(b"{\"format\":\"json\",\"version\":1} x\n{}", HeaderSyntax);
        bad(
            b"\xEF\xBB\xBF{\"format\":\"json\",\"version\":1}\n{}",
            HeaderSyntax,
        );
        bad(b"[1]\n{}", HeaderNotObject);
        bad(b"\n{}", HeaderSyntax);
        bad(b"{\"format\":\"json\",\"version\":1}", NoNewline);
        bad(b"{\"format\":\"json\",\"version\":1}\n", EmptyBody);
        let big = vec![b' '; limits::MAX_DATAGRAM_BYTES + 1];
        bad(&big, DatagramTooLarge);
        assert_eq!(
            code(b"{\"format\":\"json\",\"version\":1}").unwrap_err().0,
            "MissingBody"
        );
        assert_eq!(
            code(b"{\"format\":\"json\",\"version\":2}\n{}")
                .unwrap_err()
                .0,
            "InvalidHeader"
        );
        assert_eq!(code(&big).unwrap_err().0, "InvalidSegment");
        assert!(is_daemon_header(br#"{"format":"json","version":1}"#));
        assert!(!is_daemon_header(br#"{"format":"json"}"#));
        assert!(!is_daemon_header(
            br#"{"name":"x","service":{"version":"1"}}"#
        ));
    }
}
