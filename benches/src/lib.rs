//! Benchmark support for xseg: corpus loading, size buckets, a generated fallback corpus, and
//! the baseline validators that xseg is measured against.
//!
//! The baselines are real validators, not parsers timed alone: each parses a document with a
//! general-purpose JSON library and then applies the same basic checks ([`checks`]) to the
//! top-level entity and, recursively, to every embedded subsegment. Each returns `true` when it
//! accepts the document.
//!
//! | baseline | parser | representation |
//! |---|---|---|
//! | [`baseline::serde_value`] | serde_json | `serde_json::Value` (a DOM) |
//! | [`baseline::serde_struct`] | serde_json | borrowed `#[derive(Deserialize)]` struct with `Cow<str>` fields: the "naive validator" |
//! | [`baseline::SimdTape`] | simd-json | tape over a reused padded copy, reused buffers |
//! | [`baseline::sonic_struct`] | sonic-rs | the same borrowed struct as `serde_struct` |
//! | `baseline::SimdjsonDom` (feature `simdjson`) | simdjson (C++) | its DOM tape, parse alone, no checks |

pub mod baseline;
pub mod checks;
pub mod corpus;
pub mod generate;
pub mod methods;
pub mod report;

pub use corpus::{Bucket, Corpus, CorpusError, Source};
