//! cargo-fuzz target: see `xseg_fuzz::number_literal_matches_std`. Without `--cfg fuzzing` it
//! replays the files (or directories of files) named on its command line.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| xseg_fuzz::number_literal_matches_std::run(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    xseg_fuzz::replay(xseg_fuzz::number_literal_matches_std::run)
}
