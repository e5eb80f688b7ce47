//! Every single-document method the benchmarks compare, by label, as a fresh closure with its
//! own reusable state (xseg's `Validator`, simd-json's buffers).

use std::hint::black_box;

use xseg::{Options, Profile, Segment, Validator};

use crate::baseline::{self, SimdTape};

/// A method: takes one document, returns whether it accepted it.
pub type Method = Box<dyn FnMut(&[u8]) -> bool>;

/// What the view gives a consumer: the identity fields of every entity, subsegments included.
pub fn touch(seg: Segment<'_>) -> usize {
    let mut acc = seg.id().map_or(0, |s| s.raw().len());
    acc += seg.name().map_or(0, |s| s.raw().len());
    acc += seg.trace_id_str().map_or(0, |s| s.raw().len());
    acc += usize::from(black_box(seg.start_time()).is_some());
    acc += usize::from(black_box(seg.end_time()).is_some());
    for child in seg.subsegments() {
        acc += touch(child);
    }
    acc
}

/// xseg's full path: validate, then read the identity fields through the borrowed view.
pub fn parse_view(v: &mut Validator, doc: &[u8]) -> bool {
    match v.parse(doc) {
        Ok(d) => d.segment().is_none_or(|s| black_box(touch(s)) > 0),
        Err(_) => false,
    }
}

/// The labels and fresh closures of every method, xseg's first.
pub fn all() -> Vec<(&'static str, Method)> {
    let mut v1 = Validator::new(Options::new(Profile::Service));
    let mut v2 = Validator::new(Options::new(Profile::Service));
    let mut simd = SimdTape::new();
    vec![
        (
            "xseg/validate",
            Box::new(move |d: &[u8]| v1.validate(d).is_accepted()),
        ),
        (
            "xseg/parse_view",
            Box::new(move |d: &[u8]| parse_view(&mut v2, d)),
        ),
        ("a/serde_value", Box::new(baseline::serde_value)),
        ("b/serde_struct", Box::new(baseline::serde_struct)),
        ("c/simd_tape", Box::new(move |d: &[u8]| simd.validate(d))),
        ("d/sonic_struct", Box::new(baseline::sonic_struct)),
        #[cfg(feature = "simdjson")]
        ("e/simdjson_dom", {
            let mut dom = baseline::SimdjsonDom::new();
            Box::new(move |d: &[u8]| dom.parse(d))
        }),
    ]
}

/// The method labelled `label`, fresh.
pub fn by_label(label: &str) -> Option<Method> {
    all().into_iter().find(|(l, _)| *l == label).map(|(_, m)| m)
}

/// Runs `m` over `docs`; returns how many it accepted.
pub fn run(docs: &[&[u8]], m: &mut Method) -> usize {
    let mut accepted = 0;
    for d in docs {
        accepted += usize::from(m(black_box(d)));
    }
    accepted
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_method_accepts_the_generated_corpus() {
        let docs = crate::generate::documents(60, 3);
        let docs: Vec<&[u8]> = docs.iter().map(|d| d.as_bytes()).collect();
        for (label, mut m) in all() {
            assert_eq!(run(&docs, &mut m), docs.len(), "{label}");
        }
        assert!(by_label("b/serde_struct").is_some());
        assert!(by_label("nope").is_none());
    }
}
