//! x86-64 baseline (SSE2): four 16-byte registers per block, byte compares, the portable
//! prefix XOR. SSE2 is part of every x86-64 CPU; [`super::Kernel`] still checks it.

use core::arch::x86_64::{
    __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
    _mm_set1_epi8,
};

use super::Classes;

/// The four 16-byte parts of a block.
type Parts = [__m128i; 4];

/// The 64-bit mask of the bytes whose high bit is set.
#[target_feature(enable = "sse2")]
#[inline]
fn mask(m: Parts) -> u64 {
    let [a, b, c, d] = m;
    let bits = |v: __m128i| u64::from(_mm_movemask_epi8(v) as u16);
    bits(a) | (bits(b) << 16) | (bits(c) << 32) | (bits(d) << 48)
}

/// Applies `f` to each part.
#[target_feature(enable = "sse2")]
#[inline]
fn each(p: Parts, f: impl Fn(__m128i) -> __m128i) -> Parts {
    let [a, b, c, d] = p;
    [f(a), f(b), f(c), f(d)]
}

/// The bytes equal to `byte`, as a vector mask.
#[target_feature(enable = "sse2")]
#[inline]
fn eq(v: __m128i, byte: u8) -> __m128i {
    _mm_cmpeq_epi8(v, _mm_set1_epi8(byte as i8))
}

/// The classes of one block.
#[target_feature(enable = "sse2")]
#[inline]
fn classify(bytes: &[u8; 64]) -> Classes {
    let p = bytes.as_ptr();
    // SAFETY: `bytes` is 64 bytes long, so the four 16-byte loads (offsets 0, 16, 32, 48) are
    // in bounds; `loadu` has no alignment requirement.
    let parts: Parts = unsafe {
        [
            _mm_loadu_si128(p.cast::<__m128i>()),
            _mm_loadu_si128(p.add(16).cast::<__m128i>()),
            _mm_loadu_si128(p.add(32).cast::<__m128i>()),
            _mm_loadu_si128(p.add(48).cast::<__m128i>()),
        ]
    };
    let x20 = _mm_set1_epi8(0x20);
    let x1f = _mm_set1_epi8(0x1F);
    Classes {
        quote: mask(each(parts, |v| eq(v, b'"'))),
        backslash: mask(each(parts, |v| eq(v, b'\\'))),
        // `[` and `]` OR 0x20 are `{` and `}`, and only they and the braces themselves are.
        op: mask(each(parts, |v| {
            let curly = _mm_or_si128(v, x20);
            _mm_or_si128(
                _mm_or_si128(eq(curly, b'{'), eq(curly, b'}')),
                _mm_or_si128(eq(v, b':'), eq(v, b',')),
            )
        })),
        whitespace: mask(each(parts, |v| {
            _mm_or_si128(
                _mm_or_si128(eq(v, b' '), eq(v, b'\t')),
                _mm_or_si128(eq(v, b'\n'), eq(v, b'\r')),
            )
        })),
        control: mask(each(parts, |v| _mm_cmpeq_epi8(_mm_min_epu8(v, x1f), v))),
    }
}

/// The portable prefix XOR.
#[target_feature(enable = "sse2")]
#[inline]
fn prefix_xor(bits: u64) -> u64 {
    super::prefix_xor_portable(bits)
}

entry_points!("sse2");
