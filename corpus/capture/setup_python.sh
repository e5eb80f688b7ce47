#!/usr/bin/env bash
# Sets up only the Python SDK environment of the capture, as step 1 of run.sh does:
#
#   corpus/capture/setup_python.sh
#
# creates corpus/out/env/venv with aws-xray-sdk 2.15.0 and its pinned dependencies
# (requirements.txt) unless a venv there already imports aws_xray_sdk and botocore, in which case
# it does nothing. run.sh reuses the venv it leaves. Needs python3 and access to PyPI.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ENVD="$ROOT/corpus/out/env"
PY="$ENVD/venv/bin/python"

mkdir -p "$ENVD"
if ! "$PY" -c 'import aws_xray_sdk, botocore' 2>/dev/null; then
  echo "setup: Python venv in $ENVD/venv"
  rm -rf "$ENVD/venv"
  python3 -m venv "$ENVD/venv"
  "$ENVD/venv/bin/pip" install --quiet --disable-pip-version-check -r "$HERE/requirements.txt"
fi
"$PY" -c 'import importlib.metadata as m; print("setup: aws-xray-sdk", m.version("aws-xray-sdk"), "in", __import__("sys").prefix)'
