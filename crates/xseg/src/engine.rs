//! The validating scanner: one left-to-right pass over a UTF-8-checked document that checks the
//! JSON grammar, the depth limit and repeated keys everywhere, collects the fields of every
//! entity (the top-level object and embedded subsegments) and records the first finding of each
//! check step. Entity checks a–h run when the entity's object closes, so an entity's own checks
//! precede its children's, whatever the key order.

use crate::error::{Entity, Error, ErrorKind};
use crate::json::{self, JsonStr, SynErr};
use crate::limits;
use crate::profile::{Profile, TimeWindow};
use crate::rules::{annotations, ids, name, times, trace_id};
use crate::segment::{Field, Fields, VKind, Val};
use crate::warning::Warnings;

type R<T> = Result<T, SynErr>;

/// One object key, for repeated-key detection.
#[derive(Clone, Copy, Debug)]
pub(crate) struct KeyEntry {
    hash: u64,
    key_start: u32,
    key_end: u32,
    value_start: u32,
    escaped: bool,
}

/// One open container of the generic skipper.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Frame {
    is_object: bool,
    keys_start: u32,
}

/// Reusable buffers; their capacity survives between documents.
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    pub keys: Vec<KeyEntry>,
    pub frames: Vec<Frame>,
}

impl Scratch {
    pub(crate) fn with_capacity() -> Self {
        Scratch {
            keys: Vec::with_capacity(1024),
            frames: Vec::with_capacity(limits::MAX_DEPTH + 2),
        }
    }
}

/// A finding recorded while scanning: kind and local offset.
type Finding = (ErrorKind, u32);

#[derive(Default)]
struct EntityState {
    fields: Fields,
    dup: Option<u32>,
    h: Option<Finding>,
    child: Option<Error>,
}

impl EntityState {
    #[inline]
    fn h(&mut self, kind: ErrorKind, at: usize) {
        // D11: the finding first in document order wins, whatever order it was found in.
        match self.h {
            Some((_, o)) if o as usize <= at => {}
            _ => self.h = Some((kind, at as u32)),
        }
    }
}

/// What the scan found at the top level (built once per document, so its size is no cost).
#[allow(clippy::large_enum_variant)]
pub(crate) enum Top {
    /// The document is an object: its fields and its first rule error, if any.
    Entity {
        fields: Fields,
        error: Option<Error>,
        form: Entity,
    },
    /// The top-level value is not an object; its local offset.
    NotObject(usize),
}

pub(crate) struct Engine<'a, 's> {
    b: &'a [u8],
    text: &'a str,
    base: usize,
    max_depth: usize,
    strict: bool,
    window: Option<TimeWindow>,
    scratch: &'s mut Scratch,
    pub warnings: &'s mut Warnings,
    /// Under `strict`: offset of the first repeated key's second value anywhere.
    pub dup_anywhere: Option<u32>,
    annotations: usize,
}

#[inline(always)]
fn min_opt(a: Option<u32>, b: Option<u32>) -> Option<u32> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

impl<'a, 's> Engine<'a, 's> {
    pub(crate) fn new(
        text: &'a str,
        base: usize,
        max_depth: usize,
        profile: Profile,
        window: Option<TimeWindow>,
        scratch: &'s mut Scratch,
        warnings: &'s mut Warnings,
    ) -> Self {
        scratch.keys.clear();
        scratch.frames.clear();
        Engine {
            b: text.as_bytes(),
            text,
            base,
            max_depth,
            strict: profile == Profile::Strict,
            window,
            scratch,
            warnings,
            dup_anywhere: None,
            annotations: 0,
        }
    }

    #[inline(always)]
    fn at(&self, pos: usize) -> Option<u8> {
        self.b.get(pos).copied()
    }

    #[inline(always)]
    fn ws(&self, pos: usize) -> usize {
        json::ws(self.b, pos)
    }

    #[inline(always)]
    fn str_at(&self, start: usize, end: usize, escaped: bool) -> JsonStr<'a> {
        JsonStr::new(self.text.get(start..end).unwrap_or(""), escaped)
    }

    /// Records a warning; under `strict` it is also the entity's step-h finding.
    #[inline]
    fn lint(&mut self, st: &mut EntityState, kind: ErrorKind, at: usize) {
        self.warnings.push(kind, self.base + at);
        if self.strict {
            st.h(kind, at);
        }
    }

    fn eof_or(&self, pos: usize, kind: ErrorKind) -> SynErr {
        eof_or(self.b, pos, kind)
    }

    /// Scans the whole document.
    pub(crate) fn run(&mut self) -> R<Top> {
        let pos = self.ws(0);
        match self.at(pos) {
            None => Err((ErrorKind::EmptyDocument, pos)),
            Some(b'{') => {
                let mut st = EntityState::default();
                let end = self.entity(&mut st, pos, 1, true)?;
                self.finish_document(end)?;
                let standalone = self.is_standalone(&st.fields);
                let (error, form) = self.finish_entity(&st, true, standalone);
                Ok(Top::Entity {
                    fields: st.fields,
                    error,
                    form,
                })
            }
            Some(_) => {
                let end = self.value(pos, 1)?;
                self.finish_document(end)?;
                Ok(Top::NotObject(pos))
            }
        }
    }

    /// Scans a value that must be a JSON object with no rules attached (the daemon header).
    pub(crate) fn run_plain(&mut self) -> R<usize> {
        let pos = self.ws(0);
        let end = self.value(pos, 1)?;
        self.finish_document(end)?;
        Ok(pos)
    }

    fn finish_document(&self, end: usize) -> R<()> {
        let pos = self.ws(end);
        if pos < self.b.len() {
            Err((ErrorKind::TrailingCharacters, pos))
        } else {
            Ok(())
        }
    }

    fn is_standalone(&self, f: &Fields) -> bool {
        match f.get(Field::Type) {
            Some(v) if v.is_str() => self.js(v).eq_str("subsegment"),
            _ => false,
        }
    }

    #[inline(always)]
    fn js(&self, v: Val) -> JsonStr<'a> {
        self.str_at(
            v.start as usize + 1,
            (v.end as usize).saturating_sub(1),
            v.kind == VKind::StrEsc,
        )
    }

    // ----- generic values --------------------------------------------------------------------

    /// Checks a string, number or literal at `pos`; returns the index after it.
    #[inline(always)]
    fn scalar(&self, pos: usize) -> R<usize> {
        match self.at(pos) {
            Some(b'"') => Ok(json::scan_string(self.b, pos + 1)?.0 + 1),
            Some(b'-' | b'0'..=b'9') => json::scan_number(self.b, pos),
            Some(b't') => json::scan_literal(self.b, pos, b"true"),
            Some(b'f') => json::scan_literal(self.b, pos, b"false"),
            Some(b'n') => json::scan_literal(self.b, pos, b"null"),
            None => Err((ErrorKind::UnexpectedEof, self.b.len())),
            Some(_) => Err((ErrorKind::ExpectedValue, pos)),
        }
    }

    /// Checks any value at `pos` (nesting depth `depth`); returns the index after it.
    #[inline]
    fn value(&mut self, pos: usize, depth: usize) -> R<usize> {
        match self.at(pos) {
            Some(b'{' | b'[') => self.container(pos, depth),
            _ => self.scalar(pos),
        }
    }

    /// Checks any value and tells what it was.
    #[inline(always)]
    fn value_val(&mut self, pos: usize, depth: usize) -> R<Val> {
        let (end, kind) = match self.at(pos) {
            Some(b'"') => {
                let (close, esc) = json::scan_string(self.b, pos + 1)?;
                (close + 1, if esc { VKind::StrEsc } else { VKind::Str })
            }
            Some(b'-' | b'0'..=b'9') => (json::scan_number(self.b, pos)?, VKind::Num),
            Some(b't') => (json::scan_literal(self.b, pos, b"true")?, VKind::True),
            Some(b'f') => (json::scan_literal(self.b, pos, b"false")?, VKind::False),
            Some(b'n') => (json::scan_literal(self.b, pos, b"null")?, VKind::Null),
            Some(b'{') => (self.container(pos, depth)?, VKind::Obj),
            Some(b'[') => (self.container(pos, depth)?, VKind::Arr),
            None => return Err((ErrorKind::UnexpectedEof, self.b.len())),
            Some(_) => return Err((ErrorKind::ExpectedValue, pos)),
        };
        Ok(Val {
            start: pos as u32,
            end: end as u32,
            kind,
        })
    }

    /// Checks an object or array without recursion: an explicit stack of open containers.
    fn container(&mut self, start: usize, depth: usize) -> R<usize> {
        // The stacks are moved into locals for the loop, so their lengths stay in registers;
        // they go back on every path, keeping their capacity for the next document.
        let mut frames = std::mem::take(&mut self.scratch.frames);
        let mut keys = std::mem::take(&mut self.scratch.keys);
        let result = self.skip(&mut frames, &mut keys, start, depth);
        self.scratch.frames = frames;
        self.scratch.keys = keys;
        result
    }

    #[inline(always)]
    fn skip(
        &mut self,
        frames: &mut Vec<Frame>,
        keys: &mut Vec<KeyEntry>,
        start: usize,
        depth: usize,
    ) -> R<usize> {
        let (b, text) = (self.b, self.text);
        let floor = frames.len();
        let mut d = depth;
        // Open the container at `start`; after that the loop reads one element per turn, or,
        // with `closing` set, closes the container whose bracket is at `pos`. Plain
        // conditional branches only: no state to dispatch on.
        let mut is_object = b.get(start) == Some(&b'{');
        frames.push(Frame {
            is_object,
            keys_start: keys.len() as u32,
        });
        let mut pos = json::ws(b, start + 1);
        let mut closing = b.get(pos) == Some(if is_object { &b'}' } else { &b']' });
        if d > self.max_depth {
            return Err((ErrorKind::NestingTooDeep, start));
        }
        loop {
            if !closing {
                let vpos = if is_object {
                    key_in(b, text, keys, pos)?.3
                } else {
                    pos
                };
                match b.get(vpos) {
                    Some(&c @ (b'{' | b'[')) => {
                        d += 1;
                        if d > self.max_depth {
                            return Err((ErrorKind::NestingTooDeep, vpos));
                        }
                        is_object = c == b'{';
                        frames.push(Frame {
                            is_object,
                            keys_start: keys.len() as u32,
                        });
                        pos = json::ws(b, vpos + 1);
                        closing = b.get(pos) == Some(if is_object { &b'}' } else { &b']' });
                        continue;
                    }
                    _ => pos = self.scalar(vpos)?,
                }
            } else {
                // `pos` is at the closing bracket of the innermost container
                pos += 1;
                if let Some(f) = frames.pop() {
                    if f.is_object {
                        let dup = close_in(text, keys, f.keys_start as usize);
                        self.plain_dup(dup);
                    }
                }
                if frames.len() <= floor {
                    return Ok(pos);
                }
                is_object = frames.last().is_some_and(|f| f.is_object);
                d -= 1;
            }
            // after a value: `,` and the next element, or the closing bracket
            pos = json::ws(b, pos);
            match b.get(pos) {
                Some(b',') => {
                    pos = json::ws(b, pos + 1);
                    closing = false;
                }
                Some(&c) if c == if is_object { b'}' } else { b']' } => closing = true,
                _ => return Err(self.eof_or(pos, ErrorKind::ExpectedCommaOrEnd)),
            }
        }
    }

    // ----- objects, keys and repeated keys ---------------------------------------------------

    /// Reads `"key" :` at `pos` and records the key; returns the key's span (between the
    /// quotes), whether it holds escapes, and the value's position.
    #[inline(always)]
    fn key(&mut self, pos: usize) -> R<(usize, usize, bool, usize)> {
        key_in(self.b, self.text, &mut self.scratch.keys, pos)
    }

    /// Forgets the keys of the object that just closed; returns the offset of the value of the
    /// earliest second occurrence of a repeated key (D7).
    #[inline]
    fn close_object(&mut self, keys_start: usize) -> Option<u32> {
        close_in(self.text, &mut self.scratch.keys, keys_start)
    }

    /// A repeated key outside entity objects: a warning, or under `strict` a rejection.
    #[inline]
    fn plain_dup(&mut self, dup: Option<u32>) {
        if let Some(at) = dup {
            if self.strict {
                self.dup_anywhere = min_opt(self.dup_anywhere, dup);
            }
            self.warnings
                .push(ErrorKind::RepeatedKey, self.base + at as usize);
        }
    }

    fn obj_begin(&mut self, start: usize, depth: usize) -> R<ObjIter> {
        if depth > self.max_depth {
            return Err((ErrorKind::NestingTooDeep, start));
        }
        Ok(ObjIter {
            keys_start: self.scratch.keys.len(),
            pos: start + 1,
            first: true,
        })
    }

    /// The next member of an object opened with `obj_begin`; the caller stores the end of the
    /// member's value in `it.pos`.
    #[inline(always)]
    fn obj_key(&mut self, it: &mut ObjIter) -> R<Option<(JsonStr<'a>, usize)>> {
        let mut pos = self.ws(it.pos);
        if it.first {
            it.first = false;
            if self.at(pos) == Some(b'}') {
                it.pos = pos + 1;
                return Ok(None);
            }
        } else {
            match self.at(pos) {
                Some(b',') => pos = self.ws(pos + 1),
                Some(b'}') => {
                    it.pos = pos + 1;
                    return Ok(None);
                }
                _ => return Err(self.eof_or(pos, ErrorKind::ExpectedCommaOrEnd)),
            }
        }
        let (start, end, escaped, vpos) = self.key(pos)?;
        Ok(Some((self.str_at(start, end, escaped), vpos)))
    }

    /// Closes a non-entity object: repeated keys there are warnings.
    fn obj_end(&mut self, it: ObjIter) -> usize {
        let dup = self.close_object(it.keys_start);
        self.plain_dup(dup);
        it.pos
    }

    fn arr_begin(&self, start: usize, depth: usize) -> R<ArrIter> {
        if depth > self.max_depth {
            return Err((ErrorKind::NestingTooDeep, start));
        }
        Ok(ArrIter {
            pos: start + 1,
            first: true,
        })
    }

    /// The position of the next element, or `None` after the closing bracket; the caller stores
    /// the end of the element in `it.pos`.
    #[inline]
    fn arr_next(&self, it: &mut ArrIter) -> R<Option<usize>> {
        let pos = self.ws(it.pos);
        if it.first {
            it.first = false;
            if self.at(pos) == Some(b']') {
                it.pos = pos + 1;
                return Ok(None);
            }
            return Ok(Some(pos));
        }
        match self.at(pos) {
            Some(b',') => Ok(Some(self.ws(pos + 1))),
            Some(b']') => {
                it.pos = pos + 1;
                Ok(None)
            }
            _ => Err(self.eof_or(pos, ErrorKind::ExpectedCommaOrEnd)),
        }
    }

    // ----- entities ----------------------------------------------------------------------------

    /// Scans an entity object at `start` (its `{`) at nesting depth `depth` into `st` (fresh,
    /// from the caller's frame: the state is a few hundred bytes and is not moved).
    fn entity(&mut self, st: &mut EntityState, start: usize, depth: usize, top: bool) -> R<usize> {
        let mut it = self.obj_begin(start, depth)?;
        st.fields.start = start as u32;
        while let Some((key, vpos)) = self.obj_key(&mut it)? {
            let fingerprint = self.scratch.keys.last().map_or(0, |k| k.hash);
            it.pos = match Field::of_fingerprint(key, fingerprint) {
                Some(f) => self.entity_field(st, f, vpos, depth + 1, top)?,
                None => self.value(vpos, depth + 1)?,
            };
        }
        let dup = self.close_object(it.keys_start);
        if self.strict {
            self.dup_anywhere = min_opt(self.dup_anywhere, dup);
        } else {
            st.dup = dup;
        }
        st.fields.end = it.pos as u32;
        Ok(it.pos)
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
            Field::Http => self.http(st, pos, depth)?,
            Field::Cause => self.cause(st, pos, depth)?,
            Field::Annotations => self.annotations(st, pos, depth)?,
            Field::Metadata => self.metadata(st, pos, depth)?,
            Field::Sql => self.string_members(st, pos, depth)?,
            Field::PrecursorIds => self.precursor_ids(st, pos, depth)?,
            _ => {
                let v = self.value_val(pos, depth)?;
                self.scalar_field(st, f, v);
                v.end as usize
            }
        };
        if st.fields.get_raw(f).is_none() {
            let kind = match self.at(pos) {
                Some(b'{') => VKind::Obj,
                Some(b'[') => VKind::Arr,
                Some(b'"') => VKind::Str,
                Some(b'n') => VKind::Null,
                Some(b't') => VKind::True,
                Some(b'f') => VKind::False,
                _ => VKind::Num,
            };
            st.fields.set(
                f,
                Val {
                    start: pos as u32,
                    end: end as u32,
                    kind,
                },
            );
        }
        Ok(end)
    }

    /// Type and lint checks of the simple fields (step h); the identity fields (steps b–g)
    /// are only recorded here and checked when the entity closes.
    fn scalar_field(&mut self, st: &mut EntityState, f: Field, v: Val) {
        let at = v.start as usize;
        if st.fields.get_raw(f).is_none() {
            st.fields.set(f, v);
        }
        if v.kind == VKind::Null {
            return;
        }
        match f {
            Field::InProgress | Field::Error | Field::Fault | Field::Throttle if !v.is_bool() => {
                st.h(ErrorKind::ExpectedBoolean, at);
            }
            Field::Type => {
                if !v.is_str() {
                    st.h(ErrorKind::ExpectedString, at);
                } else if !self.js(v).eq_str("subsegment") {
                    self.lint(st, ErrorKind::UnknownType, at);
                }
            }
            Field::Namespace => {
                if !v.is_str() {
                    st.h(ErrorKind::ExpectedString, at);
                } else {
                    let s = self.js(v);
                    if !(s.eq_str("aws") || s.eq_str("remote") || s.eq_str("local")) {
                        self.lint(st, ErrorKind::UnknownNamespace, at);
                    }
                }
            }
            Field::User => {
                if !v.is_str() {
                    st.h(ErrorKind::ExpectedString, at);
                } else if self.js(v).char_count() > limits::MAX_USER_CHARS {
                    self.lint(st, ErrorKind::LongUser, at);
                }
            }
            Field::Origin | Field::ResourceArn if !v.is_str() => {
                st.h(ErrorKind::ExpectedString, at);
            }
            Field::Aws | Field::Service if v.kind != VKind::Obj => {
                st.h(ErrorKind::ExpectedObject, at);
            }
            _ => {}
        }
    }

    /// Runs checks a–h of a closed entity; returns its first error (or its first child's).
    fn finish_entity(
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
            strict: self.strict,
        };
        let w = &mut *self.warnings;
        let base = self.base;
        let fields = &st.fields;
        let obj = fields.start as usize;
        // a. repeated key in the entity object
        if let Some(d) = st.dup {
            steps.fail(ErrorKind::DuplicateKey, d as usize);
        }
        // b. id
        match fields.get(Field::Id) {
            None => steps.fail(ErrorKind::MissingId, obj),
            Some(v) if v.is_str() => match ids::hex16(self_js(self.text, v)) {
                None => steps.fail(ErrorKind::InvalidId, v.start as usize),
                Some(h) => {
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
            Some(v) if v.is_str() => match name::check(self_js(self.text, v)) {
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
            Some(v) if v.is_str() => match trace_id::check(self_js(self.text, v)) {
                None => steps.fail(ErrorKind::InvalidTraceId, v.start as usize),
                Some(t) => {
                    if let Some(win) = self.window {
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
            Some(v) if v.kind == VKind::Num => {
                match num(self.text, v).filter(|&t| times::valid_time(t)) {
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
            .is_some_and(|v| v.kind == VKind::True);
        match fields.get(Field::EndTime) {
            None => {
                if !in_progress {
                    steps.fail(ErrorKind::MissingEndTime, obj);
                }
            }
            Some(v) if v.kind == VKind::Num => match num(self.text, v) {
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
            Some(v) if v.is_str() => match ids::hex16(self_js(self.text, v)) {
                None => steps.fail(ErrorKind::InvalidParentId, v.start as usize),
                Some(h) => {
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
        let own = steps.first.map(|(k, at)| Error::new(k, base + at, form));
        (own.or(st.child), form)
    }

    fn subsegments(&mut self, st: &mut EntityState, pos: usize, depth: usize) -> R<usize> {
        match self.at(pos) {
            Some(b'[') => {}
            Some(b'n') => return self.scalar(pos),
            _ => {
                st.h(ErrorKind::ExpectedArray, pos);
                return self.value(pos, depth);
            }
        }
        let mut it = self.arr_begin(pos, depth)?;
        while let Some(e) = self.arr_next(&mut it)? {
            it.pos = if self.at(e) == Some(b'{') {
                let mut child = EntityState::default();
                let end = self.entity(&mut child, e, depth + 1, false)?;
                let (err, _) = self.finish_entity(&child, false, false);
                if st.child.is_none() {
                    st.child = err;
                }
                end
            } else {
                st.h(ErrorKind::ExpectedObject, e);
                self.value(e, depth + 1)?
            };
        }
        Ok(it.pos)
    }

    fn precursor_ids(&mut self, st: &mut EntityState, pos: usize, depth: usize) -> R<usize> {
        match self.at(pos) {
            Some(b'[') => {}
            Some(b'n') => return self.scalar(pos),
            _ => {
                st.h(ErrorKind::ExpectedArray, pos);
                return self.value(pos, depth);
            }
        }
        let mut it = self.arr_begin(pos, depth)?;
        while let Some(e) = self.arr_next(&mut it)? {
            let v = self.value_val(e, depth + 1)?;
            if !v.is_str() {
                st.h(ErrorKind::ExpectedString, e);
            } else if ids::hex16(self.js(v)).is_none() {
                self.lint(st, ErrorKind::InvalidPrecursorId, e);
            }
            it.pos = v.end as usize;
        }
        Ok(it.pos)
    }

    /// Expects an object (or `null`) at `pos`: `Ok(None)` to go on with an object, or the end
    /// of a value that was something else (recorded as a step-h finding).
    fn expect_object(
        &mut self,
        st: &mut EntityState,
        pos: usize,
        depth: usize,
    ) -> R<Option<usize>> {
        match self.at(pos) {
            Some(b'{') => Ok(None),
            Some(b'n') => self.scalar(pos).map(Some),
            _ => {
                st.h(ErrorKind::ExpectedObject, pos);
                self.value(pos, depth).map(Some)
            }
        }
    }

    /// A member that must be a string or `null`; returns the value.
    fn string_member(&mut self, st: &mut EntityState, pos: usize, depth: usize) -> R<Val> {
        let v = self.value_val(pos, depth)?;
        if !v.is_str() && v.kind != VKind::Null {
            st.h(ErrorKind::ExpectedString, pos);
        }
        Ok(v)
    }

    fn bool_member(&mut self, st: &mut EntityState, pos: usize, depth: usize) -> R<usize> {
        let v = self.value_val(pos, depth)?;
        if !v.is_bool() && v.kind != VKind::Null {
            st.h(ErrorKind::ExpectedBoolean, pos);
        }
        Ok(v.end as usize)
    }

    fn int_member(&mut self, st: &mut EntityState, pos: usize, depth: usize) -> R<usize> {
        let v = self.value_val(pos, depth)?;
        let ok = match v.kind {
            VKind::Null => true,
            VKind::Num => self
                .text
                .get(v.start as usize..v.end as usize)
                .is_some_and(times::integer_valued),
            _ => false,
        };
        if !ok {
            st.h(ErrorKind::ExpectedInteger, pos);
        }
        Ok(v.end as usize)
    }

    /// `sql`: an object whose members are strings.
    fn string_members(&mut self, st: &mut EntityState, pos: usize, depth: usize) -> R<usize> {
        if let Some(end) = self.expect_object(st, pos, depth)? {
            return Ok(end);
        }
        let mut it = self.obj_begin(pos, depth)?;
        while let Some((_, v)) = self.obj_key(&mut it)? {
            it.pos = self.string_member(st, v, depth + 1)?.end as usize;
        }
        Ok(self.obj_end(it))
    }

    fn http(&mut self, st: &mut EntityState, pos: usize, depth: usize) -> R<usize> {
        if let Some(end) = self.expect_object(st, pos, depth)? {
            return Ok(end);
        }
        let mut it = self.obj_begin(pos, depth)?;
        while let Some((k, v)) = self.obj_key(&mut it)? {
            it.pos = if k.eq_str("request") {
                self.http_request(st, v, depth + 1)?
            } else if k.eq_str("response") {
                self.http_response(st, v, depth + 1)?
            } else {
                self.value(v, depth + 1)?
            };
        }
        Ok(self.obj_end(it))
    }

    fn http_request(&mut self, st: &mut EntityState, pos: usize, depth: usize) -> R<usize> {
        if let Some(end) = self.expect_object(st, pos, depth)? {
            return Ok(end);
        }
        let mut it = self.obj_begin(pos, depth)?;
        while let Some((k, v)) = self.obj_key(&mut it)? {
            it.pos = if k.eq_str("x_forwarded_for") || k.eq_str("traced") {
                self.bool_member(st, v, depth + 1)?
            } else {
                let documented = k.eq_str("method")
                    || k.eq_str("url")
                    || k.eq_str("user_agent")
                    || k.eq_str("client_ip");
                let val = if documented {
                    self.string_member(st, v, depth + 1)?
                } else {
                    self.value_val(v, depth + 1)?
                };
                // every `http.request.*` string has the 250-character limit, documented or
                // not (RULES.md §6, D17); undocumented members are otherwise unchecked
                if val.is_str() && self.js(val).char_count() > limits::MAX_USER_CHARS {
                    self.lint(st, ErrorKind::LongHttpField, v);
                }
                val.end as usize
            };
        }
        Ok(self.obj_end(it))
    }

    fn http_response(&mut self, st: &mut EntityState, pos: usize, depth: usize) -> R<usize> {
        if let Some(end) = self.expect_object(st, pos, depth)? {
            return Ok(end);
        }
        let mut it = self.obj_begin(pos, depth)?;
        while let Some((k, v)) = self.obj_key(&mut it)? {
            it.pos = if k.eq_str("status") {
                self.int_member(st, v, depth + 1)?
            } else if k.eq_str("content_length") {
                let val = self.value_val(v, depth + 1)?;
                match val.kind {
                    VKind::Null => {}
                    VKind::Num => {
                        if !num(self.text, val).is_some_and(f64::is_finite) {
                            st.h(ErrorKind::ExpectedNumber, v);
                        }
                    }
                    VKind::Str | VKind::StrEsc => {
                        let s = self.js(val);
                        if s.char_count() > 0 && s.chars().all(|c| c.is_ascii_digit()) {
                            self.lint(st, ErrorKind::ContentLengthString, v);
                        } else {
                            st.h(ErrorKind::InvalidContentLength, v);
                        }
                    }
                    _ => st.h(ErrorKind::ExpectedNumber, v),
                }
                val.end as usize
            } else {
                self.value(v, depth + 1)?
            };
        }
        Ok(self.obj_end(it))
    }

    fn cause(&mut self, st: &mut EntityState, pos: usize, depth: usize) -> R<usize> {
        match self.at(pos) {
            Some(b'{') => {}
            Some(b'"') => {
                let v = self.value_val(pos, depth)?;
                if ids::hex16(self.js(v)).is_none() {
                    st.h(ErrorKind::InvalidCauseId, pos);
                }
                return Ok(v.end as usize);
            }
            Some(b'n') => return self.scalar(pos),
            _ => {
                st.h(ErrorKind::ExpectedObject, pos);
                return self.value(pos, depth);
            }
        }
        let mut it = self.obj_begin(pos, depth)?;
        while let Some((k, v)) = self.obj_key(&mut it)? {
            it.pos = if k.eq_str("working_directory") {
                self.string_member(st, v, depth + 1)?.end as usize
            } else if k.eq_str("paths") {
                self.string_array(st, v, depth + 1)?
            } else if k.eq_str("exceptions") {
                self.exceptions(st, v, depth + 1)?
            } else {
                self.value(v, depth + 1)?
            };
        }
        Ok(self.obj_end(it))
    }

    /// An array (or `null`) whose elements must be strings.
    fn string_array(&mut self, st: &mut EntityState, pos: usize, depth: usize) -> R<usize> {
        match self.at(pos) {
            Some(b'[') => {}
            Some(b'n') => return self.scalar(pos),
            _ => {
                st.h(ErrorKind::ExpectedArray, pos);
                return self.value(pos, depth);
            }
        }
        let mut it = self.arr_begin(pos, depth)?;
        while let Some(e) = self.arr_next(&mut it)? {
            let v = self.value_val(e, depth + 1)?;
            if !v.is_str() {
                st.h(ErrorKind::ExpectedString, e);
            }
            it.pos = v.end as usize;
        }
        Ok(it.pos)
    }

    /// An array (or `null`) whose elements must be objects checked by `each`.
    fn object_array(
        &mut self,
        st: &mut EntityState,
        pos: usize,
        depth: usize,
        each: fn(&mut Self, &mut EntityState, usize, usize) -> R<usize>,
    ) -> R<usize> {
        match self.at(pos) {
            Some(b'[') => {}
            Some(b'n') => return self.scalar(pos),
            _ => {
                st.h(ErrorKind::ExpectedArray, pos);
                return self.value(pos, depth);
            }
        }
        let mut it = self.arr_begin(pos, depth)?;
        while let Some(e) = self.arr_next(&mut it)? {
            it.pos = if self.at(e) == Some(b'{') {
                each(self, st, e, depth + 1)?
            } else {
                st.h(ErrorKind::ExpectedObject, e);
                self.value(e, depth + 1)?
            };
        }
        Ok(it.pos)
    }

    fn exceptions(&mut self, st: &mut EntityState, pos: usize, depth: usize) -> R<usize> {
        self.object_array(st, pos, depth, Self::exception)
    }

    fn exception(&mut self, st: &mut EntityState, pos: usize, depth: usize) -> R<usize> {
        let mut it = self.obj_begin(pos, depth)?;
        let mut has_id = false;
        while let Some((k, v)) = self.obj_key(&mut it)? {
            it.pos = if k.eq_str("id") {
                let val = self.value_val(v, depth + 1)?;
                match val.kind {
                    VKind::Null => {}
                    VKind::Str | VKind::StrEsc => {
                        has_id = true;
                        if ids::hex16(self.js(val)).is_none() {
                            st.h(ErrorKind::InvalidExceptionId, v);
                        }
                    }
                    _ => {
                        has_id = true;
                        st.h(ErrorKind::ExpectedString, v);
                    }
                }
                val.end as usize
            } else if k.eq_str("message") || k.eq_str("type") || k.eq_str("cause") {
                self.string_member(st, v, depth + 1)?.end as usize
            } else if k.eq_str("remote") {
                self.bool_member(st, v, depth + 1)?
            } else if k.eq_str("truncated") || k.eq_str("skipped") {
                self.int_member(st, v, depth + 1)?
            } else if k.eq_str("stack") {
                self.object_array(st, v, depth + 1, Self::stack_frame)?
            } else {
                self.value(v, depth + 1)?
            };
        }
        if !has_id {
            self.lint(st, ErrorKind::ExceptionWithoutId, pos);
        }
        Ok(self.obj_end(it))
    }

    fn stack_frame(&mut self, st: &mut EntityState, pos: usize, depth: usize) -> R<usize> {
        let mut it = self.obj_begin(pos, depth)?;
        while let Some((k, v)) = self.obj_key(&mut it)? {
            it.pos = if k.eq_str("path") || k.eq_str("label") {
                self.string_member(st, v, depth + 1)?.end as usize
            } else if k.eq_str("line") {
                self.int_member(st, v, depth + 1)?
            } else {
                self.value(v, depth + 1)?
            };
        }
        Ok(self.obj_end(it))
    }

    fn annotations(&mut self, st: &mut EntityState, pos: usize, depth: usize) -> R<usize> {
        if let Some(end) = self.expect_object(st, pos, depth)? {
            return Ok(end);
        }
        let mut it = self.obj_begin(pos, depth)?;
        while let Some((k, v)) = self.obj_key(&mut it)? {
            self.annotations += 1;
            if self.annotations == limits::MAX_ANNOTATIONS + 1 {
                self.lint(st, ErrorKind::TooManyAnnotations, v);
            }
            if !annotations::key_ok(k) {
                self.lint(st, ErrorKind::InvalidAnnotationKey, v);
            }
            let val = self.value_val(v, depth + 1)?;
            match val.kind {
                VKind::Str | VKind::StrEsc => {
                    if self.js(val).char_count() > limits::MAX_ANNOTATION_VALUE_CHARS {
                        self.lint(st, ErrorKind::LongAnnotationValue, v);
                    }
                }
                VKind::Num => {
                    if !num(self.text, val).is_some_and(f64::is_finite) {
                        self.lint(st, ErrorKind::InvalidAnnotationValue, v);
                    }
                }
                VKind::True | VKind::False => {}
                VKind::Null | VKind::Obj | VKind::Arr => {
                    self.lint(st, ErrorKind::InvalidAnnotationValue, v);
                }
            }
            it.pos = val.end as usize;
        }
        Ok(self.obj_end(it))
    }

    fn metadata(&mut self, st: &mut EntityState, pos: usize, depth: usize) -> R<usize> {
        if let Some(end) = self.expect_object(st, pos, depth)? {
            return Ok(end);
        }
        let mut it = self.obj_begin(pos, depth)?;
        while let Some((k, v)) = self.obj_key(&mut it)? {
            let reserved = if k.has_escapes() {
                k.chars().take(4).eq("AWS.".chars())
            } else {
                k.raw().starts_with("AWS.")
            };
            if reserved {
                self.lint(st, ErrorKind::ReservedMetadataNamespace, v);
            }
            if self.at(v) != Some(b'{') {
                self.lint(st, ErrorKind::MetadataNotObject, v);
            }
            it.pos = self.value(v, depth + 1)?;
        }
        Ok(self.obj_end(it))
    }
}

/// Reads `"key" :` at `pos` of `b` and records the key in `keys`.
#[inline(always)]
fn key_in(
    b: &[u8],
    text: &str,
    keys: &mut Vec<KeyEntry>,
    pos: usize,
) -> R<(usize, usize, bool, usize)> {
    if b.get(pos) != Some(&b'"') {
        return Err(eof_or(b, pos, ErrorKind::KeyMustBeString));
    }
    let (end, escaped, fingerprint) = json::scan_key(b, pos + 1)?;
    let mut p = json::ws(b, end + 1);
    if b.get(p) != Some(&b':') {
        return Err(eof_or(b, p, ErrorKind::ExpectedColon));
    }
    p = json::ws(b, p + 1);
    let hash = match fingerprint {
        Some(h) => h,
        None if escaped => {
            json::key_fingerprint(JsonStr::new(text.get(pos + 1..end).unwrap_or(""), true))
        }
        None => json::key_fingerprint_raw(b, pos + 1, end),
    };
    keys.push(KeyEntry {
        hash,
        key_start: (pos + 1) as u32,
        key_end: end as u32,
        value_start: p as u32,
        escaped,
    });
    Ok((pos + 1, end, escaped, p))
}

fn eof_or(b: &[u8], pos: usize, kind: ErrorKind) -> SynErr {
    if pos >= b.len() {
        (ErrorKind::UnexpectedEof, b.len())
    } else {
        (kind, pos)
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
#[inline]
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

#[derive(Debug)]
struct ObjIter {
    keys_start: usize,
    pos: usize,
    first: bool,
}

#[derive(Debug)]
struct ArrIter {
    pos: usize,
    first: bool,
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

fn self_js(text: &str, v: Val) -> JsonStr<'_> {
    JsonStr::new(
        text.get(v.start as usize + 1..(v.end as usize).saturating_sub(1))
            .unwrap_or(""),
        v.kind == VKind::StrEsc,
    )
}

fn num(text: &str, v: Val) -> Option<f64> {
    times::to_f64(text.get(v.start as usize..v.end as usize)?)
}
