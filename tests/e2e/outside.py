"""Running programs the way an outside user does: another process, started from outside the repo."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
_PROBE = "import ledgermesh.payments.v1.payment_service_pb2_grpc"


@cache
def outside_env() -> dict[str, str]:
    """The environment of a user's process. When the project is pip-installed (`pip install -e .`,
    as `make` does) that is the plain environment; in a venv where it is not, the generated package
    is put on PYTHONPATH, as a user without the install would."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    installed = subprocess.run([sys.executable, "-c", _PROBE], cwd="/tmp", env=env, capture_output=True).returncode == 0
    if not installed:
        env["PYTHONPATH"] = os.pathsep.join([str(REPO / "gen"), str(REPO)])
    return env


@dataclass
class Finished:
    returncode: int
    stdout: str
    stderr: str


async def run(argv: list[str], *, timeout: float = 60.0, env: dict[str, str] | None = None) -> Finished:
    """Run a program without blocking the event loop that serves it (the system runs in-process)."""
    process = await asyncio.create_subprocess_exec(
        *argv, cwd="/tmp", env=env or outside_env(),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(), timeout)
    except TimeoutError:
        process.kill()
        out, err = await process.communicate()
        raise AssertionError(f"{argv[:2]} timed out; stdout={out.decode()!r} stderr={err.decode()[-2000:]!r}") from None
    return Finished(process.returncode or 0, out.decode(), err.decode())
