//! Walking JSON that is already validated: [`Members`] of an object, [`Elements`] of an array.
//!
//! The views, the pointer finder and the daemon header reader walk text that the reader has
//! already accepted, so they only need to find where values end. They never panic on any input:
//! on malformed text they stop early.

use super::lex::ws;
use super::{JsonStr, ValueKind, ValueSpan};

/// The kind of the value starting at `pos` of validated JSON.
#[inline]
pub(crate) fn kind_at(b: &[u8], pos: usize) -> ValueKind {
    match b.get(pos) {
        Some(b'{') => ValueKind::Obj,
        Some(b'[') => ValueKind::Arr,
        Some(b'"') => ValueKind::Str,
        Some(b'n') => ValueKind::Null,
        Some(b't') => ValueKind::True,
        Some(b'f') => ValueKind::False,
        _ => ValueKind::Num,
    }
}

/// End of the string whose opening quote is at `pos`, and whether it holds escapes.
#[inline]
fn skip_string(b: &[u8], pos: usize) -> (usize, bool) {
    let mut p = pos + 1;
    let mut escaped = false;
    loop {
        match memchr::memchr2(b'"', b'\\', b.get(p..).unwrap_or(&[])) {
            Some(i) => {
                p += i;
                if b.get(p) == Some(&b'\\') {
                    escaped = true;
                    p += 2;
                } else {
                    return (p + 1, escaped);
                }
            }
            None => return (b.len(), escaped),
        }
    }
}

/// The index just after the closing quote of the string whose opening quote is at `pos`, in
/// validated JSON.
pub(crate) fn string_end(b: &[u8], pos: usize) -> usize {
    skip_string(b, pos).0
}

/// The index just after the value starting at `pos` of validated JSON. On any other input it
/// stops early or at the end; it never reads out of bounds.
pub(crate) fn value_end(b: &[u8], pos: usize) -> usize {
    match b.get(pos) {
        Some(b'"') => string_end(b, pos),
        Some(b'{' | b'[') => {
            let mut depth = 0usize;
            let mut p = pos;
            loop {
                match b.get(p) {
                    Some(b'"') => p = string_end(b, p),
                    Some(b'{' | b'[') => {
                        depth += 1;
                        p += 1;
                    }
                    Some(b'}' | b']') => {
                        depth = depth.saturating_sub(1);
                        p += 1;
                        if depth == 0 {
                            return p;
                        }
                    }
                    Some(_) => p += 1,
                    None => return b.len(),
                }
            }
        }
        _ => {
            let mut p = pos;
            while b
                .get(p)
                .is_some_and(|c| !matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t'))
            {
                p += 1;
            }
            p
        }
    }
}

/// The value starting at `pos` of validated JSON.
pub(crate) fn skip_value(b: &[u8], pos: usize) -> ValueSpan {
    let (end, kind) = match kind_at(b, pos) {
        ValueKind::Str => match skip_string(b, pos) {
            (end, true) => (end, ValueKind::StrEsc),
            (end, false) => (end, ValueKind::Str),
        },
        kind => (value_end(b, pos), kind),
    };
    ValueSpan {
        start: pos as u32,
        end: end as u32,
        kind,
    }
}

/// An object key: the text between its quotes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeySpan {
    /// Offset just after the opening quote.
    pub start: usize,
    /// Offset of the closing quote.
    pub end: usize,
    /// Whether the key holds escapes.
    pub escaped: bool,
}

impl KeySpan {
    /// The key in `text`, the document it was read from.
    pub(crate) fn str_in(self, text: &str) -> JsonStr<'_> {
        JsonStr::new(text.get(self.start..self.end).unwrap_or(""), self.escaped)
    }
}

/// The members of a validated object, in document order.
#[derive(Clone, Debug)]
pub(crate) struct Members<'a> {
    b: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> Members<'a> {
    /// Members of the object whose `{` is at `start`.
    pub(crate) fn new(b: &'a [u8], start: usize) -> Self {
        Members {
            b,
            pos: start + 1,
            done: b.get(start) != Some(&b'{'),
        }
    }
}

impl Iterator for Members<'_> {
    type Item = (KeySpan, ValueSpan);

    fn next(&mut self) -> Option<(KeySpan, ValueSpan)> {
        if self.done {
            return None;
        }
        let mut p = ws(self.b, self.pos);
        if self.b.get(p) == Some(&b',') {
            p = ws(self.b, p + 1);
        }
        if self.b.get(p) != Some(&b'"') {
            self.done = true;
            self.pos = (p + 1).min(self.b.len());
            return None;
        }
        let (kend, escaped) = skip_string(self.b, p);
        let key = KeySpan {
            start: p + 1,
            end: kend.saturating_sub(1),
            escaped,
        };
        let colon = ws(self.b, kend);
        let vpos = ws(self.b, colon + 1);
        let v = skip_value(self.b, vpos);
        self.pos = v.end as usize;
        Some((key, v))
    }
}

/// The elements of a validated array, in document order.
#[derive(Clone, Debug)]
pub(crate) struct Elements<'a> {
    b: &'a [u8],
    pos: usize,
    done: bool,
}

impl<'a> Elements<'a> {
    /// Elements of the array whose `[` is at `start`.
    pub(crate) fn new(b: &'a [u8], start: usize) -> Self {
        Elements {
            b,
            pos: start + 1,
            done: b.get(start) != Some(&b'['),
        }
    }
}

impl Iterator for Elements<'_> {
    type Item = ValueSpan;

    fn next(&mut self) -> Option<ValueSpan> {
        if self.done {
            return None;
        }
        let mut p = ws(self.b, self.pos);
        if self.b.get(p) == Some(&b',') {
            p = ws(self.b, p + 1);
        }
        if matches!(self.b.get(p), Some(b']') | None) {
            self.done = true;
            return None;
        }
        let v = skip_value(self.b, p);
        self.pos = v.end as usize;
        Some(v)
    }
}
