//! Inputs for the smoke tests: the committed seeds and deterministic mutations of them.

use std::path::Path;

/// The seed files of `target`, sorted by name.
pub fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .collect();
    files.sort();
    let seeds: Vec<_> = files.iter().filter_map(|f| std::fs::read(f).ok()).collect();
    assert!(seeds.len() >= 10, "{}: too few seeds", dir.display());
    seeds
}

/// SplitMix64.
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

const INTERESTING: &[&[u8]] = &[
    b"{",
    b"}",
    b"[",
    b"]",
    b",",
    b":",
    b"\"",
    b"\\",
    b"\\u0041",
    b"\\ud800",
    b"\n",
    b"\r",
    b" ",
    b"0",
    b"-",
    b"1e400",
    b"null",
    b"true",
    b"\xff",
    b"\xc3\xa9",
    b"\"id\":\"70de5b6f19ff9a0a\"",
    b"\"name\":\"x\"",
    b"\"subsegments\":[{}]",
    b"\"annotations\":{\"k\":{}}",
    b"{\"format\":\"json\",\"version\":1}\n",
];

/// `count` inputs made from the seeds by one to four random edits each (byte flips,
/// insertions of JSON-ish fragments, deletions, duplications, splices, cuts).
pub fn mutants(seeds: &[Vec<u8>], count: usize, seed: u64) -> Vec<Vec<u8>> {
    let mut rng = Rng(seed);
    let mut out = Vec::with_capacity(count);
    for _ in 0..count {
        let mut d = seeds[rng.below(seeds.len())].clone();
        for _ in 0..1 + rng.below(4) {
            let at = rng.below(d.len() + 1);
            match rng.below(7) {
                0 if !d.is_empty() => {
                    let i = rng.below(d.len());
                    d[i] ^= 1 << rng.below(8);
                }
                1 => {
                    let frag = INTERESTING[rng.below(INTERESTING.len())];
                    d.splice(at..at, frag.iter().copied());
                }
                2 if !d.is_empty() => {
                    let end = (at + 1 + rng.below(16)).min(d.len());
                    d.drain(at.min(end)..end);
                }
                3 => {
                    let end = (at + rng.below(32)).min(d.len());
                    let copy = d[at..end].to_vec();
                    d.splice(at..at, copy);
                }
                4 => {
                    let other = &seeds[rng.below(seeds.len())];
                    let from = rng.below(other.len() + 1);
                    d.truncate(at);
                    d.extend_from_slice(&other[from..]);
                }
                5 => d.truncate(at),
                _ => {
                    let n = rng.below(8);
                    let junk = rng.bytes(n);
                    d.splice(at..at, junk);
                }
            }
        }
        out.push(d);
    }
    out
}
