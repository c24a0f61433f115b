"""`ledgermesh up`: the infrastructure (external or embedded), then every service, until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import socket
import sys
import time

from composition import devstack
from composition.dev_account import ensure_dev_account
from composition.devstack import DataDirInUse, DevStack, InfrastructureUnavailable, client_host, redact, stack_file
from composition.heap import settle_heap
from composition.servers import ServerStartError
from composition.subcommand import Subcommand, configure_logging, run_service
from composition.system import UP, start_system
from support.settings import Settings
from support.telemetry import setup_tracing

log = logging.getLogger("ledgermesh.up")

# How long to wait for the services' ports before announcing them anyway.
_LISTEN_TIMEOUT_S = 60.0
_REPEAT_SIGNAL_GRACE_S = 1.0


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    if not os.environ.get("LEDGERMESH_ALLOW_SIGNUP"):
        # The development stack is a test-mode platform: self sign-up on unless set otherwise.
        settings = settings.with_(allow_signup=True)
    configure_logging(settings.log_level)
    try:
        return run_service(_up(settings))
    except (InfrastructureUnavailable, ServerStartError, DataDirInUse) as exc:
        print(f"ledgermesh up: {exc}", file=sys.stderr)
        return 1
    except asyncio.CancelledError:
        print("LedgerMesh stopped by force.", file=sys.stderr)
        return 1


def _install_stop_signals(stop: asyncio.Event) -> None:
    """First Ctrl-C/SIGTERM asks for a clean stop; another one, later, cancels whatever is stuck."""
    loop = asyncio.get_running_loop()
    main_task = asyncio.current_task()
    first_at: list[float] = []

    def on_signal(signum: int) -> None:
        name = signal.Signals(signum).name
        if not first_at:
            first_at.append(time.monotonic())
            print(f"\n{name} received, stopping LedgerMesh...", file=sys.stderr, flush=True)
            stop.set()
        # One stop request often arrives twice at once (`timeout`, process managers and terminals
        # signal the whole process group): only a later one means "force".
        elif time.monotonic() - first_at[0] > _REPEAT_SIGNAL_GRACE_S and main_task is not None:
            print(f"{name} again: forcing the stop", file=sys.stderr, flush=True)
            main_task.cancel()

    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, on_signal, signum)


async def _up(settings: Settings) -> int:
    stop = asyncio.Event()
    _install_stop_signals(stop)
    settings, stack = await devstack.ensure_infrastructure(settings)
    try:
        if not stop.is_set():
            await _serve(settings, stack, stop)
    finally:
        await asyncio.to_thread(stack.stop)
        stack_file(settings).unlink(missing_ok=True)
    print("LedgerMesh stopped.", file=sys.stderr, flush=True)
    return 0


async def _serve(settings: Settings, stack: DevStack, stop: asyncio.Event) -> None:
    devstack.write_stack_file(settings, stack)
    announce = asyncio.create_task(_announce_when_listening(settings, stack))
    try:
        setup_tracing(settings)
        system = await start_system(settings, UP)
        try:
            await ensure_dev_account(settings, system.infra.pool, system.command_port)
            settle_heap()
            await stop.wait()
        finally:
            await system.stop()
    finally:
        announce.cancel()
    print("services stopped", file=sys.stderr, flush=True)


def _listening(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


async def _announce_when_listening(settings: Settings, stack: DevStack) -> None:
    host = client_host(settings.host)
    ports = {settings.command_port, settings.query_port, settings.gateway_port}
    deadline = time.monotonic() + _LISTEN_TIMEOUT_S
    listening = False
    while not listening and time.monotonic() < deadline:
        listening = all([await asyncio.to_thread(_listening, host, port) for port in ports])
        if not listening:
            await asyncio.sleep(0.2)
    metrics_up = await asyncio.to_thread(_listening, host, settings.projector_metrics_port)
    print(_summary(settings, stack, listening, metrics_up), flush=True)


def _summary(settings: Settings, stack: DevStack, listening: bool, metrics_up: bool) -> str:
    host = client_host(settings.host)
    embedded = {server.name: server for server in stack.started}
    lines = [
        "LedgerMesh is up:" if listening else "LedgerMesh started, but not every service listens yet:",
        f"  gateway      http://{host}:{settings.gateway_port}   (health: /healthz)",
        f"  command gRPC {host}:{settings.command_port}   (grpcurl -plaintext {host}:{settings.command_port} list)",
        f"  query gRPC   {host}:{settings.query_port}",
    ]
    if metrics_up:
        lines.append(f"  metrics      http://{host}:{settings.projector_metrics_port}/metrics   (projector)")
    for name, url in (
        ("PostgreSQL", settings.database_url),
        ("NATS", settings.nats_url),
        ("Redis", settings.redis_url),
    ):
        where = f"embedded, data in {embedded[name].data_dir}" if name in embedded else "external"
        lines.append(f"  {name:<12} {redact(url or '?')}   ({where})")
    lines.append(f"  status       ledgermesh status   (reads {stack_file(settings)})")
    lines.append("Press Ctrl-C to stop.")
    return "\n".join(lines)


COMMAND = Subcommand(run=run)
