//! The basic checks every baseline applies to each entity (the top-level document and every
//! embedded subsegment).
//!
//! - `id` is 16 hex digits;
//! - `trace_id` is `1-` + 8 hex + `-` + 24 hex: required on the top-level entity, checked on
//!   embedded subsegments when present;
//! - `name` is non-empty and at most 200 characters;
//! - `start_time` is a finite number greater than 0;
//! - `end_time` is present (finite, greater than 0), or `in_progress` is `true`;
//! - `parent_id`, when present, is 16 hex digits; it is required on a top-level document whose
//!   `type` is `"subsegment"`.
//!
//! These are a subset of the rules xseg applies, so xseg does strictly more work per document.

/// Longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// The fields of one entity the checks look at, as the baseline's parser produced them.
///
/// A field given with the wrong JSON type is not representable here: the baseline rejects the
/// document before building this. `null` counts as absent.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct EntityFields<'x> {
    /// `id`.
    pub id: Option<&'x str>,
    /// `name`, unescaped.
    pub name: Option<&'x str>,
    /// `trace_id`.
    pub trace_id: Option<&'x str>,
    /// `start_time`.
    pub start_time: Option<f64>,
    /// `end_time`.
    pub end_time: Option<f64>,
    /// `in_progress`.
    pub in_progress: Option<bool>,
    /// `parent_id`.
    pub parent_id: Option<&'x str>,
    /// `type`.
    pub kind: Option<&'x str>,
}

/// Whether `s` is exactly `n` ASCII hex digits.
#[inline]
pub fn is_hex(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|c| c.is_ascii_hexdigit())
}

/// Whether `s` has the trace id shape `1-` + 8 hex + `-` + 24 hex.
#[inline]
pub fn is_trace_id(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 35
        && b.starts_with(b"1-")
        && b.get(10) == Some(&b'-')
        && b.get(2..10)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
        && b.get(11..)
            .is_some_and(|h| h.iter().all(u8::is_ascii_hexdigit))
}

#[inline]
fn valid_time(t: f64) -> bool {
    t.is_finite() && t > 0.0
}

/// Applies the basic checks to one entity; `top` is true for the top-level document.
#[inline]
pub fn entity_ok(f: &EntityFields<'_>, top: bool) -> bool {
    let id_ok = f.id.is_some_and(|id| is_hex(id, 16));
    let name_ok = f.name.is_some_and(|n| {
        !n.is_empty() && (n.len() <= MAX_NAME_CHARS || n.chars().count() <= MAX_NAME_CHARS)
    });
    let trace_ok = match f.trace_id {
        Some(t) => is_trace_id(t),
        None => !top,
    };
    let start_ok = f.start_time.is_some_and(valid_time);
    let end_ok = match f.end_time {
        Some(e) => valid_time(e),
        None => f.in_progress == Some(true),
    };
    let standalone = top && f.kind == Some("subsegment");
    let parent_ok = match f.parent_id {
        Some(p) => is_hex(p, 16),
        None => !standalone,
    };
    id_ok && name_ok && trace_ok && start_ok && end_ok && parent_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> EntityFields<'static> {
        EntityFields {
            id: Some("70de5b6f19ff9a0a"),
            name: Some("web"),
            trace_id: Some("1-68000000-a006649127e371903a2de979"),
            start_time: Some(1.5),
            end_time: Some(2.5),
            ..EntityFields::default()
        }
    }

    #[test]
    fn checks() {
        assert!(entity_ok(&good(), true));
        assert!(!entity_ok(
            &EntityFields {
                trace_id: None,
                ..good()
            },
            true
        ));
        assert!(entity_ok(
            &EntityFields {
                trace_id: None,
                ..good()
            },
            false
        ));
        assert!(!entity_ok(
            &EntityFields {
                end_time: None,
                ..good()
            },
            true
        ));
        assert!(entity_ok(
            &EntityFields {
                end_time: None,
                in_progress: Some(true),
                ..good()
            },
            true
        ));
        assert!(!entity_ok(
            &EntityFields {
                kind: Some("subsegment"),
                ..good()
            },
            true
        ));
        let long = "é".repeat(200);
        assert!(entity_ok(
            &EntityFields {
                name: Some(&long),
                ..good()
            },
            true
        ));
        let longer = "é".repeat(201);
        assert!(!entity_ok(
            &EntityFields {
                name: Some(&longer),
                ..good()
            },
            true
        ));
        assert!(!is_trace_id("1-68000000-a006649127e371903a2de97"));
        assert!(!is_trace_id("2-68000000-a006649127e371903a2de979"));
        assert!(!is_hex("70de5b6f19ff9a0g", 16));
    }
}
