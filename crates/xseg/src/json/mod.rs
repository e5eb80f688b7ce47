//! Borrowed JSON primitives: escape-aware strings, number grammar, white space.
//!
//! These functions work on a document that has already passed UTF-8 validation, so string
//! contents only need checking for quotes, backslashes and control characters.

use std::borrow::Cow;
use std::fmt;

use crate::error::ErrorKind;
use crate::scan;
use crate::segment::{VKind, Val};

/// A syntax problem: kind and local offset.
pub(crate) type SynErr = (ErrorKind, usize);

/// A JSON string inside the input: the raw text between the quotes, and whether it holds
/// escapes. Comparisons and [`decode`](JsonStr::decode) work on the unescaped text.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct JsonStr<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> JsonStr<'a> {
    pub(crate) const fn new(raw: &'a str, escaped: bool) -> Self {
        JsonStr { raw, escaped }
    }

    /// The text between the quotes, escapes left as they are.
    pub const fn raw(&self) -> &'a str {
        self.raw
    }

    /// Whether the raw text holds backslash escapes.
    pub const fn has_escapes(&self) -> bool {
        self.escaped
    }

    /// The unescaped text; borrowed when there is nothing to unescape.
    pub fn decode(&self) -> Cow<'a, str> {
        if self.escaped {
            Cow::Owned(self.chars().collect())
        } else {
            Cow::Borrowed(self.raw)
        }
    }

    /// The unescaped characters, decoded on the fly without allocating.
    pub fn chars(&self) -> DecodedChars<'a> {
        DecodedChars {
            rest: self.raw,
            escaped: self.escaped,
        }
    }

    /// Number of Unicode code points after unescaping.
    pub fn char_count(&self) -> usize {
        if self.escaped {
            self.chars().count()
        } else {
            self.raw.chars().count()
        }
    }

    /// Compares the unescaped text with `s`.
    #[inline]
    pub fn eq_str(&self, s: &str) -> bool {
        if self.escaped {
            self.chars().eq(s.chars())
        } else {
            self.raw == s
        }
    }

    /// Unescapes into a fixed buffer; `None` when the text is longer than `N` bytes.
    pub(crate) fn decode_small<const N: usize>(&self) -> Option<arrayvec::ArrayVec<u8, N>> {
        let mut out = arrayvec::ArrayVec::new();
        if self.escaped {
            let mut buf = [0u8; 4];
            for c in self.chars() {
                out.try_extend_from_slice(c.encode_utf8(&mut buf).as_bytes())
                    .ok()?;
            }
        } else {
            out.try_extend_from_slice(self.raw.as_bytes()).ok()?;
        }
        Some(out)
    }
}

impl fmt::Debug for JsonStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.decode(), f)
    }
}

impl fmt::Display for JsonStr<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.decode())
    }
}

/// Iterator over the unescaped characters of a [`JsonStr`].
#[derive(Clone, Debug)]
pub struct DecodedChars<'a> {
    rest: &'a str,
    escaped: bool,
}

fn hex4(s: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in s.get(..4)? {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

impl Iterator for DecodedChars<'_> {
    type Item = char;

    #[inline]
    fn next(&mut self) -> Option<char> {
        let mut it = self.rest.chars();
        let c = it.next()?;
        if c != '\\' || !self.escaped {
            self.rest = it.as_str();
            return Some(c);
        }
        let b = self.rest.as_bytes();
        let (ch, used) = match b.get(1) {
            Some(b'"') => ('"', 2),
            Some(b'\\') => ('\\', 2),
            Some(b'/') => ('/', 2),
            Some(b'b') => ('\u{8}', 2),
            Some(b'f') => ('\u{c}', 2),
            Some(b'n') => ('\n', 2),
            Some(b'r') => ('\r', 2),
            Some(b't') => ('\t', 2),
            Some(b'u') => {
                let hi = b.get(2..).and_then(hex4).unwrap_or(0xFFFD);
                if (0xD800..0xDC00).contains(&hi) && b.get(6) == Some(&b'\\') {
                    let lo = b.get(8..).and_then(hex4).unwrap_or(0);
                    let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF);
                    (char::from_u32(cp).unwrap_or('\u{FFFD}'), 12)
                } else {
                    (char::from_u32(hi).unwrap_or('\u{FFFD}'), 6)
                }
            }
            _ => ('\u{FFFD}', 1),
        };
        self.rest = self.rest.get(used..).unwrap_or("");
        Some(ch)
    }
}

/// Skips JSON white space from `pos`.
#[inline(always)]
pub(crate) fn ws(b: &[u8], mut pos: usize) -> usize {
    // most calls land on a token at once (compact JSON) or after one space (Python's `", "`)
    match b.get(pos) {
        Some(&c) if c > b' ' => return pos,
        Some(b' ') if b.get(pos + 1).is_some_and(|&c| c > b' ') => return pos + 1,
        _ => {}
    }
    while let Some(&c) = b.get(pos) {
        if c == b' ' || c == b'\n' || c == b'\r' || c == b'\t' {
            pos += 1;
        } else {
            break;
        }
    }
    pos
}

/// Scans a string whose opening quote is at `pos - 1`. Returns the index of the closing quote
/// and whether the string holds escapes.
#[inline]
pub(crate) fn scan_string(b: &[u8], mut pos: usize) -> Result<(usize, bool), SynErr> {
    let mut escaped = false;
    loop {
        pos = scan::find_string_special_from(b, pos);
        match b.get(pos) {
            Some(b'"') => return Ok((pos, escaped)),
            Some(b'\\') => {
                escaped = true;
                pos = scan_escape(b, pos)?;
            }
            Some(_) => return Err((ErrorKind::ControlCharacterInString, pos)),
            None => return Err((ErrorKind::UnexpectedEof, b.len())),
        }
    }
}

fn u_escape(b: &[u8], pos: usize) -> Result<u32, SynErr> {
    // pos is at the backslash of `\uXXXX`
    let digits = match b.get(pos + 2..pos + 6) {
        Some(d) => d,
        None => return Err((ErrorKind::UnexpectedEof, b.len())),
    };
    hex4(digits).ok_or((ErrorKind::InvalidEscape, pos))
}

/// Checks the escape at `pos` (a backslash) and returns the index after it.
#[cold]
fn scan_escape(b: &[u8], pos: usize) -> Result<usize, SynErr> {
    match b.get(pos + 1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(pos + 2),
        Some(b'u') => {
            let v = u_escape(b, pos)?;
            if (0xD800..0xDC00).contains(&v) {
                if b.get(pos + 6) == Some(&b'\\') && b.get(pos + 7) == Some(&b'u') {
                    let lo = u_escape(b, pos + 6)?;
                    if (0xDC00..0xE000).contains(&lo) {
                        return Ok(pos + 12);
                    }
                }
                Err((ErrorKind::LoneSurrogate, pos))
            } else if (0xDC00..0xE000).contains(&v) {
                Err((ErrorKind::LoneSurrogate, pos))
            } else {
                Ok(pos + 6)
            }
        }
        Some(_) => Err((ErrorKind::InvalidEscape, pos)),
        None => Err((ErrorKind::UnexpectedEof, b.len())),
    }
}

#[inline(always)]
fn digits(b: &[u8], mut pos: usize) -> usize {
    while b.get(pos).is_some_and(u8::is_ascii_digit) {
        pos += 1;
    }
    pos
}

/// Checks the number grammar from `pos`; returns the index after the number.
#[inline(always)]
pub(crate) fn scan_number(b: &[u8], start: usize) -> Result<usize, SynErr> {
    let mut pos = start;
    if b.get(pos) == Some(&b'-') {
        pos += 1;
    }
    match b.get(pos) {
        Some(b'0') => {
            pos += 1;
            if b.get(pos).is_some_and(u8::is_ascii_digit) {
                return Err((ErrorKind::InvalidNumber, start));
            }
        }
        Some(b'1'..=b'9') => pos = digits(b, pos + 1),
        Some(_) => return Err((ErrorKind::InvalidNumber, start)),
        None => return Err((ErrorKind::UnexpectedEof, b.len())),
    }
    if b.get(pos) == Some(&b'.') {
        let end = digits(b, pos + 1);
        if end == pos + 1 {
            return Err((ErrorKind::InvalidNumber, start));
        }
        pos = end;
    }
    if matches!(b.get(pos), Some(b'e' | b'E')) {
        pos += 1;
        if matches!(b.get(pos), Some(b'+' | b'-')) {
            pos += 1;
        }
        let end = digits(b, pos);
        if end == pos {
            return Err((ErrorKind::InvalidNumber, start));
        }
        pos = end;
    }
    Ok(pos)
}

/// Checks a `true`/`false`/`null` literal at `pos`; returns the index after it.
#[inline]
pub(crate) fn scan_literal(b: &[u8], pos: usize, lit: &[u8]) -> Result<usize, SynErr> {
    let end = pos + lit.len();
    match b.get(pos..end) {
        Some(s) if s == lit => Ok(end),
        _ => {
            // EOF inside an otherwise matching prefix is an EOF, anything else a bad literal.
            let avail = b.get(pos..).unwrap_or(&[]);
            if avail.len() < lit.len() && lit.starts_with(avail) {
                Err((ErrorKind::UnexpectedEof, b.len()))
            } else {
                Err((ErrorKind::InvalidLiteral, pos))
            }
        }
    }
}

/// Fingerprint of a key's unescaped bytes: length, first eight and last eight bytes. Equal keys
/// have equal fingerprints; unequal keys rarely do (and are then compared in full).
#[inline(always)]
const fn mix(len: usize, head: u64, tail: u64) -> u64 {
    (head ^ tail.rotate_left(23)).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ len as u64
}

/// [`key_fingerprint_raw`] at compile time, for the documented keys.
pub(crate) const fn const_fingerprint(key: &[u8]) -> u64 {
    let n = key.len();
    let (mut head, mut tail, mut i) = (0u64, 0u64, 0usize);
    let mut rest = key;
    while let [first, more @ ..] = rest {
        rest = more;
        let byte = *first as u64;
        if i < 8 {
            head |= byte << (8 * i);
        }
        if n > 8 && i >= n - 8 {
            tail |= byte << (8 * (i - (n - 8)));
        }
        i += 1;
    }
    mix(n, head, tail)
}

/// Little-endian load of up to eight bytes of `b` from `at`, zero-padded.
#[inline(always)]
fn load_le(b: &[u8], at: usize, n: usize) -> u64 {
    match b.get(at..at + 8) {
        Some(w) => {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            let v = u64::from_le_bytes(word);
            if n >= 8 {
                v
            } else {
                v & ((1u64 << (8 * n)) - 1)
            }
        }
        None => {
            let mut word = [0u8; 8];
            for (i, slot) in word.iter_mut().enumerate().take(n.min(8)) {
                *slot = b.get(at + i).copied().unwrap_or(0);
            }
            u64::from_le_bytes(word)
        }
    }
}

/// Scans a key whose opening quote is at `pos - 1`: the index of its closing quote, whether it
/// holds escapes, and its fingerprint ([`key_fingerprint`] of the unescaped text). A key of
/// fewer than eight bytes — most keys — is found and fingerprinted from a single load.
#[inline(always)]
pub(crate) fn scan_key(b: &[u8], pos: usize) -> Result<(usize, bool, Option<u64>), SynErr> {
    if let Some(chunk) = b.get(pos..pos + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let m = scan::special_mask(w);
        if m != 0 {
            let i = (m.trailing_zeros() / 8) as usize;
            if b.get(pos + i) == Some(&b'"') {
                let head = if i == 0 {
                    0
                } else {
                    w & (u64::MAX >> (64 - 8 * i))
                };
                return Ok((pos + i, false, Some(mix(i, head, 0))));
            }
        }
    }
    let (end, escaped) = scan_string(b, pos)?;
    Ok((end, escaped, None))
}

/// Fingerprint of the raw key `b[start..end]`, which holds no escapes.
#[inline(always)]
pub(crate) fn key_fingerprint_raw(b: &[u8], start: usize, end: usize) -> u64 {
    let len = end.saturating_sub(start);
    let head = load_le(b, start, len);
    let tail = if len > 8 { load_le(b, end - 8, 8) } else { 0 };
    mix(len, head, tail)
}

/// Fingerprint of the unescaped text of `s`; equal to [`key_fingerprint_raw`] of that text.
pub(crate) fn key_fingerprint(s: JsonStr<'_>) -> u64 {
    if !s.has_escapes() {
        let b = s.raw().as_bytes();
        return key_fingerprint_raw(b, 0, b.len());
    }
    let (mut len, mut head, mut tail) = (0usize, 0u64, 0u64);
    let mut buf = [0u8; 4];
    for c in s.chars() {
        for &byte in c.encode_utf8(&mut buf).as_bytes() {
            if len < 8 {
                head |= u64::from(byte) << (8 * len);
            }
            tail = (tail >> 8) | (u64::from(byte) << 56);
            len += 1;
        }
    }
    mix(len, head, if len > 8 { tail } else { 0 })
}

// ----- walking already validated JSON ----------------------------------------------------------
//
// The views, the pointer finder and the daemon header reader walk text that the scanner has
// already accepted, so they only need to find where values end. They never panic on any input:
// on malformed text they stop early.

/// The kind of the value starting at `pos` of validated JSON.
#[inline]
pub(crate) fn kind_at(b: &[u8], pos: usize) -> VKind {
    match b.get(pos) {
        Some(b'{') => VKind::Obj,
        Some(b'[') => VKind::Arr,
        Some(b'"') => VKind::Str,
        Some(b'n') => VKind::Null,
        Some(b't') => VKind::True,
        Some(b'f') => VKind::False,
        _ => VKind::Num,
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

/// The value starting at `pos` of validated JSON.
pub(crate) fn skip_value(b: &[u8], pos: usize) -> Val {
    let kind = kind_at(b, pos);
    let end = match kind {
        VKind::Str => {
            let (end, esc) = skip_string(b, pos);
            return Val {
                start: pos as u32,
                end: end as u32,
                kind: if esc { VKind::StrEsc } else { VKind::Str },
            };
        }
        VKind::Obj | VKind::Arr => {
            let mut depth = 0usize;
            let mut p = pos;
            loop {
                match b.get(p) {
                    Some(b'"') => p = skip_string(b, p).0,
                    Some(b'{' | b'[') => {
                        depth += 1;
                        p += 1;
                    }
                    Some(b'}' | b']') => {
                        depth = depth.saturating_sub(1);
                        p += 1;
                        if depth == 0 {
                            break p;
                        }
                    }
                    Some(_) => p += 1,
                    None => break b.len(),
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
    };
    Val {
        start: pos as u32,
        end: end as u32,
        kind,
    }
}

/// An object key: the text between its quotes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeySpan {
    pub start: usize,
    pub end: usize,
    pub escaped: bool,
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

    /// The offset after the closing brace, once the iterator is exhausted.
    pub(crate) fn end(&self) -> usize {
        self.pos
    }
}

impl Iterator for Members<'_> {
    type Item = (KeySpan, Val);

    fn next(&mut self) -> Option<(KeySpan, Val)> {
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
    type Item = Val;

    fn next(&mut self) -> Option<Val> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_escapes_and_surrogate_pairs() {
        let s = JsonStr::new(r"a\u0062\n\ud83d\ude00\/", true);
        assert_eq!(s.decode(), "ab\n😀/");
        assert_eq!(s.char_count(), 5);
        assert!(s.eq_str("ab\n😀/"));
        assert_eq!(
            key_fingerprint(s),
            key_fingerprint(JsonStr::new("ab\n😀/", false))
        );
        let long = JsonStr::new(r"start_\u0074ime_of_day", true);
        assert_eq!(
            key_fingerprint(long),
            key_fingerprint(JsonStr::new("start_time_of_day", false))
        );
        for key in ["", "a", "id", "seven77", "eight888", "start_time"] {
            let doc = format!("\"{key}\": 1, \"padding after the key\"");
            let (end, esc, fp) = scan_key(doc.as_bytes(), 1).unwrap();
            assert_eq!((end, esc), (1 + key.len(), false), "{key}");
            let want = key_fingerprint(JsonStr::new(key, false));
            assert_eq!(fp.unwrap_or(want), want, "{key}");
        }
        let doc = b"{\"start_time_of_day\":1}";
        assert_eq!(
            key_fingerprint_raw(doc, 2, 19),
            key_fingerprint(JsonStr::new("start_time_of_day", false))
        );
        assert_ne!(
            key_fingerprint(JsonStr::new("ab", false)),
            key_fingerprint(JsonStr::new("ba", false))
        );
    }

    #[test]
    fn string_scan_rejects_bad_escapes_and_controls() {
        assert_eq!(scan_string(br#"abc" "#, 0), Ok((3, false)));
        assert_eq!(scan_string(br#"a\"c" "#, 0), Ok((4, true)));
        assert_eq!(
            scan_string(br#"\ud800" "#, 0),
            Err((ErrorKind::LoneSurrogate, 0))
        );
        assert_eq!(
            scan_string(br#"\udc00" "#, 0),
            Err((ErrorKind::LoneSurrogate, 0))
        );
        assert_eq!(
            scan_string(br#"\x" "#, 0),
            Err((ErrorKind::InvalidEscape, 0))
        );
        assert_eq!(
            scan_string(b"a\tb\"", 0),
            Err((ErrorKind::ControlCharacterInString, 1))
        );
        assert_eq!(scan_string(b"abc", 0), Err((ErrorKind::UnexpectedEof, 3)));
        assert_eq!(
            scan_string(br#"\u12"#, 0),
            Err((ErrorKind::UnexpectedEof, 4))
        );
    }

    #[test]
    fn number_grammar() {
        for ok in ["0", "-0", "1.5", "1e400", "-12.5E-3", "10"] {
            assert_eq!(scan_number(ok.as_bytes(), 0), Ok(ok.len()), "{ok}");
        }
        for bad in ["01", "-", "1.", ".5", "1e", "+1", "-a"] {
            assert!(scan_number(bad.as_bytes(), 0).is_err(), "{bad}");
        }
    }
}
