//! Syntax errors against serde_json: on documents broken in generated ways, both find the same
//! documents malformed, and they place the error at the same line and column.

use xseg::{Category, ErrorKind, Options, Validator};

/// Valid documents to break: the rule suite's own shapes in small.
const BASES: [&str; 4] = [
    r#"{"name":"svc","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2.5e0}"#,
    "{\n  \"a\": [1, -2.5, true, false, null, {\"b\": \"c\\u00e9\\n\"}],\n  \"d\": {}\n}",
    r#"[{"x":[[],{}]},"s",0,1e-3,-0.0]"#,
    r#"{"metadata":{"k":{"deep":[1,[2,[3]]]}},"annotations":{"u":"\ud83d\ude00"}}"#,
];

/// Bytes spliced in to break a document.
const BAD: [&[u8]; 14] = [
    b"}", b"]", b",", b":", b"\"", b"x", b"0", b"-", b".", b"e", b"\\", b"\x01", b" 1", b"{",
];

fn broken() -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for base in BASES {
        let b = base.as_bytes();
        for i in 0..=b.len() {
            out.push(b[..i].to_vec()); // truncated
            if i < b.len() {
                let mut d = b.to_vec();
                d.remove(i); // one byte dropped
                out.push(d);
                for bad in BAD {
                    let mut d = b[..i].to_vec(); // one byte replaced
                    d.extend_from_slice(bad);
                    d.extend_from_slice(&b[i + 1..]);
                    out.push(d);
                    let mut d = b[..i].to_vec(); // inserted
                    d.extend_from_slice(bad);
                    d.extend_from_slice(&b[i..]);
                    out.push(d);
                }
            }
        }
    }
    out
}

/// serde_json's error, as a byte offset: serde_json gives the 1-based line and column of the
/// last byte it read (column 0 when it read none of the line).
fn serde_error(doc: &[u8]) -> Option<(isize, String)> {
    let e = serde_json::from_slice::<serde_json::Value>(doc).err()?;
    let line_start: usize = doc
        .split(|&b| b == b'\n')
        .take(e.line() - 1)
        .map(|l| l.len() + 1)
        .sum();
    Some((line_start as isize + e.column() as isize - 1, e.to_string()))
}

/// Whether serde_json's offset `theirs` and xseg's diagnostic agree. They report different
/// bytes of the same token: serde_json the byte it stopped at, xseg the token's first byte
/// (a number, a literal, an escape) or, at the end of the input, the input's length.
fn agree(doc: &[u8], kind: ErrorKind, ours: usize, theirs: isize) -> bool {
    let ours = ours as isize;
    match kind {
        ErrorKind::UnexpectedEof | ErrorKind::EmptyDocument => theirs == ours - 1,
        ErrorKind::InvalidEscape | ErrorKind::LoneSurrogate => theirs > ours && theirs < ours + 12,
        ErrorKind::InvalidNumber | ErrorKind::InvalidLiteral => {
            theirs >= ours
                && doc.get(ours as usize..theirs as usize).is_some_and(|t| {
                    t.iter()
                        .all(|c| c.is_ascii_alphanumeric() || b"-+.".contains(c))
                })
        }
        _ => theirs == ours,
    }
}

#[test]
fn syntax_errors_are_where_serde_json_finds_them() {
    let mut v = Validator::new(Options::default());
    let (mut compared, mut mismatches) = (0, Vec::new());
    let mut kinds = std::collections::BTreeSet::new();
    for doc in broken() {
        let out = v.validate(&doc);
        let xs = out
            .rejection()
            .map(|r| r.error())
            .filter(|e| e.kind().category() == Category::Syntax);
        let sj = serde_error(&doc);
        match (xs, sj) {
            (None, None) => {}
            (Some(e), Some((theirs, msg))) => {
                compared += 1;
                kinds.insert(e.kind().name());
                if !agree(&doc, e.kind(), e.offset(), theirs) {
                    mismatches.push(format!(
                        "{:?}: xseg {:?} at {}, serde_json {msg} (byte {theirs})",
                        String::from_utf8_lossy(&doc),
                        e.kind(),
                        e.offset(),
                    ));
                }
            }
            (x, s) => mismatches.push(format!(
                "{:?}: xseg {:?}, serde_json {:?}",
                String::from_utf8_lossy(&doc),
                x.map(|e| e.kind()),
                s
            )),
        }
    }
    assert!(compared > 1000, "{compared}");
    use ErrorKind as K;
    for k in [
        K::ExpectedValue,
        K::ExpectedColon,
        K::ExpectedCommaOrEnd,
        K::KeyMustBeString,
        K::TrailingCharacters,
        K::UnexpectedEof,
        K::InvalidNumber,
        K::InvalidLiteral,
        K::InvalidEscape,
        K::ControlCharacterInString,
    ] {
        assert!(
            kinds.contains(k.name()),
            "no broken document gave {k:?}: {kinds:?}"
        );
    }
    assert!(
        mismatches.is_empty(),
        "{} of {compared}:\n{}",
        mismatches.len(),
        mismatches
            .iter()
            .take(60)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_position_rules_tell_positions_apart() {
    assert!(agree(b"{\"a\" 1}", ErrorKind::ExpectedColon, 5, 5));
    assert!(!agree(b"{\"a\" 1}", ErrorKind::ExpectedColon, 5, 4));
    assert!(agree(b"{\"a\":1", ErrorKind::UnexpectedEof, 6, 5));
    assert!(!agree(b"{\"a\":1", ErrorKind::UnexpectedEof, 6, 6));
    assert!(agree(b"[-x]", ErrorKind::InvalidNumber, 1, 2));
    assert!(!agree(b"[-x]", ErrorKind::InvalidNumber, 1, 0));
    assert!(!agree(b"[\"\\q\"]", ErrorKind::InvalidEscape, 2, 2));
    assert_eq!(serde_error(b"{\"a\" 1}").map(|e| e.0), Some(5));
}
