//! `document_matches_reference`: on arbitrary bytes, the engine's answer equals the reference
//! model's — verdict, `ErrorCode`, `Message`, `Id`, pointer, and the warnings (kind and
//! pointer) of accepted documents — under both profiles with the default limits, and under
//! limits and a trace-id window derived from the input.

use xseg_reference::{Options, Profile, TimeWindow};

use crate::answer::{assert_agree, engine_options, literal};

/// FNV-1a, to derive options from the input.
fn hash(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &c| {
        (h ^ u64::from(c)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The epoch of the first thing that looks like a trace id, so that a window around it
/// lands near the document's own times.
fn first_epoch(data: &[u8]) -> Option<u64> {
    data.windows(10).find_map(|w| {
        let (head, hex) = w.split_at(2);
        let hex = std::str::from_utf8(hex).ok()?;
        (head == b"1-" && hex.bytes().all(|c| c.is_ascii_hexdigit()))
            .then(|| u64::from_str_radix(hex, 16).ok())
            .flatten()
    })
}

/// Limits and a window chosen from the input: a small depth limit, a size limit at or just
/// below the length, and a window of up to an hour around the document's first trace id.
pub fn derived_options(data: &[u8]) -> Options {
    let h = hash(data);
    let now = first_epoch(data).unwrap_or(0x6800_0000);
    Options {
        profile: if h & 1 == 0 {
            Profile::Service
        } else {
            Profile::Strict
        },
        max_depth: 1 + (h >> 8) as usize % 12,
        max_document_bytes: data.len().saturating_sub((h >> 16) as usize % 3),
        time_window: Some(TimeWindow {
            now: (now + (h >> 20) % 4096).saturating_sub(2048),
            max_age: (h >> 32) % 4096,
            max_future_skew: (h >> 44) % 4096,
        }),
    }
}

/// `validate`, `is_valid`, `parse` and `validate_at` (a document inside a larger buffer) give
/// one verdict, and `validate_at` shifts every offset by the base.
fn entry_points_agree(data: &[u8], opts: &Options) {
    let mut v = xseg::Validator::new(engine_options(opts));
    let alone = v.validate(data);
    assert_eq!(
        v.is_valid(data),
        alone.is_accepted(),
        "is_valid: {}",
        literal(data)
    );
    match (v.parse(data), alone) {
        (Ok(_), xseg::Outcome::Accepted(_)) => {}
        (Err(p), xseg::Outcome::Rejected(r)) => assert_eq!(p, r, "parse: {}", literal(data)),
        (p, a) => panic!("parse {p:?} but validate {a:?}: {}", literal(data)),
    }
    let base = 7;
    let mut buffer = b"prefix\n".to_vec();
    buffer.extend_from_slice(data);
    let inside = v.validate_at(buffer.get(base..).unwrap_or_default(), base);
    match (alone, inside) {
        (xseg::Outcome::Accepted(a), xseg::Outcome::Accepted(b)) => assert_eq!(a, b),
        (xseg::Outcome::Rejected(a), xseg::Outcome::Rejected(b)) => {
            assert_eq!(a.error().kind(), b.error().kind());
            assert_eq!(a.error().offset() + base, b.error().offset());
            assert_eq!(
                a.error().locate(data, 0).pointer,
                b.error().locate(&buffer, base).pointer
            );
        }
        (a, b) => panic!("validate {a:?} but validate_at {b:?}: {}", literal(data)),
    }
}

/// The property.
pub fn run(data: &[u8]) {
    let data = data.get(..crate::MAX_INPUT).unwrap_or(data);
    for profile in [Profile::Service, Profile::Strict] {
        assert_agree(data, &Options::new(profile));
        entry_points_agree(data, &Options::new(profile));
    }
    assert_agree(data, &derived_options(data));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{mutants, seeds};

    #[test]
    fn smoke() {
        let seeds = seeds("document_matches_reference");
        for s in &seeds {
            run(s);
        }
        for m in mutants(&seeds, 400, 1) {
            run(&m);
        }
    }

    #[test]
    fn options_stay_in_range() {
        let o = derived_options(br#"{"trace_id":"1-68000000-a006649127e371903a2de979"}"#);
        assert!((1..=12).contains(&o.max_depth));
        let w = o.time_window.unwrap();
        assert!(w.now.abs_diff(0x6800_0000) <= 2048);
    }
}
