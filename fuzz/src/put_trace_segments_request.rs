//! `put_trace_segments_request`: a PutTraceSegments body is read as the reference reads it
//! (RULES.md §8): the same documents after unescaping, or a failure of the whole request, the
//! count rule with its exact message; and the response gives each document the verdict it
//! gets alone (code, message, `Id`, warning count), in request order. Even inputs are
//! taken as the body itself; odd ones are cut into documents that are written into a
//! well-formed request, which must then give those documents back.

use xseg_batch::{Batch, Checked, InvalidRequestReason, Request};
use xseg_reference::json::Json;
use xseg_reference::request::{parse_request, RequestError};
use xseg_reference::write::{self, Style};
use xseg_reference::{Options, Verdict};

use crate::answer::literal;

/// The batch crate's verdict on one document, reduced to code, message, `Id` and warnings.
fn checked(c: &Checked<'_>) -> (Option<String>, Option<String>, Option<String>, usize) {
    (
        c.outcome().code().map(|c| c.as_str().to_string()),
        c.outcome().rejection().map(|r| r.message().to_string()),
        c.outcome().id().map(|c| c.into_owned()),
        if c.outcome().is_accepted() {
            c.warnings()
        } else {
            0
        },
    )
}

/// The model's verdict on one document, in the same form.
fn reference(doc: &[u8]) -> (Option<String>, Option<String>, Option<String>, usize) {
    let out = xseg_reference::check(doc, &Options::default());
    match &out.verdict {
        Verdict::Accepted(_) => (None, None, None, out.warnings.len()),
        Verdict::Rejected(r) => (
            Some(r.code.as_str().to_string()),
            Some(r.message()),
            r.id.clone(),
            0,
        ),
    }
}

fn check_body(body: &[u8], max_documents: usize) -> Option<Vec<Vec<u8>>> {
    let mut copy = body.to_vec();
    let engine = Request::parse(&mut copy, max_documents)
        .map(|r| r.documents().iter().map(|d| d.to_vec()).collect::<Vec<_>>());
    let model = parse_request(body, max_documents);
    let docs = match (engine, model) {
        (Ok(e), Ok(m)) => {
            assert!(e == m, "documents differ: {}", literal(body));
            m
        }
        (Err(e), Err(m)) => {
            let count_rule = e.reason() == InvalidRequestReason::TooManyDocuments;
            assert_eq!(
                count_rule,
                matches!(m, RequestError::TooManyDocuments(_)),
                "engine {e:?}, model {m:?}: {}",
                literal(body)
            );
            if let Some(msg) = m.count_message() {
                assert_eq!(e.message(), msg);
            }
            return None;
        }
        (e, m) => panic!("request: engine {e:?}, model {m:?}: {}", literal(body)),
    };
    let mut batch = Batch::sequential(xseg::Options::default());
    let mut copy = body.to_vec();
    let response = batch
        .put_trace_segments(&mut copy, max_documents)
        .unwrap_or_else(|e| panic!("{e} after a successful parse: {}", literal(body)));
    assert_eq!(response.results().len(), docs.len());
    for (doc, result) in docs.iter().zip(response.results()) {
        assert_eq!(checked(result), reference(doc), "document {}", literal(doc));
    }
    let rejected = response
        .results()
        .iter()
        .filter(|r| !r.outcome().is_accepted())
        .count();
    assert_eq!(response.unprocessed().count(), rejected);
    Some(docs)
}

/// The property.
pub fn run(data: &[u8]) {
    let data = data.get(..crate::MAX_INPUT).unwrap_or(data);
    let Some((&mode, rest)) = data.split_first() else {
        check_body(data, 50);
        return;
    };
    let max_documents = match (mode >> 1) % 3 {
        0 => 50,
        1 => 0,
        _ => 3,
    };
    if mode % 2 == 0 {
        check_body(rest, max_documents);
        return;
    }
    // a well-formed request around documents cut from the input at NUL bytes
    let docs: Vec<String> = rest
        .split(|&c| c == 0)
        .map(|d| String::from_utf8_lossy(d).into_owned())
        .collect();
    let request = Json::Object(vec![
        (
            "Other".into(),
            Json::Array(vec![Json::Number("-1.5e3".into())]),
        ),
        (
            "TraceSegmentDocuments".into(),
            Json::Array(docs.iter().map(|d| Json::String(d.clone())).collect()),
        ),
    ]);
    let style = Style {
        seed: u64::from(mode),
        escapes: mode & 4 != 0,
        whitespace: mode & 8 != 0,
    };
    let body = write::to_vec(&request, style);
    let got = check_body(&body, max_documents);
    if max_documents == 0 || docs.len() <= max_documents {
        let want: Vec<Vec<u8>> = docs.into_iter().map(String::into_bytes).collect();
        assert!(got == Some(want), "documents lost: {}", literal(&body));
    } else {
        assert!(got.is_none(), "count rule: {}", literal(&body));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{mutants, seeds};

    #[test]
    fn smoke() {
        let seeds = seeds("put_trace_segments_request");
        for s in &seeds {
            run(s);
        }
        for m in mutants(&seeds, 300, 3) {
            run(&m);
        }
    }
}
