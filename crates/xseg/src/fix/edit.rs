//! The edit list: byte ranges of the input replaced by new text, each one a listed change, and
//! the shared text arena that holds every replacement, every `before` and every pointer.

use core::ops::Range;

use super::json;
use super::Repair;
use crate::ErrorKind;

/// One replacement of `start..end` of the input. Every edit is a change the report lists.
#[derive(Clone, Debug)]
pub(super) struct Edit {
    pub start: usize,
    pub end: usize,
    pub repair: Repair,
    pub finding: ErrorKind,
    /// Offset of the changed token in the input.
    pub at: usize,
    /// Ranges of the arena.
    pub pointer: Range<usize>,
    pub before: Range<usize>,
    /// `None`: the member was dropped (the replacement is empty).
    pub after: Option<Range<usize>>,
}

/// The work on one document: its text, the edits found so far and the arena.
pub(super) struct Work<'t, 'b> {
    pub text: &'t str,
    pub edits: &'b mut Vec<Edit>,
    pub arena: &'b mut String,
    /// Scratch for pointers being built.
    pub pointer: &'b mut String,
}

impl Work<'_, '_> {
    /// Whether `r` overlaps an edit already made.
    pub fn overlaps(&self, r: &Range<usize>) -> bool {
        self.edits
            .iter()
            .any(|e| e.start < r.end.max(r.start + 1) && r.start < e.end.max(e.start + 1))
    }

    /// Replaces the token `token` of the input by the text `build` appends to the arena.
    /// Nothing happens (and `false` is returned) when the new text equals the old, when the
    /// token was already edited, or when no value starts at `token.start`. `pointer` of
    /// `None` means the pointer of the value at `token.start`.
    pub fn replace(
        &mut self,
        token: Range<usize>,
        repair: Repair,
        finding: ErrorKind,
        pointer: Option<(&str, &str)>,
        build: impl FnOnce(&mut String),
    ) -> bool {
        let Some(old) = self.text.get(token.clone()) else {
            return false;
        };
        let mark = self.arena.len();
        build(self.arena);
        let after = mark..self.arena.len();
        if self.arena.get(after.clone()) == Some(old) || self.overlaps(&token) {
            self.arena.truncate(mark);
            return false;
        }
        let Some(ptr) = self.pointer_for(token.start, pointer) else {
            self.arena.truncate(mark);
            return false;
        };
        let before = self.push(old);
        self.edits.push(Edit {
            start: token.start,
            end: token.end,
            repair,
            finding,
            at: token.start,
            pointer: ptr,
            before,
            after: Some(after),
        });
        true
    }

    /// Removes `range` of the input: an annotation whose key is `key`, listed as dropped.
    pub fn drop_member(
        &mut self,
        range: Range<usize>,
        key: Range<usize>,
        finding: ErrorKind,
        pointer: (&str, &str),
    ) -> bool {
        if self.overlaps(&range) {
            return false;
        }
        let Some(old) = self.text.get(key.clone()) else {
            return false;
        };
        let Some(ptr) = self.pointer_for(key.start, Some(pointer)) else {
            return false;
        };
        let before = self.push(old);
        self.edits.push(Edit {
            start: range.start,
            end: range.end,
            repair: Repair::AnnotationKey,
            finding,
            at: key.start,
            pointer: ptr,
            before,
            after: None,
        });
        true
    }

    fn push(&mut self, s: &str) -> Range<usize> {
        let mark = self.arena.len();
        self.arena.push_str(s);
        mark..self.arena.len()
    }

    /// Writes the pointer into the arena: `prefix` + the token of raw key text `key`, or the
    /// pointer of the value at `at`.
    fn pointer_for(&mut self, at: usize, given: Option<(&str, &str)>) -> Option<Range<usize>> {
        let mark = self.arena.len();
        match given {
            Some((prefix, key)) => {
                self.arena.push_str(prefix);
                json::push_token(self.arena, key);
            }
            None => {
                json::descend(self.text, at, self.arena)?;
            }
        }
        Some(mark..self.arena.len())
    }
}

/// Writes `input` with `edits` (sorted by start, not overlapping) applied.
pub(super) fn apply(input: &[u8], edits: &[Edit], arena: &str, out: &mut Vec<u8>) {
    let mut last = 0;
    for e in edits {
        out.extend_from_slice(input.get(last..e.start).unwrap_or(&[]));
        if let Some(after) = &e.after {
            out.extend_from_slice(arena.get(after.clone()).unwrap_or("").as_bytes());
        }
        last = e.end;
    }
    out.extend_from_slice(input.get(last..).unwrap_or(&[]));
}

/// The input offset of `offset` in the output of [`apply`]; `Err` with the edit's start when
/// it falls inside the new text of an edit (a finding about a value the fixer wrote).
pub(super) fn to_input(edits: &[Edit], offset: usize) -> Result<usize, usize> {
    let mut delta: isize = 0;
    let o = offset as isize;
    for e in edits {
        let out_start = e.start as isize + delta;
        if o < out_start {
            break;
        }
        let new_len = e.after.as_ref().map_or(0, |r| r.len()) as isize;
        if o < out_start + new_len {
            return Err(e.start);
        }
        delta += new_len - (e.end as isize - e.start as isize);
    }
    Ok(usize::try_from(o - delta).unwrap_or(0))
}
