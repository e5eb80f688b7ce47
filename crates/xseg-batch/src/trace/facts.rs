//! What the trace checks need of one accepted document, read from its borrowed view.
//!
//! The core's [`Segment`] view gives everything from what the validator's one pass recorded:
//! the top-level fields, every embedded subsegment at every depth
//! ([`Segment::descendants`]) and the annotation members of each entity
//! ([`Segment::annotations`]); nothing is read from the text a second time. Nothing of the
//! document is copied: ids become `u64`, the trace id a `u128`, and each annotation key a
//! 64-bit hash.

use arrayvec::ArrayVec;
use xseg::{annotation_key_hash, Document, Segment, TraceKeys, Validator};

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
    /// The `id`, when [`HAS_ID`] (0 otherwise).
    id: u64,
    /// The `parent_id`, when [`HAS_PARENT`] (0 otherwise).
    parent_id: u64,
    size: u64,
    /// The embedded subsegments' ids, then the annotation key hashes.
    values: Values,
    /// Where the annotation key hashes start in `values`.
    keys_at: u32,
    /// [`HAS_ID`], [`HAS_PARENT`], [`STANDALONE`], [`IN_PROGRESS`].
    flags: u8,
}

/// [`TraceFacts::id`] is set.
const HAS_ID: u8 = 1;
/// [`TraceFacts::parent_id`] is set.
const HAS_PARENT: u8 = 2;
/// The document is a standalone subsegment.
const STANDALONE: u8 = 4;
/// The document is in progress.
const IN_PROGRESS: u8 = 8;

/// `flag` when `on`.
const fn flag(on: bool, flag: u8) -> u8 {
    if on {
        flag
    } else {
        0
    }
}

/// Ids and key hashes kept in place up to this many (most documents have fewer), so that the
/// facts of most documents need no allocation.
const INLINE_VALUES: usize = 6;

/// The values of a [`TraceFacts`]: in place while few, on the heap past [`INLINE_VALUES`].
#[derive(Clone, Debug)]
enum Values {
    Inline(ArrayVec<u64, INLINE_VALUES>),
    Heap(Vec<u64>),
}

impl Default for Values {
    fn default() -> Self {
        Values::Inline(ArrayVec::new())
    }
}

impl Values {
    fn as_slice(&self) -> &[u64] {
        match self {
            Values::Inline(a) => a,
            Values::Heap(v) => v,
        }
    }

    fn len(&self) -> usize {
        self.as_slice().len()
    }

    /// The values on the heap, with room for `more` besides.
    fn to_heap(inline: &[u64], more: usize) -> Vec<u64> {
        let mut v = Vec::with_capacity((inline.len() + more).max(2 * INLINE_VALUES));
        v.extend_from_slice(inline);
        v
    }

    fn push(&mut self, value: u64) {
        match self {
            Values::Heap(v) => v.push(value),
            Values::Inline(a) => {
                if a.is_full() {
                    let mut v = Self::to_heap(a, 1);
                    v.push(value);
                    *self = Values::Heap(v);
                } else {
                    a.push(value);
                }
            }
        }
    }

    fn insert(&mut self, at: usize, value: u64) {
        match self {
            Values::Heap(v) => v.insert(at.min(v.len()), value),
            Values::Inline(a) => {
                let at = at.min(a.len());
                if a.is_full() {
                    let mut v = Self::to_heap(a, 1);
                    v.insert(at, value);
                    *self = Values::Heap(v);
                } else {
                    a.insert(at, value);
                }
            }
        }
    }
}

impl PartialEq for Values {
    fn eq(&self, other: &Self) -> bool {
        self.as_slice() == other.as_slice()
    }
}

impl Eq for Values {}

impl core::hash::Hash for Values {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.as_slice().hash(state);
    }
}

/// The facts of one document, its ids and key hashes kept apart in a list that a whole
/// block of documents shares: what a stream's workers hand back, so that the pass allocates
/// nothing per document and copies a small record. [`TraceFacts::refill`] makes the facts
/// again when the document is reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PackedFacts {
    trace_id: u128,
    id: u64,
    parent_id: u64,
    size: u64,
    /// Where the values start in the shared list, how many of them are embedded ids (the
    /// key hashes follow), and how many there are.
    start: u32,
    ids: u32,
    len: u32,
    flags: u8,
}

impl PackedFacts {
    /// The facts [`TraceFacts::from_trace_keys`] makes of `keys`, with the embedded ids and
    /// the key hashes appended to `values`. `None` when `values` would pass `u32::MAX`
    /// entries (never for a block of documents).
    pub(crate) fn gather(keys: &TraceKeys, size: usize, values: &mut Vec<u64>) -> Option<Self> {
        let (ids, hashes) = (keys.embedded_ids(), keys.annotation_key_hashes());
        let start = u32::try_from(values.len()).ok()?;
        let ids_len = u32::try_from(ids.len()).ok()?;
        let len = u32::try_from(ids.len() + hashes.len()).ok()?;
        start.checked_add(len)?;
        values.extend_from_slice(ids);
        values.extend_from_slice(hashes);
        let top = TraceFacts::top_of_keys(keys, size);
        Some(PackedFacts {
            trace_id: top.trace_id,
            id: top.id,
            parent_id: top.parent_id,
            size: top.size,
            start,
            ids: ids_len,
            len,
            flags: top.flags,
        })
    }
}

impl TraceFacts {
    /// Facts with only the trace id, the document id and the size set; the `with_*`
    /// setters add the rest. For hosts that read documents some other way, and for tests.
    pub fn new(trace_id: u128, id: u64, size: u64) -> Self {
        TraceFacts {
            trace_id,
            id,
            size,
            flags: HAS_ID,
            ..TraceFacts::default()
        }
    }

    /// Sets the `parent_id`.
    pub fn with_parent_id(mut self, parent_id: u64) -> Self {
        self.parent_id = parent_id;
        self.flags |= HAS_PARENT;
        self
    }

    /// Marks the document a standalone subsegment (top-level `"type": "subsegment"`).
    pub fn with_standalone_subsegment(mut self, standalone: bool) -> Self {
        self.flags = (self.flags & !STANDALONE) | flag(standalone, STANDALONE);
        self
    }

    /// Sets `in_progress`.
    pub fn with_in_progress(mut self, in_progress: bool) -> Self {
        self.flags = (self.flags & !IN_PROGRESS) | flag(in_progress, IN_PROGRESS);
        self
    }

    /// Adds the id of an embedded subsegment.
    pub fn with_embedded_id(mut self, id: u64) -> Self {
        self.values.insert(self.keys_at as usize, id);
        self.keys_at = self.keys_at.saturating_add(1);
        self
    }

    /// Adds an annotation key (hashed as [`annotation_key_hash`] does).
    pub fn with_annotation_key(mut self, key: &str) -> Self {
        self.values.push(annotation_key_hash(key));
        self
    }

    /// The facts of an accepted segment or standalone subsegment of `size` bytes, read from
    /// its view. `None` when the view has no valid `trace_id` (never for a document the core
    /// accepted at the top level).
    pub fn from_segment(segment: &Segment<'_>, size: usize) -> Option<Self> {
        let mut facts = Self::top(
            segment.trace_id_number()?,
            segment.id_number(),
            segment.parent_id_number(),
            segment.is_standalone_subsegment(),
            segment.in_progress(),
            size,
        );
        let below = segment.descendants();
        for id in below.filter_map(|s| s.id_number()) {
            facts.values.push(id);
        }
        facts.keys_at = u32::try_from(facts.values.len()).unwrap_or(u32::MAX);
        // The service indexes the keys of RULES.md §5 (`Segment::indexed_key_hashes`); the
        // values' lengths and ranges are not weighed here: see docs/TRACES.md.
        for key in segment.indexed_key_hashes_in_subtree() {
            facts.values.push(key);
        }
        Some(facts)
    }

    /// The facts of an accepted segment or standalone subsegment of `size` bytes, from what
    /// [`Validator::validate_for_traces_at`] gathered: the same facts as
    /// [`from_segment`](Self::from_segment) reads from the view, without recording the
    /// entity table. This is what [`Traced::validate`](crate::Traced::validate) uses.
    pub fn from_trace_keys(keys: &TraceKeys, size: usize) -> Self {
        let (ids, hashes) = (keys.embedded_ids(), keys.annotation_key_hashes());
        let mut values = Values::default();
        if ids.len() + hashes.len() > INLINE_VALUES {
            let mut v = Vec::with_capacity(ids.len() + hashes.len());
            v.extend_from_slice(ids);
            v.extend_from_slice(hashes);
            values = Values::Heap(v);
        } else if let Values::Inline(a) = &mut values {
            for &value in ids.iter().chain(hashes) {
                // room for all: checked above
                let _ = a.try_push(value);
            }
        }
        TraceFacts {
            values,
            keys_at: u32::try_from(ids.len()).unwrap_or(u32::MAX),
            ..Self::top_of_keys(keys, size)
        }
    }

    /// Makes these the facts `packed` holds, its ids and key hashes read from `values` (the
    /// list they were gathered into). Keeps the heap room these facts already have, so a
    /// stream that refills one [`TraceFacts`] for every document allocates nothing once it
    /// has met its largest.
    pub(crate) fn refill(&mut self, packed: &PackedFacts, values: &[u64]) {
        let mine = values
            .get(packed.start as usize..)
            .and_then(|v| v.get(..packed.len as usize))
            .unwrap_or(&[]);
        self.trace_id = packed.trace_id;
        self.id = packed.id;
        self.parent_id = packed.parent_id;
        self.size = packed.size;
        self.flags = packed.flags;
        self.keys_at = packed.ids.min(packed.len);
        match &mut self.values {
            Values::Heap(v) => {
                v.clear();
                v.extend_from_slice(mine);
            }
            Values::Inline(a) => {
                a.clear();
                if a.try_extend_from_slice(mine).is_err() {
                    self.values = Values::Heap(mine.to_vec());
                }
            }
        }
    }

    /// The top-level facts of what the validator gathered, with no embedded ids and no keys
    /// yet.
    fn top_of_keys(keys: &TraceKeys, size: usize) -> Self {
        Self::top(
            keys.trace_id(),
            keys.id(),
            keys.parent_id(),
            keys.is_standalone_subsegment(),
            keys.in_progress(),
            size,
        )
    }

    /// The facts of a document's top level, with no embedded ids and no keys yet.
    fn top(
        trace_id: u128,
        id: Option<u64>,
        parent_id: Option<u64>,
        standalone: bool,
        in_progress: bool,
        size: usize,
    ) -> Self {
        TraceFacts {
            trace_id,
            id: id.unwrap_or(0),
            parent_id: parent_id.unwrap_or(0),
            size: size as u64,
            values: Values::default(),
            keys_at: 0,
            flags: flag(id.is_some(), HAS_ID)
                | flag(parent_id.is_some(), HAS_PARENT)
                | flag(standalone, STANDALONE)
                | flag(in_progress, IN_PROGRESS),
        }
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
        validator.validate_for_traces_at(doc, 0);
        Some(Self::from_trace_keys(validator.trace_keys()?, doc.len()))
    }

    /// The trace id as one number: the 8 hex digits of the epoch, then the 24 of the random
    /// part (so `1-6800000A-…` and `1-6800000a-…` are the same trace).
    pub const fn trace_id(&self) -> u128 {
        self.trace_id
    }

    /// The top-level `id`.
    pub const fn id(&self) -> Option<u64> {
        if self.flags & HAS_ID != 0 {
            Some(self.id)
        } else {
            None
        }
    }

    /// The top-level `parent_id`.
    pub const fn parent_id(&self) -> Option<u64> {
        if self.flags & HAS_PARENT != 0 {
            Some(self.parent_id)
        } else {
            None
        }
    }

    /// Whether the document is a standalone subsegment.
    pub const fn is_standalone_subsegment(&self) -> bool {
        self.flags & STANDALONE != 0
    }

    /// Whether the document is in progress (`"in_progress": true`).
    pub const fn in_progress(&self) -> bool {
        self.flags & IN_PROGRESS != 0
    }

    /// The document's size in bytes.
    pub const fn size(&self) -> u64 {
        self.size
    }

    /// The ids of the embedded subsegments, at every depth, in document order.
    pub fn embedded_ids(&self) -> &[u64] {
        self.values
            .as_slice()
            .get(..self.keys_at as usize)
            .unwrap_or(&[])
    }

    /// The hashes of the annotation keys the service indexes (of the document and of every
    /// embedded subsegment; repeats included), in document order.
    pub fn annotation_keys(&self) -> &[u64] {
        self.values
            .as_slice()
            .get(self.keys_at as usize..)
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The facts gathered during validation, checked against the facts read from the view.
    fn facts(doc: &str) -> TraceFacts {
        let mut v = Validator::default();
        let gathered = TraceFacts::extract(&mut v, doc.as_bytes()).expect("an accepted document");
        let view = v.parse(doc.as_bytes()).expect("accepted");
        let read = TraceFacts::from_document(&view, doc.len()).expect("facts");
        assert_eq!(gathered, read, "{doc}");
        gathered
    }

    const HEAD: &str = r#""name":"web","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2"#;

    /// Packed into one shared list and refilled into one reused value, facts come out as
    /// `from_trace_keys` makes them: small and large, in either order.
    #[test]
    fn packed_facts_refill_to_the_same_facts() {
        let sub = |i: usize, keys: usize| {
            let keys: Vec<String> = (0..keys).map(|k| format!(r#""k{k}":{k}"#)).collect();
            format!(
                r#"{{"name":"s{i}","id":"{i:016x}","start_time":1,"end_time":2,"annotations":{{{}}}}}"#,
                keys.join(",")
            )
        };
        let doc = |subs: usize, keys: usize| {
            let subs: Vec<String> = (1..=subs).map(|i| sub(i, keys)).collect();
            format!(
                r#"{{{HEAD},"id":"00000000000000aa","parent_id":"00000000000000bb","type":"subsegment","subsegments":[{}]}}"#,
                subs.join(",")
            )
        };
        let docs = [
            doc(0, 0),
            doc(2, 1),
            doc(5, 3),
            doc(1, 0),
            doc(9, 4),
            doc(0, 0),
        ];
        let mut v = Validator::default();
        let mut values = vec![7, 7, 7];
        let mut packed = Vec::new();
        let mut want = Vec::new();
        for d in &docs {
            v.validate_for_traces_at(d.as_bytes(), 0);
            let keys = v.trace_keys().expect("accepted");
            want.push(TraceFacts::from_trace_keys(keys, d.len()));
            packed.push(PackedFacts::gather(keys, d.len(), &mut values).expect("room"));
        }
        assert!(want.iter().any(|f| f.values.len() > INLINE_VALUES));
        let mut reused = TraceFacts::default();
        for (p, w) in packed.iter().zip(&want) {
            reused.refill(p, &values);
            assert_eq!(&reused, w);
            assert_eq!(reused.embedded_ids(), w.embedded_ids());
            assert_eq!(reused.annotation_keys(), w.annotation_keys());
        }
    }

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
        let want: Vec<u64> = ["a", "bc", "t", "d"]
            .iter()
            .map(|k| annotation_key_hash(k))
            .collect();
        assert_eq!(f.annotation_keys(), want.as_slice());
    }

    #[test]
    fn hex_ids_and_indexed_keys() {
        let f = facts(&format!(
            r#"{{{HEAD},"id":"000000000000000\u0041","parent_id":"00000000000000fF","type":"subsegment"}}"#
        ));
        assert_eq!((f.id(), f.parent_id()), (Some(10), Some(255)));
        let long = "k".repeat(500);
        let longer = "k".repeat(501);
        let doc = format!(
            r#"{{{HEAD},"id":"00000000000000fF","annotations":{{"{long}":1,"{longer}":1,"":1,"bad-key":1,"ké":1,"a_b":1,"a_b":2,"grpc.status_code":0}}}}"#
        );
        let f = facts(&doc);
        assert_eq!(f.id(), Some(255));
        let want: Vec<u64> = [long.as_str(), "a_b", "a_b", "grpc.status_code"]
            .iter()
            .map(|k| annotation_key_hash(k))
            .collect();
        assert_eq!(f.annotation_keys(), want.as_slice());
    }

    #[test]
    fn escaped_keys_and_ids_and_member_order() {
        // `subsegments` before `id`, escapes in keys and ids, annotations after children
        let doc = format!(
            r#"{{"annotations":{{"top":1}},"subsegments":[
              {{"subsegments":[{{"name":"g","id":"000000000000000b","start_time":1,"end_time":2,"annotations":{{"g":false}}}}],
                "name":"c","id":"000000000000000a","start_time":1,"end_time":2,"annotations":{{"c":"x","c":"y","bad key":1}}}}],
              {HEAD},"id":"0000000000000001"}}"#
        );
        let f = facts(&doc);
        assert_eq!(f.embedded_ids(), [0xa, 0xb]);
        let want: Vec<u64> = ["top", "g", "c", "c"]
            .iter()
            .map(|k| annotation_key_hash(k))
            .collect();
        assert_eq!(f.annotation_keys(), want.as_slice());
    }

    #[test]
    fn numbers_agree_with_the_view_and_the_standard_library() {
        let mut v = Validator::default();
        let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
        let mut next = || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        for round in 0..2_000 {
            let epoch = next() as u32;
            let random = (u128::from(next()) << 32) | u128::from(next() as u32);
            let mut trace = format!("1-{epoch:08x}-{random:024x}");
            let mut id = format!("{:016x}", next());
            if round % 3 == 1 {
                trace = trace.to_uppercase();
                id = id.to_uppercase();
            }
            let doc = format!(
                r#"{{"name":"web","id":"{id}","trace_id":"{trace}","start_time":1,"end_time":2}}"#
            );
            let seg = v
                .parse(doc.as_bytes())
                .expect("accepted")
                .segment()
                .expect("segment");
            let view = seg.trace_id().expect("a trace id");
            let want = (u128::from(view.epoch) << 96) | view.random;
            assert_eq!(seg.trace_id_number(), Some(want), "{trace}");
            assert_eq!(want, (u128::from(epoch) << 96) | random);
            assert_eq!(seg.id_number(), u64::from_str_radix(&id, 16).ok());
        }
    }

    #[test]
    fn values_spill_to_the_heap_unchanged() {
        for n in 0..20usize {
            for heap in [false, true] {
                let (mut values, mut want) = (Values::default(), Vec::new());
                if heap {
                    values = Values::Heap(Vec::new());
                }
                for i in 0..n as u64 {
                    if i % 3 == 0 {
                        let at = (i as usize / 2).min(want.len());
                        values.insert(at, i);
                        want.insert(at, i);
                    } else {
                        values.push(i);
                        want.push(i);
                    }
                }
                assert_eq!(values.as_slice(), want.as_slice(), "{n} {heap}");
                assert_eq!(
                    matches!(values, Values::Inline(_)),
                    !heap && n <= INLINE_VALUES,
                    "{n} {heap}"
                );
            }
        }
        let inline = TraceFacts::new(1, 2, 3).with_embedded_id(4);
        let mut heap = TraceFacts::new(1, 2, 3);
        heap.values = Values::Heap(Vec::new());
        assert_eq!(heap.with_embedded_id(4), inline);
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
