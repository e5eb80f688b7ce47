//! The hash that gives every documented key a slot of its own in a small lookup table.
//!
//! A key is looked up by its fingerprint ([`crate::json::keys`]): one multiply (folded away
//! when the multiplier is 1), one shift, one mask, one load and one comparison. The hash is
//! chosen at compile time by [`find`] for the keys at hand, so adding a key can never make two
//! keys share a slot: the search simply picks another shift, another multiplier, or a larger
//! table.

/// How a fingerprint picks a slot: `((fingerprint * mul) >> shift) & (2^bits - 1)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SlotHash {
    /// Odd multiplier (1: a plain shift).
    pub mul: u64,
    /// Right shift after the multiply.
    pub shift: u32,
    /// The table has `2^bits` slots.
    pub bits: u32,
}

/// Largest table [`find`] tries: 4,096 slots.
const MAX_BITS: u32 = 12;

impl SlotHash {
    /// The slot of `fingerprint`.
    #[inline(always)]
    pub(crate) const fn slot(self, fingerprint: u64) -> usize {
        ((fingerprint.wrapping_mul(self.mul) >> self.shift) & ((1u64 << self.bits) - 1)) as usize
    }

    /// Number of slots.
    pub(crate) const fn len(self) -> usize {
        1 << self.bits
    }

    /// Whether no two of `fingerprints` share a slot.
    // Compile-time helper: the indices are below 2^MAX_BITS by construction.
    #[allow(clippy::indexing_slicing)]
    pub(crate) const fn separates(self, fingerprints: &[u64]) -> bool {
        let mut seen = [0u64; 1 << (MAX_BITS - 6)];
        let mut i = 0;
        while i < fingerprints.len() {
            let s = self.slot(fingerprints[i]);
            let (word, bit) = (s / 64, 1u64 << (s % 64));
            if seen[word] & bit != 0 {
                return false;
            }
            seen[word] |= bit;
            i += 1;
        }
        true
    }
}

/// SplitMix64: well-spread odd multipliers from a counter.
const fn splitmix(seed: u64) -> u64 {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The first hash that separates `fingerprints`, smallest table first (64 slots at least):
/// for each size, plain shifts, then 256 multipliers taking the top bits.
///
/// Fails (at compile time, where it runs) only when two keys have the same fingerprint.
// Runs in const evaluation: a failure stops the build with the message below.
#[allow(clippy::panic)]
pub(crate) const fn find(fingerprints: &[u64]) -> SlotHash {
    let mut bits = 6;
    while bits <= MAX_BITS {
        if (1usize << bits) >= 2 * fingerprints.len() {
            let mut shift = 0;
            while shift + bits <= 64 {
                let h = SlotHash {
                    mul: 1,
                    shift,
                    bits,
                };
                if h.separates(fingerprints) {
                    return h;
                }
                shift += 1;
            }
            let mut seed = 0;
            while seed < 256 {
                let h = SlotHash {
                    mul: splitmix(seed) | 1,
                    shift: 64 - bits,
                    bits,
                };
                if h.separates(fingerprints) {
                    return h;
                }
                seed += 1;
            }
        }
        bits += 1;
    }
    panic!("two documented keys have the same fingerprint")
}
