//! `scan_backends_agree`: on arbitrary bytes, every stage-1 block classifier this CPU can run
//! (AVX2, SSE2, NEON, the SWAR fallback) gives the same per-block bitmaps, the same carries
//! and the same structural indices, at several alignments, as a byte-at-a-time reading of the
//! definitions in the scanner's module docs.
//!
//! The scanner is crate-internal to `xseg` (the engine does not consume it yet, and it is not
//! part of the public API), so its self-contained source is compiled into this crate here.

// The property uses only part of the scanner's API.
#[allow(dead_code)]
#[path = "../../crates/xseg/src/scan/block/mod.rs"]
mod block;

use block::{Backend, Block, BlockScanner, Kernel, StructuralIndex};

/// The bitmaps of `input` read one byte at a time, with the last block padded with spaces;
/// plus whether the input ends inside a string.
fn reference(input: &[u8]) -> (Vec<Block>, bool) {
    let mut out = vec![Block::default(); input.len().div_ceil(64)];
    let (mut esc, mut in_str, mut prev_scalar) = (false, false, false);
    for (i, &b) in input.iter().enumerate() {
        let quote = b == b'"';
        let backslash = b == b'\\';
        let op = matches!(b, b'{' | b'}' | b'[' | b']' | b':' | b',');
        let whitespace = matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        let escaped = esc;
        esc = !esc && backslash;
        let string_quote = quote && !escaped;
        in_str ^= string_quote;
        let scalar = !op && !whitespace;
        let structural = (op || (scalar && !prev_scalar)) && !(in_str ^ string_quote);
        prev_scalar = scalar && !string_quote;
        let Some(blk) = out.get_mut(i / 64) else {
            continue;
        };
        let bit = 1u64 << (i % 64);
        for (m, on) in [
            (&mut blk.classes.quote, quote),
            (&mut blk.classes.backslash, backslash),
            (&mut blk.classes.op, op),
            (&mut blk.classes.whitespace, whitespace),
            (&mut blk.classes.control, b < 0x20),
            (&mut blk.escaped, escaped),
            (&mut blk.string_quote, string_quote),
            (&mut blk.in_string, in_str),
            (&mut blk.structural, structural),
        ] {
            if on {
                *m |= bit;
            }
        }
    }
    (out, in_str)
}

fn check(input: &[u8], want: &[Block], want_in_string: bool, want_indices: &[u32]) {
    for kernel in Backend::ALL.iter().filter_map(|&b| Kernel::new(b)) {
        let name = kernel.backend().name();
        let mut scanner = BlockScanner::with_kernel(input, kernel);
        let got: Vec<Block> = scanner.by_ref().collect();
        assert_eq!(got, want, "{name}: bitmaps of {input:?}");
        assert_eq!(scanner.carry().in_string(), want_in_string, "{name}");
        assert!(
            !scanner.carry().escaped() || input.len().is_multiple_of(64),
            "{name}"
        );
        let mut index = StructuralIndex::new();
        index
            .build_with(kernel, input)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(
            index.positions(),
            want_indices,
            "{name}: indices of {input:?}"
        );
        assert_eq!(index.carry(), scanner.carry(), "{name}: carries differ");
    }
}

/// The property.
pub fn run(data: &[u8]) {
    let data = data.get(..crate::MAX_INPUT).unwrap_or(data);
    let (want, in_string) = reference(data);
    let mut indices = Vec::new();
    for (i, b) in want.iter().enumerate() {
        let mut bits = b.structural;
        while bits != 0 {
            indices.push(64 * i as u32 + bits.trailing_zeros());
            bits &= bits - 1;
        }
    }
    check(data, &want, in_string, &indices);
    // the same bytes at other alignments
    let mut buf = vec![0u8; data.len() + 64];
    for offset in [1, 7, 31, 33, 63] {
        if let Some(dst) = buf.get_mut(offset..offset + data.len()) {
            dst.copy_from_slice(data);
            check(dst, &want, in_string, &indices);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{mutants, seeds};

    #[test]
    fn smoke() {
        let seeds = seeds("scan_backends_agree");
        for s in &seeds {
            run(s);
        }
        for m in mutants(&seeds, 400, 2) {
            run(&m);
        }
    }

    #[test]
    fn reference_reads_the_definitions() {
        let (blocks, in_string) = reference(br#"{"a\"":[1, "x\\"]}"#);
        let [b] = blocks.as_slice() else {
            panic!("one block expected")
        };
        // { " a \ " " : [ 1 ,   " x \ \ " ] }
        // 0 1 2 3 4 5 6 7 8 9 10 ...
        assert_eq!(b.escaped, 1 << 4 | 1 << 14);
        assert_eq!(
            b.structural,
            1 | 1 << 1 | 1 << 6 | 1 << 7 | 1 << 8 | 1 << 9 | 1 << 11 | 1 << 16 | 1 << 17
        );
        assert!(!in_string);
        assert!(reference(b"\"open").1);
    }
}
