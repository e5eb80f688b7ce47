//! The rule suite (`tests/rule_suite/rules.json`) through every entry point of the core:
//! `validate`, `parse`, `validate_at` with a non-zero base, and a daemon datagram. The batch
//! crate runs the same file through batches, PutTraceSegments requests and NDJSON streams, and
//! the fuzz crate through the reference model.

#[path = "../rule_suite/loader.rs"]
pub(crate) mod loader;

use loader::{check, verdict, Case, PROFILES};
use xseg::{DatagramOutcome, Document, ErrorKind, Outcome, Validator};

const HEADER: &[u8] = b"{\"format\":\"json\",\"version\":1}\n";
const PADDING: usize = 37;

fn validate(case: &Case, profile: xseg::Profile) -> serde_json::Value {
    let mut v = Validator::new(case.options(profile));
    let out = v.validate(&case.doc);
    verdict(&out, Some(v.warnings()), v.warnings().total(), &case.doc, 0)
}

#[test]
fn every_case_through_validate() {
    let cases = loader::cases();
    if std::env::var_os("XSEG_BLESS_RULES").is_some() {
        let blessed: Vec<serde_json::Value> = cases
            .iter()
            .map(|c| {
                let mut raw = c.raw.clone();
                for (p, key) in PROFILES {
                    raw[key] = validate(c, p);
                }
                raw
            })
            .collect();
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/rule_suite/rules.json");
        let text = serde_json::to_string_pretty(&blessed).expect("JSON");
        std::fs::write(path, text + "\n").expect("write rules.json");
        return;
    }
    for case in &cases {
        for (p, key) in PROFILES {
            check(
                case,
                key,
                "validate",
                &validate(case, p),
                case.expected(key),
            );
        }
    }
}

#[test]
fn every_case_through_parse_and_validate_at() {
    for case in &loader::cases() {
        let mut buf = vec![b' '; PADDING];
        buf.extend_from_slice(&case.doc);
        for (p, key) in PROFILES {
            let want = case.expected(key);
            let mut v = Validator::new(case.options(p));
            let out = v.validate_at(&buf[PADDING..], PADDING);
            let got = verdict(
                &out,
                Some(v.warnings()),
                v.warnings().total(),
                &buf,
                PADDING,
            );
            check(case, key, "validate_at", &got, want);

            let out = match v.parse(&case.doc) {
                Ok(Document::Segment(s)) => {
                    let r = s.range();
                    assert_eq!(case.doc.get(r.start), Some(&b'{'), "{}", case.name);
                    assert_eq!(case.doc.get(r.end - 1), Some(&b'}'), "{}", case.name);
                    Outcome::Accepted(if s.entity_type().is_some_and(|t| t.eq_str("subsegment")) {
                        xseg::DocumentKind::Subsegment
                    } else {
                        xseg::DocumentKind::Segment
                    })
                }
                Ok(Document::Otlp(_)) => Outcome::Accepted(xseg::DocumentKind::Otlp),
                Err(r) => Outcome::Rejected(r),
            };
            let got = verdict(&out, Some(v.warnings()), v.warnings().total(), &case.doc, 0);
            check(case, key, "parse", &got, want);
        }
    }
}

#[test]
fn every_case_through_a_datagram() {
    let mut sent = 0;
    for case in &loader::cases() {
        let mut datagram = HEADER.to_vec();
        datagram.extend_from_slice(&case.doc);
        if datagram.len() > xseg::limits::MAX_DATAGRAM_BYTES || case.doc.is_empty() {
            continue; // rejected as a datagram before the document is read
        }
        sent += 1;
        for (p, key) in PROFILES {
            let mut v = Validator::new(case.options(p));
            let out = match v.validate_datagram(&datagram) {
                DatagramOutcome::Document { frame, outcome } => {
                    assert_eq!(frame.body_offset, HEADER.len());
                    outcome
                }
                DatagramOutcome::Frame(e) => panic!("{}: {e}", case.name),
            };
            let got = verdict(
                &out,
                Some(v.warnings()),
                v.warnings().total(),
                &datagram,
                HEADER.len(),
            );
            check(case, key, "a datagram", &got, case.expected(key));
        }
    }
    assert!(sent > 100);
}

/// Every diagnostic kind is what some case expects, as a rejection or as a warning, so every
/// entry point is tested on every kind.
#[test]
fn every_error_kind_has_a_case() {
    let cases = loader::cases();
    let mut seen = std::collections::BTreeSet::new();
    for case in &cases {
        for (_, key) in PROFILES {
            let want = case.expected(key);
            if let Some(k) = want["rejected"]["kind"].as_str() {
                seen.insert(k.to_string());
            }
            for w in want["warnings"].as_array().into_iter().flatten() {
                seen.insert(w[0].as_str().unwrap_or_default().to_string());
            }
        }
    }
    let missing: Vec<&str> = ErrorKind::ALL
        .iter()
        .map(|k| k.name())
        .filter(|k| !seen.contains(*k))
        .collect();
    assert!(missing.is_empty(), "kinds without a case: {missing:?}");
}
