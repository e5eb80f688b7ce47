//! The borrowed view of a validated document: [`Segment`] and its lazy [`Subsegments`].
//!
//! The scanner records where each documented field's value sits ([`Val`]); the view reads the
//! values out of the input on demand, so building it copies nothing.

use core::ops::Range;

use crate::json::{self, JsonStr};
use crate::rules::{times, trace_id};

pub use crate::rules::trace_id::TraceId;

/// What kind of JSON value a [`Val`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum VKind {
    Str,
    StrEsc,
    Num,
    True,
    False,
    Null,
    Obj,
    Arr,
}

/// Where a value sits in the document (local offsets, `end` exclusive) and what it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) struct Val {
    pub start: u32,
    pub end: u32,
    pub kind: VKind,
}

impl Val {
    #[inline(always)]
    pub(crate) fn is_str(self) -> bool {
        matches!(self.kind, VKind::Str | VKind::StrEsc)
    }

    #[inline(always)]
    pub(crate) fn is_bool(self) -> bool {
        matches!(self.kind, VKind::True | VKind::False)
    }
}

macro_rules! fields {
    ($($name:ident => $key:literal,)*) => {
        /// The documented entity fields the scanner records.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        #[repr(u8)]
        pub(crate) enum Field { $($name,)* }

        const FIELD_COUNT: usize = [$(Field::$name,)*].len();

        impl Field {
            /// The field a key names, after unescaping; `None` for undocumented keys.
            #[inline]
            pub(crate) fn of(key: JsonStr<'_>) -> Option<Field> {
                if key.has_escapes() {
                    let buf = key.decode_small::<16>()?;
                    Self::of_bytes(&buf)
                } else {
                    Self::of_bytes(key.raw().as_bytes())
                }
            }

            /// The key that names this field.
            pub(crate) const fn key(self) -> &'static [u8] {
                match self { $(Field::$name => $key,)* }
            }

            /// Every field.
            pub(crate) const ALL: [Field; FIELD_COUNT] = [$(Field::$name,)*];
        }
    };
}

fields! {
    Id => b"id",
    Name => b"name",
    TraceId => b"trace_id",
    StartTime => b"start_time",
    EndTime => b"end_time",
    InProgress => b"in_progress",
    ParentId => b"parent_id",
    Type => b"type",
    Error => b"error",
    Fault => b"fault",
    Throttle => b"throttle",
    User => b"user",
    Origin => b"origin",
    ResourceArn => b"resource_arn",
    Namespace => b"namespace",
    Http => b"http",
    Aws => b"aws",
    Service => b"service",
    Sql => b"sql",
    Cause => b"cause",
    Annotations => b"annotations",
    Metadata => b"metadata",
    Subsegments => b"subsegments",
    PrecursorIds => b"precursor_ids",
}

impl Field {
    /// Length and first two bytes pick the only candidate; one comparison confirms it.
    #[inline]
    fn of_bytes(b: &[u8]) -> Option<Field> {
        let f = match (b.len(), b.first()?, b.get(1).copied().unwrap_or(0)) {
            (2, b'i', _) => Field::Id,
            (3, b'a', _) => Field::Aws,
            (3, b's', _) => Field::Sql,
            (4, b'n', _) => Field::Name,
            (4, b't', _) => Field::Type,
            (4, b'u', _) => Field::User,
            (4, b'h', _) => Field::Http,
            (5, b'e', _) => Field::Error,
            (5, b'f', _) => Field::Fault,
            (5, b'c', _) => Field::Cause,
            (6, b'o', _) => Field::Origin,
            (7, b's', _) => Field::Service,
            (8, b't', b'r') => Field::TraceId,
            (8, b't', b'h') => Field::Throttle,
            (8, b'e', _) => Field::EndTime,
            (8, b'm', _) => Field::Metadata,
            (9, b'p', _) => Field::ParentId,
            (9, b'n', _) => Field::Namespace,
            (10, b's', _) => Field::StartTime,
            (11, b'i', _) => Field::InProgress,
            (11, b'a', _) => Field::Annotations,
            (11, b's', _) => Field::Subsegments,
            (12, b'r', _) => Field::ResourceArn,
            (13, b'p', _) => Field::PrecursorIds,
            _ => return None,
        };
        (b == f.key()).then_some(f)
    }
}

/// Where a key's fingerprint points in [`FIELD_SLOTS`].
#[inline(always)]
const fn slot(fingerprint: u64) -> usize {
    ((fingerprint >> 25) & 63) as usize
}

/// The documented fields by the slot of their key's fingerprint: a key is looked up with one
/// load and one comparison, without a jump table on its bytes.
// Built at compile time: an index out of range, or two fields in one slot, fails the build.
#[allow(clippy::indexing_slicing)]
static FIELD_SLOTS: [Option<Field>; 64] = {
    let mut t: [Option<Field>; 64] = [None; 64];
    let mut i = 0;
    while i < FIELD_COUNT {
        let f = Field::ALL[i];
        let s = slot(json::const_fingerprint(f.key()));
        assert!(
            t[s].is_none(),
            "two documented keys share a fingerprint slot"
        );
        t[s] = Some(f);
        i += 1;
    }
    t
};

impl Field {
    /// The field a key names, given the key's fingerprint (`json::key_fingerprint`).
    #[inline(always)]
    pub(crate) fn of_fingerprint(key: JsonStr<'_>, fingerprint: u64) -> Option<Field> {
        let f = FIELD_SLOTS.get(slot(fingerprint)).copied().flatten()?;
        let k = f.key();
        let same = if key.has_escapes() {
            key.chars()
                .map(|c| c as u32)
                .eq(k.iter().map(|&b| u32::from(b)))
        } else {
            key.raw().as_bytes() == k
        };
        same.then_some(f)
    }
}

/// The first occurrence of each documented field of one entity object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(crate) struct Fields {
    /// Local offset of the entity's `{`.
    pub start: u32,
    /// Local offset just after the entity's `}`.
    pub end: u32,
    vals: [Option<Val>; FIELD_COUNT],
}

impl Fields {
    /// The value recorded for `f`, `null` included.
    #[inline(always)]
    pub(crate) fn get_raw(&self, f: Field) -> Option<Val> {
        self.vals.get(f as usize).copied().flatten()
    }

    /// The value of `f`, with `null` read as absent (RULES.md §3).
    #[inline(always)]
    pub(crate) fn get(&self, f: Field) -> Option<Val> {
        self.get_raw(f).filter(|v| v.kind != VKind::Null)
    }

    #[inline(always)]
    pub(crate) fn set(&mut self, f: Field, v: Val) {
        if let Some(slot) = self.vals.get_mut(f as usize) {
            *slot = Some(v);
        }
    }

    /// Reads the members of the already validated object at local offset `start`.
    pub(crate) fn collect(text: &str, start: usize) -> Fields {
        let mut f = Fields {
            start: start as u32,
            ..Fields::default()
        };
        let mut members = json::Members::new(text.as_bytes(), start);
        for (k, v) in &mut members {
            let key = JsonStr::new(text.get(k.start..k.end).unwrap_or(""), k.escaped);
            if let Some(field) = Field::of(key) {
                if f.get_raw(field).is_none() {
                    f.set(field, v);
                }
            }
        }
        f.end = members.end() as u32;
        f
    }
}

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
    fields: Fields,
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_found_by_its_key_and_only_by_it() {
        for f in Field::ALL {
            assert_eq!(Field::of_bytes(f.key()), Some(f));
            let k = std::str::from_utf8(f.key()).unwrap();
            assert_eq!(Field::of(JsonStr::new(k, false)), Some(f));
            let mut near = f.key().to_vec();
            if let Some(last) = near.last_mut() {
                *last ^= 1;
            }
            assert_eq!(Field::of_bytes(&near), None, "{k}");
            assert_eq!(Field::of_bytes(&f.key()[1..]), None, "{k}");
        }
        assert_eq!(
            Field::of(JsonStr::new(r"n\u0061me", true)),
            Some(Field::Name)
        );
        assert_eq!(Field::of(JsonStr::new("Name", false)), None);
        for f in Field::ALL {
            let k = std::str::from_utf8(f.key()).unwrap();
            let fp = json::key_fingerprint(JsonStr::new(k, false));
            assert_eq!(fp, json::const_fingerprint(f.key()));
            assert_eq!(Field::of_fingerprint(JsonStr::new(k, false), fp), Some(f));
            let upper = k.to_uppercase();
            let fp = json::key_fingerprint(JsonStr::new(&upper, false));
            assert_eq!(Field::of_fingerprint(JsonStr::new(&upper, false), fp), None);
        }
        let escaped = JsonStr::new(r"n\u0061me", true);
        let fp = json::key_fingerprint(escaped);
        assert_eq!(Field::of_fingerprint(escaped, fp), Some(Field::Name));
        assert_eq!(Field::of(JsonStr::new("", false)), None);
    }
}

impl<'a> Segment<'a> {
    pub(crate) fn new(text: &'a str, base: usize, fields: Fields) -> Self {
        Segment { text, base, fields }
    }

    fn string(&self, f: Field) -> Option<JsonStr<'a>> {
        let v = self.fields.get(f).filter(|v| v.is_str())?;
        let raw = self
            .text
            .get(v.start as usize + 1..(v.end as usize).saturating_sub(1))?;
        Some(JsonStr::new(raw, v.kind == VKind::StrEsc))
    }

    fn number(&self, f: Field) -> Option<f64> {
        let v = self.fields.get(f).filter(|v| v.kind == VKind::Num)?;
        times::to_f64(self.text.get(v.start as usize..v.end as usize)?)
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
        self.fields
            .get(Field::InProgress)
            .is_some_and(|v| v.kind == VKind::True)
    }

    /// `namespace` (`aws`, `remote`, `local`).
    pub fn namespace(&self) -> Option<JsonStr<'a>> {
        self.string(Field::Namespace)
    }

    /// Absolute byte range of the entity object, braces included.
    pub fn range(&self) -> Range<usize> {
        self.base + self.fields.start as usize..self.base + self.fields.end as usize
    }

    /// Absolute byte range of the value of a top-level member of this entity, for any
    /// documented field (`"id"`, `"http"`, `"metadata"`, ...). `None` when absent or
    /// undocumented.
    pub fn value_range(&self, key: &str) -> Option<Range<usize>> {
        let f = Field::of(JsonStr::new(key, false))?;
        let v = self.fields.get_raw(f)?;
        Some(self.base + v.start as usize..self.base + v.end as usize)
    }

    /// The raw JSON text of a documented member's value (e.g. `"http"`), borrowed.
    pub fn raw_value(&self, key: &str) -> Option<&'a str> {
        let f = Field::of(JsonStr::new(key, false))?;
        let v = self.fields.get_raw(f)?;
        self.text.get(v.start as usize..v.end as usize)
    }

    /// The embedded subsegments, lazily, in document order.
    pub fn subsegments(&self) -> Subsegments<'a> {
        let pos = match self.fields.get(Field::Subsegments) {
            Some(v) if v.kind == VKind::Arr => Some(v.start as usize),
            _ => None,
        };
        Subsegments {
            text: self.text,
            base: self.base,
            elems: pos.map(|p| json::Elements::new(self.text.as_bytes(), p)),
        }
    }
}

/// Lazy iterator over the embedded subsegments of a [`Segment`]; each item is the same view.
#[derive(Clone, Debug)]
pub struct Subsegments<'a> {
    text: &'a str,
    base: usize,
    elems: Option<json::Elements<'a>>,
}

impl<'a> Iterator for Subsegments<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        let elems = self.elems.as_mut()?;
        let v = elems.next()?;
        Some(Segment::new(
            self.text,
            self.base,
            Fields::collect(self.text, v.start as usize),
        ))
    }
}
