//! `metadata`: namespaces of free-form data; only their names and shapes are checked.

use super::entity::EntityState;
use super::members::expect_object;
use super::{Checker, R};
use crate::error::ErrorKind;

/// `metadata`: an object of namespaces, each an object; `AWS.` namespaces are reserved.
pub(crate) fn metadata(
    c: &mut Checker<'_, '_>,
    st: &mut EntityState,
    pos: usize,
    depth: usize,
) -> R<usize> {
    if let Some(end) = expect_object(c, st, pos, depth)? {
        return Ok(end);
    }
    let mut it = c.r.obj_begin(pos, depth)?;
    while let Some((k, v)) = c.r.obj_key(&mut it)? {
        let reserved = if k.has_escapes() {
            k.chars().take(4).eq("AWS.".chars())
        } else {
            k.raw().starts_with("AWS.")
        };
        if reserved {
            c.lint(st, ErrorKind::ReservedMetadataNamespace, v);
        }
        if c.r.at(v) != Some(b'{') {
            c.lint(st, ErrorKind::MetadataNotObject, v);
        }
        it.pos = c.r.value(v, depth + 1)?;
    }
    Ok(c.r.obj_end(it))
}
