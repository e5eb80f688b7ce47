//! Daemon datagrams (RULES.md §7, D24), written plainly over [`crate::json::parse`].

use crate::json::{self, Json};
use crate::model::first_repeat_anywhere;
use crate::{Options, Outcome};

/// Largest datagram, header included (RULES.md §7).
pub const MAX_DATAGRAM_BYTES: usize = 65_536;

/// Why a datagram is rejected before its body is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameCode {
    /// Over 65,536 bytes.
    InvalidSegment,
    /// No `\n`, or nothing after it.
    MissingBody,
    /// The bytes before the first `\n` are not a valid header.
    InvalidHeader,
}

impl FrameCode {
    /// The code as reported: `InvalidSegment`, `MissingBody` or `InvalidHeader`.
    pub const fn as_str(self) -> &'static str {
        match self {
            FrameCode::InvalidSegment => "InvalidSegment",
            FrameCode::MissingBody => "MissingBody",
            FrameCode::InvalidHeader => "InvalidHeader",
        }
    }
}

/// A datagram split at its first `\n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// The bytes before the first `\n`.
    pub header: &'a [u8],
    /// The bytes after it.
    pub body: &'a [u8],
}

/// Splits a datagram and checks it, in this order: size, a `\n` to split at, the header, a
/// non-empty body.
pub fn split_datagram(datagram: &[u8]) -> Result<Frame<'_>, FrameCode> {
    if datagram.len() > MAX_DATAGRAM_BYTES {
        return Err(FrameCode::InvalidSegment);
    }
    let nl = datagram
        .iter()
        .position(|&c| c == b'\n')
        .ok_or(FrameCode::MissingBody)?;
    let (header, rest) = datagram.split_at(nl);
    let body = rest.get(1..).unwrap_or_default();
    if !is_daemon_header(header) {
        return Err(FrameCode::InvalidHeader);
    }
    if body.is_empty() {
        return Err(FrameCode::MissingBody);
    }
    Ok(Frame { header, body })
}

/// D24: a JSON object (white space around it allowed, no byte order mark, no key repeated
/// anywhere) whose `format` is a string equal to `json` under ASCII case folding and whose
/// `version` is the number literal `1`. Other keys are ignored.
pub fn is_daemon_header(header: &[u8]) -> bool {
    let Ok(value) = json::parse(header, 128) else {
        return false;
    };
    if !matches!(value, Json::Object(_)) {
        return false;
    }
    if first_repeat_anywhere(&value, "").is_some() {
        return false;
    }
    let format_ok =
        matches!(value.get("format"), Some(Json::String(s)) if s.eq_ignore_ascii_case("json"));
    let version_ok = matches!(value.get("version"), Some(Json::Number(n)) if n == "1");
    format_ok && version_ok
}

/// Splits a datagram and checks its body as a document. Pointers in the outcome are pointers
/// in the body.
pub fn check_datagram(datagram: &[u8], opts: &Options) -> Result<Outcome, FrameCode> {
    let frame = split_datagram(datagram)?;
    Ok(crate::check(frame.body, opts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        for ok in [
            r#"{"format":"json","version":1}"#,
            r#" { "version" : 1 , "format" : "JSON" } "#,
            "{\"format\":\"Json\",\"version\":1,\"x\":[{}]}\r",
            r#"{"format":"js\u006fn","version":1}"#,
        ] {
            assert!(is_daemon_header(ok.as_bytes()), "{ok}");
        }
        for bad in [
            r#"{"format":"json","version":1.0}"#,
            r#"{"format":"json","version":1e0}"#,
            r#"{"format":"json","version":-0}"#,
            r#"{"format":"json","version":"1"}"#,
            r#"{"format":"json"}"#,
            r#"{"version":1}"#,
            r#"{"Format":"json","version":1}"#,
            r#"{"format":"xml","version":1}"#,
            r#"{"format":"json","version":1,"version":1}"#,
            r#"{"format":"json","version":1,"x":{"a":1,"a":2}}"#,
            r#"{"format":"json","version":1} x"#,
            "\u{feff}{\"format\":\"json\",\"version\":1}",
            "[1]",
            "",
        ] {
            assert!(!is_daemon_header(bad.as_bytes()), "{bad}");
        }
    }

    #[test]
    fn split_order() {
        let h = br#"{"format":"json","version":1}"#;
        let mut d = h.to_vec();
        d.extend_from_slice(b"\n{}");
        let f = split_datagram(&d).unwrap();
        assert_eq!((f.header, f.body), (&h[..], &b"{}"[..]));
        assert_eq!(split_datagram(h), Err(FrameCode::MissingBody));
        assert_eq!(
            split_datagram(&d[..d.len() - 2]),
            Err(FrameCode::MissingBody)
        );
        assert_eq!(split_datagram(b"{}\n"), Err(FrameCode::InvalidHeader));
        assert_eq!(split_datagram(b"{}\n{}"), Err(FrameCode::InvalidHeader));
        assert_eq!(
            split_datagram(&vec![b'\n'; MAX_DATAGRAM_BYTES + 1]),
            Err(FrameCode::InvalidSegment)
        );
    }
}
