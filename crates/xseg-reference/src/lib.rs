//! # xseg-reference — a slow, obviously-correct model of the xseg rules
//!
//! The contract (`RULES.md` and `docs/DECISIONS.md`) written as plainly as possible, to compare
//! the fast engine (`xseg`) against: property tests and fuzz targets feed both the same bytes
//! and require the same answer. Nothing here is tuned for speed; everything is tuned for being
//! easy to check against the text of the rules.
//!
//! How it works:
//!
//! - [`json::parse`] builds an ordered tree ([`json::Json`]) that keeps repeated keys, member
//!   order and the text of every number (serde_json's `Value` keeps none of the three). It uses
//!   serde_json's streaming deserializer after a small pre-scan that takes the numbers out
//!   (serde_json refuses `1e400`, which is valid JSON) and measures the depth (D1).
//! - The checks of RULES.md §3–§6 then walk that tree, one function per step or field.
//! - [`frame`] splits daemon datagrams and checks their headers (§7, D24), [`request`] reads
//!   PutTraceSegments requests (§8) and [`stream`] splits NDJSON streams (§1).
//! - [`write`](mod@write) serializes a tree with chosen escapes and white space, and [`fault`] is a
//!   catalogue of single-rule faults with the answer each must give; the property tests and
//!   the structured fuzz target build documents with them.
//!
//! ```
//! use xseg_reference::{check, Code, Options, Profile, Verdict};
//!
//! let doc = br#"{"name":"web(1)","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#;
//! let out = check(doc, &Options::new(Profile::Service));
//! let Verdict::Rejected(r) = out.verdict else { panic!() };
//! assert_eq!(r.code, Code::InvalidName);
//! assert_eq!(r.message(), "Invalid segment. ErrorCode: InvalidName");
//! assert_eq!(r.id.as_deref(), Some("70de5b6f19ff9a0a"));
//! assert_eq!(r.pointer, "/name");
//! ```

#![deny(missing_docs)]

pub mod fault;
pub mod frame;
pub mod json;
mod model;
pub mod names;
pub mod request;
pub mod stream;
pub mod write;

/// The `ErrorCode`s of RULES.md §4.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Code {
    /// Not one well-formed JSON text (or a bad `T1S` payload, or too deep).
    ParseError,
    /// No `id`, or the top level is not an object.
    MissingId,
    /// `id` is not 16 hex digits.
    InvalidId,
    /// No `name`.
    MissingName,
    /// `name` is not a valid name.
    InvalidName,
    /// No `trace_id` on a top-level document.
    MissingTraceId,
    /// `trace_id` is malformed or outside the time window.
    InvalidTraceId,
    /// No `start_time`.
    MissingStartTime,
    /// `start_time` is not a finite number > 0.
    InvalidStartTime,
    /// Neither `end_time` nor `in_progress: true`.
    MissingEndTime,
    /// `end_time` is not a finite number > 0.
    InvalidEndTime,
    /// A standalone subsegment has no `parent_id`.
    MissingParentId,
    /// `parent_id` is not 16 hex digits.
    InvalidParentId,
    /// Everything else: size, repeated keys, types and shapes of documented fields.
    InvalidSegment,
}

impl Code {
    /// The code as the service spells it.
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::ParseError => "ParseError",
            Code::MissingId => "MissingId",
            Code::InvalidId => "InvalidId",
            Code::MissingName => "MissingName",
            Code::InvalidName => "InvalidName",
            Code::MissingTraceId => "MissingTraceId",
            Code::InvalidTraceId => "InvalidTraceId",
            Code::MissingStartTime => "MissingStartTime",
            Code::InvalidStartTime => "InvalidStartTime",
            Code::MissingEndTime => "MissingEndTime",
            Code::InvalidEndTime => "InvalidEndTime",
            Code::MissingParentId => "MissingParentId",
            Code::InvalidParentId => "InvalidParentId",
            Code::InvalidSegment => "InvalidSegment",
        }
    }
}

/// Which message form a rejection takes (RULES.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Form {
    /// `Invalid segment. ErrorCode: X`.
    Segment,
    /// `Invalid subsegment. ErrorCode: X, Cause: null`.
    Subsegment,
}

/// The rule set (RULES.md §6).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Profile {
    /// Warnings never reject.
    #[default]
    Service,
    /// Every warning rejects.
    Strict,
}

/// The opt-in trace-id time window (D23).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TimeWindow {
    /// "Now", in Unix seconds.
    pub now: u64,
    /// Oldest accepted epoch, in seconds before `now`.
    pub max_age: u64,
    /// Newest accepted epoch, in seconds after `now`.
    pub max_future_skew: u64,
}

/// Profile and limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Options {
    /// The rule set.
    pub profile: Profile,
    /// Size limit in bytes (65,536 by default).
    pub max_document_bytes: usize,
    /// Nesting limit in containers (128 by default, D1).
    pub max_depth: usize,
    /// The trace-id time window, off by default.
    pub time_window: Option<TimeWindow>,
}

impl Options {
    /// The default limits under `profile`.
    pub const fn new(profile: Profile) -> Self {
        Options {
            profile,
            max_document_bytes: 65_536,
            max_depth: 128,
            time_window: None,
        }
    }
}

impl Default for Options {
    fn default() -> Self {
        Options::new(Profile::Service)
    }
}

/// What an accepted document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// A segment.
    Segment,
    /// A standalone subsegment.
    Subsegment,
    /// A `T1S` OTLP payload.
    Otlp,
}

/// The service's answer for a rejected document, plus the pointer of the offending value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    /// The `ErrorCode`.
    pub code: Code,
    /// The message form.
    pub form: Form,
    /// The `Id`.
    pub id: Option<String>,
    /// RFC 6901 pointer of the offending value (D25); `""` for `ParseError` and the size limit.
    pub pointer: String,
}

impl Rejection {
    /// The `Message`, byte-exact.
    pub fn message(&self) -> String {
        match self.form {
            Form::Segment => format!("Invalid segment. ErrorCode: {}", self.code.as_str()),
            Form::Subsegment => format!(
                "Invalid subsegment. ErrorCode: {}, Cause: null",
                self.code.as_str()
            ),
        }
    }
}

/// Accepted or rejected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// The service keeps the document.
    Accepted(DocumentKind),
    /// The service answers with an `UnprocessedTraceSegments` entry.
    Rejected(Rejection),
}

/// The kinds of warning of RULES.md §6. Names match the engine's `ErrorKind` names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum WarningKind {
    /// `id` with upper-case hex digits.
    UppercaseId,
    /// `id` all zeros.
    ZeroId,
    /// `trace_id` with upper-case hex digits.
    UppercaseTraceId,
    /// `trace_id` all zeros.
    ZeroTraceId,
    /// `parent_id` with upper-case hex digits.
    UppercaseParentId,
    /// `parent_id` all zeros.
    ZeroParentId,
    /// `end_time` before `start_time`.
    EndBeforeStart,
    /// A name that is only white space.
    BlankName,
    /// `user` over 250 code points.
    LongUser,
    /// An `http.request` string over 250 code points.
    LongHttpField,
    /// An annotation key outside `[A-Za-z0-9_.]{1,500}`.
    InvalidAnnotationKey,
    /// An annotation value that is not a string, finite number or boolean.
    InvalidAnnotationValue,
    /// An annotation string over 1,000 code points.
    LongAnnotationValue,
    /// The 51st annotation of the document.
    TooManyAnnotations,
    /// A metadata namespace value that is not an object.
    MetadataNotObject,
    /// A metadata namespace starting with `AWS.`.
    ReservedMetadataNamespace,
    /// `namespace` other than `aws`, `remote`, `local`.
    UnknownNamespace,
    /// `type` other than `subsegment`.
    UnknownType,
    /// An exception without `id`.
    ExceptionWithoutId,
    /// `content_length` as a string of digits.
    ContentLengthString,
    /// A `precursor_ids` entry that is not 16 hex digits.
    InvalidPrecursorId,
    /// A key repeated in an object that is not an entity object.
    RepeatedKey,
}

impl WarningKind {
    /// The code the strict profile rejects with (§6).
    pub const fn code(self) -> Code {
        match self {
            WarningKind::UppercaseId | WarningKind::ZeroId => Code::InvalidId,
            WarningKind::UppercaseTraceId | WarningKind::ZeroTraceId => Code::InvalidTraceId,
            WarningKind::UppercaseParentId | WarningKind::ZeroParentId => Code::InvalidParentId,
            WarningKind::EndBeforeStart => Code::InvalidEndTime,
            WarningKind::BlankName => Code::InvalidName,
            _ => Code::InvalidSegment,
        }
    }

    /// The kind's name, e.g. `"UppercaseId"`.
    pub fn name(self) -> String {
        format!("{self:?}")
    }
}

/// One warning: its kind and the pointer of the value it concerns (D25).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Warning {
    /// What was found.
    pub kind: WarningKind,
    /// Where.
    pub pointer: String,
}

/// The verdict on one document and every warning found in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Accepted or rejected.
    pub verdict: Verdict,
    /// Every warning, whatever the profile. Complete for accepted documents; for rejected ones
    /// it holds what was found (the model checks every entity, but not after a syntax error).
    pub warnings: Vec<Warning>,
}

impl Outcome {
    /// The rejection, if any.
    pub fn rejection(&self) -> Option<&Rejection> {
        match &self.verdict {
            Verdict::Rejected(r) => Some(r),
            Verdict::Accepted(_) => None,
        }
    }

    /// Whether the document was accepted.
    pub fn is_accepted(&self) -> bool {
        matches!(self.verdict, Verdict::Accepted(_))
    }
}

/// Nesting up to which the model runs on the caller's stack.
const INLINE_DEPTH: usize = 96;

/// Runs `f`, which recurses about once per nesting level of a text nested `depth` deep, on a
/// helper thread with a stack to match when `depth` is more than a few dozen levels.
pub(crate) fn with_stack_for<T: Send>(depth: usize, f: impl FnOnce() -> T + Send) -> T {
    if depth <= INLINE_DEPTH {
        return f();
    }
    let stack = (2 << 20) + depth.saturating_mul(16 << 10);
    let job = std::sync::Mutex::new(Some(f));
    let take = || job.lock().ok().and_then(|mut slot| slot.take());
    let done = std::thread::scope(|s| {
        let spawned = std::thread::Builder::new()
            .stack_size(stack)
            .spawn_scoped(s, || take().map(|f| f()));
        match spawned.map(|h| h.join()) {
            Ok(Ok(out)) => out,
            Ok(Err(panic)) => std::panic::resume_unwind(panic),
            Err(_) => None,
        }
    });
    match (done, take()) {
        (Some(out), _) => out,
        // the thread could not start: run here and hope the stack suffices
        (None, Some(f)) => f(),
        (None, None) => std::panic::resume_unwind(Box::new("the job ran and gave nothing")),
    }
}

/// Checks one document under `opts` (RULES.md §3–§6).
///
/// The parser and the checks recurse once per nesting level; documents nested deeper than
/// a few dozen levels are checked on a helper thread whose stack fits the depth allowed.
pub fn check(doc: &[u8], opts: &Options) -> Outcome {
    let depth = json::nesting_depth(doc).min(opts.max_depth.saturating_add(1));
    with_stack_for(depth, || model::check_document(doc, opts))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deep_documents_fit_the_stack() {
        let nest = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        let opts = Options {
            max_depth: 4096,
            ..Options::default()
        };
        assert_eq!(
            check(nest(4096).as_bytes(), &opts)
                .rejection()
                .map(|r| r.code),
            Some(Code::MissingId)
        );
        assert_eq!(
            check(nest(4097).as_bytes(), &opts)
                .rejection()
                .map(|r| r.code),
            Some(Code::ParseError)
        );
        let huge = "[".repeat(1 << 20);
        assert_eq!(
            check(huge.as_bytes(), &Options::default())
                .rejection()
                .map(|r| r.code),
            Some(Code::InvalidSegment)
        );
        let opts = Options {
            max_document_bytes: usize::MAX,
            ..Options::default()
        };
        assert_eq!(
            check(huge.as_bytes(), &opts).rejection().map(|r| r.code),
            Some(Code::ParseError)
        );
    }

    #[test]
    fn warning_kinds_map_to_codes() {
        assert_eq!(WarningKind::UppercaseParentId.code(), Code::InvalidParentId);
        assert_eq!(WarningKind::RepeatedKey.code(), Code::InvalidSegment);
        assert_eq!(WarningKind::BlankName.name(), "BlankName");
    }
}
