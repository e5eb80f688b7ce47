//! The portable backend: SWAR (SIMD within a register) over eight 8-byte words. It is the test
//! oracle for the others, itself tested against a byte-at-a-time reference.

use super::Classes;

/// The lowest bit of every byte.
const LO: u64 = 0x0101_0101_0101_0101;
/// The highest bit of every byte.
const HI: u64 = 0x8080_8080_8080_8080;
/// The low seven bits of every byte.
const LOW7: u64 = 0x7F7F_7F7F_7F7F_7F7F;

/// The high bit of each byte of `w` that equals `byte`, exactly (no false positives: the
/// additions never carry into the next byte).
#[inline(always)]
const fn eq(w: u64, byte: u8) -> u64 {
    let t = w ^ (LO * byte as u64);
    !(((t & LOW7) + LOW7) | t) & HI
}

/// The high bit of each byte of `w` below `n`, exactly, for `n <= 0x80`.
#[inline(always)]
const fn below(w: u64, n: u8) -> u64 {
    !(((w & LOW7) + LO * (0x80 - n as u64)) | w) & HI
}

/// Packs the high bits of the eight bytes of `m` (and nothing else) into the low eight bits.
#[inline(always)]
const fn pack(m: u64) -> u64 {
    // Bit 8i moves to bit 56 + i; the products of the other bits land below bit 56 or past
    // bit 63, and no two land on the same bit, so nothing carries.
    ((m >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

/// The classes of one block.
#[inline(always)]
fn classify(bytes: &[u8; 64]) -> Classes {
    let mut c = Classes::default();
    let (words, _) = bytes.as_chunks::<8>();
    for (i, word) in words.iter().enumerate() {
        let w = u64::from_le_bytes(*word);
        let shift = 8 * i as u32;
        c.quote |= pack(eq(w, b'"')) << shift;
        c.backslash |= pack(eq(w, b'\\')) << shift;
        let op = eq(w, b'{') | eq(w, b'}') | eq(w, b'[') | eq(w, b']') | eq(w, b':') | eq(w, b',');
        c.op |= pack(op) << shift;
        let ws = eq(w, b' ') | eq(w, b'\t') | eq(w, b'\n') | eq(w, b'\r');
        c.whitespace |= pack(ws) << shift;
        c.control |= pack(below(w, 0x20)) << shift;
    }
    c
}

/// The portable prefix XOR.
#[inline(always)]
const fn prefix_xor(bits: u64) -> u64 {
    super::prefix_xor_portable(bits)
}

entry_points!();

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_tests_are_exact_for_every_byte_in_every_lane() {
        for lane in 0..8u32 {
            for b in 0..=255u8 {
                let mut bytes = [b'a'; 8];
                if let Some(x) = bytes.get_mut(lane as usize) {
                    *x = b;
                }
                let w = u64::from_le_bytes(bytes);
                let bit = |hit: bool| if hit { 1u64 << lane } else { 0 };
                assert_eq!(pack(eq(w, b'"')), bit(b == b'"'), "{b:#x} lane {lane}");
                assert_eq!(pack(eq(w, 0)), bit(b == 0), "{b:#x} lane {lane}");
                assert_eq!(pack(eq(w, 0xFF)), bit(b == 0xFF), "{b:#x} lane {lane}");
                assert_eq!(pack(below(w, 0x20)), bit(b < 0x20), "{b:#x} lane {lane}");
            }
        }
    }

    #[test]
    fn pack_gathers_high_bits_only() {
        assert_eq!(pack(HI), 0xFF);
        assert_eq!(pack(0), 0);
        assert_eq!(pack(0x0000_0000_0000_0080), 1);
        assert_eq!(pack(0x8000_0000_0000_0000), 0x80);
    }
}
