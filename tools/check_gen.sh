#!/usr/bin/env bash
# Fails when gen/ is not exactly what proto/ generates (someone edited gen/ or forgot `make proto`).
set -euo pipefail
# LEDGERMESH_ROOT lets a test point the check at a copy of the tree.
here="${LEDGERMESH_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}"
fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT
"$here/tools/gen_proto.sh" "$fresh" >/dev/null 2>&1
if ! diff -r -x __pycache__ "$fresh/ledgermesh" "$here/gen/ledgermesh" >/dev/null; then
  echo "gen/ is stale: it differs from a fresh generation of proto/. Run 'make proto' and commit gen/." >&2
  diff -r -q -x __pycache__ "$fresh/ledgermesh" "$here/gen/ledgermesh" >&2 || true
  exit 1
fi
echo "gen/ is up to date with proto/"
