//! cargo-fuzz target: see `xseg_fuzz::fix_is_idempotent_and_accepted`. Without `--cfg fuzzing`
//! it replays the files (or directories of files) named on its command line.
#![cfg_attr(fuzzing, no_main)]

#[cfg(fuzzing)]
libfuzzer_sys::fuzz_target!(|data: &[u8]| xseg_fuzz::fix_is_idempotent_and_accepted::run(data));

#[cfg(not(fuzzing))]
fn main() -> std::process::ExitCode {
    xseg_fuzz::replay(xseg_fuzz::fix_is_idempotent_and_accepted::run)
}
