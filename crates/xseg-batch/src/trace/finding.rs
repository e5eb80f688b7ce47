//! What the trace checks report.

use core::fmt;

use xseg::ErrorCode;

/// The `Message` the X-Ray service gives a document of a trace that is over its size limit
/// (with `ErrorCode` `InvalidSegment`), byte for byte.
pub const TRACE_SIZE_EXCEEDED_MESSAGE: &str =
    "Trace Size Exceeded. Reduce the number of segments per trace and the size of your segment documents.";

/// What a trace-level finding is.
#[non_exhaustive]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TraceFindingKind {
    /// A rejection: the document takes its trace over the size limit, or comes after one
    /// that did. The service answers `InvalidSegment` with [`TRACE_SIZE_EXCEEDED_MESSAGE`].
    TraceSizeExceeded {
        /// The trace's bytes with this document (accepted documents before it, plus it).
        trace_bytes: u64,
        /// The limit.
        limit: u64,
    },
    /// A warning: a complete document whose `id` was already sent complete in the trace.
    /// The service keeps the later one and tells nobody.
    DuplicateId,
    /// A warning: the document brings the trace's 51st distinct annotation key; the service
    /// indexes 50 per trace, the rest cannot be searched. Once per trace.
    TraceAnnotationsOverLimit,
    /// A warning, given when the trace is closed (evicted, or at the end of the input): a
    /// standalone subsegment whose `parent_id` names no document or subsegment of its trace.
    OrphanSubsegment {
        /// The `parent_id` that never showed up.
        parent_id: u64,
    },
}

impl TraceFindingKind {
    /// The finding's name: `TraceSizeExceeded`, `DuplicateId`, `TraceAnnotationsOverLimit`
    /// or `OrphanSubsegment`.
    pub const fn name(&self) -> &'static str {
        match self {
            TraceFindingKind::TraceSizeExceeded { .. } => "TraceSizeExceeded",
            TraceFindingKind::DuplicateId => "DuplicateId",
            TraceFindingKind::TraceAnnotationsOverLimit => "TraceAnnotationsOverLimit",
            TraceFindingKind::OrphanSubsegment { .. } => "OrphanSubsegment",
        }
    }

    /// Whether the service rejects the document (else it is a warning).
    pub const fn is_rejection(&self) -> bool {
        matches!(self, TraceFindingKind::TraceSizeExceeded { .. })
    }
}

/// One trace-level finding, tied to the document it concerns by the position the caller gave
/// that document (`P`: an index in input order, a file and line, ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceFinding<P> {
    /// The position of the document the finding concerns (for an orphan, the orphan).
    pub position: P,
    /// What was found.
    pub kind: TraceFindingKind,
    /// The trace, as [`TraceFacts::trace_id`](super::TraceFacts::trace_id) numbers it.
    pub trace_id: u128,
    /// The document's top-level `id`.
    pub id: Option<u64>,
}

impl<P> TraceFinding<P> {
    /// Whether the service rejects the document.
    pub const fn is_rejection(&self) -> bool {
        self.kind.is_rejection()
    }

    /// The `ErrorCode` of a rejection (`InvalidSegment`); `None` for a warning.
    pub const fn code(&self) -> Option<ErrorCode> {
        if self.kind.is_rejection() {
            Some(ErrorCode::InvalidSegment)
        } else {
            None
        }
    }

    /// The `Message` of a rejection, byte-exact; `None` for a warning.
    pub const fn message(&self) -> Option<&'static str> {
        if self.kind.is_rejection() {
            Some(TRACE_SIZE_EXCEEDED_MESSAGE)
        } else {
            None
        }
    }

    /// The finding's name (see [`TraceFindingKind::name`]).
    pub const fn name(&self) -> &'static str {
        self.kind.name()
    }

    /// The trace id as documents write it, in lower case: `1-68000000-a006649127e371903a2de979`.
    pub fn trace_id_string(&self) -> String {
        format_trace_id(self.trace_id)
    }

    /// The same finding with its position mapped by `f`.
    pub fn map_position<Q>(self, f: impl FnOnce(P) -> Q) -> TraceFinding<Q> {
        TraceFinding {
            position: f(self.position),
            kind: self.kind,
            trace_id: self.trace_id,
            id: self.id,
        }
    }
}

/// A trace id number ([`TraceFacts::trace_id`](super::TraceFacts::trace_id)) written as
/// documents write it, in lower case.
pub fn format_trace_id(trace_id: u128) -> String {
    format!(
        "1-{:08x}-{:024x}",
        trace_id >> 96,
        trace_id & ((1u128 << 96) - 1)
    )
}

/// A lower-case sentence, as the core's diagnostics read.
impl<P> fmt::Display for TraceFinding<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let trace = format_trace_id(self.trace_id);
        match self.kind {
            TraceFindingKind::TraceSizeExceeded { trace_bytes, limit } if trace_bytes > limit => {
                write!(
                    f,
                    "trace {trace} holds {trace_bytes} bytes with this document, over the trace size limit of {limit}"
                )
            }
            // A later document of a trace already over the limit, small enough to fit by itself.
            TraceFindingKind::TraceSizeExceeded { trace_bytes, limit } => write!(
                f,
                "trace {trace} went over the trace size limit of {limit} with an earlier document, so the service rejects its later ones ({trace_bytes} bytes with this one)"
            ),
            TraceFindingKind::DuplicateId => match self.id {
                Some(id) => write!(
                    f,
                    "`id` {id:016x} was already sent complete in trace {trace}; this document replaces it"
                ),
                None => write!(f, "`id` was already sent complete in trace {trace}"),
            },
            TraceFindingKind::TraceAnnotationsOverLimit => write!(
                f,
                "trace {trace} has more than 50 distinct annotation keys; the ones past 50 are not indexed"
            ),
            TraceFindingKind::OrphanSubsegment { parent_id } => write!(
                f,
                "standalone subsegment's `parent_id` {parent_id:016x} never showed up in trace {trace}"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_codes_messages_and_sentences() {
        let trace = 0x6800_0000_a006_6491_27e3_7190_3a2d_e979;
        let size = TraceFinding {
            position: 7u64,
            kind: TraceFindingKind::TraceSizeExceeded {
                trace_bytes: 512_001,
                limit: 512_000,
            },
            trace_id: trace,
            id: Some(1),
        };
        assert!(size.is_rejection());
        assert_eq!(size.code(), Some(ErrorCode::InvalidSegment));
        assert_eq!(size.message(), Some("Trace Size Exceeded. Reduce the number of segments per trace and the size of your segment documents."));
        assert_eq!(size.name(), "TraceSizeExceeded");
        assert_eq!(
            size.trace_id_string(),
            "1-68000000-a006649127e371903a2de979"
        );
        assert_eq!(
            size.to_string(),
            "trace 1-68000000-a006649127e371903a2de979 holds 512001 bytes with this document, over the trace size limit of 512000"
        );
        let later = TraceFinding {
            kind: TraceFindingKind::TraceSizeExceeded {
                trace_bytes: 480_100,
                limit: 512_000,
            },
            ..size
        };
        assert_eq!(
            later.to_string(),
            "trace 1-68000000-a006649127e371903a2de979 went over the trace size limit of 512000 with an earlier document, so the service rejects its later ones (480100 bytes with this one)"
        );
        let orphan = TraceFinding {
            kind: TraceFindingKind::OrphanSubsegment { parent_id: 0xab },
            ..size
        }
        .map_position(|p| (p, "file"));
        assert_eq!(orphan.position, (7, "file"));
        assert!(!orphan.is_rejection());
        assert_eq!((orphan.code(), orphan.message()), (None, None));
        assert_eq!(orphan.name(), "OrphanSubsegment");
        assert!(orphan.to_string().contains("00000000000000ab"));
        assert_eq!(TraceFindingKind::DuplicateId.name(), "DuplicateId");
        assert_eq!(
            TraceFindingKind::TraceAnnotationsOverLimit.name(),
            "TraceAnnotationsOverLimit"
        );
    }
}
