#!/usr/bin/env bash
# Fails when proto/ breaks wire or source compatibility (buf FILE rules) with the previous commit.
set -euo pipefail
here="${LEDGERMESH_ROOT:-$(cd "$(dirname "$0")/.." && pwd)}"
buf="${BUF:-$here/.venv/bin/buf}"
cd "$here"
against="${BREAKING_AGAINST:-HEAD~1}"
if ! git rev-parse --verify -q "$against^{commit}" >/dev/null; then
  echo "buf breaking: no $against to compare with (first commit or shallow clone); skipped"
  exit 0
fi
if ! git ls-tree -d --name-only "$against" proto | grep -q proto; then
  echo "buf breaking: $against has no proto/; nothing to compare"
  exit 0
fi
"$buf" breaking --against ".git#ref=$against,subdir=proto"
echo "buf breaking: no breaking change against $against"
