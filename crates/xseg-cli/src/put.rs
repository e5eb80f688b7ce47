//! `xseg put-trace-segments`: answer a PutTraceSegments request body.

use std::io::Write;

use xseg::Options;
use xseg_batch::{Batch, Request};

use crate::args::PutArgs;
use crate::exit;
use crate::input::Source;
use crate::report::document::{explain_request, too_large_detail};

/// The answer to a request body: exit status and the JSON body for standard output.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Answer {
    /// [`exit::OK`] when the request was processed, [`exit::INVALID_REQUEST`] when it was
    /// rejected as a whole.
    pub status: u8,
    /// `{"UnprocessedTraceSegments":[...]}` or
    /// `{"__type":"InvalidRequestException","Message":"..."}`.
    pub body: String,
}

/// Answers one request body (parsed in place, so `body` is changed).
pub fn answer(batch: &mut Batch, body: &mut [u8], max_documents: usize) -> Answer {
    match batch.put_trace_segments(body, max_documents) {
        Ok(response) => Answer {
            status: exit::OK,
            body: response.to_json(),
        },
        Err(invalid) => Answer {
            status: exit::INVALID_REQUEST,
            body: invalid.to_json(),
        },
    }
}

/// Runs the command: reads the body, prints the answer and a newline to `out`, returns the
/// exit status. I/O problems go to `err` with [`exit::TROUBLE`].
pub fn run(args: &PutArgs, out: &mut impl Write, err: &mut impl Write) -> u8 {
    let source = args
        .input
        .as_deref()
        .map_or(Source::Stdin, Source::from_arg);
    let mut body = match source.read_all() {
        Ok(body) => body,
        Err(e) => {
            let _ = writeln!(err, "xseg: cannot read {}: {e}", source.label());
            return exit::TROUBLE;
        }
    };
    let options: Options = args.validation.options();
    let mut batch = Batch::new(options);
    if args.explain {
        explain(&mut batch, &body, args.max_documents, err);
    }
    let answer = answer(&mut batch, &mut body, args.max_documents);
    if let Err(e) = writeln!(out, "{}", answer.body).and_then(|()| out.flush()) {
        let _ = writeln!(err, "xseg: cannot write the answer: {e}");
        return exit::TROUBLE;
    }
    answer.status
}

/// Writes to `err` why the request is rejected, or one line per rejected document:
/// `xseg: document N: ErrorCode — sentence at /pointer (byte B of the document)`, or
/// `xseg: request: sentence (byte B, line L, column C)`. `N` counts from 0, as the request's
/// array does.
pub fn explain(batch: &mut Batch, body: &[u8], max_documents: usize, err: &mut impl Write) {
    let mut copy = body.to_vec();
    let request = match Request::parse(&mut copy, max_documents) {
        Ok(request) => request,
        Err(invalid) => {
            let (_, detail, at) = explain_request(body, &invalid);
            let (line, column) = crate::input::texts::advance(1, 1, body.get(..at).unwrap_or(body));
            let _ = writeln!(
                err,
                "xseg: request: {detail} (byte {at}, line {line}, column {column})"
            );
            return;
        }
    };
    let limit = batch.options().max_document_bytes();
    let documents = request.documents();
    let results = batch.validate(documents);
    for (i, (doc, result)) in documents.iter().zip(&results).enumerate() {
        let Some(error) = result.outcome().error() else {
            continue;
        };
        let loc = error.locate(doc, 0);
        let detail = if error.kind() == xseg::ErrorKind::DocumentTooLarge {
            too_large_detail(doc.len() as u64, limit)
        } else {
            error.kind().description().to_owned()
        };
        let at = if loc.pointer.is_empty() {
            String::new()
        } else {
            format!(" at {}", loc.pointer)
        };
        let _ = writeln!(
            err,
            "xseg: document {i}: {} \u{2014} {detail}{at} (byte {} of the document)",
            error.code().as_str(),
            error.offset()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::{Cli, Command};
    use clap::Parser;

    fn put(body: &str, max: usize) -> Answer {
        let mut batch = Batch::sequential(Options::default());
        let mut buf = body.as_bytes().to_vec();
        answer(&mut batch, &mut buf, max)
    }

    #[test]
    fn processed_requests_exit_zero() {
        let a = put(r#"{"TraceSegmentDocuments":["{}","[]"]}"#, 50);
        assert_eq!(a.status, exit::OK);
        assert_eq!(
            a.body,
            concat!(
                r#"{"UnprocessedTraceSegments":["#,
                r#"{"ErrorCode":"MissingId","Message":"Invalid segment. ErrorCode: MissingId"},"#,
                r#"{"ErrorCode":"MissingId","Message":"Invalid segment. ErrorCode: MissingId"}]}"#
            )
        );
    }

    #[test]
    fn rejected_requests_exit_three() {
        let a = put(r#"{"TraceSegmentDocuments":["{}","{}"]}"#, 1);
        assert_eq!(a.status, exit::INVALID_REQUEST);
        assert_eq!(
            a.body,
            r#"{"__type":"InvalidRequestException","Message":"Exceeding maximum segment count: 1"}"#
        );
    }

    #[test]
    fn missing_file_is_trouble() {
        let cli = Cli::parse_from(["xseg", "put-trace-segments", "/nonexistent/req.json"]);
        let Command::PutTraceSegments(args) = cli.command else {
            panic!("put")
        };
        let (mut out, mut err) = (Vec::new(), Vec::new());
        assert_eq!(run(&args, &mut out, &mut err), exit::TROUBLE);
        assert!(out.is_empty());
        let err = String::from_utf8(err).unwrap();
        assert!(
            err.starts_with("xseg: cannot read /nonexistent/req.json: "),
            "{err}"
        );
    }
}
