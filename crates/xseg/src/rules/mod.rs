//! The rules layer: what X-Ray documents mean. It reads a document through the syntax layer's
//! [`Reader`] and knows nothing about bytes beyond what the reader hands
//! it.
//!
//! - [`entity`]: an entity object (the document, or an embedded subsegment): its fields, and
//!   checks a–h in the order of RULES.md §3 step 5.
//! - [`fields`]: the documented entity fields and their compile-time slot table ([`slots`]).
//! - [`members`]: the generic member reader. Each documented object is a table of
//!   `(key, rule)` rows: [`http`], [`cause`] (exceptions, stack frames), [`sql`].
//! - [`table`]: the entity table `parse` keeps for the borrowed view.
//! - One file per remaining rule family: [`annotations`], [`metadata`], [`ids`], [`name`],
//!   [`trace_id`], [`times`].

pub(crate) mod annotations;
pub(crate) mod cause;
pub(crate) mod entity;
pub(crate) mod fields;
pub(crate) mod http;
pub(crate) mod ids;
pub(crate) mod members;
pub(crate) mod metadata;
pub(crate) mod name;
mod name_table;
pub(crate) mod slots;
pub(crate) mod sql;
pub(crate) mod table;
pub(crate) mod times;
pub(crate) mod trace_id;

use crate::error::{Entity, Error, ErrorKind};
use crate::json::keys::min_opt;
use crate::json::{Reader, RepeatSink, Scratch, SynErr};
use crate::profile::{Options, Profile, TimeWindow};
use crate::warning::Warnings;

use entity::EntityState;
use fields::Fields;
use table::EntityTable;

type R<T> = Result<T, SynErr>;

/// Where findings go: the warnings, and under `strict` the first repeated key anywhere.
pub(crate) struct Findings<'s> {
    warnings: &'s mut Warnings,
    base: usize,
    strict: bool,
    /// Under `strict`: offset of the first repeated key's second value anywhere.
    dup_anywhere: Option<u32>,
}

impl RepeatSink for Findings<'_> {
    /// A repeated key outside entity objects: a warning, and under `strict` a rejection.
    #[inline]
    fn repeated_key(&mut self, at: u32) {
        if self.strict {
            self.dup_anywhere = min_opt(self.dup_anywhere, Some(at));
        }
        self.warnings
            .push(ErrorKind::RepeatedKey, self.base + at as usize);
    }
}

/// What the check found at the top level (built once per document, so its size is no cost).
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

/// The rule checker over one document: the reader plus what the rules keep while reading.
pub(crate) struct Checker<'a, 's> {
    /// The syntax layer.
    pub r: Reader<'a, 's, Findings<'s>>,
    window: Option<TimeWindow>,
    /// Annotations seen so far in the document.
    annotations: usize,
    /// Where `parse` keeps every entity and annotation member for the view.
    table: &'s mut EntityTable,
}

impl<'a, 's> Checker<'a, 's> {
    /// A checker over `text`, a document at offset `base` of the caller's buffer. When
    /// `table.record` is set, every entity and annotation member goes into `table` too.
    pub(crate) fn new(
        text: &'a str,
        base: usize,
        opts: &Options,
        scratch: &'s mut Scratch,
        warnings: &'s mut Warnings,
        table: &'s mut EntityTable,
    ) -> Self {
        let (max_depth, profile, window) = (opts.max_depth(), opts.profile(), opts.time_window());
        let findings = Findings {
            warnings,
            base,
            strict: profile == Profile::Strict,
            dup_anywhere: None,
        };
        Checker {
            r: Reader::new(text, max_depth, scratch, findings),
            window,
            annotations: 0,
            table,
        }
    }

    /// Under `strict`: where the first repeated key anywhere in the document is.
    pub(crate) fn dup_anywhere(&self) -> Option<u32> {
        self.r.sink.dup_anywhere
    }

    #[inline(always)]
    fn text(&self) -> &'a str {
        self.r.text()
    }

    #[inline(always)]
    fn strict(&self) -> bool {
        self.r.sink.strict
    }

    /// Records a warning; under `strict` it is also the entity's step-h finding.
    #[inline]
    fn lint(&mut self, st: &mut EntityState, kind: ErrorKind, at: usize) {
        let f = &mut self.r.sink;
        f.warnings.push(kind, f.base + at);
        if f.strict {
            st.h(kind, at);
        }
    }

    /// Checks the whole document.
    pub(crate) fn run(&mut self) -> R<Top> {
        let pos = self.r.ws(0);
        match self.r.at(pos) {
            None => Err((ErrorKind::EmptyDocument, pos)),
            Some(b'{') => {
                let mut st = EntityState::default();
                let end = self.entity(&mut st, pos, 1, true)?;
                self.r.finish_document(end)?;
                self.table.header_keys = st.header_keys;
                let standalone = self.is_standalone(&st.fields);
                let (error, form) = self.finish_entity(&st, true, standalone);
                Ok(Top::Entity {
                    fields: st.fields,
                    error,
                    form,
                })
            }
            Some(_) => {
                let end = self.r.value(pos, 1)?;
                self.r.finish_document(end)?;
                Ok(Top::NotObject(pos))
            }
        }
    }
}
