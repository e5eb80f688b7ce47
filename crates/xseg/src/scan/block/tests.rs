//! Every backend this CPU has, against the SWAR fallback and against a byte-at-a-time
//! reference, over every alignment, length, padding and block boundary.

use super::*;

/// The dead-simple reference: one byte at a time over the input padded with spaces to whole
/// blocks, exactly as the module docs define each bitmap. Returns the blocks (bits past the
/// input cleared) and the final carry.
fn reference(input: &[u8]) -> (Vec<Block>, Carry) {
    let blocks = input.len().div_ceil(64);
    let mut padded = input.to_vec();
    padded.resize(blocks * 64, b' ');
    let mut out = vec![Block::default(); blocks];
    let (mut esc, mut in_str, mut prev_scalar) = (false, false, false);
    for (i, &b) in padded.iter().enumerate() {
        let quote = b == b'"';
        let backslash = b == b'\\';
        let op = matches!(b, b'{' | b'}' | b'[' | b']' | b':' | b',');
        let whitespace = matches!(b, b' ' | b'\t' | b'\n' | b'\r');
        let control = b < 0x20;
        let escaped = esc;
        esc = !esc && backslash;
        let string_quote = quote && !escaped;
        if string_quote {
            in_str = !in_str;
        }
        let in_string = in_str;
        let scalar = !op && !whitespace;
        let starts = scalar && !prev_scalar;
        prev_scalar = scalar && !string_quote;
        let structural = (op || starts) && !(in_string ^ string_quote);
        if i >= input.len() {
            continue;
        }
        let blk = &mut out[i / 64];
        let bit = 1u64 << (i % 64);
        for (m, on) in [
            (&mut blk.classes.quote, quote),
            (&mut blk.classes.backslash, backslash),
            (&mut blk.classes.op, op),
            (&mut blk.classes.whitespace, whitespace),
            (&mut blk.classes.control, control),
            (&mut blk.escaped, escaped),
            (&mut blk.string_quote, string_quote),
            (&mut blk.in_string, in_string),
            (&mut blk.structural, structural),
        ] {
            if on {
                *m |= bit;
            }
        }
    }
    let carry = Carry {
        escaped: u64::from(esc),
        in_string: if in_str { !0 } else { 0 },
        scalar: u64::from(prev_scalar),
    };
    (out, carry)
}

fn kernels() -> Vec<Kernel> {
    Backend::ALL
        .iter()
        .filter_map(|&b| Kernel::new(b))
        .collect()
}

fn flat(blocks: &[Block]) -> Vec<u32> {
    let mut v = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        let mut bits = b.structural;
        while bits != 0 {
            v.push(64 * i as u32 + bits.trailing_zeros());
            bits &= bits - 1;
        }
    }
    v
}

/// Checks every kernel on `input` placed at every offset 0..64 of a larger buffer, against
/// the reference and the fallback.
fn check_aligned(input: &[u8]) {
    let mut buf = vec![0xEEu8; input.len() + 64];
    for offset in 0..64 {
        buf[offset..offset + input.len()].copy_from_slice(input);
        check(&buf[offset..offset + input.len()]);
    }
}

/// Checks every kernel on `input` against the reference and the fallback.
fn check(input: &[u8]) {
    let (want, want_carry) = reference(input);
    let want_flat = flat(&want);
    let fallback = Kernel::new(Backend::Fallback).expect("always available");
    let oracle: Vec<Block> = BlockScanner::with_kernel(input, fallback).collect();
    assert_eq!(oracle, want, "fallback vs reference on {input:?}");
    for k in kernels() {
        let name = k.backend().name();
        let mut scanner = BlockScanner::with_kernel(input, k);
        let got: Vec<Block> = scanner.by_ref().collect();
        assert_eq!(got, oracle, "{name} vs fallback on {input:?}");
        assert_eq!(scanner.offset(), input.len());
        let carry = scanner.carry();
        assert_eq!(
            carry.in_string(),
            want_carry.in_string(),
            "{name} {input:?}"
        );
        assert_eq!(carry.escaped(), want_carry.escaped(), "{name} {input:?}");
        let mut index = StructuralIndex::new();
        // a used index: a longer input first, so the scratch past the count holds old positions
        let longer: Vec<u8> = [input, b"[1,2,3,4]".repeat(20).as_slice()].concat();
        index.build_with(k, &longer).expect("short input");
        index.build_with(k, input).expect("short input");
        assert_eq!(
            index.positions(),
            &want_flat[..],
            "{name} indices on {input:?}"
        );
        assert_eq!(
            index.carry(),
            carry,
            "{name}: the two entry points end in the same carry"
        );
    }
}

/// A small deterministic generator (xorshift64*), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// Bytes drawn mostly from the ones stage 1 cares about.
    fn json_ish(&mut self, len: usize) -> Vec<u8> {
        const ALPHABET: &[u8] = b"\"\"\"\\\\\\\\{}[]:,  \t\n\rab1-.eE\x00\x1f\x7f";
        let mut v = Vec::with_capacity(len);
        while v.len() < len {
            match self.below(10) {
                0 => v.extend_from_slice("é✓😀".as_bytes()),
                1 => v.push(self.next() as u8),
                2 => v.extend(std::iter::repeat_n(b'\\', self.below(70))),
                _ => v.push(ALPHABET[self.below(ALPHABET.len())]),
            }
        }
        v.truncate(len);
        v
    }
}

#[test]
fn known_documents() {
    let mut index = StructuralIndex::new();
    index.build(br#"{"a":"b\"c"}"#).expect("short");
    assert_eq!(index.positions(), [0, 1, 4, 5, 11]);
    index.build(b"[1, true,null ,-2.5e3]").expect("short");
    assert_eq!(index.positions(), [0, 1, 2, 4, 8, 9, 14, 15, 21]);
    assert!(!index.carry().in_string());
    index.build(br#"["open \" string"#).expect("short");
    assert_eq!(index.positions(), [0, 1]);
    assert!(index.carry().in_string());
    index.build(b"").expect("short");
    assert_eq!(index.positions(), [0u32; 0]);
    // every byte structural, across several blocks
    let ops = b"[]{},:".repeat(40);
    index.build(&ops).expect("short");
    assert_eq!(index.positions(), (0..240).collect::<Vec<u32>>());
}

#[test]
fn known_bitmaps() {
    let blocks: Vec<Block> = BlockScanner::new(br#"{"k\\":"\"x"}"#).collect();
    let [b] = blocks.as_slice() else {
        panic!("one block expected, got {blocks:?}")
    };
    // {"k\\":"\"x"}  bytes 0..=12
    assert_eq!(b.classes.quote, 1 << 1 | 1 << 5 | 1 << 7 | 1 << 9 | 1 << 11);
    assert_eq!(b.classes.backslash, 1 << 3 | 1 << 4 | 1 << 8);
    assert_eq!(b.escaped, 1 << 4 | 1 << 9);
    assert_eq!(b.string_quote, 1 << 1 | 1 << 5 | 1 << 7 | 1 << 11);
    assert_eq!(b.in_string, 0b1_1110 | 0b1111 << 7);
    assert_eq!(b.string_tail(), 0b11_1100 | 0b1_1110 << 7);
    assert_eq!(b.structural, 1 | 1 << 1 | 1 << 6 | 1 << 7 | 1 << 12);
    assert_eq!(b.classes.op, 1 | 1 << 6 | 1 << 12);
}

#[test]
fn every_length_and_alignment() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for len in 0..200 {
        check_aligned(&rng.json_ish(len));
    }
}

#[test]
fn random_lengths() {
    let mut rng = Rng(42);
    for _ in 0..3000 {
        let len = rng.below(700);
        let input = rng.json_ish(len);
        check(&input);
    }
}

#[test]
fn backslash_runs_across_block_boundaries() {
    for run in 0..=140 {
        for start in [0, 1, 30, 55, 60, 62, 63, 64, 65, 120, 127, 128] {
            let mut v = vec![b'a'; start];
            v.insert(0, b'"');
            v.extend(std::iter::repeat_n(b'\\', run));
            v.extend_from_slice(br#"" , "x":1"#);
            check(&v);
        }
    }
}

#[test]
fn quotes_and_every_byte_at_block_edges() {
    for pos in [0, 1, 31, 32, 62, 63, 64, 65, 126, 127, 128, 129] {
        for b in 0..=255u8 {
            let mut v = b"[\"abc\", 12, {\"k\": null}, \"tail\" ]".repeat(5);
            v.truncate(140);
            v[pos] = b;
            check(&v);
        }
        let mut v = vec![b' '; 140];
        v[pos] = b'"';
        check(&v);
    }
}

#[test]
fn multibyte_utf8_across_boundaries() {
    let text = "{\"name\":\"héllo wörld ✓ 😀\",\"ü\":[\"ß\",\"日本語\"]}";
    for pad in 0..70 {
        let mut v = vec![b' '; pad];
        v.extend_from_slice(text.as_bytes());
        check(&v);
    }
}

#[test]
fn controls_in_strings_are_flagged() {
    let blocks: Vec<Block> = BlockScanner::new(b"\"a\x01b\"\x02").collect();
    let [b] = blocks.as_slice() else {
        panic!("one block expected")
    };
    assert_eq!(b.controls_in_strings(), 1 << 2);
    assert_eq!(b.classes.control, 1 << 2 | 1 << 5);
}

#[test]
fn prefix_xor_matches_definition() {
    let mut rng = Rng(7);
    for _ in 0..1000 {
        let bits = rng.next();
        let mut want = 0u64;
        let mut parity = 0u64;
        for i in 0..64 {
            parity ^= (bits >> i) & 1;
            want |= parity << i;
        }
        assert_eq!(prefix_xor_portable(bits), want);
    }
}

#[test]
fn best_kernel_is_cached_and_honours_the_cfg() {
    let first = Kernel::best();
    assert_eq!(Kernel::best(), first);
    assert!(first.backend().is_available());
    if cfg!(xseg_force_fallback) {
        assert_eq!(first.backend(), Backend::Fallback);
    } else {
        let best = Backend::ALL.iter().rev().find(|b| b.is_available());
        assert_eq!(Some(&first.backend()), best);
    }
}

#[test]
fn scanner_counts_blocks() {
    for len in [0, 1, 63, 64, 65, 128, 129] {
        let input = vec![b'1'; len];
        let s = BlockScanner::new(&input);
        assert_eq!(s.len(), len.div_ceil(64));
        assert_eq!(s.count(), len.div_ceil(64));
    }
}
