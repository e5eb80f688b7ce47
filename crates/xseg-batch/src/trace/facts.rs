//! What the trace checks need of one accepted document, read from its borrowed view.
//!
//! The core's [`Segment`] view gives the top-level fields directly and the raw text of the
//! `annotations` and `subsegments` values; the annotation keys and the ids of embedded
//! subsegments are read here from that raw text with a small walker over already validated
//! JSON. Nothing of the document is copied: ids become `u64`, the trace id a `u128`, and each
//! annotation key a 64-bit hash.

use xseg::{Document, Segment, Validator};

/// The trace-level facts of one accepted document: its trace, its id, its parent, whether
/// it is a standalone subsegment or in progress, its size, the ids of its embedded
/// subsegments and the hashes of its annotation keys (of the document and of every embedded
/// subsegment).
///
/// Built in the parallel pass (it is `Send` and owns no part of the document), then handed
/// to a [`TraceChecker`](super::TraceChecker) in input order.
///
/// ```
/// use xseg_batch::TraceFacts;
///
/// let doc = br#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979",
///   "start_time":1.5,"end_time":2,"annotations":{"user":"u1"},
///   "subsegments":[{"name":"db","id":"0000000000000001","start_time":1.6,"end_time":1.7,"annotations":{"table":"t"}}]}"#;
/// let mut v = xseg::Validator::default();
/// let facts = TraceFacts::extract(&mut v, doc).unwrap();
/// assert_eq!(facts.id(), Some(0x70de_5b6f_19ff_9a0a));
/// assert_eq!(facts.trace_id(), 0x6800_0000_a006_6491_27e3_7190_3a2d_e979);
/// assert_eq!(facts.embedded_ids(), [1]);
/// assert_eq!(facts.annotation_keys().len(), 2);
/// assert_eq!(facts.size(), doc.len() as u64);
/// assert!(!facts.is_standalone_subsegment() && !facts.in_progress());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct TraceFacts {
    trace_id: u128,
    id: Option<u64>,
    parent_id: Option<u64>,
    standalone: bool,
    in_progress: bool,
    size: u64,
    /// The embedded subsegments' ids, then the annotation key hashes.
    values: Vec<u64>,
    /// Where the annotation key hashes start in `values`.
    keys_at: usize,
}

impl TraceFacts {
    /// Facts with only the trace id, the document id and the size set; the `with_*`
    /// setters add the rest. For hosts that read documents some other way, and for tests.
    pub fn new(trace_id: u128, id: u64, size: u64) -> Self {
        TraceFacts {
            trace_id,
            id: Some(id),
            size,
            ..TraceFacts::default()
        }
    }

    /// Sets the `parent_id`.
    pub fn with_parent_id(mut self, parent_id: u64) -> Self {
        self.parent_id = Some(parent_id);
        self
    }

    /// Marks the document a standalone subsegment (top-level `"type": "subsegment"`).
    pub fn with_standalone_subsegment(mut self, standalone: bool) -> Self {
        self.standalone = standalone;
        self
    }

    /// Sets `in_progress`.
    pub fn with_in_progress(mut self, in_progress: bool) -> Self {
        self.in_progress = in_progress;
        self
    }

    /// Adds the id of an embedded subsegment.
    pub fn with_embedded_id(mut self, id: u64) -> Self {
        self.values.insert(self.keys_at, id);
        self.keys_at += 1;
        self
    }

    /// Adds an annotation key (hashed as [`annotation_key_hash`] does).
    pub fn with_annotation_key(mut self, key: &str) -> Self {
        self.values.push(annotation_key_hash(key.chars()));
        self
    }

    /// The facts of an accepted segment or standalone subsegment of `size` bytes, read from
    /// its view. `None` when the view has no valid `trace_id` (never for a document the core
    /// accepted at the top level).
    pub fn from_segment(segment: &Segment<'_>, size: usize) -> Option<Self> {
        let trace = segment.trace_id()?;
        let mut facts = TraceFacts {
            trace_id: (u128::from(trace.epoch) << 96) | trace.random,
            id: segment.id().and_then(|s| hex_u64(s.chars())),
            parent_id: segment.parent_id().and_then(|s| hex_u64(s.chars())),
            standalone: segment
                .entity_type()
                .is_some_and(|k| k.eq_str("subsegment")),
            in_progress: segment.in_progress(),
            size: size as u64,
            values: Vec::new(),
            keys_at: 0,
        };
        let mut keys = Vec::new();
        if let Some(subsegments) = segment.raw_value("subsegments") {
            let mut walker = Walker {
                text: subsegments.as_bytes(),
                pos: 0,
            };
            walker.entity_array(&mut facts.values, &mut keys);
        }
        if let Some(annotations) = segment.raw_value("annotations") {
            let mut walker = Walker {
                text: annotations.as_bytes(),
                pos: 0,
            };
            walker.annotation_keys(&mut keys);
        }
        facts.keys_at = facts.values.len();
        facts.values.append(&mut keys);
        Some(facts)
    }

    /// The facts of an accepted document: `None` for an OTLP payload (it names no trace the
    /// checks can read) or a view without a valid `trace_id`.
    pub fn from_document(document: &Document<'_>, size: usize) -> Option<Self> {
        match document {
            Document::Segment(segment) => Self::from_segment(segment, size),
            Document::Otlp(_) => None,
        }
    }

    /// Validates `doc` with `validator` and reads its facts; `None` when it is rejected or
    /// has none. For hosts that handle one document at a time (a datagram listener); a
    /// parallel pass uses [`Batch::validate_traced`](crate::Batch::validate_traced).
    pub fn extract(validator: &mut Validator, doc: &[u8]) -> Option<Self> {
        let document = validator.parse(doc).ok()?;
        Self::from_document(&document, doc.len())
    }

    /// The trace id as one number: the 8 hex digits of the epoch, then the 24 of the random
    /// part (so `1-6800000A-…` and `1-6800000a-…` are the same trace).
    pub const fn trace_id(&self) -> u128 {
        self.trace_id
    }

    /// The top-level `id`.
    pub const fn id(&self) -> Option<u64> {
        self.id
    }

    /// The top-level `parent_id`.
    pub const fn parent_id(&self) -> Option<u64> {
        self.parent_id
    }

    /// Whether the document is a standalone subsegment.
    pub const fn is_standalone_subsegment(&self) -> bool {
        self.standalone
    }

    /// Whether the document is in progress (`"in_progress": true`).
    pub const fn in_progress(&self) -> bool {
        self.in_progress
    }

    /// The document's size in bytes.
    pub const fn size(&self) -> u64 {
        self.size
    }

    /// The ids of the embedded subsegments, at every depth, in document order.
    pub fn embedded_ids(&self) -> &[u64] {
        self.values.get(..self.keys_at).unwrap_or(&[])
    }

    /// The hashes of the annotation keys the service indexes (of the document and of every
    /// embedded subsegment; repeats included), in document order: the subsegments' first,
    /// then the document's own.
    pub fn annotation_keys(&self) -> &[u64] {
        self.values.get(self.keys_at..).unwrap_or(&[])
    }
}

/// The 64-bit hash under which the trace checks count an annotation key: FNV-1a over the
/// key's UTF-8 bytes after unescaping, so `"a\u0062"` and `"ab"` are one key. Fixed, so a
/// run's answers never depend on a random seed.
pub fn annotation_key_hash(chars: impl Iterator<Item = char>) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut buf = [0u8; 4];
    for c in chars {
        for &b in c.encode_utf8(&mut buf).as_bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

/// 16 hex digits (either case) as a number.
fn hex_u64(chars: impl Iterator<Item = char>) -> Option<u64> {
    let mut n: u64 = 0;
    let mut count = 0;
    for c in chars {
        n = (n << 4) | u64::from(c.to_digit(16)?);
        count += 1;
    }
    (count == 16).then_some(n)
}

/// The annotation keys the service indexes (RULES.md §5): a key of 1–500 characters from
/// `[A-Za-z0-9_.]` with a string, number or boolean value. The value's length and range are
/// not weighed here: see docs/TRACES.md.
fn is_indexed_key(key: &[u8], escaped: bool, value_first: u8) -> bool {
    let value_ok = matches!(value_first, b'"' | b't' | b'f' | b'-' | b'0'..=b'9');
    let count = if escaped {
        let mut n = 0usize;
        for c in Unescape::new(key) {
            if !(c.is_ascii_alphanumeric() || c == '_' || c == '.') {
                return false;
            }
            n += 1;
        }
        n
    } else {
        if !key
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.'))
        {
            return false;
        }
        key.len()
    };
    value_ok && (1..=xseg::limits::MAX_ANNOTATION_KEY_CHARS).contains(&count)
}

/// The characters of a JSON string's raw text (between the quotes), escapes decoded. The
/// text comes from a validated document, so every escape is well formed; anything else
/// decodes to U+FFFD rather than failing.
struct Unescape<'a> {
    rest: &'a [u8],
}

impl<'a> Unescape<'a> {
    fn new(raw: &'a [u8]) -> Self {
        Unescape { rest: raw }
    }

    fn hex4(&mut self) -> Option<u32> {
        let digits = self.rest.get(..4)?;
        self.rest = self.rest.get(4..).unwrap_or(&[]);
        let mut n = 0u32;
        for &d in digits {
            n = (n << 4) | char::from(d).to_digit(16)?;
        }
        Some(n)
    }
}

impl Iterator for Unescape<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let (&b, rest) = self.rest.split_first()?;
        if b != b'\\' {
            // One UTF-8 sequence: its length from the lead byte.
            let len = match b {
                0..=0x7f => 1,
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            let seq = self.rest.get(..len).unwrap_or(self.rest);
            self.rest = self.rest.get(seq.len()..).unwrap_or(&[]);
            return Some(
                core::str::from_utf8(seq)
                    .ok()
                    .and_then(|s| s.chars().next())
                    .unwrap_or('\u{fffd}'),
            );
        }
        let (&e, rest) = rest.split_first()?;
        self.rest = rest;
        Some(match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4().unwrap_or(0xfffd);
                if (0xd800..0xdc00).contains(&hi) && self.rest.starts_with(b"\\u") {
                    self.rest = self.rest.get(2..).unwrap_or(&[]);
                    let lo = self.hex4().unwrap_or(0);
                    let c = 0x10000 + ((hi - 0xd800) << 10) + lo.wrapping_sub(0xdc00);
                    char::from_u32(c).unwrap_or('\u{fffd}')
                } else {
                    char::from_u32(hi).unwrap_or('\u{fffd}')
                }
            }
            _ => '\u{fffd}',
        })
    }
}

/// The position of the first of `needles` in `text` at or after `from`. Eight bytes at a time
/// (SIMD within a register): most strings of real documents are a few bytes long, too short
/// for a vector search to pay for its set-up.
fn find_any<const N: usize>(text: &[u8], from: usize, needles: [u8; N]) -> Option<usize> {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    let rest = text.get(from..)?;
    let splats = needles.map(|n| LO * u64::from(n));
    let mut words = rest.chunks_exact(8);
    let mut at = from;
    for word in &mut words {
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(word);
        let w = u64::from_le_bytes(bytes);
        let mut hit = 0u64;
        for splat in splats {
            let x = w ^ splat;
            hit |= x.wrapping_sub(LO) & !x & HI;
        }
        if hit != 0 {
            // The lowest flagged byte is exact (a borrow only flags bytes above a match).
            return Some(at + (hit.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|b| needles.contains(b))
        .map(|i| at + i)
}

/// A cursor over the raw text of one value of a validated document. It reads only what the
/// trace checks need and skips the rest; on text that is not valid JSON (never, for an
/// accepted document) it stops early without failing.
struct Walker<'a> {
    text: &'a [u8],
    pos: usize,
}

impl<'a> Walker<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.pos += 1;
        }
    }

    /// Reads the string at `pos` (its opening quote); returns its raw text and whether it
    /// has escapes, and leaves `pos` after the closing quote.
    fn string(&mut self) -> Option<(&'a [u8], bool)> {
        let start = self.pos + 1;
        let mut at = start;
        let mut escaped = false;
        loop {
            at = find_any(self.text, at, [b'"', b'\\'])?;
            if self.text.get(at) == Some(&b'\\') {
                escaped = true;
                at += 2;
            } else {
                self.pos = at + 1;
                return Some((self.text.get(start..at)?, escaped));
            }
        }
    }

    /// Skips the value at `pos` (after white space), whatever it is.
    fn skip_value(&mut self) -> Option<()> {
        self.skip_ws();
        let (open, close) = match self.peek()? {
            b'"' => return self.string().map(|_| ()),
            b'{' => (b'{', b'}'),
            b'[' => (b'[', b']'),
            _ => {
                while !matches!(
                    self.peek(),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r')
                ) {
                    self.pos += 1;
                }
                return Some(());
            }
        };
        // In valid JSON each kind of bracket balances on its own outside strings, so an
        // object's end is found counting braces alone, an array's counting brackets alone.
        let mut depth = 0usize;
        loop {
            self.pos = find_any(self.text, self.pos, [b'"', open, close])?;
            match self.peek()? {
                b'"' => {
                    self.string()?;
                }
                c if c == open => {
                    depth += 1;
                    self.pos += 1;
                }
                _ => {
                    depth = depth.saturating_sub(1);
                    self.pos += 1;
                    if depth == 0 {
                        return Some(());
                    }
                }
            }
        }
    }

    /// Visits the members of the object at `pos`: `f(walker, key, escaped)` is called with
    /// `pos` at the member's value and must leave `pos` after it.
    fn members(
        &mut self,
        mut f: impl FnMut(&mut Self, &'a [u8], bool) -> Option<()>,
    ) -> Option<()> {
        self.skip_ws();
        if self.peek()? != b'{' {
            return self.skip_value();
        }
        self.pos += 1;
        loop {
            self.skip_ws();
            match self.peek()? {
                b'}' => {
                    self.pos += 1;
                    return Some(());
                }
                b',' => self.pos += 1,
                b'"' => {
                    let (key, escaped) = self.string()?;
                    self.skip_ws();
                    if self.peek()? != b':' {
                        return None;
                    }
                    self.pos += 1;
                    self.skip_ws();
                    f(self, key, escaped)?;
                }
                _ => return None,
            }
        }
    }

    /// The hashes of the indexed keys of the annotations object at `pos`.
    fn annotation_keys(&mut self, keys: &mut Vec<u64>) -> Option<()> {
        self.members(|w, key, escaped| {
            if is_indexed_key(key, escaped, w.peek()?) {
                keys.push(if escaped {
                    annotation_key_hash(Unescape::new(key))
                } else {
                    annotation_key_hash(key.iter().map(|&b| char::from(b)))
                });
            }
            w.skip_value()
        })
    }

    /// The `subsegments` array at `pos`: each element's id, annotation keys and own
    /// subsegments, depth first.
    fn entity_array(&mut self, ids: &mut Vec<u64>, keys: &mut Vec<u64>) -> Option<()> {
        self.skip_ws();
        if self.peek()? != b'[' {
            return self.skip_value();
        }
        self.pos += 1;
        loop {
            self.skip_ws();
            match self.peek()? {
                b']' => {
                    self.pos += 1;
                    return Some(());
                }
                b',' => self.pos += 1,
                b'{' => self.entity(ids, keys)?,
                _ => self.skip_value()?,
            }
        }
    }

    fn entity(&mut self, ids: &mut Vec<u64>, keys: &mut Vec<u64>) -> Option<()> {
        self.members(|w, key, escaped| match field(key, escaped) {
            Some(Field::Id) if w.peek() == Some(b'"') => {
                let (raw, escaped) = w.string()?;
                let id = if escaped {
                    hex_u64(Unescape::new(raw))
                } else {
                    hex_u64(raw.iter().map(|&b| char::from(b)))
                };
                if let Some(id) = id {
                    ids.push(id);
                }
                Some(())
            }
            Some(Field::Annotations) => w.annotation_keys(keys),
            Some(Field::Subsegments) => w.entity_array(ids, keys),
            _ => w.skip_value(),
        })
    }
}

/// The entity members the walker reads.
enum Field {
    Id,
    Annotations,
    Subsegments,
}

fn field(key: &[u8], escaped: bool) -> Option<Field> {
    let is = |name: &str| {
        if escaped {
            Unescape::new(key).eq(name.chars())
        } else {
            key == name.as_bytes()
        }
    };
    if is("id") {
        Some(Field::Id)
    } else if is("annotations") {
        Some(Field::Annotations)
    } else if is("subsegments") {
        Some(Field::Subsegments)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(doc: &str) -> TraceFacts {
        let mut v = Validator::default();
        TraceFacts::extract(&mut v, doc.as_bytes()).expect("an accepted document")
    }

    const HEAD: &str = r#""name":"web","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2"#;

    #[test]
    fn top_level_fields() {
        let f = facts(&format!(
            r#"{{{HEAD},"id":"70DE5B6F19FF9A0\u0041","type":"subsegment","parent_id":"00000000000000ff","in_progress":false}}"#
        ));
        assert_eq!(f.id(), Some(0x70de_5b6f_19ff_9a0a));
        assert_eq!(f.parent_id(), Some(0xff));
        assert!(f.is_standalone_subsegment());
        assert!(!f.in_progress());
        let g = facts(
            r#"{"name":"web","id":"0000000000000001","trace_id":"1-68000000-A006649127E371903A2DE979","start_time":1,"in_progress":true,"type":"x"}"#,
        );
        assert!(g.in_progress() && !g.is_standalone_subsegment());
        assert_eq!(g.trace_id(), f.trace_id());
        assert_eq!(g.parent_id(), None);
    }

    #[test]
    fn embedded_ids_at_every_depth_and_keys_everywhere() {
        let doc = format!(
            r#"{{{HEAD},"id":"0000000000000001","metadata":{{"x":{{"id":"00000000000000aa","annotations":{{"no":1}},"subsegments":[{{"id":"00000000000000bb"}}]}}}},
            "annotations":{{"a":1,"b\u0063":"s","bad-key":2,"nul":null,"obj":{{}},"t":true,"":1}},
            "subsegments":[
              {{"name":"s1","id":"0000000000000002","start_time":1,"end_time":2,"cause":{{"exceptions":[{{"id":"00000000000000cc"}}]}},
                "subsegments":[{{"name":"s2","id":"000000000000000\u0033","start_time":1,"end_time":2,"annotations":{{"d":-1,"e":[1]}}}}]}},
              {{"name":"s3","id":"0000000000000004","start_time":1,"end_time":2,"sql":{{"url":"\"id\":\"x"}},"subsegments":[]}}
            ]}}"#
        );
        let f = facts(&doc);
        assert_eq!(f.embedded_ids(), [2, 3, 4]);
        let want: Vec<u64> = ["d", "a", "bc", "t"]
            .iter()
            .map(|k| annotation_key_hash(k.chars()))
            .collect();
        assert_eq!(f.annotation_keys(), want.as_slice());
    }

    #[test]
    fn find_any_matches_a_plain_search() {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for len in 0..80 {
            for _ in 0..40 {
                let text: Vec<u8> = (0..len)
                    .map(|_| {
                        state ^= state << 13;
                        state ^= state >> 7;
                        state ^= state << 17;
                        // a small alphabet, so that needles are common; and high bytes
                        [b'a', b'"', b'\\', b'{', b'}', 0x80, 0xff, 0x00][(state % 8) as usize]
                    })
                    .collect();
                for from in 0..=len {
                    let plain = |needles: &[u8]| {
                        text[from..]
                            .iter()
                            .position(|b| needles.contains(b))
                            .map(|i| from + i)
                    };
                    assert_eq!(find_any(&text, from, [b'"', b'\\']), plain(b"\"\\"));
                    assert_eq!(find_any(&text, from, [b'"', b'{', b'}']), plain(b"\"{}"));
                    assert_eq!(find_any(&text, from, [0x80]), plain(&[0x80]));
                }
                assert_eq!(find_any(&text, len + 1, [b'"']), None);
            }
        }
    }

    #[test]
    fn unescaping() {
        let got: String = Unescape::new(br#"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00\u4e2d"#).collect();
        assert_eq!(got, "a\"\\/\u{8}\u{c}\n\r\t\u{e9}\u{1f600}\u{4e2d}");
        let raw: String = Unescape::new("zé中".as_bytes()).collect();
        assert_eq!(raw, "zé中");
        assert_eq!(hex_u64("00000000000000fF".chars()), Some(255));
        assert_eq!(hex_u64("0000000000000ff".chars()), None);
        assert_eq!(hex_u64("000000000000000g".chars()), None);
    }

    #[test]
    fn builder_matches_extraction() {
        let doc = format!(
            r#"{{{HEAD},"id":"0000000000000001","type":"subsegment","parent_id":"0000000000000009","annotations":{{"k":1}},"subsegments":[{{"name":"s","id":"0000000000000002","start_time":1,"end_time":2}}]}}"#
        );
        let f = facts(&doc);
        let built = TraceFacts::new(f.trace_id(), 1, doc.len() as u64)
            .with_parent_id(9)
            .with_standalone_subsegment(true)
            .with_annotation_key("k")
            .with_embedded_id(2);
        assert_eq!(built, f);
    }

    #[test]
    fn otlp_and_rejected_documents_have_no_facts() {
        let mut v = Validator::default();
        assert_eq!(TraceFacts::extract(&mut v, b"T1SAAAA"), None);
        assert_eq!(TraceFacts::extract(&mut v, b"{}"), None);
    }
}
