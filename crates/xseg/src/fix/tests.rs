//! One test per repair, on small documents.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use super::*;
use crate::{ErrorCode, Options};

const HEAD: &str = r#""id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2"#;

fn doc(name: &str, rest: &str) -> String {
    format!(r#"{{"name":{name},{HEAD}{rest}}}"#)
}

/// A change as owned values: repair, pointer, before, after.
type Owned = (Repair, String, String, Option<String>);

fn run(opts: FixOptions, input: &str) -> (FixStatus, String, Vec<Owned>) {
    let mut f = Fixer::new(opts);
    let mut out = Vec::new();
    let r = f.fix(input.as_bytes(), &mut out);
    let changes = r
        .changes()
        .map(|c| {
            (
                c.repair,
                c.pointer.to_owned(),
                c.before.to_owned(),
                c.after.map(str::to_owned),
            )
        })
        .collect();
    (r.status(), String::from_utf8(out).unwrap(), changes)
}

fn service() -> FixOptions {
    FixOptions::default()
}

fn strict() -> FixOptions {
    FixOptions::new(Options::new(Profile::Strict))
}

#[test]
fn accepted_documents_are_copied() {
    let d = doc(r#""web""#, "");
    assert_eq!(
        run(service(), &d),
        (FixStatus::Unchanged, d.clone(), vec![])
    );
    assert_eq!(run(strict(), &d), (FixStatus::Unchanged, d, vec![]));
}

#[test]
fn name_characters_are_dropped() {
    let d = doc(r#""checkout (eu), \\v2 😀""#, r#", "x" : [1.50, "\u00e9"]"#);
    let (status, out, changes) = run(service(), &d);
    assert_eq!(status, FixStatus::Fixed);
    assert_eq!(
        out,
        doc(r#""checkout eu v2 ""#, r#", "x" : [1.50, "\u00e9"]"#)
    );
    assert_eq!(
        changes,
        [(
            Repair::Name,
            "/name".to_owned(),
            r#""checkout (eu), \\v2 😀""#.to_owned(),
            Some(r#""checkout eu v2 ""#.to_owned())
        )]
    );
}

#[test]
fn escaped_name_characters_are_read_unescaped() {
    // `\u0028` is `(`: dropped; `\u00e9` is allowed: kept as written.
    let d = doc(r#""a\u0028b\u00e9\"""#, "");
    let (status, out, _) = run(service(), &d);
    assert_eq!(status, FixStatus::Fixed);
    assert_eq!(out, doc(r#""ab\u00e9""#, ""));
}

#[test]
fn long_names_are_cut_at_200_characters() {
    // multi-byte characters and escapes around the boundary are kept or cut whole
    let name = format!("{}é\\u00e9\\ud83d\\ude00x", "a".repeat(198));
    let d = doc(&format!("\"{name}\""), "");
    let (status, out, changes) = run(service(), &d);
    assert_eq!(status, FixStatus::Fixed);
    let want = format!("\"{}é\\u00e9\"", "a".repeat(198));
    assert_eq!(out, doc(&want, ""));
    assert_eq!(changes[0].3.as_deref(), Some(want.as_str()));
    // an escape that is the 200th character survives whole
    let name = format!("{}\\/xyz", "b".repeat(199));
    let d = doc(&format!("\"{name}(\""), "");
    let (_, out, _) = run(service(), &d);
    assert_eq!(out, doc(&format!("\"{}\\/\"", "b".repeat(199)), ""));
}

#[test]
fn empty_names_get_the_placeholder() {
    for name in [r#""""#, r#""()""#, r#""\u0028😀""#] {
        let (status, out, _) = run(service(), &doc(name, ""));
        assert_eq!(status, FixStatus::Fixed, "{name}");
        assert_eq!(out, doc(r#""span""#, ""));
    }
    // white space only: a warning under service, repaired under strict
    let d = doc(r#""  ""#, "");
    assert_eq!(run(service(), &d).0, FixStatus::Unchanged);
    let (status, out, changes) = run(strict(), &d);
    assert_eq!((status, out), (FixStatus::Fixed, doc(r#""span""#, "")));
    assert_eq!(changes[0].0, Repair::Strict);
}

#[test]
fn names_in_subsegments_are_all_repaired() {
    let sub = |n: &str, i: u32| {
        format!(r#"{{"name":"{n}","id":"{i:016x}","start_time":1.6,"end_time":1.7}}"#)
    };
    let subs = [sub("db(1)", 1), sub("ok", 2), sub("db,2", 3)].join(",");
    let d = doc(r#""web""#, &format!(r#","subsegments":[{subs}]"#));
    let (status, out, changes) = run(service(), &d);
    assert_eq!(status, FixStatus::Fixed);
    let subs = [sub("db1", 1), sub("ok", 2), sub("db2", 3)].join(",");
    assert_eq!(out, doc(r#""web""#, &format!(r#","subsegments":[{subs}]"#)));
    let ptrs: Vec<_> = changes.iter().map(|c| c.1.as_str()).collect();
    assert_eq!(ptrs, ["/subsegments/0/name", "/subsegments/2/name"]);
}

#[test]
fn annotation_keys_get_underscores() {
    let d = doc(
        r#""web""#,
        r#","annotations":{"user-id":"u","ok":1,"a b\u002Dc":true,"é":2}"#,
    );
    let (status, out, changes) = run(service(), &d);
    assert_eq!(status, FixStatus::Fixed);
    assert_eq!(
        out,
        doc(
            r#""web""#,
            r#","annotations":{"user_id":"u","ok":1,"a_b_c":true,"_":2}"#
        )
    );
    let ptrs: Vec<_> = changes.iter().map(|c| c.1.as_str()).collect();
    assert_eq!(
        ptrs,
        [
            "/annotations/user-id",
            "/annotations/a b-c",
            "/annotations/é"
        ]
    );
}

#[test]
fn long_annotation_keys_are_cut_at_500() {
    let key = format!("{}-tail", "k".repeat(498));
    let d = doc(r#""web""#, &format!(r#","annotations":{{"{key}":1}}"#));
    let (status, out, _) = run(service(), &d);
    assert_eq!(status, FixStatus::Fixed);
    let want = format!("{}_t", "k".repeat(498));
    assert_eq!(
        out,
        doc(r#""web""#, &format!(r#","annotations":{{"{want}":1}}"#))
    );
    // at the cut: an allowed escape is kept as written, a disallowed multi-byte character or
    // escape becomes one `_`
    for (tail, want_tail) in [
        (r"\u005fxyz", r"\u005f"),
        ("é日本", "_"),
        (r"\u002d\ud83d\ude00", "_"),
        (r"\ud83d\ude00\u002d", "_"),
    ] {
        let key = format!("{}{tail}", "k".repeat(499));
        let d = doc(r#""web""#, &format!(r#","annotations":{{"{key}":1}}"#));
        let (status, out, _) = run(service(), &d);
        assert_eq!(status, FixStatus::Fixed, "{tail}");
        let want = format!("{}{want_tail}", "k".repeat(499));
        let want = doc(r#""web""#, &format!(r#","annotations":{{"{want}":1}}"#));
        assert_eq!(out, want, "{tail}");
    }
}

#[test]
fn colliding_keys_are_dropped() {
    // the key that needed no repair wins, whatever the order; then the first repaired one
    let d = doc(
        r#""web""#,
        r#","annotations":{"a-b":1, "a_b":2, "c d":3, "c.d":4, "c-d":5}"#,
    );
    let (status, out, changes) = run(service(), &d);
    assert_eq!(status, FixStatus::Fixed);
    assert_eq!(
        out,
        doc(r#""web""#, r#","annotations":{"a_b":2, "c_d":3, "c.d":4}"#)
    );
    let dropped: Vec<_> = changes
        .iter()
        .filter(|c| c.3.is_none())
        .map(|c| c.2.as_str())
        .collect();
    assert_eq!(dropped, [r#""a-b""#, r#""c-d""#]);
    // the first members dropped
    let d = doc(r#""web""#, r#","annotations":{"x-":1,"x!":2,"x_":3}"#);
    let (_, out, _) = run(service(), &d);
    assert_eq!(out, doc(r#""web""#, r#","annotations":{"x_":3}"#));
    // an empty key: nothing to repair, dropped
    let d = doc(r#""web""#, r#","annotations":{"":"gold", "a":1, " " : 2}"#);
    let (status, out, changes) = run(strict(), &d);
    assert_eq!(status, FixStatus::Fixed);
    assert_eq!(out, doc(r#""web""#, r#","annotations":{"a":1, "_" : 2}"#));
    assert_eq!(changes.len(), 2);
    let d = doc(r#""web""#, r#","annotations":{"":"gold"}"#);
    let (_, out, changes) = run(service(), &d);
    assert_eq!(out, doc(r#""web""#, r#","annotations":{}"#));
    assert_eq!(changes[0].1, "/annotations/");
}

#[test]
fn long_annotation_strings_are_cut_at_1000() {
    let value = format!("{}é\\n\\ud83d\\ude00", "v".repeat(998));
    let d = doc(
        r#""web""#,
        &format!(r#","annotations":{{"k":"{value}","n":5}}"#),
    );
    let (status, out, changes) = run(service(), &d);
    assert_eq!(status, FixStatus::Fixed);
    let want = format!("{}é\\n", "v".repeat(998));
    assert_eq!(
        out,
        doc(
            r#""web""#,
            &format!(r#","annotations":{{"k":"{want}","n":5}}"#)
        )
    );
    assert_eq!(changes[0].0, Repair::AnnotationValue);
    assert_eq!(changes[0].1, "/annotations/k");
}

#[test]
fn upper_case_ids_are_lowered() {
    let d = r#"{"name":"w","id":"70DE5B6F19FF9A0A","trace_id":"1-6800000A-A006649127E371903A2DE979","parent_id":"ABCDEF0123456789","start_time":1.5,"end_time":2}"#;
    let (status, out, changes) = run(service(), d);
    assert_eq!(status, FixStatus::Fixed);
    assert_eq!(out, d.to_lowercase());
    assert_eq!(changes.len(), 3);
    // under strict the upper case is a rejection; it is repaired the same way
    assert_eq!(run(strict(), d).1, d.to_lowercase());
    // not when the id is otherwise invalid
    let bad = d.replace("70DE5B6F19FF9A0A", "70DE5B6F19FF9A0");
    let (status, out, _) = run(service(), &bad);
    assert_eq!((status, out), (FixStatus::Unfixable, bad));
}

#[test]
fn strict_extras() {
    let user = "u".repeat(260);
    let d = doc(
        r#""web""#,
        &format!(r#","user":"{user}","http":{{"response":{{"content_length":"0042"}}}}"#),
    );
    // under service these are warnings, left as they are
    assert_eq!(run(service(), &d).0, FixStatus::Unchanged);
    let (status, out, changes) = run(strict(), &d);
    assert_eq!(status, FixStatus::Fixed);
    let want = doc(
        r#""web""#,
        &format!(
            r#","user":"{}","http":{{"response":{{"content_length":42}}}}"#,
            "u".repeat(250)
        ),
    );
    assert_eq!(out, want);
    assert_eq!(changes.len(), 2);
    // a namespace in the wrong case is not repaired: which one was meant is a guess
    let d = doc(r#""web""#, r#","namespace":"Remote""#);
    assert_eq!(run(strict(), &d).0, FixStatus::Unfixable);
    // the cut never splits a multi-byte character or an escape
    let url = format!(r#"{}é\u00e9\ud83d\ude00\"x"#, "p".repeat(247));
    let http = |url: &str| format!(r#","http":{{"request":{{"url":"{url}","method":"GET"}}}}"#);
    let (status, out, changes) = run(strict(), &doc(r#""web""#, &http(&url)));
    assert_eq!(status, FixStatus::Fixed);
    let want = format!(r#"{}é\u00e9\ud83d\ude00"#, "p".repeat(247));
    assert_eq!(out, doc(r#""web""#, &http(&want)));
    assert_eq!(changes[0].1, "/http/request/url");
    // switched off: not fixable
    let (status, out, _) = run(strict().with_repair(Repair::Strict, false), &d);
    assert_eq!((status, out), (FixStatus::Unfixable, d));
}

#[test]
fn never_invents_data() {
    let cases = [
        r#"{"name":"a(b","id":"70de5b6f19ff9a0a","start_time":1.5,"end_time":2}"#,
        r#"{"name":"a(b","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#,
        r#"{"name":"a(b","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","end_time":2}"#,
        r#"{"name":"a(b","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5}"#,
        r#"{"name":"a(b","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":"1.5","end_time":2}"#,
        r#"{"name":"a(b""#,
        r#"{"id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#,
        r#"{"name":5,"id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#,
    ];
    let want = [
        ErrorCode::MissingTraceId,
        ErrorCode::MissingId,
        ErrorCode::MissingStartTime,
        ErrorCode::MissingEndTime,
        ErrorCode::InvalidStartTime,
        ErrorCode::ParseError,
        ErrorCode::MissingName,
        ErrorCode::InvalidName,
    ];
    for (d, code) in cases.iter().zip(want) {
        let mut f = Fixer::default();
        let mut out = Vec::new();
        let r = f.fix(d.as_bytes(), &mut out);
        assert_eq!(r.status(), FixStatus::Unfixable, "{d}");
        assert_eq!(r.changes().len(), 0);
        assert_eq!(r.unfixable().map(|u| u.code()), Some(code), "{d}");
        assert_eq!(out, d.as_bytes());
    }
    // the remaining rejection is located in the input, past the repaired name
    let d = r#"{"name":"a((((b","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":-2}"#;
    let mut f = Fixer::default();
    let mut out = Vec::new();
    let r = f.fix(d.as_bytes(), &mut out);
    let u = r.unfixable().unwrap();
    assert_eq!(u.kind, ErrorKind::InvalidEndTime);
    assert_eq!(u.offset, d.find("-2").unwrap());
    assert_eq!(u.pointer, "/end_time");
    // too large
    let big = doc(r#""a(b""#, &format!(r#","pad":"{}""#, "p".repeat(70_000)));
    let mut out = Vec::new();
    let r = f.fix(big.as_bytes(), &mut out);
    assert_eq!(
        r.unfixable().map(|u| u.kind),
        Some(ErrorKind::DocumentTooLarge)
    );
}

#[test]
fn switched_off_repairs_leave_the_document() {
    let d = doc(r#""a(b""#, "");
    let (status, out, _) = run(service().with_repair(Repair::Name, false), &d);
    assert_eq!((status, out), (FixStatus::Unfixable, d));
    let d = doc(r#""ab""#, r#","annotations":{"a-b":1}"#);
    let (status, out, _) = run(service().with_repair(Repair::AnnotationKey, false), &d);
    assert_eq!((status, out), (FixStatus::Unchanged, d));
}

#[test]
fn output_is_appended() {
    let mut f = Fixer::default();
    let mut out = b"prefix\n".to_vec();
    let _ = f.fix(doc(r#""a(b""#, "").as_bytes(), &mut out);
    assert!(out.starts_with(b"prefix\n{\"name\":\"ab\""));
}

#[test]
fn repair_names_round_trip() {
    for r in Repair::ALL {
        assert_eq!(r.name().parse(), Ok(r));
    }
    let err = "nope".parse::<Repair>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown repair `nope` (expected one of name, annotation-key, annotation-value, id, strict)"
    );
}
