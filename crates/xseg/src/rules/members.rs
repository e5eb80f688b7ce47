//! The generic member reader: every documented object is a [`Table`] of `(key, rule)` rows,
//! read by [`read`].
//!
//! Adding a typed member check to a documented object means adding one row to its table (and
//! an [`ErrorKind`] when none of the existing ones fits). [`read`] is generic over the table,
//! so each object gets its own monomorphised reader in which the rows are constants: the key
//! comparisons and the rule dispatch compile to the same branches a hand-written reader has.

use super::entity::EntityState;
use super::{ids, times, Checker, R};
use crate::error::ErrorKind;
use crate::json::{JsonStr, ValueKind, ValueSpan};

/// A reader for the value at `pos` (nesting depth `depth`); returns the offset after it.
pub(crate) type Read = fn(&mut Checker<'_, '_>, &mut EntityState, usize, usize) -> R<usize>;

/// What a documented member's value must be. `null` passes every rule (RULES.md §3). Every
/// finding is a step-h finding of the enclosing entity.
#[derive(Clone, Copy)]
pub(crate) enum Rule {
    /// Anything: only the grammar is checked.
    Any,
    /// A string, else `ExpectedString`.
    String,
    /// A boolean, else `ExpectedBoolean`.
    Bool,
    /// An integer-valued number (`200.0` passes), else `ExpectedInteger`.
    Integer,
    /// An array of strings, else `ExpectedArray` / `ExpectedString`.
    StringArray,
    /// A string of 16 hex digits: a non-string is `ExpectedString`, any other string the
    /// given kind.
    HexId(ErrorKind),
    /// An object read by the given reader (usually [`read`] of a table), else
    /// `ExpectedObject`.
    Object(Read),
    /// An array of objects, each read by the given reader, else `ExpectedArray` (for the
    /// array) / `ExpectedObject` (for an element).
    ObjectArray(Read),
    /// A reader of its own, for shapes no other rule describes.
    Custom(Read),
}

/// A documented object: its rows and what applies beyond them.
pub(crate) trait Table {
    /// The documented members, `(key, rule)`; keys are compared after unescaping.
    const ROWS: &'static [(&'static str, Rule)];
    /// The rule for members that are not in [`ROWS`](Self::ROWS).
    const OTHER: Rule = Rule::Any;
    /// A length limit (in code points) and the warning for longer string values of
    /// [`Rule::String`] and [`Rule::Any`] members.
    const LONG_STRINGS: Option<(usize, ErrorKind)> = None;
    /// A key that must be present with a non-`null` value, and the warning when it is not.
    const REQUIRED: Option<(&'static str, ErrorKind)> = None;
}

/// The rule of the member whose key is `k`.
#[inline(always)]
fn rule_of<T: Table>(k: JsonStr<'_>) -> Rule {
    for &(key, rule) in T::ROWS {
        if k.eq_str(key) {
            return rule;
        }
    }
    T::OTHER
}

/// Reads the members of the object at `pos` (its `{`, at nesting depth `depth`) with the rules
/// of table `T`.
pub(crate) fn read<T: Table>(
    c: &mut Checker<'_, '_>,
    st: &mut EntityState,
    pos: usize,
    depth: usize,
) -> R<usize> {
    let mut it = c.r.obj_begin(pos, depth)?;
    let mut required = false;
    while let Some((k, v)) = c.r.obj_key(&mut it)? {
        if let Some((key, _)) = T::REQUIRED {
            if k.eq_str(key) && c.r.at(v) != Some(b'n') {
                required = true;
            }
        }
        it.pos = member(c, st, rule_of::<T>(k), v, depth + 1, T::LONG_STRINGS)?;
    }
    if let Some((_, kind)) = T::REQUIRED {
        if !required {
            c.lint(st, kind, pos);
        }
    }
    Ok(c.r.obj_end(it))
}

/// Reads the value at `pos`, which must be an object (or `null`), with the rules of table `T`.
pub(crate) fn object<T: Table>(
    c: &mut Checker<'_, '_>,
    st: &mut EntityState,
    pos: usize,
    depth: usize,
) -> R<usize> {
    match expect_object(c, st, pos, depth)? {
        Some(end) => Ok(end),
        None => read::<T>(c, st, pos, depth),
    }
}

/// Checks the value at `pos` against `rule`; `long` as in [`Table::LONG_STRINGS`].
#[inline(always)]
pub(crate) fn member(
    c: &mut Checker<'_, '_>,
    st: &mut EntityState,
    rule: Rule,
    pos: usize,
    depth: usize,
    long: Option<(usize, ErrorKind)>,
) -> R<usize> {
    match rule {
        Rule::Any => match long {
            None => c.r.value(pos, depth),
            Some((limit, kind)) => {
                let v = c.r.value_span(pos, depth)?;
                long_string(c, st, v, limit, kind);
                Ok(v.end as usize)
            }
        },
        Rule::String => {
            let v = c.r.value_span(pos, depth)?;
            if !v.is_str() && v.kind != ValueKind::Null {
                st.h(ErrorKind::ExpectedString, pos);
            }
            if let Some((limit, kind)) = long {
                long_string(c, st, v, limit, kind);
            }
            Ok(v.end as usize)
        }
        Rule::Bool => {
            let v = c.r.value_span(pos, depth)?;
            if !v.is_bool() && v.kind != ValueKind::Null {
                st.h(ErrorKind::ExpectedBoolean, pos);
            }
            Ok(v.end as usize)
        }
        Rule::Integer => {
            let v = c.r.value_span(pos, depth)?;
            let ok = match v.kind {
                ValueKind::Null => true,
                ValueKind::Num => times::integer_valued(v.raw_in(c.text())),
                _ => false,
            };
            if !ok {
                st.h(ErrorKind::ExpectedInteger, pos);
            }
            Ok(v.end as usize)
        }
        Rule::StringArray => string_array(c, st, pos, depth),
        Rule::HexId(kind) => {
            let v = c.r.value_span(pos, depth)?;
            match v.kind {
                ValueKind::Null => {}
                ValueKind::Str | ValueKind::StrEsc => {
                    if ids::hex16(v.str_in(c.text())).is_none() {
                        st.h(kind, pos);
                    }
                }
                _ => st.h(ErrorKind::ExpectedString, pos),
            }
            Ok(v.end as usize)
        }
        Rule::Object(read) => match expect_object(c, st, pos, depth)? {
            Some(end) => Ok(end),
            None => read(c, st, pos, depth),
        },
        Rule::ObjectArray(read) => object_array(c, st, pos, depth, read),
        Rule::Custom(read) => read(c, st, pos, depth),
    }
}

/// Warns when the string `v` is longer than `limit` code points.
#[inline]
fn long_string(
    c: &mut Checker<'_, '_>,
    st: &mut EntityState,
    v: ValueSpan,
    limit: usize,
    kind: ErrorKind,
) {
    if v.is_str() && v.str_in(c.text()).more_chars_than(limit) {
        c.lint(st, kind, v.start as usize);
    }
}

/// Expects an object (or `null`) at `pos`: `Ok(None)` to go on with an object, or the end of
/// a value that was something else (recorded as a step-h finding).
pub(crate) fn expect_object(
    c: &mut Checker<'_, '_>,
    st: &mut EntityState,
    pos: usize,
    depth: usize,
) -> R<Option<usize>> {
    match c.r.at(pos) {
        Some(b'{') => Ok(None),
        Some(b'n') => c.r.scalar(pos).map(Some),
        _ => {
            st.h(ErrorKind::ExpectedObject, pos);
            c.r.value(pos, depth).map(Some)
        }
    }
}

/// Expects an array (or `null`) at `pos`, like [`expect_object`].
pub(crate) fn expect_array(
    c: &mut Checker<'_, '_>,
    st: &mut EntityState,
    pos: usize,
    depth: usize,
) -> R<Option<usize>> {
    match c.r.at(pos) {
        Some(b'[') => Ok(None),
        Some(b'n') => c.r.scalar(pos).map(Some),
        _ => {
            st.h(ErrorKind::ExpectedArray, pos);
            c.r.value(pos, depth).map(Some)
        }
    }
}

/// An array (or `null`) whose elements must be strings.
fn string_array(
    c: &mut Checker<'_, '_>,
    st: &mut EntityState,
    pos: usize,
    depth: usize,
) -> R<usize> {
    if let Some(end) = expect_array(c, st, pos, depth)? {
        return Ok(end);
    }
    let mut it = c.r.arr_begin(pos, depth)?;
    while let Some(e) = c.r.arr_next(&mut it)? {
        let v = c.r.value_span(e, depth + 1)?;
        if !v.is_str() {
            st.h(ErrorKind::ExpectedString, e);
        }
        it.pos = v.end as usize;
    }
    Ok(it.pos)
}

/// An array (or `null`) whose elements must be objects read by `each`.
fn object_array(
    c: &mut Checker<'_, '_>,
    st: &mut EntityState,
    pos: usize,
    depth: usize,
    each: Read,
) -> R<usize> {
    if let Some(end) = expect_array(c, st, pos, depth)? {
        return Ok(end);
    }
    let mut it = c.r.arr_begin(pos, depth)?;
    while let Some(e) = c.r.arr_next(&mut it)? {
        it.pos = if c.r.at(e) == Some(b'{') {
            each(c, st, e, depth + 1)?
        } else {
            st.h(ErrorKind::ExpectedObject, e);
            c.r.value(e, depth + 1)?
        };
    }
    Ok(it.pos)
}
