#!/usr/bin/env bash
# CI's fuzz step: build every target with cargo-fuzz, then run each for 20 seconds.
set -euo pipefail
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi
cargo fuzz build
exec ./run.sh 20
