//! Walking a document that has already passed the syntax checks: where values, keys and
//! members start and end, the characters of a string with the raw bytes each one is written
//! with, and the JSON pointer of a value.
//!
//! Everything here reads text the validator has accepted as well-formed JSON, so it only needs
//! to find where things end. On any other input it stops early or returns a short range; it
//! never panics and never reads out of bounds.

use core::fmt::Write as _;
use core::ops::Range;

pub(super) use crate::json::walk::value_end;
pub(super) use crate::json::ws;

/// One member of an object: its key and its value, both as byte ranges of the whole token
/// (a key's range includes its quotes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Member {
    /// The key, quotes included.
    pub key: Range<usize>,
    /// The value.
    pub value: Range<usize>,
}

/// The members of the object whose `{` is at `start`, in document order (the syntax layer's
/// walk, as byte ranges).
pub(super) fn members(b: &[u8], start: usize) -> impl Iterator<Item = Member> + '_ {
    crate::json::Members::new(b, start).map(|(key, value)| Member {
        key: key.start.saturating_sub(1)..key.end + 1,
        value: value.start as usize..value.end as usize,
    })
}

/// The elements of the array whose `[` is at `start`, in document order, as byte ranges.
pub(super) fn elements(b: &[u8], start: usize) -> impl Iterator<Item = Range<usize>> + '_ {
    crate::json::Elements::new(b, start).map(|v| v.start as usize..v.end as usize)
}

/// One character of a JSON string and the raw bytes it is written with: a UTF-8 sequence, a
/// two-byte escape, a `\uXXXX` escape or a surrogate pair of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Unit<'a> {
    /// The character after unescaping.
    pub ch: char,
    /// How the document writes it.
    pub raw: &'a str,
}

/// The characters of the raw text between a string's quotes, each with its raw spelling.
pub(super) struct Units<'a> {
    rest: &'a str,
}

impl<'a> Units<'a> {
    pub(super) fn new(raw: &'a str) -> Self {
        Units { rest: raw }
    }
}

fn hex4(s: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    for &c in s.get(..4)? {
        v = v * 16 + (c as char).to_digit(16)?;
    }
    Some(v)
}

impl<'a> Iterator for Units<'a> {
    type Item = Unit<'a>;

    fn next(&mut self) -> Option<Unit<'a>> {
        let c = self.rest.chars().next()?;
        let b = self.rest.as_bytes();
        let (ch, used) = if c != '\\' {
            (c, c.len_utf8())
        } else {
            match b.get(1) {
                Some(b'"') => ('"', 2),
                Some(b'\\') => ('\\', 2),
                Some(b'/') => ('/', 2),
                Some(b'b') => ('\u{8}', 2),
                Some(b'f') => ('\u{c}', 2),
                Some(b'n') => ('\n', 2),
                Some(b'r') => ('\r', 2),
                Some(b't') => ('\t', 2),
                Some(b'u') => match b.get(2..).and_then(hex4) {
                    Some(hi) if (0xD800..0xDC00).contains(&hi) => {
                        let lo = if b.get(6) == Some(&b'\\') && b.get(7) == Some(&b'u') {
                            b.get(8..).and_then(hex4)
                        } else {
                            None
                        };
                        match lo {
                            Some(lo) if (0xDC00..0xE000).contains(&lo) => {
                                let cp = 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
                                (char::from_u32(cp).unwrap_or('\u{FFFD}'), 12)
                            }
                            _ => ('\u{FFFD}', 6),
                        }
                    }
                    Some(v) => (char::from_u32(v).unwrap_or('\u{FFFD}'), 6),
                    None => ('\u{FFFD}', 1),
                },
                _ => ('\u{FFFD}', 1),
            }
        };
        let used = used.min(self.rest.len());
        // `used` ends on a character boundary: escapes are ASCII, and a plain character is
        // taken whole.
        let raw = self.rest.get(..used).unwrap_or(self.rest);
        self.rest = self.rest.get(used..).unwrap_or("");
        if raw.is_empty() {
            self.rest = "";
            return None;
        }
        Some(Unit { ch, raw })
    }
}

/// The raw text between the quotes of the string token `token` of `text`.
pub(super) fn inner(text: &str, token: Range<usize>) -> &str {
    text.get(token.start + 1..token.end.saturating_sub(1))
        .unwrap_or("")
}

/// Appends the pointer token of the raw key text `raw` (RFC 6901: `~` as `~0`, `/` as `~1`).
pub(super) fn push_token(out: &mut String, raw: &str) {
    out.push('/');
    for u in Units::new(raw) {
        match u.ch {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// Where a value sits: the container that holds it (`None` for the top-level value) and, in
/// an object, the key token of its member.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Place {
    /// Offset of the `{` or `[` of the enclosing container.
    pub container: Option<usize>,
    /// The member's key, quotes included, when the container is an object.
    pub key: Option<Range<usize>>,
}

/// Finds the value that starts at `target` by descending from the top, appending its JSON
/// pointer to `pointer`. `None` when no value starts there.
pub(super) fn descend(text: &str, target: usize, pointer: &mut String) -> Option<Place> {
    let b = text.as_bytes();
    let mut pos = ws(b, 0);
    let mut place = Place {
        container: None,
        key: None,
    };
    loop {
        if pos == target {
            return Some(place);
        }
        let end = value_end(b, pos);
        if target < pos || target >= end {
            return None;
        }
        let mut next = None;
        match b.get(pos) {
            Some(b'{') => {
                for m in members(b, pos) {
                    if m.value.start <= target && target < m.value.end {
                        push_token(pointer, inner(text, m.key.clone()));
                        next = Some(m.value.start);
                        place = Place {
                            container: Some(pos),
                            key: Some(m.key),
                        };
                        break;
                    }
                }
            }
            Some(b'[') => {
                for (i, e) in elements(b, pos).enumerate() {
                    if e.start <= target && target < e.end {
                        let _ = write!(pointer, "/{i}");
                        next = Some(e.start);
                        place = Place {
                            container: Some(pos),
                            key: None,
                        };
                        break;
                    }
                }
            }
            _ => {}
        }
        pos = next?;
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn units_keep_their_raw_spelling() {
        let raw = r#"a\u0062\n\ud83d\ude00\/é"#;
        let units: Vec<_> = Units::new(raw).map(|u| (u.ch, u.raw)).collect();
        assert_eq!(
            units,
            [
                ('a', "a"),
                ('b', r"\u0062"),
                ('\n', r"\n"),
                ('😀', r"\ud83d\ude00"),
                ('/', r"\/"),
                ('é', "é"),
            ]
        );
        let joined: String = Units::new(raw).map(|u| u.raw).collect();
        assert_eq!(joined, raw);
    }

    #[test]
    fn members_and_pointers() {
        let doc = r#"{"a" : {"b/c":[1, {"d~":"x\"}"}]}, "e":null}"#;
        let b = doc.as_bytes();
        let keys: Vec<_> = members(b, 0).map(|m| &doc[m.key]).collect();
        assert_eq!(keys, [r#""a""#, r#""e""#]);
        let at = doc.find(r#""x"#).unwrap();
        let mut p = String::new();
        let place = descend(doc, at, &mut p).unwrap();
        assert_eq!(p, "/a/b~1c/1/d~0");
        assert_eq!(&doc[place.key.unwrap()], r#""d~""#);
        assert_eq!(value_end(b, at), at + 6);
        let mut p = String::new();
        assert_eq!(descend(doc, at + 1, &mut p), None);
        let mut p = String::new();
        let null = doc.find("null").unwrap();
        assert!(descend(doc, null, &mut p).is_some());
        assert_eq!(p, "/e");
    }

    #[test]
    fn never_panics_on_broken_text() {
        for doc in ["", "{", "{\"a", "{\"a\":", "[", "[1,", "\"\\", "{\"a\" 1}"] {
            let b = doc.as_bytes();
            let _ = members(b, 0).count();
            let _ = elements(b, 0).count();
            let _ = value_end(b, 0);
            let _ = Units::new(doc).count();
            let mut p = String::new();
            let _ = descend(doc, 1, &mut p);
        }
    }
}
