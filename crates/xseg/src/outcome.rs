//! Verdicts: [`Outcome`] for a document, [`DatagramOutcome`] for a daemon datagram, and the
//! borrowed [`Document`] view of an accepted one.

use std::borrow::Cow;

use crate::error::{Error, ErrorCode};
use crate::frame::{Frame, FrameError};
use crate::json::JsonStr;
use crate::segment::Segment;

/// What an accepted document is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DocumentKind {
    /// A top-level segment.
    Segment,
    /// A standalone subsegment (top-level `"type": "subsegment"`).
    Subsegment,
    /// An OTLP payload in X-Ray's `T1S` transit form (not JSON).
    Otlp,
}

/// A rejection: the service's answer (`ErrorCode`, `Message`, `Id`) and the diagnostic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rejection<'a> {
    pub(crate) error: Error,
    pub(crate) id: Option<JsonStr<'a>>,
}

impl<'a> Rejection<'a> {
    /// The diagnostic: precise kind and absolute byte offset.
    pub const fn error(&self) -> Error {
        self.error
    }

    /// The `ErrorCode`.
    pub const fn code(&self) -> ErrorCode {
        self.error.code()
    }

    /// The `Message`, byte-exact.
    pub const fn message(&self) -> &'static str {
        self.error.message()
    }

    /// The `Id`: the top-level `id` when it is a JSON string (decoded), else `None`.
    pub fn id(&self) -> Option<Cow<'a, str>> {
        self.id.map(|s| s.decode())
    }

    /// The `Id` as it appears in the document, escapes undecoded.
    pub const fn id_raw(&self) -> Option<JsonStr<'a>> {
        self.id
    }
}

impl core::fmt::Display for Rejection<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{}: {}", self.code(), self.error)
    }
}

/// A rejection with no `Id`, e.g. for a document that was never read (too large).
impl From<Error> for Rejection<'_> {
    fn from(error: Error) -> Self {
        Rejection { error, id: None }
    }
}

impl std::error::Error for Rejection<'_> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.error)
    }
}

/// The verdict on one document. Warnings are in [`Validator::warnings`](crate::Validator::warnings).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// The service would accept the document.
    Accepted(DocumentKind),
    /// The service would reject it.
    Rejected(Rejection<'a>),
}

impl<'a> Outcome<'a> {
    /// Whether the document was accepted.
    pub const fn is_accepted(&self) -> bool {
        matches!(self, Outcome::Accepted(_))
    }

    /// The rejection, if any.
    pub const fn rejection(&self) -> Option<&Rejection<'a>> {
        match self {
            Outcome::Rejected(r) => Some(r),
            Outcome::Accepted(_) => None,
        }
    }

    /// The `ErrorCode` of a rejection.
    pub fn code(&self) -> Option<ErrorCode> {
        self.rejection().map(Rejection::code)
    }

    /// The diagnostic of a rejection: precise kind and byte offset.
    pub fn error(&self) -> Option<Error> {
        self.rejection().map(Rejection::error)
    }

    /// The `Id` of a rejection.
    pub fn id(&self) -> Option<Cow<'a, str>> {
        self.rejection().and_then(Rejection::id)
    }
}

/// An accepted document, with its borrowed view (a few pointers into the input and the
/// validator's entity table, no heap).
#[derive(Clone, Copy, Debug)]
pub enum Document<'a> {
    /// A segment or standalone subsegment.
    Segment(Segment<'a>),
    /// A `T1S` OTLP payload: the bytes after the prefix.
    Otlp(&'a [u8]),
}

impl<'a> Document<'a> {
    /// The segment view, unless this is an OTLP payload.
    pub fn segment(self) -> Option<Segment<'a>> {
        match self {
            Document::Segment(s) => Some(s),
            Document::Otlp(_) => None,
        }
    }
}

/// The verdict on one daemon datagram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DatagramOutcome<'a> {
    /// Rejected before the document was read (size, newline, header, empty body).
    Frame(FrameError),
    /// The body was validated; offsets in the outcome are offsets in the datagram.
    Document {
        /// The split datagram.
        frame: Frame<'a>,
        /// The verdict on the body.
        outcome: Outcome<'a>,
    },
}
