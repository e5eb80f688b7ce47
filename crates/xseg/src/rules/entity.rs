//! Entity objects: the top-level document and each embedded subsegment. Their members are read
//! into [`Fields`] as they come; checks a–h run, in the order of RULES.md §3 step 5, when the
//! object closes, so an entity's own checks precede its children's whatever the key order.

use super::fields::{Field, Fields};
use super::members;
use super::table::EntityRecord;
use super::{annotations, cause, http, ids, metadata, name, sql, times, trace_id, Checker, R};
use crate::error::{Entity, Error, ErrorKind};
use crate::json::keys::min_opt;
use crate::json::{kind_at, ValueKind, ValueSpan};
use crate::limits;
use crate::warning::Warnings;

/// A finding recorded while reading: kind and local offset.
type Finding = (ErrorKind, u32);

/// What the reader keeps about one entity object until it closes.
#[derive(Default)]
pub(crate) struct EntityState {
    /// The first value of each documented field.
    pub fields: Fields,
    /// Where the entity object's own repeated key is (step a).
    dup: Option<u32>,
    /// The first step-h finding in document order.
    h: Option<Finding>,
    /// The first error of an embedded subsegment.
    child: Option<Error>,
    /// The range of its annotation members in the entity table (when recording).
    pub ann: (u32, u32),
    /// Its slot in the gathered embedded ids (when gathering trace keys).
    id_slot: u32,
    /// Which of the daemon header's keys the document object holds, byte for byte
    /// ([`HEADER_FORMAT`], [`HEADER_VERSION`]; the top-level entity only).
    pub header_keys: u8,
}

/// The document object has a `"format"` key, byte for byte.
pub(crate) const HEADER_FORMAT: u8 = 1;
/// The document object has a `"version"` key, byte for byte.
pub(crate) const HEADER_VERSION: u8 = 2;

/// Which daemon header key `raw` (a key as written) is, if any.
#[inline]
fn header_key(raw: &str) -> u8 {
    match raw.as_bytes() {
        b"format" => HEADER_FORMAT,
        b"version" => HEADER_VERSION,
        _ => 0,
    }
}

impl EntityState {
    /// Records a step-h finding.
    #[inline]
    pub(crate) fn h(&mut self, kind: ErrorKind, at: usize) {
        // D11: the finding first in document order wins, whatever order it was found in.
        match self.h {
            Some((_, o)) if o as usize <= at => {}
            _ => self.h = Some((kind, at as u32)),
        }
    }
}

/// The first failing step of an entity, in check order.
struct Steps {
    first: Option<(ErrorKind, usize)>,
    strict: bool,
}

impl Steps {
    #[inline]
    fn fail(&mut self, kind: ErrorKind, at: usize) {
        if self.first.is_none() {
            self.first = Some((kind, at));
        }
    }

    #[inline]
    fn lint(&mut self, w: &mut Warnings, base: usize, kind: ErrorKind, at: usize) {
        w.push(kind, base + at);
        if self.strict {
            self.fail(kind, at);
        }
    }
}

/// The number whose literal is `v` in `text`.
fn num(text: &str, v: ValueSpan) -> Option<f64> {
    times::to_f64(v.raw_in(text))
}

impl Checker<'_, '_> {
    /// Whether the entity is a standalone subsegment (`"type": "subsegment"`).
    pub(crate) fn is_standalone(&self, f: &Fields) -> bool {
        match f.get(Field::Type) {
            Some(v) if v.is_str() => v.str_in(self.text()).eq_str("subsegment"),
            _ => false,
        }
    }

    /// Reads an entity object at `start` (its `{`) at nesting depth `depth` into `st` (fresh,
    /// from the caller's frame: the state is a few hundred bytes and is not moved).
    pub(crate) fn entity(
        &mut self,
        st: &mut EntityState,
        start: usize,
        depth: usize,
        top: bool,
    ) -> R<usize> {
        let mut it = self.r.obj_begin(start, depth)?;
        st.fields.start = start as u32;
        let slot = if self.table.record {
            self.table.entities.push(EntityRecord::EMPTY);
            Some(self.table.entities.len() - 1)
        } else {
            None
        };
        if self.table.gather && !top {
            st.id_slot = self.table.id_slot();
        }
        // Repeated keys: a documented key repeats when its field is already recorded, so only
        // the other keys go to the reader's filter, which then rarely has to walk the entity
        // (with its subsegments) a second time.
        while let Some((key, vpos)) = self.r.obj_key_untracked(&mut it)? {
            let fingerprint = self.r.last_key_fingerprint();
            it.pos = match Field::of_fingerprint(key, fingerprint) {
                Some(f) => {
                    if st.fields.get_raw(f).is_some() {
                        self.r.repeat_at(&mut it, vpos);
                    }
                    self.entity_field(st, f, vpos, depth + 1, top)?
                }
                None => {
                    if top {
                        st.header_keys |= header_key(key.raw());
                    }
                    self.r.track_key(&mut it);
                    self.r.value(vpos, depth + 1)?
                }
            };
        }
        let (end, dup) = self.r.obj_close(it);
        if self.strict() {
            let f = &mut self.r.sink;
            f.dup_anywhere = min_opt(f.dup_anywhere, dup);
        } else {
            st.dup = dup;
        }
        st.fields.end = end as u32;
        if let Some(slot) = slot {
            let descendants = self.table.entities.len() - slot - 1;
            if let Some(rec) = self.table.entities.get_mut(slot) {
                *rec = EntityRecord {
                    fields: st.fields,
                    descendants: descendants as u32,
                    annotations: st.ann,
                };
            }
        }
        Ok(end)
    }

    fn entity_field(
        &mut self,
        st: &mut EntityState,
        f: Field,
        pos: usize,
        depth: usize,
        _top: bool,
    ) -> R<usize> {
        let end = match f {
            Field::Subsegments => self.subsegments(st, pos, depth)?,
            Field::Http => members::object::<http::Http>(self, st, pos, depth)?,
            Field::Cause => cause::cause(self, st, pos, depth)?,
            Field::Annotations => annotations::annotations(self, st, pos, depth)?,
            Field::Metadata => metadata::metadata(self, st, pos, depth)?,
            Field::Sql => members::object::<sql::Sql>(self, st, pos, depth)?,
            Field::PrecursorIds => ids::precursor_ids(self, st, pos, depth)?,
            _ => {
                let v = self.r.value_span(pos, depth)?;
                self.scalar_field(st, f, v);
                v.end as usize
            }
        };
        if st.fields.get_raw(f).is_none() {
            st.fields.set(
                f,
                ValueSpan {
                    start: pos as u32,
                    end: end as u32,
                    kind: kind_at(self.text().as_bytes(), pos),
                },
            );
        }
        Ok(end)
    }

    /// Type and lint checks of the simple fields (step h); the identity fields (steps b–g)
    /// are only recorded here and checked when the entity closes.
    fn scalar_field(&mut self, st: &mut EntityState, f: Field, v: ValueSpan) {
        let at = v.start as usize;
        if st.fields.get_raw(f).is_none() {
            st.fields.set(f, v);
        }
        if v.kind == ValueKind::Null {
            return;
        }
        match f {
            Field::InProgress | Field::Error | Field::Fault | Field::Throttle if !v.is_bool() => {
                st.h(ErrorKind::ExpectedBoolean, at);
            }
            Field::Type => {
                if !v.is_str() {
                    st.h(ErrorKind::ExpectedString, at);
                } else if !v.str_in(self.text()).eq_str("subsegment") {
                    self.lint(st, ErrorKind::UnknownType, at);
                }
            }
            Field::Namespace => {
                if !v.is_str() {
                    st.h(ErrorKind::ExpectedString, at);
                } else {
                    let s = v.str_in(self.text());
                    if !(s.eq_str("aws") || s.eq_str("remote") || s.eq_str("local")) {
                        self.lint(st, ErrorKind::UnknownNamespace, at);
                    }
                }
            }
            Field::User => {
                if !v.is_str() {
                    st.h(ErrorKind::ExpectedString, at);
                } else if v
                    .str_in(self.text())
                    .more_chars_than(limits::MAX_USER_CHARS)
                {
                    self.lint(st, ErrorKind::LongUser, at);
                }
            }
            Field::Origin | Field::ResourceArn if !v.is_str() => {
                st.h(ErrorKind::ExpectedString, at);
            }
            Field::Aws | Field::Service if v.kind != ValueKind::Obj => {
                st.h(ErrorKind::ExpectedObject, at);
            }
            _ => {}
        }
    }

    /// Runs checks a–h of a closed entity; returns its first error (or its first child's).
    pub(crate) fn finish_entity(
        &mut self,
        st: &EntityState,
        top: bool,
        standalone: bool,
    ) -> (Option<Error>, Entity) {
        let form = if top && !standalone {
            Entity::Segment
        } else {
            Entity::Subsegment
        };
        let mut steps = Steps {
            first: None,
            strict: self.strict(),
        };
        let text = self.text();
        let window = self.window;
        let w = &mut *self.r.sink.warnings;
        let base = self.r.sink.base;
        let fields = &st.fields;
        let obj = fields.start as usize;
        // a. repeated key in the entity object
        if let Some(d) = st.dup {
            steps.fail(ErrorKind::DuplicateKey, d as usize);
        }
        // b. id
        match fields.get(Field::Id) {
            None => steps.fail(ErrorKind::MissingId, obj),
            Some(v) if v.is_str() => match ids::hex16(v.str_in(text)) {
                None => steps.fail(ErrorKind::InvalidId, v.start as usize),
                Some(h) => {
                    if self.table.gather {
                        self.table.gather_id(top, st.id_slot, h.value);
                    }
                    if h.upper {
                        steps.lint(w, base, ErrorKind::UppercaseId, v.start as usize);
                    }
                    if h.zero {
                        steps.lint(w, base, ErrorKind::ZeroId, v.start as usize);
                    }
                }
            },
            Some(v) => steps.fail(ErrorKind::InvalidId, v.start as usize),
        }
        // c. name
        match fields.get(Field::Name) {
            None => steps.fail(ErrorKind::MissingName, obj),
            Some(v) if v.is_str() => match name::check(v.str_in(text)) {
                Err(k) => steps.fail(k, v.start as usize),
                Ok(true) => steps.lint(w, base, ErrorKind::BlankName, v.start as usize),
                Ok(false) => {}
            },
            Some(v) => steps.fail(ErrorKind::NameNotString, v.start as usize),
        }
        // d. trace_id
        match fields.get(Field::TraceId) {
            None => {
                if top {
                    steps.fail(ErrorKind::MissingTraceId, obj);
                }
            }
            Some(v) if v.is_str() => match trace_id::check(v.str_in(text)) {
                None => steps.fail(ErrorKind::InvalidTraceId, v.start as usize),
                Some(t) => {
                    if top && self.table.gather {
                        self.table.gather_trace_id(t.number);
                    }
                    if let Some(win) = window {
                        let e = u64::from(t.epoch);
                        if win.now.saturating_sub(e) > win.max_age
                            || e.saturating_sub(win.now) > win.max_future_skew
                        {
                            steps.fail(ErrorKind::TraceIdOutsideWindow, v.start as usize);
                        }
                    }
                    if t.upper {
                        steps.lint(w, base, ErrorKind::UppercaseTraceId, v.start as usize);
                    }
                    if t.zero {
                        steps.lint(w, base, ErrorKind::ZeroTraceId, v.start as usize);
                    }
                }
            },
            Some(v) => steps.fail(ErrorKind::InvalidTraceId, v.start as usize),
        }
        // e. start_time
        let start = match fields.get(Field::StartTime) {
            None => {
                steps.fail(ErrorKind::MissingStartTime, obj);
                None
            }
            Some(v) if v.kind == ValueKind::Num => {
                match num(text, v).filter(|&t| times::valid_time(t)) {
                    None => {
                        steps.fail(ErrorKind::InvalidStartTime, v.start as usize);
                        None
                    }
                    t => t,
                }
            }
            Some(v) => {
                steps.fail(ErrorKind::InvalidStartTime, v.start as usize);
                None
            }
        };
        // f. end_time / in_progress
        let in_progress = fields
            .get(Field::InProgress)
            .is_some_and(|v| v.kind == ValueKind::True);
        match fields.get(Field::EndTime) {
            None => {
                if !in_progress {
                    steps.fail(ErrorKind::MissingEndTime, obj);
                }
            }
            Some(v) if v.kind == ValueKind::Num => match num(text, v) {
                Some(e) if times::valid_time(e) => {
                    if start.is_some_and(|s| e < s) {
                        steps.lint(w, base, ErrorKind::EndBeforeStart, v.start as usize);
                    }
                }
                _ => steps.fail(ErrorKind::InvalidEndTime, v.start as usize),
            },
            Some(v) => steps.fail(ErrorKind::InvalidEndTime, v.start as usize),
        }
        // g. parent_id
        match fields.get(Field::ParentId) {
            None => {
                if standalone {
                    steps.fail(ErrorKind::MissingParentId, obj);
                }
            }
            Some(v) if v.is_str() => match ids::hex16(v.str_in(text)) {
                None => steps.fail(ErrorKind::InvalidParentId, v.start as usize),
                Some(h) => {
                    if top && self.table.gather {
                        self.table.gather_parent_id(h.value);
                    }
                    if h.upper {
                        steps.lint(w, base, ErrorKind::UppercaseParentId, v.start as usize);
                    }
                    if h.zero {
                        steps.lint(w, base, ErrorKind::ZeroParentId, v.start as usize);
                    }
                }
            },
            Some(v) => steps.fail(ErrorKind::InvalidParentId, v.start as usize),
        }
        // h. everything else, first in document order
        if let Some((k, at)) = st.h {
            steps.fail(k, at as usize);
        }
        if top && self.table.gather {
            let in_progress = fields
                .get(Field::InProgress)
                .is_some_and(|v| v.kind == ValueKind::True);
            self.table.gather_kind(standalone, in_progress);
        }
        let own = steps.first.map(|(k, at)| Error::new(k, base + at, form));
        (own.or(st.child), form)
    }

    /// `subsegments`: an array (or `null`) of entity objects, each checked a–h when it
    /// closes; the first child error is kept.
    pub(crate) fn subsegments(
        &mut self,
        st: &mut EntityState,
        pos: usize,
        depth: usize,
    ) -> R<usize> {
        match self.r.at(pos) {
            Some(b'[') => {}
            Some(b'n') => return self.r.scalar(pos),
            _ => {
                st.h(ErrorKind::ExpectedArray, pos);
                return self.r.value(pos, depth);
            }
        }
        let mut it = self.r.arr_begin(pos, depth)?;
        while let Some(e) = self.r.arr_next(&mut it)? {
            it.pos = if self.r.at(e) == Some(b'{') {
                let mut child = EntityState::default();
                let end = self.entity(&mut child, e, depth + 1, false)?;
                let (err, _) = self.finish_entity(&child, false, false);
                if st.child.is_none() {
                    st.child = err;
                }
                end
            } else {
                st.h(ErrorKind::ExpectedObject, e);
                self.r.value(e, depth + 1)?
            };
        }
        Ok(it.pos)
    }
}
