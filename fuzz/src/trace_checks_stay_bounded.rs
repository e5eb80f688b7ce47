//! `trace_checks_stay_bounded`: random document sequences through validation and the trace
//! checker. The documents are either built from the input with `arbitrary` (a few traces and
//! ids, so that sizes add up, ids repeat and parents come and go; standalone subsegments,
//! in-progress copies, embedded subsegments, annotation keys valid and not, escaped keys and
//! white space) or the input's own lines. Checked:
//!
//! The first input byte picks the form: `3` modulo 4 (as `{` is) reads the input as lines,
//! anything else builds documents from the rest.
//!
//! - nothing panics;
//! - memory stays within its bound after every document: open traces, tracked entries and
//!   [`TraceChecker::memory_bytes`] against the configuration and
//!   [`TraceChecker::memory_bound`];
//! - the facts read from each built document are the ones it was built with (id, parent,
//!   standalone, in progress, embedded ids in document order, indexed annotation keys);
//! - two checkers (with different hash seeds) give the same findings, and every finding
//!   points at a document that was checked.

use arbitrary::{Arbitrary, Unstructured};
use xseg_batch::{Batch, TraceChecker, TraceConfig, TraceFacts, TraceFinding};

/// One annotation of a built document.
#[derive(Arbitrary, Debug, Clone)]
struct Key {
    /// Key number, from a small space so that traces share keys.
    n: u8,
    /// 0: a number, 1: a string, 2: a boolean, 3: `null` (dropped), 4: an object (dropped).
    value: u8,
    /// A key the service drops (`bad-key-N`).
    bad: bool,
    /// The key written with a `\u` escape.
    escaped: bool,
}

/// One embedded subsegment.
#[derive(Arbitrary, Debug)]
struct Child {
    id: u8,
    keys: Vec<Key>,
    grandchild: Option<u8>,
}

/// One built document.
#[derive(Arbitrary, Debug)]
struct Doc {
    trace: u8,
    id: u8,
    /// A standalone subsegment under this parent id.
    parent: Option<u8>,
    in_progress: bool,
    keys: Vec<Key>,
    children: Vec<Child>,
    /// Metadata bytes, so that traces reach the size limit.
    pad: u16,
    /// The `id` key written `"i\u0064"`, and spaces around the colons.
    spaced: bool,
    /// Plain numeric annotations `k{first}`, `k{first + 1}`, ... appended to `keys`, so that
    /// traces reach 50 keys.
    more_keys: u8,
    first: u8,
}

const TRACES: u8 = 3;
const IDS: u8 = 10;

fn trace_id(n: u8) -> String {
    format!("1-68000000-{:024x}", u32::from(n % TRACES) + 1)
}

fn id(n: u8) -> u64 {
    u64::from(n % IDS) + 1
}

/// Renders the annotations and returns the keys the service indexes.
fn annotations(keys: &[Key], out: &mut String) -> Vec<String> {
    let mut indexed = Vec::new();
    out.push_str(",\"annotations\":{");
    for (i, k) in keys.iter().take(48).enumerate() {
        if i > 0 {
            out.push(',');
        }
        let name = if k.bad {
            format!("bad-key-{}", k.n % 64)
        } else {
            format!("k{}", k.n % 64)
        };
        let written = if k.escaped {
            let mut chars = name.chars();
            let first = chars.next().map_or(0, u32::from);
            format!("\\u{first:04x}{}", chars.as_str())
        } else {
            name.clone()
        };
        let value = match k.value % 5 {
            0 => "1.5",
            1 => "\"v\"",
            2 => "true",
            3 => "null",
            _ => "{}",
        };
        out.push_str(&format!("\"{written}\":{value}"));
        if !k.bad && k.value % 5 < 3 {
            indexed.push(name);
        }
    }
    out.push('}');
    indexed
}

/// Renders a document; returns it and the facts it must give.
fn render(d: &Doc) -> (String, TraceFacts) {
    let (colon, id_key) = if d.spaced {
        (" : ", "i\\u0064")
    } else {
        (":", "id")
    };
    let mut s = format!(
        "{{\"name\":\"web\",\"{id_key}\"{colon}\"{:016x}\",\"trace_id\":\"{}\",\"start_time\":1.5",
        id(d.id),
        trace_id(d.trace)
    );
    s.push_str(if d.in_progress {
        ",\"in_progress\":true"
    } else {
        ",\"end_time\":2"
    });
    if let Some(p) = d.parent {
        s.push_str(&format!(
            ",\"type\":\"subsegment\",\"parent_id\":\"{:016x}\"",
            id(p)
        ));
    }
    let mut child_keys = Vec::new();
    let mut embedded = Vec::new();
    if !d.children.is_empty() {
        s.push_str(&format!(",\"subsegments\"{colon}["));
        for (i, c) in d.children.iter().take(4).enumerate() {
            if i > 0 {
                s.push(',');
            }
            let cid = 100 + u64::from(c.id);
            embedded.push(cid);
            s.push_str(&format!(
                "{{\"name\":\"c\",\"{id_key}\"{colon}\"{cid:016x}\",\"start_time\":1,\"end_time\":2"
            ));
            child_keys.extend(annotations(&c.keys, &mut s));
            if let Some(g) = c.grandchild {
                let gid = 200 + u64::from(g);
                embedded.push(gid);
                s.push_str(&format!(
                    ",\"subsegments\":[{{\"name\":\"g\",\"id\":\"{gid:016x}\",\"start_time\":1,\"end_time\":2,\"metadata\":{{\"x\":{{\"id\":\"00000000000000ff\",\"subsegments\":[]}}}}}}]"
                ));
            }
            s.push('}');
        }
        s.push(']');
    }
    let more = (0..d.more_keys % 24).map(|j| Key {
        n: d.first.wrapping_add(j),
        value: 0,
        bad: false,
        escaped: false,
    });
    let keys: Vec<Key> = d.keys.iter().take(24).map(Key::clone).chain(more).collect();
    let own_keys = annotations(&keys, &mut s);
    s.push_str(&format!(
        ",\"metadata\":{{\"pad\":\"{}\"}}}}",
        "x".repeat(usize::from(d.pad % 300))
    ));
    let trace = u128::from(d.trace % TRACES) + 1 + (0x6800_0000u128 << 96);
    let mut facts = TraceFacts::new(trace, id(d.id), s.len() as u64)
        .with_in_progress(d.in_progress)
        .with_standalone_subsegment(d.parent.is_some());
    if let Some(p) = d.parent {
        facts = facts.with_parent_id(id(p));
    }
    for e in embedded {
        facts = facts.with_embedded_id(e);
    }
    for key in child_keys.iter().chain(&own_keys) {
        facts = facts.with_annotation_key(key);
    }
    (s, facts)
}

fn config() -> TraceConfig {
    TraceConfig::new()
        .with_max_trace_bytes(8_000)
        .with_max_open_traces(3)
        .with_max_tracked(120)
}

/// The property.
pub fn run(data: &[u8]) {
    check(data);
}

/// The property; returns how many documents reached the checker and how many findings of
/// each kind (size, duplicate, annotations, orphan) they gave.
fn check(data: &[u8]) -> (usize, [usize; 4]) {
    let data = data.get(..crate::MAX_INPUT).unwrap_or(data);
    let (texts, expected): (Vec<String>, Vec<Option<TraceFacts>>) = match data.split_first() {
        Some((mode, rest)) if mode % 4 != 3 => {
            let mut u = Unstructured::new(rest);
            let mut docs: Vec<Doc> = Vec::new();
            while docs.len() < 64 {
                match u.arbitrary() {
                    Ok(d) if !u.is_empty() => docs.push(d),
                    _ => break,
                }
            }
            docs.iter()
                .map(|d| {
                    let (text, facts) = render(d);
                    (text, Some(facts))
                })
                .unzip()
        }
        _ => data
            .split(|&b| b == b'\n')
            .take(256)
            .map(|line| (String::from_utf8_lossy(line).into_owned(), None))
            .unzip(),
    };
    let docs: Vec<&[u8]> = texts.iter().map(|t| t.as_bytes()).collect();
    let results = Batch::sequential(xseg::Options::default()).validate_traced(&docs);
    for ((result, want), text) in results.iter().zip(&expected).zip(&texts) {
        if let Some(want) = want {
            assert!(
                result.checked.outcome().is_accepted(),
                "{text}: {:?}",
                result.checked
            );
            assert_eq!(result.facts.as_ref(), Some(want), "{text}");
        }
    }
    let mut a: TraceChecker<usize> = TraceChecker::new(config());
    let mut b: TraceChecker<usize> = TraceChecker::new(config());
    let (mut fa, mut fb): (Vec<TraceFinding<usize>>, Vec<TraceFinding<usize>>) =
        (Vec::new(), Vec::new());
    let mut checked = Vec::new();
    for (i, result) in results.iter().enumerate() {
        let Some(facts) = &result.facts else { continue };
        checked.push(i);
        a.check(i, facts, &mut fa);
        b.check(i, facts, &mut fb);
        assert!(a.open_traces() <= config().max_open_traces());
        assert!(a.tracked() <= config().max_tracked(), "{}", a.tracked());
        assert!(a.memory_bytes() <= a.memory_bound());
    }
    a.finish(&mut fa);
    b.finish(&mut fb);
    assert_eq!(fa, fb);
    assert_eq!((a.open_traces(), a.tracked()), (0, 0));
    let mut kinds = [0; 4];
    for f in &fa {
        assert!(checked.contains(&f.position), "{f:?}");
        let k = match f.name() {
            "TraceSizeExceeded" => 0,
            "DuplicateId" => 1,
            "TraceAnnotationsOverLimit" => 2,
            _ => 3,
        };
        if let Some(n) = kinds.get_mut(k) {
            *n += 1;
        }
    }
    (checked.len(), kinds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{mutants, seeds};

    #[test]
    fn smoke() {
        let seeds = seeds("trace_checks_stay_bounded");
        let mut documents = 0;
        let mut kinds = [0; 4];
        let mut add = |(d, k): (usize, [usize; 4])| {
            documents += d;
            for (total, n) in kinds.iter_mut().zip(k) {
                *total += n;
            }
        };
        for s in &seeds {
            add(check(s));
        }
        for m in mutants(&seeds, 300, 7) {
            add(check(&m));
        }
        // Built sequences from deterministic random bytes.
        let mut rng = crate::testing::Rng(11);
        for _ in 0..300 {
            let len = 64 + rng.below(2048);
            let mut bytes = rng.bytes(len);
            if let Some(mode) = bytes.first_mut() {
                *mode = 1;
            }
            add(check(&bytes));
        }
        // The inputs reach every finding, not only the checker's door.
        assert!(documents > 2_000, "{documents} documents checked");
        assert!(
            kinds.iter().all(|&n| n > 10),
            "findings per kind: {kinds:?}"
        );
    }
}
