//! Every case of `shared/data/edge-cases.json`, under both profiles, through every entry point.

use serde_json::Value;
use xseg::{DatagramOutcome, Options, Outcome, Profile, Validator};

fn cases() -> Vec<Value> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../../shared/data/edge-cases.json"
    );
    let text =
        std::fs::read_to_string(path).expect("shared/data/edge-cases.json beside the repository");
    serde_json::from_str::<Vec<Value>>(&text).expect("edge-cases.json is a JSON array")
}

fn check(outcome: &Outcome<'_>, want: &Value, what: &str) {
    let accepted = want["accepted"].as_bool().expect("accepted");
    assert_eq!(outcome.is_accepted(), accepted, "{what}: {outcome:?}");
    if let Some(r) = outcome.rejection() {
        assert_eq!(
            r.code().as_str(),
            want["ErrorCode"].as_str().unwrap(),
            "{what}"
        );
        assert_eq!(r.message(), want["Message"].as_str().unwrap(), "{what}");
        assert_eq!(
            r.id().as_deref(),
            want.get("Id").and_then(Value::as_str),
            "{what}"
        );
    }
}

#[test]
fn every_edge_case_holds_under_both_profiles() {
    let cases = cases();
    assert_eq!(cases.len(), 82);
    for profile in [Profile::Service, Profile::Strict] {
        let mut v = Validator::new(Options::new(profile));
        for case in &cases {
            let name = format!("{} {} ({})", case["case"], case["what"], profile.name());
            let doc = case["document"].as_str().expect("document is a string");
            let want = &case[profile.name()];
            check(&v.validate(doc.as_bytes()), want, &name);
            assert_eq!(
                v.is_valid(doc.as_bytes()),
                want["accepted"].as_bool().unwrap(),
                "{name}"
            );
            match v.parse(doc.as_bytes()) {
                Ok(_) => assert!(want["accepted"].as_bool().unwrap(), "{name}"),
                Err(r) => check(&Outcome::Rejected(r), want, &name),
            }
            // the same document as a daemon datagram body, offsets shifted by the header
            let header = b"{\"format\":\"json\",\"version\":1}\n";
            let mut dgram = header.to_vec();
            dgram.extend_from_slice(doc.as_bytes());
            if doc.is_empty() {
                continue;
            }
            if dgram.len() > xseg::limits::MAX_DATAGRAM_BYTES {
                assert!(
                    matches!(v.validate_datagram(&dgram), DatagramOutcome::Frame(_)),
                    "{name}"
                );
                continue;
            }
            match v.validate_datagram(&dgram) {
                DatagramOutcome::Document { frame, outcome } => {
                    assert_eq!(frame.body_offset, header.len());
                    check(&outcome, want, &name);
                    if let Some(r) = outcome.rejection() {
                        assert!(r.error().offset() >= header.len(), "{name}");
                    }
                }
                DatagramOutcome::Frame(e) => panic!("{name}: {e}"),
            }
        }
    }
}
