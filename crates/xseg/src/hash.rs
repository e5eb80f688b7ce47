//! The fixed 64-bit hash of annotation keys ([`annotation_key_hash`]), which the validator
//! computes during its pass when it gathers trace keys ([`TraceKeys`]), and the view on
//! demand ([`Annotation::key_hash`]).
//!
//! [`TraceKeys`]: crate::TraceKeys
//! [`Annotation::key_hash`]: crate::Annotation::key_hash

use crate::json::JsonStr;

/// The multiplier of each absorption step (an odd constant, so each step is a bijection of
/// the state for a given word).
const MUL: u64 = 0x9e37_79b9_7f4a_7c15;

/// The state before the first word.
const SEED: u64 = 0x243f_6a88_85a3_08d3;

/// Absorbs one 8-byte word. For a given state, distinct words give distinct states.
#[inline(always)]
const fn absorb(h: u64, word: u64) -> u64 {
    (h.rotate_left(23) ^ word).wrapping_mul(MUL)
}

/// Mixes the length in and spreads every input bit over the whole result (the finalizer of
/// MurmurHash3), so that any bits of the result can index a table.
#[inline(always)]
const fn finish(h: u64, len: u64) -> u64 {
    let mut h = h ^ len;
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

/// The hash of `bytes`, eight at a time (the last word padded with zeros).
#[inline]
fn hash_bytes(bytes: &[u8]) -> u64 {
    let mut h = SEED;
    let mut words = bytes.chunks_exact(8);
    for w in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        h = absorb(h, u64::from_le_bytes(word));
    }
    let tail = words.remainder();
    if !tail.is_empty() {
        h = absorb(h, tail_word(tail));
    }
    finish(h, bytes.len() as u64)
}

/// The bytes of `tail` (1 to 7 of them) as a little-endian word padded with zeros, read in
/// two overlapping loads rather than copied byte by byte into a buffer.
#[inline(always)]
fn tail_word(tail: &[u8]) -> u64 {
    let n = tail.len();
    if let (Some(lo), Some(hi)) = (tail.first_chunk::<4>(), tail.last_chunk::<4>()) {
        // Bytes 0..4 and n-4..n, in their places; where they overlap they are the same bytes.
        let (lo, hi) = (
            u64::from(u32::from_le_bytes(*lo)),
            u64::from(u32::from_le_bytes(*hi)),
        );
        return lo | (hi << (8 * (n - 4)));
    }
    // One to three bytes: the first, the middle and the last, in their places.
    let byte = |i: usize| u64::from(tail.get(i).copied().unwrap_or(0)) << (8 * i);
    byte(0) | byte(n / 2) | byte(n.saturating_sub(1))
}

/// The hash of a stream of bytes, fed in any pieces: equal to [`hash_bytes`] over their
/// concatenation.
struct Hasher {
    h: u64,
    word: u64,
    /// Bytes in `word`.
    fill: u32,
    len: u64,
}

impl Hasher {
    const fn new() -> Self {
        Hasher {
            h: SEED,
            word: 0,
            fill: 0,
            len: 0,
        }
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.word |= u64::from(b) << (8 * self.fill);
            self.fill += 1;
            if self.fill == 8 {
                self.h = absorb(self.h, self.word);
                self.word = 0;
                self.fill = 0;
            }
        }
        self.len += bytes.len() as u64;
    }

    fn finish(mut self) -> u64 {
        if self.fill != 0 {
            self.h = absorb(self.h, self.word);
        }
        finish(self.h, self.len)
    }
}

/// The 64-bit hash under which the trace checks count an annotation key: a fixed hash of the
/// key's UTF-8 bytes (after unescaping, so `"a\u0062"` and `"ab"` are one key), eight bytes
/// at a time. Fixed, so a run's answers never depend on a random seed; the validator computes
/// it for every indexed key when it gathers trace keys ([`TraceKeys`]), the view on demand
/// ([`Annotation::key_hash`]).
///
/// ```
/// let h = xseg::annotation_key_hash("http.status_code");
/// assert_eq!(h, xseg::annotation_key_hash("http.status_code"));
/// assert_ne!(h, xseg::annotation_key_hash("http.status_codf"));
/// ```
///
/// [`TraceKeys`]: crate::TraceKeys
/// [`Annotation::key_hash`]: crate::Annotation::key_hash
pub fn annotation_key_hash(key: &str) -> u64 {
    hash_bytes(key.as_bytes())
}

/// [`annotation_key_hash`] of the key `s` as written in the document (escapes decoded).
pub(crate) fn key_hash(s: JsonStr<'_>) -> u64 {
    if !s.has_escapes() {
        return hash_bytes(s.raw().as_bytes());
    }
    let mut hasher = Hasher::new();
    let mut buf = [0u8; 4];
    for c in s.chars() {
        hasher.write(c.encode_utf8(&mut buf).as_bytes());
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The two-load tail read gives the zero-padded little-endian word, for every length.
    #[test]
    fn tail_words_are_the_padded_bytes() {
        let bytes = [0x11u8, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77];
        for n in 1..8 {
            let tail = &bytes[..n];
            let mut word = [0u8; 8];
            word[..n].copy_from_slice(tail);
            assert_eq!(tail_word(tail), u64::from_le_bytes(word), "{n} bytes");
        }
    }

    proptest! {
        /// Fed in any pieces, the stream hash equals the one-shot hash.
        #[test]
        fn pieces_hash_like_the_whole(s in "\\PC{0,40}", cuts in proptest::collection::vec(0usize..48, 0..6)) {
            let bytes = s.as_bytes();
            let mut cuts: Vec<usize> = cuts.into_iter().map(|c| c.min(bytes.len())).collect();
            cuts.sort_unstable();
            let mut hasher = Hasher::new();
            let mut at = 0;
            for c in cuts.into_iter().chain([bytes.len()]) {
                hasher.write(&bytes[at..c]);
                at = c;
            }
            prop_assert_eq!(hasher.finish(), annotation_key_hash(&s));
        }

        /// An escaped key hashes as its unescaped text.
        #[test]
        fn escapes_hash_as_their_characters(s in "[A-Za-z0-9_.]{0,30}") {
            let escaped: String = s.chars().map(|c| format!("\\u{:04x}", u32::from(c))).collect();
            prop_assert_eq!(key_hash(JsonStr::new(&escaped, true)), annotation_key_hash(&s));
            prop_assert_eq!(key_hash(JsonStr::new(&s, false)), annotation_key_hash(&s));
        }
    }

    #[test]
    fn lengths_and_words_are_told_apart() {
        let keys = [
            "",
            "a",
            "a\0",
            "ab",
            "abcdefgh",
            "abcdefgh\0",
            "abcdefghi",
            "abcdefgi",
            "ba",
            "abcdefghabcdefgh",
            "abcdefgh.bcdefgh",
        ];
        let mut hashes: Vec<u64> = keys.iter().map(|k| annotation_key_hash(k)).collect();
        hashes.sort_unstable();
        hashes.dedup();
        assert_eq!(hashes.len(), keys.len());
    }

    /// No two of 200,000 short keys like the SDKs' collide, in all 64 bits or in the low 32.
    #[test]
    fn no_collisions_among_many_keys() {
        let mut full = std::collections::HashSet::new();
        let mut low = std::collections::HashSet::new();
        for i in 0..200_000u32 {
            let k = format!("key_{i}.attr");
            let h = annotation_key_hash(&k);
            assert!(full.insert(h), "{k}");
            low.insert(h as u32);
        }
        assert!(low.len() > 199_990, "{}", low.len());
    }
}
