//! The borrowed view of a validated document: [`Segment`] and its lazy [`Subsegments`].
//!
//! The reader records where each documented field's value sits; the view reads the values out
//! of the input on demand, so building it copies nothing.

use core::ops::Range;

use crate::json::{self, JsonStr, ValueKind};
use crate::rules::fields::{Field, Fields};
use crate::rules::{times, trace_id};

pub use crate::rules::trace_id::TraceId;

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

impl<'a> Segment<'a> {
    pub(crate) fn new(text: &'a str, base: usize, fields: Fields) -> Self {
        Segment { text, base, fields }
    }

    fn string(&self, f: Field) -> Option<JsonStr<'a>> {
        let v = self.fields.get(f).filter(|v| v.is_str())?;
        Some(v.str_in(self.text))
    }

    fn number(&self, f: Field) -> Option<f64> {
        let v = self.fields.get(f).filter(|v| v.kind == ValueKind::Num)?;
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
            .is_some_and(|v| v.kind == ValueKind::True)
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
            Some(v) if v.kind == ValueKind::Arr => Some(v.start as usize),
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
