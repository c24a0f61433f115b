"""`ledgermesh up` (what `make run` runs), as a user runs it: each service in a child process of its
own, one log for them all, a service that dies started again, and everything stopped on SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from composition.servers import free_port, is_running
from support.settings import Settings
from tests.conftest import eventually
from tests.e2e.outside import REPO, outside_env, run

ROLES = {"command", "query", "projector", "gateway"}


@dataclass
class Up:
    process: subprocess.Popen[bytes]
    settings: Settings
    env: dict[str, str]
    log: Path

    def services(self) -> dict[str, int]:
        """The `ledgermesh serve <service>` children of the `up` process, by service."""
        found = {}
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if ppid == self.process.pid and b"serve" in argv:
                found[argv[argv.index(b"serve") + 1].decode()] = int(entry.name)
        return found

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def up(settings: Settings, cleanup: None, tmp_path: Path) -> Iterator[Up]:
    settings = settings.with_(command_port=free_port(), query_port=free_port(), gateway_port=free_port(),
                              projector_metrics_port=free_port(), command_metrics_port=free_port(),
                              query_metrics_port=free_port())
    env = {**outside_env(), **settings.to_env(),
           "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "gen")])}
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    log = tmp_path / "up.log"
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "composition.cli", "up"], cwd=REPO, env=env,
                                   stdout=out, stderr=subprocess.STDOUT)
    running = Up(process, settings, env, log)
    try:
        yield running
    finally:
        leftovers = running.services()
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in leftovers.values():
            if is_running(pid):
                os.kill(pid, signal.SIGKILL)


async def _charged(http: httpx.AsyncClient, key: str) -> httpx.Response | None:
    """The reply to a new charge, when it succeeded."""
    try:
        reply = await http.post("/v1/charges", headers={"Authorization": f"Bearer {key}"},
                                data={"amount": "2500", "currency": "usd", "source": "tok_visa"})
    except httpx.TransportError:
        return None
    return reply if reply.status_code == 200 else None


async def test_up_runs_every_service_in_its_own_process_restarts_one_that_dies_and_stops_them_all(up: Up) -> None:
    dev_account = Path(up.settings.data_dir) / "dev_account.json"
    async def account_saved() -> bool:
        return dev_account.exists()

    await eventually(account_saved, timeout=90, interval=0.2, message=f"no test account was printed{_tail(up)}")
    key = json.loads(dev_account.read_text())["secret_key"]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{up.settings.gateway_port}", timeout=10) as http:
        created = await eventually(lambda: _charged(http, key), timeout=60, interval=0.2,
                                   message=f"the gateway never took a charge{_tail(up)}")

        async def projected() -> bool:
            got = await http.get(f"/v1/charges/{created.json()['id']}", headers={"Authorization": f"Bearer {key}"})
            return got.status_code == 200 and got.json()["amount"] == 2500

        await eventually(projected, timeout=30, message=f"the charge never reached the read side{_tail(up)}")
        services = up.services()
        assert set(services) == ROLES, services
        status = await run([sys.executable, "-m", "composition.cli", "status"], env=up.env)
        assert status.returncode == 0, status.stdout + status.stderr

        os.kill(services["command"], signal.SIGKILL)

        async def restarted() -> bool:
            now = up.services().get("command")
            return now not in (None, services["command"]) and await _charged(http, key) is not None

        await eventually(restarted, timeout=90, interval=0.3,
                         message=f"the command service was not started again{_tail(up)}")
        assert "the command service exited" in up.output()
    # One log: each service's lines, named by the service.
    assert all(f"{role:<9}|" in up.output() for role in ROLES), _tail(up)

    children = up.services()
    up.process.send_signal(signal.SIGTERM)
    assert up.process.wait(timeout=60) == 0, _tail(up)
    assert not [pid for pid in children.values() if is_running(pid)], _tail(up)
    assert "LedgerMesh stopped." in up.output()


def _tail(up: Up) -> str:
    return "\n--- ledgermesh up ---\n" + up.output()[-4000:]


def test_up_refuses_a_port_another_program_listens_on_naming_it_and_its_variable(
        settings: Settings, cleanup: None) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        taken = other.getsockname()[1]
        settings = settings.with_(command_port=free_port(), query_port=free_port(), gateway_port=taken,
                                  projector_metrics_port=free_port(), command_metrics_port=free_port(),
                                  query_metrics_port=free_port())
        env = {**outside_env(), **settings.to_env(), "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "gen")])}
        env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
        done = subprocess.run([sys.executable, "-m", "composition.cli", "up"], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"gateway port {taken} (set LEDGERMESH_GATEWAY_PORT to move it)" in done.stderr, done.stderr
    assert "LedgerMesh is up" not in done.stdout + done.stderr
