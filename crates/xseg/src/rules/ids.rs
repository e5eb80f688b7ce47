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
}

/// The value of one hex digit, and whether it is an upper-case letter.
#[inline(always)]
fn digit(c: u8) -> Option<(u8, bool)> {
    match c {
        b'0'..=b'9' => Some((c - b'0', false)),
        b'a'..=b'f' => Some((c - b'a' + 10, false)),
        b'A'..=b'F' => Some((c - b'A' + 10, true)),
        _ => None,
    }
}

/// Reads `bytes` as exactly `n` hex digits, in one pass: the value (of the last 32 digits at
/// most) and the shape flags.
#[inline]
pub(crate) fn hex_value(bytes: &[u8], n: usize) -> Option<(u128, HexId)> {
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
        },
    ))
}

/// Byte classes for hex digits: bit 0 set for `0-9a-fA-F`, bit 1 also set for `A-F`.
// Built at compile time: an index out of range would fail the build, not panic.
#[allow(clippy::indexing_slicing)]
static HEX_CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut c = 0;
    while c < 256 {
        let b = c as u8;
        t[c] = if b.is_ascii_digit() || (b >= b'a' && b <= b'f') {
            1
        } else if b >= b'A' && b <= b'F' {
            3
        } else {
            0
        };
        c += 1;
    }
    t
};

/// Checks that `bytes` is exactly `n` hex digits, branch-free over the digits.
#[inline]
pub(crate) fn hex_digits(bytes: &[u8], n: usize) -> Option<HexId> {
    if bytes.len() != n {
        return None;
    }
    let (mut all, mut any, mut nonzero) = (1u8, 0u8, 0u8);
    for &c in bytes {
        let t = HEX_CLASS.get(usize::from(c)).copied().unwrap_or(0);
        all &= t;
        any |= t;
        nonzero |= c ^ b'0';
    }
    (all & 1 == 1).then_some(HexId {
        upper: any & 2 != 0,
        zero: nonzero == 0,
    })
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
