//! Byte-scanning kernels.
//!
//! The SWAR (SIMD-within-a-register) kernel below is safe Rust: it reads eight bytes at a time
//! through `u64::from_le_bytes`, which compiles to plain loads. UTF-8 validation of the whole
//! document uses `simdutf8` (runtime-detected SSE4.2/AVX2/NEON with a scalar fallback), and byte
//! search uses `memchr`. This module is the only place allowed to hold `unsafe`, and only its
//! `block` submodule (stage 1: 64-byte block classifiers with AVX2, SSE2 and NEON backends,
//! see its docs) does. The per-string variants that would have needed it (wider string
//! scanning, an ASCII pre-pass before `simdutf8`) were measured and did not pay;
//! docs/ARCHITECTURE.md has the numbers.

// Stage 1 (64-byte block classifiers). The engine does not consume it yet, so outside the
// tests nothing calls it.
#[cfg_attr(not(test), allow(dead_code))]
pub(crate) mod block;

const LO: u64 = 0x0101_0101_0101_0101;
const HI: u64 = 0x8080_8080_8080_8080;

/// Flags (high bit of each byte) the bytes of `w` that are `"`, `\` or below 0x20.
///
/// Exact for the lowest flagged byte: borrows from the subtraction only propagate upwards, so
/// bytes above the first true hit may be flagged spuriously, which callers ignore.
#[inline(always)]
pub(crate) fn special_mask(w: u64) -> u64 {
    let quote = w ^ (LO * u64::from(b'"'));
    let bslash = w ^ (LO * u64::from(b'\\'));
    let has_quote = quote.wrapping_sub(LO) & !quote;
    let has_bslash = bslash.wrapping_sub(LO) & !bslash;
    let has_ctrl = w.wrapping_sub(LO * 0x20) & !w;
    (has_quote | has_bslash | has_ctrl) & HI
}

/// Index of the first byte of `s` that is `"`, `\` or a control character (below 0x20), or
/// `s.len()` when there is none.
#[cfg(test)]
pub fn find_string_special(s: &[u8]) -> usize {
    find_string_special_from(s, 0)
}

/// Index of the first byte of `b` at or after `pos` that is `"`, `\` or a control character,
/// or `b.len()` when there is none.
#[inline(always)]
pub fn find_string_special_from(b: &[u8], mut pos: usize) -> usize {
    while let Some(chunk) = b.get(pos..pos + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let m = special_mask(u64::from_le_bytes(word));
        if m != 0 {
            return pos + (m.trailing_zeros() / 8) as usize;
        }
        pos += 8;
    }
    let tail = b.get(pos..).unwrap_or(&[]);
    pos + find_string_special_scalar(tail)
}

/// The scalar oracle for [`find_string_special`].
#[inline]
pub fn find_string_special_scalar(s: &[u8]) -> usize {
    s.iter()
        .position(|&c| c == b'"' || c == b'\\' || c < 0x20)
        .unwrap_or(s.len())
}

/// Validates UTF-8; on failure returns the length of the longest valid prefix.
#[inline]
pub fn utf8(s: &[u8]) -> Result<&str, usize> {
    match simdutf8::basic::from_utf8(s) {
        Ok(t) => Ok(t),
        Err(_) => Err(match simdutf8::compat::from_utf8(s) {
            Ok(_) => s.len(),
            Err(e) => e.valid_up_to(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn swar_matches_scalar_on_every_byte_and_alignment() {
        for special in 0u8..=255 {
            for pad in 0..=70usize {
                for after in [0usize, 1, 7, 8, 9] {
                    let mut v = vec![b'a'; pad];
                    v.push(special);
                    v.extend(std::iter::repeat_n(b'"', after));
                    for start in 0..3.min(v.len()) {
                        let s = &v[start..];
                        assert_eq!(
                            find_string_special(s),
                            find_string_special_scalar(s),
                            "byte {special:#x} pad {pad} start {start}"
                        );
                        assert_eq!(
                            find_string_special_from(&v, start),
                            start + find_string_special_scalar(s),
                            "byte {special:#x} pad {pad} from {start}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn high_bytes_are_not_special() {
        let s = "héllo wörld ünïcode ✓ text".as_bytes();
        assert_eq!(find_string_special(s), s.len());
    }

    #[test]
    fn utf8_reports_valid_prefix() {
        assert_eq!(utf8(b"ab\xffcd"), Err(2));
        assert_eq!(utf8("é".as_bytes()), Ok("é"));
        assert_eq!(utf8(b"ab\xc3"), Err(2));
    }
}
