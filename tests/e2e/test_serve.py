"""`ledgermesh serve <service>`: each service in its own process, as docker-compose runs them. A charge
made through the gateway is read back, and every process's /metrics shows its part of the work."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx
import pytest
from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.accounts.v1 import account_service_pb2_grpc

from composition.servers import free_port
from support.settings import Settings
from tests.conftest import eventually
from tests.e2e.outside import BIN, REPO, outside_env, run
from tests.e2e.test_metrics import Scrape


@dataclass
class Services:
    ports: dict[str, int]
    log_dir: Path
    operator_key: str = ""

    def logs(self) -> str:
        return "".join(f"\n--- {log.name} ---\n{log.read_text()[-3000:]}" for log in sorted(self.log_dir.glob("*.log")))


@pytest.fixture
def services(settings: Settings, cleanup: None, tmp_path: Path) -> Iterator[Services]:
    ports = {name: free_port() for name in ("command", "query", "gateway", "command_metrics", "query_metrics",
                                              "projector_metrics")}
    env = {
        **outside_env(),
        "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "gen")]),
        "DATABASE_URL": settings.database_url or "", "NATS_URL": settings.nats_url or "",
        "REDIS_URL": settings.redis_url or "",
        "LEDGERMESH_DB_SCHEMA": settings.db_schema, "LEDGERMESH_REDIS_PREFIX": settings.redis_prefix,
        "LEDGERMESH_STREAM": settings.stream_name, "LEDGERMESH_SUBJECT_PREFIX": settings.subject_prefix,
        "LEDGERMESH_DATA_DIR": str(settings.data_dir), "LEDGERMESH_SIGNING_KEY": "11" * 32,
        "LEDGERMESH_COMMAND_PORT": str(ports["command"]), "LEDGERMESH_QUERY_PORT": str(ports["query"]),
        "LEDGERMESH_GATEWAY_PORT": str(ports["gateway"]),
        "LEDGERMESH_COMMAND_METRICS_PORT": str(ports["command_metrics"]),
        "LEDGERMESH_QUERY_METRICS_PORT": str(ports["query_metrics"]),
        "LEDGERMESH_PROJECTOR_METRICS_PORT": str(ports["projector_metrics"]),
        "LEDGERMESH_COMMAND_TARGET": f"127.0.0.1:{ports['command']}",
        "LEDGERMESH_QUERY_TARGET": f"127.0.0.1:{ports['query']}",
        "LEDGERMESH_RYW_TIMEOUT_MS": "3000",
        # A test-mode platform: self sign-up open.
        "LEDGERMESH_ALLOW_SIGNUP": "1",
    }
    env.pop("OTEL_EXPORTER_OTLP_ENDPOINT", None)
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        # The command service migrates the schema; the others start once it listens.
        for name in ("command", "query", "projector", "gateway"):
            with (tmp_path / f"{name}.log").open("wb") as log:
                processes[name] = subprocess.Popen([sys.executable, "-m", "composition.cli", "serve", name], cwd=REPO,
                                                   env=env, stdout=log, stderr=subprocess.STDOUT)
            if name == "command":
                _wait_listening(processes[name], ports["command"], tmp_path / "command.log")
        # The platform's key, for the gateway's operator-only /metrics.
        operator = subprocess.run([sys.executable, "-m", "composition.cli", "keys", "create", "--operator"], cwd=REPO,
                                  env=env, capture_output=True, text=True, check=True).stdout.strip()
        yield Services(ports, tmp_path, operator)
    finally:
        for process in processes.values():
            process.send_signal(signal.SIGTERM)
        for process in processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _wait_listening(process: subprocess.Popen[bytes], port: int, log: Path, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"service exited with {process.returncode}: {log.read_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"nothing listened on {port} within {timeout}s")


async def _scrape(client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None) -> Scrape | None:
    try:
        response = await client.get(url, headers=headers)
    except httpx.TransportError:
        return None
    return Scrape(response.text) if response.status_code == 200 else None


async def test_each_service_runs_alone_and_exposes_its_metrics(services: Services) -> None:
    p = services.ports
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{p['gateway']}", timeout=10) as http:
        async def gateway_up() -> bool:
            try:
                return (await http.get("/healthz")).status_code == 200
            except httpx.TransportError:
                return False

        await eventually(gateway_up, timeout=30, message=f"gateway never answered{services.logs()}")
        async with grpc.aio.insecure_channel(f"127.0.0.1:{p['command']}") as channel:
            account = await account_service_pb2_grpc.AccountCommandServiceStub(channel).CreateAccount(
                acc.CreateAccountRequest(email="solo@example.com", business_name="Solo"))
        auth = {"Authorization": f"Bearer {account.secret_key}"}

        created = await http.post("/v1/charges", headers=auth,
                                  data={"amount": "1234", "currency": "usd", "source": "tok_visa"})
        assert created.status_code == 200, created.text

        async def projected() -> bool:
            r = await http.get(f"/v1/charges/{created.json()['id']}", headers=auth)
            return r.status_code == 200 and r.json()["amount"] == 1234

        await eventually(projected, timeout=15, message="the charge never reached the query service")

        async def all_moved() -> dict[str, Scrape] | None:
            scrapes = {
                "command": await _scrape(http, f"http://127.0.0.1:{p['command_metrics']}/metrics"),
                "query": await _scrape(http, f"http://127.0.0.1:{p['query_metrics']}/metrics"),
                "projector": await _scrape(http, f"http://127.0.0.1:{p['projector_metrics']}/metrics"),
                "gateway": await _scrape(http, "/metrics", {"Authorization": f"Bearer {services.operator_key}"}),
            }
            if any(s is None for s in scrapes.values()):
                return None
            ok = (scrapes["command"].value("ledgermesh_commands_total", command="CreateCharge", outcome="OK") == 1
                  and scrapes["command"].value("ledgermesh_events_appended_total", aggregate_type="Charge") >= 2
                  and scrapes["query"].value("ledgermesh_queries_total", query="GetCharge", outcome="OK") >= 1
                  and scrapes["projector"].value("ledgermesh_projection_events_applied_total", projection="charges") >= 2
                  and scrapes["gateway"].value("ledgermesh_http_requests_total", route="/v1/charges",
                                                status="200") == 1)
            return scrapes if ok else None  # type: ignore[return-value]

        scrapes = await eventually(all_moved, timeout=15, message="some process's metrics did not move")
    # Each process counts only its own work.
    assert scrapes["query"].value("ledgermesh_commands_total") == 0
    assert scrapes["command"].value("ledgermesh_projection_events_applied_total") == 0
    assert scrapes["command"].has("ledgermesh_relay_backlog_events")

    for port in (p["command"], p["query"]):
        checked = await run([str(BIN / "grpcurl"), "-plaintext", f"127.0.0.1:{port}", "grpc.health.v1.Health/Check"])
        assert checked.returncode == 0 and '"SERVING"' in checked.stdout, checked.stderr
