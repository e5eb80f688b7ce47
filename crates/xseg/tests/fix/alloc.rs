//! `fixing_allocates_nothing_in_steady_state`: once a `Fixer`'s buffers have grown, fixing
//! document after document allocates nothing, whether the document is repaired, unchanged or
//! not fixable. The counting global allocator (`tests/common/counting.rs`) counts this
//! thread's calls.

use xseg::fix::{FixOptions, FixStatus, Fixer};
use xseg::{Options, Profile};

use crate::counting::allocations;

/// Documents of every kind: clean, with each repairable fault (nested, escaped, colliding),
/// and not fixable.
fn batch() -> Vec<Vec<u8>> {
    let mut docs = Vec::new();
    for i in 0..30u32 {
        let subs: Vec<String> = (0..(i % 5))
            .map(|j| {
                format!(
                    r#"{{"id":"{:016X}","name":"db ({j})\u0028","start_time":1.{j}1,"end_time":1.{j}9,"annotations":{{"row-count":{j},"row_count":1,"k{j}":"{}"}}}}"#,
                    1000 + j,
                    "w".repeat(990 + j as usize * 7)
                )
            })
            .collect();
        docs.push(
            format!(
                r#"{{"id":"{:016x}","name":"{}","trace_id":"1-6929{i:04X}-a006649127e371903a2de979","start_time":1.5,"end_time":2.25,"user":"{}","http":{{"response":{{"status":200,"content_length":"{i}"}}}},"annotations":{{"user id":"u{i}","ok":true}},"subsegments":[{}]}}"#,
                0x70de_5b6f_19ff_0000u64 + u64::from(i),
                if i % 3 == 0 { "web".to_string() } else { format!("web,{i}😀").repeat(1 + i as usize) },
                "u".repeat(240 + i as usize),
                subs.join(",")
            )
            .into_bytes(),
        );
    }
    for doc in [
        &br#"{"name":"ok","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#[..],
        br#"{"name":"a(b","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5}"#,
        b"[]",
        b"nope",
        b"",
    ] {
        docs.push(doc.to_vec());
    }
    docs.push(vec![b'['; 5000]);
    docs
}

fn one_pass(f: &mut Fixer, docs: &[Vec<u8>], out: &mut Vec<u8>) -> [usize; 4] {
    let mut seen = [0usize; 4];
    for doc in docs {
        out.clear();
        let r = f.fix(doc, out);
        match r.status() {
            FixStatus::Fixed => seen[0] += 1,
            FixStatus::Unchanged => seen[1] += 1,
            FixStatus::Unfixable => seen[2] += 1,
        }
        for c in r.changes() {
            seen[3] += c.pointer.len() + c.before.len() + c.after.map_or(0, str::len);
        }
        if let Some(u) = r.unfixable() {
            seen[3] += u.pointer.len() + u.message().len();
        }
        seen[3] += r.warnings().total();
    }
    seen
}

#[test]
fn fixing_allocates_nothing_in_steady_state() {
    let docs = batch();
    for profile in [Profile::Service, Profile::Strict] {
        let mut f = Fixer::new(FixOptions::new(Options::new(profile)));
        let mut out = Vec::new();
        let warm = one_pass(&mut f, &docs, &mut out);
        let before = allocations();
        let again = one_pass(&mut f, &docs, &mut out);
        let after = allocations();
        assert_eq!(warm, again);
        assert_eq!(
            after - before,
            0,
            "{profile:?}: allocations in steady state"
        );
        // the batch exercises every outcome
        assert!(
            warm[0] >= 30 && warm[1] >= 1 && warm[2] >= 4,
            "{profile:?}: {warm:?}"
        );
    }
    // the counter works: a fresh fixer does allocate
    let before = allocations();
    let f = Fixer::default();
    assert!(allocations() > before);
    drop(f);
}
