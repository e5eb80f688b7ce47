//! [`BlockScanner`]: the blocks of an input of any length, one at a time.

use super::{Block, Carry, Kernel};

/// Classifies an input of any length block by block; the last block is padded.
///
/// ```ignore
/// for block in BlockScanner::new(br#"{"a":"b\"c"}"#) { /* block.structural, ... */ }
/// ```
#[derive(Clone, Debug)]
pub struct BlockScanner<'a> {
    rest: &'a [u8],
    offset: usize,
    carry: Carry,
    kernel: Kernel,
}

impl<'a> BlockScanner<'a> {
    /// A scanner over `input` with the best backend.
    pub fn new(input: &'a [u8]) -> Self {
        BlockScanner::with_kernel(input, Kernel::best())
    }

    /// A scanner over `input` with the given kernel.
    pub const fn with_kernel(input: &'a [u8], kernel: Kernel) -> Self {
        BlockScanner {
            rest: input,
            offset: 0,
            carry: Carry {
                escaped: 0,
                in_string: 0,
                scalar: 0,
            },
            kernel,
        }
    }

    /// The offset in the input of the next block.
    pub const fn offset(&self) -> usize {
        self.offset
    }

    /// The carry after the blocks returned so far.
    pub const fn carry(&self) -> Carry {
        self.carry
    }
}

impl Iterator for BlockScanner<'_> {
    type Item = Block;

    #[inline]
    fn next(&mut self) -> Option<Block> {
        if let Some((bytes, rest)) = self.rest.split_first_chunk::<64>() {
            let b = self.kernel.block(bytes, &mut self.carry);
            self.rest = rest;
            self.offset += 64;
            return Some(b);
        }
        if self.rest.is_empty() {
            return None;
        }
        let b = self.kernel.tail(self.rest, &mut self.carry);
        self.offset += self.rest.len();
        self.rest = &[];
        Some(b)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.rest.len().div_ceil(64);
        (n, Some(n))
    }
}

impl ExactSizeIterator for BlockScanner<'_> {}

impl core::iter::FusedIterator for BlockScanner<'_> {}
