//! Ids written with upper-case hex digits (`id`, `parent_id`, `trace_id`): the same digits in
//! lower case. The validator reports upper case only when it is the whole fault (the id has
//! the right shape), so nothing else changes.

use core::ops::Range;

use super::edit::Work;
use super::json::{self, Units};
use super::Repair;
use crate::ErrorKind;

/// Appends the id of raw string text `raw` with hex letters in lower case, quotes included.
/// A letter written as an escape is written plainly.
pub(super) fn lowered(raw: &str, out: &mut String) {
    out.push('"');
    for u in Units::new(raw) {
        if u.ch.is_ascii_hexdigit() && u.ch.is_ascii_uppercase() {
            out.push(u.ch.to_ascii_lowercase());
        } else {
            out.push_str(u.raw);
        }
    }
    out.push('"');
}

/// Lower-cases the id whose string token is `token`.
pub(super) fn repair(w: &mut Work<'_, '_>, token: Range<usize>, finding: ErrorKind) -> bool {
    if w.text.as_bytes().get(token.start) != Some(&b'"') {
        return false;
    }
    let raw = json::inner(w.text, token.clone());
    w.replace(token, Repair::Id, finding, None, |out| lowered(raw, out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lower_cases_hex_letters_only() {
        let mut s = String::new();
        lowered("1-5F84C7A8-ABCDEF0123456789ABCDEF01", &mut s);
        assert_eq!(s, r#""1-5f84c7a8-abcdef0123456789abcdef01""#);
        s.clear();
        lowered(r"\u0041BCDEF0123456789", &mut s);
        assert_eq!(s, r#""abcdef0123456789""#);
    }
}
