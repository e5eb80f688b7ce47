//! PutTraceSegments requests (RULES.md §8), written plainly over [`crate::json::parse`].
//!
//! Checks in this order (the first failing one decides): one well-formed JSON text; an
//! object; the key `TraceSegmentDocuments` exactly once (§8 names one key; a repeat is
//! refused, as repeated keys are everywhere else) and not `null`; an array; at most
//! `max_documents` elements (`0`: no limit); every element a string.

use crate::json::{self, Json};

/// Why a request fails as a whole (`InvalidRequestException`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestError {
    /// Any shape rule.
    Invalid(&'static str),
    /// The count rule; the message is `Exceeding maximum segment count: N`.
    TooManyDocuments(usize),
}

impl RequestError {
    /// The message of the count rule; `None` for the others, whose wording §8 leaves open.
    pub fn count_message(&self) -> Option<String> {
        match self {
            RequestError::TooManyDocuments(n) => {
                Some(format!("Exceeding maximum segment count: {n}"))
            }
            RequestError::Invalid(_) => None,
        }
    }
}

/// The documents of a request, unescaped, in request order.
pub fn parse_request(body: &[u8], max_documents: usize) -> Result<Vec<Vec<u8>>, RequestError> {
    let depth = json::nesting_depth(body);
    crate::with_stack_for(depth, || {
        let value = json::parse(body, depth).map_err(|_| RequestError::Invalid("not JSON"))?;
        documents(&value, max_documents)
    })
}

fn documents(value: &Json, max_documents: usize) -> Result<Vec<Vec<u8>>, RequestError> {
    let Json::Object(members) = value else {
        return Err(RequestError::Invalid("not an object"));
    };
    let mut copies = members.iter().filter(|(k, _)| k == "TraceSegmentDocuments");
    let docs = match (copies.next(), copies.next()) {
        (_, Some(_)) => return Err(RequestError::Invalid("repeated key")),
        (None, None) | (Some((_, Json::Null)), None) => {
            return Err(RequestError::Invalid("no TraceSegmentDocuments"))
        }
        (Some((_, v)), None) => v,
    };
    let Json::Array(items) = docs else {
        return Err(RequestError::Invalid("not an array"));
    };
    if max_documents != 0 && items.len() > max_documents {
        return Err(RequestError::TooManyDocuments(max_documents));
    }
    items
        .iter()
        .map(|item| match item {
            Json::String(s) => Ok(s.as_bytes().to_vec()),
            _ => Err(RequestError::Invalid("element not a string")),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let ok = |b: &str, n| parse_request(b.as_bytes(), n);
        assert_eq!(
            ok(
                r#"{"x":1e400,"TraceSegmentDocuments":["{\"a\":\"\\u0041\"}","[]"]}"#,
                50
            ),
            Ok(vec![br#"{"a":"\u0041"}"#.to_vec(), b"[]".to_vec()])
        );
        assert_eq!(ok(r#"{"TraceSegmentDocuments":[]}"#, 50), Ok(vec![]));
        assert_eq!(
            ok(r#"{"TraceSegmentDocuments":["",""]}"#, 1),
            Err(RequestError::TooManyDocuments(1))
        );
        assert!(ok(r#"{"TraceSegmentDocuments":["",""]}"#, 0).is_ok());
        for bad in [
            "",
            "[]",
            "{}",
            r#"{"TraceSegmentDocuments":null}"#,
            r#"{"TraceSegmentDocuments":"x"}"#,
            r#"{"TraceSegmentDocuments":[1]}"#,
            r#"{"TraceSegmentDocuments":[],"TraceSegmentDocuments":[]}"#,
            r#"{"TraceSegmentDocuments":["\ud800"]}"#,
            r#"{"tracesegmentdocuments":[]}"#,
        ] {
            assert!(
                matches!(ok(bad, 50), Err(RequestError::Invalid(_))),
                "{bad}"
            );
        }
        assert_eq!(
            RequestError::TooManyDocuments(50)
                .count_message()
                .as_deref(),
            Some("Exceeding maximum segment count: 50")
        );
    }
}
