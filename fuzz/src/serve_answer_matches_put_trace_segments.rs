//! `serve_answer_matches_put_trace_segments`: for any request body, the HTTP answer of the
//! `xseg serve` handler (`POST /TraceSegments`) is what `xseg put-trace-segments` gives for
//! the same bytes: 200 with its output byte for byte, or 400 `InvalidRequestException` with
//! its message as `{"message": ...}`. The handler is called as a plain function: no socket,
//! no runtime.
//!
//! The shared endpoint runs without the trace checks, whose state would make an answer
//! depend on the inputs fuzzed before it. They are checked on a fresh endpoint per input
//! ([`Endpoint::with_trace_checks`]): there, a body whose documents add up to at most the
//! trace size limit gets the same answer byte for byte, and a larger one the same answer
//! plus `InvalidSegment` entries for documents `put-trace-segments` accepts.
//!
//! The seeds in `fuzz/corpus/serve_answer_matches_put_trace_segments/` are the request bodies
//! of the `put_trace_segments_request` seeds (its `request-*`, `too-many`, `not-array` and
//! `repeated` files without their first byte) and a few malformed bodies.

use std::sync::OnceLock;

use xseg_batch::{Batch, TraceConfig};
use xseg_serve::{http, Config, Endpoint};

use crate::answer::literal;

fn endpoint() -> &'static Endpoint {
    static ENDPOINT: OnceLock<Endpoint> = OnceLock::new();
    ENDPOINT.get_or_init(|| Endpoint::new(Config::default()))
}

/// Checks the property on one body.
pub fn run(data: &[u8]) {
    let endpoint = endpoint();
    let mut batch = Batch::sequential(endpoint.config().options);
    let request = http::Request::post("/TraceSegments")
        .header("content-type", "application/json")
        .body(data.to_vec())
        .unwrap_or_else(|e| panic!("request: {e}"));
    let response = endpoint.handle(&mut batch, request, None);
    traced(data, endpoint.config());

    let mut copy = data.to_vec();
    let max = endpoint.config().max_documents;
    match Batch::sequential(endpoint.config().options).put_trace_segments(&mut copy, max) {
        Ok(answer) => {
            assert_eq!(response.status(), 200, "{}", literal(data));
            let printed = answer.to_json() + "\n";
            assert!(
                response.body() == printed.as_bytes(),
                "answer {} for {}",
                literal(response.body()),
                literal(data)
            );
        }
        Err(invalid) => {
            assert_eq!(response.status(), 400, "{}", literal(data));
            assert_eq!(
                response
                    .headers()
                    .get("x-amzn-errortype")
                    .map(|v| v.as_bytes()),
                Some(&b"InvalidRequestException"[..])
            );
            let body: serde_json::Value = serde_json::from_slice(response.body())
                .unwrap_or_else(|e| panic!("{e}: {}", literal(response.body())));
            assert_eq!(
                body,
                serde_json::json!({ "message": invalid.message() }),
                "{}",
                literal(data)
            );
        }
    }
}

/// Trace size limit of the fresh endpoints: small, so that inputs cross it.
const TRACE_LIMIT: u64 = 2_000;

/// The same body through a fresh endpoint with the trace checks.
fn traced(data: &[u8], config: &Config) {
    let endpoint = Endpoint::new(config.clone()).with_trace_checks(
        TraceConfig::new()
            .with_max_trace_bytes(TRACE_LIMIT)
            .with_max_open_traces(16),
    );
    let mut batch = Batch::sequential(config.options);
    let request = http::Request::post("/TraceSegments")
        .body(data.to_vec())
        .unwrap_or_else(|e| panic!("request: {e}"));
    let response = endpoint.handle(&mut batch, request, None);
    let mut copy = data.to_vec();
    let Ok(request) = xseg_batch::Request::parse(&mut copy, config.max_documents) else {
        assert_eq!(response.status(), 400, "{}", literal(data));
        return;
    };
    assert_eq!(response.status(), 200, "{}", literal(data));
    let docs = request.documents();
    let alone = Batch::sequential(config.options).validate(docs);
    let got: serde_json::Value = serde_json::from_slice(response.body())
        .unwrap_or_else(|e| panic!("{e}: {}", literal(response.body())));
    let entries = got
        .get("UnprocessedTraceSegments")
        .and_then(serde_json::Value::as_array)
        .unwrap_or_else(|| panic!("{}", literal(response.body())));
    // The rejections of the body alone, in order, plus trace-size rejections (of documents
    // accepted alone: no rule of the core gives that message).
    let (size, rules): (Vec<&serde_json::Value>, Vec<&serde_json::Value>) =
        entries.iter().partition(|e| {
            e.get("Message").and_then(serde_json::Value::as_str)
                == Some(xseg_batch::trace::TRACE_SIZE_EXCEEDED_MESSAGE)
        });
    let want: Vec<serde_json::Value> = alone
        .iter()
        .filter_map(|c| c.unprocessed())
        .map(|u| serde_json::to_value(&u).unwrap_or_default())
        .collect();
    let rules: Vec<serde_json::Value> = rules.into_iter().cloned().collect();
    assert_eq!(rules, want, "{}", literal(data));
    let accepted = alone.iter().filter(|c| c.outcome().is_accepted()).count();
    assert!(size.len() <= accepted, "{}", literal(data));
    for e in &size {
        assert_eq!(
            e.get("ErrorCode").and_then(serde_json::Value::as_str),
            Some("InvalidSegment")
        );
    }
    let total: u64 = docs.iter().map(|d| d.len() as u64).sum();
    if total <= TRACE_LIMIT {
        assert!(size.is_empty(), "{}", literal(data));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{mutants, seeds};

    #[test]
    fn smoke() {
        let seeds = seeds("serve_answer_matches_put_trace_segments");
        for s in &seeds {
            run(s);
        }
        for m in mutants(&seeds, 300, 3) {
            run(&m);
        }
    }
}
