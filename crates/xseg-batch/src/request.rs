//! PutTraceSegments (RULES.md section 8): the request `{"TraceSegmentDocuments": [...]}` and
//! the response `{"UnprocessedTraceSegments": [...]}`.
//!
//! The request is parsed with simd-json, which unescapes strings inside the request buffer,
//! so each document is a borrowed slice of that buffer: no document is copied.
//!
//! Checks, in this order (the first failing one decides the message):
//!
//! 1. the body is one well-formed JSON text;
//! 2. it is an object;
//! 3. it has the key `TraceSegmentDocuments` (a `null` value counts as missing), once;
//! 4. its value is an array;
//! 5. of at most `max_documents` elements (`0`: no limit);
//! 6. each of them a string.
//!
//! Other keys of the request object are ignored.

use std::borrow::Cow;
use std::fmt;
use std::io;

use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct};
use serde::{Serialize, Serializer};
use simd_json::prelude::{TypedScalarValue, ValueIntoString};
use xseg::ErrorCode;

use crate::Checked;

/// The service's limit on documents per request.
pub const MAX_DOCUMENTS: usize = 50;

/// The request key holding the documents.
pub const DOCUMENTS_KEY: &str = "TraceSegmentDocuments";

/// The `__type` of a rejected request.
pub const INVALID_REQUEST_TYPE: &str = "InvalidRequestException";

/// Why a request was rejected as a whole.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum InvalidRequestReason {
    /// The body is not one well-formed JSON text (this includes invalid UTF-8 and string
    /// escapes that do not make Unicode text, such as a lone surrogate).
    Malformed,
    /// The body is JSON but not an object.
    NotAnObject,
    /// There is no `TraceSegmentDocuments` key, or its value is `null`.
    MissingDocuments,
    /// The `TraceSegmentDocuments` key appears more than once.
    RepeatedDocuments,
    /// `TraceSegmentDocuments` is not an array.
    DocumentsNotArray,
    /// More documents than the limit.
    TooManyDocuments,
    /// An element of `TraceSegmentDocuments` is not a string.
    DocumentNotString,
}

/// A request rejected as a whole: the service's `InvalidRequestException`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvalidRequest {
    reason: InvalidRequestReason,
    message: String,
}

impl InvalidRequest {
    #[cold]
    fn new(reason: InvalidRequestReason, message: String) -> Self {
        InvalidRequest { reason, message }
    }

    /// Which check failed.
    pub const fn reason(&self) -> InvalidRequestReason {
        self.reason
    }

    /// The `Message`, e.g. `Exceeding maximum segment count: 50`.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The response body: `{"__type":"InvalidRequestException","Message":"..."}`.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Serialize for InvalidRequest {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("InvalidRequestException", 2)?;
        st.serialize_field("__type", INVALID_REQUEST_TYPE)?;
        st.serialize_field("Message", &self.message)?;
        st.end()
    }
}

impl fmt::Display for InvalidRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", INVALID_REQUEST_TYPE, self.message)
    }
}

impl std::error::Error for InvalidRequest {}

/// Whether the core finds `body` one well-formed JSON text (any size, the default depth).
fn well_formed(body: &[u8]) -> bool {
    let opts = xseg::Options::default().with_max_document_bytes(usize::MAX);
    let mut v = xseg::Validator::new(opts);
    let out = v.validate(body);
    out.code() != Some(xseg::ErrorCode::ParseError)
}

/// Whether a number outside the strings of `body` has an exponent or more than 19 digits.
/// Strings are skipped with `memchr`, so this costs little on a request, which is mostly
/// strings.
fn has_risky_numbers(body: &[u8]) -> bool {
    let mut i = 0;
    let mut digits = 0usize;
    while let Some(&c) = body.get(i) {
        match c {
            b'"' => {
                digits = 0;
                // to the closing quote, stepping over escapes
                let mut j = i + 1;
                loop {
                    match memchr::memchr2(b'"', b'\\', body.get(j..).unwrap_or(&[])) {
                        Some(k) if body.get(j + k) == Some(&b'\\') => j += k + 2,
                        Some(k) => {
                            j += k;
                            break;
                        }
                        None => return false,
                    }
                }
                i = j + 1;
                continue;
            }
            b'0'..=b'9' => {
                digits += 1;
                if digits > 19 {
                    return true;
                }
            }
            b'e' | b'E' if digits > 0 => return true,
            b'.' | b'-' | b'+' => {}
            _ => digits = 0,
        }
        i += 1;
    }
    false
}

/// Overwrites every number outside strings with `0` and blanks, in place; `body` is
/// well-formed JSON.
fn blank_numbers(body: &mut [u8]) {
    let (mut in_string, mut escaped, mut in_number) = (false, false, false);
    for c in body.iter_mut() {
        if in_string {
            match (*c, escaped) {
                (_, true) => escaped = false,
                (b'\\', false) => escaped = true,
                (b'"', false) => in_string = false,
                _ => {}
            }
        } else if matches!(*c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') && !in_number {
            in_number = !matches!(*c, b'e' | b'E'); // `e` outside a number is part of `true`/`false`
            if in_number {
                *c = b'0';
            }
        } else if in_number && matches!(*c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9') {
            *c = b' ';
        } else {
            in_number = false;
            in_string = *c == b'"';
        }
    }
}

/// A parsed PutTraceSegments request: the documents, borrowed from the request buffer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Request<'a> {
    documents: Vec<&'a [u8]>,
}

impl<'a> Request<'a> {
    /// Parses a request body in place (strings are unescaped inside `body`) and checks its
    /// shape; `max_documents` is the document limit, `0` for none.
    ///
    /// ```
    /// use xseg_batch::{InvalidRequestReason, Request};
    ///
    /// let mut body = br#"{"TraceSegmentDocuments":["{\"a\":\"\\u0041\"}", "[]"]}"#.to_vec();
    /// let req = Request::parse(&mut body, 50).unwrap();
    /// assert_eq!(req.documents(), [&br#"{"a":"\u0041"}"#[..], b"[]"]);
    ///
    /// let mut body = br#"{"TraceSegmentDocuments":["{}","{}"]}"#.to_vec();
    /// let err = Request::parse(&mut body, 1).unwrap_err();
    /// assert_eq!(err.reason(), InvalidRequestReason::TooManyDocuments);
    /// assert_eq!(err.message(), "Exceeding maximum segment count: 1");
    /// ```
    ///
    /// # Errors
    ///
    /// [`InvalidRequest`] when a check of the module documentation fails.
    pub fn parse(body: &'a mut [u8], max_documents: usize) -> Result<Self, InvalidRequest> {
        use InvalidRequestReason as R;
        // simd-json refuses numbers it cannot represent (`1e400`, integers above u64::MAX),
        // which are valid JSON (RULES.md §3). Numbers outside strings that it might refuse are
        // overwritten with `0` and blanks before it reads the body, once the core has found
        // the body well-formed: no string, so no document, changes.
        if has_risky_numbers(body) && well_formed(body) {
            blank_numbers(body);
        }
        let tape = simd_json::to_tape(body).map_err(|e| {
            InvalidRequest::new(
                R::Malformed,
                format!(
                    "Request body is not well-formed JSON (near byte {})",
                    e.index()
                ),
            )
        })?;
        let root = tape.as_value();
        let object = root.as_object().ok_or_else(|| {
            InvalidRequest::new(
                R::NotAnObject,
                "Request body must be a JSON object".to_owned(),
            )
        })?;
        let mut documents = None;
        for (key, value) in object.iter() {
            if key == DOCUMENTS_KEY {
                if documents.is_some() {
                    return Err(InvalidRequest::new(
                        R::RepeatedDocuments,
                        format!("{DOCUMENTS_KEY} must appear only once"),
                    ));
                }
                documents = Some(value);
            }
        }
        let documents = documents.filter(|v| !v.is_null()).ok_or_else(|| {
            InvalidRequest::new(
                R::MissingDocuments,
                format!("Missing required field {DOCUMENTS_KEY}"),
            )
        })?;
        let array = documents.as_array().ok_or_else(|| {
            InvalidRequest::new(
                R::DocumentsNotArray,
                format!("{DOCUMENTS_KEY} must be an array of strings"),
            )
        })?;
        if max_documents != 0 && array.len() > max_documents {
            return Err(InvalidRequest::new(
                R::TooManyDocuments,
                format!("Exceeding maximum segment count: {max_documents}"),
            ));
        }
        let mut out = Vec::with_capacity(array.len());
        for (i, element) in array.iter().enumerate() {
            match element.into_string() {
                Some(s) => out.push(s.as_bytes()),
                None => {
                    return Err(InvalidRequest::new(
                        R::DocumentNotString,
                        format!("{DOCUMENTS_KEY}[{i}] must be a string"),
                    ))
                }
            }
        }
        Ok(Request { documents: out })
    }

    /// The documents, in request order, after JSON unescaping.
    pub fn documents(&self) -> &[&'a [u8]] {
        &self.documents
    }

    /// The number of documents.
    pub fn len(&self) -> usize {
        self.documents.len()
    }

    /// Whether the request holds no document.
    pub fn is_empty(&self) -> bool {
        self.documents.is_empty()
    }
}

/// One entry of `UnprocessedTraceSegments`: `{"Id": ..., "ErrorCode": ..., "Message": ...}`,
/// `Id` left out when absent.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnprocessedTraceSegment<'a> {
    /// The top-level `id` when it is a JSON string, unescaped.
    pub id: Option<Cow<'a, str>>,
    /// The `ErrorCode`.
    pub error_code: ErrorCode,
    /// The `Message`, byte-exact.
    pub message: &'static str,
}

impl Serialize for UnprocessedTraceSegment<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2 + usize::from(self.id.is_some())))?;
        if let Some(id) = &self.id {
            m.serialize_entry("Id", id)?;
        }
        m.serialize_entry("ErrorCode", self.error_code.as_str())?;
        m.serialize_entry("Message", self.message)?;
        m.end()
    }
}

/// The answer to a request: the verdict on every document, in request order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Response<'a> {
    results: Vec<Checked<'a>>,
}

impl<'a> Response<'a> {
    /// The response for these verdicts (one per document, in request order).
    pub fn new(results: Vec<Checked<'a>>) -> Self {
        Response { results }
    }

    /// Every document's verdict, accepted ones included, in request order.
    pub fn results(&self) -> &[Checked<'a>] {
        &self.results
    }

    /// The `UnprocessedTraceSegments` entries, in request order.
    pub fn unprocessed(&self) -> impl Iterator<Item = UnprocessedTraceSegment<'a>> + '_ {
        self.results.iter().filter_map(Checked::unprocessed)
    }

    /// Writes the response body, `{"UnprocessedTraceSegments":[...]}`, as compact JSON.
    ///
    /// # Errors
    ///
    /// Errors of the writer.
    pub fn write_json<W: io::Write>(&self, w: W) -> io::Result<()> {
        serde_json::to_writer(w, self).map_err(io::Error::from)
    }

    /// The response body as a string; see [`write_json`](Self::write_json).
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl Serialize for Response<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        struct Entries<'r, 'a>(&'r Response<'a>);
        impl Serialize for Entries<'_, '_> {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                let mut seq = s.serialize_seq(None)?;
                for entry in self.0.unprocessed() {
                    seq.serialize_element(&entry)?;
                }
                seq.end()
            }
        }
        let mut st = s.serialize_struct("PutTraceSegmentsResponse", 1)?;
        st.serialize_field("UnprocessedTraceSegments", &Entries(self))?;
        st.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Batch;
    use xseg::Options;

    fn parse(body: &str, max: usize) -> Result<Vec<String>, (InvalidRequestReason, String)> {
        let mut buf = body.as_bytes().to_vec();
        Request::parse(&mut buf, max)
            .map(|r| {
                r.documents()
                    .iter()
                    .map(|d| String::from_utf8(d.to_vec()).unwrap())
                    .collect()
            })
            .map_err(|e| (e.reason(), e.message().to_owned()))
    }

    #[test]
    fn numbers_simd_json_cannot_hold_do_not_spoil_the_request() {
        let body = r#"{"Other":[1e400, -12345678901234567890123, true, false, 2.5e-3],"TraceSegmentDocuments":["{\"n\":1e400,\"t\":true}"]}"#;
        assert_eq!(
            parse(body, 50),
            Ok(vec![r#"{"n":1e400,"t":true}"#.to_owned()])
        );
        let mut b = br#"[1e400,"1e400",true,-2.5E+3,{"k":null}]"#.to_vec();
        blank_numbers(&mut b);
        assert_eq!(b, br#"[0    ,"1e400",true,0      ,{"k":null}]"#.to_vec());
        assert!(has_risky_numbers(br#"{"a":1e5}"#));
        assert!(has_risky_numbers(br#"{"a":123456789012345678901}"#));
        assert!(!has_risky_numbers(
            br#"{"a":1234567890123456789,"b":"1e400","c":true}"#
        ));
        assert!(!has_risky_numbers(br#"{"a":"\"1e5"}"#));
        // a body that really is malformed is still refused
        assert_eq!(
            parse(r#"{"TraceSegmentDocuments":[1e400"#, 50)
                .unwrap_err()
                .0,
            InvalidRequestReason::Malformed
        );
    }

    #[test]
    fn documents_are_unescaped_in_place() {
        let body = r#"{"x":1,"TraceSegmentDocuments":["{\"name\":\"a\\u0028\"}","\u00e9\n",""]}"#;
        let mut buf = body.as_bytes().to_vec();
        let range = buf.as_ptr_range();
        let req = Request::parse(&mut buf, 50).unwrap();
        assert_eq!(req.len(), 3);
        assert_eq!(req.documents()[0], br#"{"name":"a\u0028"}"#);
        assert_eq!(req.documents()[1], "é\n".as_bytes());
        assert_eq!(req.documents()[2], b"");
        // borrowed from the request buffer, not copied
        for d in req.documents().iter().filter(|d| !d.is_empty()) {
            assert!(range.contains(&d.as_ptr()));
        }
    }

    #[test]
    fn request_checks_in_order() {
        use InvalidRequestReason as R;
        let err = |body: &str, max: usize| parse(body, max).unwrap_err();
        assert_eq!(err("", 50).0, R::Malformed);
        assert_eq!(err("{", 50).0, R::Malformed);
        assert_eq!(err("not json", 50).0, R::Malformed);
        assert_eq!(err(r#"{"TraceSegmentDocuments":[]} x"#, 50).0, R::Malformed);
        assert_eq!(
            err(r#"{"TraceSegmentDocuments":["\ud800"]}"#, 50).0,
            R::Malformed
        );
        assert!(err("{", 50)
            .1
            .starts_with("Request body is not well-formed JSON"));
        assert_eq!(
            err("[]", 50),
            (R::NotAnObject, "Request body must be a JSON object".into())
        );
        assert_eq!(
            err(r#"{"traceSegmentDocuments":[]}"#, 50),
            (
                R::MissingDocuments,
                "Missing required field TraceSegmentDocuments".into()
            )
        );
        assert_eq!(
            err(r#"{"TraceSegmentDocuments":null}"#, 50).0,
            R::MissingDocuments
        );
        assert_eq!(
            err(
                r#"{"TraceSegmentDocuments":[],"TraceSegmentDocuments":[]}"#,
                50
            ),
            (
                R::RepeatedDocuments,
                "TraceSegmentDocuments must appear only once".into()
            )
        );
        assert_eq!(
            err(r#"{"TraceSegmentDocuments":"{}"}"#, 50),
            (
                R::DocumentsNotArray,
                "TraceSegmentDocuments must be an array of strings".into()
            )
        );
        assert_eq!(
            err(r#"{"TraceSegmentDocuments":["{}",1,"{}"]}"#, 2),
            (
                R::TooManyDocuments,
                "Exceeding maximum segment count: 2".into()
            )
        );
        assert_eq!(
            err(r#"{"TraceSegmentDocuments":["{}",1,"{}"]}"#, 3),
            (
                R::DocumentNotString,
                "TraceSegmentDocuments[1] must be a string".into()
            )
        );
        assert_eq!(
            err(r#"{"TraceSegmentDocuments":[null]}"#, 50).0,
            R::DocumentNotString
        );
    }

    #[test]
    fn document_limit() {
        let body = |n: usize| {
            let docs = vec!["\"{}\""; n].join(",");
            format!(r#"{{"TraceSegmentDocuments":[{docs}]}}"#)
        };
        assert_eq!(parse(&body(50), MAX_DOCUMENTS).unwrap().len(), 50);
        assert_eq!(
            parse(&body(51), MAX_DOCUMENTS).unwrap_err().1,
            "Exceeding maximum segment count: 50"
        );
        assert_eq!(parse(&body(51), 0).unwrap().len(), 51);
        assert_eq!(parse(&body(0), MAX_DOCUMENTS).unwrap().len(), 0);
    }

    #[test]
    fn deep_nesting_is_refused_without_overflow() {
        let body = "[".repeat(1 << 20);
        assert_eq!(
            parse(&body, 50).unwrap_err().0,
            InvalidRequestReason::Malformed
        );
    }

    #[test]
    fn invalid_request_json() {
        let mut buf = b"[]".to_vec();
        let e = Request::parse(&mut buf, 50).unwrap_err();
        assert_eq!(
            e.to_json(),
            r#"{"__type":"InvalidRequestException","Message":"Request body must be a JSON object"}"#
        );
        assert_eq!(
            e.to_string(),
            "InvalidRequestException: Request body must be a JSON object"
        );
    }

    #[test]
    fn response_in_request_order_with_escaped_ids() {
        let good = r#"{\"name\":\"web\",\"id\":\"70de5b6f19ff9a0a\",\"trace_id\":\"1-68000000-a006649127e371903a2de979\",\"start_time\":1.5,\"end_time\":2}"#;
        let body = format!(
            r#"{{"TraceSegmentDocuments":["{good}","{{\"id\":\"a\\\"b\\u0001\\u00e9\"}}","nope","{{\"id\":\"x\",\"name\":\"n\",\"subsegments\":[{{}}]}}"]}}"#
        );
        let mut buf = body.into_bytes();
        let mut batch = Batch::sequential(Options::default());
        let resp = batch.put_trace_segments(&mut buf, 50).unwrap();
        assert_eq!(resp.results().len(), 4);
        assert!(resp.results()[0].outcome().is_accepted());
        assert_eq!(
            resp.to_json(),
            concat!(
                r#"{"UnprocessedTraceSegments":["#,
                r#"{"Id":"a\"b\u0001é","ErrorCode":"InvalidId","Message":"Invalid segment. ErrorCode: InvalidId"},"#,
                r#"{"ErrorCode":"ParseError","Message":"Invalid segment. ErrorCode: ParseError"},"#,
                r#"{"Id":"x","ErrorCode":"InvalidId","Message":"Invalid segment. ErrorCode: InvalidId"}"#,
                "]}"
            )
        );
        let mut written = Vec::new();
        resp.write_json(&mut written).unwrap();
        assert_eq!(written, resp.to_json().into_bytes());
        // the output is JSON that reads back to the same values
        let v: serde_json::Value = serde_json::from_slice(&written).unwrap();
        assert_eq!(v["UnprocessedTraceSegments"][0]["Id"], "a\"b\u{1}é");
    }

    #[test]
    fn empty_response() {
        let mut buf = br#"{"TraceSegmentDocuments":[]}"#.to_vec();
        let mut batch = Batch::sequential(Options::default());
        let resp = batch.put_trace_segments(&mut buf, 50).unwrap();
        assert_eq!(resp.to_json(), r#"{"UnprocessedTraceSegments":[]}"#);
    }
}
