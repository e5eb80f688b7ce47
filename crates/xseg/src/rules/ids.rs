//! 16-hex-digit ids: `id`, `parent_id`, exception ids, `cause` strings, `precursor_ids`.

use crate::json::JsonStr;

/// What a well-formed id looks like beyond its shape.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HexId {
    /// Holds an upper-case hex digit.
    pub upper: bool,
    /// All sixteen digits are `0`.
    pub zero: bool,
}

/// Checks that `bytes` is exactly `n` hex digits.
pub(crate) fn hex_digits(bytes: &[u8], n: usize) -> Option<HexId> {
    if bytes.len() != n || !bytes.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    Some(HexId {
        upper: bytes.iter().any(u8::is_ascii_uppercase),
        zero: bytes.iter().all(|&c| c == b'0'),
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
    }
}
