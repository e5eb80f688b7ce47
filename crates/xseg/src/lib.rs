//! # xseg — exact, zero-copy validation of AWS X-Ray segment documents
//!
//! One document in (bytes, as they arrive in a PutTraceSegments request or a daemon datagram),
//! one verdict out: accepted, or rejected with the `ErrorCode`, `Message` and `Id` the X-Ray
//! service would answer, plus a precise diagnostic (kind, byte offset, and on request line,
//! column and JSON pointer). Accepted documents can be read through a borrowed [`Segment`]
//! view. Warnings — what the service silently drops — come in a separate bounded list.
//!
//! The contract is `RULES.md` (see `docs/DECISIONS.md` in the repository for the details it
//! leaves open). This crate has no threads and no I/O; the batch layer (`xseg-batch`) and the
//! `xseg` command build on it.
//!
//! ```
//! use xseg::{ErrorCode, Options, Profile, Validator};
//!
//! let mut v = Validator::new(Options::new(Profile::Service));
//! let doc = br#"{"name":"web(1)","id":"70de5b6f19ff9a0a","trace_id":"1-68000000-a006649127e371903a2de979","start_time":1.5,"end_time":2}"#;
//! let out = v.validate(doc);
//! let rej = out.rejection().unwrap();
//! assert_eq!(rej.code(), ErrorCode::InvalidName);
//! assert_eq!(rej.message(), "Invalid segment. ErrorCode: InvalidName");
//! assert_eq!(rej.id().as_deref(), Some("70de5b6f19ff9a0a"));
//! assert_eq!(rej.error().locate(doc, 0).pointer, "/name");
//! ```
//!
//! ## Limits
//!
//! | limit | default | where |
//! |---|---|---|
//! | document size | 65,536 bytes | [`limits::MAX_DOCUMENT_BYTES`], [`Options::max_document_bytes`] |
//! | nesting depth | 128 | [`limits::MAX_DEPTH`], [`Options::max_depth`] (at most [`limits::MAX_DEPTH_CEILING`]) |
//! | datagram size | 65,536 bytes | [`limits::MAX_DATAGRAM_BYTES`] |
//! | warnings kept | 16 per document | [`limits::MAX_WARNINGS`] (all are counted) |
//!
//! ## Allocation and safety
//!
//! A [`Validator`] keeps its scratch buffers between documents, so validating document after
//! document allocates nothing once the buffers have grown to fit (the `steady_state_allocations`
//! test holds this). The crate holds no `unsafe` code: UTF-8 is validated by `simdutf8` (SIMD
//! with runtime CPU detection and a scalar fallback), byte search uses `memchr`, and string
//! scanning uses a portable SWAR kernel in `scan`, tested against a scalar oracle.
//!
//! ## Layers
//!
//! | module | what | knows about |
//! |---|---|---|
//! | `scan` | byte kernels: UTF-8 (`simdutf8`), string-special search (SWAR) | bytes |
//! | `json` | grammar, depth, repeated keys, the reader and the walker over validated JSON | JSON |
//! | `rules` | entity checks a–h, documented objects as `(key, rule)` tables, warnings | X-Ray |
//! | `validator` | [`Validator`]: size, form, UTF-8, one pass, verdict | the pipeline |
//! | `segment`, `frame`, `locate` | the borrowed view, daemon datagrams, line/column/pointer | their task |
//!
//! Each layer uses only the ones above it in this table; `docs/ARCHITECTURE.md` in the
//! repository walks through them and tells how to add a rule.

#![deny(missing_docs)]

mod error;
pub mod fix;
mod frame;
mod hash;
mod json;
pub mod limits;
mod locate;
mod outcome;
mod profile;
mod rules;
mod scan;
mod segment;
mod trace_keys;
mod validator;
mod warning;

pub use error::{Category, Entity, Error, ErrorCode, ErrorKind, Location};
pub use frame::{
    is_daemon_header, split_datagram, Frame, FrameError, FrameErrorCode, FrameErrorKind,
};
pub use hash::annotation_key_hash;
pub use json::{DecodedChars, JsonStr};
pub use outcome::{DatagramOutcome, Document, DocumentKind, Outcome, Rejection};
pub use profile::{Options, ParseProfileError, Profile, TimeWindow};
pub use segment::{
    Annotation, AnnotationKeys, Annotations, Descendants, IndexedKeyHashes, Segment, Subsegments,
    TraceId,
};
pub use trace_keys::TraceKeys;
pub use validator::Validator;
pub use warning::{Warning, Warnings};

/// The README's examples, compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
struct ReadmeDoctests;
