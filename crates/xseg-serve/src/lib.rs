//! # xseg-serve — a local AWS X-Ray endpoint
//!
//! The X-Ray API is HTTP: the daemon, boto3, the AWS CLI and the JavaScript SDK all send
//! `POST /TraceSegments` (restJson1, API version 2016-04-12). This crate answers that request
//! exactly as the service would, so that a real client pointed at it (`endpoint_url=`,
//! `--endpoint-url`, the daemon's `--endpoint`) gets the service's answer:
//!
//! | request | answer |
//! |---|---|
//! | `POST /TraceSegments`, a valid body | 200 `{"UnprocessedTraceSegments":[...]}`, byte for byte what `xseg put-trace-segments` prints |
//! | a body the service rejects as a whole | 400, `x-amzn-ErrorType: InvalidRequestException`, `{"message":"..."}` |
//! | over `max_segments_per_second` | 429 `ThrottledException` (the SDKs retry it) |
//! | a body over `max_body_bytes` | 413 `RequestEntityTooLargeException` |
//! | with credentials set: no, a malformed, or a wrong signature | 403 `MissingAuthenticationTokenException`, 400 `IncompleteSignatureException`, 403 `UnrecognizedClientException` / `InvalidSignatureException` |
//! | another path / another method | 404 / 405 `UnknownOperationException` |
//! | a body not received within `body_timeout` | 408 `RequestTimeoutException` |
//!
//! Every error answer carries `x-amzn-ErrorType` and a `{"message": ...}` body, which is how
//! botocore and the JavaScript SDK v3 read restJson1 errors: the SDKs raise the named error
//! with that message.
//!
//! [`Endpoint::handle`] is the whole answer as a plain function (an [`http::Request`] with its
//! body in, an [`http::Response`] out), with no socket and no runtime; the `server` feature
//! (on by default) adds [`server::Server`], hyper on tokio, around it.
//!
//! ```
//! use xseg_batch::Batch;
//! use xseg_serve::{Config, Endpoint};
//!
//! let endpoint = Endpoint::new(Config::default());
//! let mut batch = Batch::sequential(endpoint.config().options);
//! let request = http::Request::post("/TraceSegments")
//!     .body(br#"{"TraceSegmentDocuments":["{}"]}"#.to_vec())
//!     .unwrap();
//! let response = endpoint.handle(&mut batch, request, None);
//! assert_eq!(response.status(), 200);
//! assert_eq!(
//!     response.body(),
//!     b"{\"UnprocessedTraceSegments\":[{\"ErrorCode\":\"MissingId\",\"Message\":\"Invalid segment. ErrorCode: MissingId\"}]}\n"
//! );
//! assert_eq!(endpoint.summary().documents.rejected, 1);
//! ```

#![deny(missing_docs)]

pub mod endpoint;
pub mod event;
#[cfg(feature = "server")]
pub mod server;
pub mod sigv4;
pub mod throttle;

/// The `http` crate, whose request and response types [`Endpoint::handle`] takes and gives.
pub use http;

pub use endpoint::{Config, Endpoint, Refusal, PATH};
pub use event::{
    Event, Origin, RefusedRequest, RejectedDocument, RepairedValue, Repairs, Summary,
    TraceDocument, WarnedDocument,
};
pub use sigv4::Credentials;
