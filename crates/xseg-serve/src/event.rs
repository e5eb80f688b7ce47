//! What the endpoint reports as it answers: one [`Event`] per rejection, warning and refused
//! request, and the [`Summary`] counters.

use std::net::SocketAddr;

use xseg::fix::Repair;
use xseg::{Error, ErrorCode, ErrorKind, Warning};
use xseg_batch::{Counters, TraceFinding};

/// Where a document came from: the request (numbered from 1 in arrival order), the client,
/// and the document's index in `TraceSegmentDocuments` (from 0).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Origin {
    /// The request's number, from 1, in the order the endpoint received them.
    pub request: u64,
    /// The client's address, when known.
    pub peer: Option<SocketAddr>,
    /// The document's index in `TraceSegmentDocuments`, from 0.
    pub index: usize,
}

/// A rejected document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RejectedDocument {
    /// Where it came from.
    pub origin: Origin,
    /// The answer's `Id`, when the document has a string `id`.
    pub id: Option<String>,
    /// The diagnostic: kind, `ErrorCode`, `Message`, offset in the document.
    pub error: Error,
    /// The JSON pointer of the offending value (`""`: the document).
    pub pointer: String,
}

/// One warning on a document (accepted or rejected).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WarnedDocument {
    /// Where it came from.
    pub origin: Origin,
    /// The document's `Id`, when it has a string `id`.
    pub id: Option<String>,
    /// What was found and where (offset in the document).
    pub warning: Warning,
    /// The JSON pointer of the value the warning concerns.
    pub pointer: String,
}

/// One value repaired in a document before it was written to `--out` (with
/// [`Endpoint::with_fix`](crate::Endpoint::with_fix)).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepairedValue {
    /// Where the document came from.
    pub origin: Origin,
    /// The document's `Id`, when it has a string `id`.
    pub id: Option<String>,
    /// The repair family.
    pub repair: Repair,
    /// The finding the change answers.
    pub finding: ErrorKind,
    /// Byte offset of the changed token in the document as received.
    pub offset: usize,
    /// JSON pointer of the value in the document as received.
    pub pointer: String,
    /// The token as received (JSON text).
    pub before: String,
    /// The token written instead; `None` when the annotation was dropped.
    pub after: Option<String>,
}

/// A trace-level finding ([`Endpoint::with_trace_checks`](crate::Endpoint::with_trace_checks)):
/// a trace-size rejection (also in the answer's `UnprocessedTraceSegments`), or a
/// `DuplicateId`, `TraceAnnotationsOverLimit` or `OrphanSubsegment` warning.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TraceDocument {
    /// The finding; its `position` is where the document came from (for an orphan reported
    /// when its trace closed, an earlier request).
    pub finding: TraceFinding<Origin>,
    /// The document's `id` as written, unescaped, when the finding concerns a document of
    /// the request being answered; `None` for an orphan of an earlier request (the finding
    /// still has the id as a number).
    pub id: Option<String>,
}

/// A request refused as a whole: not valid, throttled, too large, unsigned, at an unknown
/// path, or not read in time.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RefusedRequest {
    /// The request's number.
    pub request: u64,
    /// The client's address, when known.
    pub peer: Option<SocketAddr>,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The error type (`x-amzn-ErrorType`), e.g. `InvalidRequestException`.
    pub error_type: &'static str,
    /// The message of the answer.
    pub message: String,
}

/// One thing worth telling, as it happens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A document the answer lists in `UnprocessedTraceSegments`.
    Rejected(RejectedDocument),
    /// A warning: what the service accepts but drops.
    Warning(WarnedDocument),
    /// Warnings on a document past the ones the core keeps.
    MoreWarnings {
        /// Where the document came from.
        origin: Origin,
        /// The document's `Id`, when it has a string `id`.
        id: Option<String>,
        /// How many were not kept.
        count: usize,
    },
    /// A value repaired before the document was written to `--out`; the answer still gives the
    /// verdict on the document as received.
    Repaired(RepairedValue),
    /// A trace-level finding.
    Trace(TraceDocument),
    /// A request over `--max-segments-per-second` (answered 429 `ThrottledException`).
    Throttled(RefusedRequest),
    /// Any other request refused as a whole (400, 403, 404, 405, 408, 413, 500).
    Refused(RefusedRequest),
}

/// The totals of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Requests received (every one that reached the handler or was cut off reading its
    /// body).
    pub requests: u64,
    /// Requests answered 200.
    pub processed: u64,
    /// Requests answered 400 `InvalidRequestException`.
    pub invalid: u64,
    /// Requests answered 429 `ThrottledException`.
    pub throttled: u64,
    /// Requests answered 413: body over `--max-body-bytes`.
    pub too_large: u64,
    /// Requests refused for their signature (400 or 403).
    pub unauthorized: u64,
    /// Requests to another path or with another method (404, 405).
    pub unknown_operation: u64,
    /// Requests whose body was not received in time, or could not be read (408, 400).
    pub unread: u64,
    /// Requests that failed on the endpoint's side, such as `--out` not writable (500).
    pub failed: u64,
    /// The documents of the processed requests: accepted, rejected per `ErrorCode`,
    /// warnings.
    pub documents: Counters,
    /// With [`Endpoint::with_fix`](crate::Endpoint::with_fix): what the fixer did.
    pub repairs: Option<Repairs>,
}

/// What the fixer did to the documents of the processed requests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Repairs {
    /// Documents repaired (written repaired to `--out`).
    pub fixed: u64,
    /// Documents with nothing to repair.
    pub unchanged: u64,
    /// Documents rejected for a reason the fixer does not repair.
    pub unfixable: u64,
    /// Values changed.
    pub changes: u64,
}

impl Summary {
    /// Rejected documents with `code`.
    pub fn code(&self, code: ErrorCode) -> u64 {
        self.documents.code(code)
    }
}
