//! What the fixer reports: [`FixReport`], its [`Change`]s and the [`Unfixable`] finding.

use core::fmt;

use crate::{Entity, ErrorCode, ErrorKind, Warnings};

use super::edit::Edit;
use super::Repair;

/// What became of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FixStatus {
    /// Accepted with nothing to repair: written byte for byte.
    Unchanged,
    /// Repaired; the repaired document is accepted.
    Fixed,
    /// Rejected for a reason the fixer does not repair (see [`FixReport::unfixable`]): written
    /// byte for byte.
    Unfixable,
}

impl FixStatus {
    /// `unchanged`, `fixed` or `unfixable`.
    pub const fn name(self) -> &'static str {
        match self {
            FixStatus::Unchanged => "unchanged",
            FixStatus::Fixed => "fixed",
            FixStatus::Unfixable => "unfixable",
        }
    }
}

/// One change: which repair, for which finding, where, and the value before and after.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Change<'f> {
    /// The repair family.
    pub repair: Repair,
    /// The diagnostic the change answers.
    pub finding: ErrorKind,
    /// Byte offset of the changed token (value or key) in the input.
    pub offset: usize,
    /// The input bytes replaced are `start..end`: the token, or for a dropped annotation the
    /// whole member with one adjacent comma.
    pub start: usize,
    /// See [`start`](Change::start).
    pub end: usize,
    /// RFC 6901 pointer of the value concerned, in the input (for an annotation key, the
    /// annotation's value under its original key).
    pub pointer: &'f str,
    /// The token as the input writes it: a JSON string with its quotes and escapes (or the key
    /// of a dropped annotation).
    pub before: &'f str,
    /// The token written instead; `None` when the annotation was dropped.
    ///
    /// `before` and `after` are JSON text as it stands in the documents (a string with its
    /// quotes and escapes, or for `content_length` a number): a JSON report can embed them as
    /// they are.
    pub after: Option<&'f str>,
}

impl fmt::Display for Change<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.after {
            Some(after) => write!(
                f,
                "{} at {}: {} -> {}",
                self.repair, self.pointer, self.before, after
            ),
            None => write!(
                f,
                "{} at {}: {} dropped",
                self.repair, self.pointer, self.before
            ),
        }
    }
}

/// Why a document is not fixable: the rejection that remains once every repair has been made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unfixable<'f> {
    /// The precise kind.
    pub kind: ErrorKind,
    /// The message form.
    pub entity: Entity,
    /// Byte offset in the input.
    pub offset: usize,
    /// RFC 6901 pointer in the input (`""` for parse errors and the size limit).
    pub pointer: &'f str,
}

impl Unfixable<'_> {
    /// The service `ErrorCode`.
    pub const fn code(&self) -> ErrorCode {
        self.kind.code()
    }

    /// The service `Message`, byte-exact.
    pub const fn message(&self) -> &'static str {
        self.kind.code().message(self.entity)
    }
}

impl fmt::Display for Unfixable<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} at {} (byte {}), not fixable",
            self.code(),
            self.kind.description(),
            self.pointer,
            self.offset
        )
    }
}

impl std::error::Error for Unfixable<'_> {}

/// What [`Fixer::fix`](super::Fixer::fix) did to one document. Borrows the fixer until the next document.
#[derive(Clone, Copy, Debug)]
pub struct FixReport<'f> {
    pub(super) status: FixStatus,
    pub(super) edits: &'f [Edit],
    pub(super) arena: &'f str,
    pub(super) unfixable: Option<Unfixable<'f>>,
    pub(super) warnings: &'f Warnings,
}

impl<'f> FixReport<'f> {
    /// What became of the document.
    pub const fn status(&self) -> FixStatus {
        self.status
    }

    /// The changes, in document order (none unless the status is [`FixStatus::Fixed`]).
    pub fn changes(&self) -> impl ExactSizeIterator<Item = Change<'f>> + 'f {
        let arena = self.arena;
        let text = move |r: &core::ops::Range<usize>| arena.get(r.clone()).unwrap_or("");
        self.edits.iter().map(move |e| Change {
            repair: e.repair,
            finding: e.finding,
            offset: e.at,
            start: e.start,
            end: e.end,
            pointer: text(&e.pointer),
            before: text(&e.before),
            after: e.after.as_ref().map(text),
        })
    }

    /// Why the document is not fixable, when the status is [`FixStatus::Unfixable`].
    pub const fn unfixable(&self) -> Option<Unfixable<'f>> {
        self.unfixable
    }

    /// The warnings of the document written (offsets in it), under the fixer's profile: what
    /// the service would still drop.
    pub const fn warnings(&self) -> &'f Warnings {
        self.warnings
    }
}
