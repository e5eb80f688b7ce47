#!/usr/bin/env bash
# Regenerates the real-SDK corpus in corpus/out/ (git-ignored):
#
#   corpus/capture/run.sh [--traces N] [--seeds K]
#
#  1. sets up, if missing, corpus/out/env/venv (aws-xray-sdk 2.15.0 + botocore, requirements.txt)
#     and corpus/out/env/node (aws-xray-sdk-core 3.x + AWS SDK v3 clients, node/package-lock.json);
#  2. inside a fresh network namespace when the machine allows one (only a loopback interface, so
#     nothing can leave the machine), starts endpoints.py and, for each seed 1..K and each SDK, a
#     collector on an ephemeral 127.0.0.1 port, runs the driver with AWS_XRAY_DAEMON_ADDRESS
#     pointed at it, and stops the collector;
#  3. assembles corpus/out/frames.bin and corpus/out/corpus.ndjson, checks that every datagram the
#     drivers sent was received, and prints the counts (also in corpus/out/stats.json).
#
# Defaults: --traces 1000 --seeds 7 (about 22,000 documents, 62 MB of bodies, under 2 minutes).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT="$ROOT/corpus/out"
ENVD="$OUT/env"
TRACES=1000
SEEDS=7
INNER=0
NETNS=auto

usage() { sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-0}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --traces) TRACES=$2; shift 2 ;;
    --seeds) SEEDS=$2; shift 2 ;;
    --no-netns) NETNS=no; shift ;;
    --inner) INNER=1; shift ;;
    -h|--help) usage 0 ;;
    *) echo "unknown argument: $1" >&2; usage 2 ;;
  esac
done
case "$TRACES$SEEDS" in *[!0-9]*) echo "--traces and --seeds take numbers" >&2; exit 2 ;; esac

PY="$ENVD/venv/bin/python"

setup() {
  mkdir -p "$ENVD"
  if ! "$PY" -c 'import aws_xray_sdk, botocore' 2>/dev/null; then
    echo "setup: Python venv in $ENVD/venv"
    rm -rf "$ENVD/venv"
    python3 -m venv "$ENVD/venv"
    "$ENVD/venv/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
  fi
  if ! cmp -s "$HERE/node/package-lock.json" "$ENVD/node/package-lock.json" \
     || [ ! -f "$ENVD/node/node_modules/aws-xray-sdk-core/package.json" ]; then
    echo "setup: Node packages in $ENVD/node"
    rm -rf "$ENVD/node"
    mkdir -p "$ENVD/node"
    cp "$HERE/node/package.json" "$HERE/node/package-lock.json" "$ENVD/node/"
    (cd "$ENVD/node" && npm ci --silent --no-audit --no-fund)
  fi
}

# --- capture (runs inside the network namespace when there is one) ----------------------------------
PIDS=()
cleanup() {
  local p
  for p in "${PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
}

wait_file() { # wait_file PATH: until a port file exists (max 10 s)
  local i
  for i in $(seq 100); do [ -s "$1" ] && return 0; sleep 0.1; done
  echo "timed out waiting for $1" >&2; return 1
}

capture() {
  trap cleanup EXIT
  if [ "$INNER" = 1 ]; then ip link set lo up; fi
  rm -rf "$OUT/runs" "$OUT/work"
  mkdir -p "$OUT/runs" "$OUT/work"
  python3 "$HERE/endpoints.py" --port-file "$OUT/runs/endpoints.port" 2>"$OUT/runs/endpoints.log" &
  local ep_pid=$!
  PIDS+=("$ep_pid")
  wait_file "$OUT/runs/endpoints.port"
  local endpoint="127.0.0.1:$(cat "$OUT/runs/endpoints.port")"

  local seed sdk run col_pid daemon extra
  for seed in $(seq 1 "$SEEDS"); do
    for sdk in python node; do
      run="$sdk-$seed"
      rm -f "$OUT/runs/$run.port"
      python3 "$HERE/collector.py" --port-file "$OUT/runs/$run.port" --out "$OUT/runs/$run.bin" \
        >"$OUT/runs/$run.collector.json" &
      col_pid=$!
      PIDS+=("$col_pid")
      wait_file "$OUT/runs/$run.port"
      daemon="127.0.0.1:$(cat "$OUT/runs/$run.port")"
      extra=()
      [ "$seed" = 1 ] && extra=(--oversize)
      mkdir -p "$OUT/work/$run"
      if [ "$sdk" = python ]; then
        (cd "$OUT/work/$run" && AWS_XRAY_DAEMON_ADDRESS="$daemon" PYTHONHASHSEED=0 PYTHONPATH="$HERE" \
          "$PY" "$HERE/driver_py.py" --seed "$seed" --traces "$TRACES" --daemon "$daemon" \
          --endpoint "$endpoint" "${extra[@]}" >"$OUT/runs/$run.driver.json" 2>"$OUT/runs/$run.log")
      else
        (cd "$OUT/work/$run" && AWS_XRAY_DAEMON_ADDRESS="$daemon" \
          node "$HERE/driver_node.js" --seed "$seed" --traces "$TRACES" --daemon "$daemon" \
          --endpoint "$endpoint" --node-env "$ENVD/node" "${extra[@]}" >"$OUT/runs/$run.driver.json" 2>"$OUT/runs/$run.log")
      fi
      kill -TERM "$col_pid"
      wait "$col_pid"
      printf '  %-9s driver %s  collector %s\n' "$run" \
        "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("sent=%d failed=%d" % (d["sent"], d["failed"]))' "$OUT/runs/$run.driver.json")" \
        "$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("received=%d truncated=%d" % (d["received"], d["truncated"]))' "$OUT/runs/$run.collector.json")"
    done
  done
  kill -TERM "$ep_pid"
  wait "$ep_pid" || true
  PIDS=()
}

if [ "$INNER" = 1 ]; then
  capture
  exit 0
fi

START=$(date +%s)
setup
echo "capture: $SEEDS seeds x $TRACES traces per SDK"
if [ "$NETNS" = auto ] && unshare -n true 2>/dev/null && command -v ip >/dev/null; then
  echo "capture: in a new network namespace (loopback only)"
  unshare -n -- "$0" --inner --traces "$TRACES" --seeds "$SEEDS"
else
  echo "capture: no network namespace available; every address used is on 127.0.0.1"
  capture
fi
python3 "$HERE/assemble.py" --out "$OUT" --seeds "$SEEDS"
echo "done in $(( $(date +%s) - START )) s"
