//! The rule suite (`crates/xseg/tests/rule_suite/rules.json`) through the batch layer: a
//! parallel batch, a PutTraceSegments request and an NDJSON stream give every case the verdict
//! it gets alone.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

#[path = "../../xseg/tests/rule_suite/loader.rs"]
mod loader;

use loader::{check, verdict, without_warning_list, Case, PROFILES};
use xseg::Profile;
use xseg_batch::{Batch, StreamConfig};

/// The cases that share the default options, and the ones that need their own.
fn groups(cases: &[Case]) -> (Vec<&Case>, Vec<&Case>) {
    cases.iter().partition(|c| !c.has_options())
}

/// Runs `f` on every group of cases that can share one batch, with the batch's options.
fn each_group(mut f: impl FnMut(&[&Case], Profile, &str)) {
    let cases = loader::cases();
    let (plain, own) = groups(&cases);
    for (p, key) in PROFILES {
        f(&plain, p, key);
        for c in &own {
            f(std::slice::from_ref(c), p, key);
        }
    }
}

#[test]
fn every_case_through_a_batch() {
    each_group(|cases, p, key| {
        let docs: Vec<&[u8]> = cases.iter().map(|c| c.doc.as_slice()).collect();
        let mut batch = Batch::with_jobs(cases[0].options(p), 2).unwrap();
        for (case, got) in cases.iter().zip(batch.validate(&docs)) {
            let got = verdict(&got.outcome(), None, got.warnings(), &case.doc, 0);
            let want = without_warning_list(case.expected(key));
            check(case, key, "a batch", &got, &want);
        }
    });
}

#[test]
fn every_case_through_a_put_trace_segments_request() {
    let mut sent = 0;
    each_group(|cases, p, key| {
        // a request carries documents as JSON strings, so only UTF-8 documents fit
        let cases: Vec<&Case> = cases
            .iter()
            .copied()
            .filter(|c| c.text().is_some())
            .collect();
        if cases.is_empty() {
            return;
        }
        let docs: Vec<&str> = cases.iter().filter_map(|c| c.text()).collect();
        let mut body = serde_json::json!({ "TraceSegmentDocuments": docs })
            .to_string()
            .into_bytes();
        let mut batch = Batch::with_jobs(cases[0].options(p), 2).unwrap();
        let response = batch.put_trace_segments(&mut body, 0).unwrap();
        assert_eq!(response.results().len(), cases.len());
        for (case, got) in cases.iter().zip(response.results()) {
            sent += 1;
            let got = verdict(&got.outcome(), None, got.warnings(), &case.doc, 0);
            let want = without_warning_list(case.expected(key));
            check(case, key, "a PutTraceSegments request", &got, &want);
        }
    });
    assert!(sent > 200);
}

#[test]
fn every_case_through_an_ndjson_stream() {
    let mut sent = 0;
    each_group(|cases, p, key| {
        // one document per line: leave out the documents a line cannot hold as they are
        // (line breaks inside, blank ones the stream skips)
        let cases: Vec<&Case> = cases
            .iter()
            .copied()
            .filter(|c| {
                !c.doc.iter().any(|&b| b == b'\n' || b == b'\r')
                    && !c.doc.iter().all(u8::is_ascii_whitespace)
            })
            .collect();
        let mut stream = Vec::new();
        let mut offsets = Vec::new();
        for c in &cases {
            offsets.push(stream.len() as u64);
            stream.extend_from_slice(&c.doc);
            stream.push(b'\n');
        }
        let mut batch = Batch::with_jobs(cases[0].options(p), 2).unwrap();
        let batch_limit = batch.options().max_document_bytes();
        let mut i = 0;
        batch
            .check_stream(
                &stream[..],
                &StreamConfig::new().with_chunk_bytes(4096),
                |item| {
                    let case = cases[i];
                    assert_eq!(item.line(), i as u64 + 1, "{}", case.name);
                    assert_eq!(item.offset(), offsets[i], "{}", case.name);
                    let too_long = case.doc.len() > batch_limit;
                    // a line over the size limit is not kept, only its verdict
                    let kept: &[u8] = if too_long { &[] } else { &case.doc };
                    assert_eq!(item.document(), kept, "{}", case.name);
                    let r = item.result();
                    let got = verdict(
                        &r.outcome(),
                        Some(item.warnings()),
                        r.warnings(),
                        &case.doc,
                        0,
                    );
                    check(case, key, "an NDJSON stream", &got, case.expected(key));
                    i += 1;
                    sent += 1;
                    Ok::<(), ()>(())
                },
            )
            .unwrap();
        assert_eq!(i, cases.len());
    });
    assert!(sent > 200);
}
