//! Fuzz properties, shared by the cargo-fuzz targets and the ordinary tests.
//!
//! Each module is one target, named for the property it checks; its `run` panics (through
//! `assert!`) when the property fails, and its `smoke` test runs it on the committed seeds
//! (`fuzz/corpus/<target>/`) and a few hundred deterministic mutations of them, so
//! `cargo test` exercises every property on stable Rust. `docs/FUZZING.md` describes the
//! targets and how to run a campaign.

// A property that fails panics: that is how libFuzzer (and the test harness) learn of it.
#![allow(clippy::panic)]

pub mod answer;
pub mod document_matches_reference;
pub mod fix_is_idempotent_and_accepted;
pub mod frame_split_roundtrip;
pub mod ndjson_chunking_matches_whole;
pub mod number_literal_matches_std;
pub mod put_trace_segments_request;
pub mod scan_backends_agree;
pub mod serve_answer_matches_put_trace_segments;
pub mod structured_segment;
pub mod trace_checks_stay_bounded;

#[cfg(test)]
mod testing;

/// Inputs longer than this are cut before they are checked: the size limit is 65,536 bytes,
/// and nothing longer says more.
pub const MAX_INPUT: usize = 65_536 + 64;

/// Replays the files (or directories of files) named on the command line through `run`;
/// the `main` of a fuzz target built without libFuzzer.
pub fn replay(run: fn(&[u8])) -> std::process::ExitCode {
    let mut files = Vec::new();
    for arg in std::env::args_os().skip(1) {
        let path = std::path::PathBuf::from(arg);
        match std::fs::read_dir(&path) {
            Ok(dir) => files.extend(dir.flatten().map(|e| e.path())),
            Err(_) => files.push(path),
        }
    }
    if files.is_empty() {
        eprintln!(
            "usage: TARGET FILE_OR_DIR... (built without libFuzzer, the target replays inputs)"
        );
        return std::process::ExitCode::FAILURE;
    }
    files.sort();
    for file in &files {
        match std::fs::read(file) {
            Ok(data) => {
                run(&data);
                println!("ok {}", file.display());
            }
            Err(e) => {
                eprintln!("{}: {e}", file.display());
                return std::process::ExitCode::FAILURE;
            }
        }
    }
    std::process::ExitCode::SUCCESS
}
