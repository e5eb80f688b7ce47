//! The borrowed view against serde_json: for every accepted document of the rule suite and
//! of the committed real-SDK samples, the view gives each entity's fields, its embedded
//! subsegments (tree and pre-order) and its annotation keys as a fresh parse does.

use serde_json::{Map, Value};
use xseg::{Segment, Validator};

use crate::rule_suite::loader;

/// Compares one entity of the view with its JSON object; returns how many entities its
/// subtree holds, itself included.
fn same_entity(doc: &[u8], seg: &Segment<'_>, obj: &Map<String, Value>, what: &str) -> usize {
    let range = seg.range();
    let text: Value = serde_json::from_slice(&doc[range]).expect("the range is the object");
    assert_eq!(text.as_object(), Some(obj), "{what}: range");
    let string = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_string);
    let dec = |s: Option<xseg::JsonStr<'_>>| s.map(|s| s.decode().into_owned());
    assert_eq!(dec(seg.id()), string("id"), "{what}: id");
    assert_eq!(dec(seg.name()), string("name"), "{what}: name");
    assert_eq!(
        dec(seg.parent_id()),
        string("parent_id"),
        "{what}: parent_id"
    );
    assert_eq!(dec(seg.entity_type()), string("type"), "{what}: type");
    assert_eq!(
        seg.in_progress(),
        obj.get("in_progress") == Some(&Value::Bool(true)),
        "{what}: in_progress"
    );
    // annotations: serde keeps the last of repeated keys, so compare the distinct keys
    let mut keys: Vec<String> = seg
        .annotation_keys()
        .map(|k| k.decode().into_owned())
        .collect();
    keys.sort();
    keys.dedup();
    let mut want: Vec<String> = obj
        .get("annotations")
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default();
    want.sort();
    assert_eq!(keys, want, "{what}: annotation keys");
    for a in seg.annotations() {
        let v: Value = serde_json::from_str(a.raw_value()).expect("a value");
        assert_eq!(&doc[a.value_range()], a.raw_value().as_bytes());
        assert_eq!(
            a.is_scalar(),
            v.is_string() || v.is_number() || v.is_boolean(),
            "{what}"
        );
        let key = a.key().decode();
        assert_eq!(
            a.key_is_valid(),
            (1..=500).contains(&key.chars().count())
                && key
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.'),
            "{what}: {key}"
        );
        assert_eq!(
            a.value_str().map(|s| s.decode().into_owned()),
            v.as_str().map(str::to_string)
        );
    }
    // the tree
    let children: Vec<&Map<String, Value>> = obj
        .get("subsegments")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_object).collect())
        .unwrap_or_default();
    let kids: Vec<Segment<'_>> = seg.subsegments().collect();
    assert_eq!(kids.len(), children.len(), "{what}: children");
    let mut total = 1;
    for (i, (kid, child)) in kids.iter().zip(children).enumerate() {
        total += same_entity(doc, kid, child, &format!("{what}/{i}"));
    }
    // pre-order: descendants are the children, each followed by its own descendants
    let all: Vec<_> = seg.descendants().map(|s| s.range()).collect();
    let mut want = Vec::new();
    for kid in &kids {
        want.push(kid.range());
        want.extend(kid.descendants().map(|s| s.range()));
    }
    assert_eq!(all, want, "{what}: descendants");
    assert_eq!(seg.descendants().len(), total - 1, "{what}: descendants");
    total
}

fn check_all<'d>(docs: impl Iterator<Item = (String, &'d [u8])>) -> (usize, usize) {
    let mut v = Validator::default();
    let (mut accepted, mut entities) = (0, 0);
    for (what, doc) in docs {
        let Ok(d) = v.parse(doc) else { continue };
        let Some(seg) = d.segment() else { continue };
        // serde_json refuses numbers beyond f64 (`1e400`), which JSON allows
        let Ok(value) = serde_json::from_slice::<Value>(doc) else {
            continue;
        };
        entities += same_entity(doc, &seg, value.as_object().expect("an object"), &what);
        accepted += 1;
    }
    (accepted, entities)
}

#[test]
fn the_view_of_every_rule_suite_case_matches_serde() {
    let cases = loader::cases();
    let (accepted, entities) = check_all(cases.iter().map(|c| (c.name.clone(), &c.doc[..])));
    assert!(accepted >= 50, "{accepted} accepted cases");
    assert!(entities > accepted, "{entities} entities");
}

#[test]
fn the_view_of_every_real_sdk_sample_matches_serde() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../corpus/samples");
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("the committed samples") {
        let path = entry.expect("an entry").path();
        if path.extension().is_some_and(|e| e == "ndjson") {
            texts.push((
                path.display().to_string(),
                std::fs::read(&path).expect("a file"),
            ));
        }
    }
    let docs = texts.iter().flat_map(|(file, text)| {
        text.split(|&c| c == b'\n')
            .enumerate()
            .map(move |(i, line)| (format!("{file}:{}", i + 1), line))
    });
    let (accepted, entities) = check_all(docs);
    assert!(accepted >= 100, "{accepted} accepted samples");
    assert!(entities >= 2 * accepted, "{entities} entities");
}

#[test]
fn the_view_hops_over_deep_trees_and_keeps_repeated_annotation_keys() {
    // a chain of 30 nested subsegments, each with a sibling after it
    let leaf = |n: usize| {
        format!(
            r#"{{"name":"s{n}","id":"{n:016x}","start_time":1,"end_time":2,"annotations":{{"k{n}":{n},"k{n}":"again"}}"#
        )
    };
    let mut doc = String::new();
    for n in 1..=30 {
        doc.push_str(&leaf(n));
        doc.push_str(r#","subsegments":["#);
    }
    for n in (1..=30).rev() {
        doc.push_str(&format!("]}},{}}}", leaf(100 + n)));
    }
    let doc = format!(
        r#"{{"name":"top","id":"00000000000000ff","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1,"end_time":2,"subsegments":[{doc}]}}"#
    );
    let mut v = Validator::new(xseg::Options::default().with_max_depth(200));
    let seg = v
        .parse(doc.as_bytes())
        .expect("accepted")
        .segment()
        .expect("a segment");
    assert_eq!(seg.descendants().len(), 60);
    let mut at = seg;
    for n in 1..=30 {
        let kids: Vec<_> = at.subsegments().collect();
        assert_eq!(kids.len(), 2, "level {n}");
        assert_eq!(
            kids[0].name().map(|s| s.raw()),
            Some(format!("s{n}").as_str())
        );
        assert_eq!(
            kids[1].name().map(|s| s.raw()),
            Some(format!("s{}", 100 + n).as_str())
        );
        assert_eq!(kids[1].descendants().len(), 0);
        let keys: Vec<_> = kids[0].annotation_keys().map(|k| k.raw()).collect();
        assert_eq!(keys, [format!("k{n}"), format!("k{n}")]);
        assert_eq!(kids[0].descendants().len(), 2 * (30 - n));
        at = kids[0];
    }
    assert_eq!(at.subsegments().count(), 0);
    assert_eq!(seg.annotations().len(), 0);
}
