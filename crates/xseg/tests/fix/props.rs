//! The four properties of the fixer, on generated documents whose faults are all of repairable
//! kinds (names, annotation keys and strings, upper-case ids, the strict extras) and on the
//! same documents with an unfixable fault added:
//!
//! 1. an accepted document with no warnings comes out byte for byte;
//! 2. fixing twice gives the same bytes as fixing once;
//! 3. a document whose only findings are repairable is accepted after fixing, with no findings
//!    of those kinds;
//! 4. every change is listed (`check_report`).

use proptest::prelude::*;
use xseg::fix::{FixOptions, FixStatus, Fixer};
use xseg::{Options, Profile, Validator};

use crate::check_report;

/// A piece of a name: allowed and disallowed characters, raw and escaped.
fn name_piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "a",
        "Z",
        "7",
        " ",
        "_",
        ".",
        ":",
        "/",
        "%",
        "&",
        "#",
        "=",
        "+",
        "-",
        "@",
        "é",
        "\\u00e9",
        "日",
        "\\/",
        "(",
        ")",
        ",",
        "\\\\",
        "\\\"",
        "\\t",
        "😀",
        "\\ud83d\\ude00",
        "\\u0028",
        "!",
        "?",
    ])
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(name_piece(), 0..12).prop_map(|v| v.concat()),
        (190usize..215, prop::collection::vec(name_piece(), 0..4)).prop_map(|(n, tail)| format!(
            "{}{}",
            "n".repeat(n),
            tail.concat()
        )),
    ]
}

fn key_piece() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec![
        "k", "K", "1", "_", ".", "-", " ", "é", "\\u002d", "\\u005f", "/", "\\\"",
    ])
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::collection::vec(key_piece(), 1..5).prop_map(|v| v.concat()),
        1 => (495usize..505, prop::collection::vec(key_piece(), 0..3))
            .prop_map(|(n, tail)| format!("{}{}", "k".repeat(n), tail.concat())),
    ]
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1".to_string()),
        Just("2.5e3".to_string()),
        Just("true".to_string()),
        Just(r#""short \u00e9""#.to_string()),
        (
            990usize..1010,
            prop::sample::select(vec!["", "é", "\\n", "\\ud83d\\ude00", "日本"])
        )
            .prop_map(|(n, tail)| format!("\"{}{tail}{tail}\"", "v".repeat(n))),
    ]
}

/// `n` hex digits, not all zero (an all-zero id is not repairable under `strict`), in upper
/// case when `upper` is set.
fn hex(n: usize, upper: bool) -> impl Strategy<Value = String> {
    (prop::collection::vec(0u8..16, n - 1), 1u8..16).prop_map(move |(mut d, last)| {
        d.push(last);
        let s: String = d.iter().map(|x| format!("{x:x}")).collect();
        if upper {
            s.to_uppercase()
        } else {
            s
        }
    })
}

#[derive(Clone, Debug)]
struct Entity {
    name: String,
    id: String,
    annotations: Vec<(String, String)>,
    user: Option<String>,
    namespace: Option<&'static str>,
    content_length: Option<String>,
    children: Vec<Entity>,
}

fn entity(depth: u32) -> BoxedStrategy<Entity> {
    let leaf = (
        name(),
        any::<bool>().prop_flat_map(|u| hex(16, u)),
        prop::collection::vec((key(), value()), 0..5),
        prop::option::of((245usize..260).prop_map(|n| "u".repeat(n))),
        prop::option::of(prop::sample::select(vec!["aws", "remote", "local"])),
        prop::option::of(prop::sample::select(vec!["12", "007", "0"]).prop_map(str::to_string)),
    );
    let kids = if depth == 0 {
        Just(Vec::new()).boxed()
    } else {
        prop::collection::vec(entity(depth - 1), 0..3).boxed()
    };
    (leaf, kids)
        .prop_map(
            |((name, id, annotations, user, namespace, content_length), children)| Entity {
                name,
                id,
                annotations,
                user,
                namespace,
                content_length,
                children,
            },
        )
        .boxed()
}

fn write(e: &Entity, top: Option<&str>, sep: &str, out: &mut String) {
    out.push('{');
    out.push_str(&format!(r#""name":{sep}"{}",{sep}"id":"{}""#, e.name, e.id));
    if let Some(trace) = top {
        out.push_str(&format!(r#",{sep}"trace_id":"{trace}""#));
    }
    out.push_str(&format!(r#",{sep}"start_time":1.5,"end_time":2.0e0"#));
    if let Some(u) = &e.user {
        out.push_str(&format!(r#","user":"{u}""#));
    }
    if let Some(ns) = e.namespace {
        out.push_str(&format!(r#","namespace":"{ns}""#));
    }
    if let Some(cl) = &e.content_length {
        out.push_str(&format!(
            r#","http":{{"response":{{"content_length":"{cl}"}}}}"#
        ));
    }
    // keys repeated as generated (`\u005f` and `_`) are a different fault, not repaired
    let mut seen = std::collections::HashSet::new();
    let annotations: Vec<_> = e
        .annotations
        .iter()
        .filter(|(k, _)| seen.insert(serde_json::from_str::<String>(&format!("\"{k}\"")).unwrap()))
        .collect();
    if !annotations.is_empty() {
        out.push_str(r#","annotations":{"#);
        for (i, (k, v)) in annotations.into_iter().enumerate() {
            if i > 0 {
                out.push(',');
                out.push_str(sep);
            }
            out.push_str(&format!(r#""{k}":{sep}{v}"#));
        }
        out.push('}');
    }
    if !e.children.is_empty() {
        out.push_str(r#","subsegments":["#);
        for (i, c) in e.children.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            write(c, None, sep, out);
        }
        out.push(']');
    }
    out.push('}');
}

/// A document with repairable faults only, and the same with an unfixable one added.
fn documents() -> impl Strategy<Value = (String, String)> {
    (
        entity(2),
        (any::<bool>(), any::<bool>()).prop_flat_map(|(a, b)| (hex(8, a), hex(24, b))),
        prop::sample::select(vec!["", " ", "\n  "]),
    )
        .prop_map(|(e, (epoch, random), sep)| {
            let trace = format!("1-{epoch}-{random}");
            let mut doc = String::new();
            write(&e, Some(&trace), sep, &mut doc);
            let broken = doc.replacen(r#""start_time":1.5"#, r#""start_time":-1.5"#, 1);
            (doc, broken)
        })
}

fn fix_once(f: &mut Fixer, doc: &[u8]) -> (FixStatus, Vec<u8>) {
    let opts = *f.options();
    let mut out = Vec::new();
    let r = f.fix(doc, &mut out);
    check_report(&opts, doc, &out, &r);
    (r.status(), out)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn fixer_properties((doc, broken) in documents()) {
        for profile in [Profile::Service, Profile::Strict] {
            let opts = FixOptions::new(Options::new(profile));
            let mut f = Fixer::new(opts);
            let mut v = Validator::new(Options::new(profile));

            // 1. accepted with no warnings: byte for byte
            let clean = v.validate(doc.as_bytes()).is_accepted() && v.warnings().is_empty();
            let (status, once) = fix_once(&mut f, doc.as_bytes());
            if clean {
                prop_assert_eq!(status, FixStatus::Unchanged);
                prop_assert_eq!(&once, doc.as_bytes());
            }
            // 2. idempotent
            let (again_status, twice) = fix_once(&mut f, &once);
            prop_assert_eq!(&twice, &once);
            prop_assert_ne!(again_status, FixStatus::Fixed);
            // 3. only repairable faults: accepted, none of those kinds left
            prop_assert_ne!(status, FixStatus::Unfixable, "{}", doc);
            prop_assert!(v.validate(&once).is_accepted());
            for w in v.warnings() {
                prop_assert!(!opts.repairs_kind(w.kind()), "{:?} left in {}", w, String::from_utf8_lossy(&once));
            }

            // with an unfixable fault: written unchanged, the fault reported
            let (status, out) = fix_once(&mut f, broken.as_bytes());
            prop_assert_eq!(status, FixStatus::Unfixable);
            prop_assert_eq!(out, broken.as_bytes());
            let mut out = Vec::new();
            let u = f.fix(broken.as_bytes(), &mut out).unfixable();
            prop_assert_eq!(u.map(|u| u.code()), Some(xseg::ErrorCode::InvalidStartTime));
        }
    }
}
