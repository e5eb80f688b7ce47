//! One case per row of RULES.md sections 5 and 6, with the expected pointer (D25).
//!
//! `ok` cases must be accepted under both profiles with no warnings; `err` cases rejected under
//! both; `warn` cases accepted under `service` with exactly that warning at that pointer, and
//! rejected under `strict` with the warning's code at the same pointer.

use xseg::{ErrorCode, Options, Profile, Validator};

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

fn run(doc: &str, profile: Profile) -> (Option<(ErrorCode, String, String)>, Vec<String>) {
    let mut v = Validator::new(Options::new(profile));
    let out = v.validate(doc.as_bytes());
    let warnings = v
        .warnings()
        .iter()
        .map(|w| w.locate(doc.as_bytes(), 0).pointer)
        .collect();
    let rej = out.rejection().map(|r| {
        (
            r.code(),
            r.message().to_string(),
            r.error().locate(doc.as_bytes(), 0).pointer,
        )
    });
    (rej, warnings)
}

#[track_caller]
fn ok(doc: &str) {
    for p in [Profile::Service, Profile::Strict] {
        let (rej, warns) = run(doc, p);
        assert_eq!(rej, None, "{p:?} {doc}");
        assert!(warns.is_empty(), "{p:?} {doc}: warnings at {warns:?}");
    }
}

#[track_caller]
fn err(doc: &str, code: ErrorCode, pointer: &str) {
    for p in [Profile::Service, Profile::Strict] {
        let (rej, _) = run(doc, p);
        let (c, _, ptr) = rej.unwrap_or_else(|| panic!("{p:?} accepted {doc}"));
        assert_eq!((c, ptr.as_str()), (code, pointer), "{p:?} {doc}");
    }
}

#[track_caller]
fn warn(doc: &str, code: ErrorCode, pointer: &str) {
    let (rej, warns) = run(doc, Profile::Service);
    assert_eq!(rej, None, "service rejected {doc}");
    assert_eq!(warns, vec![pointer.to_string()], "{doc}");
    let (rej, _) = run(doc, Profile::Strict);
    let (c, _, ptr) = rej.unwrap_or_else(|| panic!("strict accepted {doc}"));
    assert_eq!((c, ptr.as_str()), (code, pointer), "strict {doc}");
}

use ErrorCode::*;

#[test]
fn id() {
    err(&seg("").replace(&format!("{ID},"), ""), MissingId, "");
    err(
        &seg("").replace("70de5b6f19ff9a0a", "70de5b6f19ff9a0"),
        InvalidId,
        "/id",
    );
    err(
        &seg("").replace("70de5b6f19ff9a0a", "70de5b6f19ff9a0g"),
        InvalidId,
        "/id",
    );
    err(
        &seg("").replace(r#""70de5b6f19ff9a0a""#, "7"),
        InvalidId,
        "/id",
    );
    err(
        &sub("").replace("0000000000000abc", "abc"),
        InvalidId,
        "/subsegments/0/id",
    );
    err(
        &sub("").replace(r#","id":"0000000000000abc""#, ""),
        MissingId,
        "/subsegments/0",
    );
    ok(&seg("").replace("70de5b6f19ff9a0a", r"70de5b6f19ff9a0\u0061"));
    warn(
        &seg("").replace("70de5b6f19ff9a0a", "70DE5B6F19FF9A0A"),
        InvalidId,
        "/id",
    );
    warn(
        &seg("").replace("70de5b6f19ff9a0a", "0000000000000000"),
        InvalidId,
        "/id",
    );
    // null means missing for a required field
    err(
        &seg("").replace(r#""70de5b6f19ff9a0a""#, "null"),
        MissingId,
        "",
    );
}

#[test]
fn name() {
    err(&seg("").replace(r#""name":"svc","#, ""), MissingName, "");
    err(&seg("").replace(r#""svc""#, r#""""#), InvalidName, "/name");
    err(&seg("").replace(r#""svc""#, "7"), InvalidName, "/name");
    for bad in [
        "a,b",
        "a(b",
        "a)b",
        r"a\\b",
        r"a\tb",
        "a😀",
        r"a\u0028",
        r"\ud83d\ude00",
        "a\u{10000}",
    ] {
        err(&seg("").replace("svc", bad), InvalidName, "/name");
    }
    for good in [
        "a_.:/%&#=+-@b",
        "Ünïcödé dienst",
        "名前",
        "x y",
        r"caf\u00e9",
    ] {
        ok(&seg("").replace("svc", good));
    }
    ok(&seg("").replace("svc", &"n".repeat(200)));
    err(
        &seg("").replace("svc", &"n".repeat(201)),
        InvalidName,
        "/name",
    );
    ok(&seg("").replace("svc", &"é".repeat(200)));
    err(
        &sub("").replace(r#""db""#, r#""d,b""#),
        InvalidName,
        "/subsegments/0/name",
    );
    warn(&seg("").replace("svc", "   "), InvalidName, "/name");
    warn(&seg("").replace("svc", "\u{3000}"), InvalidName, "/name");
}

#[test]
fn trace_id() {
    err(
        &seg("").replace(&format!("{TRACE},"), ""),
        MissingTraceId,
        "",
    );
    err(
        &seg("").replace("1-68000000", "2-68000000"),
        InvalidTraceId,
        "/trace_id",
    );
    err(
        &seg("").replace("-a006", "-a00"),
        InvalidTraceId,
        "/trace_id",
    );
    err(
        &seg("").replace("-a006", "_a006"),
        InvalidTraceId,
        "/trace_id",
    );
    err(
        &seg("").replace(r#""1-68000000-a006649127e371903a2de979""#, "1"),
        InvalidTraceId,
        "/trace_id",
    );
    warn(
        &seg("").replace("a006649127e371903a2de979", "A006649127E371903A2DE979"),
        InvalidTraceId,
        "/trace_id",
    );
    warn(
        &seg("").replace(
            "1-68000000-a006649127e371903a2de979",
            "1-00000000-000000000000000000000000",
        ),
        InvalidTraceId,
        "/trace_id",
    );
    // optional on embedded subsegments, checked when present
    ok(&sub(&format!(",{TRACE}")));
    err(
        &sub(r#","trace_id":"1-x""#),
        InvalidTraceId,
        "/subsegments/0/trace_id",
    );
}

#[test]
fn trace_id_time_window() {
    let doc = seg("");
    let window = |now| {
        Options::new(Profile::Service).with_time_window(Some(xseg::TimeWindow {
            now,
            max_age: 30 * 86_400,
            max_future_skew: 300,
        }))
    };
    let epoch = 0x6800_0000u64;
    let mut v = Validator::new(window(epoch + 86_400));
    assert!(v.validate(doc.as_bytes()).is_accepted());
    let mut v = Validator::new(window(epoch + 31 * 86_400));
    assert_eq!(v.validate(doc.as_bytes()).code(), Some(InvalidTraceId));
    let mut v = Validator::new(window(epoch - 301));
    assert_eq!(v.validate(doc.as_bytes()).code(), Some(InvalidTraceId));
    let mut v = Validator::new(window(epoch - 300));
    assert!(v.validate(doc.as_bytes()).is_accepted());
}

#[test]
fn start_and_end_time() {
    err(
        &seg("").replace(r#""start_time":1.5,"#, ""),
        MissingStartTime,
        "",
    );
    err(
        &seg("").replace("1.5", r#""1.5""#),
        InvalidStartTime,
        "/start_time",
    );
    err(
        &seg("").replace("1.5", "-1.5"),
        InvalidStartTime,
        "/start_time",
    );
    err(
        &seg("").replace("1.5", "0"),
        InvalidStartTime,
        "/start_time",
    );
    err(
        &seg("").replace("1.5", "1e400"),
        InvalidStartTime,
        "/start_time",
    );
    ok(&seg("").replace("1.5", "1.5e0"));
    err(
        &seg("").replace(r#","end_time":2.5"#, ""),
        MissingEndTime,
        "",
    );
    err(
        &seg("").replace(r#","end_time":2.5"#, r#","in_progress":false"#),
        MissingEndTime,
        "",
    );
    err(
        &seg("").replace(r#","end_time":2.5"#, r#","in_progress":"true""#),
        MissingEndTime,
        "",
    );
    ok(&seg("").replace(r#","end_time":2.5"#, r#","in_progress":true"#));
    err(&seg("").replace("2.5", "true"), InvalidEndTime, "/end_time");
    err(&seg("").replace("2.5", "-2"), InvalidEndTime, "/end_time");
    warn(&seg("").replace("2.5", "1.25"), InvalidEndTime, "/end_time");
    // in_progress of the wrong type is a type error when end_time is there (D10)
    err(
        &seg(r#","in_progress":"false""#),
        InvalidSegment,
        "/in_progress",
    );
    err(
        &sub("").replace(r#","end_time":1.7"#, ""),
        MissingEndTime,
        "/subsegments/0",
    );
}

#[test]
fn standalone_subsegments_and_parent_id() {
    let standalone = seg(r#","type":"subsegment","parent_id":"1234567890abcdef""#);
    ok(&standalone);
    err(
        &standalone.replace(r#","parent_id":"1234567890abcdef""#, ""),
        MissingParentId,
        "",
    );
    err(
        &standalone.replace("1234567890abcdef", "123"),
        InvalidParentId,
        "/parent_id",
    );
    err(
        &standalone.replace(&format!("{TRACE},"), ""),
        MissingTraceId,
        "",
    );
    warn(
        &standalone.replace("1234567890abcdef", "1234567890ABCDEF"),
        InvalidParentId,
        "/parent_id",
    );
    warn(
        &standalone.replace("1234567890abcdef", "0000000000000000"),
        InvalidParentId,
        "/parent_id",
    );
    // parent_id on a segment is checked when present
    err(&seg(r#","parent_id":7"#), InvalidParentId, "/parent_id");
    ok(&seg(r#","parent_id":"1234567890abcdef""#));
    warn(&seg(r#","type":"Subsegment""#), InvalidSegment, "/type");
    err(&seg(r#","type":1"#), InvalidSegment, "/type");
    // a standalone subsegment rejects in the subsegment message form
    let (rej, _) = run(&standalone.replace("\"svc\"", "\"\""), Profile::Service);
    assert_eq!(
        rej.unwrap().1,
        "Invalid subsegment. ErrorCode: InvalidName, Cause: null"
    );
}

#[test]
fn message_forms() {
    let msg = |doc: &str, p| run(doc, p).0.unwrap().1;
    let seg_form = "Invalid segment. ErrorCode: InvalidSegment";
    let sub_form = "Invalid subsegment. ErrorCode: InvalidSegment, Cause: null";
    // the failing entity decides: a bad `subsegments` value is the segment's own error
    assert_eq!(
        msg(&seg(r#","subsegments":[null]"#), Profile::Service),
        seg_form
    );
    assert_eq!(msg(&sub(r#","error":1"#), Profile::Service), sub_form);
    assert_eq!(
        msg(&sub(r#","id":"0000000000000abc""#), Profile::Service),
        sub_form
    );
    assert_eq!(
        msg(&sub("").replace(r#","end_time":1.7"#, ""), Profile::Service),
        "Invalid subsegment. ErrorCode: MissingEndTime, Cause: null"
    );
    // strict turns a subsegment's warning into a rejection in the subsegment form
    assert_eq!(msg(&sub(r#","namespace":"x""#), Profile::Strict), sub_form);
    // but a repeated key anywhere is decided first, in the top-level form
    assert_eq!(
        msg(&sub(r#","id":"0000000000000abc""#), Profile::Strict),
        seg_form
    );
}

#[test]
fn simple_field_types() {
    for f in ["error", "fault", "throttle"] {
        ok(&seg(&format!(r#","{f}":true"#)));
        err(
            &seg(&format!(r#","{f}":"true""#)),
            InvalidSegment,
            &format!("/{f}"),
        );
    }
    for f in ["user", "origin", "resource_arn"] {
        ok(&seg(&format!(r#","{f}":"x""#)));
        err(
            &seg(&format!(r#","{f}":1"#)),
            InvalidSegment,
            &format!("/{f}"),
        );
        ok(&seg(&format!(r#","{f}":null"#)));
    }
    warn(
        &seg(&format!(r#","user":"{}""#, "u".repeat(251))),
        InvalidSegment,
        "/user",
    );
    ok(&seg(&format!(r#","user":"{}""#, "u".repeat(250))));
    for ns in ["aws", "remote", "local"] {
        ok(&sub(&format!(r#","namespace":"{ns}""#)));
    }
    warn(
        &sub(r#","namespace":"AWS""#),
        InvalidSegment,
        "/subsegments/0/namespace",
    );
    err(
        &sub(r#","namespace":[]"#),
        InvalidSegment,
        "/subsegments/0/namespace",
    );
    for f in ["aws", "service", "sql"] {
        ok(&seg(&format!(r#","{f}":{{}}"#)));
        err(
            &seg(&format!(r#","{f}":"x""#)),
            InvalidSegment,
            &format!("/{f}"),
        );
    }
    ok(&seg(
        r#","sql":{"url":"x","user":"u","sanitized_query":null}"#,
    ));
    err(&seg(r#","sql":{"url":1}"#), InvalidSegment, "/sql/url");
    ok(&seg(r#","unknown":{"anything":[1,2,{"x":null}]}"#));
}

#[test]
fn http() {
    ok(&seg(
        r#","http":{"request":{"method":"GET","url":"http://x/","user_agent":"a","client_ip":"1.2.3.4","x_forwarded_for":true,"traced":false},"response":{"status":200,"content_length":12}}"#,
    ));
    err(&seg(r#","http":[]"#), InvalidSegment, "/http");
    err(
        &seg(r#","http":{"request":1}"#),
        InvalidSegment,
        "/http/request",
    );
    err(
        &seg(r#","http":{"request":{"method":1}}"#),
        InvalidSegment,
        "/http/request/method",
    );
    err(
        &seg(r#","http":{"request":{"traced":"yes"}}"#),
        InvalidSegment,
        "/http/request/traced",
    );
    err(
        &seg(r#","http":{"response":{"status":"200"}}"#),
        InvalidSegment,
        "/http/response/status",
    );
    err(
        &seg(r#","http":{"response":{"status":200.5}}"#),
        InvalidSegment,
        "/http/response/status",
    );
    ok(&seg(r#","http":{"response":{"status":2e2}}"#));
    ok(&seg(
        r#","http":{"response":{"status":null,"content_length":null}}"#,
    ));
    warn(
        &seg(r#","http":{"response":{"content_length":"12"}}"#),
        InvalidSegment,
        "/http/response/content_length",
    );
    err(
        &seg(r#","http":{"response":{"content_length":"12a"}}"#),
        InvalidSegment,
        "/http/response/content_length",
    );
    err(
        &seg(r#","http":{"response":{"content_length":true}}"#),
        InvalidSegment,
        "/http/response/content_length",
    );
    let long = "u".repeat(251);
    warn(
        &seg(&format!(r#","http":{{"request":{{"url":"{long}"}}}}"#)),
        InvalidSegment,
        "/http/request/url",
    );
    // every http.request string, documented or not (D17)
    warn(
        &seg(&format!(r#","http":{{"request":{{"referer":"{long}"}}}}"#)),
        InvalidSegment,
        "/http/request/referer",
    );
    ok(&seg(
        r#","http":{"request":{"referer":7,"headers":{"a":"b"}}}"#,
    ));
}

#[test]
fn cause() {
    ok(&seg(r#","cause":"0123456789abcdef""#));
    ok(&seg(r#","cause":"0123456789ABCDEF""#));
    err(
        &seg(r#","cause":"0123456789abcde""#),
        InvalidSegment,
        "/cause",
    );
    err(&seg(r#","cause":7"#), InvalidSegment, "/cause");
    let full = r#","cause":{"working_directory":"/app","paths":["/a.py"],"exceptions":[{"id":"0123456789abcdef","message":"boom","type":"ValueError","remote":false,"truncated":2,"skipped":0,"cause":"0123456789abcdea","stack":[{"path":"a.py","line":3,"label":"f"},{"path":"b.js","line":null}]}]}"#;
    ok(&seg(full));
    err(
        &seg(r#","cause":{"working_directory":1}"#),
        InvalidSegment,
        "/cause/working_directory",
    );
    err(
        &seg(r#","cause":{"paths":"x"}"#),
        InvalidSegment,
        "/cause/paths",
    );
    err(
        &seg(r#","cause":{"paths":["x",null]}"#),
        InvalidSegment,
        "/cause/paths/1",
    );
    err(
        &seg(r#","cause":{"exceptions":{}}"#),
        InvalidSegment,
        "/cause/exceptions",
    );
    err(
        &seg(r#","cause":{"exceptions":[null]}"#),
        InvalidSegment,
        "/cause/exceptions/0",
    );
    err(
        &seg(r#","cause":{"exceptions":[{"id":"xyz"}]}"#),
        InvalidSegment,
        "/cause/exceptions/0/id",
    );
    err(
        &seg(r#","cause":{"exceptions":[{"id":"0123456789abcdef","remote":"no"}]}"#),
        InvalidSegment,
        "/cause/exceptions/0/remote",
    );
    err(
        &seg(r#","cause":{"exceptions":[{"id":"0123456789abcdef","truncated":1.5}]}"#),
        InvalidSegment,
        "/cause/exceptions/0/truncated",
    );
    err(
        &seg(r#","cause":{"exceptions":[{"id":"0123456789abcdef","message":[]}]}"#),
        InvalidSegment,
        "/cause/exceptions/0/message",
    );
    err(
        &seg(r#","cause":{"exceptions":[{"id":"0123456789abcdef","stack":[{"line":"3"}]}]}"#),
        InvalidSegment,
        "/cause/exceptions/0/stack/0/line",
    );
    err(
        &seg(r#","cause":{"exceptions":[{"id":"0123456789abcdef","stack":[1]}]}"#),
        InvalidSegment,
        "/cause/exceptions/0/stack/0",
    );
    warn(
        &seg(r#","cause":{"exceptions":[{"message":"no id"}]}"#),
        InvalidSegment,
        "/cause/exceptions/0",
    );
    warn(
        &seg(r#","cause":{"exceptions":[{"id":null}]}"#),
        InvalidSegment,
        "/cause/exceptions/0",
    );
}

#[test]
fn annotations() {
    ok(&seg(
        r#","annotations":{"k":"v","n":1.5,"b":true,"dotted.key_1":0}"#,
    ));
    err(&seg(r#","annotations":[]"#), InvalidSegment, "/annotations");
    warn(
        &seg(r#","annotations":{"bad key":1}"#),
        InvalidSegment,
        "/annotations/bad key",
    );
    warn(
        &seg(r#","annotations":{"":1}"#),
        InvalidSegment,
        "/annotations/",
    );
    warn(
        &seg(r#","annotations":{"k":{}}"#),
        InvalidSegment,
        "/annotations/k",
    );
    warn(
        &seg(r#","annotations":{"k":[1]}"#),
        InvalidSegment,
        "/annotations/k",
    );
    warn(
        &seg(r#","annotations":{"k":null}"#),
        InvalidSegment,
        "/annotations/k",
    );
    warn(
        &seg(r#","annotations":{"k":1e400}"#),
        InvalidSegment,
        "/annotations/k",
    );
    warn(
        &seg(&format!(r#","annotations":{{"k":"{}"}}"#, "v".repeat(1001))),
        InvalidSegment,
        "/annotations/k",
    );
    ok(&seg(&format!(
        r#","annotations":{{"k":"{}"}}"#,
        "v".repeat(1000)
    )));
    ok(&seg(&format!(
        r#","annotations":{{"{}":1}}"#,
        "k".repeat(500)
    )));
    let many = |n: usize| {
        (0..n)
            .map(|i| format!(r#""a{i}":{i}"#))
            .collect::<Vec<_>>()
            .join(",")
    };
    ok(&seg(&format!(r#","annotations":{{{}}}"#, many(50))));
    warn(
        &seg(&format!(r#","annotations":{{{}}}"#, many(51))),
        InvalidSegment,
        "/annotations/a50",
    );
    // the 50 count over the whole document: 30 on the segment and 21 on a subsegment
    let doc = sub(&format!(r#","annotations":{{{}}}"#, many(21))).replacen(
        r#""end_time":2.5"#,
        &format!(
            r#""end_time":2.5,"annotations":{{{}}}"#,
            many(30).replace("\"a", "\"s")
        ),
        1,
    );
    warn(&doc, InvalidSegment, "/subsegments/0/annotations/a20");
    warn(
        &sub(r#","annotations":{"a-b":1}"#),
        InvalidSegment,
        "/subsegments/0/annotations/a-b",
    );
}

#[test]
fn metadata() {
    ok(&seg(
        r#","metadata":{"default":{"k":[1,{"x":null}]},"custom":{}}"#,
    ));
    err(&seg(r#","metadata":"x""#), InvalidSegment, "/metadata");
    warn(
        &seg(r#","metadata":{"default":1}"#),
        InvalidSegment,
        "/metadata/default",
    );
    warn(
        &seg(r#","metadata":{"default":null}"#),
        InvalidSegment,
        "/metadata/default",
    );
    warn(
        &seg(r#","metadata":{"AWS.xray":{}}"#),
        InvalidSegment,
        "/metadata/AWS.xray",
    );
    ok(&seg(r#","metadata":{"aws.lower":{}}"#));
}

#[test]
fn subsegments_and_precursors() {
    ok(&sub(
        r#","subsegments":[{"name":"deep","id":"0000000000000abd","start_time":1.6,"in_progress":true}]"#,
    ));
    err(&seg(r#","subsegments":{}"#), InvalidSegment, "/subsegments");
    err(
        &seg(r#","subsegments":[null]"#),
        InvalidSegment,
        "/subsegments/0",
    );
    err(
        &sub("").replace("}]", "},7]"),
        InvalidSegment,
        "/subsegments/1",
    );
    ok(&seg(r#","subsegments":null"#));
    ok(&sub(r#","precursor_ids":["0123456789abcdef"]"#));
    warn(
        &sub(r#","precursor_ids":["xyz"]"#),
        InvalidSegment,
        "/subsegments/0/precursor_ids/0",
    );
    err(
        &sub(r#","precursor_ids":[1]"#),
        InvalidSegment,
        "/subsegments/0/precursor_ids/0",
    );
    err(
        &sub(r#","precursor_ids":"x""#),
        InvalidSegment,
        "/subsegments/0/precursor_ids",
    );
    // depth-first in document order: the first child's grandchild before the second child
    let doc = seg(concat!(
        r#","subsegments":[{"name":"a","id":"0000000000000001","start_time":1,"end_time":2,"#,
        r#""subsegments":[{"name":"a(1)","id":"0000000000000002","start_time":1,"end_time":2}]},"#,
        r#"{"id":"0000000000000003","start_time":1,"end_time":2}]"#
    ));
    err(&doc, InvalidName, "/subsegments/0/subsegments/0/name");
    // an entity's own checks come before its children's, whatever the key order
    let doc = r#"{"subsegments":[{"id":"0000000000000003","start_time":1,"end_time":2}],"name":"s","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1,"error":"x","end_time":2}"#;
    err(doc, InvalidSegment, "/error");
}

#[test]
fn check_order_within_an_entity() {
    // b (id) before c (name) before h (types), whatever the key order
    let doc = r#"{"error":1,"name":"a(b","id":"x","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1,"end_time":2}"#;
    err(doc, InvalidId, "/id");
    let doc = r#"{"error":1,"name":"a(b","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1,"end_time":2}"#;
    err(doc, InvalidName, "/name");
    // step h reports the finding first in the document (D11)
    let doc = seg(r#","fault":"x","error":"y""#);
    err(&doc, InvalidSegment, "/fault");
    // strict: warnings of step h compete in document order too
    let doc = seg(r#","annotations":{"bad key":1},"fault":"x""#);
    let (rej, _) = run(&doc, Profile::Strict);
    assert_eq!(rej.unwrap().2, "/annotations/bad key");
    let (rej, _) = run(&doc, Profile::Service);
    assert_eq!(rej.unwrap().2, "/fault");
    // strict: an upper-case id is reported at step b, before a bad name (D12)
    let doc = seg("")
        .replace("70de5b6f19ff9a0a", "70DE5B6F19FF9A0A")
        .replace("svc", "s,c");
    let (rej, _) = run(&doc, Profile::Strict);
    assert_eq!(rej.unwrap().0, InvalidId);
}

#[test]
fn repeated_keys() {
    err(&seg(r#","name":"again""#), InvalidSegment, "/name");
    err(
        &sub(r#","id":"0000000000000abc""#),
        InvalidSegment,
        "/subsegments/0/id",
    );
    // keys compare after unescaping (D6)
    err(&seg(r#","n\u0061me":"again""#), InvalidSegment, "/name");
    // D7: the repeat whose second occurrence comes first in the document
    let doc = seg(r#","x":1,"y":2,"y":3,"x":4"#);
    err(&doc, InvalidSegment, "/y");
    // D8: outside entity objects a repeat is a warning under service; strict rejects with
    // the top-level message form
    let doc = sub(r#","metadata":{"d":{"k":1,"k":2}}"#);
    warn(&doc, InvalidSegment, "/subsegments/0/metadata/d/k");
    let (rej, _) = run(&doc, Profile::Strict);
    assert_eq!(rej.unwrap().1, "Invalid segment. ErrorCode: InvalidSegment");
    // many keys (the sorted path of the repeat finder)
    let many: String = (0..40).map(|i| format!(r#","k{i}":{i}"#)).collect();
    ok(&seg(&many));
    err(&seg(&format!("{many},\"k7\":0")), InvalidSegment, "/k7");
    // D9: the Id is the first occurrence's
    let doc = seg(r#","id":"1111111111111111""#);
    let mut v = Validator::default();
    assert_eq!(
        v.validate(doc.as_bytes()).id().as_deref(),
        Some("70de5b6f19ff9a0a")
    );
}

#[test]
fn document_level() {
    let mut v = Validator::default();
    let code = |v: &mut Validator, d: &[u8]| v.validate(d).code();
    assert_eq!(code(&mut v, b""), Some(ParseError));
    assert_eq!(code(&mut v, b"   "), Some(ParseError));
    assert_eq!(code(&mut v, b"\xEF\xBB\xBF{}"), Some(ParseError));
    assert_eq!(code(&mut v, b"[]"), Some(MissingId));
    assert_eq!(code(&mut v, b"\"x\""), Some(MissingId));
    assert_eq!(code(&mut v, b"{} x"), Some(ParseError));
    assert_eq!(code(&mut v, b"{\"a\":NaN}"), Some(ParseError));
    assert_eq!(code(&mut v, b"{\"a\":Infinity}"), Some(ParseError));
    assert_eq!(code(&mut v, b"{\"a\":01}"), Some(ParseError));
    assert_eq!(code(&mut v, b"{\"a\":\"\x01\"}"), Some(ParseError));
    assert_eq!(code(&mut v, b"{\"a\":\"\xff\"}"), Some(ParseError));
    assert_eq!(code(&mut v, br#"{"a":"\udc00"}"#), Some(ParseError));
    let padded = format!(" \t\r\n{} \n", seg(""));
    assert_eq!(code(&mut v, padded.as_bytes()), None);
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
    assert_eq!(code(&mut v, doc.as_bytes()), None);
    let doc = fill(65_537);
    let out = v.validate(doc.as_bytes());
    assert_eq!(out.code(), Some(InvalidSegment));
    assert_eq!(out.id(), None);
    assert_eq!(
        out.rejection().unwrap().error().kind(),
        xseg::ErrorKind::DocumentTooLarge
    );
    // T1S OTLP payloads (D5)
    assert!(v.validate(b"T1SAAAA").is_accepted());
    assert_eq!(code(&mut v, b"T1S"), Some(ParseError));
    assert_eq!(code(&mut v, b"T1S!!!!"), Some(ParseError));
}

#[test]
fn syntax_errors_report_the_first_problem() {
    use xseg::ErrorKind as K;
    let mut v = Validator::default();
    let diag = |v: &mut Validator, d: &[u8]| {
        let e = v.validate(d).rejection().unwrap().error();
        (e.kind(), e.offset())
    };
    // invalid UTF-8 after a syntax error: the syntax error, it comes first
    assert_eq!(
        diag(&mut v, b"{\"a\":x,\"b\":\"\xff\"}"),
        (K::ExpectedValue, 5)
    );
    // invalid UTF-8 before a syntax error: the UTF-8 error
    assert_eq!(diag(&mut v, b"{\"a\":\"\xff\",x}"), (K::InvalidUtf8, 6));
    assert_eq!(diag(&mut v, b"{\"a\":1"), (K::UnexpectedEof, 6));
    assert_eq!(diag(&mut v, b"{\"a\" 1}"), (K::ExpectedColon, 5));
    assert_eq!(
        diag(&mut v, b"{\"a\":1 \"b\":2}"),
        (K::ExpectedCommaOrEnd, 7)
    );
    assert_eq!(diag(&mut v, b"{1:2}"), (K::KeyMustBeString, 1));
    assert_eq!(diag(&mut v, b"{\"a\":tru}"), (K::InvalidLiteral, 5));
    assert_eq!(diag(&mut v, b"{\"a\":\"\\q\"}"), (K::InvalidEscape, 6));
    assert_eq!(diag(&mut v, b"{\"a\":[1,]}"), (K::ExpectedValue, 8));
}

#[test]
fn nesting_depth() {
    let mut v = Validator::default();
    let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
    // depth counts containers (D1): 128 levels fine, 129 too deep
    let at_limit = seg(&format!(r#","metadata":{{"d":{}}}"#, nest(126)));
    assert!(v.validate(at_limit.as_bytes()).is_accepted());
    let over = seg(&format!(r#","metadata":{{"d":{}}}"#, nest(127)));
    let e = v.validate(over.as_bytes()).rejection().unwrap().error();
    assert_eq!(
        (e.code(), e.kind()),
        (ParseError, xseg::ErrorKind::NestingTooDeep)
    );
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
