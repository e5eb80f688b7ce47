//! cargo-fuzz target: see `xseg_fuzz::trace_checks_stay_bounded`. Without `--cfg fuzzing` it replays the files
//! (or directories of files) named on its command line.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| xseg_fuzz::trace_checks_stay_bounded::run(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    xseg_fuzz::replay(xseg_fuzz::trace_checks_stay_bounded::run)
}
