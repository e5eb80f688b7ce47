//! Integration tests of the core engine.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod alloc;
#[path = "../common/counting.rs"]
mod counting;
mod docs;
mod edge_cases;
mod headers;
mod rule_suite;
mod rules;
mod sdk_corpus;
mod syntax_vs_serde;
mod view;
