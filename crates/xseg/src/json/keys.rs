//! Object keys: finding them, fingerprinting them, and detecting a key repeated in one object.
//!
//! Each open object has a [`KeySet`]: a 128-bit Bloom filter over the fingerprints of its keys
//! (length, first and last eight bytes, mixed; two bits per key). A key whose bits are not both
//! set yet cannot repeat an earlier one, which is the case for almost every key, so nothing else
//! is kept. When both bits are set, the object's members read so far (already validated) are
//! walked again and compared with the key ([`KeySet::add`]'s cold path): a real repeat is
//! recorded, and after a false alarm the object switches to keeping every key as a
//! [`KeyEntry`] in [`Scratch::keys`](super::Scratch), checked when it closes ([`close_in`]).
//! Each object is walked again at most once, so the extra work is at most the input's size
//! times its nesting depth, and nothing in an object without a repeat or false alarm. A caller
//! that recognizes some keys itself (the entity reader, by its documented fields) reports their
//! repeats with [`KeySet::record_repeat`] and adds only the other keys.

use super::lex::{eof_or, scan_string, ws};
use super::walk::Members;
use super::{JsonStr, SynErr};
use crate::error::ErrorKind;
use crate::scan;

/// One object key, for repeated-key detection.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct KeyEntry {
    /// The key's fingerprint ([`key_fingerprint`]).
    pub hash: u64,
    /// Offset just after the key's opening quote.
    pub key_start: u32,
    /// Offset of the key's closing quote.
    pub key_end: u32,
    /// Offset of the member's value.
    pub value_start: u32,
    /// Whether the key holds escapes.
    pub escaped: bool,
}

#[inline(always)]
pub(crate) fn min_opt(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Fingerprint of a key's unescaped bytes: length, first eight and last eight bytes. Equal keys
/// have equal fingerprints; unequal keys rarely do (and are then compared in full).
#[inline(always)]
const fn mix(len: usize, head: u64, tail: u64) -> u64 {
    (head ^ tail.rotate_left(23)).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ len as u64
}

/// [`key_fingerprint_raw`] at compile time, for the documented keys.
pub(crate) const fn const_fingerprint(key: &[u8]) -> u64 {
    let n = key.len();
    let (mut head, mut tail, mut i) = (0u64, 0u64, 0usize);
    let mut rest = key;
    while let [first, more @ ..] = rest {
        rest = more;
        let byte = *first as u64;
        if i < 8 {
            head |= byte << (8 * i);
        }
        if n > 8 && i >= n - 8 {
            tail |= byte << (8 * (i - (n - 8)));
        }
        i += 1;
    }
    mix(n, head, tail)
}

/// Little-endian load of up to eight bytes of `b` from `at`, zero-padded.
#[inline(always)]
fn load_le(b: &[u8], at: usize, n: usize) -> u64 {
    match b.get(at..at + 8) {
        Some(w) => {
            let mut word = [0u8; 8];
            word.copy_from_slice(w);
            let v = u64::from_le_bytes(word);
            if n >= 8 {
                v
            } else {
                v & ((1u64 << (8 * n)) - 1)
            }
        }
        None => {
            let mut word = [0u8; 8];
            for (i, slot) in word.iter_mut().enumerate().take(n.min(8)) {
                *slot = b.get(at + i).copied().unwrap_or(0);
            }
            u64::from_le_bytes(word)
        }
    }
}

/// Scans a key whose opening quote is at `pos - 1`: the index of its closing quote, whether it
/// holds escapes, and its fingerprint ([`key_fingerprint`] of the unescaped text). A key of
/// fewer than eight bytes — most keys — is found and fingerprinted from a single load, one of
/// fewer than sixteen bytes from two.
#[inline(always)]
pub(crate) fn scan_key(b: &[u8], pos: usize) -> Result<(usize, bool, Option<u64>), SynErr> {
    if let Some(chunk) = b.get(pos..pos + 8) {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        let w = u64::from_le_bytes(word);
        let m = scan::special_mask(w);
        if m != 0 {
            let i = (m.trailing_zeros() / 8) as usize;
            if b.get(pos + i) == Some(&b'"') {
                // i < 8: the shift is in range
                let head = w & !(u64::MAX << (8 * i));
                return Ok((pos + i, false, Some(mix(i, head, 0))));
            }
        } else if let Some(found) = second_word(b, pos, w) {
            return Ok(found);
        }
    }
    let (end, escaped) = scan_string(b, pos)?;
    Ok((end, escaped, None))
}

/// [`scan_key`] for a key whose first eight bytes `w` (from `pos`) hold no quote, backslash or
/// control character: its end and fingerprint when the next eight bytes close it. Inlined in
/// optimized builds only: unoptimized ones would otherwise keep its locals in every frame of
/// the recursive entity reader, which must fit the nesting limit in a 2 MiB stack.
#[cfg_attr(not(debug_assertions), inline(always))]
fn second_word(b: &[u8], pos: usize, w: u64) -> Option<(usize, bool, Option<u64>)> {
    let mut word = [0u8; 8];
    word.copy_from_slice(b.get(pos + 8..pos + 16)?);
    let w2 = u64::from_le_bytes(word);
    let m2 = scan::special_mask(w2);
    if m2 == 0 {
        return None;
    }
    let i = (m2.trailing_zeros() / 8) as usize;
    if b.get(pos + 8 + i) != Some(&b'"') {
        return None;
    }
    // the last eight bytes of a key of 8 + i bytes (none when i = 0: a key of eight bytes is
    // its head); 0 < i < 8 keeps both shifts in range
    let tail = if i == 0 {
        0
    } else {
        (w >> (8 * i)) | (w2 << (64 - 8 * i))
    };
    Some((pos + 8 + i, false, Some(mix(8 + i, w, tail))))
}

/// Fingerprint of the raw key `b[start..end]`, which holds no escapes.
#[inline(always)]
pub(crate) fn key_fingerprint_raw(b: &[u8], start: usize, end: usize) -> u64 {
    let len = end.saturating_sub(start);
    let head = load_le(b, start, len);
    let tail = if len > 8 { load_le(b, end - 8, 8) } else { 0 };
    mix(len, head, tail)
}

/// Whether the unescaped key `a` equals `b`, given that their fingerprints are equal: without
/// a call to `memcmp` for the keys the documented tables hold.
///
/// Up to eight bytes the fingerprint decides alone: it is then `(head × odd) ^ len`, and
/// multiplying by an odd number is a bijection on `u64`, so equal fingerprints and lengths mean
/// equal bytes. From nine to sixteen bytes the first and last eight bytes cover the key.
#[inline(always)]
pub(crate) fn same_fingerprinted(a: &[u8], b: &[u8]) -> bool {
    let n = a.len();
    if n != b.len() {
        return false;
    }
    if n <= 8 {
        return true;
    }
    if n <= 16 {
        let word = |s: &[u8], at: usize| load_le(s, at, 8);
        return word(a, 0) == word(b, 0) && word(a, n - 8) == word(b, n - 8);
    }
    a == b
}

/// Fingerprint of the unescaped text of `s`; equal to [`key_fingerprint_raw`] of that text.
pub(crate) fn key_fingerprint(s: JsonStr<'_>) -> u64 {
    if !s.has_escapes() {
        let b = s.raw().as_bytes();
        return key_fingerprint_raw(b, 0, b.len());
    }
    let (mut len, mut head, mut tail) = (0usize, 0u64, 0u64);
    let mut buf = [0u8; 4];
    for c in s.chars() {
        for &byte in c.encode_utf8(&mut buf).as_bytes() {
            if len < 8 {
                head |= u64::from(byte) << (8 * len);
            }
            tail = (tail >> 8) | (u64::from(byte) << 56);
            len += 1;
        }
    }
    mix(len, head, if len > 8 { tail } else { 0 })
}

/// Reads `"key" :` at `pos` of `b`: the key, its fingerprint and where its value starts.
#[inline(always)]
pub(crate) fn key_in(b: &[u8], text: &str, pos: usize) -> Result<KeyEntry, SynErr> {
    if b.get(pos) != Some(&b'"') {
        return Err(eof_or(b, pos, ErrorKind::KeyMustBeString));
    }
    let (end, escaped, fingerprint) = scan_key(b, pos + 1)?;
    let mut p = ws(b, end + 1);
    if b.get(p) != Some(&b':') {
        return Err(eof_or(b, p, ErrorKind::ExpectedColon));
    }
    p = ws(b, p + 1);
    let hash = match fingerprint {
        Some(h) => h,
        None if escaped => {
            key_fingerprint(JsonStr::new(text.get(pos + 1..end).unwrap_or(""), true))
        }
        None => key_fingerprint_raw(b, pos + 1, end),
    };
    Ok(KeyEntry {
        hash,
        key_start: (pos + 1) as u32,
        key_end: end as u32,
        value_start: p as u32,
        escaped,
    })
}

/// "None" for the `u32` fields of [`KeySet`].
const NONE: u32 = u32::MAX;

/// Repeated-key tracking for one open object (see the module documentation).
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeySet {
    /// Two 64-bit halves of the filter; each key sets one bit in each.
    filter: [u64; 2],
    /// Offset of the object's `{`.
    start: u32,
    /// Offset of the value of the first repeated key found, or [`NONE`].
    repeat: u32,
    /// Where this object's keys start in the key list once it keeps them, or [`NONE`].
    keys_start: u32,
}

impl KeySet {
    /// Tracking for the object whose `{` is at `start`, by the filter first.
    #[inline(always)]
    pub(crate) fn new(start: usize) -> Self {
        KeySet {
            filter: [0; 2],
            start: start as u32,
            repeat: NONE,
            keys_start: NONE,
        }
    }

    /// Records a repeat the caller found itself (a documented entity key seen twice, which it
    /// does not add): `at` is the offset of the second occurrence's value, in document order
    /// with the keys added.
    #[inline]
    pub(crate) fn record_repeat(&mut self, at: usize) {
        if self.repeat == NONE {
            self.repeat = at as u32;
        }
        self.filter = [u64::MAX; 2];
    }

    /// Adds the object's next key, in document order. Once the object keeps its keys or has
    /// a repeat, its filter is full, so every key takes the cold path.
    #[inline(always)]
    pub(crate) fn add(&mut self, text: &str, keys: &mut Vec<KeyEntry>, k: &KeyEntry) {
        let lo = 1u64 << (k.hash >> 58);
        let hi = 1u64 << ((k.hash >> 52) & 63);
        let [f0, f1] = self.filter;
        if f0 & lo != 0 && f1 & hi != 0 {
            if self.keys_start != NONE {
                keys.push(*k);
            } else {
                self.add_cold(text, keys, k);
            }
        } else {
            self.filter = [f0 | lo, f1 | hi];
        }
    }

    #[cold]
    #[inline(never)]
    fn add_cold(&mut self, text: &str, keys: &mut Vec<KeyEntry>, k: &KeyEntry) {
        if self.repeat == NONE {
            self.probe(text, keys, k);
            self.filter = [u64::MAX; 2];
        }
    }

    /// Both filter bits of `k` were set: walks the members read so far, which the reader has
    /// already validated, for an equal key. Either records the repeat or, after a false alarm,
    /// keeps every key of the object from now on.
    fn probe(&mut self, text: &str, keys: &mut Vec<KeyEntry>, k: &KeyEntry) {
        let from = keys.len();
        for (ks, v) in Members::new(text.as_bytes(), self.start as usize) {
            if ks.start >= k.key_start as usize {
                break;
            }
            let e = KeyEntry {
                hash: key_fingerprint(ks.str_in(text)),
                key_start: ks.start as u32,
                key_end: ks.end as u32,
                value_start: v.start,
                escaped: ks.escaped,
            };
            if e.hash == k.hash && keys_equal(text, &e, k) {
                keys.truncate(from);
                self.repeat = k.value_start;
                return;
            }
            keys.push(e);
        }
        keys.push(*k);
        self.keys_start = from as u32;
    }

    /// The object closed: forgets its keys and returns the offset of the value of the
    /// earliest second occurrence of a repeated key (D7).
    #[inline(always)]
    pub(crate) fn close(self, text: &str, keys: &mut Vec<KeyEntry>) -> Option<u32> {
        if self.keys_start != NONE {
            let listed = close_in(text, keys, self.keys_start as usize);
            min_opt(listed, (self.repeat != NONE).then_some(self.repeat))
        } else if self.repeat != NONE {
            Some(self.repeat)
        } else {
            None
        }
    }
}

fn key_str<'t>(text: &'t str, e: &KeyEntry) -> JsonStr<'t> {
    JsonStr::new(
        text.get(e.key_start as usize..e.key_end as usize)
            .unwrap_or(""),
        e.escaped,
    )
}

fn keys_equal(text: &str, a: &KeyEntry, b: &KeyEntry) -> bool {
    let (x, y) = (key_str(text, a), key_str(text, b));
    if !a.escaped && !b.escaped {
        x.raw() == y.raw()
    } else {
        x.chars().eq(y.chars())
    }
}

/// Forgets the keys from `keys_start` on (an object that closed); returns the offset of the
/// value of the earliest second occurrence of a repeated key among them (D7).
#[inline(never)]
fn close_in(text: &str, keys: &mut Vec<KeyEntry>, keys_start: usize) -> Option<u32> {
    let best = match keys.get_mut(keys_start..) {
        Some(ks) if ks.len() > 16 => repeat_sorted(text, ks),
        Some(ks) if ks.len() > 1 => repeat_small(text, ks),
        _ => None,
    };
    keys.truncate(keys_start);
    best
}

/// Keys are in document order, so the first repeat found is the earliest. A 64-bit filter on
/// the fingerprints' top bits sends only possible repeats to the pairwise comparison.
#[inline]
fn repeat_small(text: &str, ks: &[KeyEntry]) -> Option<u32> {
    let mut seen = 0u64;
    for (j, kj) in ks.iter().enumerate() {
        let bit = 1u64 << (kj.hash >> 58);
        if seen & bit != 0 {
            for ki in ks.get(..j)? {
                if ki.hash == kj.hash && keys_equal(text, ki, kj) {
                    return Some(kj.value_start);
                }
            }
        }
        seen |= bit;
    }
    None
}

/// Sorted by fingerprint, for objects with many keys.
#[cold]
fn repeat_sorted(text: &str, ks: &mut [KeyEntry]) -> Option<u32> {
    let mut best: Option<u32> = None;
    ks.sort_unstable_by_key(|e| (e.hash, e.value_start));
    for (j, kj) in ks.iter().enumerate() {
        let before = ks.get(..j).unwrap_or(&[]);
        for ki in before.iter().rev().take_while(|ki| ki.hash == kj.hash) {
            if keys_equal(text, ki, kj) {
                best = min_opt(best, Some(kj.value_start));
                break;
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprinted_keys_compare_like_bytes() {
        let keys = [
            "",
            "a",
            "id",
            "type",
            "seven77",
            "eight888",
            "parent_id",
            "start_time",
            "annotations",
            "precursor_ids",
            "sixteen_bytes_16",
            "seventeen_bytes_17",
        ];
        for k in keys {
            let a = k.as_bytes();
            assert!(same_fingerprinted(a, a), "{k}");
            // every single-byte change: unequal, and up to eight bytes the fingerprint differs
            for i in 0..a.len() {
                let mut b = a.to_vec();
                b[i] ^= 0x20;
                let fa = key_fingerprint(JsonStr::new(k, false));
                let fb = key_fingerprint_raw(&b, 0, b.len());
                if a.len() <= 8 {
                    assert_ne!(fa, fb, "{k} at {i}");
                } else {
                    assert!(!same_fingerprinted(a, &b), "{k} at {i}");
                }
            }
            let mut longer = a.to_vec();
            longer.push(b'x');
            assert!(!same_fingerprinted(a, &longer), "{k}");
        }
    }

    #[test]
    fn decodes_escapes_and_surrogate_pairs() {
        let s = JsonStr::new(r"a\u0062\n\ud83d\ude00\/", true);
        assert_eq!(s.decode(), "ab\n😀/");
        assert_eq!(s.char_count(), 5);
        assert!(s.eq_str("ab\n😀/"));
        assert_eq!(
            key_fingerprint(s),
            key_fingerprint(JsonStr::new("ab\n😀/", false))
        );
        let long = JsonStr::new(r"start_\u0074ime_of_day", true);
        assert_eq!(
            key_fingerprint(long),
            key_fingerprint(JsonStr::new("start_time_of_day", false))
        );
        for key in [
            "",
            "a",
            "id",
            "seven77",
            "eight888",
            "parent_id",
            "start_time",
            "fifteen_bytes15",
            "sixteen_bytes_16",
            "seventeen_bytes17",
        ] {
            let doc = format!("\"{key}\": 1, \"padding after the key\"");
            let (end, esc, fp) = scan_key(doc.as_bytes(), 1).unwrap();
            assert_eq!((end, esc), (1 + key.len(), false), "{key}");
            let want = key_fingerprint(JsonStr::new(key, false));
            assert_eq!(fp.unwrap_or(want), want, "{key}");
            // keys of fewer than sixteen bytes are fingerprinted from the scan's own words
            assert_eq!(fp.is_some(), key.len() < 16, "{key}");
        }
        let doc = b"{\"start_time_of_day\":1}";
        assert_eq!(
            key_fingerprint_raw(doc, 2, 19),
            key_fingerprint(JsonStr::new("start_time_of_day", false))
        );
        assert_ne!(
            key_fingerprint(JsonStr::new("ab", false)),
            key_fingerprint(JsonStr::new("ba", false))
        );
    }
}
