#!/usr/bin/env bash
# Regenerates gen/ from proto/: messages, .pyi stubs and gRPC stubs. Offline (grpc_tools ships protoc).
set -euo pipefail
here="${LEDGERMESH_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}"
py="${PYTHON:-$here/.venv/bin/python}"
out="${1:-$here/gen}"
rm -rf "$out/ledgermesh"
mkdir -p "$out"
cd "$here/proto"
files=$(find ledgermesh -name '*.proto' | sort)
# shellcheck disable=SC2086
"$py" -m grpc_tools.protoc -I . \
  --python_out="$out" --pyi_out="$out" --grpc_python_out="$out" \
  --mypy_grpc_out="$out" --plugin=protoc-gen-mypy_grpc="$(dirname "$py")/protoc-gen-mypy_grpc" \
  $files
# Generated packages need __init__.py so setuptools and mypy see them as regular packages.
find "$out/ledgermesh" -type d -exec touch {}/__init__.py \;
