//! Lazy positions: line, column and JSON pointer of a byte offset, computed by re-reading the
//! input only when asked.

use crate::error::Location;
use crate::json::{self, JsonStr, ValueKind};

/// Line and column (1-based, column in bytes) of `offset` in `input`, and, when `pointer` is
/// set, the RFC 6901 pointer of the value starting at `offset` inside the document that starts
/// at `base`.
pub(crate) fn locate(input: &[u8], base: usize, offset: usize, pointer: bool) -> Location {
    let upto = input.get(..offset).unwrap_or(input);
    let line = memchr::memchr_iter(b'\n', upto).count() + 1;
    let column = match memchr::memrchr(b'\n', upto) {
        Some(nl) => upto.len() - nl,
        None => upto.len() + 1,
    };
    let pointer = if pointer {
        let doc = input.get(base..).unwrap_or(&[]);
        find_pointer(doc, offset.saturating_sub(base)).unwrap_or_default()
    } else {
        String::new()
    };
    Location {
        line,
        column,
        pointer,
    }
}

fn push_token(out: &mut String, key: JsonStr<'_>) {
    out.push('/');
    for c in key.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
}

/// The pointer of the value starting at `target` in validated JSON `doc`; `None` when no value
/// starts there.
pub(crate) fn find_pointer(doc: &[u8], target: usize) -> Option<String> {
    let text = core::str::from_utf8(doc).ok()?;
    let mut out = String::new();
    let mut pos = json::ws(doc, 0);
    loop {
        if pos == target {
            return Some(out);
        }
        let v = json::skip_value(doc, pos);
        if target < pos || target >= v.end as usize {
            return None;
        }
        // The target lies inside this container: descend into the member or element that
        // holds it.
        let mut found = None;
        match v.kind {
            ValueKind::Obj => {
                for (k, m) in json::Members::new(doc, pos) {
                    if (m.start as usize) <= target && target < m.end as usize {
                        push_token(&mut out, k.str_in(text));
                        found = Some(m.start as usize);
                        break;
                    }
                }
            }
            ValueKind::Arr => {
                for (i, e) in json::Elements::new(doc, pos).enumerate() {
                    if (e.start as usize) <= target && target < e.end as usize {
                        out.push('/');
                        out.push_str(&i.to_string());
                        found = Some(e.start as usize);
                        break;
                    }
                }
            }
            _ => {}
        }
        pos = found?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers() {
        let doc = br#"{"a":{"b/c":[1,{"d~":true}]}, "e" : null}"#;
        let at = |needle: &str| {
            let s = std::str::from_utf8(doc).unwrap();
            s.find(needle).unwrap()
        };
        assert_eq!(find_pointer(doc, 0).as_deref(), Some(""));
        assert_eq!(find_pointer(doc, at("{\"b")).as_deref(), Some("/a"));
        assert_eq!(find_pointer(doc, at("[1")).as_deref(), Some("/a/b~1c"));
        assert_eq!(find_pointer(doc, at("1,")).as_deref(), Some("/a/b~1c/0"));
        assert_eq!(
            find_pointer(doc, at("true")).as_deref(),
            Some("/a/b~1c/1/d~0")
        );
        assert_eq!(find_pointer(doc, at("null")).as_deref(), Some("/e"));
        assert_eq!(find_pointer(doc, at("b/c")), None);
    }

    #[test]
    fn escaped_keys_are_unescaped() {
        let doc = br#"{"n\u0061me":"x"}"#;
        assert_eq!(find_pointer(doc, 13).as_deref(), Some("/name"));
    }

    #[test]
    fn line_and_column() {
        let input = b"{\n  \"a\": 1,\n  \"b\": x}";
        let loc = locate(input, 0, 19, false);
        assert_eq!((loc.line, loc.column), (3, 8));
        assert_eq!(loc.pointer, "");
    }
}
