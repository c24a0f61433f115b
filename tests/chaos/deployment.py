"""A deployment of separate LedgerMesh processes (`ledgermesh serve command|query|projector|gateway`) on
servers of its own (PostgreSQL 18, nats-server 2.15 with a data folder, Valkey with an append-only
file), each of which a scenario may kill, pause, stop and start again on the same port and data."""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import httpx
import psycopg
from grpc_health.v1 import health_pb2, health_pb2_grpc
from ledgermesh.accounts.v1 import account_service_pb2 as acc
from ledgermesh.accounts.v1 import account_service_pb2_grpc
from prometheus_client.parser import text_string_to_metric_families

from composition import servers
from composition.servers import RunningServer, free_port
from tests.chaos.proxy import CuttableProxy
from tests.e2e.outside import REPO, outside_env
from tests.servers import temp_folder

SERVING = health_pb2.HealthCheckResponse.SERVING


@dataclass
class Dependency:
    """A server of the deployment's own, restartable on its port and data."""

    name: str
    start: Callable[[Path, int], RunningServer]
    folder: Path
    server: RunningServer | None = None
    port: int = 0

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def up(self) -> None:
        self.server = self.start(self.folder, self.port)
        self.port = self.server.port

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()

    def kill9(self) -> None:
        assert self.server is not None
        os.kill(self.server.pid, signal.SIGKILL)
        _wait_gone(self.server.pid)
        self.server.stop()  # forgets the process; its data stays


@dataclass
class Service:
    """One `ledgermesh serve <role>` process; restarted with the same environment and log file."""

    role: str
    env: dict[str, str]
    log: Path
    port: int
    process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "composition.cli", "serve", self.role], cwd=REPO,
                                            env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def kill9(self) -> None:
        self.signal(signal.SIGKILL)
        assert self.process is not None
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGCONT)
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None


@dataclass
class Deployment:
    folder: Path
    dependencies: dict[str, Dependency]
    services: dict[str, Service] = field(default_factory=dict)
    ports: dict[str, int] = field(default_factory=dict)
    secret_key: str = ""
    # Between the projector and NATS, when the scenario cuts that link.
    proxy: CuttableProxy | None = None

    @property
    def gateway_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['gateway']}"

    def env(self, **overrides: str) -> dict[str, str]:
        p = self.ports
        return {
            **outside_env(),
            "PYTHONPATH": os.pathsep.join([str(REPO), str(REPO / "gen")]),
            "DATABASE_URL": self.dependencies["postgresql"].url, "NATS_URL": self.dependencies["nats"].url,
            "REDIS_URL": self.dependencies["redis"].url,
            "LEDGERMESH_DATA_DIR": str(self.folder / "data"), "LEDGERMESH_SIGNING_KEY": "22" * 32,
            "LEDGERMESH_COMMAND_PORT": str(p["command"]), "LEDGERMESH_QUERY_PORT": str(p["query"]),
            "LEDGERMESH_GATEWAY_PORT": str(p["gateway"]),
            "LEDGERMESH_COMMAND_METRICS_PORT": str(p["command_metrics"]),
            "LEDGERMESH_QUERY_METRICS_PORT": str(p["query_metrics"]),
            "LEDGERMESH_PROJECTOR_METRICS_PORT": str(p["projector_metrics"]),
            "LEDGERMESH_COMMAND_TARGET": f"127.0.0.1:{p['command']}",
            "LEDGERMESH_QUERY_TARGET": f"127.0.0.1:{p['query']}",
            "LEDGERMESH_RYW_TIMEOUT_MS": "3000",
            # The load is one merchant's: no rate limit in the way of its retries.
            "LEDGERMESH_GATEWAY_RATE_PER_SECOND": "100000", "LEDGERMESH_GATEWAY_RATE_BURST": "100000",
            "LEDGERMESH_LOG_LEVEL": "WARNING",
            # The load signs its merchants up itself, and its retries must not meet per-account limits.
            "LEDGERMESH_ALLOW_SIGNUP": "1",
            "LEDGERMESH_ACCOUNT_READS_PER_SECOND": "0", "LEDGERMESH_ACCOUNT_WRITES_PER_SECOND": "0",
            **overrides,
        }

    def add_service(self, name: str, role: str, port: int, **env: str) -> Service:
        service = Service(role, self.env(**env), self.folder / f"{name}.log", port)
        self.services[name] = service
        return service

    def logs(self) -> str:
        return "".join(f"\n--- {log.name} ---\n{log.read_text(errors='replace')[-4000:]}"
                       for log in sorted(self.folder.glob("*.log")))

    async def wait_serving(self, name: str, timeout: float = 180.0) -> None:
        """Until the service answers as its users reach it: gRPC health SERVING, the gateway's /healthz.
        The deadline is generous: on a busy 2-core machine (load 15-20) starting five Python processes at
        once took a command process over 60 s."""
        service = self.services[name]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not service.alive():
                raise AssertionError(f"{name} exited with {service.process and service.process.returncode}"
                                     f"{self.logs()}")
            if await _serving(service):
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"{name} not serving within {timeout}s{self.logs()}")

    async def all_serving(self) -> bool:
        for service in self.services.values():
            if not service.alive() or not await _serving(service):
                return False
        return True

    async def start_merchant(self) -> str:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{self.ports['command']}") as channel:
            created = await account_service_pb2_grpc.AccountCommandServiceStub(channel).CreateAccount(
                acc.CreateAccountRequest(email="chaos@example.com", business_name="Chaos Shop"), timeout=10)
        self.secret_key = created.secret_key
        return created.account.id

    async def log_head(self) -> int:
        """The highest position in the log now."""
        async with await psycopg.AsyncConnection.connect(self.dependencies["postgresql"].url) as conn:
            cur = await conn.execute("SELECT coalesce(max(global_position), 0) FROM ledgermesh.events")
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def projection_positions(self) -> dict[str, float]:
        """The highest log position each projection has applied, as the projector's /metrics says
        (`ledgermesh_projection_position`); empty while it does not answer."""
        try:
            async with httpx.AsyncClient(timeout=2) as http:
                text = (await http.get(f"http://127.0.0.1:{self.ports['projector_metrics']}/metrics")).text
        except httpx.HTTPError:
            return {}
        return {sample.labels["projection"]: sample.value for family in text_string_to_metric_families(text)
                if family.name == "ledgermesh_projection_position" for sample in family.samples}

    async def cli(self, *args: str, timeout: float = 120.0) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "composition.cli", *args, cwd=REPO, env=self.env(),
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        out, _ = await asyncio.wait_for(process.communicate(), timeout)
        return process.returncode or 0, out.decode(errors="replace")

    def close(self) -> None:
        for service in self.services.values():
            service.stop()
        for dependency in self.dependencies.values():
            dependency.stop()
        shutil.rmtree(self.folder, ignore_errors=True)


async def _serving(service: Service) -> bool:
    if service.role == "projector":
        return await _http_ok(f"http://127.0.0.1:{service.port}/metrics")
    if service.role == "gateway":
        return await _http_ok(f"http://127.0.0.1:{service.port}/healthz")
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{service.port}") as channel:
            reply = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(), timeout=1)
    except grpc.aio.AioRpcError:
        return False
    return reply.status == SERVING


async def _http_ok(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=1) as http:
            return (await http.get(url)).status_code == 200
    except httpx.HTTPError:
        return False


def _wait_gone(pid: int, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        # A zombie of ours still answers kill(pid, 0) until reaped by its parent (servers' Popen).
        if _zombie(pid):
            return
        time.sleep(0.02)
    raise AssertionError(f"process {pid} still running")


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1].startswith("Z")
    except (OSError, IndexError):
        return True


def port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


async def start_deployment(command_processes: int = 1, *, proxied_projector: bool = False) -> Deployment:
    """Servers and every service, started and serving; the extra command processes are named command2...,
    on ports of their own, all in one deployment (they share the log). With `proxied_projector` the
    projector reaches NATS through a proxy the test can cut."""
    folder = temp_folder("lm-chaos-")
    deps = {
        "postgresql": Dependency("postgresql", lambda d, p: servers.start_postgres(
            d, p, database="ledgermesh", durable=False), folder / "pg"),
        "nats": Dependency("nats", lambda d, p: servers.start_nats(d, p), folder / "nats"),
        "redis": Dependency("redis", lambda d, p: servers.start_valkey(d, p, append_only=True), folder / "valkey"),
    }
    deployment = Deployment(folder, deps)
    try:
        await asyncio.gather(*(asyncio.to_thread(d.up) for d in deps.values()))
        deployment.ports = {name: free_port() for name in (
            "command", "query", "gateway", "command_metrics", "query_metrics", "projector_metrics")}
        p = deployment.ports
        deployment.add_service("command", "command", p["command"])
        deployment.services["command"].start()
        # The first command service migrates the schema; the others start once it serves.
        await deployment.wait_serving("command")
        for n in range(2, command_processes + 1):
            port, metrics = free_port(), free_port()
            deployment.ports[f"command{n}"] = port
            deployment.add_service(f"command{n}", "command", port, LEDGERMESH_COMMAND_PORT=str(port),
                                   LEDGERMESH_COMMAND_METRICS_PORT=str(metrics))
        deployment.add_service("query", "query", p["query"])
        projector_env = {}
        if proxied_projector:
            deployment.proxy = await CuttableProxy(deps["nats"].port).start()
            projector_env["NATS_URL"] = deployment.proxy.url
        deployment.add_service("projector", "projector", p["projector_metrics"], **projector_env)
        deployment.add_service("gateway", "gateway", p["gateway"])
        for name, service in deployment.services.items():
            if name != "command":
                service.start()
        for name in deployment.services:
            await deployment.wait_serving(name)
    except BaseException:
        logs = deployment.logs()
        if deployment.proxy is not None:
            await deployment.proxy.close()
        deployment.close()
        if logs:
            print(logs)
        raise
    return deployment
