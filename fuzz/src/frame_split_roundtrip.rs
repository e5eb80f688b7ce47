//! `frame_split_roundtrip`: on arbitrary bytes taken as a daemon datagram, the engine's split
//! and header rules agree with the reference (`MissingBody` / `InvalidHeader` /
//! `InvalidSegment`, and `is_daemon_header` on the first line); a split datagram is exactly
//! `header` `\n` `body`; the body's verdict, with positions taken in the datagram, equals the
//! model's verdict on the body alone; and a valid header put before any body splits off again.

use xseg::DatagramOutcome;
use xseg_reference::frame;
use xseg_reference::{Options, Profile};

use crate::answer::{engine_options, from_engine, literal, model};

/// Headers that must be accepted (D24).
const HEADERS: [&[u8]; 4] = [
    br#"{"format":"json","version":1}"#,
    b"{ \"version\" : 1 , \"format\" : \"JSON\" }\r",
    br#"{"format":"Js\u006Fn","version":1,"extra":[{}]}"#,
    b"\t{\"format\":\"json\",\"version\":1} ",
];

fn check_datagram(d: &[u8]) {
    let lit = || literal(d);
    let engine_split = xseg::split_datagram(d);
    let model_split = frame::split_datagram(d);
    match (&engine_split, &model_split) {
        (Ok(e), Ok(m)) => {
            assert_eq!((e.header, e.body), (m.header, m.body), "{}", lit());
            assert_eq!(e.body_offset, e.header.len() + 1, "{}", lit());
            assert_eq!(e.body_range(), e.body_offset..d.len(), "{}", lit());
            let rejoined = [e.header, b"\n", e.body].concat();
            assert_eq!(rejoined, d, "split then rejoin is lossless");
        }
        (Err(e), Err(m)) => assert_eq!(e.code().as_str(), m.as_str(), "{}", lit()),
        (e, m) => panic!("split: engine {e:?}, model {m:?}: {}", lit()),
    }
    let first_line = d.split(|&c| c == b'\n').next().unwrap_or_default();
    assert_eq!(
        xseg::is_daemon_header(first_line),
        frame::is_daemon_header(first_line),
        "is_daemon_header({})",
        literal(first_line)
    );
    for profile in [Profile::Service, Profile::Strict] {
        let opts = Options::new(profile);
        let mut v = xseg::Validator::new(engine_options(&opts));
        match (v.validate_datagram(d), &model_split) {
            (DatagramOutcome::Frame(e), Err(m)) => assert_eq!(e.code().as_str(), m.as_str()),
            (DatagramOutcome::Document { frame, outcome }, Ok(m)) => {
                assert_eq!(frame.body, m.body);
                let got = from_engine(&v, d, frame.body_offset, &outcome);
                let want = model(m.body, &opts);
                assert_eq!(got, want, "datagram body ({profile:?}): {}", lit());
                if let xseg::Outcome::Rejected(r) = outcome {
                    assert!(r.error().offset() >= frame.body_offset, "{}", lit());
                }
            }
            (e, m) => panic!("validate_datagram: engine {e:?}, model {m:?}: {}", lit()),
        }
    }
}

/// The property.
pub fn run(data: &[u8]) {
    let data = data.get(..crate::MAX_INPUT).unwrap_or(data);
    check_datagram(data);
    // the input as a body behind a valid header
    let header = HEADERS
        .get(data.len() % HEADERS.len())
        .copied()
        .unwrap_or_default();
    let d = [header, b"\n", data].concat();
    check_datagram(&d);
    let split = xseg::split_datagram(&d);
    if data.is_empty() {
        assert!(split.is_err());
    } else if d.len() <= xseg::limits::MAX_DATAGRAM_BYTES {
        let f = split.unwrap_or_else(|e| panic!("{e}: {}", literal(&d)));
        assert_eq!((f.header, f.body), (header, data));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{mutants, seeds};

    #[test]
    fn smoke() {
        let seeds = seeds("frame_split_roundtrip");
        for s in &seeds {
            run(s);
        }
        for m in mutants(&seeds, 400, 2) {
            run(&m);
        }
    }
}
