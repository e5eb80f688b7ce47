//! [`JsonStr`]: a string of the input, borrowed, with its escapes decoded on demand.

use std::borrow::Cow;
use std::fmt;

use super::lex::hex4;

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

    /// The same string borrowed from `doc` instead, when `doc` is the buffer it was read
    /// from (so that it outlives a view that borrows a validator); `None` when it does not
    /// lie inside `doc`.
    ///
    /// ```
    /// let doc = br#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1,"end_time":2}"#;
    /// let mut v = xseg::Validator::default();
    /// let id = v.parse(doc).unwrap().segment().unwrap().id().unwrap();
    /// let id = id.rebind(doc).unwrap();
    /// assert!(v.validate(doc).is_accepted()); // the validator is free again
    /// assert_eq!(id.raw(), "70de5b6f19ff9a0a");
    /// let copy = doc.to_vec();
    /// assert_eq!(id.rebind(&copy[..10]), None);
    /// ```
    pub fn rebind<'d>(&self, doc: &'d [u8]) -> Option<JsonStr<'d>> {
        let at = (self.raw.as_ptr() as usize).checked_sub(doc.as_ptr() as usize)?;
        let raw = doc.get(at..at.checked_add(self.raw.len())?)?;
        let raw = core::str::from_utf8(raw).ok()?;
        Some(JsonStr::new(raw, self.escaped))
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

    /// Whether the unescaped text has more than `limit` characters. Every character takes at
    /// least one byte of the raw text, so a raw text of at most `limit` bytes is never
    /// counted.
    #[inline]
    pub(crate) fn more_chars_than(&self, limit: usize) -> bool {
        self.raw.len() > limit && self.char_count() > limit
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_length_shortcut_agrees_with_counting() {
        let cases = [
            ("", false),
            ("abc", false),
            ("héllo ✓", false),
            (r"\u00e9\n\ud83d\ude00x", true),
            (r"\\\\", true),
            ("aaaaaaaaaaaaaaaaaaaa", false),
        ];
        for (raw, escaped) in cases {
            let s = JsonStr::new(raw, escaped);
            for limit in 0..24 {
                assert_eq!(
                    s.more_chars_than(limit),
                    s.char_count() > limit,
                    "{raw} {limit}"
                );
            }
        }
    }
}
