//! Named limits. Every one is a default that [`Options`](crate::Options) can change, except the
//! ceilings, which keep memory and stack use bounded whatever the configuration.

/// Largest document the service accepts, in bytes (RULES.md §3 step 1).
pub const MAX_DOCUMENT_BYTES: usize = 65_536;

/// Largest daemon datagram, header included, in bytes (RULES.md §7).
pub const MAX_DATAGRAM_BYTES: usize = 65_536;

/// Default nesting limit for objects and arrays (RULES.md §3 step 3).
pub const MAX_DEPTH: usize = 128;

/// Highest nesting limit that can be configured. Embedded subsegments are validated
/// recursively, so the ceiling bounds stack use: at the ceiling a document fits in a 2 MiB
/// thread stack even in an unoptimised build (the `nesting_depth` test holds this).
pub const MAX_DEPTH_CEILING: usize = 512;

/// Largest offset an [`Error`](crate::Error) can carry (offsets are 32-bit), and so the
/// largest size limit [`Options::with_max_document_bytes`](crate::Options::with_max_document_bytes)
/// accepts; larger inputs must be split first.
pub const MAX_OFFSET: usize = u32::MAX as usize;

/// Longest `name`, in Unicode code points.
pub const MAX_NAME_CHARS: usize = 200;

/// Longest `user` and `http.request` string before a warning, in code points.
pub const MAX_USER_CHARS: usize = 250;

/// Longest annotation key, in code points.
pub const MAX_ANNOTATION_KEY_CHARS: usize = 500;

/// Longest annotation string value, in code points.
pub const MAX_ANNOTATION_VALUE_CHARS: usize = 1_000;

/// Annotations X-Ray indexes per document; more is a warning.
pub const MAX_ANNOTATIONS: usize = 50;

/// Warnings kept per document; more are counted, not stored.
pub const MAX_WARNINGS: usize = 16;
