//! `cause`: an exception id, or an object with `exceptions` and their stack frames.

use super::entity::EntityState;
use super::members::{read, Rule, Table};
use super::{ids, Checker, R};
use crate::error::ErrorKind;

/// `cause` as an object.
pub(crate) struct Cause;

impl Table for Cause {
    const ROWS: &'static [(&'static str, Rule)] = &[
        ("working_directory", Rule::String),
        ("paths", Rule::StringArray),
        ("exceptions", Rule::ObjectArray(read::<Exception>)),
    ];
}

/// One object of `cause.exceptions`; one without an `id` is a warning.
pub(crate) struct Exception;

impl Table for Exception {
    const ROWS: &'static [(&'static str, Rule)] = &[
        ("id", Rule::HexId(ErrorKind::InvalidExceptionId)),
        ("message", Rule::String),
        ("type", Rule::String),
        ("cause", Rule::String),
        ("remote", Rule::Bool),
        ("truncated", Rule::Integer),
        ("skipped", Rule::Integer),
        ("stack", Rule::ObjectArray(read::<StackFrame>)),
    ];
    const REQUIRED: Option<(&'static str, ErrorKind)> = Some(("id", ErrorKind::ExceptionWithoutId));
}

/// One object of an exception's `stack`.
pub(crate) struct StackFrame;

impl Table for StackFrame {
    const ROWS: &'static [(&'static str, Rule)] = &[
        ("path", Rule::String),
        ("label", Rule::String),
        ("line", Rule::Integer),
    ];
}

/// `cause`: an object ([`Cause`]), a string of 16 hex digits (the id of an exception
/// elsewhere in the trace), or `null`.
pub(crate) fn cause(
    c: &mut Checker<'_, '_>,
    st: &mut EntityState,
    pos: usize,
    depth: usize,
) -> R<usize> {
    match c.r.at(pos) {
        Some(b'{') => read::<Cause>(c, st, pos, depth),
        Some(b'"') => {
            let v = c.r.value_span(pos, depth)?;
            if ids::hex16(v.str_in(c.text())).is_none() {
                st.h(ErrorKind::InvalidCauseId, pos);
            }
            Ok(v.end as usize)
        }
        Some(b'n') => c.r.scalar(pos),
        _ => {
            st.h(ErrorKind::ExpectedObject, pos);
            c.r.value(pos, depth)
        }
    }
}
