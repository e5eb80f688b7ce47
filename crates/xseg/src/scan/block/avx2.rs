//! x86-64 with AVX2 and PCLMULQDQ: two 32-byte registers per block, nibble lookups for
//! whitespace and structural characters (simdjson's tables), carry-less multiplication for the
//! prefix XOR. Every function here requires both features; [`super::Kernel`] calls them only
//! after detecting them.

use core::arch::x86_64::{
    __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_min_epu8, _mm256_movemask_epi8,
    _mm256_or_si256, _mm256_set1_epi8, _mm256_setr_epi8, _mm256_shuffle_epi8, _mm_clmulepi64_si128,
    _mm_cvtsi128_si64, _mm_set1_epi8, _mm_set_epi64x,
};

use super::Classes;

/// The 64-bit mask of the bytes of the two halves whose high bit is set.
#[target_feature(enable = "avx2")]
#[inline]
fn mask(lo: __m256i, hi: __m256i) -> u64 {
    let lo = _mm256_movemask_epi8(lo) as u32;
    let hi = _mm256_movemask_epi8(hi) as u32;
    u64::from(lo) | (u64::from(hi) << 32)
}

/// The bytes equal to `byte`.
#[target_feature(enable = "avx2")]
#[inline]
fn eq(lo: __m256i, hi: __m256i, byte: u8) -> u64 {
    let b = _mm256_set1_epi8(byte as i8);
    mask(_mm256_cmpeq_epi8(lo, b), _mm256_cmpeq_epi8(hi, b))
}

/// The classes of one block.
#[target_feature(enable = "avx2,pclmulqdq")]
#[inline]
fn classify(bytes: &[u8; 64]) -> Classes {
    let p = bytes.as_ptr();
    // SAFETY: `bytes` is 64 bytes long, so both 32-byte loads (offsets 0 and 32) are in
    // bounds; `loadu` has no alignment requirement.
    let (lo, hi) = unsafe {
        (
            _mm256_loadu_si256(p.cast::<__m256i>()),
            _mm256_loadu_si256(p.add(32).cast::<__m256i>()),
        )
    };
    // Indexed by the low nibble: the one whitespace byte with that nibble, or a byte whose low
    // nibble differs from its index (so it never matches). Bytes with the high bit set look up
    // zero, which they are not.
    let ws_table = _mm256_setr_epi8(
        b' ' as i8,
        100,
        100,
        100,
        17,
        100,
        113,
        2,
        100,
        b'\t' as i8,
        b'\n' as i8,
        112,
        100,
        b'\r' as i8,
        100,
        100,
        b' ' as i8,
        100,
        100,
        100,
        17,
        100,
        113,
        2,
        100,
        b'\t' as i8,
        b'\n' as i8,
        112,
        100,
        b'\r' as i8,
        100,
        100,
    );
    // Indexed by the low nibble, compared with the byte OR 0x20 (which turns `[` `]` into
    // `{` `}`). 0x1A and 0x0C also match (`:` and `,` after the OR); they are control
    // characters and are removed below.
    let op_table = _mm256_setr_epi8(
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, b':' as i8, b'{' as i8, b',' as i8, b'}' as i8, 0, 0, 0, 0,
        0, 0, 0, 0, 0, 0, 0, 0, b':' as i8, b'{' as i8, b',' as i8, b'}' as i8, 0, 0,
    );
    let whitespace = mask(
        _mm256_cmpeq_epi8(lo, _mm256_shuffle_epi8(ws_table, lo)),
        _mm256_cmpeq_epi8(hi, _mm256_shuffle_epi8(ws_table, hi)),
    );
    let x20 = _mm256_set1_epi8(0x20);
    let op = mask(
        _mm256_cmpeq_epi8(_mm256_or_si256(lo, x20), _mm256_shuffle_epi8(op_table, lo)),
        _mm256_cmpeq_epi8(_mm256_or_si256(hi, x20), _mm256_shuffle_epi8(op_table, hi)),
    );
    let x1f = _mm256_set1_epi8(0x1F);
    let control = mask(
        _mm256_cmpeq_epi8(_mm256_min_epu8(lo, x1f), lo),
        _mm256_cmpeq_epi8(_mm256_min_epu8(hi, x1f), hi),
    );
    Classes {
        quote: eq(lo, hi, b'"'),
        backslash: eq(lo, hi, b'\\'),
        op: op & !control,
        whitespace,
        control,
    }
}

/// Prefix XOR as one carry-less multiplication by all ones.
#[target_feature(enable = "avx2,pclmulqdq")]
#[inline]
fn prefix_xor(bits: u64) -> u64 {
    let product = _mm_clmulepi64_si128::<0>(_mm_set_epi64x(0, bits as i64), _mm_set1_epi8(-1));
    _mm_cvtsi128_si64(product) as u64
}

entry_points!("avx2,pclmulqdq");
