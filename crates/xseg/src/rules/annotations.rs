//! `annotations`: keys `[A-Za-z0-9_.]{1,500}` after unescaping, scalar values, at most 50 per
//! document. The service drops what breaks these rules, so each finding is a warning.

use super::entity::EntityState;
use super::members::expect_object;
use super::table::AnnotationRecord;
use super::{times, Checker, R};
use crate::error::ErrorKind;
use crate::json::{JsonStr, ValueKind};
use crate::limits::{self, MAX_ANNOTATION_KEY_CHARS};

/// `annotations`: an object of annotation key/value pairs.
pub(crate) fn annotations(
    c: &mut Checker<'_, '_>,
    st: &mut EntityState,
    pos: usize,
    depth: usize,
) -> R<usize> {
    if let Some(end) = expect_object(c, st, pos, depth)? {
        return Ok(end);
    }
    let mut it = c.r.obj_begin(pos, depth)?;
    let first = c.table.annotations.len() as u32;
    while let Some((k, v)) = c.r.obj_key(&mut it)? {
        c.annotations += 1;
        if c.annotations == limits::MAX_ANNOTATIONS + 1 {
            c.lint(st, ErrorKind::TooManyAnnotations, v);
        }
        let valid_key = key_ok(k);
        if !valid_key {
            c.lint(st, ErrorKind::InvalidAnnotationKey, v);
        }
        let val = c.r.value_span(v, depth + 1)?;
        match val.kind {
            ValueKind::Str | ValueKind::StrEsc => {
                if val
                    .str_in(c.text())
                    .more_chars_than(limits::MAX_ANNOTATION_VALUE_CHARS)
                {
                    c.lint(st, ErrorKind::LongAnnotationValue, v);
                }
            }
            ValueKind::Num => {
                if !times::to_f64(val.raw_in(c.text())).is_some_and(f64::is_finite) {
                    c.lint(st, ErrorKind::InvalidAnnotationValue, v);
                }
            }
            ValueKind::True | ValueKind::False => {}
            ValueKind::Null | ValueKind::Obj | ValueKind::Arr => {
                c.lint(st, ErrorKind::InvalidAnnotationValue, v);
            }
        }
        if c.table.gather && valid_key && val.is_scalar() {
            c.table.gather_key(k);
        }
        if c.table.record {
            let key_start = (k.raw().as_ptr() as usize).wrapping_sub(c.text().as_ptr() as usize);
            c.table.annotations.push(AnnotationRecord {
                key_start: key_start as u32,
                key_len: k.raw().len() as u32,
                key_escaped: k.has_escapes(),
                valid_key,
                value: val,
            });
        }
        it.pos = val.end as usize;
    }
    if c.table.record && st.ann.0 == st.ann.1 {
        // The first `annotations` member (a repeated one rejects the entity anyway).
        st.ann = (first, c.table.annotations.len() as u32);
    }
    Ok(c.r.obj_end(it))
}

/// Whether an annotation key is one the service keeps.
pub(crate) fn key_ok(s: JsonStr<'_>) -> bool {
    if !s.has_escapes() {
        let b = s.raw().as_bytes();
        return (1..=MAX_ANNOTATION_KEY_CHARS).contains(&b.len())
            && b.iter()
                .all(|&c| c.is_ascii_alphanumeric() || c == b'_' || c == b'.');
    }
    let ok = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '.';
    let mut n = 0;
    for c in s.chars() {
        if !ok(c) {
            return false;
        }
        n += 1;
    }
    (1..=MAX_ANNOTATION_KEY_CHARS).contains(&n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert!(key_ok(JsonStr::new("grpc.status_code", false)));
        assert!(!key_ok(JsonStr::new("bad key", false)));
        assert!(!key_ok(JsonStr::new("", false)));
        assert!(!key_ok(JsonStr::new("k-1", false)));
        assert!(key_ok(JsonStr::new(&"k".repeat(500), false)));
        assert!(!key_ok(JsonStr::new(&"k".repeat(501), false)));
        assert!(key_ok(JsonStr::new(r"a\u005fb", true)));
        assert!(!key_ok(JsonStr::new(r"a\u0020b", true)));
        assert!(!key_ok(JsonStr::new("ké", false)));
    }
}
