//! Annotations: a key with characters outside `[A-Za-z0-9_.]` gets `_` in their place and is
//! cut to 500 characters; a repaired key that collides with another is dropped, and so is an
//! empty key (the service drops both, there is nothing to repair); a string
//! value over 1,000 characters is cut to 1,000. One annotations object is repaired as a whole,
//! so collisions are seen whichever warning led to it.

use core::ops::Range;

use super::edit::Work;
use super::json::{self, Member, Units};
use super::strict::truncated;
use super::Repair;
use crate::limits::{MAX_ANNOTATION_KEY_CHARS, MAX_ANNOTATION_VALUE_CHARS};
use crate::ErrorKind;

/// A character the service keeps in an annotation key.
fn key_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

/// Whether the raw key text is one the service keeps: `[A-Za-z0-9_.]{1,500}` after unescaping.
fn key_ok(raw: &str) -> bool {
    let mut n = 0usize;
    for u in Units::new(raw) {
        if !key_char(u.ch) {
            return false;
        }
        n += 1;
    }
    (1..=MAX_ANNOTATION_KEY_CHARS).contains(&n)
}

/// Appends the repaired key of raw key text `raw`, quotes included.
pub(super) fn repaired_key(raw: &str, out: &mut String) {
    out.push('"');
    for u in Units::new(raw).take(MAX_ANNOTATION_KEY_CHARS) {
        if key_char(u.ch) {
            out.push_str(u.raw);
        } else {
            out.push('_');
        }
    }
    out.push('"');
}

/// One member of the annotations object being repaired.
#[derive(Clone, Debug)]
pub(super) struct Entry {
    member: Member,
    /// The key after repair, unescaped, as a range of [`Scratch::keys`].
    key: Range<usize>,
    repaired: bool,
    dropped: bool,
}

/// Buffers kept between documents.
#[derive(Debug, Default)]
pub(super) struct Scratch {
    entries: Vec<Entry>,
    keys: String,
    prefix: String,
}

/// What to repair in an annotations object.
#[derive(Clone, Copy, Debug)]
pub(super) struct Switches {
    pub keys: bool,
    pub values: bool,
}

/// Repairs the annotations object whose `{` is at `obj`. Returns whether anything changed.
pub(super) fn repair(w: &mut Work<'_, '_>, obj: usize, on: Switches, s: &mut Scratch) -> bool {
    let text = w.text;
    let b = text.as_bytes();
    s.entries.clear();
    s.keys.clear();
    s.prefix.clear();
    if b.get(obj) != Some(&b'{') || json::descend(text, obj, &mut s.prefix).is_none() {
        return false;
    }
    for member in json::members(b, obj) {
        let raw = json::inner(text, member.key.clone());
        let repaired = on.keys && !key_ok(raw);
        let mark = s.keys.len();
        if repaired {
            for u in Units::new(raw).take(MAX_ANNOTATION_KEY_CHARS) {
                s.keys.push(if key_char(u.ch) { u.ch } else { '_' });
            }
        } else {
            s.keys.extend(Units::new(raw).map(|u| u.ch));
        }
        s.entries.push(Entry {
            member,
            key: mark..s.keys.len(),
            repaired,
            dropped: false,
        });
    }
    // A repaired key gives way to a key that needed no repair, and to an earlier repaired key.
    for i in 0..s.entries.len() {
        let Some(me) = s.entries.get(i) else { break };
        if !me.repaired {
            continue;
        }
        let mine = s.keys.get(me.key.clone());
        // an empty key has nothing to repair: the service drops it, and so does the fixer
        let collides = me.key.is_empty()
            || s.entries.iter().enumerate().any(|(j, other)| {
                j != i
                    && (!other.repaired || (j < i && !other.dropped))
                    && s.keys.get(other.key.clone()) == mine
            });
        if let Some(me) = s.entries.get_mut(i) {
            me.dropped = collides;
        }
    }
    let mut changed = false;
    for (i, e) in s.entries.iter().enumerate() {
        let raw = json::inner(text, e.member.key.clone());
        let ptr = Some((s.prefix.as_str(), raw));
        if e.dropped {
            let kept_before = s.entries.iter().take(i).any(|p| !p.dropped);
            let range = if kept_before {
                let prev = i.checked_sub(1).and_then(|p| s.entries.get(p));
                prev.map_or(e.member.key.start, |p| p.member.value.end)..e.member.value.end
            } else {
                let next = s.entries.get(i + 1);
                e.member.key.start..next.map_or(e.member.value.end, |n| n.member.key.start)
            };
            changed |= w.drop_member(
                range,
                e.member.key.clone(),
                ErrorKind::InvalidAnnotationKey,
                (s.prefix.as_str(), raw),
            );
            continue;
        }
        if e.repaired {
            changed |= w.replace(
                e.member.key.clone(),
                Repair::AnnotationKey,
                ErrorKind::InvalidAnnotationKey,
                ptr,
                |out| repaired_key(raw, out),
            );
        }
        if on.values && b.get(e.member.value.start) == Some(&b'"') {
            let value = json::inner(text, e.member.value.clone());
            if Units::new(value).nth(MAX_ANNOTATION_VALUE_CHARS).is_some() {
                changed |= w.replace(
                    e.member.value.clone(),
                    Repair::AnnotationValue,
                    ErrorKind::LongAnnotationValue,
                    ptr,
                    |out| truncated(value, MAX_ANNOTATION_VALUE_CHARS, out),
                );
            }
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys() {
        assert!(key_ok("grpc.status_code") && key_ok(r"a\u005fb"));
        assert!(!key_ok("user-id") && !key_ok("") && !key_ok("ké"));
        let mut s = String::new();
        repaired_key(r"user id\u002dé", &mut s);
        assert_eq!(s, r#""user_id__""#);
    }
}
