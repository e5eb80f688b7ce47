#!/usr/bin/env bash
# CI's fuzz step: build every target with cargo-fuzz, then run each for 20 seconds.
set -euo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
# The workspace's release profile uses fat LTO, which drops the sanitizer-coverage symbols
# the instrumented code refers to; fuzz builds use ordinary release settings instead.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
cargo fuzz build
exec ./run.sh 20
