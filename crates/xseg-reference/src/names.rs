//! The characters allowed in `name` (RULES.md §5), read from the contract's data file.
//!
//! `data/name-chars.txt` is a copy of `shared/data/name-chars.txt` (inclusive hex ranges, one
//! a line); a test checks that the copy matches the original.

use std::sync::OnceLock;

/// The allowed-character table, as shipped.
pub const NAME_CHARS_TXT: &str = include_str!("../data/name-chars.txt");

/// The inclusive code point ranges of the table. Malformed lines are skipped (a test checks
/// that there are none).
pub fn ranges() -> &'static [(u32, u32)] {
    static RANGES: OnceLock<Vec<(u32, u32)>> = OnceLock::new();
    RANGES.get_or_init(|| parse_ranges(NAME_CHARS_TXT))
}

/// Parses `XXXX..YYYY` lines.
pub fn parse_ranges(text: &str) -> Vec<(u32, u32)> {
    text.lines()
        .map(str::trim)
        .filter_map(|line| {
            let (lo, hi) = line.split_once("..")?;
            Some((
                u32::from_str_radix(lo, 16).ok()?,
                u32::from_str_radix(hi, 16).ok()?,
            ))
        })
        .collect()
}

/// Whether `c` may appear in a name: inside one of the ranges (all of which are in the BMP).
pub fn allowed(c: char) -> bool {
    let cp = u32::from(c);
    cp <= 0xFFFF && ranges().iter().any(|&(lo, hi)| lo <= cp && cp <= hi)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_line_parses() {
        let lines = NAME_CHARS_TXT
            .lines()
            .filter(|l| !l.trim().is_empty())
            .count();
        assert_eq!(ranges().len(), lines);
        assert!(lines > 400);
    }

    #[test]
    fn copy_matches_the_contract() {
        let shared = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/name-chars.txt"
        );
        if let Ok(original) = std::fs::read_to_string(shared) {
            assert_eq!(
                original, NAME_CHARS_TXT,
                "copy shared/data/name-chars.txt again"
            );
        }
    }

    #[test]
    fn samples() {
        for ok in [
            'a', 'Z', '0', ' ', '_', '.', ':', '/', '%', '&', '#', '=', '+', '-', '@',
        ] {
            assert!(allowed(ok), "{ok:?}");
        }
        assert!(allowed('é') && allowed('\u{00A0}') && allowed('字'));
        for bad in ['\\', '\t', ',', '(', ')', '😀', '\u{10000}', '"', '!', '*'] {
            assert!(!allowed(bad), "{bad:?}");
        }
    }
}
