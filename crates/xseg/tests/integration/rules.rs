//! The rules that the data suite (`tests/rule_suite/rules.json`, run through every entry point
//! by `rule_suite.rs`) cannot hold: documents of 64 KiB and more, deep nesting on a small
//! thread stack, and the borrowed view of an accepted document.

use xseg::{ErrorCode, Options, Validator};

const ID: &str = r#""id":"70de5b6f19ff9a0a""#;
const TRACE: &str = r#""trace_id":"1-68000000-a006649127e371903a2de979""#;

/// A valid segment with `extra` members appended.
fn seg(extra: &str) -> String {
    format!(r#"{{"name":"svc",{ID},{TRACE},"start_time":1.5,"end_time":2.5{extra}}}"#)
}

/// A valid segment whose only subsegment has `extra` members appended.
fn sub(extra: &str) -> String {
    seg(&format!(
        r#","subsegments":[{{"name":"db","id":"0000000000000abc","start_time":1.6,"end_time":1.7{extra}}}]"#
    ))
}

#[test]
fn document_size_limit() {
    let mut v = Validator::default();
    // the size limit: 65,536 accepted, 65,537 rejected, before anything else (D4)
    let base = seg(r#","metadata":{"p":""}"#);
    let fill = |n: usize| {
        base.replace(
            r#""p":"""#,
            &format!(r#""p":"{}""#, "x".repeat(n - base.len())),
        )
    };
    let doc = fill(65_536);
    assert_eq!(doc.len(), 65_536);
    assert_eq!(v.validate(doc.as_bytes()).code(), None);
    let doc = fill(65_537);
    let out = v.validate(doc.as_bytes());
    assert_eq!(out.code(), Some(ErrorCode::InvalidSegment));
    assert_eq!(out.id(), None);
    assert_eq!(
        out.rejection().unwrap().error().kind(),
        xseg::ErrorKind::DocumentTooLarge
    );
}

#[test]
fn nesting_depth() {
    // depth counts containers (D1): 128 levels fine, 129 too deep is in the rule suite;
    // a megabyte of `[` gets a verdict without using the stack
    let mut v = Validator::new(Options::default().with_max_document_bytes(usize::MAX));
    let deep = vec![b'['; 1 << 20];
    let e = v.validate(&deep).rejection().unwrap().error();
    assert_eq!(
        (e.kind(), e.offset()),
        (xseg::ErrorKind::NestingTooDeep, 128)
    );
    // the same through entities: subsegments nested to the configured ceiling
    let opts = Options::default()
        .with_max_document_bytes(usize::MAX)
        .with_max_depth(xseg::limits::MAX_DEPTH_CEILING);
    let child =
        r#"{"name":"c","id":"0000000000000001","start_time":1,"end_time":2,"subsegments":["#;
    let levels = xseg::limits::MAX_DEPTH_CEILING / 2 - 1;
    let mut doc = seg("").trim_end_matches('}').to_string();
    doc.push_str(r#","subsegments":["#);
    for _ in 0..levels - 1 {
        doc.push_str(child);
    }
    doc.push_str(&"]}".repeat(levels));
    let result = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || Validator::new(opts).validate(doc.as_bytes()).is_accepted())
        .unwrap()
        .join()
        .expect("no stack overflow on a 2 MiB thread stack");
    assert!(result);
}

#[test]
fn view_of_an_accepted_document() {
    let doc = sub(r#","namespace":"remote","subsegments":[{"name":"x","id":"0000000000000002","start_time":1.6,"in_progress":true}]"#)
        .replace(r#""name":"svc""#, r#""name":"sv\u0063""#);
    let mut v = Validator::default();
    let seg = v.parse(doc.as_bytes()).unwrap().segment().unwrap();
    assert_eq!(seg.name().unwrap().decode(), "svc");
    assert!(seg.name().unwrap().has_escapes());
    assert_eq!(seg.id().unwrap().raw(), "70de5b6f19ff9a0a");
    let t = seg.trace_id().unwrap();
    assert_eq!(
        (t.version, t.epoch, t.random),
        (1, 0x6800_0000, 0xa006649127e371903a2de979)
    );
    assert_eq!(
        (seg.start_time(), seg.end_time(), seg.in_progress()),
        (Some(1.5), Some(2.5), false)
    );
    assert_eq!(seg.range(), 0..doc.len());
    let r = seg.value_range("start_time").unwrap();
    assert_eq!(&doc[r], "1.5");
    let kids: Vec<_> = seg.subsegments().collect();
    assert_eq!(kids.len(), 1);
    assert_eq!(kids[0].namespace().unwrap().raw(), "remote");
    assert_eq!(&doc[kids[0].range()][..9], r#"{"name":""#);
    let grandkids: Vec<_> = kids[0].subsegments().collect();
    assert_eq!(grandkids.len(), 1);
    assert!(grandkids[0].in_progress());
    assert_eq!(grandkids[0].end_time(), None);
    assert_eq!(grandkids[0].subsegments().count(), 0);
    // offsets are absolute when a base is given
    let seg = v.parse_at(doc.as_bytes(), 100).unwrap().segment().unwrap();
    assert_eq!(seg.range(), 100..100 + doc.len());
}

#[test]
fn repeated_entity_keys_documented_or_not() {
    let mut v = Validator::default();
    let many: String = (0..300).map(|i| format!(r#","k{i}":{i}"#)).collect();
    // (document, the text just before the value of the earliest second occurrence)
    let cases = [
        (seg(r#","x":1,"name":"b""#), r#""x":1,"name":"#),
        (seg(r#","x":1,"x":2,"name":"b""#), r#","x":"#),
        (seg(r#","name":"b","x":1,"x":2"#), r#","name":"#),
        (seg(r#","n\u0061me":"b""#), r#""n\u0061me":"#),
        (
            seg(&format!(r#"{many},"id":"0000000000000abc""#)),
            r#","id":"#,
        ),
        (
            seg(&format!(r#"{many},"id":"0000000000000abc","k7":1"#)),
            r#","id":"#,
        ),
        (
            seg(&format!(r#"{many},"k7":1,"id":"0000000000000abc""#)),
            r#","k7":"#,
        ),
        (
            sub(&format!(r#"{many},"k299":1,"name":"c""#)),
            r#","k299":"#,
        ),
    ];
    for (doc, before) in cases {
        let want = doc.rfind(before).expect("case") + before.len();
        let e = v.validate(doc.as_bytes()).rejection().expect(&doc).error();
        assert_eq!(
            (e.kind(), e.offset()),
            (xseg::ErrorKind::DuplicateKey, want),
            "{doc}"
        );
    }
    // the same keys without a repeat are accepted
    assert_eq!(v.validate(seg(&many).as_bytes()).code(), None);
    assert_eq!(v.validate(sub(&many).as_bytes()).code(), None);
}
