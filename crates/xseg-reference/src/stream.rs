//! NDJSON document streams (RULES.md §1), written plainly.
//!
//! A stream is cut at every `\n`; the `\n` is not part of the line, a `\r` before it is (it is
//! white space after the document). A last line without `\n` counts. Blank lines (only spaces,
//! tabs and carriage returns) are skipped, and so are lines that are valid daemon headers
//! ([`crate::frame::is_daemon_header`]); a line longer than the size limit is never a header
//! (no datagram that long is valid, §7). Every other line is a document.

use crate::frame::is_daemon_header;

/// One document line of a stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line<'a> {
    /// 1-based line number, blank and header lines counted.
    pub number: u64,
    /// Offset of the line's first byte in the stream.
    pub offset: usize,
    /// The line without its `\n`.
    pub document: &'a [u8],
}

/// The document lines of `stream`, in order; `max_document_bytes` is the size limit.
pub fn documents(stream: &[u8], max_document_bytes: usize) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut number = 0;
    let mut rest = stream;
    while !rest.is_empty() {
        number += 1;
        let (line, next, consumed) = match rest.iter().position(|&c| c == b'\n') {
            Some(nl) => (
                rest.get(..nl).unwrap_or_default(),
                rest.get(nl + 1..).unwrap_or_default(),
                nl + 1,
            ),
            None => (rest, &[][..], rest.len()),
        };
        let blank = line.iter().all(|c| matches!(c, b' ' | b'\t' | b'\r'));
        let header = line.len() <= max_document_bytes && is_daemon_header(line);
        if !blank && !header {
            out.push(Line {
                number,
                offset,
                document: line,
            });
        }
        offset += consumed;
        rest = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        let s = b"{\"format\":\"json\",\"version\":1}\n[]\n\n \r\n{\"id\":1}\r\nlast";
        let got: Vec<_> = documents(s, 65_536)
            .into_iter()
            .map(|l| (l.number, l.offset, l.document))
            .collect();
        assert_eq!(
            got,
            [
                (2, 30, &b"[]"[..]),
                (5, 37, &b"{\"id\":1}\r"[..]),
                (6, 47, &b"last"[..])
            ]
        );
        assert!(documents(b"", 65_536).is_empty());
        assert!(documents(b"\n\n", 65_536).is_empty());
    }
}
