//! The JSON grammar of scalars: white space, strings and their escapes, numbers and literals.
//! Each function checks one token and returns the index after it, or the first problem.

use super::SynErr;
use crate::error::ErrorKind;
use crate::scan;

/// The value of each hex digit byte, and 0xFF for every other byte.
// Built at compile time: an index out of range fails the build.
#[allow(clippy::indexing_slicing)]
const HEX: [u8; 256] = {
    let mut t = [0xFFu8; 256];
    let mut c = 0usize;
    while c < 256 {
        t[c] = match c as u8 {
            d @ b'0'..=b'9' => d - b'0',
            d @ b'a'..=b'f' => d - b'a' + 10,
            d @ b'A'..=b'F' => d - b'A' + 10,
            _ => 0xFF,
        };
        c += 1;
    }
    t
};

/// The value of four hex digits.
#[inline]
pub(crate) fn hex4(s: &[u8]) -> Option<u32> {
    let mut v = 0u32;
    let mut bad = 0u8;
    for &c in s.get(..4)? {
        // a `u8` index is always within the 256 entries
        let d = HEX.get(usize::from(c)).copied().unwrap_or(0xFF);
        bad |= d;
        v = v << 4 | u32::from(d & 0x0F);
    }
    (bad & 0xF0 == 0).then_some(v)
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

/// A problem at `pos`: the end of the input when `pos` is past it, else `kind`.
pub(crate) fn eof_or(b: &[u8], pos: usize, kind: ErrorKind) -> SynErr {
    if pos >= b.len() {
        (ErrorKind::UnexpectedEof, b.len())
    } else {
        (kind, pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn hex_digits_match_to_digit() {
        for c in 0..=255u8 {
            let want = (c as char).to_digit(16);
            let quad = [b'1', c, b'0', c];
            let expect = want.map(|d| 0x1000 | d << 8 | d);
            assert_eq!(hex4(&quad), expect, "{c:#x}");
        }
        assert_eq!(hex4(b"00e9"), Some(0xE9));
        assert_eq!(hex4(b"FfFf"), Some(0xFFFF));
        assert_eq!(hex4(b"123"), None);
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
