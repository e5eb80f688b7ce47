//! `Validator::is_daemon_header_of_last` gives `is_daemon_header`'s answer for the document
//! just validated, whatever the document and the way it was validated.

use proptest::prelude::*;
use xseg::{Options, Profile, Validator};

/// Lines that are, or look like, daemon headers, beside real documents.
fn lines() -> Vec<Vec<u8>> {
    let seg = r#""name":"web","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1,"end_time":2"#;
    let mut out: Vec<String> = vec![
        r#"{"format":"json","version":1}"#.into(),
        r#"{"format": "JSON", "version": 1}"#.into(),
        r#"{ "version" : 1 , "format" : "json" , "padding" : "--------------------------------" }"#
            .into(),
        format!("{{{seg},\"format\":\"json\",\"version\":1}}"),
        format!("{{{seg},\"format\":\"json\"}}"),
        format!("{{{seg},\"version\":1}}"),
        format!("{{{seg},\"format\":\"xml\",\"version\":1}}"),
        format!("{{{seg},\"format\":\"json\",\"version\":2}}"),
        format!("{{{seg},\"form\\u0061t\":\"json\",\"version\":1}}"),
        format!("{{{seg},\"format\":\"json\",\"version\":1,\"format\":\"json\"}}"),
        format!("{{{seg},\"metadata\":{{\"format\":\"json\",\"version\":1}}}}"),
        format!("{{{seg},\"annotations\":{{\"s\":\"\\\"format\\\":\\\"version\\\"\"}}}}"),
        format!("{{\"format\":\"json\",\"version\":1,{seg}"),
        r#"{"format":"json","version":1"#.into(),
        r#"T1SAAAA"#.into(),
        format!("{{{seg}}}"),
        "[]".into(),
    ];
    for file in ["python.ndjson", "node.ndjson"] {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../corpus/samples/");
        let data = std::fs::read_to_string(format!("{path}{file}")).expect("the samples");
        out.extend(data.lines().map(str::to_owned));
    }
    out.into_iter().map(String::into_bytes).collect()
}

#[test]
fn the_header_after_a_verdict_is_the_header() {
    let mut headers = 0;
    for profile in [Profile::Service, Profile::Strict] {
        let mut v = Validator::new(Options::new(profile));
        for line in lines() {
            let want = xseg::is_daemon_header(&line);
            let _ = v.validate(&line);
            assert_eq!(
                v.is_daemon_header_of_last(&line),
                want,
                "{}",
                String::from_utf8_lossy(&line)
            );
            let _ = v.validate_for_traces_at(&line, 7);
            assert_eq!(v.is_daemon_header_of_last(&line), want);
            let _ = v.parse(&line);
            assert_eq!(v.is_daemon_header_of_last(&line), want);
            headers += usize::from(want);
        }
    }
    // the headers above, an accepted segment that also holds both keys among them
    assert!(headers >= 2 * 5, "{headers}");
}

proptest! {
    /// Segments with the header's keys and values spliced in at any place.
    #[test]
    fn spliced_keys_give_the_same_answer(
        format in prop::sample::select(vec![r#""format":"json","#, r#""format":"JSON","#, r#""format":1,"#, ""]),
        version in prop::sample::select(vec![r#""version":1,"#, r#""version":"1","#, ""]),
        at in 0usize..3,
    ) {
        let fields = [
            r#""name":"web","#,
            r#""id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","#,
            r#""start_time":1,"end_time":2"#,
        ];
        let mut body = String::new();
        for (i, f) in fields.iter().enumerate() {
            if i == at {
                body.push_str(format);
                body.push_str(version);
            }
            body.push_str(f);
        }
        let line = format!("{{{body}}}");
        let mut v = Validator::default();
        let _ = v.validate(line.as_bytes());
        prop_assert_eq!(v.is_daemon_header_of_last(line.as_bytes()), xseg::is_daemon_header(line.as_bytes()));
    }
}
