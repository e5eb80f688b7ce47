//! Segment names: 1–200 code points from the allowed table, checked after unescaping.

use super::name_table::NAME_BITS;
use crate::error::ErrorKind;
use crate::json::JsonStr;
use crate::limits::MAX_NAME_CHARS;

/// Whether `c` may appear in a name.
#[inline]
pub(crate) fn allowed(c: char) -> bool {
    let cp = c as usize;
    cp <= 0xFFFF
        && NAME_BITS
            .get(cp >> 6)
            .is_some_and(|w| (w >> (cp & 63)) & 1 == 1)
}

fn check_chars(chars: impl Iterator<Item = char>) -> Result<bool, ErrorKind> {
    let mut n = 0usize;
    let mut blank = true;
    for c in chars {
        if !allowed(c) {
            return Err(ErrorKind::InvalidNameChar);
        }
        blank &= c.is_whitespace();
        n += 1;
    }
    if n == 0 {
        Err(ErrorKind::EmptyName)
    } else if n > MAX_NAME_CHARS {
        Err(ErrorKind::NameTooLong)
    } else {
        Ok(blank)
    }
}

/// Checks a name. `Ok(true)` when it is valid but only white space (a warning).
pub(crate) fn check(s: JsonStr<'_>) -> Result<bool, ErrorKind> {
    if s.has_escapes() {
        check_chars(s.chars())
    } else {
        check_chars(s.raw().chars())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_file() -> String {
        let p = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/data/name-chars.txt"
        );
        std::fs::read_to_string(p).expect("shared/data/name-chars.txt beside the repository")
    }

    #[test]
    fn name_table_matches_data_file() {
        let mut want = vec![false; 0x10000];
        for line in data_file().lines().map(str::trim).filter(|l| !l.is_empty()) {
            let (lo, hi) = line.split_once("..").unwrap();
            let (lo, hi) = (
                u32::from_str_radix(lo, 16).unwrap(),
                u32::from_str_radix(hi, 16).unwrap(),
            );
            for cp in lo..=hi {
                want[cp as usize] = true;
            }
        }
        for (cp, &w) in want.iter().enumerate() {
            let got = char::from_u32(cp as u32).is_some_and(allowed);
            assert_eq!(
                got, w,
                "U+{cp:04X}: regenerate with crates/xseg/tools/gen_name_table.py"
            );
        }
    }

    #[test]
    fn names() {
        assert_eq!(check(JsonStr::new("example.com", false)), Ok(false));
        assert_eq!(check(JsonStr::new("   ", false)), Ok(true));
        assert_eq!(check(JsonStr::new("", false)), Err(ErrorKind::EmptyName));
        assert_eq!(
            check(JsonStr::new("a(b", false)),
            Err(ErrorKind::InvalidNameChar)
        );
        assert_eq!(
            check(JsonStr::new(r"a\u0028b", true)),
            Err(ErrorKind::InvalidNameChar)
        );
        assert_eq!(check(JsonStr::new("Ünïcödé dienst", false)), Ok(false));
        assert_eq!(
            check(JsonStr::new("😀", false)),
            Err(ErrorKind::InvalidNameChar)
        );
        let long = "a".repeat(201);
        assert_eq!(
            check(JsonStr::new(&long, false)),
            Err(ErrorKind::NameTooLong)
        );
        assert_eq!(check(JsonStr::new(&long[1..], false)), Ok(false));
    }
}
