"""The contracts' gates: buf lint, a stale gen/ and a breaking proto change each fail the build."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _env(root: Path, tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "PYTHON": sys.executable, "LEDGERMESH_ROOT": str(root),
            "BUF_CACHE_DIR": str(tmp_path / "bufcache")}


def _copy_tree(tmp_path: Path) -> Path:
    copy = tmp_path / "tree"
    for part in ("proto", "gen", "tools"):
        shutil.copytree(ROOT / part, copy / part, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "buf.yaml", copy / "buf.yaml")
    return copy


def test_buf_lint_accepts_the_contracts(tmp_path: Path) -> None:
    result = subprocess.run([str(BIN / "buf"), "lint"], cwd=ROOT, env=_env(ROOT, tmp_path),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_buf_lint_refuses_an_undocumented_field(tmp_path: Path) -> None:
    copy = _copy_tree(tmp_path)
    proto = copy / "proto/ledgermesh/payments/v1/charge.proto"
    proto.write_text(proto.read_text().replace("  // Source token used.\n  string source = 31;", "  string source = 31;"))
    result = subprocess.run([str(BIN / "buf"), "lint"], cwd=copy, env=_env(copy, tmp_path),
                            capture_output=True, text=True)
    assert result.returncode != 0
    assert "source" in result.stdout + result.stderr


def test_generated_code_matches_the_contracts(tmp_path: Path) -> None:
    result = subprocess.run(["bash", str(ROOT / "tools/check_gen.sh")], env=_env(ROOT, tmp_path),
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_stale_generated_code_fails_the_check(tmp_path: Path) -> None:
    copy = _copy_tree(tmp_path)
    proto = copy / "proto/ledgermesh/payments/v1/charge.proto"
    # A message added without regenerating gen/ (a new message, so no field number can collide).
    proto.write_text(proto.read_text() + "\nmessage AddedWithoutRegenerating {\n  string note = 1;\n}\n")
    result = subprocess.run(["bash", str(copy / "tools/check_gen.sh")], env=_env(copy, tmp_path),
                            capture_output=True, text=True)
    assert result.returncode == 1
    assert "gen/ is stale" in result.stderr


def test_buf_breaking_detects_a_removed_field(tmp_path: Path) -> None:
    copy = _copy_tree(tmp_path)
    git = ["git", "-c", "user.email=ci@example.com", "-c", "user.name=ci"]
    subprocess.run([*git, "init", "-q"], cwd=copy, check=True)
    subprocess.run([*git, "add", "-A"], cwd=copy, check=True)
    subprocess.run([*git, "commit", "-qm", "base"], cwd=copy, check=True)
    proto = copy / "proto/ledgermesh/payments/v1/charge.proto"
    proto.write_text(proto.read_text().replace("  // Source token used.\n  string source = 31;\n", ""))
    subprocess.run([*git, "commit", "-qam", "remove a field"], cwd=copy, check=True)
    result = subprocess.run(["bash", str(ROOT / "tools/check_breaking.sh")], cwd=copy,
                            env={**_env(copy, tmp_path), "BUF": str(BIN / "buf")}, capture_output=True, text=True)
    assert result.returncode != 0
    assert "source" in result.stdout + result.stderr
