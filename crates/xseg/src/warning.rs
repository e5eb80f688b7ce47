//! Warnings: what the service accepts but drops or alters (RULES.md §6). A bounded list kept
//! apart from errors; under `Profile::Strict` each warning is also a rejection.

use arrayvec::ArrayVec;

use crate::error::{ErrorKind, Location};
use crate::limits::MAX_WARNINGS;

/// One warning: its kind (category [`Lint`](crate::Category::Lint)) and absolute byte offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Warning {
    kind: ErrorKind,
    offset: u32,
}

impl Warning {
    /// What was found.
    pub const fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// Absolute byte offset of the value the warning concerns.
    pub const fn offset(&self) -> usize {
        self.offset as usize
    }

    /// Line, column and JSON pointer; see [`Error::locate`](crate::Error::locate).
    pub fn locate(&self, input: &[u8], base: usize) -> Location {
        crate::locate::locate(input, base, self.offset(), true)
    }
}

impl core::fmt::Display for Warning {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{} at byte {}", self.kind.description(), self.offset)
    }
}

/// The warnings of one document: the first [`MAX_WARNINGS`] in the order found, plus a count of
/// all of them.
#[derive(Clone, Debug, Default)]
pub struct Warnings {
    list: ArrayVec<Warning, MAX_WARNINGS>,
    total: usize,
}

impl Warnings {
    pub(crate) fn clear(&mut self) {
        self.list.clear();
        self.total = 0;
    }

    #[inline]
    pub(crate) fn push(&mut self, kind: ErrorKind, offset: usize) {
        self.total += 1;
        let _ = self.list.try_push(Warning {
            kind,
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
        });
    }

    /// The kept warnings, sorted by offset.
    pub fn as_slice(&self) -> &[Warning] {
        &self.list
    }

    pub(crate) fn sort(&mut self) {
        self.list
            .sort_unstable_by_key(|w| (w.offset, w.kind as u32));
    }

    /// How many warnings the document had (kept or not).
    pub const fn total(&self) -> usize {
        self.total
    }

    /// Whether there were none.
    pub const fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Iterates over the kept warnings.
    pub fn iter(&self) -> core::slice::Iter<'_, Warning> {
        self.list.iter()
    }
}

impl<'w> IntoIterator for &'w Warnings {
    type Item = &'w Warning;
    type IntoIter = core::slice::Iter<'w, Warning>;
    fn into_iter(self) -> Self::IntoIter {
        self.list.iter()
    }
}
