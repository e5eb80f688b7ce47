//! `serve_answer_matches_put_trace_segments`: for any request body, the HTTP answer of the
//! `xseg serve` handler (`POST /TraceSegments`) is what `xseg put-trace-segments` gives for
//! the same bytes: 200 with its output byte for byte, or 400 `InvalidRequestException` with
//! its message as `{"message": ...}`. The handler is called as a plain function: no socket,
//! no runtime.
//!
//! The seeds in `fuzz/corpus/serve_answer_matches_put_trace_segments/` are the request bodies
//! of the `put_trace_segments_request` seeds (its `request-*`, `too-many`, `not-array` and
//! `repeated` files without their first byte) and a few malformed bodies.

use std::sync::OnceLock;

use xseg_batch::Batch;
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
