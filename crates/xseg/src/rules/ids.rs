//! 16-hex-digit ids: `id`, `parent_id`, exception ids, `cause` strings, `precursor_ids`.

use super::entity::EntityState;
use super::members::expect_array;
use super::{Checker, R};
use crate::error::ErrorKind;
use crate::json::JsonStr;

/// What a well-formed id looks like beyond its shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HexId {
    /// Holds an upper-case hex digit.
    pub upper: bool,
    /// All sixteen digits are `0`.
    pub zero: bool,
    /// The value of the last 16 digits.
    pub value: u64,
}

/// Checks that `bytes` is exactly `n` hex digits, `n` a multiple of eight (ids and trace
/// ids), eight at a time ([`hex8_word`]).
#[inline(always)]
pub(crate) fn hex_digits(bytes: &[u8], n: usize) -> Option<HexId> {
    if bytes.len() != n || !n.is_multiple_of(8) {
        return None;
    }
    let (mut upper, mut value) = (false, 0u64);
    for w in bytes.chunks_exact(8) {
        let (v, up) = hex8_word(w)?;
        upper |= up;
        value = (value << 32) | v;
    }
    Some(HexId {
        upper,
        zero: value == 0 && (n <= 16 || bytes.iter().all(|&c| c == b'0')),
        value,
    })
}

/// Eight hex digits (either case) as a number, and whether one is an upper-case letter,
/// eight bytes at a time (SWAR): the byte ranges are tested with borrow-free subtractions on
/// the high bits, the digits' values come from their low nibbles (plus 9 for letters), and
/// the nibbles are packed in three steps. `None` unless `digits` is exactly eight hex digits.
#[inline(always)]
pub(crate) fn hex8_word(digits: &[u8]) -> Option<(u64, bool)> {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Per byte of an ASCII word: the high bit set where the byte is at least `c`.
    const fn at_least(x: u64, c: u8) -> u64 {
        ((x | HIGH).wrapping_sub(ONES * c as u64)) & HIGH
    }
    let word: [u8; 8] = digits.try_into().ok()?;
    let x = u64::from_le_bytes(word);
    if x & HIGH != 0 {
        return None;
    }
    let digit = at_least(x, b'0') & !at_least(x, b'9' + 1);
    let lower = x | (ONES * 0x20);
    let letter = at_least(lower, b'a') & !at_least(lower, b'f' + 1);
    if digit | letter != HIGH {
        return None;
    }
    // Of the letters, those without the lower-case bit.
    let upper = letter & !((x & (ONES * 0x20)) << 2) != 0;
    // The first digit is the lowest byte and the most significant nibble.
    let n = (x & (ONES * 0x0f)) + ((x >> 6) & ONES) * 9;
    let n = ((n << 4) | (n >> 8)) & 0x00ff_00ff_00ff_00ff;
    let n = ((n << 8) | (n >> 16)) & 0x0000_ffff_0000_ffff;
    Some((((n << 16) | (n >> 32)) & 0xffff_ffff, upper))
}

/// Checks a 16-hex-digit id after unescaping.
pub(crate) fn hex16(s: JsonStr<'_>) -> Option<HexId> {
    if s.has_escapes() {
        hex_digits(&s.decode_small::<16>()?, 16)
    } else {
        hex_digits(s.raw().as_bytes(), 16)
    }
}

/// `precursor_ids`: an array (or `null`) of strings; one that is not 16 hex digits is a
/// warning.
pub(crate) fn precursor_ids(
    c: &mut Checker<'_, '_>,
    st: &mut EntityState,
    pos: usize,
    depth: usize,
) -> R<usize> {
    if let Some(end) = expect_array(c, st, pos, depth)? {
        return Ok(end);
    }
    let mut it = c.r.arr_begin(pos, depth)?;
    while let Some(e) = c.r.arr_next(&mut it)? {
        let v = c.r.value_span(e, depth + 1)?;
        if !v.is_str() {
            st.h(ErrorKind::ExpectedString, e);
        } else if hex16(v.str_in(c.text())).is_none() {
            c.lint(st, ErrorKind::InvalidPrecursorId, e);
        }
        it.pos = v.end as usize;
    }
    Ok(it.pos)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The value of one hex digit, and whether it is an upper-case letter.
    fn digit(c: u8) -> Option<(u8, bool)> {
        match c {
            b'0'..=b'9' => Some((c - b'0', false)),
            b'a'..=b'f' => Some((c - b'a' + 10, false)),
            b'A'..=b'F' => Some((c - b'A' + 10, true)),
            _ => None,
        }
    }

    /// Reads `bytes` as exactly `n` hex digits, one at a time: the value (of the last 32
    /// digits at most) and the shape flags (the oracle of `hex_digits`).
    fn hex_value(bytes: &[u8], n: usize) -> Option<(u128, HexId)> {
        if bytes.len() != n {
            return None;
        }
        let (mut v, mut upper) = (0u128, false);
        for &c in bytes {
            let (d, up) = digit(c)?;
            v = (v << 4) | u128::from(d);
            upper |= up;
        }
        Some((
            v,
            HexId {
                upper,
                zero: v == 0,
                value: v as u64,
            },
        ))
    }

    /// Hex digits as the standard library reads them (which also takes a sign).
    fn std_hex(digits: &[u8]) -> Option<u64> {
        let text = std::str::from_utf8(digits).ok()?;
        if !text.bytes().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        u64::from_str_radix(text, 16).ok()
    }

    #[test]
    fn word_hex_agrees_with_the_standard_library() {
        for (b, base) in (0..=255u8).flat_map(|b| [(b, *b"89abCDEf"), (b, *b"01234def")]) {
            // every byte at every place of an eight-digit word, with and without capitals
            for at in 0..8 {
                let mut word = base;
                word[at] = b;
                let want = std_hex(&word);
                assert_eq!(want.is_some(), (b as char).is_ascii_hexdigit(), "{b}");
                assert_eq!(hex8_word(&word).map(|(v, _)| v), want, "{b} at {at}");
                let upper = word.iter().any(u8::is_ascii_uppercase);
                assert_eq!(hex8_word(&word).map(|(_, up)| up), want.map(|_| upper));
                let shape = hex_digits(&word, 8);
                assert_eq!(shape.map(|h| h.upper), want.map(|_| upper), "{b} at {at}");
                let mut long = *b"000000000000000000000000";
                long[at + 16] = b;
                let (swar, bytes) = (hex_digits(&long, 24), hex_value(&long, 24));
                assert_eq!(swar, bytes.map(|(_, h)| h), "{b} at {at}");
                assert_eq!(hex_digits(&long[..16], 16).map(|h| h.value), Some(0));
            }
        }
        assert_eq!(hex8_word(b"0123456"), None);
        assert_eq!(hex8_word(b"012345678"), None);
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        for round in 0..2_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let mut id = format!("{seed:016x}");
            if round % 3 == 1 {
                id = id.to_uppercase();
            }
            assert_eq!(
                hex16(JsonStr::new(&id, false)).map(|h| h.value),
                Some(seed),
                "{id}"
            );
            let escaped = format!("\\u00{:02x}{}", id.as_bytes()[0], &id[1..]);
            assert_eq!(
                hex16(JsonStr::new(&escaped, true)).map(|h| h.value),
                Some(seed),
                "{escaped}"
            );
        }
        for bad in [
            "000000000000000g",
            "00000000000000-1",
            "+000000000000001",
            "0000000000000 01",
            "00000000000000001",
            "000000000000001",
        ] {
            assert_eq!(
                hex16(JsonStr::new(bad, false)).map(|h| h.value),
                None,
                "{bad}"
            );
        }
    }

    #[test]
    fn hex16_shapes() {
        let ok = hex16(JsonStr::new("70de5b6f19ff9a0a", false)).unwrap();
        assert!(!ok.upper && !ok.zero);
        assert!(
            hex16(JsonStr::new("70DE5B6F19FF9A0A", false))
                .unwrap()
                .upper
        );
        assert!(hex16(JsonStr::new("0000000000000000", false)).unwrap().zero);
        assert!(hex16(JsonStr::new("70de5b6f19ff9a0", false)).is_none());
        assert!(hex16(JsonStr::new("zzzzzzzzzzzzzzzz", false)).is_none());
        assert!(hex16(JsonStr::new(r"\u00370de5b6f19ff9a0a", true)).is_some());
        for c in 0..=255u8 {
            let mut id = *b"70de5b6f19ff9a0a";
            id[3] = c;
            let want = c.is_ascii_hexdigit();
            assert_eq!(hex_digits(&id, 16).is_some(), want, "{c:#x}");
            assert_eq!(hex_value(&id, 16).is_some(), want, "{c:#x}");
            if want {
                assert_eq!(hex_digits(&id, 16).unwrap().upper, c.is_ascii_uppercase());
            }
        }
    }
}
