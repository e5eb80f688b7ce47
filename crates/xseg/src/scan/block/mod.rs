//! Stage 1: classifying the input 64 bytes at a time.
//!
//! **Unstable, internal.** Nothing here is part of xseg's public API; the engine does not read
//! these bitmaps yet, and every name may change when it does.
//!
//! # What a block holds
//!
//! The input is cut into 64-byte blocks; the last one is copied into a stack buffer and padded
//! with spaces, so no load ever reads past the input. For each block, one bit per byte (bit `i`
//! is byte `i` of the block), in a [`Block`]:
//!
//! | bitmap | bytes |
//! |---|---|
//! | `quote` | `"` |
//! | `backslash` | `\` |
//! | `op` | the structural characters `{ } [ ] : ,` |
//! | `whitespace` | JSON whitespace: space, tab, line feed, carriage return |
//! | `control` | bytes below 0x20 (forbidden unescaped inside strings) |
//! | `escaped` | bytes that follow an odd run of backslashes |
//! | `string_quote` | quotes that open or close a string: `quote & !escaped` |
//! | `in_string` | from each opening quote up to, not including, its closing quote |
//! | `structural` | what stage 2 visits: `op` outside strings, opening quotes, and the first byte of every other scalar (numbers, `true`, `false`, `null`, stray bytes) |
//!
//! Bits for bytes past the end of the input are zero.
//!
//! # The carries
//!
//! Three facts cross a block boundary, in [`Carry`]:
//!
//! - **escape**: whether the first byte of the next block is escaped, because this block ended
//!   in an odd run of backslashes. Within a block, escapes come from simdjson's subtraction
//!   trick: with `potential = backslash & !carry`, the odd-bit pattern
//!   `((potential << 1) | ODD).wrapping_sub(potential) ^ ODD` marks, for each run of
//!   backslashes, the byte after it exactly when the run has odd length. The carried bit
//!   removes the first backslash of the next block from `potential` when it is itself escaped.
//! - **in string**: all ones when the block ended inside a string. `in_string` is the prefix
//!   XOR of `string_quote` (bit `i` is the parity of the quotes at or before `i`) XOR the carry;
//!   the carry for the next block is bit 63 spread to all bits. The prefix XOR is one
//!   carry-less multiplication by all ones (`pclmulqdq`) on x86-64 with AVX2, and six
//!   shift-and-XOR steps elsewhere.
//! - **scalar**: whether the block ended inside a scalar other than a string, so that the first
//!   byte of the next block does not start a new one.
//!
//! After the final, padded block the carries describe the padded input: `in_string` tells
//! whether a string was left open, and `escape` is always clear.
//!
//! The structural bitmap follows simdjson's `json_scanner`:
//! `scalar = !(op | whitespace)`, a scalar starts where a scalar byte does not follow a
//! non-quote scalar byte, and `structural = (op | scalar_start) & !(in_string ^ string_quote)`
//! (the mask removes every byte inside a string and its closing quote, and keeps the opening
//! quote).
//!
//! # Backends and dispatch
//!
//! Each backend only turns 64 bytes into the five raw class bitmaps ([`Classes`]) and computes
//! a prefix XOR; the carries and the structural bitmap are the same scalar bit arithmetic for
//! all of them, inlined into each backend's compiled loop.
//!
//! | backend | classes | prefix XOR | where |
//! |---|---|---|---|
//! | `Backend::Avx2` | two 32-byte loads; `vpshufb` nibble tables for whitespace and `op` (simdjson's), compares for the rest | `pclmulqdq` | x86-64 with AVX2 and PCLMULQDQ, detected at run time |
//! | `Backend::Sse2` | four 16-byte loads, byte compares | portable | every x86-64 |
//! | `Backend::Neon` | four 16-byte loads, byte compares, pairwise-add bitmask | portable | aarch64 |
//! | [`Backend::Fallback`] | SWAR: eight 8-byte words, exact zero-byte tests | portable | everywhere; the oracle the others are tested against |
//!
//! [`Kernel::best`] picks the best backend the CPU has once and caches the choice in an atomic
//! (memchr's pattern: the first call detects, later calls load). A [`Kernel`] can only be made
//! for a backend the CPU supports, which is what makes calling its `#[target_feature]`
//! functions sound. Building with `RUSTFLAGS="--cfg xseg_force_fallback"` makes
//! [`Kernel::best`] choose the fallback, so the portable path can be tested end to end on any
//! machine; the other backends stay reachable through [`Kernel::new`] for the tests that
//! compare them.
//!
//! Dispatch happens once per call: [`StructuralIndex::build`] runs a whole input through one
//! backend's compiled loop, and [`BlockScanner`] makes one call per block.
//!
//! # How stage 2 will consume it
//!
//! The engine will keep a [`StructuralIndex`] in its scratch (at most one `u32` per byte plus
//! 64: 256 KiB for the largest document, grown once) and walk its positions instead of bytes,
//! as simdjson's stage 2 does; [`BlockScanner`] is the alternative that walks the bitmaps block
//! by block without the buffer, to be chosen by measurement.
//!
//! - At `{ [ } ] : ,` it updates the depth and the grammar state (value, key, colon, comma),
//!   so skipped subtrees are still fully checked without touching their other bytes.
//! - At a `"` it finds the closing quote as the next set bit of `string_quote` (a bit scan,
//!   whatever the string's length). Only when `backslash` bits fall in between does it visit
//!   the escapes; keys are compared for repeats from the same two offsets.
//! - At any other position a scalar starts; its extent runs to the next `op` or `whitespace`
//!   bit, and only those bytes are checked as a number or a literal.
//! - Errors that only stage 1 sees keep their byte offset: the first control character inside
//!   a string is the lowest bit of [`Block::controls_in_strings`], and an unclosed string shows
//!   in [`Carry::in_string`] after the last block. Stage 2 reports whichever problem comes
//!   first in the document, so the first-problem rule of `docs/DECISIONS.md` (D2) holds.
//! - UTF-8 stays validated once for the whole document, by `simdutf8` or in the same pass,
//!   whichever measures faster.

// Stage 1 holds the crate's SIMD kernels: `unsafe` is allowed in this module tree only, for
// unaligned loads and for calling `#[target_feature]` functions after detection. Every block
// carries a `// SAFETY:` comment.
#![allow(unsafe_code)]

use core::sync::atomic::{AtomicU8, Ordering};

/// Defines a backend's `block` and `index` functions from its `classify` and `prefix_xor`,
/// compiled with the backend's target features so that the whole per-block step inlines.
macro_rules! entry_points {
    ($($feature:literal)?) => {
        /// Classifies one block and advances the carries.
        $(#[target_feature(enable = $feature)])?
        pub(super) fn block(bytes: &[u8; 64], carry: &mut super::Carry) -> super::Block {
            let classes = classify(bytes);
            let escaped = carry.next_escaped(classes.backslash);
            let string_quote = classes.quote & !escaped;
            let in_string = prefix_xor(string_quote) ^ carry.in_string;
            carry.finish(classes, escaped, string_quote, in_string)
        }

        /// Writes the structural positions of every whole block of `input` to `index`;
        /// returns the number of bytes consumed (a multiple of 64).
        $(#[target_feature(enable = $feature)])?
        pub(super) fn index(
            input: &[u8],
            carry: &mut super::Carry,
            index: &mut super::StructuralIndex,
        ) -> usize {
            let mut at = 0u32;
            let mut rest = input;
            while let Some((bytes, tail)) = rest.split_first_chunk::<64>() {
                let b = block(bytes, carry);
                index.put(b.structural, at);
                at = at.wrapping_add(64);
                rest = tail;
            }
            input.len() - rest.len()
        }
    };
}

#[cfg(target_arch = "x86_64")]
mod avx2;
mod fallback;
#[cfg(target_arch = "aarch64")]
mod neon;
mod scanner;
#[cfg(target_arch = "x86_64")]
mod sse2;
#[cfg(test)]
mod tests;

// Used by the tests, the fuzz target and the bench until the engine consumes the blocks.
#[cfg_attr(not(test), allow(unused_imports))]
pub use scanner::BlockScanner;

/// The odd bit positions.
const ODD_BITS: u64 = 0xAAAA_AAAA_AAAA_AAAA;

/// The raw classes of the 64 bytes of a block, one bit per byte; no context.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Classes {
    /// `"`.
    pub quote: u64,
    /// `\`.
    pub backslash: u64,
    /// `{ } [ ] : ,`.
    pub op: u64,
    /// Space, tab, line feed, carriage return.
    pub whitespace: u64,
    /// Bytes below 0x20.
    pub control: u64,
}

/// One classified block: its raw classes and what the carries resolve. Bit `i` is byte
/// `offset + i` of the input; bits past the end of the input are zero.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Block {
    /// The raw classes.
    pub classes: Classes,
    /// Bytes that follow an odd run of backslashes.
    pub escaped: u64,
    /// Quotes that open or close a string (`quote & !escaped`).
    pub string_quote: u64,
    /// Bytes from an opening quote up to, not including, the closing quote.
    pub in_string: u64,
    /// Structural characters outside strings, opening quotes, and the first byte of every
    /// other scalar.
    pub structural: u64,
}

impl Block {
    /// The bytes inside strings after the opening quote, and the closing quotes.
    pub const fn string_tail(&self) -> u64 {
        self.in_string ^ self.string_quote
    }

    /// Control characters inside strings: each one is a syntax error.
    pub const fn controls_in_strings(&self) -> u64 {
        self.classes.control & self.in_string
    }

    /// This block with every bit at or past `len` cleared.
    const fn truncated(self, len: usize) -> Block {
        let keep = if len >= 64 { !0 } else { (1u64 << len) - 1 };
        Block {
            classes: Classes {
                quote: self.classes.quote & keep,
                backslash: self.classes.backslash & keep,
                op: self.classes.op & keep,
                whitespace: self.classes.whitespace & keep,
                control: self.classes.control & keep,
            },
            escaped: self.escaped & keep,
            string_quote: self.string_quote & keep,
            in_string: self.in_string & keep,
            structural: self.structural & keep,
        }
    }
}

/// What crosses a block boundary.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Carry {
    /// 1 when the first byte of the next block is escaped.
    escaped: u64,
    /// All ones when the previous block ended inside a string.
    in_string: u64,
    /// 1 when the previous block ended inside a scalar other than a string.
    scalar: u64,
}

impl Carry {
    /// Whether the input so far ends inside a string (after the whole input: a string was
    /// left open).
    pub const fn in_string(&self) -> bool {
        self.in_string != 0
    }

    /// Whether the next byte is escaped.
    pub const fn escaped(&self) -> bool {
        self.escaped != 0
    }

    /// The escaped bytes of a block with these backslashes; advances the escape carry.
    #[inline(always)]
    fn next_escaped(&mut self, backslash: u64) -> u64 {
        if backslash == 0 {
            return core::mem::take(&mut self.escaped);
        }
        let potential = backslash & !self.escaped;
        let escape_and_terminal = ((potential << 1) | ODD_BITS).wrapping_sub(potential) ^ ODD_BITS;
        let escaped = escape_and_terminal ^ (backslash | self.escaped);
        self.escaped = (escape_and_terminal & backslash) >> 63;
        escaped
    }

    /// Completes a block from its classes, escapes, string quotes and in-string mask (already
    /// including the carried string state); advances the string and scalar carries.
    #[inline(always)]
    fn finish(
        &mut self,
        classes: Classes,
        escaped: u64,
        string_quote: u64,
        in_string: u64,
    ) -> Block {
        self.in_string = ((in_string as i64) >> 63) as u64;
        let scalar = !(classes.op | classes.whitespace);
        let nonquote_scalar = scalar & !string_quote;
        let follows_scalar = (nonquote_scalar << 1) | self.scalar;
        self.scalar = nonquote_scalar >> 63;
        let scalar_start = scalar & !follows_scalar;
        let structural = (classes.op | scalar_start) & !(in_string ^ string_quote);
        Block {
            classes,
            escaped,
            string_quote,
            in_string,
            structural,
        }
    }
}

/// Prefix XOR without carry-less multiplication: bit `i` of the result is the XOR of bits
/// `0..=i` of `bits`.
#[inline(always)]
const fn prefix_xor_portable(mut bits: u64) -> u64 {
    bits ^= bits << 1;
    bits ^= bits << 2;
    bits ^= bits << 4;
    bits ^= bits << 8;
    bits ^= bits << 16;
    bits ^= bits << 32;
    bits
}

/// A block classifier implementation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Portable SWAR code; the test oracle.
    Fallback,
    /// x86-64 baseline: SSE2 compares.
    #[cfg(target_arch = "x86_64")]
    Sse2,
    /// x86-64 with AVX2 and PCLMULQDQ.
    #[cfg(target_arch = "x86_64")]
    Avx2,
    /// aarch64 NEON.
    #[cfg(target_arch = "aarch64")]
    Neon,
}

impl Backend {
    /// Every backend compiled for this architecture, best last.
    pub const ALL: &'static [Backend] = &[
        Backend::Fallback,
        #[cfg(target_arch = "x86_64")]
        Backend::Sse2,
        #[cfg(target_arch = "x86_64")]
        Backend::Avx2,
        #[cfg(target_arch = "aarch64")]
        Backend::Neon,
    ];

    /// A short lower-case name (`fallback`, `sse2`, `avx2`, `neon`).
    pub const fn name(self) -> &'static str {
        match self {
            Backend::Fallback => "fallback",
            #[cfg(target_arch = "x86_64")]
            Backend::Sse2 => "sse2",
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => "avx2",
            #[cfg(target_arch = "aarch64")]
            Backend::Neon => "neon",
        }
    }

    /// Whether this CPU can run the backend.
    pub fn is_available(self) -> bool {
        match self {
            Backend::Fallback => true,
            #[cfg(target_arch = "x86_64")]
            Backend::Sse2 => std::arch::is_x86_feature_detected!("sse2"),
            #[cfg(target_arch = "x86_64")]
            Backend::Avx2 => {
                std::arch::is_x86_feature_detected!("avx2")
                    && std::arch::is_x86_feature_detected!("pclmulqdq")
            }
            #[cfg(target_arch = "aarch64")]
            Backend::Neon => std::arch::is_aarch64_feature_detected!("neon"),
        }
    }

    /// The position in [`Backend::ALL`], plus one (zero means "not detected yet").
    fn code(self) -> u8 {
        Backend::ALL
            .iter()
            .position(|&b| b == self)
            .map_or(0, |i| i as u8 + 1)
    }
}

/// The backend [`Kernel::best`] chose, as [`Backend::code`]; zero until the first call.
static BEST: AtomicU8 = AtomicU8::new(0);

/// A backend this CPU is known to support. Only [`Kernel::best`] and [`Kernel::new`] make
/// one, after checking, so running it never executes an unsupported instruction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kernel {
    backend: Backend,
}

impl Kernel {
    /// The best backend this CPU supports (the fallback under `cfg(xseg_force_fallback)`),
    /// detected once and cached.
    #[inline]
    pub fn best() -> Kernel {
        let code = BEST.load(Ordering::Relaxed);
        match Backend::ALL.get(usize::from(code).wrapping_sub(1)) {
            Some(&backend) => Kernel { backend },
            None => Kernel::detect(),
        }
    }

    #[cold]
    fn detect() -> Kernel {
        let backend = if cfg!(xseg_force_fallback) {
            Backend::Fallback
        } else {
            Backend::ALL
                .iter()
                .rev()
                .copied()
                .find(|b| b.is_available())
                .unwrap_or(Backend::Fallback)
        };
        BEST.store(backend.code(), Ordering::Relaxed);
        Kernel { backend }
    }

    /// A kernel for `backend`, if this CPU supports it.
    pub fn new(backend: Backend) -> Option<Kernel> {
        backend.is_available().then_some(Kernel { backend })
    }

    /// The backend.
    pub const fn backend(self) -> Backend {
        self.backend
    }

    /// Classifies one whole block and advances `carry`.
    #[inline]
    pub fn block(self, bytes: &[u8; 64], carry: &mut Carry) -> Block {
        match self.backend {
            Backend::Fallback => fallback::block(bytes, carry),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a `Kernel` holds `Sse2` only after `is_available` saw SSE2.
            Backend::Sse2 => unsafe { sse2::block(bytes, carry) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a `Kernel` holds `Avx2` only after `is_available` saw AVX2 and PCLMULQDQ.
            Backend::Avx2 => unsafe { avx2::block(bytes, carry) },
            #[cfg(target_arch = "aarch64")]
            // SAFETY: a `Kernel` holds `Neon` only after `is_available` saw NEON.
            Backend::Neon => unsafe { neon::block(bytes, carry) },
        }
    }

    /// Classifies the last, partial block (`tail` shorter than 64 bytes), padded with spaces;
    /// bits past `tail.len()` are cleared.
    pub fn tail(self, tail: &[u8], carry: &mut Carry) -> Block {
        let mut padded = [b' '; 64];
        let len = tail.len().min(64);
        if let (Some(dst), Some(src)) = (padded.get_mut(..len), tail.get(..len)) {
            dst.copy_from_slice(src);
        }
        self.block(&padded, carry).truncated(len)
    }

    /// Writes the structural positions of every whole block of `input` to `index`; returns
    /// the bytes consumed (a multiple of 64).
    fn index_blocks(self, input: &[u8], carry: &mut Carry, index: &mut StructuralIndex) -> usize {
        match self.backend {
            Backend::Fallback => fallback::index(input, carry, index),
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a `Kernel` holds `Sse2` only after `is_available` saw SSE2.
            Backend::Sse2 => unsafe { sse2::index(input, carry, index) },
            #[cfg(target_arch = "x86_64")]
            // SAFETY: a `Kernel` holds `Avx2` only after `is_available` saw AVX2 and PCLMULQDQ.
            Backend::Avx2 => unsafe { avx2::index(input, carry, index) },
            #[cfg(target_arch = "aarch64")]
            // SAFETY: a `Kernel` holds `Neon` only after `is_available` saw NEON.
            Backend::Neon => unsafe { neon::index(input, carry, index) },
        }
    }
}

/// The positions of the structural bytes of one input (see the module docs), in order, and
/// the carry after its padded last block. Keeps its buffer from one input to the next, so
/// indexing input after input allocates only when an input is longer than any before.
#[derive(Clone, Debug, Default)]
pub struct StructuralIndex {
    /// Positions; only `..len` are meaningful, the rest is scratch.
    buf: Vec<u32>,
    len: usize,
    carry: Carry,
}

impl StructuralIndex {
    /// An empty index.
    pub const fn new() -> Self {
        StructuralIndex {
            buf: Vec::new(),
            len: 0,
            carry: Carry {
                escaped: 0,
                in_string: 0,
                scalar: 0,
            },
        }
    }

    /// Indexes `input` with the best backend, replacing what the index held.
    ///
    /// # Errors
    ///
    /// [`TooLong`] when `input` has more than `u32::MAX` bytes (positions are `u32`); the
    /// index is then empty.
    pub fn build(&mut self, input: &[u8]) -> Result<(), TooLong> {
        self.build_with(Kernel::best(), input)
    }

    /// Indexes `input` with `kernel`, replacing what the index held.
    ///
    /// # Errors
    ///
    /// As [`build`](Self::build).
    pub fn build_with(&mut self, kernel: Kernel, input: &[u8]) -> Result<(), TooLong> {
        self.len = 0;
        self.carry = Carry::default();
        let Ok(n) = u32::try_from(input.len()) else {
            return Err(TooLong);
        };
        // Each byte is at most one position, and `put` writes up to 64 slots past the count:
        // growing once here means `put` never has to.
        let need = input.len() + 64;
        if self.buf.len() < need {
            self.buf.resize(need, 0);
        }
        let mut carry = Carry::default();
        let whole = kernel.index_blocks(input, &mut carry, self);
        let rest = input.get(whole..).unwrap_or_default();
        if !rest.is_empty() {
            let b = kernel.tail(rest, &mut carry);
            // `whole` is at most `n`.
            self.put(b.structural, (whole as u32).min(n));
        }
        self.carry = carry;
        Ok(())
    }

    /// The positions, in order.
    pub fn positions(&self) -> &[u32] {
        self.buf.get(..self.len).unwrap_or_default()
    }

    /// The carry after the padded last block of the input.
    pub const fn carry(&self) -> Carry {
        self.carry
    }

    /// Appends the positions of the set bits of `bits`, offset by `base`.
    ///
    /// simdjson's flattening: positions are written eight at a time without looking at how
    /// many remain, into the 64 slots after the count (slots past the new count are scratch),
    /// so the loop has one branch per eight positions.
    #[inline(always)]
    fn put(&mut self, bits: u64, base: u32) {
        let n = bits.count_ones() as usize;
        if self.buf.len() < self.len + 64 {
            self.buf.resize(self.len + 64, 0);
        }
        let Some((slots, _)) = self
            .buf
            .get_mut(self.len..)
            .and_then(|s| s.split_first_chunk_mut::<64>())
        else {
            return; // unreachable: the buffer was just grown to fit
        };
        let mut bits = bits;
        let mut i = 0;
        while i < n {
            for _ in 0..8 {
                if let Some(slot) = slots.get_mut(i & 63) {
                    *slot = base.wrapping_add(bits.trailing_zeros());
                }
                bits &= bits.wrapping_sub(1);
                i += 1;
            }
        }
        self.len += n;
    }
}

/// The input is longer than `u32::MAX` bytes, so its positions do not fit the index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TooLong;

impl core::fmt::Display for TooLong {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("input longer than 4 GiB cannot be indexed")
    }
}

impl std::error::Error for TooLong {}
