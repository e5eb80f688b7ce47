//! Lists the documents of the corpus on which the methods disagree: for each document that some
//! method rejects and another accepts, the verdict of every method and xseg's diagnostic.
//!
//! `XSEG_CORPUS=corpus/out/frames.bin cargo run --release -p xseg-benches --example disagreements`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;

use xseg::{Options, Profile, Validator};
use xseg_benches::baseline::{self, SimdTape};
use xseg_benches::Corpus;

fn main() {
    let corpus = Corpus::load().unwrap_or_else(|e| panic!("cannot load the corpus: {e}"));
    let show: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5);
    let mut v = Validator::new(Options::new(Profile::Service));
    let mut simd = SimdTape::new();
    let mut patterns: BTreeMap<String, (usize, Vec<usize>)> = BTreeMap::new();
    for (i, doc) in corpus.docs().enumerate() {
        let out = v.validate(doc);
        let verdicts = [
            out.is_accepted(),
            baseline::serde_value(doc),
            baseline::serde_struct(doc),
            simd.validate(doc),
            baseline::sonic_struct(doc),
        ];
        if verdicts.iter().all(|&x| x) || verdicts.iter().all(|&x| !x) {
            continue;
        }
        let key = format!(
            "xseg {} ({}) | a {} | b {} | c {} | d {}",
            verdicts[0],
            out.code()
                .map_or_else(|| "-".to_owned(), |c| format!("{c:?}")),
            verdicts[1],
            verdicts[2],
            verdicts[3],
            verdicts[4]
        );
        let e = patterns.entry(key).or_default();
        e.0 += 1;
        if e.1.len() < show {
            e.1.push(i);
        }
    }
    let docs: Vec<&[u8]> = corpus.docs().collect();
    for (key, (n, examples)) in &patterns {
        println!("{n} documents: {key}");
        for &i in examples {
            let doc = docs[i];
            let out = v.validate(doc);
            if let Some(r) = out.rejection() {
                let loc = r.error().locate(doc, 0);
                println!("  #{i}: {r} at {}", loc.pointer);
            } else {
                println!("  #{i}: accepted by xseg");
            }
            let mut copy = doc.to_vec();
            if let Err(e) = simd_json::to_tape(&mut copy) {
                println!("    simd-json: {e}");
            }
            let text = String::from_utf8_lossy(doc);
            let head: String = text.chars().take(400).collect();
            println!("    {head}");
        }
    }
}
