//! JSON texts separated by white space, read in bounded memory; and the little structure a
//! caller needs to find its way in a text without validating it (top-level members, the
//! strings of an array, where an unescaped byte sits in its escaped string).
//!
//! The splitter follows only brackets and strings, so a syntax error inside a text does not
//! move the next text's start; the validator reports the error. A text whose brackets never
//! close runs to the end of the input and is marked unterminated, so that the report can say
//! what was not checked. Anything between texts that cannot start an object or an array
//! (stray words, numbers, a lone `}`) makes one text up to the next `{` or `[`, which the
//! validator rejects once. A raw newline ends a string (JSON strings cannot hold one), so a
//! missing quote costs one line, not the rest of the input.

use std::io::{self, Read};
use std::ops::Range;

/// How the splitter is inside a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    /// An object or an array, `depth` levels down.
    Container {
        depth: u32,
        in_string: bool,
        escape: bool,
    },
    /// A top-level string.
    Str { escape: bool },
    /// A number, a literal or stray characters.
    Scalar,
    /// Between texts, anything that cannot start an object, an array or a string: it runs to
    /// the next `{` or `[`, so that stray words are one finding, not one per word.
    Junk,
}

/// What a byte does to the text being scanned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Step {
    /// The text goes on.
    More,
    /// The text ends with this byte.
    EndWith,
    /// The text ended before this byte.
    EndBefore,
}

fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn ends_scalar(b: u8) -> bool {
    is_space(b) || matches!(b, b'{' | b'}' | b'[' | b']' | b'"' | b',' | b':')
}

impl Mode {
    /// The mode of a text starting with `b`, or `None` for a text of that one byte.
    fn start(b: u8) -> Option<Mode> {
        match b {
            b'{' | b'[' => Some(Mode::Container {
                depth: 1,
                in_string: false,
                escape: false,
            }),
            b'"' => Some(Mode::Str { escape: false }),
            b'}' | b']' | b',' | b':' => None,
            _ => Some(Mode::Scalar),
        }
    }

    fn step(&mut self, b: u8) -> Step {
        match self {
            Mode::Container {
                depth,
                in_string,
                escape,
            } => {
                if *in_string {
                    if *escape {
                        *escape = false;
                    } else if b == b'\\' {
                        *escape = true;
                    } else if b == b'"' || b == b'\n' {
                        *in_string = false;
                    }
                    return Step::More;
                }
                match b {
                    b'"' => *in_string = true,
                    b'{' | b'[' => *depth += 1,
                    b'}' | b']' => {
                        *depth -= 1;
                        if *depth == 0 {
                            return Step::EndWith;
                        }
                    }
                    _ => {}
                }
                Step::More
            }
            Mode::Str { escape } => {
                if *escape {
                    *escape = false;
                    Step::More
                } else if b == b'\\' {
                    *escape = true;
                    Step::More
                } else if b == b'"' {
                    Step::EndWith
                } else if b == b'\n' {
                    Step::EndBefore
                } else {
                    Step::More
                }
            }
            Mode::Junk => {
                if matches!(b, b'{' | b'[') {
                    Step::EndBefore
                } else {
                    Step::More
                }
            }
            Mode::Scalar => {
                if ends_scalar(b) {
                    Step::EndBefore
                } else {
                    Step::More
                }
            }
        }
    }
}

/// The length of the JSON text at the start of `text` (which starts with its first byte), or
/// `None` when it does not end within `text` (a scalar at the end of `text` counts as ended).
pub fn text_end(text: &[u8]) -> Option<usize> {
    let (&first, rest) = text.split_first()?;
    let Some(mut mode) = Mode::start(first) else {
        return Some(1);
    };
    for (i, &b) in rest.iter().enumerate() {
        match mode.step(b) {
            Step::More => {}
            Step::EndWith => return Some(i + 2),
            Step::EndBefore => return Some(i + 1),
        }
    }
    (mode == Mode::Scalar).then_some(text.len())
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while bytes.get(i).is_some_and(|&b| is_space(b)) {
        i += 1;
    }
    i
}

/// The value at `i` (after white space): its range, or `None` when it does not end.
fn value_at(bytes: &[u8], i: usize) -> Option<Range<usize>> {
    let start = skip_space(bytes, i);
    let len = text_end(bytes.get(start..)?)?;
    Some(start..start + len)
}

/// The members of the top-level object `text`: the raw key (between its quotes) and the
/// range of the value. `None` when `text` is not an object or is cut short.
pub fn members(text: &[u8]) -> Option<Vec<(Range<usize>, Range<usize>)>> {
    let mut i = skip_space(text, 0);
    if text.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_space(text, i + 1);
    let mut out = Vec::new();
    if text.get(i) == Some(&b'}') {
        return Some(out);
    }
    loop {
        let key = value_at(text, i)?;
        if text.get(key.start) != Some(&b'"') || key.len() < 2 {
            return None;
        }
        i = skip_space(text, key.end);
        if text.get(i) != Some(&b':') {
            return None;
        }
        let value = value_at(text, i + 1)?;
        i = skip_space(text, value.end);
        out.push((key.start + 1..key.end - 1, value));
        match text.get(i) {
            Some(b',') => i += 1,
            Some(b'}') => return Some(out),
            _ => return None,
        }
    }
}

/// The range of the value of the top-level member `key` (compared as written) of `text`; the
/// last one when it repeats.
pub fn member(text: &[u8], key: &[u8]) -> Option<Range<usize>> {
    members(text)?
        .into_iter()
        .filter(|(k, _)| text.get(k.clone()) == Some(key))
        .map(|(_, v)| v)
        .next_back()
}

/// The top-level `id` of a document, when it is a string: found without validating the
/// document again.
pub fn top_level_id(doc: &[u8]) -> Option<String> {
    let range = member(doc, b"id")?;
    serde_json::from_slice(doc.get(range)?).ok()
}

/// The key of a PutTraceSegments request's documents.
pub const DOCUMENTS_KEY: &[u8] = b"TraceSegmentDocuments";

/// Whether the text is a PutTraceSegments request: an object with `TraceSegmentDocuments`.
pub fn is_request(text: &[u8]) -> bool {
    members(text).is_some_and(|m| {
        m.iter()
            .any(|(k, _)| text.get(k.clone()) == Some(DOCUMENTS_KEY))
    })
}

/// The contents (between the quotes) of the string elements of the array `array`, in order;
/// `None` when it is not an array of strings.
pub fn string_elements(array: &[u8]) -> Option<Vec<Range<usize>>> {
    let mut i = skip_space(array, 0);
    if array.get(i) != Some(&b'[') {
        return None;
    }
    i = skip_space(array, i + 1);
    let mut out = Vec::new();
    if array.get(i) == Some(&b']') {
        return Some(out);
    }
    loop {
        let element = value_at(array, i)?;
        if array.get(element.start) != Some(&b'"') || element.len() < 2 {
            return None;
        }
        out.push(element.start + 1..element.end - 1);
        i = skip_space(array, element.end);
        match array.get(i) {
            Some(b',') => i += 1,
            Some(b']') => return Some(out),
            _ => return None,
        }
    }
}

fn hex4(raw: &[u8]) -> Option<u32> {
    let s = std::str::from_utf8(raw.get(..4)?).ok()?;
    u32::from_str_radix(s, 16).ok()
}

/// Where byte `decoded` of the unescaped string sits in its escaped form `raw` (the contents
/// between the quotes): the index of the escape or character that produced it.
pub fn raw_index(raw: &[u8], decoded: usize) -> usize {
    let (mut i, mut produced) = (0usize, 0usize);
    while i < raw.len() {
        let (raw_len, out_len) = match raw.get(i) {
            Some(b'\\') => match raw.get(i + 1) {
                Some(b'u') => match hex4(raw.get(i + 2..).unwrap_or(&[])) {
                    Some(0xd800..=0xdbff)
                        if raw.get(i + 6) == Some(&b'\\') && raw.get(i + 7) == Some(&b'u') =>
                    {
                        match hex4(raw.get(i + 8..).unwrap_or(&[])) {
                            Some(0xdc00..=0xdfff) => (12, 4),
                            _ => (6, 3),
                        }
                    }
                    Some(cp) => (6, char::from_u32(cp).map_or(3, char::len_utf8)),
                    None => (2, 1),
                },
                _ => (2, 1),
            },
            _ => (1, 1),
        };
        if produced + out_len > decoded {
            return i;
        }
        produced += out_len;
        i += raw_len;
    }
    raw.len()
}

/// Line and column after `bytes`, starting at `line`, `column` (1-based, columns in bytes).
pub fn advance(mut line: u64, mut column: u64, bytes: &[u8]) -> (u64, u64) {
    for &b in bytes {
        if b == b'\n' {
            line += 1;
            column = 1;
        } else {
            column += 1;
        }
    }
    (line, column)
}

/// One text found in the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    /// Its bytes in [`Texts::buffer`]; empty for a text longer than the limit, not kept.
    pub range: Range<usize>,
    /// Byte offset of its first byte in the input.
    pub offset: u64,
    /// Its length in bytes.
    pub len: u64,
    /// 1-based line of its first byte.
    pub line: u64,
    /// 1-based column of its first byte, in bytes.
    pub column: u64,
    /// Its brackets or its string never closed: it runs to the end of the input.
    pub unterminated: bool,
    /// Longer than the limit, so not kept.
    pub oversized: bool,
    /// Not an object, an array or a string: what lay before the next `{` or `[`.
    pub stray: bool,
}

/// The text being read.
#[derive(Clone, Debug)]
struct Open {
    /// Where it starts in the buffer; `None` once it is too long to keep.
    start: Option<usize>,
    offset: u64,
    line: u64,
    column: u64,
    mode: Mode,
}

/// Splits a stream into JSON texts, a chunk at a time. See the [module documentation](self).
pub struct Texts<R> {
    reader: R,
    chunk: usize,
    limit: usize,
    buf: Vec<u8>,
    /// Input offset of `buf[0]`.
    base: u64,
    /// Next byte of `buf` to scan.
    pos: usize,
    line: u64,
    /// Input offset of the current line's first byte.
    line_start: u64,
    open: Option<Open>,
    eof: bool,
    read: u64,
}

impl<R: Read> Texts<R> {
    /// A splitter reading `chunk` bytes at a time, keeping texts of at most `limit` bytes.
    pub fn new(reader: R, chunk: usize, limit: usize) -> Self {
        Texts {
            reader,
            chunk: chunk.max(1),
            limit,
            buf: Vec::new(),
            base: 0,
            pos: 0,
            line: 1,
            line_start: 0,
            open: None,
            eof: false,
            read: 0,
        }
    }

    /// The buffer the ranges of the last [`next_chunk`](Self::next_chunk) point into.
    pub fn buffer(&self) -> &[u8] {
        &self.buf
    }

    /// Bytes read so far.
    pub const fn bytes_read(&self) -> u64 {
        self.read
    }

    /// Reads the next chunk and appends the texts that end in it to `out` (cleared first);
    /// returns `false` once the input is exhausted (the texts of the last call are complete).
    ///
    /// # Errors
    ///
    /// Errors of the reader.
    pub fn next_chunk(&mut self, out: &mut Vec<Text>) -> io::Result<bool> {
        out.clear();
        if self.eof {
            return Ok(false);
        }
        // Keep only the text being read, if it is kept.
        let keep = match &self.open {
            Some(Open {
                start: Some(start), ..
            }) => *start,
            _ => self.pos,
        };
        self.buf.drain(..keep.min(self.buf.len()));
        self.base += keep as u64;
        self.pos -= keep;
        if let Some(Open {
            start: Some(start), ..
        }) = &mut self.open
        {
            *start -= keep;
        }
        let got = (&mut self.reader)
            .take(self.chunk as u64)
            .read_to_end(&mut self.buf)?;
        self.read += got as u64;
        self.eof = got < self.chunk;
        self.scan(out);
        if self.eof {
            self.close(self.buf.len(), true, out);
        }
        Ok(!self.eof)
    }

    fn scan(&mut self, out: &mut Vec<Text>) {
        while let Some(&b) = self.buf.get(self.pos) {
            let i = self.pos;
            match &mut self.open {
                None => {
                    if !is_space(b) {
                        let offset = self.base + i as u64;
                        let column = offset - self.line_start + 1;
                        let mode = match Mode::start(b) {
                            Some(Mode::Scalar | Mode::Junk) | None => Mode::Junk,
                            Some(mode) => mode,
                        };
                        self.open = Some(Open {
                            start: Some(i),
                            offset,
                            line: self.line,
                            column,
                            mode,
                        });
                    }
                }
                Some(open) => match open.mode.step(b) {
                    Step::More => {}
                    Step::EndWith => self.close(i + 1, false, out),
                    Step::EndBefore => {
                        self.close(i, false, out);
                        // The byte that ended it may start the next text.
                        continue;
                    }
                },
            }
            if b == b'\n' {
                self.line += 1;
                self.line_start = self.base + i as u64 + 1;
            }
            self.pos += 1;
            if let Some(open) = &mut self.open {
                if let Some(start) = open.start {
                    if self.pos - start > self.limit {
                        open.start = None;
                    }
                }
            }
        }
    }

    /// Ends the open text at buffer index `end`.
    fn close(&mut self, end: usize, at_eof: bool, out: &mut Vec<Text>) {
        let Some(open) = self.open.take() else {
            return;
        };
        let len = self.base + end as u64 - open.offset;
        let unterminated = at_eof && !matches!(open.mode, Mode::Scalar | Mode::Junk);
        out.push(Text {
            range: open.start.map_or(0..0, |s| s..end),
            offset: open.offset,
            len,
            line: open.line,
            column: open.column,
            unterminated,
            oversized: open.start.is_none(),
            stray: open.mode == Mode::Junk,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(input: &str, chunk: usize, limit: usize) -> Vec<(String, u64, u64, u64, bool, bool)> {
        let mut t = Texts::new(input.as_bytes(), chunk, limit);
        let mut all = Vec::new();
        let mut texts = Vec::new();
        loop {
            let more = t.next_chunk(&mut texts).unwrap();
            for x in &texts {
                let s = String::from_utf8(t.buffer()[x.range.clone()].to_vec()).unwrap();
                assert!(x.oversized || s.len() as u64 == x.len);
                all.push((s, x.offset, x.line, x.column, x.unterminated, x.oversized));
            }
            if !more {
                break;
            }
        }
        assert_eq!(t.bytes_read(), input.len() as u64);
        all
    }

    #[test]
    fn texts_with_positions_whatever_the_chunk() {
        let input = "{\n  \"a\": \"}{\\\"\"\n}\n[1, {\"b\": []}] 12 \"s\\\"\" }\n  {\"x\":\n1}";
        for chunk in [1, 2, 3, 7, 64, 1 << 20] {
            let got = split(input, chunk, 1000);
            assert_eq!(
                got,
                [
                    (
                        "{\n  \"a\": \"}{\\\"\"\n}".to_owned(),
                        0,
                        1,
                        1,
                        false,
                        false
                    ),
                    ("[1, {\"b\": []}]".to_owned(), 18, 4, 1, false, false),
                    // stray values and characters make one text, up to the next object
                    ("12 \"s\\\"\" }\n  ".to_owned(), 33, 4, 16, false, false),
                    ("{\"x\":\n1}".to_owned(), 46, 5, 3, false, false),
                ],
                "chunk {chunk}"
            );
        }
    }

    #[test]
    fn unterminated_and_oversized_texts() {
        let got = split("{\"a\":1}\n{\"b\": [\n\n", 4, 100);
        assert_eq!(got[1], ("{\"b\": [\n\n".to_owned(), 8, 2, 1, true, false));
        let got = split("{\"a\":\"0123456789\"} 5", 3, 8);
        assert_eq!(got[0], (String::new(), 0, 1, 1, false, true));
        assert_eq!(got[1], ("5".to_owned(), 19, 1, 20, false, false));
        // a missing quote costs one line
        let got = split("{\"a\":\"x\n}\n{\"b\":1}", 5, 100);
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].0, "{\"b\":1}");
        assert_eq!(split("tru", 2, 100)[0].0, "tru");
        assert!(split(" \n ", 2, 100).is_empty());
    }

    #[test]
    fn members_and_elements() {
        let text =
            br#" { "id" : "a\"b", "n": {"id": 1}, "TraceSegmentDocuments": [ "{}" , "x\"" ] } "#;
        assert!(is_request(text));
        assert!(!is_request(br#"{"id":"x"}"#));
        assert!(!is_request(b"[1]"));
        assert_eq!(top_level_id(text).as_deref(), Some("a\"b"));
        assert_eq!(top_level_id(br#"{"n":{"id":"x"},"id":7}"#), None);
        assert_eq!(
            top_level_id(br#"{"id":"1","id":"2"}"#).as_deref(),
            Some("2")
        );
        let docs = member(text, DOCUMENTS_KEY).unwrap();
        let elements = string_elements(&text[docs.clone()]).unwrap();
        let got: Vec<&[u8]> = elements
            .iter()
            .map(|r| &text[docs.start + r.start..docs.start + r.end])
            .collect();
        assert_eq!(got, [&b"{}"[..], b"x\\\""]);
        assert_eq!(string_elements(b"[]"), Some(vec![]));
        assert_eq!(string_elements(b"[1]"), None);
        assert_eq!(members(b"{}"), Some(vec![]));
        assert_eq!(members(b"{\"a\" 1}"), None);
    }

    #[test]
    fn raw_indexes() {
        let raw = br#"a\"b\u00e9c\ud83d\ude00d\n"#;
        // decoded: a " b é(2) c 😀(4) d \n
        let want = [0, 1, 3, 4, 4, 10, 11, 11, 11, 11, 23, 24];
        for (decoded, &at) in want.iter().enumerate() {
            assert_eq!(raw_index(raw, decoded), at, "byte {decoded}");
        }
        assert_eq!(raw_index(raw, 99), raw.len());
        assert_eq!(advance(3, 5, b"ab\ncd"), (4, 3));
    }
}
