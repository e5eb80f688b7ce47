//! Under `strict`, the other warnings that have a safe repair: a `user` or `http.request`
//! string over 250 characters is cut to 250; a `content_length` written as a string of digits
//! becomes that number.

use core::ops::Range;

use super::edit::Work;
use super::json::{self, Units};
use super::Repair;
use crate::limits::MAX_USER_CHARS;
use crate::ErrorKind;

/// Appends the first `n` characters of raw string text `raw`, quotes included, never cutting
/// an escape or a UTF-8 sequence.
pub(super) fn truncated(raw: &str, n: usize, out: &mut String) {
    out.push('"');
    for u in Units::new(raw).take(n) {
        out.push_str(u.raw);
    }
    out.push('"');
}

/// Appends the number a string of ASCII digits spells, without leading zeros; `false` when
/// `raw` is not such a string.
fn number(raw: &str, out: &mut String) -> bool {
    let mark = out.len();
    for u in Units::new(raw) {
        if !u.ch.is_ascii_digit() {
            out.truncate(mark);
            return false;
        }
        if out.len() == mark + 1 && out.ends_with('0') {
            out.truncate(mark);
        }
        out.push(u.ch);
    }
    out.len() > mark
}

/// Repairs the value `token` the strict warning `finding` is about.
pub(super) fn repair(w: &mut Work<'_, '_>, token: Range<usize>, finding: ErrorKind) -> bool {
    if w.text.as_bytes().get(token.start) != Some(&b'"') {
        return false;
    }
    let raw = json::inner(w.text, token.clone());
    match finding {
        ErrorKind::LongUser | ErrorKind::LongHttpField => {
            w.replace(token, Repair::Strict, finding, None, |out| {
                truncated(raw, MAX_USER_CHARS, out)
            })
        }
        ErrorKind::ContentLengthString => {
            if raw.is_empty() || !Units::new(raw).all(|u| u.ch.is_ascii_digit()) {
                return false;
            }
            w.replace(token, Repair::Strict, finding, None, |out| {
                number(raw, out);
            })
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_cuts() {
        let mut s = String::new();
        assert!(number("007", &mut s));
        assert_eq!(s, "7");
        s.clear();
        assert!(number("000", &mut s));
        assert_eq!(s, "0");
        s.clear();
        assert!(number(r"1\u0032", &mut s));
        assert_eq!(s, "12");
        s.clear();
        assert!(!number("1a", &mut s));
        assert!(s.is_empty());
        s.clear();
        truncated(r"ab\u00e9\ud83d\ude00c", 4, &mut s);
        assert_eq!(s, r#""ab\u00e9\ud83d\ude00""#);
    }
}
