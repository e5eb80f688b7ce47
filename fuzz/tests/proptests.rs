//! Property tests: generated documents against the engine, the model and the fault catalogue.
//!
//! What the generators cover:
//! - `segment()`: clean documents (accepted with no warning under both profiles): segments and
//!   standalone subsegments, complete or in progress; names of 1–200 code points drawn from
//!   the whole allowed table (non-ASCII included, never only white space); ids and trace ids
//!   in lower case, never all zeros, epochs anywhere in `u32`; times as integers, decimals
//!   and in exponent form; subsegments nested 0–6 levels; annotations (at most 50 per
//!   document), metadata with nested values, `http`, `cause` (id or object with exceptions
//!   and stack frames), `sql`, `aws`, `service`, flags, `user`, `origin`, `namespace`,
//!   `precursor_ids`, unknown keys with any JSON value, and `null` for optional fields; members
//!   in random order; written with random `\u` escapes (surrogate pairs included) and white
//!   space by `xseg_reference::write`.
//! - Faults come from `xseg_reference::fault` (every rule of RULES.md §3–§6); byte mutations
//!   cover the rest (syntax anywhere, numbers, escapes, UTF-8, truncation).
//! - Left out here and covered elsewhere: documents near the size limit (a few KiB is
//!   typical here; `DocFault::TooLarge`/`LargestAllowed` build 64 KiB ones), nesting near the
//!   depth limit (`DocFault::TooDeep`/`DeepestAllowed`, and the model's unit tests), more than
//!   16 warnings (the engine keeps 16; only counts are compared then).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{engine, expected, model, show, xseg_options, Answer, PROFILES};
use proptest::prelude::*;
use proptest::sample::Index;
use xseg_reference::fault::{self, arr, n, obj, s};
use xseg_reference::json::Json;
use xseg_reference::write::{self, Style};
use xseg_reference::{names, Options, Profile, TimeWindow};

// ----- generators ------------------------------------------------------------------------------

fn allowed_char() -> impl Strategy<Value = char> {
    (any::<Index>(), any::<u32>()).prop_map(|(i, off)| {
        let ranges = names::ranges();
        let (lo, hi) = ranges[i.index(ranges.len())];
        char::from_u32(lo + off % (hi - lo + 1)).unwrap()
    })
}

fn name() -> impl Strategy<Value = String> {
    let len = prop_oneof![8 => 1usize..=24, 1 => 190usize..=200];
    len.prop_flat_map(|n| proptest::collection::vec(allowed_char(), n))
        .prop_map(|chars| {
            let mut s: String = chars.into_iter().collect();
            if s.chars().all(char::is_whitespace) {
                s.pop();
                s.push('x');
            }
            s
        })
}

fn hex_id() -> impl Strategy<Value = String> {
    (1u64..).prop_map(|v| format!("{v:016x}"))
}

fn trace_id() -> impl Strategy<Value = String> {
    (any::<u32>(), 1u128..(1 << 96)).prop_map(|(e, r)| format!("1-{e:08x}-{r:024x}"))
}

/// `(start, end)` texts with end >= start, or no end (in progress).
fn times() -> impl Strategy<Value = (String, Option<String>)> {
    (
        1u64..4_000_000_000,
        0u32..1000,
        0u8..4,
        proptest::option::weighted(0.8, 0u64..100_000),
    )
        .prop_map(|(secs, frac, form, delta)| {
            let write = |secs: u64| match form {
                0 => secs.to_string(),
                1 => format!("{secs}.{frac:03}"),
                2 => format!("{}e-3", secs * 1000 + u64::from(frac)),
                _ => {
                    let d = secs.to_string();
                    format!("{}.{}0E+{}", &d[..1], &d[1..], d.len() - 1)
                }
            };
            (write(secs), delta.map(|d| write(secs + d)))
        })
}

fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(any::<char>(), 0..max).prop_map(|c| c.into_iter().collect())
}

/// Any JSON value with distinct keys in each object.
fn json_value() -> impl Strategy<Value = Json> {
    let leaf = prop_oneof![
        Just(Json::Null),
        any::<bool>().prop_map(Json::Bool),
        any::<i64>().prop_map(|v| n(&v.to_string())),
        prop_oneof![Just("1e400"), Just("-0"), Just("2.5E-3"), Just("1e-400")].prop_map(n),
        text(12).prop_map(Json::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Json::Array),
            proptest::collection::btree_map(text(6), inner, 0..4)
                .prop_map(|m| Json::Object(m.into_iter().collect())),
        ]
    })
}

fn http() -> impl Strategy<Value = Json> {
    (
        prop_oneof![Just("GET"), Just("POST"), Just("PUT")],
        text(40),
        proptest::option::of(any::<bool>()),
        100u16..600,
        proptest::option::of(prop_oneof![
            any::<u32>().prop_map(|v| v.to_string()),
            Just("1.5e3".to_string())
        ]),
        any::<bool>(),
    )
        .prop_map(|(method, url, traced, status, len, null_response)| {
            let mut req = vec![("method", s(method)), ("url", s(&url))];
            if let Some(t) = traced {
                req.push(("x_forwarded_for", Json::Bool(t)));
            }
            let resp = if null_response {
                Json::Null
            } else {
                let mut r = vec![("status", n(&format!("{status}.0")))];
                if let Some(l) = len {
                    r.push(("content_length", n(&l)));
                }
                obj(r)
            };
            obj(vec![("request", obj(req)), ("response", resp)])
        })
}

fn cause() -> impl Strategy<Value = Json> {
    prop_oneof![
        hex_id().prop_map(|id| s(&id.to_uppercase())),
        proptest::collection::vec((hex_id(), text(20), proptest::option::of(0u32..5000)), 0..3)
            .prop_map(|exceptions| {
                let ex = exceptions
                    .into_iter()
                    .map(|(id, msg, line)| {
                        let frame = obj(vec![
                            ("path", s("app.js")),
                            ("label", s("handler")),
                            ("line", line.map_or(Json::Null, |l| n(&l.to_string()))),
                        ]);
                        obj(vec![
                            ("id", s(&id)),
                            ("message", s(&msg)),
                            ("remote", Json::Bool(true)),
                            ("truncated", n("2e0")),
                            ("stack", arr(vec![frame])),
                        ])
                    })
                    .collect();
                obj(vec![
                    ("working_directory", s("/srv")),
                    ("paths", arr(vec![s("a.js")])),
                    ("exceptions", Json::Array(ex)),
                ])
            }),
    ]
}

fn annotations() -> impl Strategy<Value = Option<Json>> {
    let value = prop_oneof![
        text(30).prop_map(Json::String),
        any::<i32>().prop_map(|v| n(&v.to_string())),
        any::<bool>().prop_map(Json::Bool),
        Just(n("0.5e1")),
    ];
    proptest::option::weighted(
        0.4,
        proptest::collection::btree_map("[A-Za-z0-9_.]{1,12}", value, 1..5),
    )
    .prop_map(|m| m.map(|m| Json::Object(m.into_iter().collect())))
}

fn metadata() -> impl Strategy<Value = Option<Json>> {
    proptest::option::weighted(
        0.3,
        proptest::collection::btree_map(
            "[a-z.]{1,8}",
            proptest::collection::btree_map(text(6), json_value(), 0..3),
            1..3,
        ),
    )
    .prop_map(|m| {
        m.map(|m| {
            Json::Object(
                m.into_iter()
                    .map(|(k, v)| (k, Json::Object(v.into_iter().collect())))
                    .collect(),
            )
        })
    })
}

/// The members of one clean entity, without `trace_id` rules for the top level and without
/// subsegments.
fn entity_members() -> impl Strategy<Value = Vec<(String, Json)>> {
    let core = (
        name(),
        hex_id(),
        times(),
        proptest::option::weighted(0.3, trace_id()),
    );
    let blocks = (
        proptest::option::weighted(0.3, http()),
        proptest::option::weighted(0.2, cause()),
        annotations(),
        metadata(),
        proptest::option::weighted(0.1, proptest::collection::vec(hex_id(), 0..3)),
    );
    let small = (
        proptest::option::weighted(0.2, (any::<bool>(), any::<bool>(), any::<bool>())),
        proptest::option::weighted(0.2, text(250)),
        proptest::option::weighted(0.2, prop_oneof![Just("aws"), Just("remote"), Just("local")]),
        proptest::collection::btree_map("zz_[a-z]{1,6}", json_value(), 0..3),
        any::<bool>(),
        any::<bool>(),
    );
    (core, blocks, small).prop_map(
        |(
            (name, id, (start, end), trace),
            (http, cause, annotations, metadata, precursors),
            (flags, user, namespace, extras, nulls, sql),
        )| {
            let mut m: Vec<(String, Json)> = vec![
                ("name".into(), s(&name)),
                ("id".into(), s(&id)),
                ("start_time".into(), n(&start)),
            ];
            match end {
                Some(end) => m.push(("end_time".into(), n(&end))),
                None => m.push(("in_progress".into(), Json::Bool(true))),
            }
            let mut opt = |k: &str, v: Option<Json>| {
                if let Some(v) = v {
                    m.push((k.to_string(), v));
                }
            };
            opt("trace_id", trace.map(|t| s(&t)));
            opt("http", http);
            opt("cause", cause);
            opt("annotations", annotations);
            opt("metadata", metadata);
            opt(
                "precursor_ids",
                precursors.map(|p| Json::Array(p.iter().map(|i| s(i)).collect())),
            );
            if let Some((e, f, t)) = flags {
                opt("error", Some(Json::Bool(e)));
                opt("fault", Some(Json::Bool(f)));
                opt("throttle", Some(Json::Bool(t)));
            }
            opt("user", user.map(Json::String));
            opt("namespace", namespace.map(s));
            if sql {
                opt(
                    "sql",
                    Some(obj(vec![
                        ("url", s("jdbc:x")),
                        ("sanitized_query", Json::Null),
                    ])),
                );
                opt("aws", Some(obj(vec![("region", s("eu-west-1"))])));
                opt("service", Some(obj(vec![])));
            }
            if nulls {
                for k in [
                    "origin",
                    "resource_arn",
                    "parent_id",
                    "subsegments",
                    "type",
                    "cause",
                ] {
                    if !m.iter().any(|(key, _)| key == k) {
                        m.push((k.to_string(), Json::Null));
                    }
                }
            }
            m.extend(extras);
            m
        },
    )
}

/// A clean entity with embedded subsegments nested up to `depth` levels.
fn entity(depth: u32) -> impl Strategy<Value = Vec<(String, Json)>> {
    entity_members().prop_recursive(depth, 24, 2, |inner| {
        (entity_members(), proptest::collection::vec(inner, 1..3)).prop_map(|(mut m, children)| {
            m.retain(|(k, _)| k != "subsegments");
            let children = children.into_iter().map(Json::Object).collect();
            m.push(("subsegments".into(), Json::Array(children)));
            m
        })
    })
}

/// Keeps the first 50 annotations of the document (document order) and drops the rest.
fn cap_annotations(members: &mut [(String, Json)], left: &mut usize) {
    for (k, v) in members.iter_mut() {
        match (k.as_str(), v) {
            ("annotations", Json::Object(a)) => {
                a.truncate(*left);
                *left -= a.len();
            }
            ("subsegments", Json::Array(items)) => {
                for item in items {
                    if let Json::Object(child) = item {
                        cap_annotations(child, left);
                    }
                }
            }
            _ => {}
        }
    }
}

/// A clean top-level document (segment or standalone subsegment), members shuffled; besides
/// the random tree, a chain of 0–6 nested subsegments makes every depth likely.
fn segment() -> impl Strategy<Value = Json> {
    let chain = proptest::collection::vec(entity_members(), 0..=6);
    (
        entity(6),
        chain,
        trace_id(),
        any::<bool>(),
        hex_id(),
        any::<u64>(),
    )
        .prop_map(|(mut m, chain, trace, standalone, parent, order)| {
            let nested = chain
                .into_iter()
                .rev()
                .fold(None, |inner: Option<Json>, mut c| {
                    c.retain(|(k, _)| k != "subsegments");
                    if let Some(inner) = inner {
                        c.push(("subsegments".into(), arr(vec![inner])));
                    }
                    Some(Json::Object(c))
                });
            if let Some(nested) = nested {
                match m.iter_mut().find(|(k, _)| k == "subsegments") {
                    Some((_, Json::Array(items))) => items.push(nested),
                    _ => {
                        m.retain(|(k, _)| k != "subsegments");
                        m.push(("subsegments".into(), arr(vec![nested])));
                    }
                }
            }
            m.retain(|(k, _)| !matches!(k.as_str(), "trace_id" | "type" | "parent_id"));
            m.push(("trace_id".into(), s(&trace)));
            if standalone {
                m.push(("type".into(), s("subsegment")));
                m.push(("parent_id".into(), s(&parent)));
            }
            let mut left = 50;
            cap_annotations(&mut m, &mut left);
            // a deterministic shuffle of the top-level members
            let mut rng = order;
            for i in (1..m.len()).rev() {
                rng = rng
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                m.swap(i, (rng >> 33) as usize % (i + 1));
            }
            Json::Object(m)
        })
}

fn style() -> impl Strategy<Value = Style> {
    (any::<u64>(), any::<bool>(), any::<bool>()).prop_map(|(seed, escapes, whitespace)| Style {
        seed,
        escapes,
        whitespace,
    })
}

// ----- helpers -----------------------------------------------------------------------------------

fn assert_case(case: &fault::Case) -> Result<(), TestCaseError> {
    for profile in PROFILES {
        let opts = case.options(profile);
        let want = expected(case.expect(profile));
        let (e, m) = (engine(&case.doc, &opts), model(&case.doc, &opts));
        prop_assert_eq!(
            &e,
            &want,
            "engine, {} ({:?}): {}",
            case.name,
            profile,
            show(&case.doc)
        );
        prop_assert_eq!(
            &m,
            &want,
            "model, {} ({:?}): {}",
            case.name,
            profile,
            show(&case.doc)
        );
    }
    Ok(())
}

fn mutate(mut d: Vec<u8>, edits: &[(u8, Index, u8)]) -> Vec<u8> {
    const FRAGMENTS: &[&[u8]] = &[
        b"{",
        b"}",
        b"[",
        b"]",
        b",",
        b":",
        b"\"",
        b"\\",
        b"\\u00",
        b"\\ud83d",
        b"null",
        b"-0",
        b"1e400",
        b" ",
        b"\xff",
        b"\xc3",
        b"\"id\":",
        b"\"name\":\"a\"",
        b"{}",
        b"0000000000000000",
    ];
    for (op, at, byte) in edits {
        let i = at.index(d.len() + 1);
        match op % 5 {
            0 if i < d.len() => d[i] = *byte,
            1 => {
                let frag = FRAGMENTS[usize::from(*byte) % FRAGMENTS.len()];
                d.splice(i..i, frag.iter().copied());
            }
            2 if i < d.len() => {
                let end = (i + 1 + usize::from(byte % 8)).min(d.len());
                d.drain(i..end);
            }
            3 => d.truncate(i),
            _ => {
                let end = (i + usize::from(byte % 32)).min(d.len());
                let copy = d[i..end].to_vec();
                d.splice(i..i, copy);
            }
        }
    }
    d
}

// ----- properties --------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Every generated document is accepted, without warnings, under both profiles, by the
    /// engine and by the model.
    #[test]
    fn valid_documents_are_accepted(doc in segment(), style in style()) {
        let text = write::to_vec(&doc, style);
        for profile in PROFILES {
            let opts = Options::new(profile);
            for (who, got) in [("engine", engine(&text, &opts)), ("model", model(&text, &opts))] {
                let ok = matches!(&got, Answer::Accepted { warnings, .. } if warnings.is_empty());
                prop_assert!(ok, "{} ({:?}): {:?}\n{}", who, profile, got, show(&text));
            }
        }
    }

    /// One fault of the catalogue in one entity gives exactly the answer the fault implies.
    #[test]
    fn one_entity_fault_gives_its_answer(
        doc in segment(), which in any::<Index>(), target in any::<Index>(), style in style()
    ) {
        let faults = fault::entity_faults();
        let f = &faults[which.index(faults.len())];
        let ents = fault::entities(&doc);
        if let Some(case) = fault::apply(&doc, &ents[target.index(ents.len())], f, style) {
            assert_case(&case)?;
        }
    }

    /// One whole-text fault (syntax, depth, size, top-level type) gives its answer.
    #[test]
    fn one_document_fault_gives_its_answer(
        doc in segment(), which in any::<Index>(), pick in any::<u64>(), style in style()
    ) {
        let faults = fault::doc_faults();
        let f = faults[which.index(faults.len())];
        if let Some(case) = fault::apply_doc_fault(&doc, f, pick, style) {
            assert_case(&case)?;
        }
    }

    /// With several faults in one document (the same entity or others, any rules), the engine
    /// reports the same first failure as the model: the check order of RULES.md §3, D7 and
    /// D11 decide between them.
    #[test]
    fn several_faults_engine_matches_model(
        doc in segment(),
        picks in proptest::collection::vec((any::<Index>(), any::<Index>()), 2..5),
        style in style(),
    ) {
        let faults = fault::entity_faults();
        let mut tree = doc;
        let mut window = None;
        for (which, target) in picks {
            let f = &faults[which.index(faults.len())];
            let ents = fault::entities(&tree);
            let mut edited = tree.clone();
            if let Some(done) = fault::inject(&mut edited, &ents[target.index(ents.len())], f) {
                tree = edited;
                window = window.or(done.window);
            }
        }
        let text = write::to_vec(&tree, style);
        for profile in PROFILES {
            let opts = Options { time_window: window, ..Options::new(profile) };
            prop_assert_eq!(engine(&text, &opts), model(&text, &opts), "{:?}: {}", profile, show(&text));
        }
    }

    /// On generated documents with a few byte edits the engine answers as the model does:
    /// code, Id, Message, pointer, and the warnings of accepted documents.
    #[test]
    fn engine_matches_model_on_mutated_documents(
        doc in segment(),
        style in style(),
        edits in proptest::collection::vec((any::<u8>(), any::<Index>(), any::<u8>()), 0..4),
        depth in 1usize..20,
    ) {
        let text = mutate(write::to_vec(&doc, style), &edits);
        let mut all = PROFILES.map(Options::new).to_vec();
        all.push(Options { max_depth: depth, ..Options::new(Profile::Strict) });
        for opts in all {
            prop_assert_eq!(engine(&text, &opts), model(&text, &opts), "{:?}: {}", opts, show(&text));
        }
    }

    /// The trace-id window (D23): an epoch `now - max_age .. now + max_future_skew` passes,
    /// one second outside fails with `InvalidTraceId` at the top-level `trace_id`.
    #[test]
    fn trace_id_window_edges(
        doc in segment(),
        now in 1_000_000u64..4_000_000_000,
        max_age in 0u64..100_000,
        max_future_skew in 0u64..100_000,
        offset in -3i64..=3,
        older in any::<bool>(),
    ) {
        let epoch = if older {
            (now - max_age.min(now)) as i64 + offset
        } else {
            (now + max_future_skew) as i64 + offset
        };
        prop_assume!((0..=i64::from(u32::MAX)).contains(&epoch));
        let epoch = epoch as u64;
        let window = TimeWindow { now, max_age, max_future_skew };
        let inside = now.saturating_sub(epoch) <= max_age && epoch.saturating_sub(now) <= max_future_skew;
        let mut tree = doc;
        for e in fault::entities(&tree) {
            if let Some(Json::Object(m)) = fault::get_mut(&mut tree, &e) {
                if let Some((_, Json::String(t))) = m.iter_mut().find(|(k, _)| k == "trace_id") {
                    *t = format!("1-{epoch:08x}-{}", &t[11..]);
                }
            }
        }
        let text = write::to_vec(&tree, Style::PLAIN);
        for profile in PROFILES {
            let opts = Options { time_window: Some(window), ..Options::new(profile) };
            let (e, m) = (engine(&text, &opts), model(&text, &opts));
            prop_assert_eq!(&e, &m);
            match &e {
                Answer::Accepted { .. } => prop_assert!(inside, "{:?}", window),
                Answer::Rejected { code, pointer, .. } => {
                    prop_assert!(!inside, "{:?}: {:?}", window, e);
                    prop_assert_eq!(code, "InvalidTraceId");
                    prop_assert_eq!(pointer, "/trace_id");
                }
            }
        }
    }

    /// A datagram splits at its first `\n` into header and body, and joining them back gives
    /// the datagram; engine and reference agree on every rejection code, and on the body's
    /// verdict with positions taken in the datagram.
    #[test]
    fn datagram_split_and_rejoin_is_lossless(
        doc in segment(),
        header in prop_oneof![
            Just(br#"{"format":"json","version":1}"#.to_vec()),
            Just(b"{ \"version\":1, \"format\":\"jSoN\", \"x\":[1] }\r".to_vec()),
            Just(br#"{"format":"json","version":1.0}"#.to_vec()),
            Just(br#"{"format":"json"}"#.to_vec()),
            Just(b"".to_vec()),
            proptest::collection::vec(any::<u8>(), 0..40),
        ],
        edits in proptest::collection::vec((any::<u8>(), any::<Index>(), any::<u8>()), 0..2),
        style in style(),
    ) {
        let body = write::to_vec(&doc, style);
        let d = mutate([&header[..], b"\n", &body[..]].concat(), &edits);
        let engine_split = xseg::split_datagram(&d);
        let model_split = xseg_reference::frame::split_datagram(&d);
        match (&engine_split, &model_split) {
            (Ok(e), Ok(m)) => {
                prop_assert_eq!((e.header, e.body), (m.header, m.body));
                prop_assert_eq!([e.header, b"\n", e.body].concat(), d.clone());
                for profile in PROFILES {
                    let opts = Options::new(profile);
                    let mut v = xseg::Validator::new(xseg_options(&opts));
                    let xseg::DatagramOutcome::Document { frame, outcome } = v.validate_datagram(&d) else {
                        return Err(TestCaseError::fail("split, then refused"));
                    };
                    let got = common::from_engine(&v, &d, frame.body_offset, outcome);
                    prop_assert_eq!(got, model(m.body, &opts));
                }
            }
            (Err(e), Err(m)) => prop_assert_eq!(e.code().as_str(), m.as_str()),
            (e, m) => prop_assert!(false, "engine {:?}, model {:?}: {}", e, m, show(&d)),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// A batch validated on two worker threads gives each document, in input order, exactly
    /// the result a lone validator gives it (verdict, diagnostic, Id, warning count).
    #[test]
    fn batch_matches_sequential(
        docs in proptest::collection::vec(
            (segment(), style(), proptest::collection::vec((any::<u8>(), any::<Index>(), any::<u8>()), 0..3)),
            0..24,
        ),
        strict in any::<bool>(),
    ) {
        let texts: Vec<Vec<u8>> = docs
            .iter()
            .map(|(doc, style, edits)| mutate(write::to_vec(doc, *style), edits))
            .collect();
        let refs: Vec<&[u8]> = texts.iter().map(Vec::as_slice).collect();
        let profile = if strict { Profile::Strict } else { Profile::Service };
        let opts = xseg_options(&Options::new(profile));
        let mut batch = xseg_batch::Batch::with_jobs(opts, 2).unwrap();
        let got = batch.validate(&refs);
        let mut v = xseg::Validator::new(opts);
        let want: Vec<_> = refs
            .iter()
            .map(|d| {
                let out = v.validate(d);
                xseg_batch::Checked::new(&out, v.warnings())
            })
            .collect();
        prop_assert_eq!(got, want);
    }
}
