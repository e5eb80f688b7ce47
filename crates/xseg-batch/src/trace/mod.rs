//! Trace-level checks: what the X-Ray service does to a trace as a whole, not only to each
//! document.
//!
//! - **Trace size.** The service caps a trace at 500 KB of documents: the document that takes
//!   its trace past [`TraceConfig::max_trace_bytes`] (512,000 bytes by default), and every
//!   later document of the trace, is rejected with `ErrorCode` `InvalidSegment` and the
//!   `Message` [`TRACE_SIZE_EXCEEDED_MESSAGE`].
//! - **`DuplicateId`** (warning): a complete document whose `id` was already sent complete in
//!   the trace; the service keeps the later one. In progress, then complete, is the normal
//!   SDK pattern and never warns.
//! - **`TraceAnnotationsOverLimit`** (warning): the trace's 51st distinct annotation key; the
//!   service indexes 50 per trace. Once per trace.
//! - **`OrphanSubsegment`** (warning): a standalone subsegment whose `parent_id` names no
//!   document or embedded subsegment of its trace, reported when the trace closes (evicted,
//!   or at the end of the input). A segment's `parent_id` may point into another service and
//!   is never checked.
//!
//! The pieces:
//!
//! - [`TraceFacts`]: what the checks need of one accepted document, read from the borrowed
//!   [`xseg::Segment`] view without copying the document;
//! - [`TraceChecker`]: the per-trace state, in bounded memory ([`TraceConfig`]), fed facts in
//!   input order; it returns [`TraceFinding`]s tied to the caller's document positions;
//! - [`Batch::validate_traced`](crate::Batch::validate_traced) reads the facts in the
//!   parallel pass and [`TraceChecker::check_in_order`] applies the checks afterwards, in
//!   input order, so the findings are the same for any number of threads.
//!
//! ```
//! use xseg_batch::{Batch, TraceChecker, TraceConfig};
//!
//! let docs: Vec<String> = (1..=3)
//!     .map(|i| format!(r#"{{"name":"web","id":"000000000000000{i}","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1,"end_time":2,"metadata":{{"x":"{}"}}}}"#, "a".repeat(400)))
//!     .collect();
//! let docs: Vec<&[u8]> = docs.iter().map(|d| d.as_bytes()).collect();
//!
//! let mut batch = Batch::new(xseg::Options::default());
//! let results = batch.validate_traced(&docs);
//! assert_eq!(docs[0].len(), 535);
//! let mut checker = TraceChecker::new(TraceConfig::new().with_max_trace_bytes(1_200));
//! let mut findings = Vec::new();
//! checker.check_in_order((0u64..).zip(&results), &mut findings);
//! checker.finish(&mut findings);
//! // The third document takes the trace past 1,200 bytes.
//! assert_eq!(findings.len(), 1);
//! assert_eq!(findings[0].position, 2);
//! assert_eq!(findings[0].code(), Some(xseg::ErrorCode::InvalidSegment));
//! ```
//!
//! `docs/TRACES.md` in the repository explains the choices: input order against
//! parallelism, what counts as a key or an id, and how the checks scale past one machine.

mod checker;
mod driver;
mod facts;
mod finding;

pub use checker::{
    TraceChecker, TraceConfig, TraceStats, DEFAULT_MAX_OPEN_TRACES, DEFAULT_MAX_TRACE_BYTES,
    DEFAULT_MAX_TRACKED, MAX_OPEN_TRACES_CEILING, MAX_TRACE_ANNOTATIONS,
};
pub(crate) use driver::validate_gathering;
pub use driver::Traced;
pub(crate) use facts::PackedFacts;
pub use facts::TraceFacts;
pub use finding::{format_trace_id, TraceFinding, TraceFindingKind, TRACE_SIZE_EXCEEDED_MESSAGE};
pub use xseg::annotation_key_hash;
