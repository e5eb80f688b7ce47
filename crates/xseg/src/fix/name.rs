//! `name`: drop the characters outside the allowed set, keep at most 200 characters, and write
//! [`NAME_PLACEHOLDER`](super::NAME_PLACEHOLDER) when nothing is left.

use core::ops::Range;

use super::edit::Work;
use super::json::{self, Units};
use super::{Repair, NAME_PLACEHOLDER};
use crate::limits::MAX_NAME_CHARS;
use crate::ErrorKind;

/// Whether `c` may appear in a name: the core's name rule (RULES.md §5).
fn allowed(c: char) -> bool {
    crate::rules::name::allowed(c)
}

/// Appends the repaired name for the raw string text `raw`, quotes included. `blank` also
/// replaces a name that is only white space by the placeholder (the `strict` rule).
pub(super) fn repaired(raw: &str, blank: bool, out: &mut String) {
    let mark = out.len();
    out.push('"');
    let (mut kept, mut all_white) = (0usize, true);
    for u in Units::new(raw)
        .filter(|u| allowed(u.ch))
        .take(MAX_NAME_CHARS)
    {
        out.push_str(u.raw);
        kept += 1;
        all_white &= u.ch.is_whitespace();
    }
    if kept == 0 || (blank && all_white) {
        out.truncate(mark + 1);
        out.push_str(NAME_PLACEHOLDER);
    }
    out.push('"');
}

/// Repairs the name whose string token is `token`.
pub(super) fn repair(
    w: &mut Work<'_, '_>,
    token: Range<usize>,
    finding: ErrorKind,
    blank: bool,
) -> bool {
    if w.text.as_bytes().get(token.start) != Some(&b'"') {
        return false;
    }
    let raw = json::inner(w.text, token.clone());
    let repair = if finding == ErrorKind::BlankName {
        Repair::Strict
    } else {
        Repair::Name
    };
    w.replace(token, repair, finding, None, |out| {
        repaired(raw, blank, out)
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn fixed(raw: &str, blank: bool) -> String {
        let mut s = String::new();
        repaired(raw, blank, &mut s);
        s
    }

    #[test]
    fn drops_disallowed_characters() {
        assert_eq!(fixed("checkout (eu)", false), r#""checkout eu""#);
        assert_eq!(fixed(r"a\u0028b\\c,d😀e", false), r#""abcde""#);
        assert_eq!(fixed(r"dienst \u00e9", false), r#""dienst \u00e9""#);
        assert_eq!(fixed("()", false), r#""span""#);
        assert_eq!(fixed("", false), r#""span""#);
        assert_eq!(fixed("( )", false), r#"" ""#);
        assert_eq!(fixed("( )", true), r#""span""#);
    }

    #[test]
    fn truncates_by_characters() {
        let long = "é".repeat(250);
        let got = fixed(&long, false);
        assert_eq!(got.chars().count(), 202);
        let esc = r"\u00e9".repeat(250);
        let got = fixed(&esc, false);
        assert_eq!(got.len(), 200 * 6 + 2);
    }
}
