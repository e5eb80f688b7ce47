//! The borrowed view of a validated document: [`Segment`], its [`Subsegments`] and
//! [`Descendants`], and the [`Annotations`] of each entity.
//!
//! The validator's one pass records, for every entity object, where each documented field's
//! value sits, how many entities its subtree holds and where its annotation members are (the
//! entity table, `rules/table.rs`). The view reads the values out of the input on demand from
//! those positions: building it copies nothing, and no accessor reads the text again to find
//! anything.

use core::ops::Range;

use crate::hash;
use crate::json::{JsonStr, ValueKind, ValueSpan};
use crate::rules::fields::{Field, Fields};
use crate::rules::table::{AnnotationRecord, EntityRecord};
use crate::rules::{ids, times, trace_id};

pub use crate::rules::trace_id::TraceId;

/// The record of a view over nothing (never reached for a validated document).
static EMPTY_RECORD: EntityRecord = EntityRecord::EMPTY;

/// A borrowed view of a validated segment or subsegment.
///
/// Accessors read from the input on demand. Strings come as [`JsonStr`] (raw slice plus an
/// escape flag, decoded on request); byte ranges are absolute, i.e. they include the base
/// offset the document was validated at.
///
/// ```
/// let doc = br#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979",
///   "start_time":1.5,"end_time":2.5,"subsegments":[{"name":"db","id":"0000000000000001","start_time":1.6,"end_time":1.7}]}"#;
/// let mut v = xseg::Validator::default();
/// let seg = v.parse(doc).unwrap().segment().unwrap();
/// assert_eq!(seg.name().unwrap().decode(), "web");
/// assert_eq!(seg.trace_id().unwrap().epoch, 0x6800_0000);
/// let child = seg.subsegments().next().unwrap();
/// assert_eq!(child.name().unwrap().raw(), "db");
/// assert_eq!(child.end_time(), Some(1.7));
/// ```
#[derive(Clone, Copy)]
pub struct Segment<'a> {
    text: &'a str,
    base: usize,
    /// This entity's record.
    rec: &'a EntityRecord,
    /// The records of its embedded subsegments, at every depth, in pre-order.
    below: &'a [EntityRecord],
    /// Every annotation member of the document.
    notes: &'a [AnnotationRecord],
}

impl core::fmt::Debug for Segment<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Segment")
            .field("id", &self.id())
            .field("name", &self.name())
            .field("trace_id", &self.trace_id_str())
            .field("start_time", &self.start_time())
            .field("end_time", &self.end_time())
            .field("in_progress", &self.in_progress())
            .field("range", &self.range())
            .finish_non_exhaustive()
    }
}

impl<'a> Segment<'a> {
    /// The view of the document whose entity table is `entities` (pre-order, the document
    /// first) and `notes`.
    pub(crate) fn top(
        text: &'a str,
        base: usize,
        entities: &'a [EntityRecord],
        notes: &'a [AnnotationRecord],
    ) -> Self {
        let (rec, rest) = entities.split_first().unwrap_or((&EMPTY_RECORD, &[]));
        Segment::at(text, base, rec, rest, notes)
    }

    /// The view of the entity `rec`, followed in the table by `rest`.
    fn at(
        text: &'a str,
        base: usize,
        rec: &'a EntityRecord,
        rest: &'a [EntityRecord],
        notes: &'a [AnnotationRecord],
    ) -> Self {
        let below = rest.get(..rec.descendants as usize).unwrap_or(rest);
        Segment {
            text,
            base,
            rec,
            below,
            notes,
        }
    }

    #[inline(always)]
    fn fields(&self) -> &'a Fields {
        &self.rec.fields
    }

    fn string(&self, f: Field) -> Option<JsonStr<'a>> {
        let v = self.fields().get(f).filter(|v| v.is_str())?;
        Some(v.str_in(self.text))
    }

    fn number(&self, f: Field) -> Option<f64> {
        let v = self.fields().get(f).filter(|v| v.kind == ValueKind::Num)?;
        times::to_f64(v.raw_in(self.text))
    }

    /// `id`.
    pub fn id(&self) -> Option<JsonStr<'a>> {
        self.string(Field::Id)
    }

    /// `name`.
    pub fn name(&self) -> Option<JsonStr<'a>> {
        self.string(Field::Name)
    }

    /// `trace_id` as written (optional on embedded subsegments).
    pub fn trace_id_str(&self) -> Option<JsonStr<'a>> {
        self.string(Field::TraceId)
    }

    /// `trace_id` split into its parts.
    pub fn trace_id(&self) -> Option<TraceId> {
        trace_id::parse(self.trace_id_str()?)
    }

    /// The 16 hex digits (either case, escapes decoded) of a string field as a number.
    fn hex_id(&self, f: Field) -> Option<u64> {
        ids::hex16(self.string(f)?).map(|h| h.value)
    }

    /// `id` as a number, when it is 16 hex digits (either case, escapes decoded), as it is in
    /// every document the validator accepts and in most embedded subsegments.
    ///
    /// ```
    /// let doc = br#"{"name":"web","id":"70DE5B6F19FF9A0A","trace_id":"1-68000000-a006649127e371903a2de979",
    ///   "start_time":1,"end_time":2,"parent_id":"00000000000000f\u0066"}"#;
    /// let mut v = xseg::Validator::default();
    /// let seg = v.parse(doc).unwrap().segment().unwrap();
    /// assert_eq!(seg.id_number(), Some(0x70de_5b6f_19ff_9a0a));
    /// assert_eq!(seg.parent_id_number(), Some(0xff));
    /// assert_eq!(seg.trace_id_number(), Some(0x6800_0000_a006_6491_27e3_7190_3a2d_e979));
    /// ```
    pub fn id_number(&self) -> Option<u64> {
        self.hex_id(Field::Id)
    }

    /// `parent_id` as a number, when it is 16 hex digits (either case, escapes decoded).
    pub fn parent_id_number(&self) -> Option<u64> {
        self.hex_id(Field::ParentId)
    }

    /// `trace_id` as one number: the 8 hex digits of the epoch, then the 24 of the random
    /// part (so `1-6800000A-…` and `1-6800000a-…` give the same number).
    pub fn trace_id_number(&self) -> Option<u128> {
        trace_id::number(self.trace_id_str()?)
    }

    /// Whether `type` is `"subsegment"`: a standalone subsegment.
    pub fn is_standalone_subsegment(&self) -> bool {
        self.entity_type().is_some_and(|k| k.eq_str("subsegment"))
    }

    /// `parent_id`.
    pub fn parent_id(&self) -> Option<JsonStr<'a>> {
        self.string(Field::ParentId)
    }

    /// `type` (`"subsegment"` for a standalone subsegment).
    pub fn entity_type(&self) -> Option<JsonStr<'a>> {
        self.string(Field::Type)
    }

    /// `start_time`, Unix seconds.
    pub fn start_time(&self) -> Option<f64> {
        self.number(Field::StartTime)
    }

    /// `end_time`, Unix seconds; `None` for an in-progress entity that has none.
    pub fn end_time(&self) -> Option<f64> {
        self.number(Field::EndTime)
    }

    /// Whether `in_progress` is `true`.
    pub fn in_progress(&self) -> bool {
        self.fields()
            .get(Field::InProgress)
            .is_some_and(|v| v.kind == ValueKind::True)
    }

    /// `namespace` (`aws`, `remote`, `local`).
    pub fn namespace(&self) -> Option<JsonStr<'a>> {
        self.string(Field::Namespace)
    }

    /// Absolute byte range of the entity object, braces included.
    pub fn range(&self) -> Range<usize> {
        self.base + self.fields().start as usize..self.base + self.fields().end as usize
    }

    /// Absolute byte range of the value of a top-level member of this entity, for any
    /// documented field (`"id"`, `"http"`, `"metadata"`, ...). `None` when absent or
    /// undocumented.
    pub fn value_range(&self, key: &str) -> Option<Range<usize>> {
        let f = Field::of(JsonStr::new(key, false))?;
        let v = self.fields().get_raw(f)?;
        Some(self.base + v.start as usize..self.base + v.end as usize)
    }

    /// The raw JSON text of a documented member's value (e.g. `"http"`), borrowed.
    pub fn raw_value(&self, key: &str) -> Option<&'a str> {
        let f = Field::of(JsonStr::new(key, false))?;
        let v = self.fields().get_raw(f)?;
        self.text.get(v.start as usize..v.end as usize)
    }

    /// The embedded subsegments (the elements of `subsegments`), in document order. Each
    /// item is the same view; nothing is read from the text to find them.
    pub fn subsegments(&self) -> Subsegments<'a> {
        Subsegments {
            text: self.text,
            base: self.base,
            rest: self.below,
            notes: self.notes,
        }
    }

    /// Every embedded subsegment at every depth: the children, their children and so on,
    /// depth first, in document order of their opening braces.
    ///
    /// ```
    /// let doc = br#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979",
    ///   "start_time":1,"end_time":2,"subsegments":[
    ///     {"name":"a","id":"0000000000000001","start_time":1,"end_time":2,
    ///      "subsegments":[{"name":"b","id":"0000000000000002","start_time":1,"end_time":2}]},
    ///     {"name":"c","id":"0000000000000003","start_time":1,"end_time":2}]}"#;
    /// let mut v = xseg::Validator::default();
    /// let seg = v.parse(doc).unwrap().segment().unwrap();
    /// let names: Vec<_> = seg.descendants().filter_map(|s| s.name()).map(|n| n.raw()).collect();
    /// assert_eq!(names, ["a", "b", "c"]);
    /// assert_eq!(seg.subsegments().count(), 2);
    /// ```
    pub fn descendants(&self) -> Descendants<'a> {
        Descendants {
            text: self.text,
            base: self.base,
            rest: self.below,
            notes: self.notes,
        }
    }

    /// The members of this entity's `annotations` object, in document order, repeats
    /// included (empty when it has none, or `annotations` is `null`).
    ///
    /// ```
    /// let doc = br#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979",
    ///   "start_time":1,"end_time":2,"annotations":{"user":"u1","n1":2,"obj":{}}}"#;
    /// let mut v = xseg::Validator::default();
    /// let seg = v.parse(doc).unwrap().segment().unwrap();
    /// let keys: Vec<_> = seg.annotation_keys().map(|k| k.decode().into_owned()).collect();
    /// assert_eq!(keys, ["user", "n1", "obj"]);
    /// let scalar: Vec<_> = seg.annotations().map(|a| a.is_scalar()).collect();
    /// assert_eq!(scalar, [true, true, false]);
    /// assert!(seg.annotations().all(|a| a.key_is_valid()));
    /// ```
    pub fn annotations(&self) -> Annotations<'a> {
        let (from, to) = self.rec.annotations;
        Annotations {
            text: self.text,
            base: self.base,
            notes: self
                .notes
                .get(from as usize..to as usize)
                .unwrap_or(&[])
                .iter(),
        }
    }

    /// The [`Annotation::key_hash`]es of this entity's annotations that the service indexes
    /// (a valid key with a string, number or boolean value), in document order, repeats
    /// included. Whether a key is valid was found by the validator's pass.
    ///
    /// ```
    /// let doc = br#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979",
    ///   "start_time":1,"end_time":2,"annotations":{"user":"u1","bad key":2,"obj":{},"n":1}}"#;
    /// let mut v = xseg::Validator::default();
    /// let seg = v.parse(doc).unwrap().segment().unwrap();
    /// let keys: Vec<u64> = seg.indexed_key_hashes().collect();
    /// assert_eq!(keys, [xseg::annotation_key_hash("user"), xseg::annotation_key_hash("n")]);
    /// ```
    pub fn indexed_key_hashes(&self) -> IndexedKeyHashes<'a> {
        let (from, to) = self.rec.annotations;
        self.key_hashes(from, to)
    }

    /// [`indexed_key_hashes`](Self::indexed_key_hashes) of this entity and of every embedded
    /// subsegment at every depth, in document order.
    ///
    /// ```
    /// let doc = br#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979",
    ///   "start_time":1,"end_time":2,"annotations":{"a":1},
    ///   "subsegments":[{"name":"db","id":"0000000000000001","start_time":1,"end_time":2,"annotations":{"b":2}}]}"#;
    /// let mut v = xseg::Validator::default();
    /// let seg = v.parse(doc).unwrap().segment().unwrap();
    /// let keys: Vec<u64> = seg.indexed_key_hashes_in_subtree().collect();
    /// assert_eq!(keys, [xseg::annotation_key_hash("a"), xseg::annotation_key_hash("b")]);
    /// ```
    pub fn indexed_key_hashes_in_subtree(&self) -> IndexedKeyHashes<'a> {
        // The members of a subtree are one run of the document-ordered list: they all lie
        // between the entity's braces, and every entity there is one of its descendants.
        let (mut lo, mut hi) = (u32::MAX, 0);
        for rec in core::iter::once(self.rec).chain(self.below) {
            let (from, to) = rec.annotations;
            if from < to {
                lo = lo.min(from);
                hi = hi.max(to);
            }
        }
        self.key_hashes(lo, hi)
    }

    /// The indexed key hashes of the annotation members `from..to` of the document.
    fn key_hashes(&self, from: u32, to: u32) -> IndexedKeyHashes<'a> {
        IndexedKeyHashes {
            text: self.text,
            notes: self
                .notes
                .get(from as usize..to as usize)
                .unwrap_or(&[])
                .iter(),
        }
    }

    /// The keys of this entity's annotations, in document order, repeats included.
    pub fn annotation_keys(&self) -> AnnotationKeys<'a> {
        AnnotationKeys {
            inner: self.annotations(),
        }
    }
}

/// The embedded subsegments of a [`Segment`], in document order; each item is the same view.
#[derive(Clone, Debug)]
pub struct Subsegments<'a> {
    text: &'a str,
    base: usize,
    /// The records of the subtrees not yet visited.
    rest: &'a [EntityRecord],
    notes: &'a [AnnotationRecord],
}

impl<'a> Iterator for Subsegments<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        let (rec, tail) = self.rest.split_first()?;
        let seg = Segment::at(self.text, self.base, rec, tail, self.notes);
        // hop over the child's own subtree
        self.rest = tail.get(seg.below.len()..).unwrap_or(&[]);
        Some(seg)
    }
}

/// Every embedded subsegment of a [`Segment`] at every depth, depth first
/// ([`Segment::descendants`]).
#[derive(Clone, Debug)]
pub struct Descendants<'a> {
    text: &'a str,
    base: usize,
    rest: &'a [EntityRecord],
    notes: &'a [AnnotationRecord],
}

impl<'a> Iterator for Descendants<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        let (rec, tail) = self.rest.split_first()?;
        self.rest = tail;
        Some(Segment::at(self.text, self.base, rec, tail, self.notes))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.rest.len(), Some(self.rest.len()))
    }
}

impl ExactSizeIterator for Descendants<'_> {}

/// One member of an entity's `annotations` object ([`Segment::annotations`]).
#[derive(Clone, Copy, Debug)]
pub struct Annotation<'a> {
    key: JsonStr<'a>,
    valid_key: bool,
    value: ValueSpan,
    text: &'a str,
    base: usize,
}

impl<'a> Annotation<'a> {
    /// The key, as written (decode it for the unescaped text).
    pub fn key(&self) -> JsonStr<'a> {
        self.key
    }

    /// Whether the key is one the service keeps: 1 to 500 characters from `[A-Za-z0-9_.]`
    /// after unescaping (RULES.md §5; the validator warns `InvalidAnnotationKey` otherwise).
    /// Found by the validator's pass: no cost here.
    pub fn key_is_valid(&self) -> bool {
        self.valid_key
    }

    /// [`annotation_key_hash`](crate::annotation_key_hash) of the unescaped key.
    ///
    /// ```
    /// let doc = br#"{"name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979",
    ///   "start_time":1,"end_time":2,"annotations":{"u\u0073er":"u1"}}"#;
    /// let mut v = xseg::Validator::default();
    /// let seg = v.parse(doc).unwrap().segment().unwrap();
    /// let note = seg.annotations().next().unwrap();
    /// assert_eq!(note.key_hash(), xseg::annotation_key_hash("user"));
    /// ```
    pub fn key_hash(&self) -> u64 {
        hash::key_hash(self.key)
    }

    /// Whether the value is a string, a number or a boolean (not `null`, an object or an
    /// array): the values the service can index.
    pub fn is_scalar(&self) -> bool {
        self.value.is_scalar()
    }

    /// The value as a string, if it is one.
    pub fn value_str(&self) -> Option<JsonStr<'a>> {
        self.value.is_str().then(|| self.value.str_in(self.text))
    }

    /// The raw JSON text of the value.
    pub fn raw_value(&self) -> &'a str {
        self.value.raw_in(self.text)
    }

    /// Absolute byte range of the value.
    pub fn value_range(&self) -> Range<usize> {
        self.base + self.value.start as usize..self.base + self.value.end as usize
    }
}

/// The members of an entity's `annotations` object ([`Segment::annotations`]).
#[derive(Clone, Debug)]
pub struct Annotations<'a> {
    text: &'a str,
    base: usize,
    notes: core::slice::Iter<'a, AnnotationRecord>,
}

impl<'a> Iterator for Annotations<'a> {
    type Item = Annotation<'a>;

    fn next(&mut self) -> Option<Annotation<'a>> {
        let n = self.notes.next()?;
        let start = n.key_start as usize;
        let raw = self
            .text
            .get(start..start + n.key_len as usize)
            .unwrap_or("");
        Some(Annotation {
            key: JsonStr::new(raw, n.key_escaped),
            valid_key: n.valid_key,
            value: n.value,
            text: self.text,
            base: self.base,
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.notes.size_hint()
    }
}

impl ExactSizeIterator for Annotations<'_> {}

/// The hashes of an entity's indexed annotation keys ([`Segment::indexed_key_hashes`]).
#[derive(Clone, Debug)]
pub struct IndexedKeyHashes<'a> {
    text: &'a str,
    notes: core::slice::Iter<'a, AnnotationRecord>,
}

impl Iterator for IndexedKeyHashes<'_> {
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        let n = self.notes.find(|n| n.valid_key && n.value.is_scalar())?;
        let start = n.key_start as usize;
        let raw = self
            .text
            .get(start..start + n.key_len as usize)
            .unwrap_or("");
        Some(hash::key_hash(JsonStr::new(raw, n.key_escaped)))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (0, self.notes.size_hint().1)
    }
}

/// The keys of an entity's annotations ([`Segment::annotation_keys`]).
#[derive(Clone, Debug)]
pub struct AnnotationKeys<'a> {
    inner: Annotations<'a>,
}

impl<'a> Iterator for AnnotationKeys<'a> {
    type Item = JsonStr<'a>;

    fn next(&mut self) -> Option<JsonStr<'a>> {
        self.inner.next().map(|a| a.key)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

impl ExactSizeIterator for AnnotationKeys<'_> {}
