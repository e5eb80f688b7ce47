#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 60), one after the other, and prints what
# libFuzzer reports for each: executions, coverage (edges) and features, corpus size.
#
#   fuzz/run.sh [SECONDS] [TARGET...]
#
# Installs cargo-fuzz if it is missing. Works on stable Rust through RUSTC_BOOTSTRAP=1 (the
# sanitizer flags cargo-fuzz passes are nightly-only). New inputs go to fuzz/work/<target>/
# (git-ignored), seeded from the committed fuzz/corpus/<target>/; crashes go to
# fuzz/artifacts/<target>/ and make the script exit non-zero after all targets have run.
# Full libFuzzer output is in fuzz/logs/<target>.log.
set -uo pipefail
cd "$(dirname "$0")"

secs="${1:-60}"
shift || true
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --locked
fi

if [ "$#" -gt 0 ]; then
    targets="$*"
else
    targets="$(cargo fuzz list)"
fi

mkdir -p work logs
failed=""
printf '%-32s %10s %8s %8s %8s %8s  %s\n' target seconds execs exec/s cov ft result
for t in $targets; do
    mkdir -p "work/$t"
    log="logs/$t.log"
    start=$(date +%s)
    if cargo fuzz run "$t" "work/$t" "corpus/$t" -- \
        -max_total_time="$secs" -timeout=20 -dict=segment.dict -print_final_stats=1 >"$log" 2>&1; then
        result=ok
    else
        result=FAILED
        failed="$failed $t"
    fi
    took=$(( $(date +%s) - start ))
    execs=$(grep -oE 'stat::number_of_executed_units: +[0-9]+' "$log" | tail -1 | awk '{print $2}')
    rate=$(grep -oE 'stat::average_exec_per_sec: +[0-9]+' "$log" | tail -1 | awk '{print $2}')
    cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | awk '{print $2}')
    ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | awk '{print $2}')
    printf '%-32s %10s %8s %8s %8s %8s  %s\n' "$t" "$took" "${execs:-?}" "${rate:-?}" "${cov:-?}" "${ft:-?}" "$result"
done

if [ -n "$failed" ]; then
    echo "failed:$failed (see fuzz/logs/ and fuzz/artifacts/)"
    exit 1
fi
