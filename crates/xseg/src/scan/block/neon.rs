//! aarch64 NEON: four 16-byte registers per block, byte compares, a pairwise-add bitmask
//! (simdjson's), the portable prefix XOR. [`super::Kernel`] calls these functions only after
//! detecting NEON.

use core::arch::aarch64::{
    uint8x16_t, vandq_u8, vceqq_u8, vcltq_u8, vdupq_n_u8, vgetq_lane_u64, vld1q_u8, vorrq_u8,
    vpaddq_u8, vreinterpretq_u64_u8,
};

use super::Classes;

/// The four 16-byte parts of a block.
type Parts = [uint8x16_t; 4];

/// Bit `i % 8` for byte `i`.
const BIT_OF_LANE: [u8; 16] = [1, 2, 4, 8, 16, 32, 64, 128, 1, 2, 4, 8, 16, 32, 64, 128];

/// The 64-bit mask of the bytes that are all ones (compare results).
#[target_feature(enable = "neon")]
#[inline]
fn mask(m: Parts) -> u64 {
    // SAFETY: `BIT_OF_LANE` is 16 bytes long, the size of the load.
    let bit = unsafe { vld1q_u8(BIT_OF_LANE.as_ptr()) };
    let [a, b, c, d] = m;
    // Three rounds of pairwise adds fold each 8-byte half into one byte of bits.
    let ab = vpaddq_u8(vandq_u8(a, bit), vandq_u8(b, bit));
    let cd = vpaddq_u8(vandq_u8(c, bit), vandq_u8(d, bit));
    let abcd = vpaddq_u8(ab, cd);
    let folded = vpaddq_u8(abcd, abcd);
    vgetq_lane_u64::<0>(vreinterpretq_u64_u8(folded))
}

/// The bytes equal to `byte`, as a vector mask.
#[target_feature(enable = "neon")]
#[inline]
fn eq(v: uint8x16_t, byte: u8) -> uint8x16_t {
    vceqq_u8(v, vdupq_n_u8(byte))
}

/// The classes of one part.
#[target_feature(enable = "neon")]
#[inline]
fn part(v: uint8x16_t) -> [uint8x16_t; 5] {
    let curly = vorrq_u8(v, vdupq_n_u8(0x20));
    [
        eq(v, b'"'),
        eq(v, b'\\'),
        // `[` and `]` OR 0x20 are `{` and `}`, and only they and the braces themselves are.
        vorrq_u8(
            vorrq_u8(eq(curly, b'{'), eq(curly, b'}')),
            vorrq_u8(eq(v, b':'), eq(v, b',')),
        ),
        vorrq_u8(
            vorrq_u8(eq(v, b' '), eq(v, b'\t')),
            vorrq_u8(eq(v, b'\n'), eq(v, b'\r')),
        ),
        vcltq_u8(v, vdupq_n_u8(0x20)),
    ]
}

/// The classes of one block.
#[target_feature(enable = "neon")]
#[inline]
fn classify(bytes: &[u8; 64]) -> Classes {
    let p = bytes.as_ptr();
    // SAFETY: `bytes` is 64 bytes long, so the four 16-byte loads (offsets 0, 16, 32, 48) are
    // in bounds; `vld1q_u8` has no alignment requirement beyond that of `u8`.
    let [a, b, c, d] = unsafe {
        [
            vld1q_u8(p),
            vld1q_u8(p.add(16)),
            vld1q_u8(p.add(32)),
            vld1q_u8(p.add(48)),
        ]
    };
    let [qa, ba, oa, wa, ca] = part(a);
    let [qb, bb, ob, wb, cb] = part(b);
    let [qc, bc, oc, wc, cc] = part(c);
    let [qd, bd, od, wd, cd] = part(d);
    Classes {
        quote: mask([qa, qb, qc, qd]),
        backslash: mask([ba, bb, bc, bd]),
        op: mask([oa, ob, oc, od]),
        whitespace: mask([wa, wb, wc, wd]),
        control: mask([ca, cb, cc, cd]),
    }
}

/// The portable prefix XOR.
#[target_feature(enable = "neon")]
#[inline]
fn prefix_xor(bits: u64) -> u64 {
    super::prefix_xor_portable(bits)
}

entry_points!("neon");
