#!/usr/bin/env bash
# Installs the real AWS clients that the `xseg serve` tests call (crates/xseg-cli/tests/serve.rs):
#
#   bash crates/xseg-cli/tests/clients/setup.sh
#
# - boto3 and the AWS CLI v1 (requirements.txt) into the Python venv of the capture,
#   corpus/out/env/venv, made first by corpus/capture/setup_python.sh if it is missing;
# - @aws-sdk/client-xray (package.json, package-lock.json) into node_modules/ beside this script.
#
# Does nothing for a client that is already there. Writes corpus/out/env/serve-clients.ok last:
# once it exists, a serve test that cannot find its client fails instead of being skipped.
# Needs python3, node 20 or later with npm, and access to PyPI and npm.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../../../.." && pwd)
VENV="$ROOT/corpus/out/env/venv"
MARKER="$ROOT/corpus/out/env/serve-clients.ok"

rm -f "$MARKER"
bash "$ROOT/corpus/capture/setup_python.sh"
if ! "$VENV/bin/python" -c 'import boto3, awscli' 2>/dev/null || [ ! -x "$VENV/bin/aws" ]; then
  echo "setup: boto3 and the AWS CLI in $VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
fi
"$VENV/bin/python" -c 'import importlib.metadata as m; print("setup: boto3", m.version("boto3"), "awscli", m.version("awscli"), "botocore", m.version("botocore"))'

if [ ! -f "$HERE/node_modules/@aws-sdk/client-xray/package.json" ]; then
  echo "setup: @aws-sdk/client-xray in $HERE/node_modules"
  (cd "$HERE" && npm ci --silent --no-audit --no-fund)
fi
node -e 'console.log("setup: @aws-sdk/client-xray", require(process.argv[1]).version, "on node", process.version)' \
  "$HERE/node_modules/@aws-sdk/client-xray/package.json"

touch "$MARKER"
