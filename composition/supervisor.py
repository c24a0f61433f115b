"""`ledgermesh up` on every core: the command service, the query service, the projector and the gateway
each run as their own `ledgermesh serve <service>` child process (the entry point a deployment runs),
supervised by the `up` process.

One Python process uses one core, and REST charges on the all-in-one process spent all of it
(docs/write-path.md, "The embedded default"). The supervisor itself does little: it opens the
connections once (which migrates the schema and creates the signing and master keys in the data folder
before any child reads them), runs the daily reconciliation, hands the settings to its children through
their environment (Settings.to_env), relays their output into one log with each line named by its
service, restarts a child that dies, and stops them all, gateway first, on Ctrl-C or SIGTERM.
"""

from __future__ import annotations

import asyncio
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from composition.devstack import client_host
from composition.servers import free_port
from composition.system import Parts, RunningSystem, start_system
from support.settings import Settings, env_name

log = logging.getLogger("ledgermesh.up")

# Started in this order (the gateway last: it calls the others); stopped gateway first, then the rest together.
ROLES = ("command", "query", "projector", "gateway")
# Everything `up` runs that no `ledgermesh serve` service does: the balances recomputed daily.
SUPERVISOR_PARTS = Parts(reconciliation=True)
_PORTS = ("command_port", "query_port", "gateway_port", "projector_metrics_port", "command_metrics_port",
          "query_metrics_port")
# A child that keeps dying is restarted after a pause that doubles each time, up to this long; one that
# ran for a while before dying starts again at once.
_RESTART_PAUSE_MIN_S = 0.5
_RESTART_PAUSE_MAX_S = 15.0
_HEALTHY_RUN_S = 30.0
# A clean stop of a service (drain the command queue, close connections) takes well under this.
_STOP_GRACE_S = 15.0
_PR_SET_PDEATHSIG = 1
REPO = Path(__file__).resolve().parent.parent


def with_ports_picked(settings: Settings) -> Settings:
    """Settings where every port 0 ("any free port") is a real one: the gateway is told where the
    command and query children listen before they start."""
    picked: dict[str, object] = {name: free_port() for name in _PORTS if getattr(settings, name) == 0}
    settings = settings.with_(**picked)
    host = client_host(settings.host)
    return settings.with_(command_target=f"{host}:{settings.command_port}",
                          query_target=f"{host}:{settings.query_port}")


def ports_taken(settings: Settings) -> list[str]:
    """The services' fixed ports something else already listens on, each with the variable that moves
    it: `up` refuses to start on them (the service would die and restart forever, while the port
    answered as if LedgerMesh were up)."""
    host = client_host(settings.host)
    return [f"{name.removesuffix('_port').replace('_', ' ')} port {port} (set {env_name(name)} to move it)"
            for name in _PORTS if (port := getattr(settings, name)) and listening(host, port)]


def listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


async def until_listening(settings: Settings, stop: asyncio.Event, timeout_s: float,
                          ports: tuple[str, ...] = ("command_port", "query_port", "gateway_port",
                                                    "projector_metrics_port")) -> bool:
    """Wait until every service named by `ports` takes connections; False on the stop or the timeout."""
    host = client_host(settings.host)
    deadline = time.monotonic() + timeout_s
    while not stop.is_set() and time.monotonic() < deadline:
        if all([await asyncio.to_thread(listening, host, getattr(settings, name)) for name in ports]):
            return True
        await asyncio.sleep(0.1)
    return False


async def exited(process: subprocess.Popen[bytes]) -> int:
    """Wait for the process's exit without a thread: its pidfd becomes readable when it ends (a thread
    per child would take most of the event loop's small default thread pool for good)."""
    if process.poll() is not None:
        return process.returncode
    try:
        fd = os.pidfd_open(process.pid)
    except ProcessLookupError:
        return process.wait()
    loop = asyncio.get_running_loop()
    ended = loop.create_future()
    loop.add_reader(fd, lambda: ended.done() or ended.set_result(None))
    try:
        await ended
    finally:
        loop.remove_reader(fd)
        os.close(fd)
    return process.wait()


def _die_with_parent() -> Callable[[], None]:
    """What a child runs between fork and exec: SIGTERM when the supervisor dies, even by kill -9, so no
    service outlives it holding its port. Looked up in the parent: nothing to load after fork."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent = os.getpid()

    def in_child() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the supervisor died before the line above
            os._exit(1)

    return in_child


@dataclass
class Child:
    """One `ledgermesh serve <role>` process, started again when it dies until the supervisor stops."""

    role: str
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    started_at: float = 0.0
    restarts: int = 0
    _relay: threading.Thread | None = field(default=None, repr=False)

    def spawn(self) -> None:
        # From the event loop's thread: the death signal follows the thread that forked, and the
        # loop's thread lives as long as the supervisor.
        self.process = subprocess.Popen(
            [sys.executable, "-m", "composition.cli", "serve", self.role], env=self.env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            # Its own session: a Ctrl-C at the terminal reaches the supervisor alone, which stops the
            # services in order instead of all at once.
            start_new_session=True, preexec_fn=_die_with_parent())
        self.started_at = time.monotonic()
        assert self.process.stdout is not None
        self._relay = threading.Thread(target=_relay_lines, args=(self.role, self.process.stdout),
                                       name=f"log-{self.role}", daemon=True)
        self._relay.start()

    async def run(self, stopping: asyncio.Event) -> None:
        """Keep the child running until `stopping` is set."""
        pause = _RESTART_PAUSE_MIN_S
        while True:
            assert self.process is not None
            code = await exited(self.process)
            if stopping.is_set():
                return
            ran_s = time.monotonic() - self.started_at
            pause = _RESTART_PAUSE_MIN_S if ran_s > _HEALTHY_RUN_S else min(pause * 2, _RESTART_PAUSE_MAX_S)
            log.error("the %s service exited (code %s) after %.1f s; starting it again in %.1f s",
                      self.role, code, ran_s, pause)
            try:
                await asyncio.wait_for(stopping.wait(), pause)
                return
            except TimeoutError:
                pass
            self.restarts += 1
            self.spawn()

    async def stop(self) -> None:
        process = self.process
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(exited(process), _STOP_GRACE_S)
        except TimeoutError:
            log.error("the %s service did not stop within %.0f s: killed", self.role, _STOP_GRACE_S)
            process.kill()
            await exited(process)
        if self._relay is not None:
            await asyncio.to_thread(self._relay.join, 2.0)


def _relay_lines(role: str, output: IO[bytes]) -> None:
    """The child's output into the supervisor's log, each line named by its service."""
    name = f"{role:<9}|"
    for raw in iter(output.readline, b""):
        print(name, raw.decode(errors="replace").rstrip(), file=sys.stderr, flush=True)
    output.close()


@dataclass
class SupervisedSystem:
    """What `ledgermesh up` runs by default: its own part (RunningSystem) and one child per service."""

    settings: Settings
    system: RunningSystem
    children: list[Child]
    _stopping: asyncio.Event
    _watchers: list[asyncio.Task[None]] = field(default_factory=list)

    @property
    def pids(self) -> dict[str, int]:
        return {c.role: c.process.pid for c in self.children if c.process is not None}

    async def stop(self) -> None:
        self._stopping.set()
        # The gateway first: no new request reaches a service that is stopping; then the others together.
        gateways = [c for c in self.children if c.role == "gateway"]
        for child in gateways:
            await child.stop()
        await asyncio.gather(*(c.stop() for c in self.children if c not in gateways))
        await asyncio.gather(*self._watchers, return_exceptions=True)
        await self.system.stop()


def child_env(settings: Settings) -> dict[str, str]:
    """The environment of every child: this process's, with the settings written over it."""
    env = {**os.environ, **settings.to_env()}
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(REPO), str(REPO / "gen"), os.environ.get("PYTHONPATH", "")) if p)
    # The child's log lines carry the supervisor's prefix; Python's own buffering would delay them.
    env["PYTHONUNBUFFERED"] = "1"
    return env


async def start_supervised(settings: Settings, roles: tuple[str, ...] = ROLES) -> SupervisedSystem:
    """Start the supervisor's own part, then one child per role; `settings` must have every port picked
    (with_ports_picked) and every URL set."""
    system = await start_system(settings, SUPERVISOR_PARTS)
    stopping = asyncio.Event()
    children = [Child(role, child_env(settings)) for role in roles]
    supervised = SupervisedSystem(settings, system, children, stopping)
    try:
        for child in children:
            child.spawn()
            supervised._watchers.append(asyncio.create_task(child.run(stopping), name=f"supervise-{child.role}"))
    except BaseException:
        await supervised.stop()
        raise
    return supervised
